"""The whole country as a synthetic demo: every gemeente, wijk and buurt, written in the real source formats.

`python -m etl demo --scale national` calls `generate_national(out)`. The areas are the real CBS division of
2014 (../shared/real/cbs-gebiedsindelingen-2014, read with the real boundary reader) when that folder is present,
otherwise generated rectangles in the same numbers; every FIGURE is simulated (population, police counts,
survey results, posts), deterministically from SEED. The files go through the same readers and the same
`python -m etl build` as real data, so this is the scale test of the whole pipeline and of the dashboard.

Quirks of the quantised 2014 files, handled here rather than hidden:
- 40 wijken and 1,116 buurten collapse to empty polygons (the file's ~300 m grid is coarser than they are):
  they are written with a null geometry, so they are kept as areas (codes, names, population, incidents) but
  have nothing to draw;
- 6 buurten belong to 4 wijken missing from the wijk file (WK032705, WK034007, WK059925, WK060600): those
  wijken are derived from their buurten (outline = union of the buurten) and named as derived;
- 4 wijken have no buurt in the buurt file: they get one simulated unit of their own, which counts towards the
  wijk and the gemeente but is never published as a buurt.

The size trade-off (see INCIDENT_PLAN): CBS's 47022NED holds every SoortMisdrijf code for every region and
month: 10 years x 12 months x (403 + 2,742 + 11,691 regions) x 59 codes is about 105 million rows (FULL_PLAN),
far beyond a 5-minute build in 6 GB on 2 cores: the build holds about 480 bytes per incident row at its peak
(OData reader, frames, concat) and spends about 7 us of CPU per row. Counts are simulated for every unit, code
and month of the ten years (so wijk and gemeente rows are true sums of their buurten, as published, and the
simulation is the same whatever is written), but only this is written, about 6.7 million rows:
- gemeente and wijk rows: all 58 codes plus the total, the last 24 months (a 12-month period and the 12 months
  before it: what Overzicht compares; 'alle misdrijven' per wijk is complete);
- buurt rows: 6 common, locally visible codes (woninginbraak, diefstal uit/vanaf motorvoertuigen, fietsdiefstal,
  mishandeling, drugs-/drankoverlast, vernieling) plus the total, the last 27 months (24 months of history and
  3 recent months: the hotspot window). Buurt rows therefore do not add up to their wijk: the codes not
  published per buurt are missing at that level, never zero.
Ten years are simulated but not written; `generate_national(plan=FULL_PLAN)` writes them all (a machine with
~50 GB and a long build).
"""
from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from scipy import sparse

from etl import demo, demo_posts
from wijkbeeld.crime_groups import SOORT_MISDRIJF, SOORT_MISDRIJF_TITLES, TOTAL_CODE
from etl.geo import write_geojson

SEED = 20261129
REAL_BOUNDARIES = Path(__file__).resolve().parents[2] / "shared" / "real" / "cbs-gebiedsindelingen-2014"
WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"

FIRST_MONTH = date(2016, 10, 1)
LAST_MONTH = demo.LAST_MONTH  # 2026-09: police figures lag about a month behind
POSTS_UNTIL = demo.POSTS_UNTIL
RETENTION_MONTHS = 24  # the default retention: posts are generated only within it, so every one is loaded
POSTS_FROM = datetime(2024, 11, 1, tzinfo=timezone.utc)
EXPORTED_AT = demo.EXPORTED_AT
FEED_PAGE_SIZE = 100  # the Graph API's maximum `limit` for a page feed
ODATA_PAGE_SIZE = 10_000  # rows per TypedDataSet page, as the CBS OData API serves them
POST_RECORDS = 1_050_000  # posts + comments + replies: at least this many are written

# Kerncijfers wijken en buurten: one table per reference year (ids as CBS uses them; the inhabitants key's
# numeric suffix differs per edition, the reader finds it by prefix).
POPULATION_TABLES: dict[int, tuple[str, str]] = {
    2016: ("83487NED", "AantalInwoners_5"), 2017: ("83765NED", "AantalInwoners_5"),
    2018: ("84286NED", "AantalInwoners_5"), 2019: ("84583NED", "AantalInwoners_5"),
    2020: ("84799NED", "AantalInwoners_5"), 2021: ("85039NED", "AantalInwoners_5"),
    2022: ("85318NED", "AantalInwoners_5"), **demo.KWB_TABLES,
}
SURVEY_WAVES = (2017, 2019, 2021, 2023, 2025)
SURVEY_WIJK_SHARE = 0.4  # share of gemeenten that ordered a Veiligheidsmonitor sample large enough per wijk
SURVEY_MIN_POPULATION = 1_000  # smaller wijken: too few respondents, published as empty

ALL_CODES: tuple[str, ...] = tuple(SOORT_MISDRIJF)


@dataclass(frozen=True)
class LevelPlan:
    codes: tuple[str, ...]  # SoortMisdrijf codes published at this level (the total row 0.0.0 comes on top)
    months: int             # the last `months` months of the window


BUURT_CODES: tuple[str, ...] = ("1.1.1", "1.2.1", "1.2.3", "1.4.5", "2.1.1", "2.2.1")
INCIDENT_PLAN: dict[str, LevelPlan] = {
    "gemeente": LevelPlan(ALL_CODES, 24),
    "wijk": LevelPlan(ALL_CODES, 24),
    "buurt": LevelPlan(BUURT_CODES, 27),
}
FULL_PLAN: dict[str, LevelPlan] = {level: LevelPlan(ALL_CODES, 120) for level in ("gemeente", "wijk", "buurt")}

# Yearly registrations per 1,000 inhabitants, peak month, seasonal amplitude and yearly trend per code. The
# demo's 20 codes keep the demo's rates; the rest are rarer kinds (environment, trafficking, ...).
_DEMO_RATES = {code.strip(): (rate, peak, amp) for code, _, rate, peak, amp in demo.CRIME_TYPES[1:]}
_OTHER_RATES = {
    "1.2.5": 0.5, "1.4.1": 0.35, "1.4.2": 0.05, "1.4.3": 0.25, "1.4.7": 0.05, "1.5.2": 0.1, "1.6.3": 0.01,
    "2.4.2": 0.3, "2.6.1": 0.05, "2.6.2": 0.01, "2.6.3": 0.01, "2.6.4": 0.15, "2.6.5": 0.005, "2.6.7": 0.01,
    "2.6.8": 0.005, "2.6.9": 0.2, "2.6.10": 0.003, "2.6.11": 0.05, "2.6.12": 0.03, "2.6.13": 0.08,
    "2.6.14": 0.005, "2.7.2": 0.3, "2.7.3": 0.1, "3.1.2": 0.01, "3.1.3": 0.15, "3.2.1": 0.1, "3.2.2": 0.003,
    "3.3.2": 0.001, "3.3.5": 0.005, "3.4.2": 0.005, "3.5.2": 1.4, "3.5.5": 1.0, "3.6.4": 0.6, "3.7.1": 0.05,
    "3.7.2": 0.05, "3.7.3": 0.3, "3.9.1": 1.2, "3.9.2": 0.05,
}
_SEASON = {"2.6.9": (12, 0.95), "1.5.2": (7, 0.5), "2.6.11": (6, 0.4)}
TRENDS = {"1.1.1": -0.06, "1.1.2": -0.04, "1.2.1": -0.03, "1.2.4": -0.05, "3.7.4": 0.12, "3.9.1": 0.08,
          "3.9.3": 0.05, "2.6.9": 0.02, "1.4.4": 0.02}
CHARACTERS = ("centrum", "oud", "gezin", "naoorlogs", "nieuwbouw")
CHARACTER_WEIGHTS = (0.06, 0.22, 0.32, 0.24, 0.16)
BEDRIJVEN_MAX_POPULATION = 120  # below this a buurt is taken to be a business park or rural area
WITHHELD_CELLS = 150  # buurt cells the source withholds (NULL); their wijk and gemeente sums are NULL too

PAGE_SHARE = 0.25  # share of eligible wijken with a wijk page
PAGE_MIN_POPULATION = 1_500
OWNER_TYPES = ("gemeente", "corporatie", "welzijn", "bewoners")
OWNER_WEIGHTS = (0.6, 0.2, 0.1, 0.1)
PAGE_NAME_FORMS = ("Wijkpagina {}", "{} Verbindt", "{} Samen", "Buurtpreventie {}", "{} Leefbaar")


# ---------------------------------------------------------------------------------------------- areas

@dataclass
class Country:
    gemeenten: pd.DataFrame      # code, name
    wijken: gpd.GeoDataFrame     # code, name, gemeente_code, derived, geometry (WGS84; None when collapsed)
    buurten: gpd.GeoDataFrame    # code, name, wijk_code, gemeente_code, geometry
    source: str                  # 'cbs-2014' or 'synthetic'


def _gemeente_name(code: str) -> str:
    # The 2014 files carry no gemeente names; the code keeps them unambiguous.
    return f"Gemeente {code[2:]}"


def _select_gemeenten(codes: Sequence[str], gemeenten: int | Sequence[str] | None) -> list[str]:
    """All gemeenten, the given codes, or `n` spread evenly over the sorted codes."""
    ordered = sorted(set(codes))
    if gemeenten is None:
        return ordered
    if isinstance(gemeenten, int):
        if gemeenten < 1:
            raise ValueError("gemeenten moet minstens 1 zijn")
        picks = np.linspace(0, len(ordered) - 1, min(gemeenten, len(ordered))).round().astype(int)
        return [ordered[i] for i in sorted(set(picks))]
    unknown = sorted(set(gemeenten) - set(ordered))
    if unknown:
        raise ValueError(f"onbekende gemeentecode(s): {', '.join(unknown)}")
    return sorted(set(gemeenten))


def load_real_country(folder: Path = REAL_BOUNDARIES, gemeenten: int | Sequence[str] | None = None) -> Country:
    """The CBS 2014 wijken and buurten through the real boundary reader, with the file's quirks repaired."""
    from etl.readers.boundaries import read_boundaries

    wijken = read_boundaries(folder / "wijk_2014.topojson", level="wijk").frame
    buurten = read_boundaries(folder / "buurt_2014.topojson", level="buurt").frame
    chosen = set(_select_gemeenten(wijken["gemeente_code"].dropna().tolist(), gemeenten))
    wijken = wijken[wijken["gemeente_code"].isin(chosen)].copy()
    buurten = buurten[buurten["gemeente_code"].isin(chosen)].copy()
    wijken["derived"] = False
    # Buurten whose wijk is missing from the wijk file: derive that wijk from them.
    orphans = buurten[~buurten["wijk_code"].isin(set(wijken["code"]))]
    if len(orphans):
        shapes = orphans.assign(geometry=orphans.geometry.where(~orphans.geometry.is_empty, None))
        derived = shapes.dissolve(by="wijk_code", as_index=False, dropna=False)[["wijk_code", "gemeente_code", "geometry"]]
        derived = derived.rename(columns={"wijk_code": "code"}).assign(
            name=lambda d: "Wijk " + d["code"].str[-2:] + " (afgeleid uit buurten)", derived=True)
        wijken = pd.concat([wijken, derived], ignore_index=True)
    wijken = gpd.GeoDataFrame(wijken, geometry="geometry", crs=WGS84)
    codes = sorted(chosen)
    return Country(
        gemeenten=pd.DataFrame({"code": codes, "name": [_gemeente_name(c) for c in codes]}),
        wijken=_tidy(wijken, ["gemeente_code", "code"], ["code", "name", "gemeente_code", "derived"]),
        buurten=_tidy(buurten, ["wijk_code", "code"], ["code", "name", "wijk_code", "gemeente_code"]),
        source="cbs-2014",
    )


def _polygonal(geometry: np.ndarray) -> np.ndarray:
    """Keep only the (multi)polygon parts: a union of quantised shapes can add stray lines and points."""
    parts, owner = shapely.get_parts(geometry, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (3, 6))
    out = np.full(len(geometry), None, dtype=object)
    for i in np.unique(owner[keep]):
        out[i] = shapely.union_all(parts[keep & (owner == i)])
    return out


def _tidy(frame: gpd.GeoDataFrame, order: list[str], columns: list[str]) -> gpd.GeoDataFrame:
    # Snap to the precision the GeoJSON files carry (1e-6 degrees, ~0.1 m) before writing: rounding in the
    # writer would otherwise make thin parts of quantised shapes self-touching, and GDAL then writes a
    # GeometryCollection or lines, which the boundary reader rightly rejects.
    geometry = shapely.set_precision(np.asarray(frame.geometry.values), 1e-6)
    mixed = ~np.isin(shapely.get_type_id(geometry), (-1, 3, 6))  # not missing, not (multi)polygon
    if mixed.any():
        geometry[mixed] = _polygonal(geometry[mixed])
    collapsed = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    out = gpd.GeoDataFrame(frame[columns].astype({c: "string" for c in columns if c != "derived"}),
                           geometry=gpd.GeoSeries(np.where(collapsed, None, geometry), index=frame.index, crs=WGS84))
    return out.sort_values(order, kind="stable").reset_index(drop=True)


# The 2014 division in numbers, for the generated stand-in when the real files are absent.
N_GEMEENTEN, N_WIJKEN, N_BUURTEN = 403, 2_738, 11_691


def synthetic_country(rng: np.random.Generator, gemeenten: int | Sequence[str] | None = None) -> Country:
    """Rectangles in RD New in the 2014 numbers: gemeenten on a grid, wijken as strips, buurten as blocks.
    Codes GM7000.. are not real CBS codes."""
    g_codes = [f"GM{7000 + i}" for i in range(N_GEMEENTEN)]
    wijken_per = 1 + rng.multinomial(N_WIJKEN - N_GEMEENTEN, np.full(N_GEMEENTEN, 1 / N_GEMEENTEN))
    buurten_per = 1 + rng.multinomial(N_BUURTEN - N_WIJKEN, np.full(N_WIJKEN, 1 / N_WIJKEN))
    cols = 21
    cell_w, cell_h = 12_500.0, 15_000.0
    g_idx = np.repeat(np.arange(N_GEMEENTEN), wijken_per)
    w_rank = np.arange(N_WIJKEN) - np.repeat(np.cumsum(wijken_per) - wijken_per, wijken_per)
    gx0 = 15_000 + (g_idx % cols) * cell_w
    gy0 = 305_000 + (g_idx // cols) * cell_h
    w_width = cell_w / wijken_per[g_idx]
    wx0 = gx0 + w_rank * w_width
    w_idx = np.repeat(np.arange(N_WIJKEN), buurten_per)
    b_rank = np.arange(N_BUURTEN) - np.repeat(np.cumsum(buurten_per) - buurten_per, buurten_per)
    b_height = cell_h / buurten_per[w_idx]
    by0 = gy0[w_idx] + b_rank * b_height
    w_codes = np.array([f"WK{g_codes[g][2:]}{r:02d}" for g, r in zip(g_idx, w_rank)])
    b_codes = np.array([f"BU{w_codes[w][2:]}{r:02d}" for w, r in zip(w_idx, b_rank)])
    to_wgs = lambda geoms: gpd.GeoSeries(geoms, crs=RD_NEW).to_crs(WGS84)  # noqa: E731
    wijken = gpd.GeoDataFrame({
        "code": w_codes, "name": [f"Wijk {r:02d}" for r in w_rank],
        "gemeente_code": np.array(g_codes)[g_idx], "derived": False},
        geometry=to_wgs(shapely.box(wx0, gy0, wx0 + w_width, gy0 + cell_h)).values, crs=WGS84)
    buurten = gpd.GeoDataFrame({
        "code": b_codes, "name": [f"Buurt {c[-4:]}" for c in b_codes],
        "wijk_code": w_codes[w_idx], "gemeente_code": np.array(g_codes)[g_idx][w_idx]},
        geometry=to_wgs(shapely.box(wx0[w_idx], by0, wx0[w_idx] + w_width[w_idx], by0 + b_height)).values, crs=WGS84)
    chosen = set(_select_gemeenten(g_codes, gemeenten))
    codes = sorted(chosen)
    return Country(
        gemeenten=pd.DataFrame({"code": codes, "name": [f"Gemeente {c[2:]} (fictief)" for c in codes]}),
        wijken=_tidy(wijken[wijken["gemeente_code"].isin(chosen)], ["gemeente_code", "code"],
                     ["code", "name", "gemeente_code", "derived"]),
        buurten=_tidy(buurten[buurten["gemeente_code"].isin(chosen)], ["wijk_code", "code"],
                      ["code", "name", "wijk_code", "gemeente_code"]),
        source="synthetic",
    )


# ---------------------------------------------------------------------------------------------- simulation

@dataclass
class Units:
    """What counts are simulated for: every buurt, plus one stand-in unit per wijk without buurten."""
    wijk_index: np.ndarray       # per unit: row in country.wijken
    wijk_gemeente: np.ndarray    # per wijk: row in country.gemeenten
    is_buurt: np.ndarray         # per unit: published as a buurt
    population: np.ndarray       # units x years (POP_YEARS)
    character: np.ndarray        # per unit: index into UNIT_CHARACTERS
    to_wijk: sparse.csr_matrix   # wijken x units, 1 where the unit lies in the wijk
    to_gemeente: sparse.csr_matrix  # gemeenten x wijken


UNIT_CHARACTERS = (*CHARACTERS, "bedrijven")  # keys of demo.CHARACTER_FACTOR
POP_YEARS = np.arange(2016, 2027)  # 2026 is simulated for the rates but not published (CBS lags)
PIVOT_YEAR = 2021


def build_units(country: Country, rng: np.random.Generator) -> Units:
    wijk_pos = pd.Series(np.arange(len(country.wijken)), index=country.wijken["code"].to_numpy())
    lonely = np.flatnonzero(~country.wijken["code"].isin(set(country.buurten["wijk_code"])).to_numpy())
    wijk_index = np.concatenate([wijk_pos.reindex(country.buurten["wijk_code"].to_numpy()).to_numpy(dtype=int), lonely])
    n = len(wijk_index)
    is_buurt = np.arange(n) < len(country.buurten)
    base = np.exp(rng.normal(6.75, 1.0, n))  # median ~850, mean ~1,400 inhabitants, as Dutch buurten
    sparse_units = rng.random(n) < 0.08
    base = np.where(sparse_units, rng.uniform(5, BEDRIJVEN_MAX_POPULATION, n), base)
    gem_pos = pd.Series(np.arange(len(country.gemeenten)), index=country.gemeenten["code"].to_numpy())
    wijk_gem = gem_pos.reindex(country.wijken["gemeente_code"].to_numpy()).to_numpy(dtype=int)
    gem_growth = rng.normal(0.005, 0.006, len(country.gemeenten))
    growth = gem_growth[wijk_gem[wijk_index]] + rng.normal(0, 0.008, n)
    population = np.rint(base[:, None] * (1 + growth[:, None]) ** (POP_YEARS[None, :] - PIVOT_YEAR)).astype(np.int64)
    character = rng.choice(len(CHARACTERS), n, p=CHARACTER_WEIGHTS)
    character = np.where(base < BEDRIJVEN_MAX_POPULATION, UNIT_CHARACTERS.index("bedrijven"), character)
    to_wijk = sparse.csr_matrix((np.ones(n, dtype=np.int64), (wijk_index, np.arange(n))), shape=(len(country.wijken), n))
    to_gemeente = sparse.csr_matrix((np.ones(len(wijk_gem), dtype=np.int64), (wijk_gem, np.arange(len(wijk_gem)))),
                                    shape=(len(country.gemeenten), len(country.wijken)))
    return Units(wijk_index, wijk_gem, is_buurt, population, character, to_wijk, to_gemeente)


def months_of_window() -> pd.DatetimeIndex:
    return pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")


def _code_parameters(code: str) -> tuple[float, int, float, float]:
    if code in _DEMO_RATES:
        rate, peak, amp = _DEMO_RATES[code]
    else:
        rate = _OTHER_RATES[code]
        peak, amp = _SEASON.get(code, (1 + sum(map(ord, code)) % 12, 0.1))
    return rate, peak, amp, TRENDS.get(code, 0.0)


@dataclass
class Incidents:
    """Simulated counts per level as code -> (areas x months) int64, -1 where withheld; months as in the window."""
    by_level: dict[str, dict[str, np.ndarray]]
    months: pd.DatetimeIndex


def simulate_incidents(units: Units, n_gemeenten: int, rng: np.random.Generator,
                       plan: dict[str, LevelPlan] = INCIDENT_PLAN) -> Incidents:
    """Poisson counts for every unit, code and month; wijk and gemeente counts are sums of their units, a sum
    is withheld when a part is. Totals (0.0.0) are the sum over all codes."""
    months = months_of_window()
    n_units, n_months = len(units.wijk_index), len(months)
    year_col = np.searchsorted(POP_YEARS, months.year.to_numpy())
    month_no = months.month.to_numpy()
    years_from_pivot = months.year.to_numpy() - PIVOT_YEAR
    pop = units.population[:, year_col].astype(float)  # units x months: the population of the same year
    wijk_gem = units.wijk_gemeente
    gem_pop = np.bincount(wijk_gem[units.wijk_index], weights=units.population[:, POP_YEARS == PIVOT_YEAR][:, 0],
                          minlength=n_gemeenten)
    # Larger places register more crime per inhabitant; each gemeente has its own lasting level too.
    urban = (np.maximum(gem_pop, 1_000) / 50_000) ** 0.15 * rng.lognormal(0, 0.15, n_gemeenten)
    unit_factor = urban[wijk_gem[units.wijk_index]]
    # Withheld cells: among buurt cells that are published (code and month in the buurt plan).
    plan_b = plan["buurt"]
    buurt_units = np.flatnonzero(units.is_buurt)
    withheld: dict[str, list[tuple[int, int]]] = {}
    if len(buurt_units) and WITHHELD_CELLS:
        n_cells = min(WITHHELD_CELLS, max(1, len(buurt_units) // 20))
        w_codes = rng.choice(len(plan_b.codes), n_cells)
        w_units = rng.choice(buurt_units, n_cells)
        w_months = n_months - 1 - rng.integers(0, plan_b.months, n_cells)
        for c, u, m in zip(w_codes, w_units, w_months):
            withheld.setdefault(plan_b.codes[c], []).append((int(u), int(m)))
    by_level: dict[str, dict[str, np.ndarray]] = {"buurt": {}, "wijk": {}, "gemeente": {}}
    total_units = np.zeros((n_units, n_months), dtype=np.int64)
    total_null = np.zeros((n_units, n_months), dtype=bool)
    for code in ALL_CODES:
        rate, peak, amp, trend = _code_parameters(code)
        season = 1 + amp * np.cos(2 * np.pi * (month_no - peak) / 12)
        drift = (1 + trend) ** years_from_pivot
        by_character = np.array([demo.CHARACTER_FACTOR.get(ch, {}).get(f"{code} ", 1.0) for ch in UNIT_CHARACTERS])
        char_factor = by_character[units.character]
        level = rng.gamma(8.0, 1 / 8.0, n_units) * unit_factor * char_factor
        mu = pop * (rate / 1000 / 12) * level[:, None] * (season * drift)[None, :]
        counts = rng.poisson(mu)
        null = np.zeros_like(counts, dtype=bool)
        for u, m in withheld.get(code, []):
            null[u, m] = True
        total_units += counts
        total_null |= null
        _store(by_level, code, counts, null, units, plan)
    _store(by_level, TOTAL_CODE, total_units, total_null, units, plan)
    return Incidents(by_level, months)


def _store(by_level: dict, code: str, counts: np.ndarray, null: np.ndarray, units: Units,
           plan: dict[str, LevelPlan]) -> None:
    wijk_counts = units.to_wijk @ counts
    wijk_null = (units.to_wijk @ null.astype(np.int64)) > 0
    gem_counts = units.to_gemeente @ wijk_counts
    gem_null = (units.to_gemeente @ wijk_null.astype(np.int64)) > 0
    for level, values, nulls in (("buurt", counts[units.is_buurt], null[units.is_buurt]),
                                 ("wijk", wijk_counts, wijk_null), ("gemeente", gem_counts, gem_null)):
        published = plan[level]
        if code == TOTAL_CODE or code in published.codes:
            kept = np.asarray(values[:, -published.months:], dtype=np.int64)
            by_level[level][code] = np.where(nulls[:, -published.months:], -1, kept)


# ---------------------------------------------------------------------------------------------- writers

def _padded(codes) -> np.ndarray:
    return np.array([demo._padded_region(c) for c in codes], dtype=object)


def write_boundaries(out: Path, country: Country) -> dict[str, int]:
    """One GeoJSON file per level in WGS84 (RFC 7946); collapsed areas get a null geometry."""
    folder = out / "boundaries"
    names = dict(zip(country.gemeenten["code"], country.gemeenten["name"]))
    wijken = country.wijken
    outlines = wijken[wijken.geometry.notna()].dissolve(by="gemeente_code", as_index=False)[["gemeente_code", "geometry"]]
    gm = gpd.GeoDataFrame({"gemeentecode": country.gemeenten["code"], "gemeentenaam": country.gemeenten["name"]})
    # Snap the union to the precision written (1e-6 degrees) first: near-duplicate vertices of the union
    # otherwise turn into self-touching rings that GDAL writes as a GeometryCollection.
    outlines["geometry"] = _polygonal(shapely.set_precision(np.asarray(outlines.geometry.values), 1e-6))
    gm = gm.merge(outlines.rename(columns={"gemeente_code": "gemeentecode"}), on="gemeentecode", how="left")
    write_geojson(gpd.GeoDataFrame(gm, geometry="geometry", crs=WGS84), folder / "gemeenten.geojson")
    write_geojson(gpd.GeoDataFrame({
        "wijkcode": wijken["code"], "wijknaam": wijken["name"], "gemeentecode": wijken["gemeente_code"],
        "gemeentenaam": wijken["gemeente_code"].map(names), "water": "NEE"}, geometry=wijken.geometry, crs=WGS84),
        folder / "wijken.geojson")
    buurten = country.buurten
    write_geojson(gpd.GeoDataFrame({
        "buurtcode": buurten["code"], "buurtnaam": buurten["name"], "wijkcode": buurten["wijk_code"],
        "gemeentecode": buurten["gemeente_code"], "gemeentenaam": buurten["gemeente_code"].map(names),
        "water": "NEE"}, geometry=buurten.geometry, crs=WGS84), folder / "buurten.geojson")
    return {"wijken_zonder_vorm": int(wijken.geometry.isna().sum()),
            "buurten_zonder_vorm": int(buurten.geometry.isna().sum()),
            "gemeenten_zonder_vorm": int(gm["geometry"].isna().sum())}


def _regions(country: Country) -> pd.DataFrame:
    """Every region in CBS's hierarchical order (gemeente, then each wijk followed by its buurten)."""
    g = country.gemeenten.assign(level="gemeente", gemeente_code=country.gemeenten["code"], wijk_code="", rank=0)
    w = pd.DataFrame({"code": country.wijken["code"], "name": country.wijken["name"], "level": "wijk",
                      "gemeente_code": country.wijken["gemeente_code"], "wijk_code": country.wijken["code"], "rank": 1})
    b = pd.DataFrame({"code": country.buurten["code"], "name": country.buurten["name"], "level": "buurt",
                      "gemeente_code": country.buurten["gemeente_code"], "wijk_code": country.buurten["wijk_code"],
                      "rank": 2})
    regions = pd.concat([g, w, b], ignore_index=True).astype({"code": str, "name": str, "gemeente_code": str, "wijk_code": str})
    regions["municipality"] = regions["gemeente_code"].map(dict(zip(country.gemeenten["code"], country.gemeenten["name"])))
    regions["w_order"] = regions["wijk_code"].where(regions["rank"] > 0, "")
    return regions.sort_values(["gemeente_code", "w_order", "rank", "code"], kind="stable").reset_index(drop=True)


def _region_code_list(regions: pd.DataFrame) -> list[dict]:
    return [{"Key": demo._padded_region(code), "Title": name, "Description": None, "Municipality": municipality,
             "DetailRegionCode": code}
            for code, name, municipality in regions[["code", "name", "municipality"]].itertuples(index=False)]


def write_population(out: Path, country: Country, units: Units) -> int:
    """Kerncijfers wijken en buurten per year (all regions); wijk and gemeente figures are sums of their parts."""
    regions = _regions(country)
    level_rows = 0
    for year, (table_id, pop_key) in POPULATION_TABLES.items():
        col = int(np.flatnonzero(POP_YEARS == year)[0])
        unit_pop = units.population[:, col]
        wijk_pop = units.to_wijk @ unit_pop
        pop = pd.concat([
            pd.Series(units.to_gemeente @ wijk_pop, index=country.gemeenten["code"].to_numpy()),
            pd.Series(wijk_pop, index=country.wijken["code"].to_numpy()),
            pd.Series(unit_pop[units.is_buurt], index=country.buurten["code"].to_numpy())])
        suffix = int(pop_key.split("_")[1])
        props = [demo._data_property(0, "GeoDimension", "WijkenEnBuurten", "Wijken en buurten"),
                 demo._data_property(1, "Topic", "Gemeentenaam_1", "Gemeentenaam"),
                 demo._data_property(2, "Topic", "SoortRegio_2", "Soort regio"),
                 demo._data_property(3, "Topic", "Codering_3", "Codering"),
                 demo._data_property(4, "Topic", pop_key, "Aantal inwoners", unit="aantal"),
                 demo._data_property(5, "Topic", f"Mannen_{suffix + 1}", "Mannen", unit="aantal")]
        for p in props[1:4]:
            p.update({"DataType": "String", "Unit": None})
        values = pop.reindex(regions["code"]).to_numpy()
        rows = [{"ID": i, "WijkenEnBuurten": demo._padded_region(code), "Gemeentenaam_1": municipality.ljust(40),
                 "SoortRegio_2": level.capitalize().ljust(10), "Codering_3": demo._padded_region(code),
                 pop_key: int(v), f"Mannen_{suffix + 1}": int(v * 0.49)}
                for i, (code, municipality, level, v) in enumerate(
                    zip(regions["code"], regions["municipality"], regions["level"], values))]
        demo._write_table(out / "cbs" / table_id, table_id, f"Kerncijfers wijken en buurten {year}", props,
                          {"WijkenEnBuurten": _region_code_list(regions)}, rows, page_size=ODATA_PAGE_SIZE)
        level_rows += len(rows)
    return level_rows


class _PagedTable:
    """Writes TypedDataSet pages of exactly `page_size` rows as rows arrive, with odata.nextLink on all but the last."""

    def __init__(self, folder: Path, table_id: str, total_rows: int, page_size: int = ODATA_PAGE_SIZE):
        self.folder, self.table_id, self.total, self.page_size = folder, table_id, total_rows, page_size
        self.pending: list[pa.Array] = []
        self.pending_rows = 0
        self.written = 0
        self.page = 0
        base = f"https://opendata.cbs.nl/ODataApi/odata/{table_id}"
        self.head = json.dumps({"odata.metadata": f"{base}/$metadata#Cbs.OData.WebAPI.TypedDataSet"})[:-1] + ', "value": [\n'
        self.next_base = f"{base}/TypedDataSet?$skip="

    def add(self, rows: pa.Array) -> None:
        self.pending.append(rows)
        self.pending_rows += len(rows)
        while self.pending_rows >= self.page_size:
            self._flush(self.page_size)

    def close(self) -> int:
        if self.pending_rows:
            self._flush(self.pending_rows)
        if self.written != self.total:
            raise RuntimeError(f"{self.table_id}: {self.written} rijen geschreven, {self.total} verwacht")
        return self.page

    def _flush(self, n: int) -> None:
        chunk = pa.concat_arrays(self.pending) if len(self.pending) > 1 else self.pending[0]
        page_rows, rest = chunk.slice(0, n), chunk.slice(n)
        self.pending = [rest] if len(rest) else []
        self.pending_rows = len(rest)
        self.written += n
        self.page += 1
        tail = "\n]}" if self.written >= self.total else f'\n], "odata.nextLink": "{self.next_base}{self.written}"}}'
        with open(self.folder / f"TypedDataSet_{self.page:03d}.json", "w", encoding="utf-8") as fh:
            fh.write(self.head)
            fh.write(",\n".join(page_rows.to_pylist()))
            fh.write(tail)


def _odata_rows(first_id: int, code_key: str, region_keys: np.ndarray, period_keys: np.ndarray,
                counts: np.ndarray) -> pa.Array:
    """JSON text of 47022NED rows (regions x periods), built column-wise in Arrow; -1 becomes null."""
    n_regions, n_periods = counts.shape
    n = n_regions * n_periods
    ids = pa.array(np.arange(first_id, first_id + n, dtype=np.int64)).cast(pa.string())
    regions = pa.array(region_keys.astype(str)).take(pa.array(np.repeat(np.arange(n_regions), n_periods)))
    periods = pa.array(period_keys.astype(str)).take(pa.array(np.tile(np.arange(n_periods), n_regions)))
    flat = counts.ravel()
    values = pc.fill_null(pa.array(flat, mask=flat < 0).cast(pa.string()), "null")
    return pc.binary_join_element_wise(
        '{"ID":', ids, f',"SoortMisdrijf":"{code_key}","WijkenEnBuurten":"', regions, '","Perioden":"', periods,
        '","GeregistreerdeMisdrijven_1":', values, "}", "")


def write_police(out: Path, country: Country, incidents: Incidents) -> dict[str, int]:
    """47022NED as an OData table folder: TableInfos, DataProperties, code lists and paged TypedDataSet files."""
    table_id = "47022NED"
    folder = out / "politie" / table_id
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    regions = _regions(country)
    period_keys = np.array([f"{m.year}MM{m.month:02d}" for m in incidents.months])
    codes = (TOTAL_CODE, *ALL_CODES)  # CBS lists the total first
    region_keys = {level: _padded(codes_) for level, codes_ in (
        ("gemeente", country.gemeenten["code"]), ("wijk", country.wijken["code"]), ("buurt", country.buurten["code"]))}
    demo._write_json(folder / "TableInfos.json", demo._odata(table_id, "TableInfos", [{
        "ID": 0, "Title": "Geregistreerde misdrijven; wijk en buurt, maand (landelijke demo)", "Identifier": table_id,
        "Language": "nl", "Catalog": "CBS", "Frequency": "Permaand", "Period": f"{FIRST_MONTH:%Y%m}-{LAST_MONTH:%Y%m}",
        "ShortDescription": "Gesimuleerde aantallen voor de echte CBS-indeling van 2014 (geen echte cijfers).",
        "Summary": "Gegenereerd voor de landelijke Wijkbeeld-demo.", "Modified": "2026-11-01T02:00:00",
        "Source": "Wijkbeeld-demo (fictief)"}]))
    demo._write_json(folder / "DataProperties.json", demo._odata(table_id, "DataProperties", [
        demo._data_property(0, "Dimension", "SoortMisdrijf", "Soort misdrijf"),
        demo._data_property(1, "GeoDimension", "WijkenEnBuurten", "Wijken en buurten"),
        demo._data_property(2, "TimeDimension", "Perioden", "Perioden"),
        demo._data_property(3, "Topic", "GeregistreerdeMisdrijven_1", "Geregistreerde misdrijven", unit="aantal")]))
    demo._write_json(folder / "SoortMisdrijf.json", demo._odata(table_id, "SoortMisdrijf", [
        {"Key": f"{c:<6}", "Title": SOORT_MISDRIJF_TITLES[c], "Description": None, "CategoryGroupID": None} for c in codes]))
    demo._write_json(folder / "WijkenEnBuurten.json", demo._odata(table_id, "WijkenEnBuurten", _region_code_list(regions)))
    demo._write_json(folder / "Perioden.json", demo._odata(table_id, "Perioden", [
        {"Key": k, "Title": f"{m.year} {_month_name(m.month)}", "Description": None, "Status": "Definitief"}
        for k, m in zip(period_keys, incidents.months)]))
    rows_by_level = {level: sum(a.size for a in incidents.by_level[level].values()) for level in incidents.by_level}
    table = _PagedTable(folder, table_id, sum(rows_by_level.values()))
    first = 0
    for code in codes:
        for level in ("gemeente", "wijk", "buurt"):
            counts = incidents.by_level[level].get(code)
            if counts is None or counts.size == 0:
                continue
            rows = _odata_rows(first, f"{code:<6}", region_keys[level], period_keys[-counts.shape[1]:], counts)
            table.add(rows)
            first += counts.size
    pages = table.close()
    return {**{f"incidentrijen_{level}": n for level, n in rows_by_level.items()}, "incidentpaginas": pages}


_MONTH_NAMES = ("januari februari maart april mei juni juli augustus september oktober november december").split()


def _month_name(month: int) -> str:
    return _MONTH_NAMES[month - 1]


def write_survey(out: Path, country: Country, units: Units, incidents: Incidents, rng: np.random.Generator) -> int:
    """Veiligheidsmonitor in the 85146NED form for every gemeente and, in a share of gemeenten, per wijk."""
    from etl.readers.veiligheidsmonitor import UNIT_RANGES, VM_INDICATORS

    table_id = "85146NED"
    keys = {ind: f"{VM_INDICATORS[ind]['key_prefixes'][0]}_{i + 1}" for i, ind in enumerate(demo.SURVEY_INDICATORS)}
    wijk_pop = units.to_wijk @ units.population[:, POP_YEARS == 2024][:, 0]
    wijk_total = incidents.by_level["wijk"][TOTAL_CODE]
    rate = np.where(wijk_pop > 0, np.clip(wijk_total, 0, None).sum(axis=1) / np.maximum(wijk_pop, 1), np.nan)
    z = (rate - np.nanmean(rate)) / np.nanstd(rate)
    with_wijken = set(country.gemeenten["code"][rng.random(len(country.gemeenten)) < SURVEY_WIJK_SHARE])
    wijk_rows = np.flatnonzero(country.wijken["gemeente_code"].isin(with_wijken).to_numpy())
    areas = pd.DataFrame({
        "code": np.concatenate([country.gemeenten["code"].to_numpy(), country.wijken["code"].to_numpy()[wijk_rows]]),
        "level": ["gemeente"] * len(country.gemeenten) + ["wijk"] * len(wijk_rows),
        "z": np.concatenate([np.zeros(len(country.gemeenten)), np.nan_to_num(z[wijk_rows])]),
        "too_few": np.concatenate([np.zeros(len(country.gemeenten), bool), wijk_pop[wijk_rows] < SURVEY_MIN_POPULATION]),
    })
    margins = [("MW00000", "Waarde"), ("MOG0095", "Ondergrens 95%-interval"), ("MBG0095", "Bovengrens 95%-interval")]
    is_wijk = (areas["level"] == "wijk").to_numpy()
    rows: list[dict] = []
    for year in SURVEY_WAVES:
        columns = {}
        for ind, (mean, spread, dec, half) in demo.SURVEY_INDICATORS.items():
            sign = -1 if ind in ("rapportcijfer_veiligheid", "rapportcijfer_leefbaarheid", "sociale_cohesie") else 1
            noise = rng.normal(0, 0.6, len(areas)) * np.where(is_wijk, 1.0, 0.5)
            low, high = UNIT_RANGES[VM_INDICATORS[ind]["unit"]]
            value = np.round(np.clip(mean + sign * spread * (0.6 * areas["z"].to_numpy() + noise), low, high), dec)
            width = np.where(is_wijk, half, half / 2.5)
            columns[ind] = (value, np.round(np.clip(value - width, low, high), dec),
                            np.round(np.clip(value + width, low, high), dec))
        for a, (code, too_few) in enumerate(areas[["code", "too_few"]].itertuples(index=False)):
            for m, (mkey, _) in enumerate(margins):
                row = {"ID": len(rows), "Marges": mkey, "RegioS": demo._padded_region(code), "Perioden": f"{year}JJ00"}
                for ind, triple in columns.items():
                    row[keys[ind]] = None if too_few else float(triple[m][a])
                rows.append(row)
    props = [demo._data_property(0, "Dimension", "Marges", "Marges"),
             demo._data_property(1, "GeoDimension", "RegioS", "Regio's"),
             demo._data_property(2, "TimeDimension", "Perioden", "Perioden")]
    for i, ind in enumerate(demo.SURVEY_INDICATORS):
        meta = VM_INDICATORS[ind]
        props.append(demo._data_property(3 + i, "Topic", keys[ind], meta["label"], unit=meta.get("unit"), decimals=1))
    regions = _regions(country)
    code_lists = {
        "Marges": [{"Key": k, "Title": t, "Description": None} for k, t in margins],
        "RegioS": _region_code_list(regions[regions["code"].isin(set(areas["code"]))]),
        "Perioden": [{"Key": f"{y}JJ00", "Title": str(y), "Description": None, "Status": "Definitief"} for y in SURVEY_WAVES],
    }
    demo._write_table(out / "veiligheidsmonitor" / table_id, table_id, "Veiligheidsmonitor; wijk (landelijke demo)",
                      props, code_lists, rows, page_size=ODATA_PAGE_SIZE)
    return len(rows)


# ---------------------------------------------------------------------------------------------- pages and posts

def choose_pages(country: Country, units: Units, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wijk pages (one wijk each) and the organisational accounts of the gemeenten that have pages."""
    wijk_pop = units.to_wijk @ units.population[:, POP_YEARS == 2025][:, 0]
    eligible = np.flatnonzero((wijk_pop >= PAGE_MIN_POPULATION) & country.wijken.geometry.notna().to_numpy())
    n_pages = max(1, int(round(len(eligible) * PAGE_SHARE))) if len(eligible) else 0
    chosen = np.sort(rng.choice(eligible, n_pages, replace=False)) if n_pages else np.array([], dtype=int)
    wijken = country.wijken.iloc[chosen]
    short = wijken["name"].str.replace(r"^Wijk \d+\s*", "", regex=True).str.strip()
    short = short.where(short != "", wijken["name"])
    forms = rng.choice(len(PAGE_NAME_FORMS), n_pages)
    launch_days = rng.integers(0, (date(2026, 4, 1) - date(2019, 1, 1)).days, n_pages)
    pages = pd.DataFrame({
        "page_id": [f"{310_000_000_000_000 + i}" for i in range(n_pages)],
        "platform": "facebook",
        "name": [PAGE_NAME_FORMS[f].format(s) for f, s in zip(forms, short)],
        "wijk_codes": wijken["code"].to_numpy(),
        "launch_date": [(pd.Timestamp("2019-01-01") + pd.Timedelta(days=int(d))).date().isoformat() for d in launch_days],
        "owner_type": np.array(OWNER_TYPES)[rng.choice(len(OWNER_TYPES), n_pages, p=OWNER_WEIGHTS)],
        "gemeente_code": wijken["gemeente_code"].to_numpy(),
        "population": wijk_pop[chosen],
    })
    names = dict(zip(country.gemeenten["code"], country.gemeenten["name"]))
    gms = sorted(set(pages["gemeente_code"]))
    accounts = pd.DataFrame([
        (f"{320_000_000_000_000 + 10 * i + k}", label.format(names[gm]), owner, gm)
        for i, gm in enumerate(gms)
        for k, (label, owner) in enumerate((("{}", "gemeente"), ("Wijkagent {}", "politie"),
                                            ("Woonstichting {}", "corporatie"), ("Welzijn {}", "welzijn")))],
        columns=["account_ref", "account_name", "owner_type", "gemeente_code"])
    return pages, accounts


def write_pages_config(out: Path, pages: pd.DataFrame, accounts: pd.DataFrame) -> None:
    pages[["page_id", "platform", "name", "wijk_codes", "launch_date", "owner_type"]].to_csv(
        out / "pages.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    listed = pd.concat([
        accounts.assign(platform="facebook")[["platform", "account_ref", "account_name", "owner_type"]],
        pd.DataFrame({"platform": "facebook", "account_ref": pages["page_id"], "account_name": pages["name"],
                      "owner_type": pages["owner_type"]})], ignore_index=True)
    listed.to_csv(out / "accounts.csv", index=False)


def _graph_time(seconds: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s"), "+0000")


def _fill(templates: np.ndarray, rng: np.random.Generator) -> list[str]:
    """Fill {straat} {plek} {tijd} {nr} of each template with drawn values (one format call per text)."""
    n = len(templates)
    streets = np.array(demo_posts.STREETS)[rng.integers(0, len(demo_posts.STREETS), n)]
    places = np.array(demo_posts.PLACES)[rng.integers(0, len(demo_posts.PLACES), n)]
    times = np.array(demo_posts.TIMES)[rng.integers(0, len(demo_posts.TIMES), n)]
    numbers = rng.integers(1, 80, n)
    return [t.format(straat=s, plek=p, tijd=ti, nr=nr) for t, s, p, ti, nr in zip(templates, streets, places, times, numbers)]


def _personal_details(authors: np.ndarray, rng: np.random.Generator) -> list[str]:
    """Phone numbers, e-mail addresses, plates, addresses and @mentions, so redaction has work at scale too."""
    n = len(authors)
    suffixes = np.array(demo_posts.PERSONAL_DETAIL_SUFFIX)[rng.integers(0, len(demo_posts.PERSONAL_DETAIL_SUFFIX), n)]
    a, b, c = rng.integers(1000, 9999, n), rng.integers(1000, 9999, n), rng.integers(100000, 999999, n)
    area = np.array(["10", "20", "416", "73"])[rng.integers(0, 4, n)]
    other_first = np.array(demo_posts.FIRST)[rng.integers(0, len(demo_posts.FIRST), n)]
    other_last = np.array(demo_posts.LAST)[rng.integers(0, len(demo_posts.LAST), n)]
    plates = np.array(["12-ABC-3", "XZ-99-KL", "7-TRS-21", "GH-123-J"])[rng.integers(0, 4, n)]
    streets = np.array(demo_posts.STREETS)[rng.integers(0, len(demo_posts.STREETS), n)]
    houses = rng.integers(1, 140, n)
    return [s.format(a=a_, b=b_, c=c_, area=ar, first=f, last=l, lastslug=au.split(" ", 1)[1].lower().replace(" ", ""),
                     plate=pl, street=st, house=h)
            for s, a_, b_, c_, ar, f, l, au, pl, st, h in
            zip(suffixes, a, b, c, area, other_first, other_last, authors, plates, streets, houses)]


_RESIDENT_THEMES = [t for t in demo_posts.RESIDENT if t is not None]
_RESIDENT_TEMPLATES = [(theme, text) for theme in demo_posts.RESIDENT for text in demo_posts.RESIDENT[theme]]
_POLICE_THEMES = {"inbraak", "diefstal", "geweld", "drugs_drank", "verdacht", "oplichting"}


def _resident_template_choice(n: int, characters: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index into _RESIDENT_TEMPLATES: a theme by the wijk's character (12% no theme), then a text of it."""
    themes = np.array(_RESIDENT_THEMES + [None], dtype=object)
    chosen = np.empty(n, dtype=object)
    for character in np.unique(characters):
        rows = np.flatnonzero(characters == character)
        weights = {t: 1.0 for t in _RESIDENT_THEMES} | demo_posts.THEME_WEIGHTS_BY_CHARACTER.get(character, {})
        p = np.array([weights[t] for t in _RESIDENT_THEMES])
        p = np.append(p / p.sum() * 0.88, 0.12)
        chosen[rows] = themes[rng.choice(len(themes), len(rows), p=p)]
    start = {}
    i = 0
    for theme in demo_posts.RESIDENT:
        start[theme] = (i, len(demo_posts.RESIDENT[theme]))
        i += len(demo_posts.RESIDENT[theme])
    offsets = np.array([start[t][0] for t in chosen])
    sizes = np.array([start[t][1] for t in chosen])
    return offsets + (rng.random(n) * sizes).astype(int)


def write_posts(out: Path, pages: pd.DataFrame, accounts: pd.DataFrame, units: Units, country: Country,
                rng: np.random.Generator, n_records: int = POST_RECORDS) -> tuple[list[tuple[str, str]], int]:
    """Graph API page-feed responses (FEED_PAGE_SIZE posts per file, newest first) with embedded comments and
    replies, until at least `n_records` records are written. Returns ([(page id, relative path)], records)."""
    folder = out / "posts"
    if folder.exists():
        shutil.rmtree(folder)
    if pages.empty or n_records <= 0:
        return [], 0
    until = POSTS_UNTIL.timestamp()
    page_start = np.maximum(pd.to_datetime(pages["launch_date"]).dt.tz_localize("UTC").map(pd.Timestamp.timestamp).to_numpy()
                            + 9 * 3600, POSTS_FROM.timestamp())
    active_days = (until - page_start) / 86400
    activity = rng.lognormal(0, 0.6, len(pages)) * np.sqrt(pages["population"].to_numpy() / 3000)
    # Draw more posts than needed, then keep the shortest prefix that reaches n_records.
    upper = int(n_records / 2.0) + 50
    page_of = rng.choice(len(pages), upper, p=(activity * active_days) / (activity * active_days).sum())
    official = rng.random(upper) < 0.16
    n_comments = rng.poisson(np.where(official, 2.0, 1.3))
    answered = ~official & (rng.random(upper) < 0.45)
    records = 1 + n_comments + answered
    n_posts = int(np.searchsorted(np.cumsum(records), n_records) + 1)
    page_of, official, n_comments, answered = page_of[:n_posts], official[:n_posts], n_comments[:n_posts], answered[:n_posts]
    # Activity is highest in the weeks after a launch inside the window, then settles.
    launched_in_window = page_start[page_of] > POSTS_FROM.timestamp()
    shape = np.where(launched_in_window, rng.beta(0.9, 1.15, n_posts), rng.random(n_posts))
    created = page_start[page_of] + shape * active_days[page_of] * 86400 * 0.999
    # Authors: residents of the page's wijk (a pool per page), or the gemeente's organisations.
    resident_pool = 60 + (pages["population"].to_numpy() / 25).astype(int)
    resident_no = (rng.random(n_posts) * resident_pool[page_of]).astype(int)
    # A page's wijk takes the character of its first unit (theme mix of the posts).
    wijk_rows, first_unit = np.unique(units.wijk_index, return_index=True)
    wijk_character = pd.Series(np.array(UNIT_CHARACTERS)[units.character[first_unit]],
                               index=country.wijken["code"].to_numpy()[wijk_rows])
    characters = pages["wijk_codes"].map(wijk_character).fillna("gezin").to_numpy()[page_of]
    template = _resident_template_choice(n_posts, characters, rng)
    official_pick = rng.integers(0, len(demo_posts.OFFICIAL), n_posts)
    personal = ~official & (rng.random(n_posts) < 0.12)

    def resident_identity(page_idx: np.ndarray, number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        serial = page_idx * 10_000 + number
        names = np.char.add(np.char.add(np.array(demo_posts.FIRST)[serial % len(demo_posts.FIRST)], " "),
                            np.array(demo_posts.LAST)[(serial * 7 + serial // 47) % len(demo_posts.LAST)])
        return names, np.char.mod("%d", 100_000_000_000_000 + serial * 7919)

    res_names, res_ids = resident_identity(page_of, resident_no)
    account_name = dict(zip(zip(accounts["gemeente_code"], accounts["owner_type"]), accounts["account_name"]))
    account_ref = dict(zip(zip(accounts["gemeente_code"], accounts["owner_type"]), accounts["account_ref"]))
    page_gm = pages["gemeente_code"].to_numpy()[page_of]
    off_type = np.array([o[0] for o in demo_posts.OFFICIAL])[official_pick]
    off_keys = list(zip(page_gm, off_type))
    off_names = np.array([account_name[k] for k in off_keys], dtype=object)
    off_ids = np.array([account_ref[k] for k in off_keys], dtype=object)
    res_text = _fill(np.array([t for _, t in _RESIDENT_TEMPLATES], dtype=object)[template], rng)
    off_text = _fill(np.array([o[2] for o in demo_posts.OFFICIAL], dtype=object)[official_pick], rng)
    details = iter(_personal_details(res_names[personal], rng))
    texts = [o if is_off else (r + next(details) if p else r)
             for is_off, o, r, p in zip(official, off_text, res_text, personal)]
    authors = np.where(official, off_names, res_names)
    author_ids = np.where(official, off_ids, res_ids)
    reactions = rng.poisson(np.where(official, 14, 6))
    split = rng.multinomial(reactions, [0.55, 0.14, 0.05, 0.06, 0.09, 0.08, 0.03])
    shares = rng.poisson(np.where(official, 2.5, 0.4))
    # Comments, flat: post index, time after the post, author, text, likes.
    n_c = int(n_comments.sum())
    c_post = np.repeat(np.arange(n_posts), n_comments)
    c_start = np.concatenate([[0], np.cumsum(n_comments)])
    # Each comment comes a while after the one before it (cumulative gaps within each post).
    running = np.cumsum(rng.exponential(180 * 60, n_c))
    first = np.repeat(c_start[:-1], n_comments)
    c_time = created[c_post] + running - np.where(first > 0, running[np.maximum(first - 1, 0)], 0.0)
    c_names, c_ids = resident_identity(page_of[c_post], (rng.random(n_c) * resident_pool[page_of[c_post]]).astype(int))
    c_text = np.array(demo_posts.REPLIES_BY_TONE, dtype=object)[rng.integers(0, len(demo_posts.REPLIES_BY_TONE), n_c)]
    c_personal = rng.random(n_c) < 0.05
    c_details = iter(_personal_details(c_names[c_personal], rng))
    c_text = [t + next(c_details) if p else t for t, p in zip(c_text, c_personal)]
    c_likes = rng.poisson(1.2, n_c)
    # An organisation answers a resident's post: the police for crime themes, else the gemeente or corporatie.
    post_theme = np.array([t for t, _ in _RESIDENT_TEMPLATES], dtype=object)[template]
    owner = pages["owner_type"].to_numpy()[page_of]
    answer_type = np.where(np.isin(post_theme, list(_POLICE_THEMES)), "politie",
                           np.where((owner == "corporatie") & (rng.random(n_posts) < 0.5), "corporatie", "gemeente"))
    answer_keys = list(zip(page_gm, answer_type))
    answer_delay = rng.gamma(1.6, np.where(answer_type == "gemeente", 5.0, 3.0)) * 3600
    answer_pick = rng.random(n_posts)
    nest = rng.random(n_posts) < 0.5
    times = _graph_time(created)
    c_times = _graph_time(c_time)
    a_times = _graph_time(created + answer_delay)
    serials = 5_000_000_000 + np.arange(n_posts)
    page_ids = pages["page_id"].to_numpy()
    reaction_names = ["like", "love", "haha", "wow", "sad", "angry", "care"]

    def post_json(i: int) -> dict:
        serial = int(serials[i])
        comments = [{"id": f"{serial}_{k + 1}", "created_time": c_times[j], "message": c_text[j],
                     "from": {"name": c_names[j], "id": c_ids[j]}, "like_count": int(c_likes[j])}
                    for k, j in enumerate(range(c_start[i], c_start[i + 1]))]
        if answered[i]:
            replies = demo_posts.OFFICIAL_REPLIES[answer_type[i]]
            reply = {"id": f"{serial}_{len(comments) + 1}", "created_time": a_times[i],
                     "message": replies[int(answer_pick[i] * len(replies))],
                     "from": {"name": account_name[answer_keys[i]], "id": account_ref[answer_keys[i]]}, "like_count": 2}
            if comments and nest[i]:
                comments[0]["comments"] = {"data": [reply], "summary": {"total_count": 1}}
            else:
                comments.append(reply)
        comments.sort(key=lambda c: c["created_time"])
        page_id = page_ids[page_of[i]]
        post = {"id": f"{page_id}_{serial}", "created_time": times[i], "message": texts[i],
                "from": {"name": str(authors[i]), "id": str(author_ids[i])},
                "permalink_url": f"https://www.facebook.com/{page_id}/posts/{serial}",
                "status_type": "mobile_status_update",
                "reactions": {"data": [], "summary": {"total_count": int(reactions[i]), "viewer_reaction": "NONE"}},
                **{r: {"data": [], "summary": {"total_count": int(v)}} for r, v in zip(reaction_names, split[i])},
                "comments": {"data": comments, "summary": {"order": "chronological",
                                                           "total_count": int(n_comments[i] + answered[i]),
                                                           "can_comment": True}}}
        if shares[i]:
            post["shares"] = {"count": int(shares[i])}
        return post

    # One page at a time, newest first as the Graph API returns them; only one page's posts are held at once.
    order = np.lexsort((-created, page_of))
    bounds = np.searchsorted(page_of[order], np.arange(len(pages) + 1))
    post_files: list[tuple[str, str]] = []
    for p in range(len(pages)):
        chosen = order[bounds[p]:bounds[p + 1]]
        if not len(chosen):
            continue
        page_id = page_ids[p]
        (folder / page_id).mkdir(parents=True, exist_ok=True)
        n_files = -(-len(chosen) // FEED_PAGE_SIZE)
        for f in range(n_files):
            paging = {"cursors": {"before": f"b{f}", "after": f"a{f}"}}
            if f + 1 < n_files:
                paging["next"] = (f"https://graph.facebook.com/v21.0/{page_id}/feed?limit={FEED_PAGE_SIZE}&after=a{f}"
                                  "&access_token=REDACTED")
            data = [post_json(int(i)) for i in chosen[f * FEED_PAGE_SIZE:(f + 1) * FEED_PAGE_SIZE]]
            rel = f"posts/{page_id}/feed_{f + 1:03d}.json"
            (out / rel).write_text(json.dumps({"data": data, "paging": paging}, ensure_ascii=False, separators=(",", ":")),
                                   encoding="utf-8")
            post_files.append((page_id, rel))
    return post_files, int(records[:n_posts].sum())


def write_sources(out: Path, post_files: list[tuple[str, str]]) -> None:
    lines = [
        "# Sources for the national Wijkbeeld demo (written by `python -m etl demo --scale national`).",
        "# Real CBS 2014 areas (or generated ones), simulated figures and posts. Paths are relative to this file.",
        "is_demo = true",
        f'retention_reference_date = "{POSTS_UNTIL.date().isoformat()}"',
        f"retention_months = {RETENTION_MONTHS}",
        'pages = "pages.csv"',
        'accounts = "accounts.csv"',
        "",
    ]
    for file, level in (("gemeenten", "gemeente"), ("wijken", "wijk"), ("buurten", "buurt")):
        lines += ["[[boundaries]]", f'path = "boundaries/{file}.geojson"', f'level = "{level}"', ""]
    for table_id, _ in POPULATION_TABLES.values():
        lines += ["[[population]]", f'path = "cbs/{table_id}"', ""]
    lines += ["[[police_crime]]", 'path = "politie/47022NED"', ""]
    lines += ["[[survey]]", 'path = "veiligheidsmonitor/85146NED"', ""]
    # One entry per page, as in the small demo: the folder holds that page's feed as response pages.
    for page_id in dict.fromkeys(page_id for page_id, _ in post_files):
        lines += ["[[posts]]", f'path = "posts/{page_id}"', 'format = "facebook_graph"', f'page_id = "{page_id}"',
                  f'exported_at = "{EXPORTED_AT}"', ""]
    (out / "sources.toml").write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------------------------------------- entry point

def generate_national(out: Path, *, gemeenten: int | Sequence[str] | None = None, post_records: int = POST_RECORDS,
                      boundaries_dir: Path | None = REAL_BOUNDARIES, seed: int = SEED,
                      plan: dict[str, LevelPlan] = INCIDENT_PLAN) -> dict:
    """Write the national demo into `out` (replacing an earlier one there); returns counts for the CLI.

    `gemeenten` limits the country (n gemeenten spread over the code range, or a list of codes) and
    `post_records` the number of posts + comments, for fast tests; `plan` says which codes and months are
    written per level. `boundaries_dir=None` (or a folder without
    the 2014 files) uses generated rectangles in the 2014 numbers instead of the real division."""
    out = Path(out)
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("boundaries", "cbs", "politie", "veiligheidsmonitor", "posts"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    real = boundaries_dir is not None and (Path(boundaries_dir) / "buurt_2014.topojson").exists() \
        and (Path(boundaries_dir) / "wijk_2014.topojson").exists()
    country = load_real_country(Path(boundaries_dir), gemeenten) if real else synthetic_country(rng, gemeenten)
    units = build_units(country, rng)
    shapes = write_boundaries(out, country)
    population_rows = write_population(out, country, units)
    incidents = simulate_incidents(units, len(country.gemeenten), rng, plan)
    police = write_police(out, country, incidents)
    survey_rows = write_survey(out, country, units, incidents, rng)
    pages, accounts = choose_pages(country, units, rng)
    write_pages_config(out, pages, accounts)
    post_files, n_records = write_posts(out, pages, accounts, units, country, np.random.default_rng(seed + 1), post_records)
    write_sources(out, post_files)
    return {
        "grenzen": country.source, "gemeenten": len(country.gemeenten), "wijken": len(country.wijken),
        "wijken_afgeleid": int(country.wijken["derived"].sum()), "buurten": len(country.buurten), **shapes,
        "bevolkingsrijen": population_rows, **police, "enqueterijen": survey_rows, "paginas": len(pages),
        "feedbestanden": len(post_files), "post_records": n_records, "folder": str(out),
    }
