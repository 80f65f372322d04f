"""The national demo generator on a small part of the country, through the real readers and the real build:
area counts match the CBS 2014 boundaries, every crime code arrives, sums add up, output is deterministic."""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.build import build
from wijkbeeld.crime_groups import SOORT_MISDRIJF, TOTAL_CODE
from etl.demo_national import BUURT_CODES, INCIDENT_PLAN, generate_national
from etl.readers.boundaries import read_boundaries
from etl.readers.police import read_police_crime

# Rhenen (GM0340) has a wijk without buurten in the 2014 files (WK034000) and buurten of a wijk missing from the
# wijk file (WK034007); Appingedam (GM0003) is a plain one.
GEMEENTEN = ["GM0003", "GM0340"]
POST_RECORDS = 1_500


@pytest.fixture(scope="module")
def boundaries_dir(real_dir) -> Path:
    return real_dir / "cbs-gebiedsindelingen-2014"


@pytest.fixture(scope="module")
def national(boundaries_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("national") / "demo"
    info = generate_national(out, gemeenten=GEMEENTEN, post_records=POST_RECORDS, boundaries_dir=boundaries_dir)
    warehouse = out.parent / "warehouse.duckdb"
    build(out / "sources.toml", warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield out, info, con
    con.close()


@pytest.fixture(scope="module")
def real_areas(boundaries_dir):
    wijken = read_boundaries(boundaries_dir / "wijk_2014.topojson").frame
    buurten = read_boundaries(boundaries_dir / "buurt_2014.topojson").frame
    return wijken[wijken["gemeente_code"].isin(GEMEENTEN)], buurten[buurten["gemeente_code"].isin(GEMEENTEN)]


def _codes(con, sql: str) -> set[str]:
    return {r[0] for r in con.execute(sql).fetchall()}


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_areas_match_the_2014_boundaries(national, real_areas):
    _, info, con = national
    wijken, buurten = real_areas
    assert _codes(con, "SELECT gemeente_code FROM dim_gemeente") == set(GEMEENTEN)
    assert _codes(con, "SELECT buurt_code FROM dim_buurt") == set(buurten["code"])
    # every wijk of the wijk file, plus the wijken only known from their buurten
    assert _codes(con, "SELECT wijk_code FROM dim_wijk") == set(wijken["code"]) | set(buurten["wijk_code"])
    assert info["buurten"] == len(buurten) and info["wijken_afgeleid"] == 1
    derived = con.execute("SELECT wijk_name FROM dim_wijk WHERE wijk_code = 'WK034007'").fetchone()[0]
    assert "afgeleid uit buurten" in derived
    assert con.execute("SELECT count(*) FROM meta_rejected_record").fetchone()[0] == 0


def test_collapsed_areas_are_kept_without_a_shape(national, real_areas):
    _, info, con = national
    _, buurten = real_areas
    collapsed = set(buurten.loc[buurten.geometry.is_empty, "code"])
    assert collapsed and info["buurten_zonder_vorm"] >= len(collapsed)
    kept = _codes(con, "SELECT DISTINCT area_code FROM fct_incident_month WHERE level = 'buurt'")
    assert collapsed <= kept  # no shape, but population and incidents like any other buurt
    with_population = _codes(con, "SELECT area_code FROM fct_population WHERE year = 2025 AND population IS NOT NULL")
    assert collapsed <= with_population


def test_every_crime_code_arrives_at_the_levels_of_the_plan(national):
    out, _, con = national
    published = read_police_crime(out / "politie" / "47022NED")
    assert any(TOTAL_CODE in n for n in published.notes)  # the total row is in the file and set aside
    assert _codes(con, "SELECT crime_code FROM dim_crime_type") == set(SOORT_MISDRIJF)
    rows = con.execute("""SELECT level, count(DISTINCT crime_code), count(DISTINCT month), min(month), max(month)
                          FROM fct_incident_month GROUP BY level""").fetchall()
    by_level = {level: (codes, months, first, last) for level, codes, months, first, last in rows}
    for level, plan in INCIDENT_PLAN.items():
        codes, months, _, last = by_level[level]
        assert codes == len(plan.codes) and months == plan.months, level
        assert str(last) == "2026-09-01"
    assert _codes(con, "SELECT DISTINCT crime_code FROM fct_incident_month WHERE level = 'buurt'") == set(BUURT_CODES)
    assert TOTAL_CODE not in _codes(con, "SELECT DISTINCT crime_code FROM fct_incident_month")


def test_wijk_and_gemeente_rows_are_the_sums_of_their_parts(national):
    _, _, con = national
    frame = con.execute("""
        WITH buurt_sum AS (
            SELECT b.wijk_code, f.month, f.crime_code,
                   CASE WHEN count(*) FILTER (WHERE f.incident_count IS NULL) = 0 THEN sum(f.incident_count) END AS parts
            FROM fct_incident_month f JOIN dim_buurt b ON b.buurt_code = f.area_code
            GROUP BY ALL)
        SELECT s.parts, w.incident_count AS whole
        FROM buurt_sum s JOIN fct_incident_month w
          ON w.area_code = s.wijk_code AND w.month = s.month AND w.crime_code = s.crime_code
        WHERE s.wijk_code <> 'WK034000'""").df()
    assert len(frame) > 1_000
    assert (frame["parts"].isna() == frame["whole"].isna()).all()  # withheld parts withhold the sum
    known = frame.dropna()
    assert (known["parts"] == known["whole"]).all()
    gm = con.execute("""
        SELECT g.incident_count AS whole, sum(w.incident_count) AS parts, count(w.incident_count) AS n
        FROM fct_incident_month g
        JOIN dim_wijk d ON d.gemeente_code = g.area_code
        JOIN fct_incident_month w ON w.area_code = d.wijk_code AND w.month = g.month AND w.crime_code = g.crime_code
        WHERE g.level = 'gemeente' GROUP BY g.area_code, g.month, g.crime_code, g.incident_count
        HAVING count(*) = count(w.incident_count)""").df()
    assert len(gm) > 1_000 and (gm["whole"] == gm["parts"]).all()
    assert frame["whole"].sum() > 0


def test_population_and_survey_cover_every_year_and_area(national):
    _, _, con = national
    years = con.execute("SELECT DISTINCT year FROM fct_population WHERE NOT imputed ORDER BY year").fetchall()
    assert [y for (y,) in years] == list(range(2016, 2026))
    mismatch = con.execute("""
        SELECT count(*) FROM dim_wijk w
        JOIN fct_population p ON p.area_code = w.wijk_code AND p.year = 2024
        JOIN (SELECT b.wijk_code, sum(q.population) AS s FROM dim_buurt b
              JOIN fct_population q ON q.area_code = b.buurt_code AND q.year = 2024 GROUP BY b.wijk_code) x
          ON x.wijk_code = w.wijk_code
        WHERE p.population <> x.s""").fetchone()[0]
    assert mismatch == 0
    waves = con.execute("SELECT DISTINCT year(period_start) FROM fct_survey WHERE level = 'gemeente' ORDER BY 1").fetchall()
    assert [w for (w,) in waves] == [2017, 2019, 2021, 2023, 2025]


def test_posts_load_as_generated(national):
    out, info, con = national
    assert info["post_records"] >= POST_RECORDS
    assert con.execute("SELECT count(*) FROM fct_post").fetchone()[0] == info["post_records"]
    pages = pd.read_csv(out / "pages.csv", dtype=str)
    assert _codes(con, "SELECT page_id FROM dim_page") == set(pages["page_id"])
    first = con.execute("SELECT min(created_at) FROM fct_post").fetchone()[0]
    assert first >= pd.Timestamp("2024-11-01", tz="UTC")
    residents_named = con.execute("""SELECT count(*) FROM fct_post WHERE author_type = 'bewoner'
                                     AND (org_name IS NOT NULL OR permalink IS NOT NULL)""").fetchone()[0]
    assert residents_named == 0


def test_generation_is_deterministic(national, boundaries_dir, tmp_path):
    out, info, _ = national
    again = generate_national(tmp_path / "again", gemeenten=GEMEENTEN, post_records=POST_RECORDS,
                              boundaries_dir=boundaries_dir)
    assert {k: v for k, v in again.items() if k != "folder"} == {k: v for k, v in info.items() if k != "folder"}
    assert _digest(tmp_path / "again") == _digest(out)
    generate_national(tmp_path / "other", gemeenten=GEMEENTEN, post_records=POST_RECORDS,
                              boundaries_dir=boundaries_dir, seed=7)
    police = "politie/47022NED/TypedDataSet_001.json"
    assert _digest(tmp_path / "other")[police] != _digest(out)[police]


def test_generated_areas_stand_in_when_the_real_files_are_absent(tmp_path):
    info = generate_national(tmp_path / "synthetic", gemeenten=2, post_records=300, boundaries_dir=None)
    assert info["grenzen"] == "synthetic" and info["gemeenten"] == 2
    wijken = read_boundaries(tmp_path / "synthetic" / "boundaries" / "wijken.geojson").frame
    buurten = read_boundaries(tmp_path / "synthetic" / "boundaries" / "buurten.geojson").frame
    assert len(wijken) == info["wijken"] and len(buurten) == info["buurten"]
    assert set(buurten["wijk_code"]) <= set(wijken["code"])
    assert wijken["code"].str.match(r"^WK7\d{5}$").all()  # GM7xxx: not a real CBS code
    police = read_police_crime(tmp_path / "synthetic" / "politie" / "47022NED").frame
    written = sum(v for k, v in info.items() if k.startswith("incidentrijen_"))
    assert len(police) == written - _total_rows(info)  # everything but the total rows is kept
    assert np.isin(police["crime_code"].unique(), list(SOORT_MISDRIJF)).all()


def _total_rows(info: dict) -> int:
    """Rows of the total code 0.0.0 in the table: one per published (region, month) at every level."""
    per_code = {level: info[f"incidentrijen_{level}"] // (len(plan.codes) + 1) for level, plan in INCIDENT_PLAN.items()}
    return sum(per_code.values())
