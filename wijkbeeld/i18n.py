"""Interface text: Dutch by default, English on request. Keys are the Dutch strings themselves, so a missing
translation falls back to Dutch rather than to a key name.

The language of the current script run is activated once per run (`activate`, called by ui.setup_page), like
Django's translation.activate: Streamlit runs each session's script in its own thread, so helpers that format
text outside a page (month names, "onbekend", summaries) follow the reader's choice without a parameter.
Anything cached across sessions (st.cache_data) must still take `lang` as a parameter so it is part of the key.
"""
from __future__ import annotations

import threading
from datetime import date

import pandas as pd

LANGUAGES = {"nl": "Nederlands", "en": "English"}

MONTHS = {
    "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec".split(),
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
}

_active = threading.local()

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
    "Demo: {name} is een verzonnen gemeente; alle cijfers en berichten zijn gegenereerd.":
        "Demo: {name} is a fictitious municipality; all figures and posts are generated.",
    "Demo: de gebiedsindeling is echt, maar alle cijfers en berichten zijn gegenereerd.":
        "Demo: the division into areas is real, but all figures and posts are generated.",
    "Open toegang: dit dashboard is zonder inloggen te zien voor iedereen op deze computer (alleen localhost).":
        "Open access: anyone on this computer can see this dashboard without signing in (localhost only).",
    "Er is nog geen warehouse.": "There is no warehouse yet.",
    "Wijkbeeld: wat speelt er in de wijk?": "Wijkbeeld: what is going on in the district?",
    "Tabel": "Table",
    "per jaar": "per year",
    "Samenvatting per wijk": "Summary per district",
    "Top-thema's": "Top themes",
    "Verandering t.o.v. vorige periode": "Change against the previous period",
    "t/m": "to",
}


# Labels that come from the warehouse (the default taxonomy in data/themes.yml, the crime groups of
# etl/crime_groups.py): a gemeente's own theme labels fall back to their Dutch text.
EN.update({
    "Inbraak": "Burglary", "Diefstal": "Theft", "Vernieling": "Vandalism", "Geweld": "Violence",
    "Jongerenoverlast": "Youth nuisance", "Drugs en drank": "Drugs and alcohol", "Verkeer": "Traffic",
    "Afval en verloedering": "Litter and decay", "Burenoverlast": "Neighbour nuisance",
    "Vuurwerk en brand": "Fireworks and fire", "Oplichting": "Fraud", "Verdachte situaties": "Suspicious situations",
    "Openbare ruimte": "Public space", "Activiteit": "Activities", "Participatie": "Participation",
    "Buurtpreventie": "Neighbourhood watch", "Vermist en gevonden": "Lost and found",
    "Getuigenoproep": "Witness appeals",
    "veiligheid": "safety", "leefbaarheid": "liveability", "gemeenschap": "community",
    "Vermogensmisdrijven": "Property crime", "Geweldsmisdrijven": "Violent crime",
    "Vernieling en openbare orde": "Vandalism and public order", "Verkeersmisdrijven": "Traffic offences",
    "Overige misdrijven": "Other crime", "Totaal misdrijven": "Total crime", "overlast": "nuisance",
    # The survey indicators of dim_indicator (the build writes the same labels for every warehouse)
    "Voelt zich weleens onveilig in de eigen buurt": "Sometimes feels unsafe in own neighbourhood",
    "Voelt zich weleens onveilig (algemeen)": "Sometimes feels unsafe (in general)",
    "Denkt dat er veel criminaliteit in de buurt is": "Thinks there is a lot of crime in the neighbourhood",
    "Rapportcijfer veiligheid in de buurt": "Rating of safety in the neighbourhood",
    "Rapportcijfer leefbaarheid woonbuurt": "Rating of liveability of the neighbourhood",
    "Fysieke verloedering (schaalscore 0-10)": "Physical decay (scale score 0-10)",
    "Sociale overlast (schaalscore 0-10)": "Social nuisance (scale score 0-10)",
    "Sociale cohesie (schaalscore 0-10)": "Social cohesion (scale score 0-10)",
    # Sources (source_label translates each '; '-separated part)
    "Politie via CBS (geregistreerde misdrijven)": "Police via CBS (registered crime)",
    "CBS Kerncijfers wijken en buurten": "CBS Key figures for districts and neighbourhoods",
    "Veiligheidsmonitor / wijkenquête": "Safety Monitor (Veiligheidsmonitor) / district survey",
    "Wijkpagina's (berichten en reacties)": "District pages (posts and comments)",
})


def register(translations: dict[str, str]) -> None:
    """Pages add their own English strings (Dutch text -> English) at import time."""
    EN.update(translations)


def activate(lang: str) -> None:
    """Make `lang` the language of this thread's script run."""
    _active.lang = lang if lang in LANGUAGES else "nl"


def active_language() -> str:
    return getattr(_active, "lang", "nl")


def translate(text: str, lang: str | None = None) -> str:
    if (lang or active_language()) == "en":
        return EN.get(text, text)
    return text


def format_number(value, decimals: int = 1, lang: str | None = None, missing: str | None = None) -> str:
    """1.234,5 in Dutch, 1,234.5 in English. Missing is a word ('onbekend' / 'unknown', or `missing`), never 0."""
    if value is None or pd.isna(value):
        return translate("onbekend", lang) if missing is None else missing
    text = f"{float(value):,.{decimals}f}"
    if (lang or active_language()) == "en":
        return text
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def translator(*tables: dict[str, str]):
    """translate(text, lang) that looks in a module's own tables first (a short Dutch word can mean something
    else on another page), then in the shared one."""
    def translate_here(text: str, lang: str) -> str:
        if lang != "en":
            return text
        for table in tables:
            if text in table:
                return table[text]
        return translate(text, "en")
    return translate_here


def source_label(text: str, lang: str | None = None) -> str:
    """A source line 'A; B; C' with each part translated on its own (sources are composed from parts)."""
    return "; ".join(translate(part.strip(), lang) for part in text.split(";"))


def month_label(d: date, lang: str | None = None) -> str:
    """'mrt 2025' / 'Mar 2025'."""
    return f"{MONTHS[lang or active_language()][d.month - 1]} {d.year}"


def span_label(first: date, last: date, lang: str | None = None) -> str:
    """'jan 2024 t/m dec 2024' / 'Jan 2024 to Dec 2024'; one month is just that month."""
    a, b = month_label(first, lang), month_label(last, lang)
    return a if a == b else f"{a} {translate('t/m', lang)} {b}"
