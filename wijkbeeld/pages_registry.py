"""The dashboard's pages: (script, Dutch title, icon, URL path). Material icons ship with Streamlit, so they draw
offline. Tests and benchmarks iterate over this list. Each URL path is its script's file name: Streamlit's
pages/-folder mode names a page after its file, and ui.setup_page hands such a run to this navigation by page."""
PAGES = [
    ("pages/overzicht.py", "Overzicht", ":material/map:", "overzicht"),
    ("pages/themas.py", "Thema's", ":material/sell:", "themas"),
    ("pages/betrokkenheid.py", "Betrokkenheid", ":material/forum:", "betrokkenheid"),
    ("pages/hotspots.py", "Hotspots", ":material/location_on:", "hotspots"),
    ("pages/vergelijken.py", "Vergelijken", ":material/compare_arrows:", "vergelijken"),
    ("pages/evaluatie.py", "Evaluatie", ":material/insights:", "evaluatie"),
    ("pages/data_kwaliteit.py", "Data en kwaliteit", ":material/fact_check:", "data_kwaliteit"),
]
