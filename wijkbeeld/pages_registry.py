"""The dashboard's pages: (script, Dutch title, icon, URL path). Material icons ship with Streamlit, so they draw offline. Tests and benchmarks iterate over this list."""
PAGES = [
    ("pages/overzicht.py", "Overzicht", ":material/map:", "overzicht"),
    ("pages/themas.py", "Thema's", ":material/sell:", "themas"),
    ("pages/betrokkenheid.py", "Betrokkenheid", ":material/forum:", "betrokkenheid"),
    ("pages/hotspots.py", "Hotspots", ":material/location_on:", "hotspots"),
    ("pages/vergelijken.py", "Vergelijken", ":material/compare_arrows:", "vergelijken"),
    ("pages/evaluatie.py", "Evaluatie", ":material/insights:", "evaluatie"),
    ("pages/data_kwaliteit.py", "Data en kwaliteit", ":material/fact_check:", "data-en-kwaliteit"),
]
