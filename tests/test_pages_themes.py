"""Thema's page: the read-side module against independent SQL/pandas on the demo warehouse, and the page in AppTest
(default and URL state, the 'meer' control, and role beleid seeing no post text anywhere, downloads included);
English labels, and the whole country (gm=NL00) on the small-country warehouse: bounded views and national counts."""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from wijkbeeld import q_themes as qt
from wijkbeeld.db import Warehouse
from wijkbeeld.queries import Period
from wijkbeeld.settings import get_settings
from tests.page_harness import deferred  # noqa: E402,F401  (a fixture)
from tests.page_harness import run_page  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "pages" / "themas.py")
Y2025 = Period(date(2025, 1, 1), date(2025, 12, 1))
Y2024 = Period(date(2024, 1, 1), date(2024, 12, 1))
SECRETS = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "test-cookie-secret-not-for-production"

[wijkbeeld.roles]
emails = { "b.beleid@gemeente.nl" = "beleid", "a.analist@gemeente.nl" = "analist" }
"""


@pytest.fixture(scope="module")
def wh(demo_warehouse) -> Warehouse:
    return Warehouse(demo_warehouse)


@pytest.fixture(scope="module")
def con(demo_warehouse):
    with duckdb.connect(str(demo_warehouse), read_only=True) as c:
        yield c


def _run(params: dict | None = None, user: dict | None = None) -> AppTest:
    return run_page(SCRIPT, params, user)


def _texts(at: AppTest) -> str:
    parts = [str(el.value) for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader")
             for el in getattr(at, kind)]
    for frame in at.dataframe:
        parts.extend(str(v) for v in frame.value.to_numpy(dtype=object).ravel())
    parts.extend(chart.proto.spec for chart in at.get("plotly_chart"))
    return "\n".join(parts)


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


# ------------------------------------------------------------------------------------------ read-side module

def test_heatmap_shares_match_an_independent_count(wh, con):
    heat = qt.q_theme_heatmap(wh, gemeente="GM9999", period=Y2025)
    expected = con.execute("""
        WITH msgs AS (
            SELECT b.wijk_code, p.post_id FROM fct_post p JOIN bridge_page_wijk b USING (page_id)
            WHERE p.month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01')
        SELECT m.wijk_code, t.theme, count(*) AS n, (SELECT count(*) FROM msgs m2 WHERE m2.wijk_code = m.wijk_code) AS total
        FROM msgs m JOIN fct_post_theme t USING (post_id) GROUP BY ALL""").df()
    merged = heat.merge(expected, on=["wijk_code", "theme"], how="inner")
    assert len(merged) > 50
    assert (merged["theme_messages"].astype(int) == merged["n"]).all()
    assert (merged["wijk_messages"].astype(int) == merged["total"]).all()
    np.testing.assert_allclose(merged["share_pct"].astype(float), (merged["n"] / merged["total"] * 100).round(1))
    # Every theme of the taxonomy appears for every wijk; a live page without a theme message is a real 0.
    assert len(heat) == heat["wijk_code"].nunique() * con.execute("SELECT count(*) FROM dim_theme").fetchone()[0]
    live = heat[heat["reason"].isna()]
    assert (live["theme_messages"].notna()).all()


def test_heatmap_says_why_a_share_is_missing(wh):
    heat = qt.q_theme_heatmap(wh, gemeente="GM9999", period=Y2024).drop_duplicates("wijk_code").set_index("wijk_code")
    assert heat.loc["WK999903", "reason"] == qt.REASON_NO_PAGE          # Vlietbeek: no page at all
    assert heat.loc["WK999905", "reason"] == qt.REASON_PAGE_LATER       # Bloemhof: page from 2025-09
    assert pd.isna(heat.loc["WK999905", "share_pct"]) and pd.isna(heat.loc["WK999905", "wijk_messages"])
    assert pd.isna(heat.loc["WK999900", "reason"])                      # Centrum: page from 2024-11


def test_trend_per_wijk_is_unknown_before_the_page_and_adds_up(wh, con):
    trend = qt.q_theme_trend_wijk(wh, wijk="WK999904", period=Y2025)   # De Weiden, page from 2025-05
    assert trend["theme"].nunique() == qt.TREND_TOP_THEMES
    before = trend[trend["month"] < "2025-05-01"]
    assert len(before) and before["theme_messages"].isna().all() and (before["reason"] == qt.REASON_BEFORE_PAGE).all()
    totals = trend.groupby("theme")["theme_messages"].sum()
    heat = qt.q_theme_heatmap(wh, gemeente="GM9999", period=Y2025)
    heat = heat[heat["wijk_code"] == "WK999904"].set_index("theme")["theme_messages"]
    assert (totals == heat.reindex(totals.index)).all()
    # The top themes are the most frequent ones of the wijk (ties may go either way).
    assert totals.min() >= heat.drop(totals.index).max()


def test_trend_per_theme_covers_every_wijk_with_a_page(wh, con):
    across = qt.q_theme_trend_theme(wh, gemeente="GM9999", theme="inbraak", period=Y2025)
    assert set(across["wijk_code"]) == {r[0] for r in con.execute("SELECT DISTINCT wijk_code FROM bridge_page_wijk").fetchall()}
    row = across[(across["wijk_code"] == "WK999900") & (across["month"] == "2025-03-01")].iloc[0]
    n = con.execute("""SELECT count(*) FROM fct_post p JOIN fct_post_theme t USING (post_id)
                       WHERE p.page_id = '104000000000001' AND t.theme = 'inbraak' AND p.month = DATE '2025-03-01'""").fetchone()[0]
    total = con.execute("SELECT count(*) FROM fct_post WHERE page_id = '104000000000001' AND month = DATE '2025-03-01'").fetchone()[0]
    assert row["theme_messages"] == n and row["wijk_messages"] == total
    assert row["share_pct"] == round(n / total * 100, 1)


def test_terms_are_counted_per_message_from_the_json_lists(wh, con):
    terms = qt.q_theme_terms(wh, gemeente="GM9999", period=Y2025, top_n=50)
    assert terms["term"].notna().all()   # with min_messages=1 every theme with messages has terms
    raw = con.execute("""SELECT t.post_id, t.theme, t.matched_terms FROM fct_post_theme t JOIN fct_post p USING (post_id)
                         WHERE p.month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'""").df()
    rows = [(pid, theme, term.strip().lower()) for pid, theme, js in raw.itertuples(index=False) for term in json.loads(js)]
    counts = pd.DataFrame(rows, columns=["post_id", "theme", "term"]).drop_duplicates().groupby(["theme", "term"]).size()
    got = terms.set_index(["theme", "term"])["messages"]
    assert (got == counts.reindex(got.index)).all()
    top = counts.loc["inbraak"].sort_values(ascending=False)
    assert terms[terms["theme"] == "inbraak"].iloc[0]["messages"] == top.iloc[0]
    threshold = get_settings().min_messages_per_term_without_text
    strict = qt.q_theme_terms(wh, gemeente="GM9999", period=Y2025, min_messages=threshold)
    assert (strict["messages"].dropna() >= threshold).all()
    # Every theme with messages keeps its row and count, also when none of its terms is frequent enough.
    assert set(strict["theme"]) == set(terms["theme"])
    assert (strict.drop_duplicates("theme").set_index("theme")["theme_messages"]
            == terms.drop_duplicates("theme").set_index("theme")["theme_messages"]).all()
    rare = terms.assign(messages=1, theme_messages=3)[terms["theme"] == "inbraak"]
    table = qt.terms_table(rare.assign(term=pd.NA), qt.q_theme_catalog(wh), min_messages=5).set_index("Thema")
    assert table.loc["Inbraak", "Meest gevonden termen (aantal berichten)"] == "geen term in minstens 5 berichten"
    assert table.loc["Diefstal", "Meest gevonden termen (aantal berichten)"] == "—"


def test_examples_are_newest_first_without_any_author(wh, con):
    examples = qt.q_theme_examples(wh, wijk="WK999900", theme="inbraak", period=Y2025, limit=5)
    total = con.execute("""SELECT count(*) FROM fct_post p JOIN fct_post_theme t USING (post_id)
                           WHERE p.page_id = '104000000000001' AND t.theme = 'inbraak'
                             AND p.month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'""").fetchone()[0]
    assert len(examples) == 5 and examples["total"].iloc[0] == total
    assert examples["created_local"].is_monotonic_decreasing
    table = qt.examples_table(examples)
    assert list(table.columns) == ["Datum", "Soort", "Schrijver", "Toon", "Waarom dit thema", "Tekst (geredigeerd)"]
    assert set(table["Soort"]) <= {"bericht", "reactie"}
    assert not table.astype(str).apply(lambda c: c.str.contains(r"\bp_[0-9a-f]{16}\b")).any().any()
    assert table["Waarom dit thema"].ne("onbekend").all()


def test_heatmap_figure_uses_cividis_and_leaves_unknown_cells_empty(wh):
    heat = qt.q_theme_heatmap(wh, gemeente="GM9999", period=Y2025)
    figure = qt.heatmap_figure(heat)
    trace = figure.data[0]
    rows = list(trace.y)
    z = np.asarray(trace.z, dtype=float)
    assert np.isnan(z[rows.index("Vlietbeek")]).all()
    assert not np.isnan(z[rows.index("Centrum")]).any()
    assert trace.colorscale[0][1].lower() == "#00224e"      # cividis starts dark blue
    assert "geen wijkpagina" in trace.customdata[rows.index("Vlietbeek")][0]


# ------------------------------------------------------------------------------------------ page

def test_page_shows_independent_figures_and_keeps_url_state(warehouse_env, con, deferred):
    at = _run({"gm": "GM9999", "periode": "2025", "wijk": "WK999904", "thema": "inbraak"})
    assert at.selectbox(key="themes_wijk").value == "WK999904"
    assert at.selectbox(key="themes_theme").value == "inbraak"
    assert len(at.get("plotly_chart")) == 3
    heat = _frame(at, "Aandeel (%)")
    row = heat[(heat["Code"] == "WK999904") & (heat["Thema"] == "Inbraak")].iloc[0]
    n, total = con.execute("""
        SELECT count(*) FILTER (WHERE t.theme = 'inbraak'), count(DISTINCT p.post_id)
        FROM fct_post p LEFT JOIN fct_post_theme t USING (post_id)
        WHERE p.page_id = '104000000000004' AND year(p.month) = 2025""").fetchone()
    assert row["Berichten met thema"] == n and row["Berichten in de wijk"] == total
    assert row["Aandeel (%)"] == round(n / total * 100, 1)
    examples = _frame(at, "Tekst (geredigeerd)")
    assert len(examples) == min(qt.EXAMPLES_STEP, n)
    assert f"{n} berichten en reacties" in " ".join(m.value for m in at.markdown)
    assert {name.rsplit(".", 1)[-1] for name, _ in deferred} == {"csv", "xlsx"}
    payload = next(fn for name, fn in deferred if "themas_voorbeelden" in name and name.endswith(".csv"))()
    downloaded = pd.read_csv(io.BytesIO(payload), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert downloaded["Tekst (geredigeerd)"].str.lstrip("'").tolist() == examples["Tekst (geredigeerd)"].tolist()
    qp = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert qp["wijk"] == "WK999904" and qp["thema"] == "inbraak"


def test_meer_shows_more_examples_and_bad_url_values_fall_back(warehouse_env):
    at = _run({"gm": "GM9999", "periode": "2025", "wijk": "<script>alert(1)</script>", "thema": "bestaat_niet"})
    warnings = " ".join(w.value for w in at.warning)
    assert "hoort niet bij deze gemeente" in warnings and "bestaat niet" in warnings
    assert at.selectbox(key="themes_wijk").value in {"WK999900", "WK999901", "WK999902", "WK999904", "WK999905"}
    before = len(_frame(at, "Tekst (geredigeerd)"))
    assert before == qt.EXAMPLES_STEP
    at.button(key="themes_more").click().run()
    assert not at.exception
    assert len(_frame(at, "Tekst (geredigeerd)")) > before


def test_role_beleid_sees_no_post_text_anywhere(warehouse_env, tmp_path, monkeypatch, deferred):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    monkeypatch.setenv("WIJKBEELD_SECRETS", str(secrets))
    params = {"gm": "GM9999", "periode": "2025", "wijk": "WK999900", "thema": "inbraak"}
    analist = _run(params, {"is_logged_in": True, "email": "a.analist@gemeente.nl"})
    shown_to_analist = _frame(analist, "Tekst (geredigeerd)")["Tekst (geredigeerd)"].tolist()
    assert len(shown_to_analist) == qt.EXAMPLES_STEP
    deferred.clear()
    beleid = _run(params, {"is_logged_in": True, "email": "b.beleid@gemeente.nl"})
    assert any("niet beschikbaar voor deze rol" in i.value for i in beleid.info)
    assert not any("Tekst (geredigeerd)" in d.value.columns for d in beleid.dataframe)
    assert not any(b.key == "themes_more" for b in beleid.button)
    everything = _texts(beleid) + "\n".join(fn().decode("utf-8-sig") for name, fn in deferred if name.endswith(".csv"))
    assert deferred  # the beleid run still offers its tables for download
    leaked = [text for text in shown_to_analist if len(text) > 25 and text[:30] in everything]
    assert not leaked, leaked[:3]
    # Terms shown to beleid come from at least the threshold number of messages.
    terms = _frame(beleid, "Meest gevonden termen (aantal berichten)")["Meest gevonden termen (aantal berichten)"]
    counts = terms.str.findall(r"\((\d+)\)").explode().dropna().astype(int)
    assert len(counts) and counts.min() >= get_settings().min_messages_per_term_without_text


def test_wijk_since_matches_launch_and_first_message_directly(wh, con):
    """page_since (from mart_wijk_post_month) is the earliest of the page launch month and the first message month
    of the wijk's pages, counted straight from fct_post."""
    heat = qt.q_theme_heatmap(wh, gemeente="GM9999", period=Y2025).drop_duplicates("wijk_code").set_index("wijk_code")
    expected = con.execute("""
        SELECT b.wijk_code, least(min(date_trunc('month', d.launch_date)),
                                  (SELECT min(p.month) FROM fct_post p JOIN bridge_page_wijk b2 USING (page_id)
                                   WHERE b2.wijk_code = b.wijk_code)) AS since
        FROM bridge_page_wijk b JOIN dim_page d USING (page_id) GROUP BY b.wijk_code""").df().set_index("wijk_code")
    got = pd.to_datetime(heat.loc[expected.index, "page_since"])
    assert len(expected) == 5 and (got == pd.to_datetime(expected["since"])).all()
    assert heat.loc[~heat.index.isin(expected.index), "page_since"].isna().all()


def test_english_tables_and_figures_translate_labels_but_keep_data(wh):
    heat = qt.q_theme_heatmap(wh, gemeente="GM9999", period=Y2025)
    table = qt.heatmap_table(heat, "en")
    assert {"Burglary", "Litter and decay"} <= set(table["Thema"])
    assert set(table["Groep"]) == {"Safety", "Liveability", "Community"}
    assert set(table["Reden onbekend"].dropna()) == {"no district page"}
    assert set(table["Wijk"]) == set(heat["wijk_name"])          # area names are data
    catalog = qt.q_theme_catalog(wh)
    terms = qt.terms_table(qt.q_theme_terms(wh, gemeente="GM9999", period=Y2025), catalog, lang="en")
    # Every description of the default taxonomy has English; the matched terms stay the residents' words.
    assert not set(terms["Omschrijving"]) & set(catalog["description"])
    dutch_terms = qt.terms_table(qt.q_theme_terms(wh, gemeente="GM9999", period=Y2025), catalog)
    assert terms["Meest gevonden termen (aantal berichten)"].equals(dutch_terms["Meest gevonden termen (aantal berichten)"])
    examples = qt.examples_table(qt.q_theme_examples(wh, wijk="WK999900", theme="inbraak", period=Y2025), "en")
    assert set(examples["Soort"]) <= {"post", "comment"} and not set(examples["Schrijver"]) & {"bewoner", "politie"}
    spec = pio.to_json(qt.fig_heatmap(wh, gemeente="GM9999", period=Y2025, lang="en"), validate=False)
    assert "% of posts" in spec and "no district page" in spec and "berichten" not in spec
    line = pio.to_json(qt.fig_trend_theme(wh, gemeente="GM9999", theme="inbraak", period=Y2025, lang="en"), validate=False)
    assert "Share of posts (%)" in line and " of " in line and " van " not in line


# ------------------------------------------------------------------------------------------ whole country (NL00)

@pytest.fixture(scope="module")
def country_con(country_warehouse):
    with duckdb.connect(str(country_warehouse), read_only=True) as c:
        yield c


def _country_period(country_warehouse, key: str) -> Period:
    from wijkbeeld.queries import q_months
    from wijkbeeld.ui import period_options

    return period_options(q_months(Warehouse(country_warehouse), gemeente="NL00"))[key]


def test_busiest_wijken_bound_the_national_heat_map_and_trend(country_warehouse, country_con):
    wh_country = Warehouse(country_warehouse)
    period = _country_period(country_warehouse, "12m")
    heat = qt.q_theme_heatmap(wh_country, gemeente="NL00", period=period)
    assert heat["wijk_code"].nunique() == country_con.execute("SELECT count(*) FROM dim_wijk").fetchone()[0]
    assert heat["gemeente_code"].nunique() == 3
    busiest = country_con.execute("""
        SELECT b.wijk_code, count(*) AS n FROM fct_post p JOIN bridge_page_wijk b USING (page_id)
        WHERE p.month BETWEEN $start AND $end GROUP BY ALL ORDER BY n DESC, b.wijk_code""",
        {"start": period.start, "end": period.end}).df()
    assert len(busiest) >= 2
    top = qt.busiest_wijken(heat, 1)
    assert set(top["wijk_code"]) == {busiest["wijk_code"].iloc[0]} and len(top) == len(qt.q_theme_catalog(wh_country))
    assert qt.busiest_wijken(heat, 10).drop_duplicates("wijk_code")["wijk_code"].tolist() == busiest["wijk_code"].tolist()
    # Labels carry the gemeente, since wijk names repeat across gemeenten.
    names = dict(country_con.execute("SELECT gemeente_code, gemeente_name FROM dim_gemeente").fetchall())
    row = heat.drop_duplicates("wijk_code").iloc[0]
    assert row["wijk_label"] == f"{row['wijk_name']} ({names[row['gemeente_code']]})"
    across = qt.q_theme_trend_theme(wh_country, gemeente="NL00", theme="activiteit", period=period)
    per_wijk = across.groupby("wijk_code")["theme_messages"].sum()
    one = qt.busiest_wijken_for_theme(across, 1)
    assert one["wijk_code"].unique().tolist() == [per_wijk.idxmax()]
    spec = qt.fig_trend_theme(wh_country, gemeente="NL00", theme="activiteit", period=period, lang="nl")
    assert len(spec["data"]) == min(qt.TREND_NATIONAL_TOP_WIJKEN, int((per_wijk > 0).sum()))


def test_whole_country_page_counts_every_gemeente_and_stays_national(country_env, country_con):
    at = _run({"gm": "NL00", "periode": "12m"})
    qp = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert qp["gm"] == "NL00"
    period = _country_period(country_env, "12m")
    # Messages with each theme over all gemeenten, straight from the posts.
    expected = dict(country_con.execute("""
        SELECT d.label, count(DISTINCT t.post_id)
        FROM fct_post_theme t JOIN fct_post p USING (post_id) JOIN dim_theme d USING (theme)
        WHERE p.month BETWEEN $start AND $end AND p.page_id IN (SELECT page_id FROM bridge_page_wijk)
        GROUP BY ALL""", {"start": period.start, "end": period.end}).fetchall())
    terms = _frame(at, "Meest gevonden termen (aantal berichten)").set_index("Thema")["Berichten met thema"]
    assert len(expected) > 5 and all(terms[label] == n for label, n in expected.items())
    # The heat map table: all wijken with a page, with their gemeente, and counts as in plain SQL.
    heat = _frame(at, "Aandeel (%)")
    pages = country_con.execute("SELECT count(DISTINCT wijk_code) FROM bridge_page_wijk").fetchone()[0]
    assert heat["Code"].nunique() == pages and "Gemeente" in heat.columns
    code, name, gemeente, n, total = country_con.execute("""
        SELECT b.wijk_code, w.wijk_name, g.gemeente_name, count(*) FILTER (WHERE t.theme = 'activiteit'),
               count(DISTINCT p.post_id)
        FROM fct_post p JOIN bridge_page_wijk b USING (page_id) JOIN dim_wijk w USING (wijk_code)
        JOIN dim_gemeente g USING (gemeente_code) LEFT JOIN fct_post_theme t USING (post_id)
        WHERE p.month BETWEEN $start AND $end GROUP BY ALL ORDER BY 5 DESC LIMIT 1""",
        {"start": period.start, "end": period.end}).fetchone()
    row = heat[(heat["Code"] == code) & (heat["Thema"] == "Activiteit")].iloc[0]
    assert (row["Berichten met thema"], row["Berichten in de wijk"], row["Gemeente"]) == (n, total, gemeente)
    # Bounded views say so, and wijk choices carry their gemeente.
    captions = " ".join(c.value for c in at.caption)
    assert "Heel Nederland: de heatmap toont de" in captions and "(heel Nederland)" in captions
    assert "wijken hebben geen wijkpagina" in captions
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert heatmap["y"][0] == f"{name} ({gemeente})" and len(heatmap["y"]) <= qt.HEATMAP_NATIONAL_TOP_WIJKEN
    choice = at.selectbox(key="themes_wijk")
    assert choice.value == code and choice.format_func(code) == f"{name} ({gemeente})"


def test_whole_country_in_english_with_bad_url_values(country_env):
    at = _run({"gm": "NL00", "lang": "en", "wijk": "WK999999", "thema": "onbekend"})
    warnings = " ".join(w.value for w in at.warning)
    assert "District 'WK999999' does not exist" in warnings and "Theme 'onbekend' does not exist" in warnings
    captions = " ".join(c.value for c in at.caption)
    assert "The Netherlands: the heat map shows the" in captions and "(all municipalities)" in captions
    assert at.selectbox(key="themes_theme").format_func("inbraak") == "Burglary"
