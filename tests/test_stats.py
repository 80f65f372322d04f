"""Tests for wijkbeeld.stats: values against hand calculations and independent library calls."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from wijkbeeld import stats as S

Z = S.Z95


# ------------------------------------------------------------------------------------------------ rates

def test_rates_hand_calculation_and_missing_stays_unknown():
    frame = pd.DataFrame({
        "area_code": ["A", "B", "C", "D", "E", "F"],
        "count": pd.array([10, None, 5, 3, 0, 10], dtype="Int64"),
        "population": pd.array([2000, 1000, 150, None, 500, 2000], dtype="Int64"),
    })
    out = S.rates(frame, "count", "population", per=1000, min_population=200)
    assert out["rate"].tolist()[0] == pytest.approx(5.0)
    assert out["rate"].isna().tolist() == [False, True, False, True, False, False]  # withheld / unknown population
    assert out["rate"].iloc[2] == pytest.approx(5 / 150 * 1000)
    assert out["rate"].iloc[4] == 0.0  # a real zero stays zero
    assert out["small_area"].tolist() == [False, False, True, pd.NA, False, False]
    assert out["rankable"].tolist() == [True, False, False, False, True, True]
    # Ties share the lowest rank, highest rate first; unrankable rows have no rank.
    assert out["rank"].tolist() == [1, pd.NA, pd.NA, pd.NA, 3, 1]
    # Original columns are kept and the input is not modified.
    assert list(frame.columns) == ["area_code", "count", "population"]
    assert out["numerator"].iloc[0] == 10 and out["denominator"].iloc[0] == 2000


def test_rate_bounds_match_statsmodels_exact_poisson():
    counts = np.array([0, 1, 7, 40, 350])
    population = np.array([800, 1200, 2500, 9000, 40000])
    out = S.rates(pd.DataFrame({"n": counts, "pop": population}), "n", "pop", per=1000)
    low, high = confint_poisson(counts, population / 1000, method="exact-c")
    np.testing.assert_allclose(out["rate_lower"].to_numpy(dtype=float), low, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(out["rate_upper"].to_numpy(dtype=float), high, rtol=1e-9)


def test_rates_rank_within_year_never_across_years():
    frame = pd.DataFrame({
        "year": [2022, 2022, 2023, 2023],
        "count": [10, 20, 50, 5],
        "population": [1000, 1000, 1000, 1000],
    })
    out = S.rates(frame, "count", "population", rank_within=["year"])
    assert out["rank"].tolist() == [2, 1, 1, 2]


def test_attach_population_same_year_and_latest_for_later_years():
    population = pd.DataFrame({
        "area_code": ["A", "A", "B", "B"],
        "year": [2021, 2022, 2021, 2022],
        "population": pd.array([1000, 1100, 500, None], dtype="Int64"),  # B 2022 not published
    })
    counts = pd.DataFrame({
        "area_code": ["A", "A", "A", "B", "B", "C", "A"],
        "year": [2022, 2024, 2020, 2021, 2023, 2022, 2021],
        "incidents": [5, 6, 7, 8, 9, 10, 11],
    }, index=[10, 11, 12, 13, 14, 15, 16])
    out = S.attach_population(counts, population, on=["area_code", "year"])
    assert out.index.tolist() == counts.index.tolist()
    assert out["incidents"].tolist() == counts["incidents"].tolist()
    assert out["population"].tolist() == [1100, 1100, pd.NA, 500, 500, pd.NA, 1000]
    assert out["population_year"].tolist() == [2022, 2022, pd.NA, 2021, 2021, pd.NA, 2021]
    assert out["population_imputed"].tolist() == [False, True, False, False, True, False, False]


# ------------------------------------------------------------------------------------------------ smoothing

def test_eb_smooth_matches_hand_calculation():
    y = np.array([0.0, 10.0, 30.0])
    e = np.array([10.0, 20.0, 30.0])
    out = S.eb_smooth(y, e)
    # Hand calculation (Marshall 1991, global method of moments).
    m = 40 / 60
    raw = y / e
    s2 = (10 * (0 - m) ** 2 + 20 * (0.5 - m) ** 2 + 30 * (1 - m) ** 2) / 60
    prior_variance = s2 - m / 20
    shrink = (m / e) / (prior_variance + m / e)
    np.testing.assert_allclose(out["raw_rate"].to_numpy(dtype=float), raw)
    np.testing.assert_allclose(out["shrinkage"].to_numpy(dtype=float), shrink)
    np.testing.assert_allclose(out["smoothed_rate"].to_numpy(dtype=float), shrink * m + (1 - shrink) * raw)
    assert out.attrs["prior_mean"] == pytest.approx(m)
    assert out.attrs["prior_variance"] == pytest.approx(prior_variance)
    # Smaller exposure -> more shrinkage; smoothed lies between raw and the mean.
    assert out["shrinkage"].is_monotonic_decreasing


def test_eb_smooth_homogeneous_areas_pool_fully_and_na_propagates():
    counts = pd.Series([10, 20, 30, None, 5], index=list("abcde"), dtype="Float64")
    exposure = pd.Series([100, 200, 300, 100, 0], index=list("abcde"))
    out = S.eb_smooth(counts, exposure, per=1000)
    assert out.index.tolist() == list("abcde")
    # All raw rates equal: prior variance 0, every area gets the overall rate, shrinkage 1.
    np.testing.assert_allclose(out["smoothed_rate"].iloc[:3].to_numpy(dtype=float), 100.0)
    np.testing.assert_allclose(out["shrinkage"].iloc[:3].to_numpy(dtype=float), 1.0)
    assert out.iloc[3].isna().all() and out.iloc[4].isna().all()  # unknown count, zero exposure


def test_eb_smooth_shrinkage_in_unit_interval_on_random_data():
    rng = np.random.default_rng(3)
    exposure = rng.integers(50, 5000, 200)
    counts = rng.poisson(exposure * rng.gamma(5, 0.01 / 5, 200))
    out = S.eb_smooth(counts, exposure)
    shrink = out["shrinkage"].to_numpy(dtype=float)
    assert ((shrink >= 0) & (shrink <= 1)).all()
    raw, smooth, m = out["raw_rate"].to_numpy(dtype=float), out["smoothed_rate"].to_numpy(dtype=float), out.attrs["prior_mean"]
    assert np.all(np.abs(smooth - m) <= np.abs(raw - m) + 1e-12)


# ------------------------------------------------------------------------------------------------ BH

def test_bh_adjust_matches_statsmodels_and_keeps_na():
    rng = np.random.default_rng(0)
    p = np.r_[rng.uniform(size=30), [0.001, 0.0002, 0.04]]
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(S.bh_adjust(p).to_numpy(dtype=float), expected)
    with_na = pd.Series([0.01, None, 0.03, 0.5], dtype="Float64")
    q = S.bh_adjust(with_na)
    assert q.isna().tolist() == [False, True, False, False]
    np.testing.assert_allclose(q.dropna().to_numpy(dtype=float), multipletests([0.01, 0.03, 0.5], method="fdr_bh")[1])


# ------------------------------------------------------------------------------------------------ hotspots

def _series(counts, *, area="A", group="g", end="2024-12-01"):
    months = pd.date_range(end=pd.Timestamp(end), periods=len(counts), freq="MS")
    return pd.DataFrame({"area_code": area, "group": group, "month": months,
                         "count": pd.array(counts, dtype="Int64")})


def test_hotspots_constant_history_expected_is_the_level():
    frame = pd.concat([_series([30] * 51, area="A"), _series([12] * 51, area="B")])
    out = S.hotspots(frame).set_index("area_code")
    assert out.loc["A", "expected"] == pytest.approx(90, rel=0.005)
    assert out.loc["B", "expected"] == pytest.approx(36, rel=0.005)
    assert out.loc["A", "observed"] == 90
    assert out.loc["A", "months_of_history"] == 48
    assert out.loc["A", "method"] == "poisson"
    assert not out.loc["A", "flagged"]
    assert out.loc["A", "window_start"] == pd.Timestamp("2024-10-01")


def test_hotspots_seasonal_baseline_uses_same_calendar_months():
    # A December peak that no smooth curve explains: the expectation must come from earlier Decembers.
    months = pd.date_range(end="2024-12-01", periods=51, freq="MS")
    counts = np.where(months.month == 12, 200, 100)
    out = S.hotspots(_series(counts))
    assert out["expected"].iloc[0] == pytest.approx(100 + 100 + 200, rel=0.05)
    # A smooth annual cycle is followed as well.
    smooth = np.round(100 * np.exp(0.3 * np.cos(2 * np.pi * (months.month.to_numpy() - 1) / 12))).astype(int)
    out = S.hotspots(_series(smooth))
    assert out["expected"].iloc[0] == pytest.approx(smooth[-3:].sum(), rel=0.03)


def test_hotspots_follows_current_level():
    counts = [20] * 36 + [40] * 15
    out = S.hotspots(_series(counts)).iloc[0]
    assert out["expected"] == pytest.approx(120, rel=0.1)
    assert out["recent_level_ratio"] == pytest.approx(2.0, rel=0.1)
    assert not out["flagged"]


def test_hotspots_withheld_months_are_excluded_not_zero():
    counts = [30] * 49 + [None, 30]
    counts[5] = None
    out = S.hotspots(_series(counts)).iloc[0]
    assert out["observed"] == 60
    assert out["recent_months_observed"] == 2
    assert out["expected"] == pytest.approx(60, rel=0.01)  # two known months, not three
    assert out["months_of_history"] == 47
    assert out["ratio"] == pytest.approx(1.0, rel=0.01)


def test_hotspots_untested_series_say_why():
    frame = pd.concat([
        _series([5] * 20, area="short"),
        _series([0] * 30, area="zeros"),
        _series([4] * 27 + [None] * 3, area="no_recent", end="2024-12-01"),
        _series([8] * 51, area="ok"),
    ])
    out = S.hotspots(frame).set_index("area_code")
    assert out.loc["short", "reason"] == "minder dan 24 maanden geschiedenis (17)"
    assert out.loc["zeros", "reason"].startswith("geen incidenten in de geschiedenis")
    assert out.loc["no_recent", "reason"] == "geen cijfers voor de recente maanden"
    assert pd.isna(out.loc["no_recent", "observed"])  # nothing known, not 0
    for area in ("short", "zeros", "no_recent"):
        assert pd.isna(out.loc[area, "p_value"]) and pd.isna(out.loc[area, "flagged"])
    assert pd.isna(out.loc["ok", "reason"]) and out.loc["ok", "flagged"] == False  # noqa: E712 (tested, not flagged)


def test_hotspots_p_values_match_scipy_and_bh():
    rng = np.random.default_rng(42)
    frame = S.simulate_monthly(rng, n_areas=30, n_months=51)
    out = S.hotspots(frame, q=0.10)
    tested = out[out["p_value"].notna()]
    assert len(tested) == 30
    poisson = tested[tested["method"] == "poisson"]
    assert len(poisson) > 0
    # Poisson series: negative binomial predictive with size 1/var(log expected) (gamma-mixed Poisson).
    e = poisson["expected"].to_numpy(dtype=float)
    size = 1 / poisson["expected_log_se"].to_numpy(dtype=float) ** 2
    o = poisson["observed"].to_numpy(dtype=float)
    np.testing.assert_allclose(poisson["p_value"].to_numpy(dtype=float), sps.nbinom.sf(o - 1, size, size / (size + e)),
                               rtol=1e-8)
    np.testing.assert_allclose(out["q_value"].to_numpy(dtype=float),
                               multipletests(out["p_value"].to_numpy(dtype=float), method="fdr_bh")[1])
    assert (out["flagged"] == (out["q_value"] <= 0.10)).all()
    # The over-dispersed group is recognised as such.
    assert (tested.loc[tested["group"] == "overdispersed", "method"] == "negbin").mean() > 0.9
    assert (tested["ratio_lower"] <= tested["ratio"]).all() and (tested["ratio"] <= tested["ratio_upper"]).all()


def test_predictive_p_value_reduces_to_scipy_poisson_and_nbinom():
    observed = np.array([0, 3, 12, 25, 40])
    expected = np.array([2.0, 4.0, 8.0, 20.0, 25.0])
    np.testing.assert_allclose(S._predictive_p_value(observed, expected, np.ones(5), np.zeros(5)),
                               sps.poisson.sf(observed - 1, expected))
    phi = 2.5  # variance phi * mean: NB with size mean/(phi-1) and p = 1/phi
    np.testing.assert_allclose(S._predictive_p_value(observed, expected, np.full(5, phi), np.zeros(5)),
                               sps.nbinom.sf(observed - 1, expected / (phi - 1), 1 / phi))


def test_hotspots_finds_obvious_surge_and_ratio_interval():
    rng = np.random.default_rng(7)
    counts = rng.poisson(20, 51)
    counts[-3:] = [45, 50, 48]
    out = S.hotspots(pd.concat([_series(counts, area="surge"), _series(rng.poisson(20, 51), area="calm")]))
    surge = out.set_index("area_code").loc["surge"]
    assert surge["flagged"]
    assert surge["ratio_lower"] > 1.5
    assert surge["ratio"] == pytest.approx(143 / surge["expected"])


def test_hotspot_calibration_no_real_change():
    calibration = S.hotspot_calibration(runs=50, n_areas=40, n_months=51, surge_runs=0, q=0.10, seed=0)
    assert calibration.mean_share_flagged <= 0.10
    assert calibration.runs_with_any_flag <= 0.25  # BH under the global null: about q when p is calibrated
    assert 0.03 <= calibration.null_p_below_05 <= 0.07
    assert 0.3 <= calibration.negbin_share <= 0.7  # half the simulated series are over-dispersed


def test_hotspot_calibration_finds_real_surge():
    # +50% in the last 3 months of a 20-a-month area, among 8 wijken, 4 years of history.
    calibration = S.hotspot_calibration(runs=0, surge_runs=100, surge_n_areas=8, n_months=51, q=0.10, seed=0)
    assert calibration.surge_found >= 0.80


def test_same_months_last_year_pairs_known_months_only():
    counts = [10] * 12 + [20, 30, 40] + [10] * 9 + [25, None, 50]
    out = S.same_months_last_year(_series(counts), recent_months=3).iloc[0]
    assert out["months_compared"] == 2
    assert out["recent_count"] == 75 and out["previous_count"] == 60
    assert out["difference"] == 15
    assert out["ratio"] == pytest.approx(75 / 60)
    assert out["change_pct"] == pytest.approx(25.0)
    low, high = proportion_confint(75, 135, method="beta")
    assert out["ratio_lower"] == pytest.approx(low / (1 - low))
    assert out["ratio_upper"] == pytest.approx(high / (1 - high))


# ------------------------------------------------------------------------------------------------ survey

def test_wilson_matches_statsmodels():
    successes = np.array([0, 1, 15, 40, 50])
    n = np.array([10, 20, 60, 80, 50])
    out = S.wilson_interval(successes, n)
    low, high = proportion_confint(successes, n, method="wilson")
    np.testing.assert_allclose(out["lower"].to_numpy(dtype=float), low, atol=1e-12)
    np.testing.assert_allclose(out["upper"].to_numpy(dtype=float), high, atol=1e-12)
    assert S.wilson_interval(pd.Series([0, None]), pd.Series([0, 10])).isna().all().all()
    with pytest.raises(ValueError):
        S.wilson_interval(5, 3)


def test_weighted_proportion_kish_and_equal_weights():
    values = [1, 0, 1, None, 1, 0]
    equal = S.weighted_proportion(values, [2, 2, 2, 2, 2, 2])
    low, high = proportion_confint(3, 5, method="wilson")
    assert equal.value == pytest.approx(0.6) and equal.respondents == 5
    assert equal.lower == pytest.approx(low) and equal.upper == pytest.approx(high)
    weighted = S.weighted_proportion([1, 0, 1], [1, 2, 3])
    assert weighted.value == pytest.approx(4 / 6)
    assert weighted.effective_n == pytest.approx(36 / 14)
    n_eff = 36 / 14
    centre = (4 / 6 + Z**2 / (2 * n_eff)) / (1 + Z**2 / n_eff)
    half = Z * math.sqrt(4 / 6 * 2 / 6 / n_eff + Z**2 / (4 * n_eff**2)) / (1 + Z**2 / n_eff)
    assert weighted.lower == pytest.approx(centre - half) and weighted.upper == pytest.approx(centre + half)


def test_survey_estimates_minimum_and_weights():
    rng = np.random.default_rng(1)
    big = pd.DataFrame({"wijk": "A", "onveilig": rng.integers(0, 2, 120), "w": rng.uniform(0.5, 2, 120)})
    small = pd.DataFrame({"wijk": "B", "onveilig": [1, 0, 1], "w": [1.0, 1.0, 1.0]})
    answers = pd.concat([big, small], ignore_index=True)
    answers["overlast"] = pd.array(np.where(np.arange(len(answers)) % 7 == 0, None, answers["onveilig"]), dtype="Int64")
    out = S.survey_estimates(answers, ["onveilig", "overlast"], "wijk", weight_col="w", min_respondents=30)
    assert len(out) == 4
    row = out[(out["wijk"] == "A") & (out["indicator"] == "onveilig")].iloc[0]
    direct = S.weighted_proportion(big["onveilig"], big["w"])
    assert row["value"] == pytest.approx(100 * direct.value)
    assert row["lower"] == pytest.approx(100 * direct.lower) and row["upper"] == pytest.approx(100 * direct.upper)
    assert row["respondents"] == 120 and row["publishable"]
    assert row["effective_n"] == pytest.approx(direct.effective_n)
    missing_some = out[(out["wijk"] == "A") & (out["indicator"] == "overlast")].iloc[0]
    assert missing_some["respondents"] == (answers.loc[answers.wijk == "A", "overlast"].notna()).sum()
    small_row = out[(out["wijk"] == "B") & (out["indicator"] == "onveilig")].iloc[0]
    assert not small_row["publishable"]
    assert pd.isna(small_row["value"]) and pd.isna(small_row["lower"])
    assert small_row["reason"] == "te weinig respondenten"
    # Unweighted equals plain Wilson.
    plain = S.survey_estimates(big, ["onveilig"], "wijk").iloc[0]
    low, high = proportion_confint(big["onveilig"].sum(), 120, method="wilson")
    assert plain["lower"] == pytest.approx(100 * low) and plain["upper"] == pytest.approx(100 * high)


def test_survey_estimates_rejects_non_binary_answers():
    with pytest.raises(ValueError):
        S.survey_estimates(pd.DataFrame({"wijk": ["A"], "x": [3]}), ["x"], "wijk")


def test_published_interval_and_difference():
    published = S.published_interval([34.1, 20.0], [32.1, 21.0], [36.1, 23.0])
    assert published["se"].iloc[0] == pytest.approx(4.0 / (2 * Z))
    assert pd.isna(published["lower"].iloc[1]) and published["reason"].iloc[1] == "interval omsluit de waarde niet"
    # Symmetric bounds: exactly difference +- z * sqrt(se_a^2 + se_b^2).
    out = S.difference(34.1, 32.1, 36.1, 30.0, 28.5, 31.5).iloc[0]
    se = math.hypot(2.0 / Z, 1.5 / Z)
    assert out["difference"] == pytest.approx(4.1)
    assert out["se"] == pytest.approx(se)
    assert out["lower"] == pytest.approx(4.1 - Z * se) and out["upper"] == pytest.approx(4.1 + Z * se)
    assert out["significant"]
    overlapping = S.difference(34.1, 32.1, 36.1, 32.0, 30.0, 34.0).iloc[0]
    assert not overlapping["significant"]
    unknown = S.difference(34.1, None, None, 32.0, 30.0, 34.0).iloc[0]
    assert pd.isna(unknown["significant"]) and pd.isna(unknown["lower"])


def test_difference_significant_although_intervals_overlap():
    # Intervals overlap (36.1 > 32.2) yet the difference interval excludes 0.
    out = S.difference(34.1, 32.1, 36.1, 30.0, 27.8, 32.2).iloc[0]
    assert out["lower"] > 0 and out["significant"]


# ------------------------------------------------------------------------------------------------ DiD

def _panel(rng, *, effect, n_areas=40, n_periods=10, cohorts=(3, 5, 7), per_cohort=8, pre_trend=0.0):
    launch = np.full(n_areas, -1)
    for k, g in enumerate(cohorts):
        launch[k * per_cohort:(k + 1) * per_cohort] = g
    area_effect = rng.normal(0, 2, n_areas)
    time_effect = rng.normal(0, 1, n_periods)
    t = np.arange(n_periods)
    treated = (launch[:, None] >= 0) & (t[None, :] >= launch[:, None])
    trend = pre_trend * (launch[:, None] >= 0) * t[None, :]
    y = area_effect[:, None] + time_effect[None, :] + trend + effect * treated + rng.normal(0, 1, (n_areas, n_periods))
    return pd.DataFrame({
        "wijk": np.repeat([f"WK{i:02d}" for i in range(n_areas)], n_periods),
        "jaar": np.tile(2015 + t, n_areas),
        "meldingen": y.ravel(),
        "start": pd.array(np.repeat(np.where(launch >= 0, 2015 + launch, -1), n_periods), dtype="Int64").astype("Int64"),
    }).assign(start=lambda f: f["start"].where(f["start"] > 0))


DID = dict(area_col="wijk", period_col="jaar", outcome_col="meldingen", launch_col="start")


def test_did_two_by_two_equals_ols_interaction():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(5)
    panel = _panel(rng, effect=1.5, n_periods=2, cohorts=(1,), per_cohort=15, n_areas=30)
    result = S.did_staggered(panel, **DID, n_boot=50)
    frame = panel.assign(treated=panel["start"].notna().astype(int), post=(panel["jaar"] == 2016).astype(int))
    ols = smf.ols("meldingen ~ treated * post", data=frame).fit()
    assert result.att == pytest.approx(ols.params["treated:post"])
    assert result.n_treated_areas == 15 and result.n_never_treated_areas == 15 and result.n_cohorts == 1


def test_did_group_time_by_hand():
    panel = pd.DataFrame({
        "wijk": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
        "jaar": [1, 2, 3] * 3,
        "meldingen": [1.0, 2.0, 5.0, 2.0, 2.0, 9.0, 0.0, 1.0, 1.0],
        "start": pd.array([2] * 3 + [3] * 3 + [None] * 3, dtype="Int64"),
    })
    result = S.did_staggered(panel, **DID, n_boot=20)
    gt = result.group_time.set_index(["cohort", "period"])["att"]
    # Cohort 2 (a), base year 1: year 2 vs controls not yet treated (b, c); year 3 vs never treated (c).
    assert gt.loc[(2, 2)] == pytest.approx((2 - 1) - ((2 - 2) + (1 - 0)) / 2)
    assert gt.loc[(2, 3)] == pytest.approx((5 - 1) - (1 - 0))
    # Cohort 3 (b), base year 2: year 3 vs c; year 1 (lead) vs c.
    assert gt.loc[(3, 3)] == pytest.approx((9 - 2) - (1 - 1))
    assert gt.loc[(3, 1)] == pytest.approx((2 - 2) - (0 - 1))
    # Simple aggregation: equal weights (one treated area each) over the post cells.
    assert result.att == pytest.approx(np.mean([gt.loc[(2, 2)], gt.loc[(2, 3)], gt.loc[(3, 3)]]))


def test_did_recovers_known_effect():
    rng = np.random.default_rng(11)
    result = S.did_staggered(_panel(rng, effect=2.0), **DID, n_boot=400, seed=1)
    assert result.lower <= 2.0 <= result.upper
    assert result.lower > 0
    assert result.n_boot_valid == 400
    event = result.event_study.set_index("relative_period")
    assert event.loc[-1, "reference"] and event.loc[-1, "estimate"] == 0
    post = event.loc[event.index >= 0, "estimate"].to_numpy(dtype=float)
    assert np.abs(post - 2.0).mean() < 0.6
    text = S.did_conclusion(result, "het aantal meldingen")
    assert "niet geloot" in text and "hoger" in text


def test_did_no_effect_interval_covers_zero_most_of_the_time():
    rng = np.random.default_rng(12)
    covered = [
        (r.lower <= 0 <= r.upper)
        for r in (S.did_staggered(_panel(rng, effect=0.0), **DID, n_boot=200, seed=k) for k in range(30))
    ]
    assert np.mean(covered) >= 0.8


def test_did_detects_pre_trend_and_says_so():
    rng = np.random.default_rng(13)
    result = S.did_staggered(_panel(rng, effect=0.0, pre_trend=0.8), **DID, n_boot=300)
    assert result.pre_trend_p_value < 0.05
    assert "liepen de wijken al uiteen" in S.did_conclusion(result, "het aantal meldingen")
    event = S.event_study(_panel(rng, effect=0.0, pre_trend=0.8), **DID, n_boot=100)
    assert event.loc[event["relative_period"] == -5, "estimate"].iloc[0] < -2  # lead far below 0


def test_did_conclusion_few_areas_and_no_comparison():
    rng = np.random.default_rng(14)
    small = _panel(rng, effect=1.0, n_areas=8, cohorts=(4,), per_cohort=3)
    text = S.did_conclusion(S.did_staggered(small, **DID, n_boot=100), "de overlast")
    assert "maar 3 wijken met een pagina" in text
    nobody = small.assign(start=pd.array([None] * len(small), dtype="Int64"))
    result = S.did_staggered(nobody, **DID, n_boot=10)
    assert math.isnan(result.att)
    assert "geen vergelijking mogelijk" in S.did_conclusion(result, "de overlast")


def _did_estimates_cell_by_cell(outcome, cohort, area_weights):
    """Reference: every group-time cell on its own, straight from the definition (treated cohort g against the
    areas whose cohort is later than both t and g-1), for every row of weights."""
    atts, weights, cells = [], [], []
    for g in np.unique(cohort[np.isfinite(cohort) & (cohort >= 1)]).astype(int):
        for t in range(outcome.shape[1]):
            if t == g - 1:
                continue
            change = outcome[:, t] - outcome[:, g - 1]
            known = np.isfinite(change)
            treated = (cohort == g) & known
            control = (cohort > max(t, g - 1)) & (cohort != g) & known
            n_tr, n_co = area_weights @ treated, area_weights @ control
            with np.errstate(invalid="ignore", divide="ignore"):
                att = (area_weights @ np.where(treated, change, 0) / n_tr
                       - area_weights @ np.where(control, change, 0) / n_co)
            att = np.where((n_tr > 0) & (n_co > 0), att, np.nan)
            atts.append(att)
            weights.append(np.where(np.isfinite(att), n_tr, 0.0))
            cells.append((g, t))
    return np.column_stack(atts), np.column_stack(weights), np.array(cells)


def test_did_estimates_equal_the_cell_by_cell_definition_with_missing_months():
    rng = np.random.default_rng(21)
    n_areas, n_periods = 60, 12
    outcome = rng.normal(5, 2, (n_areas, n_periods))
    outcome[rng.random(outcome.shape) < 0.04] = np.nan          # withheld months: those areas take the direct route
    cohort = rng.choice([1.0, 3.0, 4.0, 7.0, 11.0, np.inf, np.inf, np.inf], n_areas)
    cohort[:2] = 5.0                                            # a cohort whose areas all have gaps
    outcome[:2, 4] = np.nan
    boot = rng.multinomial(n_areas, np.full(n_areas, 1 / n_areas), size=30).astype(float)
    weights = np.vstack([np.ones((1, n_areas)), boot])
    att, weight, cells = S._did_estimates(outcome, cohort, weights)
    expected_att, expected_weight, expected_cells = _did_estimates_cell_by_cell(outcome, cohort, weights)
    np.testing.assert_array_equal(cells, expected_cells)
    np.testing.assert_allclose(att, expected_att, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weight, expected_weight)
    assert np.isnan(att).any() and np.isfinite(att).any()      # cells without controls stay unknown, not 0
    complete = np.nan_to_num(outcome, nan=5.0)                  # and the all-complete path (no direct route)
    np.testing.assert_allclose(S._did_estimates(complete, cohort, weights)[0],
                               _did_estimates_cell_by_cell(complete, cohort, weights)[0], rtol=1e-10, atol=1e-12)


def test_did_rejects_two_launches_in_one_area():
    panel = pd.DataFrame({"wijk": ["a", "a", "b", "b"], "jaar": [1, 2, 1, 2], "meldingen": [1.0, 2.0, 1.0, 1.0],
                          "start": pd.array([2, 1, None, None], dtype="Int64")})
    with pytest.raises(ValueError, match="verschilt binnen een gebied"):
        S.did_staggered(panel, **DID, n_boot=5)


def test_did_conclusion_and_notes_in_english():
    rng = np.random.default_rng(11)
    result = S.did_staggered(_panel(rng, effect=2.0), **DID, n_boot=200, seed=1)
    text = S.did_conclusion(result, "the number of reports", "en")
    assert text.startswith(f"After a district page launched, the number of reports in districts with a page changed "
                           f"on average by {result.att:+.2f} relative to")
    assert f"(95% interval {result.lower:.2f} to {result.upper:.2f})." in text and "higher than expected" in text
    assert S.did_conclusion(result, "het aantal meldingen") == S.did_conclusion(result, "het aantal meldingen", "nl")
    early = _panel(rng, effect=0.0).assign(start=lambda f: f["start"].where(f["wijk"] != "WK00", 2015))
    notes = S.did_staggered(early, **DID, n_boot=20)
    assert notes.n_always_treated == 1 and notes.notes[0].startswith("1 wijk(en) hadden al een pagina")
    assert S.did_notes(notes, "en")[0] == "1 district(s) already had a page in the first period and take no part."
    assert S.did_notes(notes) == notes.notes


def test_labels_and_method_explanations_in_english():
    from wijkbeeld import i18n

    assert set(S.METHOD_EXPLANATIONS_EN) == set(S.METHOD_EXPLANATIONS)
    for key, text in S.METHOD_EXPLANATIONS_EN.items():
        assert S.method_explanation(key, "en") == text and S.method_explanation(key) == S.METHOD_EXPLANATIONS[key]
        assert i18n.translate(S.METHOD_EXPLANATIONS[key], "en") == text
    assert S.text_in(S.LABEL_FEELS_LESS_SAFE, "en") == "feels less safe than the figures"
    assert S.text_in(S.LABEL_IN_LINE, "nl") == S.LABEL_IN_LINE
    assert S.text_in(S.REASON_TOO_FEW_RESPONDENTS, "en") == "too few respondents"
    assert S.number_text(-0.125, 2, "en") == "-0.12" and S.number_text(3.14159, 3) == "3,142"


# ------------------------------------------------------------------------------------------------ beleving

def test_perception_vs_registration_z_scores_and_labels():
    frame = pd.DataFrame({
        "area_code": list("ABCDEF"),
        "unsafe_pct": [45.0, 20.0, 30.0, 31.0, 29.0, None],
        "unsafe_lower": [42.0, 17.0, 27.0, 28.0, 26.0, None],
        "unsafe_upper": [48.0, 23.0, 33.0, 34.0, 32.0, None],
        "incidents": [100, 400, 250, 260, 240, 300],
        "population": [5000] * 6,
    })
    out = S.perception_vs_registration(frame).set_index("area_code")
    known = out.loc[list("ABCDE")]
    unsafe = np.array([45.0, 20.0, 30.0, 31.0, 29.0])
    rate = np.array([100, 400, 250, 260, 240]) / 5000 * 1000
    np.testing.assert_allclose(known["z_perception"].to_numpy(dtype=float), (unsafe - unsafe.mean()) / unsafe.std(ddof=1))
    np.testing.assert_allclose(known["z_registration"].to_numpy(dtype=float), (rate - rate.mean()) / rate.std(ddof=1))
    low, high = confint_poisson(np.array([100]), np.array([5.0]), method="exact-c")
    assert out.loc["A", "incident_rate_lower"] == pytest.approx(low[0])
    assert out.loc["A", "label"] == S.LABEL_FEELS_LESS_SAFE  # many feel unsafe, few incidents
    assert out.loc["B", "label"] == S.LABEL_FEELS_SAFER
    assert out.loc["D", "label"] == S.LABEL_IN_LINE
    assert (known["gap_lower"] <= known["gap"]).all() and (known["gap"] <= known["gap_upper"]).all()
    assert pd.isna(out.loc["F", "label"]) and pd.isna(out.loc["F", "gap"])  # unknown perception is not 'in lijn'


# ------------------------------------------------------------------------------------------------ texts

def test_method_explanations_complete_and_short():
    keys = {"rates", "smoothing", "hotspots", "survey_intervals", "difference", "did", "beleving_vs_registratie"}
    assert keys <= set(S.METHOD_EXPLANATIONS)
    for key in keys:
        text = S.METHOD_EXPLANATIONS[key]
        sentences = [s for s in text.replace("q = 0,10)", "").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 4, key
