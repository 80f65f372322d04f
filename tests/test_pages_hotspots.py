"""Hotspots page: the read-side module against figures computed independently from the demo warehouse (plain SQL on
fct_incident_month / fct_post, statsmodels for Benjamini-Hochberg), and the page in AppTest (default and URL
state, invalid URL values, flags with interval/p/q/method and the resident posts beside them, role beleid)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import re
import duckdb
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from streamlit.testing.v1 import AppTest

from tests.hostile import leaked, non_post_texts, post_texts, rendered_texts
from wijkbeeld import q_hotspots as qh
from wijkbeeld import stats
from wijkbeeld.db import Warehouse

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "pages" / "hotspots.py")
AS_OF = date(2026, 9, 1)          # end of the default period (last 12 months) on the demo
RECENT = ("2026-07-01", "2026-09-01")
YEAR_EARLIER = ("2025-07-01", "2025-09-01")
PARAMS = dict(gemeente="GM9999", recent_months=3, min_history_months=24, fdr_q=0.10, min_population=200)
from tests.page_harness import BELEID_SECRETS as SECRETS  # noqa: E402
from tests.page_harness import con, wh  # noqa: E402,F401  (fixtures)


@pytest.fixture(scope="module")
def wijk_table(wh) -> pd.DataFrame:
    return qh.q_hotspots(wh, level="wijk", as_of=AS_OF, **PARAMS)


def _monthly_from_facts(con, level: str) -> pd.DataFrame:
    """Monthly series straight from fct_incident_month (not the marts): per crime group and the crime total,
    NULL when any crime code of that month is withheld."""
    return con.execute("""
        WITH f AS (SELECT f.area_code, f.month, c.crime_group, f.incident_count
                   FROM fct_incident_month f JOIN dim_crime_type c USING (crime_code) WHERE f.level = ?)
        SELECT area_code, crime_group AS "group", month,
               CASE WHEN bool_and(incident_count IS NOT NULL) THEN sum(incident_count) END AS count
        FROM f GROUP BY ALL
        UNION ALL
        SELECT area_code, 'totaal', month,
               CASE WHEN bool_and(incident_count IS NOT NULL) THEN sum(incident_count) END
        FROM f WHERE crime_group <> 'overlast' GROUP BY ALL""", [level]).df()


from tests.page_harness import downloaded  # noqa: E402,F401  (a fixture)
from tests.page_harness import download_texts as _download_texts  # noqa: E402
from tests.page_harness import frame_with as _frame  # noqa: E402
from tests.page_harness import run_page  # noqa: E402


def _run(params: dict | None = None, user: dict | None = None) -> AppTest:
    return run_page(SCRIPT, params, user)


# ------------------------------------------------------------------------------------------ read-side module

def test_rates_and_year_earlier_counts_match_plain_sql(wijk_table, con):
    expected = con.execute("""
        WITH inc AS (
            SELECT f.area_code, sum(f.incident_count) FILTER (WHERE f.month BETWEEN ? AND ?) AS recent,
                   sum(f.incident_count) FILTER (WHERE f.month BETWEEN ? AND ?) AS previous
            FROM fct_incident_month f JOIN dim_crime_type c USING (crime_code)
            WHERE f.level = 'wijk' AND c.crime_group <> 'overlast' GROUP BY 1
        ), py AS (  -- person-years over the three recent months, each month with its own year's population
            SELECT area_code, sum(population) / 12.0 AS py_expected FROM fct_population p
            JOIN (SELECT UNNEST([DATE '2026-07-01', DATE '2026-08-01', DATE '2026-09-01']) AS m) ON p.year = year(m)
            GROUP BY 1)
        SELECT inc.*, py.py_expected FROM inc JOIN py USING (area_code)""", [*RECENT, *YEAR_EARLIER]).df()
    shown = wijk_table[wijk_table["group"] == qh.GROUP_TOTAL].merge(expected, on="area_code")
    assert len(shown) == 9
    assert (shown["incidents_recent"].astype(int) == shown["recent"].astype(int)).all()
    assert (shown["previous_count"].astype(int) == shown["previous"].astype(int)).all()
    np.testing.assert_allclose(shown["rate"].astype(float), shown["recent"] / shown["py_expected"] * 1000, rtol=1e-9)
    # Exact Poisson bounds around the rate, as statsmodels computes them for a count.
    from statsmodels.stats.rates import confint_poisson
    low, high = confint_poisson(shown["recent"].to_numpy(), shown["py_expected"].to_numpy() / 1000, method="exact-c")
    np.testing.assert_allclose(shown["rate_lower"].astype(float), low, rtol=1e-6)
    np.testing.assert_allclose(shown["rate_upper"].astype(float), high, rtol=1e-6)
    had_some = shown["previous"] > 0
    change = (shown["recent"] / shown["previous"] - 1) * 100
    np.testing.assert_allclose(shown.loc[had_some, "yoy_change_pct"].astype(float), change[had_some], rtol=1e-9)
    assert shown.loc[~had_some, "yoy_change_pct"].isna().all()  # a rise from 0 has no percentage: unknown


def test_hotspot_test_matches_an_independent_run_and_bh_over_every_series(wijk_table, con):
    independent = stats.hotspots(_monthly_from_facts(con, "wijk"), recent_months=3, min_history_months=24, q=0.10,
                                 as_of=AS_OF)
    merged = wijk_table.merge(independent, on=["area_code", "group"], suffixes=("", "_ind"))
    assert len(merged) == len(wijk_table) == len(independent)
    tested = merged["p_value"].notna()
    assert tested.sum() > 40
    np.testing.assert_allclose(merged.loc[tested, "p_value"].astype(float), merged.loc[tested, "p_value_ind"].astype(float))
    np.testing.assert_allclose(merged.loc[tested, "expected"].astype(float), merged.loc[tested, "expected_ind"].astype(float))
    # Benjamini-Hochberg over every tested series of the level (all groups and the total): one family.
    q_bh = multipletests(merged.loc[tested, "p_value"].astype(float), method="fdr_bh")[1]
    np.testing.assert_allclose(merged.loc[tested, "q_value"].astype(float), q_bh, rtol=1e-9)
    np.testing.assert_allclose(merged.loc[tested, "rise_pct"].astype(float),
                               (merged.loc[tested, "observed"].astype(float) / merged.loc[tested, "expected"].astype(float) - 1) * 100)
    assert (merged.loc[tested, "flagged"].astype(bool) == (merged.loc[tested, "q_value"].astype(float) <= 0.10)).all()
    # Untested series say why and carry no p, q or flag.
    assert merged.loc[~tested, "test_reason"].notna().all()
    assert merged.loc[~tested, "flagged"].isna().all()


def test_withheld_month_leaves_rate_unknown_and_short_history_is_not_tested(wh):
    # Demo: WK999906 has a withheld geweld count in feb 2025; in jan-mrt 2025 there are only 15 months of history.
    table = qh.q_hotspots(wh, level="wijk", as_of=date(2025, 3, 1), **PARAMS)
    row = table[(table["area_code"] == "WK999906") & (table["group"] == "geweld")].iloc[0]
    assert pd.isna(row["incidents_recent"]) and pd.isna(row["rate"])
    assert row["rate_reason"] == "deels afgeschermd door de bron"
    total = table[(table["area_code"] == "WK999906") & (table["group"] == qh.GROUP_TOTAL)].iloc[0]
    assert pd.isna(total["rate"])  # the total includes the withheld part
    assert table["p_value"].isna().all()
    assert table["test_reason"].str.startswith("minder dan 24 maanden geschiedenis (1").all()


def test_resident_posts_on_the_matching_themes_match_plain_sql(wijk_table, con):
    expected = con.execute("""
        WITH themes AS (SELECT DISTINCT theme FROM dim_crime_type WHERE theme IS NOT NULL AND crime_group <> 'overlast')
        SELECT b.wijk_code,
               count(DISTINCT p.post_id) FILTER (WHERE p.month BETWEEN ? AND ?) AS recent,
               count(DISTINCT p.post_id) FILTER (WHERE p.month BETWEEN ? AND ?) AS previous
        FROM fct_post p JOIN fct_post_theme t USING (post_id) JOIN bridge_page_wijk b USING (page_id)
        WHERE p.author_type = 'bewoner' AND t.theme IN (SELECT theme FROM themes)
        GROUP BY 1""", [*RECENT, *YEAR_EARLIER]).df().set_index("wijk_code")
    total = wijk_table[wijk_table["group"] == qh.GROUP_TOTAL].set_index("area_code")
    for code in ["WK999900", "WK999901", "WK999902", "WK999904"]:  # pages live in both windows
        assert total.loc[code, "posts_recent"] == expected.loc[code, "recent"]
        assert total.loc[code, "posts_previous"] == expected.loc[code, "previous"]
        assert pd.isna(total.loc[code, "posts_reason"])
    # Bloemhof's page started 1 september 2025: the year-earlier window is incomplete, so unknown, not a count.
    assert total.loc["WK999905", "posts_recent"] == expected.loc["WK999905", "recent"]
    assert pd.isna(total.loc["WK999905", "posts_previous"])
    assert total.loc["WK999905", "posts_reason"] == "jaar eerder: pagina startte tijdens deze maanden"
    for code in ["WK999903", "WK999906", "WK999907", "WK999908"]:
        assert pd.isna(total.loc[code, "posts_recent"]) and total.loc[code, "posts_reason"] == qh.REASON_NO_PAGE


@pytest.mark.parametrize("carried", [False, True])
def test_posts_past_the_retention_term_are_unknown_unless_their_monthly_counts_were_kept(demo_warehouse, tmp_path,
                                                                                        carried):
    import shutil

    copy = tmp_path / "short_retention.duckdb"
    shutil.copy(demo_warehouse, copy)
    with duckdb.connect(str(copy)) as c:  # a build with a 12-month term: posts before 1 november 2025 are gone
        c.execute("UPDATE meta_schema SET retention_months = 12")
        if not carried:
            c.execute("DELETE FROM mart_wijk_crime_theme_posts_month WHERE month < DATE '2025-11-01'")
    table = qh.q_hotspots(Warehouse(copy), level="wijk", as_of=AS_OF, **PARAMS)
    centrum = table[(table["area_code"] == "WK999900") & (table["group"] == qh.GROUP_TOTAL)].iloc[0]
    assert pd.notna(centrum["posts_recent"])
    if carried:  # the build kept the monthly counts of the expired posts: the year-earlier figure stays known
        assert pd.notna(centrum["posts_previous"]) and pd.isna(centrum["posts_reason"])
    else:
        assert pd.isna(centrum["posts_previous"])
        assert centrum["posts_reason"] == "jaar eerder: berichten van toen zijn na de bewaartermijn verwijderd"


def test_buurt_map_frame_follows_the_table_and_flags(wh):
    table = qh.q_hotspots(wh, level="buurt", as_of=AS_OF, **{**PARAMS, "fdr_q": 1.0})
    shapes = qh.q_shapes(wh, gemeente="GM9999", level="buurt")
    frame = qh.map_frame(table, shapes, group="vermogen", colour_by="rise")
    assert len(frame) == 29 and frame["geometry_geojson"].notna().all()
    chosen = table[table["group"] == "vermogen"].set_index("area_code")
    np.testing.assert_allclose(frame.set_index("area_code")["value"].astype(float),
                               chosen.loc[frame["area_code"], "rise_pct"].astype(float))
    assert set(frame.loc[frame["flagged"], "area_code"]) == set(chosen.index[chosen["flagged"].fillna(False).astype(bool)])
    # Small buurten keep their flag but get no rank.
    small = table[table["small_area"].fillna(False).astype(bool)]
    assert small["flagged"].fillna(False).astype(bool).any() and small["rank"].isna().all()
    ranked = table[table["rank"].notna()]
    assert (~ranked["small_area"].astype(bool)).all() and ranked["flagged"].astype(bool).all()


# ------------------------------------------------------------------------------------------ the page

def test_page_shows_the_independent_figures_and_keeps_its_url_state(warehouse_env, con):
    at = _run({"niveau": "wijk", "groep": "totaal", "kleur": "rise"})
    assert at.radio(key="hotspots_level").value == "wijk"
    assert at.selectbox(key="hotspots_group").value == "totaal"
    assert at.radio(key="hotspots_colour").value == "rise"
    assert at.query_params["niveau"] in ("wijk", ["wijk"]) and at.query_params["kleur"] in ("rise", ["rise"])
    shown = _frame(at, "Incidenten recent").set_index("Code")
    expected = con.execute("""
        SELECT f.area_code, sum(f.incident_count) AS recent, any_value(p.population) AS population
        FROM fct_incident_month f JOIN dim_crime_type c USING (crime_code)
        JOIN fct_population p ON p.area_code = f.area_code AND p.year = 2026
        WHERE f.level = 'wijk' AND c.crime_group <> 'overlast' AND f.month BETWEEN ? AND ? GROUP BY 1""",
                           list(RECENT)).df().set_index("area_code")
    assert len(shown) == 9
    for code, row in expected.iterrows():
        assert shown.loc[code, "Incidenten recent"] == row["recent"]
        # Same population all three months (2026): the rate per year is recent * 4 / population * 1000.
        assert shown.loc[code, "Per 1.000 inwoners per jaar"] == pytest.approx(round(row["recent"] * 4 / row["population"] * 1000, 1))
    texts = " ".join(str(m.value) for m in at.markdown) + " ".join(str(c.value) for c in at.caption)
    assert "jul 2026 t/m sep 2026" in texts and "Bron:" in texts
    (fmap,) = at.get("component_instance")  # the folium wijk map, every wijk on it
    assert all(code in fmap.proto.json_args for code in expected.index)


def test_invalid_url_values_warn_and_fall_back(warehouse_env):
    at = _run({"niveau": "land", "groep": "<script>alert(1)</script>", "kleur": "rood"})
    warnings = " ".join(w.value for w in at.warning)
    assert "Niveau 'land' bestaat niet" in warnings and "Kleur 'rood' bestaat niet" in warnings
    assert "Soort misdrijf" in warnings
    assert at.radio(key="hotspots_level").value == "buurt"
    assert at.selectbox(key="hotspots_group").value == qh.GROUP_TOTAL


def test_flags_show_rise_interval_p_q_method_and_resident_posts(warehouse_env, monkeypatch, wh):
    monkeypatch.setenv("WIJKBEELD_FDR_Q", "1.0")  # every tested series is flagged: exercises the flag view
    at = _run({"niveau": "buurt", "groep": "vermogen"})
    table = qh.q_hotspots(wh, level="buurt", as_of=AS_OF, **{**PARAMS, "fdr_q": 1.0})
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Opvallende stijging"]) == int(table["flagged"].fillna(False).sum()) == int(metrics["Getoetste reeksen"])
    flags = [line for el in at.text for line in el.value.split("• ") if "95%-interval" in line]
    assert len(flags) == int(metrics["Opvallende stijging"])
    joined = "\n".join(flags)
    assert re.search(r"p [=<] ", joined) and re.search(r"q [=<] ", joined) and "methode Poisson" in joined
    assert "niet gerangschikt: minder dan de drempel aan inwoners" in joined  # the two tiny buurten
    assert "geen wijkpagina" in joined and "Bewoners op de wijkpagina over" in joined
    # The figures in one flag sentence are the module's.
    row = table[(table["area_code"] == "BU99990400") & (table["group"] == "vermogen")].iloc[0]
    sentence = next(f for f in flags if "De Weiden Noord" in f and "Vermogensmisdrijven" in f)
    assert f"{qh.nl_signed_pct(row['rise_pct'])} (95%-interval {qh.nl_signed_pct(row['rise_lower'])}" in sentence
    assert f"{int(row['posts_recent'])} berichten en reacties" in sentence
    # The map outlines the flagged buurten and says so in their tooltip.
    (fmap,) = at.get("component_instance")
    assert fmap.proto.json_args.count("opvallende stijging") >= int(table.loc[table["group"] == "vermogen", "flagged"].fillna(False).sum())
    shown = _frame(at, "Opvallende stijging")
    assert set(shown["Opvallende stijging"]) <= {"ja"} | {f"niet getoetst: {r}" for r in table["test_reason"].dropna()}


def test_role_beleid_sees_no_post_text(warehouse_env, tmp_path, monkeypatch, downloaded):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    monkeypatch.setenv("WIJKBEELD_SECRETS", str(secrets))
    monkeypatch.setenv("WIJKBEELD_FDR_Q", "1.0")  # with flags, so the resident-post lines are on screen too
    at = _run({"niveau": "wijk"}, user={"is_logged_in": True, "email": "b.beleid@gemeente.nl"})
    assert not at.error
    assert downloaded, "the page hands out its tables"
    texts = rendered_texts(at) + _download_texts(downloaded)
    assert any("Bewoners op de wijkpagina" in text for text in texts)
    assert leaked(post_texts(warehouse_env), texts, allowed=non_post_texts(warehouse_env)) == []


# ------------------------------------------------------------------------------------------ all gemeenten at once

@pytest.fixture(scope="module")
def country(country_warehouse):
    """The small country (three gemeenten): a Warehouse, a plain connection and the last police month."""
    with duckdb.connect(str(country_warehouse), read_only=True) as c:
        last = c.execute("SELECT max(month) FROM fct_incident_month").fetchone()[0]
        yield Warehouse(country_warehouse), c, last


def test_all_gemeenten_are_one_model_and_one_benjamini_hochberg_family(country):
    wh_country, c, last = country
    params = dict(level="buurt", as_of=last, recent_months=3, min_history_months=24, fdr_q=0.10, min_population=200)
    table = qh.q_hotspots(wh_country, gemeente="NL00", **params)
    independent = stats.hotspots(_monthly_from_facts(c, "buurt"), recent_months=3, min_history_months=24, q=0.10,
                                 as_of=last)
    merged = table.merge(independent, on=["area_code", "group"], suffixes=("", "_ind"))
    assert len(merged) == len(table) == len(independent)
    assert table["gemeente_code"].nunique() == 3  # every gemeente's buurten, each with its own gemeente
    named = c.execute("SELECT buurt_code AS area_code, gemeente_name FROM dim_buurt JOIN dim_gemeente USING "
                      "(gemeente_code)").df()
    assert dict(zip(named["area_code"], named["gemeente_name"])) == {
        **dict(zip(named["area_code"], named["gemeente_name"])), **dict(zip(table["area_code"], table["gemeente_name"]))}
    tested = merged["p_value"].notna()
    np.testing.assert_allclose(merged.loc[tested, "q_value"].astype(float),
                               multipletests(merged.loc[tested, "p_value"].astype(float), method="fdr_bh")[1])
    # One family over the whole country: larger than any one gemeente's.
    # the gemeente with the most tested series
    largest = table[table["p_value"].notna()].groupby("gemeente_code").size().idxmax()
    one = qh.q_hotspots(wh_country, gemeente=largest, **params)
    assert 0 < qh.summary_counts(one)["tested"] < qh.summary_counts(table)["tested"] == int(tested.sum())


def test_all_gemeenten_start_at_the_wijk_level_with_every_wijk_and_its_gemeente(country_env, country):
    _, c, last = country
    at = _run({"gm": "NL00"})
    assert at.query_params["gm"] == "NL00" and at.query_params["niveau"] == "wijk"
    assert at.radio(key="hotspots_level").value == "wijk"
    table = _frame(at, "Incidenten recent")
    expected = c.execute("""
        SELECT w.wijk_code, g.gemeente_name,
               CASE WHEN bool_and(f.incident_count IS NOT NULL) THEN sum(f.incident_count) END AS recent
        FROM dim_wijk w JOIN dim_gemeente g USING (gemeente_code)
        JOIN fct_incident_month f ON f.area_code = w.wijk_code AND f.level = 'wijk'
        JOIN dim_crime_type t USING (crime_code)
        WHERE t.crime_group <> 'overlast' AND f.month BETWEEN CAST(? AS DATE) - INTERVAL 2 MONTH AND ?
        GROUP BY ALL""", [last, last]).df().set_index("wijk_code")
    assert sorted(table["Code"]) == sorted(expected.index) and expected["gemeente_name"].nunique() == 3
    shown = table.set_index("Code")
    assert (shown["Gemeente"] == expected.loc[shown.index, "gemeente_name"]).all()
    known = expected["recent"].notna()
    assert known.sum() > 10
    assert all(int(shown.loc[code, "Incidenten recent"]) == int(n) for code, n in expected.loc[known, "recent"].items())
    texts = " ".join(m.value for m in at.markdown)
    assert f"**Alle gemeenten tegelijk** (3 gemeenten, {len(expected)} wijken)" in texts
    assert f"- {len(expected)} wijken, waarvan 0 met een opvallende stijging" in texts
    captions = " ".join(x.value for x in at.caption)
    (fmap,) = at.get("component_instance")
    drawn = set(re.findall(r"WK\d{6}", fmap.proto.json_args))
    shapeless = set(c.execute("SELECT wijk_code FROM dim_wijk WHERE NOT regexp_matches(geometry_geojson, '\\d')"
                              ).df()["wijk_code"])
    assert drawn == set(expected.index) - shapeless  # every wijk of every gemeente that has a shape
    assert (f"Alle gemeenten: {len(drawn)} van de {len(expected)} wijken op de kaart" if shapeless else
            f"Alle gemeenten: alle {len(expected)} wijken op de kaart.") in captions
    # Nothing at this level has 24 months of history in the demo: the page says why nothing was tested.
    assert any(i.value.startswith("Geen enkele reeks kon worden getoetst: ") and "maanden geschiedenis" in i.value
               for i in at.info)


def test_all_gemeenten_at_buurt_level_map_only_the_flagged_buurten_and_bound_the_lists(country_env, country,
                                                                                       monkeypatch, downloaded):
    wh_country, _, last = country
    monkeypatch.setenv("WIJKBEELD_FDR_Q", "1.0")  # every tested series flagged
    monkeypatch.setattr(qh, "TABLE_MAX_ROWS", 10)
    at = _run({"gm": "NL00", "niveau": "buurt", "groep": "totaal"})
    assert at.query_params["gm"] == "NL00"
    table = qh.q_hotspots(wh_country, gemeente="NL00", level="buurt", as_of=last, recent_months=3,
                          min_history_months=24, fdr_q=1.0, min_population=200)
    total = table[table["group"] == qh.GROUP_TOTAL]
    flagged = set(total.loc[total["flagged"].fillna(False).astype(bool), "area_code"])
    others = set(total["area_code"]) - flagged
    assert flagged and others
    (fmap,) = at.get("component_instance")
    drawn = set(re.findall(r"BU\d{8}", fmap.proto.json_args))
    assert drawn and drawn <= flagged and not drawn & others
    # A flagged buurt missing from the map has no shape in the boundaries (the demo has a few empty ones).
    shapeless = set(_country_shapeless(wh_country))
    assert flagged - drawn <= shapeless
    captions = " ".join(x.value for x in at.caption)
    assert f"Alleen de {len(drawn)} buurten met een opvallende stijging staan op de kaart (van de {len(total)})" in captions
    if flagged - drawn:
        assert f"{len(flagged - drawn)} buurten met een opvallende stijging hebben geen vlak in de grenzen" in captions
    # Flag sentences: the first FLAG_SENTENCES_MAX by rank, with the gemeente beside each buurt, and it says so.
    metrics = {m.label: m.value for m in at.metric}
    n_flagged = int(metrics["Opvallende stijging"])
    sentences = [line for el in at.text for line in el.value.split("• ") if "95%-interval" in line]
    assert len(sentences) == qh.FLAG_SENTENCES_MAX < n_flagged == int(table["flagged"].fillna(False).sum())
    assert f"De eerste {qh.FLAG_SENTENCES_MAX} van {n_flagged} opvallende stijgingen" in captions
    assert all(re.search(r"\(wijk .+, .+\) — ", s) for s in sentences)
    # The table shows the first rows and says so; the download holds every buurt.
    shown = _frame(at, "Incidenten recent")
    assert len(shown) == 10 and "Gemeente" in shown.columns
    assert f"De tabel toont de eerste 10 van {len(total)} buurten" in captions
    assert any(len(frame) == len(total) for frame in downloaded)


def _country_shapeless(wh_country) -> list[str]:
    shapes = wh_country.query("SELECT buurt_code, geometry_geojson FROM dim_buurt")
    return [code for code, geometry in zip(shapes["buurt_code"], shapes["geometry_geojson"])
            if geometry is None or not re.search(r"\d", geometry)]


def test_all_gemeenten_in_english_map_and_warnings(country_env):
    at = _run({"gm": "NL00", "lang": "en", "niveau": "land"})
    assert any("Level 'land' does not exist; 'wijk' was chosen." == w.value for w in at.warning)
    (fmap,) = at.get("component_instance")
    args = fmap.proto.json_args
    assert "per 1,000 per year" in args and "Police via CBS" in args
    assert not any(word in args for word in ("per 1.000 per jaar", "onbekend", "Politie via CBS", "opvallende"))
    table = _frame(at, "Recent incidents")
    assert "Municipality" in table.columns and "Crime group" in table.columns
    assert set(table["Unusual rise"]) <= {"yes", "no"} | {v for v in table["Unusual rise"] if v.startswith("not tested: ")}


def test_reasons_and_cells_in_english_and_dutch_unchanged():
    assert qh.reason_text("niet getoetst: minder dan 24 maanden geschiedenis (21)", "en") == \
        "not tested: fewer than 24 months of history (21)"
    assert qh.reason_text("jaar eerder: pagina startte tijdens deze maanden", "en") == \
        "year earlier: the page started during these months"
    assert qh.reason_text("ja", "en") == "yes" and qh.reason_text("nee", "nl") == "nee"
    assert qh.reason_text("geen incidenten in de geschiedenis: geen verwachting te schatten", "nl") == \
        "geen incidenten in de geschiedenis: geen verwachting te schatten"
    assert qh.month_span(date(2026, 7, 1), date(2026, 9, 1)) == "jul 2026 t/m sep 2026"
    assert qh.month_span(date(2026, 7, 1), date(2026, 9, 1), lang="en") == "Jul 2026 to Sep 2026"
    assert qh.nl_p(0.0004) == "< 0,001" and qh.nl_p(0.0004, lang="en") == "< 0.001"
    assert qh.nl_number(1234.5) == "1.234,5" and qh.nl_number(None, lang="en") == "unknown"


def test_long_name_lists_become_counts_per_reason():
    frame = pd.DataFrame({"area_name": [f"Buurt {i}" for i in range(30)], "gemeente_name": ["Waalwijk"] * 30,
                          "gemeente_code": ["GM0867"] * 30, "test_reason": ["a"] * 20 + ["b"] * 10})
    text, unnamed = qh.name_list(frame, national=True, with_reason="test_reason", limit=20)
    assert (text, unnamed) == ("20 × a; 10 × b", 30)
    text, unnamed = qh.name_list(frame.head(2), national=True, with_reason="test_reason")
    assert (text, unnamed) == ("Buurt 0 (Waalwijk) (a); Buurt 1 (Waalwijk) (a)", 0)
    assert qh.name_list(frame, national=False) == ("", 30)


def test_map_features_in_english_and_only_the_flagged_areas_when_too_big(wh):
    table = qh.q_hotspots(wh, level="buurt", as_of=AS_OF, **{**PARAMS, "fdr_q": 0.5})
    shapes = qh.q_shapes(wh, gemeente="GM9999", level="buurt")
    flagged = set(table.loc[(table["group"] == "vermogen") & table["flagged"].fillna(False).astype(bool), "area_code"])
    assert 0 < len(flagged) < 29
    fc, flagged_only, codes = qh.map_features(table, shapes, group="vermogen", colour_by="rate", lang="en",
                                              period="Jul 2026 to Sep 2026")
    assert not flagged_only and len(fc["features"]) == 29 and set(codes) == flagged
    values = {f["id"]: f["properties"]["waarde"] for f in fc["features"]}
    assert all(values[c].endswith(" · unusual rise") for c in flagged)
    assert all(re.fullmatch(r"[\d,]+\.\d per 1,000 per year", v) for c, v in values.items() if c not in flagged)
    small, flagged_only, codes = qh.map_features(table, shapes, group="vermogen", colour_by="rate", lang="nl",
                                                 period="jul 2026 t/m sep 2026", max_bytes=1_000)
    assert flagged_only and {f["id"] for f in small["features"]} == flagged == set(codes)
    assert all(f["properties"]["waarde"].endswith(" · opvallende stijging") for f in small["features"])
