"""Interface text: Dutch by default, English on request. Keys are the Dutch strings themselves, so a missing
translation falls back to Dutch rather than to a key name."""
from __future__ import annotations

LANGUAGES = {"nl": "Nederlands", "en": "English"}

EN = {
    "Overzicht": "Overview",
    "Thema's": "Themes",
    "Betrokkenheid": "Engagement",
    "Hotspots": "Hotspots",
    "Vergelijken": "Compare",
    "Evaluatie": "Evaluation",
    "Data en kwaliteit": "Data and quality",
    "Gemeente": "Municipality",
    "Periode": "Period",
    "Taal": "Language",
    "Wijk": "District",
    "Wijken": "Districts",
    "Buurt": "Neighbourhood",
    "Indicator op de kaart": "Indicator on the map",
    "Incidenten per 1.000 inwoners": "Incidents per 1,000 inhabitants",
    "Berichten per 1.000 inwoners": "Posts per 1,000 inhabitants",
    "% voelt zich weleens onveilig in de buurt": "% sometimes feels unsafe in the neighbourhood",
    "Inwoners": "Inhabitants",
    "Bron": "Source",
    "onbekend": "unknown",
    "Download CSV": "Download CSV",
    "Download Excel": "Download Excel",
    "Laatste 12 maanden": "Last 12 months",
    "Kies een wijk": "Choose a district",
    "Alle wijken": "All districts",
    "Klik op een wijk op de kaart of kies hem hier.": "Click a district on the map or choose it here.",
    "Demo: Lindenwaard is een verzonnen gemeente; alle cijfers en berichten zijn gegenereerd.":
        "Demo: Lindenwaard is a fictitious municipality; all figures and posts are generated.",
    "Open toegang: dit dashboard is zonder inloggen te zien voor iedereen op deze computer (alleen localhost).":
        "Open access: anyone on this computer can see this dashboard without signing in (localhost only).",
    "Er is nog geen warehouse.": "There is no warehouse yet.",
    "Wijkbeeld: wat speelt er in de wijk?": "Wijkbeeld: what is going on in the district?",
    "Tabel": "Table",
    "per jaar": "per year",
    "Samenvatting per wijk": "Summary per district",
    "Top-thema's": "Top themes",
    "Verandering t.o.v. vorige periode": "Change against the previous period",
}


def register(translations: dict[str, str]) -> None:
    """Pages add their own English strings (Dutch text -> English) at import time."""
    EN.update(translations)


def translate(text: str, lang: str) -> str:
    if lang == "en":
        return EN.get(text, text)
    return text
