"""Wijkbeeld: entry point. `streamlit run dashboard.py` (or `make run`)."""
import streamlit as st

from wijkbeeld.i18n import LANGUAGES, translate
from wijkbeeld.pages_registry import PAGES
from wijkbeeld.ui import SHARED_VIEW

st.set_page_config(page_title="Wijkbeeld", page_icon="🏘️", layout="wide")
# The navigation is drawn before a page runs setup_page: its titles follow the language in the URL, else the
# one this session chose last.
lang = st.query_params.get("lang") or st.session_state.get(SHARED_VIEW, {}).get("lang")
lang = lang if lang in LANGUAGES else "nl"
navigation = st.navigation([st.Page(path, title=translate(title, lang), icon=icon, url_path=url, default=(i == 0))
                            for i, (path, title, icon, url) in enumerate(PAGES)])
navigation.run()
