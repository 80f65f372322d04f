import streamlit as st
st.set_page_config(page_title="Wijkbeeld", layout="wide")
pages = [("pages/overzicht.py", "Overzicht", "overzicht"), ("pages/hotspots.py", "Hotspots", "hotspots"),
         ("pages/vergelijken.py", "Vergelijken", "vergelijken"), ("pages/evaluatie.py", "Evaluatie", "evaluatie")]
st.navigation([st.Page(p, title=t, url_path=u, default=(i == 0)) for i, (p, t, u) in enumerate(pages)]).run()
