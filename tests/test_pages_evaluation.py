"""Evaluatie page: the read-side module against figures computed independently from the demo warehouse (a panel
built with plain SQL, group-time effects and before/after means by hand), and the page in AppTest (default and
URL state, the conclusion with its caveats, the survey's two-wave limits, role beleid seeing no post text)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.hostile import leaked, non_post_texts, normalise, post_texts, rendered_texts
from wijkbeeld.safe import quote_input
from wijkbeeld import q_evaluation as qe
from wijkbeeld import stats

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "pages" / "evaluatie.py")
TREATED = ["WK999900", "WK999901", "WK999902", "WK999904", "WK999905"]
NEVER = ["WK999903", "WK999906", "WK999907"]
from tests.page_harness import BELEID_SECRETS as SECRETS  # noqa: E402
from tests.page_harness import con, wh  # noqa: E402,F401  (fixtures)


@pytest.fixture(scope="module")
def result(wh) -> dict:
    return qe.q_evaluation(wh, gemeente="GM9999", min_population=200, min_respondents=30)


@pytest.fixture(scope="module")
def panel(con) -> pd.DataFrame:
    """Monthly crime (all groups but registered nuisance) per 1,000 inhabitants of the same year, per wijk
    compared (not the tiny WK999908), with each wijk's launch month: straight from the facts."""
    frame = con.execute("""
        SELECT f.area_code AS wijk_code, f.month,
               CASE WHEN bool_and(f.incident_count IS NOT NULL) THEN sum(f.incident_count) END
                   / any_value(p.population) * 1000 AS outcome,
               any_value(date_trunc('month', d.launch_date)) AS launch
        FROM fct_incident_month f JOIN dim_crime_type c USING (crime_code)
        JOIN fct_population p ON p.area_code = f.area_code AND p.year = year(f.month)
        LEFT JOIN bridge_page_wijk b ON b.wijk_code = f.area_code LEFT JOIN dim_page d USING (page_id)
        WHERE f.level = 'wijk' AND c.crime_group <> 'overlast' AND f.area_code <> 'WK999908'
        GROUP BY 1, 2""").df()
    frame["month"] = pd.to_datetime(frame["month"])
    frame["launch"] = pd.to_datetime(frame["launch"])
    return frame


from tests.page_harness import downloaded  # noqa: E402,F401  (a fixture)
from tests.page_harness import download_texts as _download_texts  # noqa: E402
from tests.page_harness import frame_with as _frame  # noqa: E402
from tests.page_harness import run_page  # noqa: E402


def _run(params: dict | None = None, user: dict | None = None) -> AppTest:
    return run_page(SCRIPT, params, user)


def _nl(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


# ------------------------------------------------------------------------------------------ read-side module

def test_launch_wave_counts_a_launch_during_fieldwork_for_the_next_wave():
    launches = pd.Series(pd.to_datetime(["2024-11-04", "2025-05-12", "2025-08-31", "2025-09-01"]))
    assert qe.launch_wave(launches).tolist() == [2025, 2025, 2025, 2026]


def test_roles_small_unknown_start_and_too_early():
    wijken = pd.DataFrame({
        "wijk_code": ["A", "B", "C", "D", "E"], "page_names": ["p", None, "q", "r", None],
        "launch_date": pd.to_datetime(["2024-03-05", None, None, "2023-09-01", None]),
        "min_population": [5000, 5000, 5000, 5000, 150]})
    roles = qe._roles(wijken, pd.Timestamp("2023-10-01"), min_population=200).tolist()
    assert roles == [qe.ROLE_TREATED, qe.ROLE_COMPARISON, qe.ROLE_UNKNOWN_START, qe.ROLE_TOO_EARLY, qe.ROLE_SMALL]


def test_who_is_compared(result, con):
    wijken = result["wijken"].set_index("wijk_code")
    launches = con.execute("""SELECT b.wijk_code, d.launch_date FROM bridge_page_wijk b JOIN dim_page d USING (page_id)""").df()
    assert sorted(launches["wijk_code"]) == TREATED
    assert (wijken.loc[TREATED, "role"] == qe.ROLE_TREATED).all()
    assert (wijken.loc[NEVER, "role"] == qe.ROLE_COMPARISON).all()
    assert wijken.loc["WK999908", "role"] == qe.ROLE_SMALL  # 148 inhabitants
    summary = result["summary"].set_index("outcome")
    assert summary.loc["maand:totaal", "n_treated"] == 5 and summary.loc["maand:totaal", "n_comparison"] == 3
    # Survey: Bloemhof's page started 1 september 2025, after the 2025 fieldwork began: still a comparison wijk.
    assert summary.loc["enquete:onveilig_buurt", "n_treated"] == 4 and summary.loc["enquete:onveilig_buurt", "n_comparison"] == 4


def test_event_study_at_launch_is_the_mean_of_group_time_effects_by_hand(result, panel):
    wide = panel.pivot(index="wijk_code", columns="month", values="outcome")
    launch = panel.groupby("wijk_code")["launch"].first()
    effects = []
    for code in TREATED:
        g = launch[code]
        base = g - pd.DateOffset(months=1)
        # Controls at t = g: never treated, and wijken whose page started later than g.
        controls = [c for c in wide.index if c != code and (pd.isna(launch[c]) or launch[c] > g)]
        own = wide.loc[code, g] - wide.loc[code, base]
        others = (wide.loc[controls, g] - wide.loc[controls, base]).mean()
        effects.append(own - others)
    events = result["event_study"]
    at_launch = events[(events["outcome"] == "maand:totaal") & (events["relative_period"] == 0)].iloc[0]
    assert at_launch["estimate"] == pytest.approx(np.mean(effects), rel=1e-9)
    # The page's event study is stats.event_study on the same panel (same seed and draws).
    independent = stats.event_study(panel, area_col="wijk_code", period_col="month", outcome_col="outcome",
                                    launch_col="launch", n_boot=qe.EVALUATION_N_BOOT, seed=qe.EVALUATION_SEED)
    mine = events[events["outcome"] == "maand:totaal"].drop(columns="outcome").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, independent.reset_index(drop=True), check_dtype=False)


def test_did_summary_matches_stats_on_the_independent_panel(result, panel):
    independent = stats.did_staggered(panel, area_col="wijk_code", period_col="month", outcome_col="outcome",
                                      launch_col="launch", n_boot=qe.EVALUATION_N_BOOT, seed=qe.EVALUATION_SEED)
    row = result["summary"].set_index("outcome").loc["maand:totaal"]
    assert row["att"] == pytest.approx(independent.att, rel=1e-9)
    assert (row["lower"], row["upper"]) == pytest.approx((independent.lower, independent.upper), rel=1e-9)
    assert row["pre_trend_p"] == pytest.approx(independent.pre_trend_p_value, rel=1e-9)
    assert row["conclusion"] == stats.did_conclusion(independent, "het aantal geregistreerde misdrijven per 1.000 inwoners per maand")


def test_survey_two_waves_is_a_plain_difference_in_differences(result, con):
    survey = con.execute("""SELECT area_code, year(period_start) AS wave, value FROM fct_survey
                            WHERE indicator = 'onveilig_buurt' AND level = 'wijk'""").df().pivot(
        index="area_code", columns="wave", values="value")
    change = survey[2025] - survey[2023]
    treated = ["WK999900", "WK999901", "WK999902", "WK999904"]       # pages before the 2025 fieldwork
    comparison = ["WK999903", "WK999905", "WK999906", "WK999907"]    # no page, or one that started later
    expected = change[treated].mean() - change[comparison].mean()
    row = result["summary"].set_index("outcome").loc["enquete:onveilig_buurt"]
    assert row["att"] == pytest.approx(expected, rel=1e-9)
    assert np.isnan(row["pre_trend_p"])
    table = result["survey_before_after"]
    weiden = table[(table["wijk_code"] == "WK999904") & (table["outcome"] == "enquete:onveilig_buurt")].iloc[0]
    assert (weiden["before_wave"], weiden["after_wave"]) == (2023, 2025)
    assert weiden["change"] == pytest.approx(survey.loc["WK999904", 2025] - survey.loc["WK999904", 2023])
    assert weiden["comparison_change"] == pytest.approx(change[NEVER].mean())
    assert bool(weiden["significant"]) == (weiden["change_upper"] < 0 or weiden["change_lower"] > 0)
    bloemhof = table[(table["wijk_code"] == "WK999905") & (table["outcome"] == "enquete:onveilig_buurt")].iloc[0]
    assert pd.isna(bloemhof["change"]) and bloemhof["reason"] == "nog geen meting na de start"


def test_before_after_means_by_hand(result, panel):
    row = result["before_after"].set_index(["wijk_code", "outcome"]).loc[("WK999900", "maand:totaal")]
    rates = panel.set_index(["wijk_code", "month"])["outcome"]
    months_before = pd.date_range("2023-11-01", "2024-10-01", freq="MS")   # launch 4 nov 2024: 12 months before
    months_after = pd.date_range("2024-11-01", "2025-10-01", freq="MS")
    assert row["before_mean"] == pytest.approx(rates.loc["WK999900"].loc[months_before].mean())
    assert row["after_mean"] == pytest.approx(rates.loc["WK999900"].loc[months_after].mean())
    comparison_before = np.mean([rates.loc[c].loc[months_before].mean() for c in NEVER])
    comparison_after = np.mean([rates.loc[c].loc[months_after].mean() for c in NEVER])
    assert row["comparison_before"] == pytest.approx(comparison_before)
    assert row["difference_in_change"] == pytest.approx(
        row["after_mean"] - row["before_mean"] - (comparison_after - comparison_before))
    assert (row["before_months"], row["after_months"], row["comparison_wijken"]) == (12, 12, 3)


# ------------------------------------------------------------------------------------------ the page

def test_page_default_shows_the_effect_conclusion_caveats_and_event_study(warehouse_env, result):
    at = _run()
    assert at.selectbox(key="evaluatie_outcome").value == "maand:totaal"
    row = result["summary"].set_index("outcome").loc["maand:totaal"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Effect (verschil-in-verschillen)"] == _nl(row["att"], 2)
    assert metrics["95%-interval"] == f"{_nl(row['lower'], 2)} tot {_nl(row['upper'], 2)}"
    assert metrics["Toets trends vooraf (p)"] == _nl(row["pre_trend_p"], 3)
    text = normalise(" ".join(m.value for m in at.markdown))
    assert normalise(row["conclusion"]) in text
    for title, _ in qe.CAVEATS:
        assert title in text
    captions = " ".join(c.value for c in at.caption)
    assert "okt 2023 t/m sep 2026" in captions and "Bron:" in captions
    (chart,) = at.get("plotly_chart")
    trace = json.loads(chart.proto.spec)["data"][0]
    x = trace["x"]
    if isinstance(x, dict):
        x = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
    events = result["event_study"]
    assert sorted(np.asarray(x, dtype=int)) == sorted(events.loc[events["outcome"] == "maand:totaal", "relative_period"].astype(int))
    per_wijk = _frame(at, "Verschil in verandering")
    assert len(per_wijk) == 5


def test_survey_outcome_from_the_url_says_what_two_waves_cannot_show(warehouse_env, con):
    at = _run({"uitkomst": "enquete:onveilig_buurt"})
    assert at.selectbox(key="evaluatie_outcome").value == "enquete:onveilig_buurt"
    assert at.query_params["uitkomst"] in ("enquete:onveilig_buurt", ["enquete:onveilig_buurt"])
    assert any(qe.SURVEY_LIMITS == i.value for i in at.info)
    table = _frame(at, "Meting vóór").set_index("Wijk")
    (before, b_lo, b_hi), (after, a_lo, a_hi) = [
        con.execute("""SELECT value, lower, upper FROM fct_survey WHERE area_code = 'WK999904'
                       AND indicator = 'onveilig_buurt' AND year(period_start) = ?""", [y]).fetchone() for y in (2023, 2025)]
    assert table.loc["De Weiden", "Waarde vóór"] == before and table.loc["De Weiden", "Waarde na"] == after
    se = np.hypot((b_hi - b_lo) / (2 * 1.959963984540054), (a_hi - a_lo) / (2 * 1.959963984540054))
    assert table.loc["De Weiden", "Interval zonder 0"] == ("ja" if abs(after - before) > 1.959963984540054 * se else "nee")
    assert table.loc["Bloemhof", "Interval zonder 0"] == "onbekend: nog geen meting na de start"
    assert {m.label: m.value for m in at.metric}["Toets trends vooraf (p)"].startswith("niet mogelijk")


def test_invalid_outcome_in_the_url_warns(warehouse_env):
    at = _run({"uitkomst": "maand:<b>x</b>"})
    assert any(f"Uitkomst '{quote_input('maand:<b>x</b>')}' bestaat niet" in w.value for w in at.warning)
    assert at.selectbox(key="evaluatie_outcome").value == "maand:totaal"


def test_role_beleid_sees_no_post_text(warehouse_env, tmp_path, monkeypatch, downloaded):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    monkeypatch.setenv("WIJKBEELD_SECRETS", str(secrets))
    at = _run(user={"is_logged_in": True, "email": "b.beleid@gemeente.nl"})
    assert not at.error
    assert downloaded, "the page hands out its tables"
    texts = rendered_texts(at) + _download_texts(downloaded)
    assert leaked(post_texts(warehouse_env), texts, allowed=non_post_texts(warehouse_env)) == []


# ------------------------------------------------------------------------------------------ all gemeenten (NL00)

def test_all_gemeenten_of_a_one_gemeente_warehouse_is_that_gemeente(wh, result):
    """NL00 takes every wijk of every gemeente; with one gemeente that is the same comparison (same draws), and the
    wijk names carry the gemeente."""
    everything = qe.q_evaluation(wh, gemeente="NL00", min_population=200, min_respondents=30)
    columns = ["outcome", "att", "lower", "upper", "pre_trend_p", "n_treated", "n_comparison", "conclusion"]
    pd.testing.assert_frame_equal(everything["summary"][columns], result["summary"][columns])
    assert (everything["wijken"]["wijk_name"] == result["wijken"]["wijk_name"] + " (Lindenwaard (fictief))").all()
    pd.testing.assert_frame_equal(everything["before_after"].drop(columns="wijk_name"),
                                  result["before_after"].drop(columns="wijk_name"))


@pytest.fixture(scope="module")
def country_con(country_warehouse):
    with duckdb.connect(str(country_warehouse), read_only=True) as c:
        yield c


def test_page_for_all_gemeenten_compares_every_wijk_and_says_so(country_env, country_con):
    at = _run({"gm": "NL00"})
    assert at.query_params["gm"] in ("NL00", ["NL00"])
    wijken = _frame(at, "Rol in de vergelijking")
    expected = country_con.execute("""
        SELECT w.wijk_code, w.wijk_name || ' (' || g.gemeente_name || ')' AS name,
               min(p.population) < 200 AS small, any_value(d.launch_date) IS NOT NULL AS has_page
        FROM dim_wijk w JOIN dim_gemeente g USING (gemeente_code)
        LEFT JOIN fct_population p ON p.area_code = w.wijk_code
        LEFT JOIN bridge_page_wijk b ON b.wijk_code = w.wijk_code LEFT JOIN dim_page d USING (page_id)
        GROUP BY ALL ORDER BY w.wijk_code""").df()
    assert wijken["Wijk"].tolist() == expected["name"].tolist()       # every wijk of every gemeente, with its gemeente
    comparison = int((~expected["small"] & ~expected["has_page"]).sum())
    assert (wijken["Rol in de vergelijking"] == qe.ROLE_COMPARISON).sum() == comparison
    captions = " ".join(c.value for c in at.caption)
    assert "Alle gemeenten samen: " in captions and f"{comparison} {qe.ROLE_COMPARISON}" in captions
    text = normalise(" ".join(m.value for m in at.markdown))
    assert qe.CAVEAT_NATIONAL[0] in text


def test_page_in_english(warehouse_env, result):
    at = _run({"lang": "en"})
    row = result["summary"].set_index("outcome").loc["maand:totaal"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Effect (difference-in-differences)"] == f"{row['att']:.2f}"
    assert metrics["95% interval"] == f"{row['lower']:.2f} to {row['upper']:.2f}"
    text = normalise(" ".join(m.value for m in at.markdown))
    assert normalise(row["conclusion_en"]) in text and "There are only 5 districts with a page" in row["conclusion_en"]
    assert [title for title, _ in qe.caveats("en", n_treated=5, n_comparison=3)][0] == "Few districts"
    summary = _frame(at, "Outcome")
    assert summary["Kind"].tolist()[:1] == ["monthly"] and set(summary["Interval excludes 0"]) <= {"yes", "no", "unknown"}
    (chart,) = at.get("plotly_chart")
    layout = json.loads(chart.proto.spec)["layout"]
    assert layout["xaxis"]["title"]["text"] == "Months relative to the launch (0 = launch month)"
    at = _run({"lang": "en", "uitkomst": "enquete:onveilig_buurt"})
    assert any(qe.survey_limits("en") == i.value for i in at.info)
    table = _frame(at, "Wave before").set_index("District")
    assert table.loc["Bloemhof", "Interval excludes 0"] == "unknown: no wave after the launch yet"


def test_caveats_drop_few_wijken_only_when_there_are_many():
    titles = lambda **kw: [t for t, _ in qe.caveats("nl", **kw)]  # noqa: E731
    assert titles(n_treated=5, n_comparison=3) == [t for t, _ in qe.CAVEATS]
    assert qe.CAVEAT_FEW not in titles(n_treated=120, n_comparison=2000)
    assert titles(national=True, n_treated=120, n_comparison=2000)[-1] == qe.CAVEAT_NATIONAL[0]
