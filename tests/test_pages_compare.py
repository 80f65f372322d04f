"""Vergelijken page: the read-side module against figures computed independently from the demo warehouse (plain SQL,
hand-computed intervals and z-scores), and the page in AppTest (URL state and its validation, the side-by-side
table, the scatter, role beleid seeing no post text)."""
from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.hostile import leaked, non_post_texts, post_texts, rendered_texts
from wijkbeeld.safe import quote_input
from wijkbeeld import q_compare as qc
from wijkbeeld import stats
from wijkbeeld.db import Warehouse
from wijkbeeld.queries import Period

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "pages" / "vergelijken.py")
Y2025 = Period(date(2025, 1, 1), date(2025, 12, 1))
Y2024 = Period(date(2024, 1, 1), date(2024, 12, 1))
LAST12 = Period(date(2025, 10, 1), date(2026, 9, 1))
Z = stats.Z95
from tests.page_harness import BELEID_SECRETS as SECRETS  # noqa: E402
from tests.page_harness import con, wh  # noqa: E402,F401  (fixtures)


@pytest.fixture(scope="module")
def long2025(wh) -> pd.DataFrame:
    return qc.q_compare_indicators(wh, gemeente="GM9999", period=Y2025, min_population=200, min_respondents=30)


def _value(long: pd.DataFrame, area: str, indicator: str) -> pd.Series:
    return long[(long["area_code"] == area) & (long["indicator"] == indicator)].iloc[0]


from tests.page_harness import downloaded  # noqa: E402,F401  (a fixture)
from tests.page_harness import download_texts as _download_texts  # noqa: E402
from tests.page_harness import frame_with as _frame  # noqa: E402
from tests.page_harness import run_page  # noqa: E402


def _run(params: dict | None = None, user: dict | None = None) -> AppTest:
    return run_page(SCRIPT, params, user)


def _array(value) -> np.ndarray:
    """A plotly spec array: a plain list, or plotly's typed-array encoding {'dtype', 'bdata'}."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value, dtype=float)


def _nl(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


# ------------------------------------------------------------------------------------------ read-side module

def test_validate_selection():
    codes = ["WK1", "WK2", "WK3", "WK4", "WK5"]
    assert qc.validate_selection("WK2,WK4", codes) == (["WK2", "WK4"], [])
    assert qc.validate_selection(None, codes) == (["WK1", "WK2"], [])
    chosen, warnings = qc.validate_selection("WK3,<script>,WK3", codes)
    assert chosen == ["WK3", "WK1"] and len(warnings) == 2 and quote_input("<script>") in warnings[0]
    chosen, warnings = qc.validate_selection("WK1,WK2,WK3,WK4,WK5", codes)
    assert chosen == ["WK1", "WK2", "WK3", "WK4"] and "Hoogstens 4" in warnings[0]


def test_incident_rates_per_group_match_plain_sql(long2025, con):
    expected = con.execute("""
        WITH f AS (SELECT f.area_code, c.crime_group, f.month, f.incident_count FROM fct_incident_month f
                   JOIN dim_crime_type c USING (crime_code) WHERE year(f.month) = 2025 AND f.level IN ('wijk', 'gemeente'))
        SELECT area_code, crime_group, CASE WHEN bool_and(incident_count IS NOT NULL) THEN sum(incident_count) END AS n
        FROM f GROUP BY ALL
        UNION ALL
        SELECT area_code, 'totaal', CASE WHEN bool_and(incident_count IS NOT NULL) THEN sum(incident_count) END
        FROM f WHERE crime_group <> 'overlast' GROUP BY ALL""").df()
    population = con.execute("SELECT area_code, population FROM fct_population WHERE year = 2025").df()
    expected = expected.merge(population, on="area_code")
    expected["indicator"] = "incidenten:" + expected["crime_group"]
    merged = long2025.merge(expected, on=["area_code", "indicator"])
    assert len(merged) == 10 * 6  # 9 wijken and the gemeente, 5 groups and the total
    known = merged["n"].notna()
    np.testing.assert_allclose(merged.loc[known, "value"].astype(float),
                               merged.loc[known, "n"] / merged.loc[known, "population"] * 1000, rtol=1e-9)
    assert (merged.loc[known, "lower"] <= merged.loc[known, "value"]).all()
    assert (merged.loc[known, "upper"] > merged.loc[known, "value"]).all()
    # Withheld stays unknown, with the reason: WK999906 geweld feb 2025 (and so its total and the gemeente's).
    unknown = merged.loc[~known, ["area_code", "indicator"]].apply(tuple, axis=1).tolist()
    assert set(unknown) == {("WK999906", "incidenten:geweld"), ("WK999906", "incidenten:totaal"),
                            ("GM9999", "incidenten:geweld"), ("GM9999", "incidenten:totaal")}
    assert merged.loc[~known, "value"].isna().all()
    assert (merged.loc[~known, "reason"] == "deels afgeschermd door de bron").all()


def test_posts_per_1000_and_gemeente_average_match_plain_sql(wh, con):
    long = qc.q_compare_indicators(wh, gemeente="GM9999", period=LAST12, min_population=200, min_respondents=30)
    counts = con.execute("""
        SELECT b.wijk_code, count(*) AS messages FROM fct_post p JOIN bridge_page_wijk b USING (page_id)
        WHERE p.month BETWEEN DATE '2025-10-01' AND DATE '2026-09-01' GROUP BY 1""").df().set_index("wijk_code")
    # Every demo page was live all of this period: person-years = 3 months of 2025 + 9 months of 2026 populations.
    pop = con.execute("SELECT area_code, year, population FROM fct_population").df().pivot(
        index="area_code", columns="year", values="population")
    person_years = (pop[2025] * 3 + pop[2026] * 9) / 12
    for code in counts.index:
        row = _value(long, code, "berichten")
        assert row["value"] == pytest.approx(round(counts.loc[code, "messages"] / person_years[code] * 1000, 1), abs=0.051)
    gm = _value(long, "GM9999", "berichten")
    average = counts["messages"].sum() / person_years[counts.index].sum() * 1000
    assert gm["value"] == pytest.approx(average, rel=1e-9) and gm["reason"] == qc.POSTS_AVERAGE_NOTE
    assert _value(long, "WK999903", "berichten")["reason"] == "geen wijkpagina"
    assert pd.isna(_value(long, "WK999903", "berichten")["value"])


def test_survey_latest_wave_previous_wave_and_reasons(long2025, wh, con):
    survey = con.execute("SELECT area_code, year(period_start) AS wave, indicator, value, lower, upper FROM fct_survey").df()
    centrum = survey[(survey["area_code"] == "WK999900") & (survey["indicator"] == "onveilig_buurt")].set_index("wave")
    row = _value(long2025, "WK999900", "enquete:onveilig_buurt")
    assert (row["value"], row["lower"], row["upper"], row["measured"]) == (centrum.loc[2025, "value"],
                                                                         centrum.loc[2025, "lower"], centrum.loc[2025, "upper"], "2025")
    assert row["previous_value"] == centrum.loc[2023, "value"] and row["previous_measured"] == "2023"
    tiny = _value(long2025, "WK999908", "enquete:onveilig_buurt")
    assert pd.isna(tiny["value"]) and tiny["reason"] == qc.REASON_TOO_FEW
    assert bool(_value(long2025, "WK999908", "inwoners")["small_area"])
    # In 2024 the latest wave is 2023 and there is none before it.
    waves = qc.wave_differences(qc.q_compare_indicators(wh, gemeente="GM9999", period=Y2024, min_population=200,
                                                        min_respondents=30), ["WK999900", "WK999901"], "GM9999")
    assert set(waves["measured"]) == {"2023"} and (waves["reason"] == "geen eerdere meting").all()
    assert waves["significant"].isna().all()


def _unsafe(con, area: str, year: int) -> tuple[float, float, float]:
    return con.execute("""SELECT value, lower, upper FROM fct_survey WHERE area_code = ? AND indicator = 'onveilig_buurt'
                          AND year(period_start) = ?""", [area, year]).fetchone()


def test_differences_between_wijken_and_waves_by_hand(long2025, con):
    pairs = qc.pair_differences(long2025, ["WK999900", "WK999904"])
    row = pairs[pairs["indicator"] == "enquete:onveilig_buurt"].iloc[0]
    a, b = _value(long2025, "WK999900", "enquete:onveilig_buurt"), _value(long2025, "WK999904", "enquete:onveilig_buurt")
    se = np.hypot((a["upper"] - a["lower"]) / (2 * Z), (b["upper"] - b["lower"]) / (2 * Z))  # symmetric published bounds
    assert row["difference"] == pytest.approx(a["value"] - b["value"])
    assert row["lower"] == pytest.approx(a["value"] - b["value"] - Z * se)
    assert row["upper"] == pytest.approx(a["value"] - b["value"] + Z * se)
    assert bool(row["significant"]) == (row["lower"] > 0 or row["upper"] < 0)
    assert not pairs["indicator"].eq("berichten").any()  # posts get no test
    waves = qc.wave_differences(long2025, ["WK999904"], "GM9999")
    weiden = waves[(waves["area_code"] == "WK999904") & (waves["indicator"] == "enquete:onveilig_buurt")].iloc[0]
    # De Weiden 2025 - 2023, with the SEs recovered from the published (symmetric) bounds of both waves.
    (v25, lo25, hi25), (v23, lo23, hi23) = _unsafe(con, "WK999904", 2025), _unsafe(con, "WK999904", 2023)
    se = np.hypot((hi25 - lo25) / (2 * Z), (hi23 - lo23) / (2 * Z))
    assert weiden["difference"] == pytest.approx(v25 - v23)
    assert weiden["upper"] == pytest.approx(v25 - v23 + Z * se)
    assert bool(weiden["significant"]) == (abs(v25 - v23) > Z * se)
    gemeente = waves[(waves["area_code"] == "GM9999") & (waves["indicator"] == "enquete:onveilig_buurt")].iloc[0]
    assert gemeente["difference"] == 0 and bool(gemeente["significant"]) is False


def test_perception_z_scores_and_labels_by_hand(wh, con):
    frame = qc.q_perception(wh, gemeente="GM9999", period=Y2025, min_population=200, min_respondents=30)
    totals = con.execute("""
        SELECT f.area_code, sum(f.incident_count) AS n, bool_and(f.incident_count IS NOT NULL) AS complete
        FROM fct_incident_month f JOIN dim_crime_type c USING (crime_code)
        WHERE f.level = 'wijk' AND year(f.month) = 2025 AND c.crime_group <> 'overlast' GROUP BY 1""").df()
    unsafe = con.execute("""SELECT area_code, value FROM fct_survey
                            WHERE indicator = 'onveilig_buurt' AND year(period_start) = 2025""").df()
    pop = con.execute("SELECT area_code, population FROM fct_population WHERE year = 2025").df()
    data = totals.merge(unsafe, on="area_code").merge(pop, on="area_code")
    data = data[data["complete"] & data["value"].notna()].set_index("area_code")
    rate = data["n"] / data["population"] * 1000
    z = lambda x: (x - x.mean()) / x.std(ddof=1)  # noqa: E731
    gap = z(data["value"]) - z(rate)
    shown = frame.set_index("area_code").loc[gap.index]
    np.testing.assert_allclose(shown["gap"].astype(float), gap, rtol=1e-9)
    np.testing.assert_allclose(shown["incident_rate"].astype(float), rate, rtol=1e-9)
    excludes_zero = (shown["gap_lower"] > 0) | (shown["gap_upper"] < 0)
    assert (shown.loc[~excludes_zero, "label"] == stats.LABEL_IN_LINE).all()
    assert (shown.loc[shown["gap_lower"] > 0, "label"] == stats.LABEL_FEELS_LESS_SAFE).all()
    assert (shown.loc[shown["gap_upper"] < 0, "label"] == stats.LABEL_FEELS_SAFER).all()
    # Left out with a reason: WK999906 (a withheld month in 2025) and WK999908 (too few respondents).
    missing = frame[frame["gap"].isna()].set_index("area_code")["reason"]
    assert missing["WK999906"].startswith("registratie: deels afgeschermd")
    assert missing["WK999908"] == "beleving: te weinig respondenten"


# ------------------------------------------------------------------------------------------ the page

def test_page_side_by_side_and_scatter_match_independent_figures(warehouse_env, con):
    at = _run({"periode": "2025", "wijken": "WK999900,WK999904"})
    assert at.multiselect(key="compare_wijken").value == ["WK999900", "WK999904"]
    assert at.query_params["wijken"] in ("WK999900,WK999904", ["WK999900,WK999904"])
    table = _frame(at, "Indicator").set_index("Indicator")
    assert list(table.columns[1:4]) == ["Centrum", "De Weiden", "Gemeente Lindenwaard (fictief)"]
    n, population = con.execute("""
        SELECT sum(f.incident_count), any_value(p.population) FROM fct_incident_month f
        JOIN fct_population p ON p.area_code = f.area_code AND p.year = 2025
        WHERE f.area_code = 'WK999904' AND year(f.month) = 2025""").fetchone()
    rate = n / population * 1000
    cell = table.loc["Alle misdrijven per 1.000 inwoners per jaar", "De Weiden"]
    assert cell.startswith(f"{_nl(rate)} (95%: ")
    value, lower, upper = con.execute("""SELECT value, lower, upper FROM fct_survey WHERE area_code = 'GM9999'
        AND indicator = 'onveilig_buurt' AND year(period_start) = 2025""").fetchone()
    assert table.loc["Voelt zich weleens onveilig in de eigen buurt", "Gemeente Lindenwaard (fictief)"] == \
        f"{_nl(value)} (95%: {_nl(lower)}–{_nl(upper)})"
    assert table.loc["Inwoners", "De Weiden"] == _nl(population, 0)
    captions = " ".join(c.value for c in at.caption)
    assert "Bron" in captions and "jan 2025 t/m dec 2025" in captions
    # The scatter: one point per wijk with both figures, at the independently computed rate, with error bars.
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    points = {t: (x, y) for trace in spec["data"]
              for t, x, y in zip(trace["text"], _array(trace["x"]), _array(trace["y"]))}
    assert points["De Weiden"] == pytest.approx((rate, _unsafe(con, "WK999904", 2025)[0]))
    assert "Bedrijventerrein Zuid" not in points and "Kerkeveld" not in points
    assert all((_array(trace["error_x"]["array"]) > 0).all() and (_array(trace["error_y"]["array"]) > 0).all()
               for trace in spec["data"])
    missing = " ".join(el.value for el in at.text if "Niet in de grafiek" in el.value)
    assert "te weinig respondenten" in missing and "deels afgeschermd" in missing


def test_invalid_wijken_in_the_url_warn_and_fall_back(warehouse_env):
    at = _run({"wijken": "WK000000,<script>alert(1)</script>"})
    warnings = " ".join(w.value for w in at.warning)
    assert "Onbekende wijk(en) genegeerd" in warnings and "Kies ten minste 2 wijken" in warnings
    assert at.multiselect(key="compare_wijken").value == ["WK999900", "WK999901"]
    at = _run({"wijken": "WK999900,WK999901,WK999902,WK999903,WK999904"})
    assert "Hoogstens 4 wijken" in " ".join(w.value for w in at.warning)
    assert len(at.multiselect(key="compare_wijken").value) == 4


def test_role_beleid_sees_no_post_text(warehouse_env, tmp_path, monkeypatch, downloaded):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    monkeypatch.setenv("WIJKBEELD_SECRETS", str(secrets))
    at = _run({"wijken": "WK999900,WK999905"}, user={"is_logged_in": True, "email": "b.beleid@gemeente.nl"})
    assert not at.error
    assert downloaded, "the page hands out its tables"
    texts = rendered_texts(at) + _download_texts(downloaded)
    assert any("Berichten per 1.000" in text for text in texts)
    assert leaked(post_texts(warehouse_env), texts, allowed=non_post_texts(warehouse_env)) == []


# ------------------------------------------------------------------------------------------ all gemeenten (NL00)

@pytest.fixture(scope="module")
def country(country_warehouse):
    with duckdb.connect(str(country_warehouse), read_only=True) as c:
        yield Warehouse(country_warehouse), c


def _country_expected(c) -> dict:
    """The reference figures for all gemeenten in 2025, straight from the facts: inhabitants summed over the
    gemeenten; registered crime (not nuisance) over the gemeenten with all 12 months known; % unsafe as the
    gemeente figures of the 2025 wave weighted by inhabitants, with the interval of that weighted mean."""
    inhabitants = c.execute("""SELECT sum(p.population) FROM dim_gemeente g
                               JOIN fct_population p ON p.area_code = g.gemeente_code AND p.year = 2025""").fetchone()[0]
    crime = c.execute("""
        WITH per_gemeente AS (
            SELECT f.area_code, sum(f.incident_count) AS n,
                   bool_and(f.incident_count IS NOT NULL) AND count(DISTINCT f.month) = 12 AS complete
            FROM fct_incident_month f JOIN dim_crime_type t USING (crime_code)
            WHERE f.level = 'gemeente' AND year(f.month) = 2025 AND t.crime_group <> 'overlast' GROUP BY 1)
        SELECT sum(n) FILTER (WHERE complete), sum(p.population) FILTER (WHERE complete), count(*) FILTER (WHERE complete),
               count(*)
        FROM per_gemeente g JOIN fct_population p ON p.area_code = g.area_code AND p.year = 2025""").fetchone()
    unsafe = c.execute("""
        SELECT sum(s.value * p.population) / sum(p.population),
               sqrt(sum(power(p.population * (s.upper - s.lower) / (2 * ?), 2))) / sum(p.population)
        FROM fct_survey s JOIN fct_population p ON p.area_code = s.area_code AND p.year = 2025
        WHERE s.level = 'gemeente' AND s.indicator = 'onveilig_buurt' AND year(s.period_start) = 2025""", [Z]).fetchone()
    return {"inhabitants": inhabitants, "crime": crime, "unsafe": unsafe}


def test_all_gemeenten_row_matches_plain_sql_over_every_gemeente(country):
    wh_country, c = country
    long = qc.q_compare_indicators(wh_country, gemeente="NL00", period=Y2025, min_population=200, min_respondents=30)
    expected = _country_expected(c)
    reference = long[long["area_code"] == "NL00"].set_index("indicator")
    assert set(long["level"]) == {"wijk", qc.NATIONAL_LEVEL}  # no single gemeente row stands in for all of them
    assert reference.loc["inwoners", "value"] == expected["inhabitants"]
    n, population, included, total = expected["crime"]
    assert included < total  # one gemeente has a withheld month in 2025: left out of both sums, and counted
    row = reference.loc["incidenten:totaal"]
    assert row["value"] == pytest.approx(n / population * 1000, rel=1e-12)
    assert (row["areas_included"], row["areas_total"]) == (included, total)
    assert row["lower"] < row["value"] < row["upper"]
    mean, se = expected["unsafe"]
    unsafe = reference.loc["enquete:onveilig_buurt"]
    assert unsafe["value"] == pytest.approx(mean, rel=1e-12)
    assert (unsafe["lower"], unsafe["upper"]) == pytest.approx((mean - Z * se, mean + Z * se), rel=1e-12)
    assert unsafe["measured"] == "2025" and unsafe["previous_measured"] == "2023"
    # Wijk names carry their gemeente (names repeat across gemeenten), and every wijk of every gemeente is in.
    wijken = c.execute("SELECT w.wijk_code, w.wijk_name || ' (' || g.gemeente_name || ')' FROM dim_wijk w "
                       "JOIN dim_gemeente g USING (gemeente_code)").fetchall()
    names = long[long["indicator"] == "inwoners"].set_index("area_code")["area_name"]
    assert {code: names[code] for code, _ in wijken} == dict(wijken)


def test_page_for_all_gemeenten_keeps_nl00_and_shows_the_reference_column(country_env, country):
    _, c = country
    at = _run({"gm": "NL00", "periode": "2025"})
    assert at.query_params["gm"] in ("NL00", ["NL00"])
    table = _frame(at, "Indicator").set_index("Indicator")
    reference = table.columns[3]
    assert reference.startswith("Alle gemeenten")
    expected = _country_expected(c)
    assert table.loc["Inwoners", reference] == _nl(expected["inhabitants"], 0)
    n, population, included, total = expected["crime"]
    cell = table.loc["Alle misdrijven per 1.000 inwoners per jaar", reference]
    assert cell.startswith(f"{_nl(n / population * 1000)} (95%: ") and cell.endswith(f"{included} van {total} gemeenten")
    options = at.multiselect(key="compare_wijken")
    assert all(options.format_func(code).endswith(")") for code in options.value)
    captions = " ".join(cap.value for cap in at.caption)
    assert "opgeteld over alle gemeenten" in captions and "binnen dat geheel" in captions


def test_page_in_english_for_all_gemeenten(country_env, country):
    _, c = country
    at = _run({"gm": "NL00", "periode": "2025", "lang": "en"})
    table = _frame(at, "Indicator").set_index("Indicator")
    assert list(table.columns[:1]) == ["Component"] and table.columns[-1] == "Measured"
    reference = table.columns[3]
    assert reference.startswith("All municipalities")
    n, population, included, total = _country_expected(c)["crime"]
    cell = table.loc["All crime per 1,000 inhabitants per year", reference]
    assert cell.startswith(f"{n / population * 1000:,.1f} (95%: ") and cell.endswith(f"{included} of {total} municipalities")
    assert table.loc["Inhabitants", "Measured"].startswith("2025")
    pairs = _frame(at, "Comparison")
    assert set(pairs["Significant"].str.split(":").str[0]) <= {"yes", "no", "unknown"}
    (chart,) = at.get("plotly_chart")
    layout = json.loads(chart.proto.spec)["layout"]
    assert layout["xaxis"]["title"]["text"] == "Registered crimes per 1,000 inhabitants per year"


def _synthetic_perception(n: int, missing: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rate = rng.uniform(20, 60, n)
    frame = pd.DataFrame({
        "area_code": [f"WK{i:06d}" for i in range(n)], "area_name": [f"Wijk {i} (Gemeente {i % 7})" for i in range(n)],
        "incident_rate": rate, "incident_rate_lower": rate - 3, "incident_rate_upper": rate + 3,
        "unsafe_pct": rng.uniform(10, 40, n), "unsafe_lower": 0.0, "unsafe_upper": 0.0, "survey_wave": "2025",
        "posts_per_1000": np.where(np.arange(n) % 2 == 0, rng.uniform(1, 50, n), np.nan), "posts_reason": None,
        "label": rng.choice([stats.LABEL_IN_LINE, stats.LABEL_FEELS_SAFER, stats.LABEL_FEELS_LESS_SAFE], n),
        "reason": None})
    frame["unsafe_lower"], frame["unsafe_upper"] = frame["unsafe_pct"] - 2, frame["unsafe_pct"] + 2
    frame.loc[: missing - 1, "unsafe_pct"] = np.nan
    frame.loc[: missing - 1, "reason"] = np.where(np.arange(missing) % 3 == 0, "registratie: deels afgeschermd door de bron",
                                                  "beleving: geen enquête in deze wijk")
    return frame


def test_scatter_with_many_wijken_names_and_bars_only_the_chosen():
    frame = _synthetic_perception(qc.PERCEPTION_LABEL_LIMIT + 60)
    chosen = ("WK000003", "WK000010")
    fig = qc.perception_figure(frame, chosen, "en")
    *by_label, picked = fig.data
    assert picked.name == "Chosen districts" and list(picked.text) == [frame.loc[3, "area_name"], frame.loc[10, "area_name"]]
    assert picked.error_x.array is not None and (np.asarray(picked.error_x.array) > 0).all()
    assert all(t.error_x.array is None and t.mode == "markers" for t in by_label)
    assert sum(len(t.x) for t in fig.data) == len(frame)  # every wijk once
    assert {t.name for t in by_label} <= {stats.text_in(x, "en") for x in qc.PERCEPTION_COLOURS}
    small = qc.perception_figure(_synthetic_perception(8), chosen, "nl")
    assert all(t.error_x.array is not None for t in small.data)  # few wijken: bars on every point


def test_wijken_left_out_of_the_scatter_are_counted_per_reason_when_many():
    many = qc.missing_text(_synthetic_perception(80, missing=qc.MISSING_LIST_LIMIT + 10), "nl")
    assert many.startswith("Niet in de grafiek: 30 wijken") and "10 × registratie: deels afgeschermd door de bron" in many
    few = qc.missing_text(_synthetic_perception(30, missing=3), "en")
    assert few == ("Not in the chart: Wijk 0 (Gemeente 0) (registration: partly withheld by the source); "
                   "Wijk 1 (Gemeente 1) (perception: no survey in this district); "
                   "Wijk 2 (Gemeente 2) (perception: no survey in this district)")
    assert qc.missing_text(_synthetic_perception(10), "nl") is None


def test_cells_and_url_warnings_in_english():
    assert qc.format_cell(None, None, None, "beleving: te weinig respondenten", "%", "en") == \
        "unknown: perception: too few respondents"
    assert qc.format_cell(1234.56, 1200.0, 1300.0, None, "per 1.000 per jaar", "en", 352, 403) == \
        "1,234.6 (95%: 1,200.0–1,300.0) — 352 of 403 municipalities"
    assert qc.format_cell(1234.56, None, None, None, "inwoners", "nl") == "1.235"
    _, warnings = qc.validate_selection("WK1,WK9", ["WK1", "WK2"], "en")
    assert warnings == ["Unknown district(s) ignored: " + quote_input("WK9") + ".",
                        "Choose at least 2 districts; the first districts were added."]
