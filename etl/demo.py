"""The demo municipality: Lindenwaard, a FICTITIOUS gemeente, generated deterministically.

Everything is written in the real source formats (GeoJSON boundaries in RD New, CBS OData v3 table folders for
population, police crime and the Veiligheidsmonitor, Graph API page-feed JSON for posts, CSV for the pages
configuration) and then loaded by the same readers as real data. Nothing here touches the database.
"""
from __future__ import annotations

import csv
import json
import math
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from etl import demo_posts
from etl.demo_geometry import gemeente_outline, tessellate

SEED = 20261128
GEMEENTE_CODE = "GM9999"  # not a real CBS code: real codes stop well below 9999
GEMEENTE_NAME = "Lindenwaard (fictief)"
# RD New centre of the fictitious outline: the middle of the Markermeer, where no real gemeente lies.
CENTER_RD = (142_000.0, 502_000.0)
FIRST_MONTH = date(2023, 10, 1)
LAST_MONTH = date(2026, 9, 1)  # police figures lag about a month behind
POSTS_UNTIL = datetime(2026, 10, 31, 23, 0, tzinfo=timezone.utc)
EXPORTED_AT = "2026-11-01T06:00:00+00:00"
KWB_TABLES = {2023: ("85618NED", "AantalInwoners_5"), 2024: ("85984NED", "AantalInwoners_6"), 2025: ("86165NED", "AantalInwoners_5")}
SURVEY_WAVES = (2023, 2025)

# (name, number of buurten, inhabitants per buurt range, character)
WIJKEN = [
    ("Centrum", 4, (1800, 3200), "centrum"),
    ("Oude Haven", 3, (1500, 2600), "oud"),
    ("Molenkwartier", 4, (2000, 3500), "gezin"),
    ("Vlietbeek", 3, (1600, 2800), "gezin"),
    ("De Weiden", 4, (1900, 3300), "naoorlogs"),
    ("Bloemhof", 3, (1400, 2500), "naoorlogs"),
    ("Kerkeveld", 3, (1200, 2200), "oud"),
    ("Rietlanden", 3, (1500, 2700), "nieuwbouw"),
    ("Bedrijventerrein Zuid", 2, (30, 90), "bedrijven"),
]
BUURT_SUFFIXES = ["Noord", "Zuid", "Oost", "West"]

# Pages: (page id, name, wijk index, launch date, owner type). Wijken 3, 6, 7 and 8 have no page (comparison group).
PAGES = [
    ("104000000000001", "Wijkpagina Centrum Lindenwaard", [0], date(2024, 11, 4), "gemeente"),
    ("104000000000002", "Oude Haven Verbindt", [1], date(2025, 1, 13), "gemeente"),
    ("104000000000003", "Molenkwartier Samen", [2], date(2025, 3, 3), "gemeente"),
    ("104000000000004", "Wijkpagina De Weiden", [4], date(2025, 5, 12), "gemeente"),
    ("104000000000005", "Bloemhof Leefbaar", [5], date(2025, 9, 1), "corporatie"),
]

# A subset of the 47022NED SoortMisdrijf code list, with yearly base rates per 1,000 inhabitants and a seasonal
# profile (peak month, amplitude).
CRIME_TYPES = [
    ("0.0.0 ", "Totaal misdrijven", None, None, None),
    ("1.1.1 ", "1.1.1 Diefstal/inbraak woning", 3.2, 12, 0.35),
    ("1.1.2 ", "1.1.2 Diefstal/inbraak box/garage/schuur", 1.4, 11, 0.25),
    ("1.2.1 ", "1.2.1 Diefstal uit/vanaf motorvoertuigen", 2.6, 1, 0.2),
    ("1.2.2 ", "1.2.2 Diefstal van motorvoertuigen", 0.6, 1, 0.1),
    ("1.2.3 ", "1.2.3 Diefstal van brom-, snor-, fietsen", 5.5, 7, 0.35),
    ("1.2.4 ", "1.2.4 Zakkenrollerij", 1.1, 8, 0.2),
    ("1.3.1 ", "1.3.1 Ongevallen (weg)", 4.0, 11, 0.15),
    ("1.4.4 ", "1.4.4 Bedreiging", 1.6, 6, 0.1),
    ("1.4.5 ", "1.4.5 Mishandeling", 2.4, 6, 0.15),
    ("1.4.6 ", "1.4.6 Straatroof", 0.3, 12, 0.2),
    ("1.6.1 ", "1.6.1 Brand/ontploffing", 0.7, 12, 0.6),
    ("1.6.2 ", "1.6.2 Overige vermogensdelicten", 3.1, 3, 0.05),
    ("2.1.1 ", "2.1.1 Drugs/drankoverlast", 1.8, 7, 0.25),
    ("2.2.1 ", "2.2.1 Vernieling cq. zaakbeschadiging", 4.8, 12, 0.3),
    ("2.4.1 ", "2.4.1 Burengerucht (relatieproblemen)", 0.9, 1, 0.1),
    ("2.5.1 ", "2.5.1 Diefstal/inbraak bedrijven enz.", 0.9, 12, 0.2),
    ("2.5.2 ", "2.5.2 Winkeldiefstal", 2.8, 12, 0.2),
    ("3.1.1 ", "3.1.1 Drugshandel", 0.5, 6, 0.1),
    ("3.7.4 ", "3.7.4 Cybercrime", 0.6, 3, 0.05),
    ("3.9.3 ", "3.9.3 Fraude (overig)", 2.2, 3, 0.05),
]
CHARACTER_FACTOR = {
    "centrum": {"1.2.4 ": 3.0, "2.5.2 ": 3.5, "1.4.5 ": 1.8, "2.1.1 ": 2.0, "1.2.3 ": 1.6},
    "oud": {"1.1.1 ": 1.2, "2.2.1 ": 1.2},
    "gezin": {"1.1.1 ": 1.1, "1.3.1 ": 0.8},
    "naoorlogs": {"2.2.1 ": 1.5, "2.1.1 ": 1.4, "1.4.4 ": 1.3, "3.1.1 ": 1.8},
    "nieuwbouw": {"1.1.1 ": 0.7, "1.3.1 ": 1.2},
    "bedrijven": {"2.5.1 ": 25.0, "1.2.1 ": 6.0, "2.2.1 ": 4.0},
}
# Genuine local surges in the last three months: (wijk index, buurt index or None for all, crime code, factor).
SURGES = [(4, None, "1.1.1 ", 6.0), (0, 1, "1.2.3 ", 3.0), (5, None, "2.2.1 ", 4.0)]
# Cells the source withheld (NULL): (wijk index, buurt index, crime code, month).
WITHHELD = [(6, 2, "1.4.5 ", date(2025, 2, 1)), (7, 0, "1.1.2 ", date(2024, 7, 1))]

SURVEY_INDICATORS = {
    # indicator key: (gemeente mean, spread between wijken, decimals, bound half-width at wijk level)
    "onveilig_buurt": (17.0, 6.0, 1, 4.5),
    "rapportcijfer_veiligheid": (7.2, 0.35, 1, 0.2),
    "rapportcijfer_leefbaarheid": (7.5, 0.3, 1, 0.2),
    "fysieke_verloedering": (2.6, 0.5, 1, 0.3),
    "sociale_overlast": (1.8, 0.5, 1, 0.3),
    "sociale_cohesie": (6.3, 0.35, 1, 0.25),
}


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    wijk_code: str | None
    geometry: shapely.Geometry
    character: str
    base_population: int


def _months() -> list[date]:
    return [d.date() for d in pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")]


def build_areas(rng: np.random.Generator) -> tuple[Area, list[Area], list[Area]]:
    outline = gemeente_outline(CENTER_RD, 3_800.0, rng)
    tiles = tessellate(outline, [w[1] for w in WIJKEN], rng)
    wijken, buurten = [], []
    for wi, ((name, _, pop_range, character), (wijk_poly, buurt_polys)) in enumerate(zip(WIJKEN, tiles)):
        wijk_code = f"WK{GEMEENTE_CODE[2:]}{wi:02d}"
        wijk_pop = 0
        for bi, poly in enumerate(buurt_polys):
            pop = int(rng.integers(*pop_range))
            wijk_pop += pop
            buurten.append(Area(f"BU{GEMEENTE_CODE[2:]}{wi:02d}{bi:02d}", f"{name} {BUURT_SUFFIXES[bi]}", "buurt",
                                wijk_code, poly, character, pop))
        wijken.append(Area(wijk_code, name, "wijk", wijk_code, wijk_poly, character, wijk_pop))
    gemeente = Area(GEMEENTE_CODE, GEMEENTE_NAME, "gemeente", None, shapely.union_all([w.geometry for w in wijken]),
                    "gemeente", sum(w.base_population for w in wijken))
    return gemeente, wijken, buurten


def population_by_year(areas: list[Area], rng: np.random.Generator) -> dict[tuple[str, int], int]:
    out = {}
    for a in areas:
        growth = rng.normal(0.008, 0.01)
        for year in KWB_TABLES:
            out[(a.code, year)] = int(round(a.base_population * (1 + growth) ** (year - 2023)))
    return out


# ---------------------------------------------------------------------------------------------- writers

def _write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def _feature_collection(features: list[dict]) -> dict:
    return {
        "type": "FeatureCollection",
        "name": "demo",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": features,
    }


def write_boundaries(out: Path, gemeente: Area, wijken: list[Area], buurten: list[Area]) -> None:
    def feature(area: Area, props: dict) -> dict:
        return {"type": "Feature", "properties": props, "geometry": mapping(area.geometry)}

    gm = {"gemeentecode": gemeente.code, "gemeentenaam": gemeente.name}
    _write_json(out / "boundaries" / "gemeenten.geojson", _feature_collection([feature(gemeente, gm)]))
    _write_json(out / "boundaries" / "wijken.geojson", _feature_collection([
        feature(w, {"wijkcode": w.code, "wijknaam": w.name, **gm, "water": "NEE"}) for w in wijken]))
    _write_json(out / "boundaries" / "buurten.geojson", _feature_collection([
        feature(b, {"buurtcode": b.code, "buurtnaam": b.name, "wijkcode": b.wijk_code, **gm, "water": "NEE"})
        for b in buurten]))


def _odata(table_id: str, entity: str, values: list[dict], next_link: str | None = None) -> dict:
    base = f"https://opendata.cbs.nl/ODataApi/odata/{table_id}"
    payload = {"odata.metadata": f"{base}/$metadata#Cbs.OData.WebAPI.{entity}", "value": values}
    if next_link:
        payload["odata.nextLink"] = next_link
    return payload


def _data_property(pid: int, kind: str, key: str, title: str, parent: int | None = None, unit: str | None = None,
                   decimals: int | None = None) -> dict:
    prop = {"odata.type": f"Cbs.OData.{kind}", "ID": pid, "Position": str(pid), "ParentID": parent, "Type": kind,
            "Key": key, "Title": title, "Description": title}
    if kind == "Topic":
        prop.update({"ReportingType": "Absolute", "DataType": "Long" if not decimals else "Double", "Unit": unit or "aantal",
                     "Decimals": decimals or 0, "Default": "Impossible", "PresentationType": "Absolute"})
    return prop


def _padded_region(code: str) -> str:
    return code.ljust(10)  # CBS pads region keys to 10 characters


def _write_table(folder: Path, table_id: str, title: str, props: list[dict], code_lists: dict[str, list[dict]],
                 rows: list[dict], page_size: int) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    _write_json(folder / "TableInfos.json", _odata(table_id, "TableInfos", [{
        "ID": 0, "Title": title, "Identifier": table_id, "Language": "nl", "Catalog": "CBS",
        "Frequency": "Perjaar", "Period": "demo", "ShortDescription": f"{title} (fictieve demogemeente)",
        "Summary": "Gegenereerd voor de Wijkbeeld-demo; geen echte cijfers.", "Modified": "2026-11-01T02:00:00",
        "Source": "Wijkbeeld-demo (fictief)"}]))
    _write_json(folder / "DataProperties.json", _odata(table_id, "DataProperties", props))
    for name, items in code_lists.items():
        _write_json(folder / f"{name}.json", _odata(table_id, name, items))
    pages = max(1, math.ceil(len(rows) / page_size))
    for p in range(pages):
        chunk = rows[p * page_size:(p + 1) * page_size]
        next_link = (f"https://opendata.cbs.nl/ODataApi/odata/{table_id}/TypedDataSet?$skip={(p + 1) * page_size}"
                     if p + 1 < pages else None)
        _write_json(folder / f"TypedDataSet_{p + 1:03d}.json", _odata(table_id, "TypedDataSet", chunk, next_link))


def _region_code_list(areas: list[Area]) -> list[dict]:
    return [{"Key": _padded_region(a.code), "Title": a.name, "Description": None,
             "Municipality": GEMEENTE_NAME, "DetailRegionCode": a.code} for a in areas]


def write_population(out: Path, areas: list[Area], population: dict) -> None:
    for year, (table_id, pop_key) in KWB_TABLES.items():
        props = [
            _data_property(0, "GeoDimension", "WijkenEnBuurten", "Wijken en buurten"),
            _data_property(1, "Topic", "Gemeentenaam_1", "Gemeentenaam", unit=None),
            _data_property(2, "Topic", "SoortRegio_2", "Soort regio", unit=None),
            _data_property(3, "Topic", "Codering_3", "Codering", unit=None),
        ]
        if pop_key.endswith("_6"):
            props.append(_data_property(4, "Topic", "IndelingswijzigingWijkenEnBuurten_4", "Indelingswijziging"))
        props.append(_data_property(len(props), "Topic", pop_key, "Aantal inwoners", unit="aantal"))
        props.append(_data_property(len(props), "Topic", f"Mannen_{int(pop_key.split('_')[1]) + 1}", "Mannen"))
        for p in props[1:4]:
            p.update({"DataType": "String", "Unit": None})
        rows = []
        for i, a in enumerate(areas):
            pop = population[(a.code, year)]
            rows.append({"ID": i, "WijkenEnBuurten": _padded_region(a.code), "Gemeentenaam_1": GEMEENTE_NAME.ljust(40),
                         "SoortRegio_2": {"gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}[a.level].ljust(10),
                         "Codering_3": _padded_region(a.code), pop_key: pop,
                         f"Mannen_{int(pop_key.split('_')[1]) + 1}": int(pop * 0.49)})
        _write_table(out / "cbs" / table_id, table_id, f"Kerncijfers wijken en buurten {year}", props,
                     {"WijkenEnBuurten": _region_code_list(areas)}, rows, page_size=10_000)


def _season(month: int, peak: int, amplitude: float) -> float:
    return 1 + amplitude * math.cos(2 * math.pi * (month - peak) / 12)


def simulate_incidents(wijken: list[Area], buurten: list[Area], population: dict, rng: np.random.Generator) -> pd.DataFrame:
    months = _months()
    last3 = months[-3:]
    withheld = {(f"BU{GEMEENTE_CODE[2:]}{w:02d}{b:02d}", code, m) for w, b, code, m in WITHHELD}
    records = []
    wijk_index = {w.code: i for i, w in enumerate(wijken)}
    for b in buurten:
        wi = wijk_index[b.wijk_code]
        bi = int(b.code[-2:])
        for code, _, rate, peak, amp in CRIME_TYPES[1:]:
            factor = CHARACTER_FACTOR.get(b.character, {}).get(code, 1.0)
            # Each buurt has its own lasting level (over-dispersion between areas).
            level = rng.gamma(8.0, 1 / 8.0)
            for m in months:
                pop = population[(b.code, min(m.year, max(KWB_TABLES)))]
                mu = pop / 1000 * rate / 12 * factor * level * _season(m.month, peak, amp)
                if m in last3:
                    for sw, sb, scode, sf in SURGES:
                        if sw == wi and scode == code and (sb is None or sb == bi):
                            mu *= sf
                count = int(rng.poisson(mu))
                value = None if (b.code, code, m) in withheld else count
                records.append((b.code, b.wijk_code, m, code, value))
    return pd.DataFrame.from_records(records, columns=["buurt_code", "wijk_code", "month", "crime_code", "count"])


def write_police(out: Path, gemeente: Area, wijken: list[Area], buurten: list[Area], incidents: pd.DataFrame) -> None:
    table_id = "47022NED"
    # Wijk and gemeente rows as the source publishes them: a sum is withheld when a part is.
    def rollup(frame: pd.DataFrame, key: str) -> pd.DataFrame:
        grouped = frame.groupby([key, "month", "crime_code"], sort=True)["count"]
        return pd.DataFrame({"count": grouped.sum(min_count=1), "n_null": grouped.apply(lambda s: s.isna().sum())}
                            ).reset_index().assign(count=lambda d: d["count"].where(d["n_null"] == 0))
    levels = [incidents.rename(columns={"buurt_code": "area"})[["area", "month", "crime_code", "count"]],
              rollup(incidents, "wijk_code").rename(columns={"wijk_code": "area"})[["area", "month", "crime_code", "count"]],
              rollup(incidents.assign(gm=gemeente.code), "gm").rename(columns={"gm": "area"})[["area", "month", "crime_code", "count"]]]
    long = pd.concat(levels, ignore_index=True)
    totals = long.groupby(["area", "month"], sort=True)["count"].agg(lambda s: None if s.isna().any() else int(s.sum())).reset_index()
    totals["crime_code"] = "0.0.0 "
    long = pd.concat([totals[["area", "month", "crime_code", "count"]], long], ignore_index=True)
    long = long.sort_values(["crime_code", "area", "month"], kind="stable").reset_index(drop=True)
    rows = [{"ID": i, "SoortMisdrijf": code, "WijkenEnBuurten": _padded_region(area),
             "Perioden": f"{m.year}MM{m.month:02d}", "GeregistreerdeMisdrijven_1": None if pd.isna(c) else int(c)}
            for i, (area, m, code, c) in enumerate(long[["area", "month", "crime_code", "count"]].itertuples(index=False))]
    props = [
        _data_property(0, "Dimension", "SoortMisdrijf", "Soort misdrijf"),
        _data_property(1, "GeoDimension", "WijkenEnBuurten", "Wijken en buurten"),
        _data_property(2, "TimeDimension", "Perioden", "Perioden"),
        _data_property(3, "Topic", "GeregistreerdeMisdrijven_1", "Geregistreerde misdrijven", unit="aantal"),
    ]
    code_lists = {
        "SoortMisdrijf": [{"Key": code, "Title": title, "Description": None, "CategoryGroupID": None}
                          for code, title, *_ in CRIME_TYPES],
        "WijkenEnBuurten": _region_code_list([gemeente, *wijken, *buurten]),
        "Perioden": [{"Key": f"{m.year}MM{m.month:02d}", "Title": f"{m.year} {m.strftime('%B')}",
                      "Description": None, "Status": "Definitief"} for m in _months()],
    }
    _write_table(out / "politie" / table_id, table_id, "Geregistreerde misdrijven; wijk en buurt, maand (demo)",
                 props, code_lists, rows, page_size=10_000)


def write_survey(out: Path, gemeente: Area, wijken: list[Area], rng: np.random.Generator,
                 incidents: pd.DataFrame, population: dict) -> None:
    """Veiligheidsmonitor table in the 85146NED form: RegioS x Perioden x Marges, one column per indicator."""
    from etl.readers.veiligheidsmonitor import VM_INDICATORS  # the column keys the real table uses

    table_id = "85146NED"
    keys = {ind: f"{VM_INDICATORS[ind]['key_prefixes'][0]}_{i + 1}" for i, ind in enumerate(SURVEY_INDICATORS)}
    # Perceived unsafety follows registered crime loosely, plus a wijk's own character.
    per_wijk_rate = incidents.groupby("wijk_code")["count"].sum() / pd.Series({w.code: w.base_population for w in wijken})
    z = ((per_wijk_rate - per_wijk_rate.mean()) / per_wijk_rate.std()).to_dict()
    rows = []
    margins = [("MW00000", "Waarde"), ("MOG0095", "Ondergrens 95%-interval"), ("MBG0095", "Bovengrens 95%-interval")]
    for year in SURVEY_WAVES:
        for area in [gemeente, *wijken]:
            too_few = area.base_population < 500  # the bedrijventerrein: too few respondents to publish
            values = {}
            for ind, (mean, spread, dec, half) in SURVEY_INDICATORS.items():
                sign = -1 if ind in ("rapportcijfer_veiligheid", "rapportcijfer_leefbaarheid", "sociale_cohesie") else 1
                shift = 0.0 if area.level == "gemeente" else sign * spread * (0.6 * z.get(area.code, 0) + rng.normal(0, 0.6))
                if year == SURVEY_WAVES[-1] and area.level == "wijk" and any(p[2][0] == wijken.index(area) for p in PAGES):
                    shift -= sign * spread * 0.15  # a small improvement where a page runs (not a strong effect)
                value = round(mean + shift, dec)
                width = half / (2.5 if area.level == "gemeente" else 1)
                values[ind] = (value, round(value - width, dec), round(value + width, dec))
            for mkey, _ in margins:
                row = {"ID": len(rows), "Marges": mkey, "RegioS": _padded_region(area.code), "Perioden": f"{year}JJ00"}
                for ind, (v, lo, hi) in values.items():
                    row[keys[ind]] = None if too_few else {"MW00000": v, "MOG0095": lo, "MBG0095": hi}[mkey]
                rows.append(row)
    props = [_data_property(0, "Dimension", "Marges", "Marges"),
             _data_property(1, "GeoDimension", "RegioS", "Regio's"),
             _data_property(2, "TimeDimension", "Perioden", "Perioden")]
    for i, ind in enumerate(SURVEY_INDICATORS):
        meta = VM_INDICATORS[ind]
        props.append(_data_property(3 + i, "Topic", keys[ind], meta["label"], unit=meta.get("unit"), decimals=1))
    code_lists = {
        "Marges": [{"Key": k, "Title": t, "Description": None} for k, t in margins],
        "RegioS": _region_code_list([gemeente, *wijken]),
        "Perioden": [{"Key": f"{y}JJ00", "Title": str(y), "Description": None, "Status": "Definitief"} for y in SURVEY_WAVES],
    }
    _write_table(out / "veiligheidsmonitor" / table_id, table_id, "Veiligheidsmonitor; wijk (demo)", props,
                 code_lists, rows, page_size=10_000)


def write_pages_config(out: Path, wijken: list[Area]) -> None:
    with open(out / "pages.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["page_id", "platform", "name", "wijk_codes", "launch_date", "owner_type"])
        for page_id, name, wijk_idx, launch, owner in PAGES:
            w.writerow([page_id, "facebook", name, ";".join(wijken[i].code for i in wijk_idx), launch.isoformat(), owner])
    with open(out / "accounts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["platform", "account_ref", "account_name", "owner_type"])
        for ref, name, owner in demo_posts.ORG_ACCOUNTS:
            w.writerow(["facebook", ref, name, owner])
        for page_id, name, _, _, owner in PAGES:
            w.writerow(["facebook", page_id, name, owner])


def write_sources(out: Path, post_files: list[tuple[str, str]]) -> None:
    lines = [
        "# Sources for the fictitious demo municipality Lindenwaard (written by `python -m etl demo`).",
        "# Paths are relative to this file. See data/sources.example.toml for a real gemeente.",
        "is_demo = true",
        "# The demo's posts end in October 2026; keep them all whatever today's date is.",
        f'retention_reference_date = "{POSTS_UNTIL.date().isoformat()}"',
        'pages = "pages.csv"',
        'accounts = "accounts.csv"',
        "",
    ]
    for level in ("gemeenten", "wijken", "buurten"):
        lines += ["[[boundaries]]", f'path = "boundaries/{level}.geojson"', ""]
    for table_id in KWB_TABLES.values():
        lines += ["[[population]]", f'path = "cbs/{table_id[0]}"', ""]
    lines += ["[[police_crime]]", 'path = "politie/47022NED"', ""]
    lines += ["[[survey]]", 'path = "veiligheidsmonitor/85146NED"', ""]
    # One entry per page: the folder holds that page's feed as Graph API response pages (feed_001.json, ...).
    for page_id in dict.fromkeys(page_id for page_id, _ in post_files):
        lines += ["[[posts]]", f'path = "posts/{page_id}"', 'format = "facebook_graph"', f'page_id = "{page_id}"',
                  f'exported_at = "{EXPORTED_AT}"', ""]
    (out / "sources.toml").write_text("\n".join(lines), encoding="utf-8")


def generate(out: Path, scale: str = "demo") -> dict:
    """Write the whole demo into `out` (replacing an earlier demo there). Returns counts for the CLI."""
    if scale != "demo":
        raise ValueError(f"unknown scale {scale!r}")
    rng = np.random.default_rng(SEED)
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("boundaries", "cbs", "politie", "veiligheidsmonitor", "posts"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    gemeente, wijken, buurten = build_areas(rng)
    population = population_by_year([gemeente, *wijken, *buurten], rng)
    write_boundaries(out, gemeente, wijken, buurten)
    write_population(out, [gemeente, *wijken, *buurten], population)
    incidents = simulate_incidents(wijken, buurten, population, rng)
    write_police(out, gemeente, wijken, buurten, incidents)
    write_survey(out, gemeente, wijken, rng, incidents, population)
    write_pages_config(out, wijken)
    surge_themes = {wijken[w].code: demo_posts.CRIME_THEME.get(code) for w, _, code, _ in SURGES}
    post_files, n_records = demo_posts.write_page_feeds(
        out, rng=np.random.default_rng(SEED + 1),
        pages=[(pid, name, [wijken[i] for i in idx], launch, owner) for pid, name, idx, launch, owner in PAGES],
        until=POSTS_UNTIL, surge_themes=surge_themes, surge_from=datetime(2026, 7, 1, tzinfo=timezone.utc))
    write_sources(out, post_files)
    return {"gemeente": GEMEENTE_NAME, "wijken": len(wijken), "buurten": len(buurten),
            "incident_rows": int(len(incidents)), "post_records": n_records, "folder": str(out)}
