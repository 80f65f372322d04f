"""Wijkbeeld: entry point. `streamlit run dashboard.py` (or `make run`)."""
import streamlit as st

from wijkbeeld.pages_registry import PAGES

st.set_page_config(page_title="Wijkbeeld", page_icon="🏘️", layout="wide")
navigation = st.navigation([st.Page(path, title=title, icon=icon, url_path=url, default=(i == 0))
                            for i, (path, title, icon, url) in enumerate(PAGES)])
navigation.run()
