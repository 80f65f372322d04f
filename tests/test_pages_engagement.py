"""Betrokkenheid page: counts, rates, answer shares and times against independent pandas/SQL computations on the demo
warehouse (including the thread walk behind mart_thread_response), and the page in AppTest."""
from __future__ import annotations

import base64
import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from wijkbeeld import q_engagement as qe
from wijkbeeld.db import Warehouse
from wijkbeeld.queries import Period
from tests.page_harness import deferred  # noqa: E402,F401  (a fixture)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "pages" / "betrokkenheid.py")
Y2025 = Period(date(2025, 1, 1), date(2025, 12, 1))
Y2024 = Period(date(2024, 1, 1), date(2024, 12, 1))
ORG = {"gemeente", "politie", "corporatie", "welzijn"}
DE_WEIDEN_PAGE = "104000000000004"   # launched 2025-05-12, serves WK999904


@pytest.fixture(scope="module")
def wh(demo_warehouse) -> Warehouse:
    return Warehouse(demo_warehouse)


@pytest.fixture(scope="module")
def posts(demo_warehouse) -> pd.DataFrame:
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        return con.execute("""SELECT post_id, page_id, parent_id, kind, created_at, month, author_type, author_pseudonym,
                                     reactions, comments, shares FROM fct_post""").df()


@pytest.fixture(scope="module")
def population(demo_warehouse) -> pd.DataFrame:
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        return con.execute("SELECT area_code, year, population FROM fct_population").df()


def _in_2025(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[pd.to_datetime(frame["month"]).dt.year == 2025]


def _independent_thread_answers(posts: pd.DataFrame) -> pd.DataFrame:
    """Walk every message up to its root with plain pandas, then take the first organisational answer per root."""
    parent = posts.set_index("post_id")["parent_id"]
    root = posts["post_id"].copy()
    for _ in range(50):
        up = root.map(parent)
        if up.isna().all():
            break
        root = up.where(up.notna(), root)
    msgs = posts.assign(root_id=root.to_numpy())
    roots = posts[posts["parent_id"].isna() & (posts["kind"] == "post") & (posts["author_type"] == "bewoner")]
    answers = msgs[msgs["author_type"].isin(ORG) & (msgs["post_id"] != msgs["root_id"])]
    answers = answers.merge(roots[["post_id", "created_at"]].rename(columns={"post_id": "root_id", "created_at": "root_at"}),
                            on="root_id")
    answers = answers[answers["created_at"] >= answers["root_at"]]
    first = answers.sort_values("created_at").drop_duplicates("root_id")
    out = roots[["post_id", "page_id", "month", "created_at"]].merge(
        first[["root_id", "created_at", "author_type"]].rename(columns={"root_id": "post_id", "created_at": "answer_at"}),
        on="post_id", how="left")
    out["hours"] = (out["answer_at"] - out["created_at"]).dt.total_seconds() / 3600
    return out


# ------------------------------------------------------------------------------------------ read-side module

def test_page_counts_and_rates_match_an_independent_computation(wh, posts, population):
    row = qe.q_engagement(wh, gemeente="GM9999", period=Y2025, level="pagina").set_index("unit_id").loc[DE_WEIDEN_PAGE]
    mine = _in_2025(posts[posts["page_id"] == DE_WEIDEN_PAGE])
    top = mine[mine["parent_id"].isna()]
    residents = mine[mine["author_type"] == "bewoner"]
    assert row["posts"] == len(top) and row["comments"] == len(mine) - len(top)
    assert row["reactions"] == mine["reactions"].sum() and row["shares"] == top["shares"].sum()
    assert row["participants"] == residents["author_pseudonym"].nunique()
    pop = population.set_index(["area_code", "year"]).loc[("WK999904", 2025), "population"]
    live_months = 8                                              # May to December 2025
    person_years = pop * live_months / 12
    assert row["live_months"] == live_months
    assert row["person_years"] == pytest.approx(person_years)
    assert row["posts_per_1000"] == round(len(top) / person_years * 1000, 1)
    assert row["reactions_per_1000"] == round(mine["reactions"].sum() / person_years * 1000, 1)
    # A head count over the average population, not over person-years.
    assert row["participants_per_1000"] == round(residents["author_pseudonym"].nunique() / pop * 1000, 1)


def test_wijk_level_says_why_figures_are_missing(wh):
    wijken = qe.q_engagement(wh, gemeente="GM9999", period=Y2024, level="wijk").set_index("unit_id")
    assert len(wijken) == 9
    assert wijken.loc["WK999903", "reason"] == qe.REASON_NO_PAGE
    assert wijken.loc["WK999905", "reason"] == qe.REASON_PAGE_LATER
    for wijk in ("WK999903", "WK999905"):
        assert wijken.loc[wijk, ["posts", "posts_per_1000", "participants", "reactions"]].isna().all()
    centrum = wijken.loc["WK999900"]                              # page from 2024-11: two live months in 2024
    assert pd.isna(centrum["reason"]) and centrum["live_months"] == 2 and centrum["posts"] > 0
    table = qe.engagement_table(wijken.reset_index(), "wijk")
    assert "Deelnemende bewoners" in table.columns and not any("pseudo" in c.lower() for c in table.columns)


def test_unknown_platform_counts_stay_unknown(demo_warehouse, tmp_path):
    """A message without a reaction count makes the sum unknown (with a reason), never a silent undercount."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse, path)
    with duckdb.connect(str(path)) as con:
        con.execute("""UPDATE fct_post SET reactions = NULL, comments = NULL WHERE post_id = (
                           SELECT min(post_id) FROM fct_post WHERE page_id = ? AND parent_id IS NULL AND year(month) = 2025)""",
                    [DE_WEIDEN_PAGE])
    damaged = Warehouse(path)
    row = qe.q_engagement(damaged, gemeente="GM9999", period=Y2025, level="pagina").set_index("unit_id").loc[DE_WEIDEN_PAGE]
    assert pd.isna(row["reactions"]) and pd.isna(row["reactions_per_1000"])
    assert row["reactions_reason"] == qe.REASON_COUNTS_MISSING and pd.isna(row["reason"])
    assert row["posts"] > 0 and pd.notna(row["shares"])
    themes = qe.q_theme_engagement(damaged, gemeente="GM9999", period=Y2025)
    assert (themes["posts"] - themes["posts_known"]).max() == 1
    damaged.close()


def test_thread_response_mart_matches_a_pandas_thread_walk(demo_warehouse, posts):
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        mart = con.execute("SELECT post_id, first_answer_type, hours_to_first_answer FROM mart_thread_response").df()
    expected = _independent_thread_answers(posts)
    merged = expected.merge(mart, on="post_id", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) == len(expected)
    assert (merged["hours"].isna() == merged["hours_to_first_answer"].isna()).all()
    answered = merged[merged["hours"].notna()]
    assert len(answered) > 100
    np.testing.assert_allclose(answered["hours_to_first_answer"], answered["hours"], atol=1e-6)
    assert (answered["author_type"] == answered["first_answer_type"]).all()
    # Replies to comments count: some first answers come from a reply deeper in the thread.
    assert (posts["kind"] == "reply").any()


def test_answer_share_and_times_match_the_walk(wh, posts):
    resp = qe.q_response(wh, gemeente="GM9999", period=Y2025)
    expected = _in_2025(_independent_thread_answers(posts))
    overall = resp[resp["page_id"].isna() & (resp["answer_type"] == "alle")].iloc[0]
    assert overall["resident_posts"] == len(expected)
    assert overall["answered"] == expected["hours"].notna().sum()
    assert overall["answered_pct"] == round(expected["hours"].notna().mean() * 100, 1)
    assert overall["median_hours"] == round(float(expected["hours"].median()), 1)
    assert overall["p90_hours"] == round(float(np.quantile(expected["hours"].dropna(), 0.9)), 1)
    page = resp[(resp["page_id"] == DE_WEIDEN_PAGE) & (resp["answer_type"] == "alle")].iloc[0]
    assert page["resident_posts"] == (expected["page_id"] == DE_WEIDEN_PAGE).sum()
    welzijn = resp[resp["page_id"].isna() & (resp["answer_type"] == "welzijn")].iloc[0]
    assert welzijn["answered"] == 0 and welzijn["answered_pct"] == 0 and pd.isna(welzijn["median_hours"])
    assert welzijn["times_reason"] == "geen antwoorden"


def test_theme_engagement_is_the_mean_per_post(wh, posts, demo_warehouse):
    themes = qe.q_theme_engagement(wh, gemeente="GM9999", period=Y2025).set_index("label")
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        tags = con.execute("SELECT post_id, theme FROM fct_post_theme").df()
    top = _in_2025(posts[posts["parent_id"].isna()])
    inbraak = top[top["post_id"].isin(tags.loc[tags["theme"] == "inbraak", "post_id"])]
    assert themes.loc["Inbraak", "posts"] == len(inbraak)
    assert themes.loc["Inbraak", "mean_engagement"] == round((inbraak["reactions"] + inbraak["comments"]).mean(), 1)
    untagged = top[~top["post_id"].isin(tags["post_id"])]
    assert themes.loc["(geen thema)", "posts"] == len(untagged) > 0
    ranked = themes[themes["ranked"]]["mean_engagement"]
    assert ranked.is_monotonic_decreasing


# ------------------------------------------------------------------------------------------ page

def test_page_shows_the_independent_figures(warehouse_env, posts, deferred):
    at = AppTest.from_file(SCRIPT, default_timeout=90)
    at.query_params.update({"gm": "GM9999", "periode": "2025"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="engagement_level").value == "pagina"
    table = next(d.value for d in at.dataframe if "Pagina" in d.value.columns and "Berichten" in d.value.columns)
    weiden = table[table["Pagina"] == "Wijkpagina De Weiden"].iloc[0]
    mine = _in_2025(posts[posts["page_id"] == DE_WEIDEN_PAGE])
    assert weiden["Berichten"] == mine["parent_id"].isna().sum()
    assert weiden["Deelnemende bewoners"] == mine.loc[mine["author_type"] == "bewoner", "author_pseudonym"].nunique()
    expected = _in_2025(_independent_thread_answers(posts))
    share = f"{expected['hours'].notna().mean() * 100:.1f}".replace(".", ",") + "%"
    assert {m.label: m.value for m in at.metric}["Bewonersberichten beantwoord"] == share
    assert any("geen volgersaantallen in de bronnen" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 2
    # Participants are counted, never listed: no pseudonym anywhere on screen or in a download.
    rendered = "\n".join([str(v) for d in at.dataframe for v in d.value.to_numpy(dtype=object).ravel()]
                         + [c.value for c in at.caption] + [chart.proto.spec for chart in at.get("plotly_chart")]
                         + [fn().decode("utf-8-sig") for name, fn in deferred if name.endswith(".csv")])
    assert not re.search(r"p_[0-9a-f]{16}", rendered)
    csv = next(fn for name, fn in deferred if "betrokkenheid_pagina" in name and name.endswith(".csv"))()
    downloaded = pd.read_csv(io.BytesIO(csv), sep=";", decimal=",", encoding="utf-8-sig")
    assert downloaded["Berichten"].tolist() == table["Berichten"].astype(int).tolist()


def test_level_from_the_url_is_validated(warehouse_env):
    at = AppTest.from_file(SCRIPT, default_timeout=90)
    at.query_params.update({"gm": "GM9999", "periode": "2024", "niveau": "wijk"})
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Wijk" in d.value.columns)
    assert len(table) == 9
    assert table.set_index("Code").loc["WK999903", "Reden onbekend"] == qe.REASON_NO_PAGE
    bad = AppTest.from_file(SCRIPT, default_timeout=90)
    bad.query_params.update({"niveau": "../../etc/passwd"})
    bad.run()
    assert not bad.exception
    assert any("bestaat niet" in w.value for w in bad.warning)
    assert bad.radio(key="engagement_level").value == "pagina"


# ------------------------------------------------------------------------------------------ all gemeenten (gm=NL00)

def _country_posts(country_warehouse) -> pd.DataFrame:
    with duckdb.connect(str(country_warehouse), read_only=True) as con:
        return con.execute("""SELECT post_id, page_id, parent_id, kind, created_at, month, author_type, author_pseudonym,
                                     reactions, comments, shares FROM fct_post""").df()


def _plotly_values(values) -> np.ndarray:
    """A plotly spec array: a plain list, or plotly's typed-array encoding {'dtype', 'bdata'}."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def test_whole_country_figures_match_plain_sql(country_env, deferred):
    at = AppTest.from_file(SCRIPT, default_timeout=90)
    at.query_params.update({"gm": "NL00", "periode": "2025"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["gm"] == "NL00"
    # The answer share over every gemeente's resident posts, from an independent thread walk.
    expected = _in_2025(_independent_thread_answers(_country_posts(country_env)))
    share = f"{expected['hours'].notna().mean() * 100:.1f}".replace(".", ",") + "%"
    assert {m.label: m.value for m in at.metric}["Bewonersberichten beantwoord"] == share
    # The monthly chart sums pages per kind of owner (not one line per page) and adds up to every message in 2025.
    with duckdb.connect(str(country_env), read_only=True) as con:
        messages = con.execute("SELECT count(*) FROM fct_post WHERE year(month) = 2025").fetchone()[0]
        owners = {r[0] for r in con.execute("SELECT DISTINCT owner_type FROM dim_page").fetchall()}
        with_pages = {r[0] for r in con.execute("""SELECT DISTINCT g.gemeente_name FROM bridge_page_wijk b
                                                   JOIN dim_wijk w USING (wijk_code) JOIN dim_gemeente g USING (gemeente_code)""").fetchall()}
    activity = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert activity["layout"]["yaxis"]["title"]["text"] == "Berichten en reacties per maand"
    traces = activity["data"]
    assert len(traces) == len(owners) and all(t["name"].startswith("Eigenaar: ") for t in traces)
    assert sum(np.nansum(_plotly_values(t["y"])) for t in traces) == messages
    # Pages of several gemeenten: each row names its gemeente.
    table = next(d.value for d in at.dataframe if "Pagina" in d.value.columns and "Berichten" in d.value.columns)
    assert set(table["Gemeente"]) == with_pages and len(with_pages) > 1


def test_whole_country_lists_are_bounded_and_say_so(country_env, deferred, monkeypatch):
    monkeypatch.setattr(qe, "NATIONAL_ROWS_SHOWN", 4)
    at = AppTest.from_file(SCRIPT, default_timeout=90)
    at.query_params.update({"gm": "NL00", "periode": "2025", "niveau": "wijk"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["gm"] == "NL00"
    with duckdb.connect(str(country_env), read_only=True) as con:
        n_wijken = con.execute("SELECT count(*) FROM dim_wijk").fetchone()[0]
        per_wijk = dict(con.execute("""SELECT b.wijk_code, count(*) FILTER (WHERE p.parent_id IS NULL)
                                       FROM bridge_page_wijk b JOIN fct_post p USING (page_id)
                                       WHERE year(p.month) = 2025 GROUP BY ALL""").fetchall())
    table = next(d.value for d in at.dataframe if "Wijk" in d.value.columns and "Berichten" in d.value.columns)
    assert len(table) == 4 and "Gemeente" in table.columns
    # The wijken with the most posts come first (wijken with a page), then unknowns.
    first = min(len(per_wijk), len(table))
    assert table["Berichten"].tolist()[:first] == sorted(per_wijk.values(), reverse=True)[:first]
    assert any(f"de 4 wijken met de meeste berichten in de periode, van de {n_wijken}" in c.value for c in at.caption)
    # Without a name list of 16 wijken without a page: a count instead.
    assert any(f"Onbekend bij {n_wijken - len(per_wijk)} van de {n_wijken} rijen" in c.value for c in at.caption)
    csv = next(fn for name, fn in deferred if "betrokkenheid_wijk" in name and name.endswith(".csv"))()
    assert len(pd.read_csv(io.BytesIO(csv), sep=";", decimal=",", encoding="utf-8-sig")) == n_wijken


def test_tables_and_charts_in_english(wh):
    wijken = qe.q_engagement(wh, gemeente="GM9999", period=Y2024, level="wijk")
    table = qe.engagement_table(wijken, "wijk", "en").set_index("Code")
    assert table.loc["WK999903", "Reden onbekend"] == "no district page"
    resp = qe.q_response(wh, gemeente="GM9999", period=Y2025)
    by_type = qe.response_by_type_table(resp, "en").set_index("Antwoord van")
    assert by_type.loc["Welfare organisation", "Reden onbekend"] == "no answers"
    assert "All organisations" in by_type.index
    spec = qe.fig_theme_engagement(wh, gemeente="GM9999", period=Y2025, lang="en")
    bar = spec["data"][0]
    assert "Burglary" in bar["y"] and spec["layout"]["xaxis"]["title"]["text"] == "Mean comments and reactions per post"
    assert all(" posts; median " in h for h in bar["customdata"])
    lines = qe.fig_activity(wh, gemeente="GM9999", period=Y2024, lang="en")["data"]
    assert any("page did not exist yet" in c for line in lines for c in line["customdata"])
