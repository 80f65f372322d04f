"""The dashboard's pages: (script, Dutch title, icon, URL path). Tests and benchmarks iterate over this list."""
PAGES = [
    ("pages/overzicht.py", "Overzicht", "🗺️", "overzicht"),
]
