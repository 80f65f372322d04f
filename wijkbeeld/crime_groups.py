"""CBS/Politie crime kinds (SoortMisdrijf of 47022NED/47018NED/47013NED) -> main groups and dashboard themes.

Main groups follow CBS's broad split of registered crime: vermogen (property), geweld (violence, including
straatroof and overval as CBS's 'gewelddadige vermogensmisdrijven'), vernieling en openbare orde, verkeer and
overig (environment, fraud against the state, trafficking, ...). Themes are the post taxonomy keys so the
Hotspots page can set a rise in registered crime beside posts on the matching theme; None where no theme fits.

Registered nuisance (47024NED) has its own code list; its labels are mapped to themes by keywords
(`nuisance_theme`), as the police nuisance categories are few and their codes are not stable across tables.
"""
from __future__ import annotations

import re

TOTAL_CODE = "0.0.0"
TOTAL_LABEL = "Totaal misdrijven"

CRIME_GROUPS: dict[str, str] = {
    "vermogen": "Vermogensmisdrijven",
    "geweld": "Geweldsmisdrijven",
    "vernieling_openbare_orde": "Vernieling en openbare orde",
    "verkeer": "Verkeersmisdrijven",
    "overig": "Overige misdrijven",
}

THEMES = (
    "inbraak", "diefstal", "vernieling", "geweld", "jongerenoverlast", "drugs_drank", "verkeer",
    "afval_verloedering", "burenoverlast", "vuurwerk_brand", "oplichting",
)

# code: (label as published in the 47022NED code list, main group, theme or None)
SOORT_MISDRIJF: dict[str, tuple[str, str, str | None]] = {
    "1.1.1": ("Diefstal/inbraak woning", "vermogen", "inbraak"),
    "1.1.2": ("Diefstal/inbraak box/garage/schuur", "vermogen", "inbraak"),
    "1.2.1": ("Diefstal uit/vanaf motorvoertuigen", "vermogen", "diefstal"),
    "1.2.2": ("Diefstal van motorvoertuigen", "vermogen", "diefstal"),
    "1.2.3": ("Diefstal van brom-, snor-, fietsen", "vermogen", "diefstal"),
    "1.2.4": ("Zakkenrollerij", "vermogen", "diefstal"),
    "1.2.5": ("Diefstal af/uit/van ov. voertuigen", "vermogen", "diefstal"),
    "1.3.1": ("Ongevallen (weg)", "verkeer", "verkeer"),
    "1.4.1": ("Zedenmisdrijf", "geweld", "geweld"),
    "1.4.2": ("Moord, doodslag", "geweld", "geweld"),
    "1.4.3": ("Openlijk geweld (persoon)", "geweld", "geweld"),
    "1.4.4": ("Bedreiging", "geweld", "geweld"),
    "1.4.5": ("Mishandeling", "geweld", "geweld"),
    "1.4.6": ("Straatroof", "geweld", "geweld"),
    "1.4.7": ("Overval", "geweld", "geweld"),
    "1.5.2": ("Diefstallen (water)", "vermogen", "diefstal"),
    "1.6.1": ("Brand/ontploffing", "vernieling_openbare_orde", "vuurwerk_brand"),
    "1.6.2": ("Overige vermogensdelicten", "vermogen", None),
    "1.6.3": ("Mensenhandel", "overig", None),
    "2.1.1": ("Drugs/drankoverlast", "vernieling_openbare_orde", "drugs_drank"),
    "2.2.1": ("Vernieling cq. zaakbeschadiging", "vernieling_openbare_orde", "vernieling"),
    "2.4.1": ("Burengerucht (relatieproblemen)", "vernieling_openbare_orde", "burenoverlast"),
    "2.4.2": ("Huisvredebreuk", "vernieling_openbare_orde", None),
    "2.5.1": ("Diefstal/inbraak bedrijven enz.", "vermogen", "inbraak"),
    "2.5.2": ("Winkeldiefstal", "vermogen", "diefstal"),
    "2.6.1": ("Inrichting Wet Milieubeheer", "overig", None),
    "2.6.2": ("Bodem", "overig", None),
    "2.6.3": ("Water", "overig", None),
    "2.6.4": ("Afval", "overig", "afval_verloedering"),
    "2.6.5": ("Bouwstoffen", "overig", None),
    "2.6.7": ("Mest", "overig", None),
    "2.6.8": ("Transport gevaarlijke stoffen", "overig", None),
    "2.6.9": ("Vuurwerk", "vernieling_openbare_orde", "vuurwerk_brand"),
    "2.6.10": ("Bestrijdingsmiddelen", "overig", None),
    "2.6.11": ("Natuur en landschap", "overig", None),
    "2.6.12": ("Ruimtelijke ordening", "overig", None),
    "2.6.13": ("Dieren", "overig", None),
    "2.6.14": ("Voedselveiligheid", "overig", None),
    "2.7.2": ("Bijzondere wetten", "overig", None),
    "2.7.3": ("Leefbaarheid (overig)", "vernieling_openbare_orde", None),
    "3.1.1": ("Drugshandel", "overig", "drugs_drank"),
    "3.1.2": ("Mensensmokkel", "overig", None),
    "3.1.3": ("Wapenhandel", "overig", None),
    "3.2.1": ("Kinderporno", "overig", None),
    "3.2.2": ("Kinderprostitutie", "overig", None),
    "3.3.2": ("Onder invloed (lucht)", "verkeer", None),
    "3.3.5": ("Lucht (overig)", "verkeer", None),
    "3.4.2": ("Onder invloed (water)", "verkeer", None),
    "3.5.2": ("Onder invloed (weg)", "verkeer", "verkeer"),
    "3.5.5": ("Weg (overig)", "verkeer", "verkeer"),
    "3.6.4": ("Aantasting openbare orde", "vernieling_openbare_orde", None),
    "3.7.1": ("Discriminatie", "overig", None),
    "3.7.2": ("Vreemdelingenzorg", "overig", None),
    "3.7.3": ("Maatsch. integriteit (overig)", "overig", None),
    "3.7.4": ("Cybercrime", "overig", "oplichting"),
    "3.9.1": ("Horizontale fraude", "vermogen", "oplichting"),
    "3.9.2": ("Verticale fraude", "vermogen", None),
    "3.9.3": ("Fraude (overig)", "vermogen", "oplichting"),
}

# The code list as CBS publishes it ('1.1.1 Diefstal/inbraak woning'), including the total row.
SOORT_MISDRIJF_TITLES: dict[str, str] = {TOTAL_CODE: TOTAL_LABEL} | {
    code: f"{code} {label}" for code, (label, _, _) in SOORT_MISDRIJF.items()
}

# Registered nuisance categories (47024NED) by label keyword, most specific first.
_NUISANCE_THEMES: tuple[tuple[str, str | None], ...] = (
    (r"jeugd|jongeren", "jongerenoverlast"),
    (r"drugs|drank|alcohol", "drugs_drank"),
    (r"burengerucht|buren", "burenoverlast"),
    (r"vuurwerk|brand", "vuurwerk_brand"),
    (r"afval|verloedering|zwerfvuil", "afval_verloedering"),
    (r"verkeer|parkeer", "verkeer"),
)


def normalise_code(code: str) -> str:
    return str(code).strip()


def crime_group(code: str) -> str:
    """Main group key for a SoortMisdrijf code ('1.1.1 ' -> 'vermogen'). Raises KeyError for unknown codes
    and for the total row, which is not a kind of crime."""
    key = normalise_code(code)
    if key == TOTAL_CODE:
        raise KeyError(f"{TOTAL_CODE} is het totaal van alle soorten, geen eigen groep")
    return SOORT_MISDRIJF[key][1]


def crime_group_label(code: str) -> str:
    return CRIME_GROUPS[crime_group(code)]


def crime_theme(code: str) -> str | None:
    """Dashboard theme key for a SoortMisdrijf code, or None when no post theme matches (or code unknown)."""
    entry = SOORT_MISDRIJF.get(normalise_code(code))
    return entry[2] if entry else None


def nuisance_theme(label: str | None) -> str | None:
    """Theme for a registered nuisance category by its label ('Overlast jeugd' -> 'jongerenoverlast')."""
    if not label:
        return None
    text = label.casefold()
    for pattern, theme in _NUISANCE_THEMES:
        if re.search(pattern, text):
            return theme
    return None


def is_total(code: str | None, label: str | None = None) -> bool:
    """Total rows ('0.0.0', or a category titled 'Totaal ...') must never be added to their parts."""
    if code is not None and normalise_code(code) == TOTAL_CODE:
        return True
    return bool(label) and str(label).strip().casefold().startswith("totaal")
