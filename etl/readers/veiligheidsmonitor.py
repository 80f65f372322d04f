"""Veiligheidsmonitor (CBS, survey on safety perception and liveability) per region and wave.

Two forms:
- the OData table folder of 85146NED ('Veiligheidsmonitor; wijk, buurt'): dimensions `Marges` (MW00000 value,
  MOG0095 lower and MBG0095 upper bound of the 95% interval), `RegioS`, `Perioden`, one topic per question;
- the StatLine CSV download: wide, column titles are the topic hierarchy joined by '/', decimal commas and a
  `Marges` column holding labels ('Waarde', 'Ondergrens ...', 'Bovengrens ...').

Topics are mapped to our indicator keys (VM_INDICATORS) by CBS Key: a Key matches when it is one of the
`key_prefixes` followed by the numeric suffix CBS appends ('_1', '_12', which changes between editions). The
prefixes below are the camel-cased question titles CBS uses for these topics; `title_patterns` are a fallback
for editions that abbreviate keys, and the only route for the CSV download (which carries titles, not keys).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from etl.readers.base import Reject, ReadResult, SourceError
from etl.readers.cbs_odata import (
    implausible_years,
    parse_cbs_number,
    parse_periods,
    plausible_years_text,
    read_cbs_csv,
    read_cbs_table,
    unparsable_numbers,
)

VM_INDICATORS: dict[str, dict] = {
    "onveilig_buurt": {
        "label": "Voelt zich weleens onveilig in de eigen buurt",
        "unit": "%",
        "higher_is_worse": True,
        "key_prefixes": ["VoeltZichWeleensOnveiligInBuurt", "VoeltZichWelEensOnveiligInBuurt", "OnveiligInEigenBuurt"],
        "title_patterns": [r"voelt zich wel ?eens onveilig in (de )?(eigen )?(woon)?buurt"],
    },
    "onveilig_algemeen": {
        "label": "Voelt zich weleens onveilig (algemeen)",
        "unit": "%",
        "higher_is_worse": True,
        "key_prefixes": ["VoeltZichWeleensOnveilig", "VoeltZichWelEensOnveilig"],
        "title_patterns": [r"^voelt zich wel ?eens onveilig$"],
    },
    "veel_criminaliteit_buurt": {
        "label": "Denkt dat er veel criminaliteit in de buurt is",
        "unit": "%",
        "higher_is_worse": True,
        "key_prefixes": ["DenktVeelCriminaliteitInBuurt", "VeelCriminaliteitInBuurt"],
        "title_patterns": [r"denkt dat er veel criminaliteit in (de )?buurt"],
    },
    "rapportcijfer_veiligheid": {
        "label": "Rapportcijfer veiligheid in de buurt",
        "unit": "cijfer",
        "higher_is_worse": False,
        "key_prefixes": ["RapportcijferVeiligheidInBuurt", "RapportcijferVeiligheidBuurt", "RapportcijferVeiligheid"],
        "title_patterns": [r"rapportcijfer veiligheid"],
    },
    "rapportcijfer_leefbaarheid": {
        "label": "Rapportcijfer leefbaarheid woonbuurt",
        "unit": "cijfer",
        "higher_is_worse": False,
        "key_prefixes": ["RapportcijferLeefbaarheidWoonbuurt", "RapportcijferLeefbaarheidBuurt", "RapportcijferLeefbaarheid"],
        "title_patterns": [r"rapportcijfer leefbaarheid"],
    },
    "fysieke_verloedering": {
        "label": "Fysieke verloedering (schaalscore 0-10)",
        "unit": "schaalscore",
        "higher_is_worse": True,
        "key_prefixes": ["SchaalscoreFysiekeVerloedering", "FysiekeVerloedering"],
        "title_patterns": [r"fysieke verloedering"],
    },
    "sociale_overlast": {
        "label": "Sociale overlast (schaalscore 0-10)",
        "unit": "schaalscore",
        "higher_is_worse": True,
        "key_prefixes": ["SchaalscoreSocialeOverlast", "SocialeOverlast"],
        "title_patterns": [r"sociale overlast"],
    },
    "sociale_cohesie": {
        "label": "Sociale cohesie (schaalscore 0-10)",
        "unit": "schaalscore",
        "higher_is_worse": False,
        "key_prefixes": ["SchaalscoreSocialeCohesie", "SocialeCohesie"],
        "title_patterns": [r"sociale cohesie"],
    },
}
RESPONDENT_PREFIXES = ("Respondenten", "AantalRespondenten", "OngewogenAantalRespondenten")
MARGIN_CODES = {"MW00000": "value", "MOG0095": "lower", "MBG0095": "upper"}
MARGIN_LABELS = ((r"^waarde", "value"), (r"^ondergrens", "lower"), (r"^bovengrens", "upper"))
UNIT_RANGES = {"%": (0.0, 100.0), "cijfer": (1.0, 10.0), "schaalscore": (0.0, 10.0)}
# The whole national Veiligheidsmonitor has some 200,000 respondents a wave: more for one region is a broken cell
# (and would overflow the Int64 column).
MAX_RESPONDENTS = 10_000_000
# StatLine region labels without codes: the country and the twelve provinces.
REGION_LABEL_CODES = {
    "nederland": "NL01", "groningen (pv)": "PV20", "friesland (pv)": "PV21", "fryslân (pv)": "PV21",
    "drenthe (pv)": "PV22", "overijssel (pv)": "PV23", "flevoland (pv)": "PV24", "gelderland (pv)": "PV25",
    "utrecht (pv)": "PV26", "noord-holland (pv)": "PV27", "zuid-holland (pv)": "PV28", "zeeland (pv)": "PV29",
    "noord-brabant (pv)": "PV30", "limburg (pv)": "PV31",
}
VM_COLUMNS = {
    "area_code": "string",
    "period_start": "datetime64[ns]",
    "indicator": "string",
    "value": "Float64",
    "lower": "Float64",
    "upper": "Float64",
    "respondents": "Int64",
    "source_table": "string",
    "area_name": "string",
    "source_record": "string",
}


def indicator_for_key(key: str) -> str | None:
    """CBS topic Key -> indicator key, by exact prefix plus optional numeric suffix."""
    for indicator, spec in VM_INDICATORS.items():
        if any(re.fullmatch(rf"{re.escape(p)}(_\d+)?", key) for p in spec["key_prefixes"]):
            return indicator
    return None


def indicator_for_title(title: str) -> str | None:
    """Topic title (or the last segment of a StatLine CSV column, unit removed) -> indicator key."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", title.split("/")[-1]).strip().casefold()
    text = re.sub(r"\s+", " ", text)
    for indicator, spec in VM_INDICATORS.items():
        if any(re.search(p, text) for p in spec["title_patterns"]):
            return indicator
    return None


def _validate(long: pd.DataFrame, source: Path, locate) -> tuple[pd.DataFrame, list[Reject]]:
    """Reject values outside the unit's range and intervals that do not hold their value."""
    unit = long["indicator"].map({k: v["unit"] for k, v in VM_INDICATORS.items()})
    low = unit.map({u: r[0] for u, r in UNIT_RANGES.items()}).astype("float64")
    high = unit.map({u: r[1] for u, r in UNIT_RANGES.items()}).astype("float64")
    reasons = pd.Series(pd.NA, index=long.index, dtype="string")
    for column in ("value", "lower", "upper"):
        outside = ((long[column] < low) | (long[column] > high)).fillna(False).astype(bool)
        reasons = reasons.mask(outside & reasons.isna(), f"{column} buiten het bereik van de eenheid")
    inverted = ((long["lower"] > long["value"]) | (long["upper"] < long["value"])).fillna(False).astype(bool)
    reasons = reasons.mask(inverted & reasons.isna(), "betrouwbaarheidsinterval bevat de waarde niet")
    reasons = reasons.mask(long["period_start"].isna() & reasons.isna(), "onleesbare periode")
    reasons = reasons.mask(implausible_years(long["period_start"]) & reasons.isna(),
                           f"jaar van de meting ligt buiten {plausible_years_text()}")
    # respondents arrive as Float64 here: a count of people is whole, not negative and not absurdly large
    respondents = long["respondents"].astype("Float64")
    finite = pd.Series(np.isfinite(respondents.astype("float64").fillna(0).to_numpy()), index=long.index)
    impossible = (~finite | (respondents < 0) | (respondents > MAX_RESPONDENTS)).fillna(False).astype(bool)
    reasons = reasons.mask(impossible & reasons.isna(), "aantal respondenten is negatief of onmogelijk groot")
    fractional = ((respondents % 1) != 0).fillna(False).astype(bool) & finite
    reasons = reasons.mask(fractional & reasons.isna(), "aantal respondenten is geen geheel getal")
    bad = reasons.notna().to_numpy()
    rejects = [
        Reject.of(source, record, f"{reason} ({indicator} {area} {unit_}: {value} [{lower}; {upper}])")
        for record, reason, indicator, area, unit_, value, lower, upper in zip(
            locate(long[bad]), reasons[bad], long["indicator"][bad], long["area_code"].fillna(long["area_name"])[bad],
            unit[bad], long["value"][bad], long["lower"][bad], long["upper"][bad],
        )
    ]
    kept = long[~bad].reset_index(drop=True)
    kept["respondents"] = kept["respondents"].astype(VM_COLUMNS["respondents"])  # whole numbers only, checked above
    return kept, rejects


def _without_phantoms(wide: pd.DataFrame, locator: str) -> pd.DataFrame:
    """pivot_table(dropna=False) crosses every region with every period and indicator: a combination that no
    record in the file holds (no locator, no number) is not data and must not be checked or kept."""
    numbers = wide.reindex(columns=["value", "lower", "upper"])
    phantom = wide[locator].isna() & numbers.isna().all(axis=1)
    return wide[~phantom.to_numpy(dtype=bool)].reset_index(drop=True)


def _conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Order and type the columns; respondents stay Float64 until _validate has rejected fractions (0.5 would
    not cast to Int64) and _validate makes them Int64."""
    out = frame.copy()
    for column, dtype in VM_COLUMNS.items():
        dtype = "Float64" if column == "respondents" else dtype
        if column not in out:
            out[column] = pd.Series(pd.NA, index=out.index, dtype=dtype)
        out[column] = out[column].astype(dtype)
    return out[list(VM_COLUMNS)]


def _read_table(folder: Path) -> ReadResult:
    table = read_cbs_table(folder)
    dims = table.dimensions()
    geo = table.dimensions("GeoDimension")
    time = table.dimensions("TimeDimension")
    if "Marges" not in dims or not geo or not time:
        raise SourceError(
            folder,
            f"tabel {table.table_id} ('{table.title}') is geen Veiligheidsmonitor-tabel: "
            "dimensies Marges, RegioS en Perioden verwacht (zoals 85146NED)",
        )
    topics = table.topics()
    mapping: dict[str, str] = {}
    for key, title in zip(topics["Key"], topics["Title"]):
        indicator = indicator_for_key(key) or indicator_for_title(str(title or ""))
        if indicator and indicator not in mapping.values():
            mapping[key] = indicator
    if not mapping:
        raise SourceError(folder / "DataProperties.json", "geen enkel onderwerp herkend als Veiligheidsmonitor-indicator")
    respondent_key = next((k for p in RESPONDENT_PREFIXES if (k := table.topic_key(p))), None)
    data = table.data.copy()
    data["_position"] = np.arange(len(data))
    margin = data["Marges"].map(MARGIN_CODES)
    unknown_margin = margin.isna()
    rejects = [
        Reject.of(folder, loc, f"onbekende marge '{m}' (verwacht {', '.join(MARGIN_CODES)})")
        for loc, m in zip(table.locate(np.flatnonzero(unknown_margin.to_numpy())), data.loc[unknown_margin, "Marges"])
    ]
    data = data[~unknown_margin].assign(margin=margin[~unknown_margin])
    region, period = geo[0], time[0]
    long = data.melt(
        id_vars=[region, period, "margin", "_position"], value_vars=list(mapping), var_name="topic", value_name="number"
    )
    long["indicator"] = long["topic"].map(mapping)
    wide = long.pivot_table(
        index=[region, period, "indicator"], columns="margin", values="number", aggfunc="first", dropna=False
    )
    positions = long[long["margin"] == "value"].groupby([region, period, "indicator"])["_position"].first()
    wide = wide.reindex(columns=["value", "lower", "upper"]).reset_index()
    wide["_position"] = wide.set_index([region, period, "indicator"]).index.map(positions)
    wide = _without_phantoms(wide, "_position")
    if respondent_key:
        value_rows = data[data["margin"] == "value"].drop_duplicates([region, period])
        respondents = value_rows.set_index([region, period])[respondent_key]
        wide["respondents"] = wide.set_index([region, period]).index.map(respondents)
    periods = parse_periods(wide[period])
    labels = table.labels(region)
    out = pd.DataFrame(
        {
            "area_code": wide[region].astype("string"),
            "period_start": periods["period_start"],
            "indicator": wide["indicator"],
            "value": pd.to_numeric(wide["value"], errors="coerce"),
            "lower": pd.to_numeric(wide["lower"], errors="coerce"),
            "upper": pd.to_numeric(wide["upper"], errors="coerce"),
            "respondents": pd.to_numeric(wide.get("respondents"), errors="coerce") if respondent_key else pd.NA,
            "source_table": table.table_id,
            "area_name": wide[region].map(labels),
        }
    )
    out = _conform(out)
    pos = wide["_position"].fillna(0).astype("int64").to_numpy()
    out["source_record"] = pd.Series(table.locate(pos), dtype="string")
    out, bad = _validate(out, folder, lambda sub: sub["source_record"].fillna("?").tolist())
    notes = [
        f"{folder.name}: {table.table_id} '{table.title}'; indicatoren: "
        + ", ".join(f"{k}->{v}" for k, v in mapping.items())
        + ("" if respondent_key else "; aantal respondenten ontbreekt (blijft leeg)")
    ]
    return ReadResult(frame=out, rejects=rejects + bad, notes=notes, records_read=len(table.data))


def _read_csv(path: Path) -> ReadResult:
    raw = read_cbs_csv(path)
    lower = {c.casefold(): c for c in raw.columns}
    margin_col = lower.get("marges")
    period_col = lower.get("perioden")
    region_col = next((lower[c] for c in ("regio's", "regios", "wijken en buurten", "regio") if c in lower), None)
    if period_col is None or region_col is None:
        raise SourceError(path, f"geen Veiligheidsmonitor-download: kolommen Perioden en Regio's verwacht; gevonden: {', '.join(raw.columns)}")
    mapping: dict[str, str] = {}
    for column in raw.columns:
        if column in (margin_col, period_col, region_col):
            continue
        indicator = indicator_for_title(column)
        if indicator and indicator not in mapping.values():
            mapping[column] = indicator
    ignored = [c for c in raw.columns if c not in mapping and c not in (margin_col, period_col, region_col)]
    if not mapping:
        raise SourceError(path, "geen enkele kolom herkend als Veiligheidsmonitor-indicator")
    respondent_col = next((c for c in ignored if "respondent" in c.casefold()), None)
    margins = pd.Series("value", index=raw.index, dtype="string")
    if margin_col:
        label = raw[margin_col].str.casefold().fillna("")
        margins = pd.Series(pd.NA, index=raw.index, dtype="string")
        for pattern, name in MARGIN_LABELS:
            margins = margins.mask(label.str.contains(pattern, regex=True) & margins.isna(), name)
    rejects: list[Reject] = []
    for line in raw.index[margins.isna()]:
        rejects.append(Reject.of(path, f"line {line}", f"onbekende marge '{raw.at[line, margin_col]}'"))
    for column in mapping:
        for line in raw.index[unparsable_numbers(raw[column])]:
            rejects.append(Reject.of(path, f"line {line}", f"kolom '{column}': '{raw.at[line, column]}' is geen getal"))
    ok = margins.notna()
    frame = raw[ok].assign(_margin=margins[ok], _line=raw.index[ok])
    numbers = frame[list(mapping)].apply(parse_cbs_number).rename(columns=mapping)
    keyed = pd.concat([frame[[region_col, period_col, "_margin", "_line"]], numbers], axis=1)
    long = keyed.melt(id_vars=[region_col, period_col, "_margin", "_line"], var_name="indicator", value_name="number")
    wide = long.pivot_table(index=[region_col, period_col, "indicator"], columns="_margin", values="number",
                            aggfunc="first", dropna=False).reindex(columns=["value", "lower", "upper"]).reset_index()
    lines = long[long["_margin"] == "value"].groupby([region_col, period_col, "indicator"])["_line"].first()
    wide["_line"] = wide.set_index([region_col, period_col, "indicator"]).index.map(lines)
    wide = _without_phantoms(wide, "_line")
    if respondent_col:
        resp = frame[frame["_margin"] == "value"].set_index([region_col, period_col])[respondent_col]
        wide["respondents"] = wide.set_index([region_col, period_col]).index.map(parse_cbs_number(resp))
    labels = wide[region_col].astype("string")
    code = labels.str.casefold().map(REGION_LABEL_CODES).astype("string")
    coded = labels.str.match(r"^(GM\d{4}|WK\d{6}|BU\d{8}|PV\d{2}|NL\d{2})$").fillna(False).astype(bool)
    code = code.fillna(labels.where(coded))
    table_id = (re.match(r"^(\d{5}[A-Z]{3})", path.name) or [None, "veiligheidsmonitor-csv"])[1]
    out = _conform(
        pd.DataFrame(
            {
                "area_code": code,
                "period_start": parse_periods(wide[period_col])["period_start"],
                "indicator": wide["indicator"],
                "value": wide["value"],
                "lower": wide["lower"],
                "upper": wide["upper"],
                "respondents": wide["respondents"] if respondent_col else pd.NA,
                "source_table": table_id,
                "area_name": labels.where(~coded),
                "source_record": "line " + wide["_line"].astype("Int64").astype("string"),
            }
        )
    )
    out, bad = _validate(out, path, lambda sub: sub["source_record"].fillna("?").tolist())
    notes = [f"{path.name}: indicatoren " + ", ".join(f"'{c.split('/')[-1].strip()}'->{k}" for c, k in mapping.items())]
    if ignored:
        notes.append(f"{path.name}: {len(ignored)} kolommen zonder indicator genegeerd: " + "; ".join(c.split("/")[-1].strip() for c in ignored))
    if not margin_col:
        notes.append(f"{path.name}: geen kolom Marges; waarden zonder betrouwbaarheidsinterval")
    unnamed = int(out["area_code"].isna().sum())
    if unnamed:
        notes.append(f"{path.name}: {unnamed} rijen noemen de regio alleen bij naam; koppel ze met match_area_names()")
    if not respondent_col:
        notes.append(f"{path.name}: aantal respondenten ontbreekt (blijft leeg)")
    return ReadResult(frame=out, rejects=rejects + bad, notes=notes, records_read=len(raw))


def read_veiligheidsmonitor(path: Path | str) -> ReadResult:
    """Veiligheidsmonitor indicators per region and wave from a table folder (85146NED) or a StatLine CSV."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "bestand of tabelmap ontbreekt")
    if path.is_dir():
        return _read_table(path)
    return _read_csv(path)
