"""The dashboard's pages: (script, Dutch title, icon, URL path). Tests and benchmarks iterate over this list."""
PAGES = [
    ("pages/overzicht.py", "Overzicht", "🗺️", "overzicht"),
    ("pages/themas.py", "Thema's", "🏷️", "themas"),
    ("pages/betrokkenheid.py", "Betrokkenheid", "💬", "betrokkenheid"),
    ("pages/data_kwaliteit.py", "Data en kwaliteit", "🧾", "data-en-kwaliteit"),
]
