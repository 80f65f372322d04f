"""Honest numbers for the dashboard pages: rates, smoothing, hotspots, survey intervals and evaluation.

Every function here is pure: it takes frames or arrays and returns new pandas objects or frozen dataclasses
with explicit columns. Unknown inputs (NULL/NA/NaN, withheld counts) stay unknown in the output: they are
never read as zero. Rates are per `per` inhabitants, intervals are 95% unless a `z` says otherwise.

Run `python -m wijkbeeld.stats` for the hotspot calibration figures and a small speed benchmark.
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import special


class _LazyScipyStats:
    """scipy.stats, imported on first use: it takes 1-2 s to import, and the pages that only need rates,
    intervals and the evaluation (scipy.special below) then start without it."""

    def __getattr__(self, name: str):
        from scipy import stats

        return getattr(stats, name)


sps = _LazyScipyStats()

Z95 = 1.959963984540054

# Hotspot model settings (module constants: they describe the method, not the deployment).
# At most this many months of history feed the expected count (older data describe another situation).
HOTSPOT_MAX_HISTORY_MONTHS = 60
# The 'current level' is the level of the last this-many history months.
HOTSPOT_LEVEL_MONTHS = 12
# Gaussian prior SDs (log scale): the smooth annual cycle is nearly free; calendar-month deviations from
# that cycle and the current level's deviation from the long-run level start from these values, which each
# call then re-estimates from all its series (empirical Bayes) within HOTSPOT_PRIOR_SD_RANGE, in at most
# HOTSPOT_EB_ITERATIONS rounds on at most HOTSPOT_EB_MAX_SERIES series. The prior also keeps sparse series
# (a calendar month with only zeros) estimable.
HOTSPOT_HARMONIC_PRIOR_SD = 1.0
HOTSPOT_SEASONAL_PRIOR_SD = 0.15
HOTSPOT_LEVEL_PRIOR_SD = 0.2
HOTSPOT_PRIOR_SD_RANGE = (0.01, 1.0)
HOTSPOT_EB_ITERATIONS = 15
HOTSPOT_EB_MAX_SERIES = 400
# Significance of the Pearson chi-square test (per group, and per series) that switches from Poisson to
# negative binomial.
HOTSPOT_OVERDISPERSION_ALPHA = 0.05
# Quantile points over which the p-value is averaged to carry the uncertainty of an estimated dispersion.
HOTSPOT_DISPERSION_DRAWS = 20

REASON_TOO_FEW_RESPONDENTS = "te weinig respondenten"

LABEL_FEELS_LESS_SAFE = "voelt onveiliger dan de cijfers"
LABEL_FEELS_SAFER = "voelt veiliger dan de cijfers"
LABEL_IN_LINE = "in lijn"


# --------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------

def _as_float(values: object) -> np.ndarray:
    """Numbers as a float array with NaN for every kind of missing (NA, None, NaN)."""
    if np.isscalar(values) or values is None or values is pd.NA:
        values = [values]
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if series.dtype == bool or str(series.dtype) == "boolean":
        series = series.astype("Float64")
    return pd.to_numeric(series, errors="raise").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _index_of(*candidates: object, length: int) -> pd.Index:
    """The index of the first pandas input of the right length, else a RangeIndex."""
    for candidate in candidates:
        if isinstance(candidate, (pd.Series, pd.DataFrame)) and len(candidate) == length:
            return candidate.index
    return pd.RangeIndex(length)


def _nullable(values: np.ndarray) -> pd.arrays.FloatingArray:
    """Float64 extension array; NaN and +-inf become NA (an infinite rate is an unknown rate)."""
    values = np.asarray(values, dtype=float)
    return pd.array(np.where(np.isfinite(values), values, np.nan), dtype="Float64")


def _garwood(count: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for a Poisson mean; works for non-integer 'effective' counts too."""
    alpha = 2 * special.ndtr(-z)
    count = np.asarray(count, dtype=float)
    with np.errstate(invalid="ignore"):  # gammaincinv(a, q) is the gamma(a) quantile q (scipy's gamma.ppf)
        lower = np.where(count > 0, special.gammaincinv(np.where(count > 0, count, 1.0), alpha / 2), 0.0)
        upper = special.gammaincinv(count + 1, 1 - alpha / 2)
    lower = np.where(np.isfinite(count), lower, np.nan)
    return lower, upper


def _nl_number(value: float, digits: int = 1) -> str:
    """Dutch number formatting: decimal comma, no thousands separator."""
    return f"{value:.{digits}f}".replace(".", ",")


# --------------------------------------------------------------------------------------------------------
# 1. Rates
# --------------------------------------------------------------------------------------------------------

def rates(
    frame: pd.DataFrame,
    count_col: str,
    population_col: str,
    per: float = 1000,
    min_population: int = 200,
    *,
    rank_within: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rates per `per` inhabitants with exact Poisson bounds, a small-area flag and a rank.

    Added columns: numerator, denominator, rate, rate_lower, rate_upper, small_area (population below
    `min_population`; NA when the population is unknown), rankable (not small and the rate known) and rank
    (1 = highest rate, ties share the lowest rank; NA when not rankable). Rank within the groups of
    `rank_within` (e.g. ['year']) so that different years are never ranked against each other.
    A withheld count (NA) gives an NA rate; a population of 0 gives an NA rate.
    """
    numerator = _as_float(frame[count_col])
    denominator = _as_float(frame[population_col])
    if np.any(numerator < 0) or np.any(denominator < 0):
        raise ValueError(f"negatieve waarden in {count_col!r} of {population_col!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(denominator > 0, numerator / denominator * per, np.nan)
        low, high = _garwood(numerator)
        rate_lower = np.where(denominator > 0, low / denominator * per, np.nan)
        rate_upper = np.where(denominator > 0, high / denominator * per, np.nan)
    population_known = np.isfinite(denominator)
    small = np.where(population_known, denominator < min_population, False)
    rankable = population_known & ~small & np.isfinite(rate)

    out = frame.copy()
    out["numerator"] = _nullable(numerator)
    out["denominator"] = _nullable(denominator)
    out["rate"] = _nullable(rate)
    out["rate_lower"] = _nullable(rate_lower)
    out["rate_upper"] = _nullable(rate_upper)
    out["small_area"] = pd.array(np.where(population_known, small, None), dtype="boolean")
    out["rankable"] = rankable
    rank_input = pd.Series(np.where(rankable, rate, np.nan), index=frame.index)
    if rank_within:
        ranks = rank_input.groupby([frame[c] for c in rank_within], dropna=False).rank(ascending=False, method="min")
    else:
        ranks = rank_input.rank(ascending=False, method="min")
    out["rank"] = ranks.astype("Float64").round().astype("Int64")
    return out


def attach_population(
    counts: pd.DataFrame,
    population: pd.DataFrame,
    on: Sequence[str] = ("area_code", "year"),
    *,
    population_col: str = "population",
) -> pd.DataFrame:
    """Join the population of the same year; a year without a published figure gets the latest earlier one.

    `on` lists the area keys followed by the year column. Added columns: `population_col`,
    `population_year` (the year the figure is from) and `population_imputed` (True when that is not the
    count's own year: typically years after the last CBS publication). Years before the first published
    figure get NA. This is the rule the warehouse uses for `fct_population`.
    """
    *keys, year = list(on)
    if population_col in counts.columns:
        raise ValueError(f"counts heeft al een kolom {population_col!r}")
    published = population.loc[population[population_col].notna(), keys + [year, population_col]]
    if published.duplicated(keys + [year]).any():
        raise ValueError("populatie heeft dubbele rijen per gebied en jaar")
    published = published.rename(columns={year: "_population_year"})
    published["_population_year"] = published["_population_year"].astype("int64")
    published = published.sort_values("_population_year", kind="stable")

    left = counts.reset_index(drop=True).assign(_row=np.arange(len(counts)))
    year_known = left[year].notna()
    probe = left.loc[year_known, keys + ["_row"]].assign(_year=left.loc[year_known, year].astype("int64"))
    probe = probe.sort_values("_year", kind="stable")
    matched = pd.merge_asof(
        probe, published, left_on="_year", right_on="_population_year", by=keys or None, direction="backward"
    ).set_index("_row")

    pop = matched[population_col].reindex(left["_row"]).to_numpy(dtype=float, na_value=np.nan)
    pop_year = matched["_population_year"].reindex(left["_row"]).to_numpy(dtype=float, na_value=np.nan)
    own_year = _as_float(left[year])
    out = counts.copy()
    out[population_col] = pd.array(np.where(np.isfinite(pop), pop, np.nan), dtype="Float64").round().astype("Int64")
    out["population_year"] = pd.array(np.where(np.isfinite(pop_year), pop_year, np.nan), dtype="Float64").astype("Int64")
    out["population_imputed"] = np.isfinite(pop_year) & (pop_year != own_year)
    return out


# --------------------------------------------------------------------------------------------------------
# 2. Empirical-Bayes smoothing
# --------------------------------------------------------------------------------------------------------

def eb_smooth(counts: object, exposure: object, *, per: float = 1.0) -> pd.DataFrame:
    """Empirical-Bayes Poisson-gamma smoothing of small-area rates (Marshall 1991, method of moments).

    Each raw rate y/e is pulled towards the overall rate m = sum(y)/sum(e). The prior variance is
    A = s2 - m/mean(e) with s2 the exposure-weighted variance of the raw rates (0 when negative: then all
    areas look alike and every rate becomes m). `shrinkage` is the weight on m, in [0, 1]:
    (m/e) / (A + m/e); 1 = fully pooled, 0 = the raw rate stands. Unknown counts/exposures give NA and do
    not take part in estimating the prior. Rates are multiplied by `per`. `attrs` holds prior_mean and
    prior_variance (per unit exposure).
    """
    y = _as_float(counts)
    e = _as_float(exposure)
    if y.shape != e.shape:
        raise ValueError("counts en exposure hebben niet dezelfde lengte")
    if np.any(y < 0) or np.any(e < 0):
        raise ValueError("negatieve aantallen of blootstelling")
    usable = np.isfinite(y) & np.isfinite(e) & (e > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(usable, y / e, np.nan)
    if usable.sum() >= 2:
        m = y[usable].sum() / e[usable].sum()
        s2 = np.sum(e[usable] * (raw[usable] - m) ** 2) / e[usable].sum()
        prior_variance = max(s2 - m / e[usable].mean(), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            sampling = m / e  # Poisson variance of a raw rate under the prior mean
            shrinkage = np.where(m > 0, sampling / (prior_variance + sampling), 1.0)
        shrinkage = np.where(usable, shrinkage, np.nan)
        smoothed = m + (1 - shrinkage) * (raw - m)
    else:  # one area cannot tell how much areas differ
        m, prior_variance = np.nan, np.nan
        shrinkage = np.full_like(raw, np.nan)
        smoothed = np.full_like(raw, np.nan)
    index = _index_of(counts, exposure, length=len(y))
    out = pd.DataFrame(
        {"raw_rate": _nullable(raw * per), "smoothed_rate": _nullable(smoothed * per), "shrinkage": _nullable(shrinkage)},
        index=index,
    )
    out.attrs["prior_mean"] = float(m * per) if np.isfinite(m) else float("nan")
    out.attrs["prior_variance"] = float(prior_variance * per**2) if np.isfinite(prior_variance) else float("nan")
    return out


# --------------------------------------------------------------------------------------------------------
# 3. Hotspots
# --------------------------------------------------------------------------------------------------------

def bh_adjust(p_values: object) -> pd.Series:
    """Benjamini-Hochberg adjusted p-values (q-values). NA p-values stay NA and do not count as tests."""
    p = _as_float(p_values)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-waarden moeten tussen 0 en 1 liggen")
    known = np.flatnonzero(np.isfinite(p))
    q = np.full(p.shape, np.nan)
    if known.size:
        order = known[np.argsort(p[known], kind="stable")]
        m = order.size
        scaled = p[order] * m / np.arange(1, m + 1)
        q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return pd.Series(_nullable(q), index=_index_of(p_values, length=len(p)), name="q_value")


def _month_index(months: pd.Series) -> np.ndarray:
    """Months as integers (year*12 + month-1); any day in a month counts as that month."""
    stamps = pd.to_datetime(months)
    if stamps.isna().any():
        raise ValueError("maand ontbreekt in een of meer rijen")
    return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(dtype=np.int64)


def _month_start(index: int) -> pd.Timestamp:
    return pd.Timestamp(year=int(index) // 12, month=int(index) % 12 + 1, day=1)


@dataclass(frozen=True)
class _MonthlyMatrix:
    keys: pd.DataFrame        # area_code, group per series (row order of `values`)
    values: np.ndarray        # series x months, NaN where unknown or absent
    first_month: int          # month index of column 0


def _monthly_matrix(monthly: pd.DataFrame, last_month: int) -> _MonthlyMatrix:
    """Long monthly counts to a series x month matrix up to `last_month`. Absent rows are unknown."""
    required = {"area_code", "group", "month", "count"}
    missing = required - set(monthly.columns)
    if missing:
        raise ValueError(f"kolommen ontbreken: {sorted(missing)}")
    month = _month_index(monthly["month"])
    count = _as_float(monthly["count"])
    if np.any(count < 0):
        raise ValueError("negatieve aantallen")
    grouped = monthly.groupby(["area_code", "group"], sort=True, dropna=False)
    series_id = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[["area_code", "group"]]
    if pd.Series(series_id * 100_000 + month).duplicated().any():
        raise ValueError("dubbele maand voor hetzelfde gebied en dezelfde groep")
    keep = month <= last_month
    first = min(int(month.min()), last_month) if len(month) else last_month
    values = np.full((len(keys), last_month - first + 1), np.nan)
    values[series_id[keep], month[keep] - first] = count[keep]
    return _MonthlyMatrix(keys=keys, values=values, first_month=first)


def _fit_penalised_poisson(
    y: np.ndarray, known: np.ndarray, design: np.ndarray, penalty: np.ndarray, *,
    scale: np.ndarray | None = None, start: np.ndarray | None = None, max_iter: int = 50,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched penalised Poisson IRLS: one log-linear model per row of `y`, all rows at once.

    `penalty` holds prior precisions (Gaussian prior centred on 0) per coefficient; `scale` divides each
    series' likelihood (1/dispersion: quasi-likelihood). Returns coefficients (S x p), the penalised
    information matrices (S x p x p) and the scaled Fisher information (S x p x p) at the solution.
    """
    n_series, n_params = y.shape[0], design.shape[1]
    y0 = np.where(known, y, 0.0)
    scale = np.ones(n_series) if scale is None else scale
    if start is None:
        beta = np.zeros((n_series, n_params))
        mean = y0.sum(axis=1) / np.maximum(known.sum(axis=1), 1)
        beta[:, 0] = np.log(np.maximum(mean, 1e-3))
    else:
        beta = start.copy()
    penalty_matrix = np.diag(penalty)
    for _ in range(max_iter):
        eta = np.clip(beta @ design.T, -30, 30)
        mu = np.exp(eta)
        weight = mu * known * scale[:, None]
        info = np.matmul(design.T[None, :, :] * weight[:, None, :], design)
        rhs = (weight * eta + (y0 - mu) * known * scale[:, None]) @ design
        new_beta = np.linalg.solve(info + penalty_matrix, rhs[..., None])[..., 0]
        step = np.max(np.abs(new_beta - beta)) if n_series else 0.0
        beta = new_beta
        if step < 1e-7:
            break
    mu = np.exp(np.clip(beta @ design.T, -30, 30))
    info = np.matmul(design.T[None, :, :] * (mu * known * scale[:, None])[:, None, :], design)
    return beta, info + penalty_matrix, info


@dataclass(frozen=True)
class _HotspotFit:
    beta: np.ndarray          # S x p
    covariance: np.ndarray    # S x p x p, posterior (dispersion included)
    dispersion: np.ndarray    # 1 for Poisson series
    dispersion_df: np.ndarray  # residual degrees of freedom behind the dispersion; inf for Poisson series
    overdispersed: np.ndarray
    seasonal_sd: float        # empirical-Bayes prior SDs used
    level_sd: float


def _fit_hotspot_model(y: np.ndarray, known: np.ndarray, design: np.ndarray, group_codes: np.ndarray) -> _HotspotFit:
    """Fit all series; the prior SDs of the calendar-month deviations and of the current level are
    estimated from all series together (empirical Bayes, MacKay's fixed-point update), so the model is
    only as flexible as the data show it needs to be."""
    seasonal = slice(3, 15)
    level = 15
    seasonal_sd, level_sd = HOTSPOT_SEASONAL_PRIOR_SD, HOTSPOT_LEVEL_PRIOR_SD

    def penalty() -> np.ndarray:
        return np.r_[0.0, [HOTSPOT_HARMONIC_PRIOR_SD**-2] * 2, [seasonal_sd**-2] * 12, level_sd**-2]

    def update(sd: float, coefficients: np.ndarray, variances: np.ndarray) -> float:
        well_determined = np.sum(1 - variances / sd**2)  # MacKay's gamma
        if well_determined <= 1e-9:
            return HOTSPOT_PRIOR_SD_RANGE[0]
        return float(np.clip(np.sqrt(np.sum(coefficients**2) / well_determined), *HOTSPOT_PRIOR_SD_RANGE))

    # Dispersion first, so that over-dispersed noise is not mistaken for seasonal or level variation.
    # Pearson statistic of a fit with the starting priors, on each series' effective residual degrees of
    # freedom. Over-dispersion (negative binomial, variance mu + alpha*mu^2) is assumed to be shared by the
    # series of one group (crime type): alpha is pooled per group, which a single 24-month series could
    # never estimate well; a series that is clearly more over-dispersed than its group keeps its own value.
    beta, penalised_info, info = _fit_penalised_poisson(y, known, design, penalty())
    mu = np.where(known, np.exp(np.clip(beta @ design.T, -30, 30)), 0.0)
    pearson = np.where(known, (np.where(known, y, 0) - mu) ** 2 / np.where(known, mu, 1.0), 0).sum(axis=1)
    n_obs = known.sum(axis=1)
    df = np.maximum(n_obs - np.einsum("spq,sqp->s", np.linalg.inv(penalised_info), info), 1.0)
    own_over = sps.chi2.sf(pearson, df) < HOTSPOT_OVERDISPERSION_ALPHA
    own_dispersion = np.maximum(pearson / df, 1.0)
    groups = np.unique(group_codes, return_inverse=True)[1]
    group_pearson = np.bincount(groups, pearson)
    group_df = np.bincount(groups, df)
    group_over = sps.chi2.sf(group_pearson, group_df) < HOTSPOT_OVERDISPERSION_ALPHA
    with np.errstate(divide="ignore", invalid="ignore"):
        group_alpha = np.maximum((group_pearson - group_df) / np.bincount(groups, df / n_obs * mu.sum(axis=1)), 0.0)
    pooled_dispersion = np.where(group_over[groups], 1 + group_alpha[groups] * mu.sum(axis=1) / n_obs, 1.0)
    use_own = own_over & (own_dispersion > pooled_dispersion)
    dispersion = np.where(use_own, own_dispersion, pooled_dispersion)
    overdispersed = use_own | group_over[groups]
    dispersion_df = np.where(use_own, df, np.where(group_over[groups], group_df[groups], np.inf))

    # The prior SDs describe all series; a fixed, evenly spread subset estimates them well enough.
    subset = np.unique(np.linspace(0, len(y) - 1, min(len(y), HOTSPOT_EB_MAX_SERIES)).round().astype(int))
    beta_subset = beta[subset]
    for _ in range(HOTSPOT_EB_ITERATIONS):
        beta_subset, penalised_info, _info = _fit_penalised_poisson(
            y[subset], known[subset], design, penalty(), scale=1 / dispersion[subset], start=beta_subset
        )
        variances = np.diagonal(np.linalg.inv(penalised_info), axis1=1, axis2=2)
        new_seasonal = update(seasonal_sd, beta_subset[:, seasonal], variances[:, seasonal])
        new_level = update(level_sd, beta_subset[:, level], variances[:, level])
        converged = abs(new_seasonal - seasonal_sd) < 0.01 * seasonal_sd and abs(new_level - level_sd) < 0.01 * level_sd
        seasonal_sd, level_sd = new_seasonal, new_level
        if converged:
            break
    beta, penalised_info, _info = _fit_penalised_poisson(y, known, design, penalty(), scale=1 / dispersion,
                                                         start=beta)
    return _HotspotFit(beta=beta, covariance=np.linalg.inv(penalised_info), dispersion=dispersion,
                       dispersion_df=dispersion_df, overdispersed=overdispersed,
                       seasonal_sd=seasonal_sd, level_sd=level_sd)


def _predictive_p_value(observed: np.ndarray, expected: np.ndarray, dispersion: np.ndarray,
                        log_variance: np.ndarray) -> np.ndarray:
    """P(O >= observed) when O is negative binomial with mean `expected` and variance
    dispersion*expected + expected^2*log_variance (observation noise plus uncertainty of the expectation).
    With dispersion 1 and log_variance 0 this is the Poisson tail."""
    extra = (dispersion - 1.0) + expected * log_variance
    with np.errstate(divide="ignore", invalid="ignore"):
        size = expected / extra
        negbin = sps.nbinom.sf(observed - 1, size, size / (size + expected))
    poisson = sps.poisson.sf(observed - 1, expected)
    return np.where(extra > 1e-10, negbin, poisson)


def _hotspot_design(month_index: np.ndarray, level_from: int) -> np.ndarray:
    """Intercept, annual harmonic (cos, sin), 12 calendar-month indicators and a 'current level' step."""
    calendar = month_index % 12
    angle = 2 * np.pi * calendar / 12
    columns = [np.ones(month_index.size), np.cos(angle), np.sin(angle)]
    columns += [(calendar == m).astype(float) for m in range(12)]
    columns.append((month_index >= level_from).astype(float))
    return np.column_stack(columns)


def _hotspot_p_value(observed: np.ndarray, expected: np.ndarray, dispersion: np.ndarray, dispersion_df: np.ndarray,
                     log_variance: np.ndarray) -> np.ndarray:
    """One-sided p-value for a rise. For negative-binomial series the dispersion is itself estimated on
    `dispersion_df` degrees of freedom: average the tail over its scaled inverse chi-square distribution
    (HOTSPOT_DISPERSION_DRAWS quantile points) instead of trusting the point estimate."""
    if HOTSPOT_DISPERSION_DRAWS == 0:
        return _predictive_p_value(observed, expected, dispersion, log_variance)
    u = (np.arange(HOTSPOT_DISPERSION_DRAWS) + 0.5) / HOTSPOT_DISPERSION_DRAWS
    finite_df = np.where(np.isfinite(dispersion_df), dispersion_df, 1.0)
    draws = dispersion[:, None] * finite_df[:, None] / sps.chi2.ppf(u[None, :], finite_df[:, None])
    draws = np.where(np.isfinite(dispersion_df)[:, None], np.maximum(draws, 1.0), dispersion[:, None])
    # The variance of the expected count scales with the dispersion as well.
    tails = _predictive_p_value(observed[:, None], expected[:, None], draws,
                                log_variance[:, None] * draws / dispersion[:, None])
    return tails.mean(axis=1)


def hotspots(
    monthly: pd.DataFrame,
    *,
    recent_months: int = 3,
    min_history_months: int = 24,
    q: float = 0.10,
    as_of: object = None,
) -> pd.DataFrame:
    """Which area x group rose in the last `recent_months` beyond what its own history predicts.

    Input: long frame with area_code, group, month (any day in the month), count (nullable; NA = withheld;
    a month without a row is unknown too). The history is the months before the recent window, at most
    HOTSPOT_MAX_HISTORY_MONTHS; at least `min_history_months` known months are needed, else the series is
    not tested and `reason` says why.

    Expected count: per series a penalised Poisson log-linear model of the history with a long-run level,
    a smooth annual cycle, calendar-month deviations (the same months in earlier years) and the current
    level (last HOTSPOT_LEVEL_MONTHS months); how far months and the current level may deviate is
    estimated from all series together (empirical Bayes). Over-dispersion (Pearson chi-square, pooled per
    group) switches the test from Poisson ('poisson') to negative binomial ('negbin') with the estimated
    dispersion. The one-sided p-value for a rise includes the uncertainty of the expected count (and of the
    dispersion); q-values are Benjamini-Hochberg over all tested series and `flagged` = q_value <= q.
    The ratio observed/expected has a 95% interval (exact Poisson bounds, scaled for dispersion, combined
    with the uncertainty of the expected count). Withheld months are left out of both observed and
    expected. Untested series have NA p/q/flagged.
    """
    if recent_months < 1 or min_history_months < 1:
        raise ValueError("recent_months en min_history_months moeten positief zijn")
    all_months = _month_index(monthly["month"]) if len(monthly) else np.array([], dtype=np.int64)
    if as_of is None:
        if all_months.size == 0:
            raise ValueError("geen maanden in de invoer")
        last_month = int(all_months.max())
    else:
        last_month = int(_month_index(pd.Series([as_of]))[0])
    window_start = last_month - recent_months + 1
    matrix = _monthly_matrix(monthly, last_month)
    values = matrix.values
    start_col = window_start - matrix.first_month
    history_first = max(matrix.first_month, window_start - HOTSPOT_MAX_HISTORY_MONTHS)
    history = values[:, history_first - matrix.first_month:max(start_col, 0)]
    recent = values[:, max(start_col, 0):]
    if recent.shape[1] < recent_months:  # data begin inside the window
        recent = np.hstack([np.full((len(values), recent_months - recent.shape[1]), np.nan), recent])
    history_months = np.arange(history_first, window_start)
    recent_idx = np.arange(window_start, last_month + 1)

    history_known = np.isfinite(history)
    recent_known = np.isfinite(recent)
    months_of_history = history_known.sum(axis=1)
    history_total = np.where(history_known, history, 0).sum(axis=1)
    observed = np.where(recent_known, recent, 0).sum(axis=1)
    n_series = len(values)

    reason = np.full(n_series, None, dtype=object)
    reason[history_total == 0] = "geen incidenten in de geschiedenis: geen verwachting te schatten"
    reason[~recent_known.any(axis=1)] = "geen cijfers voor de recente maanden"
    short = months_of_history < min_history_months
    reason[short] = [f"minder dan {min_history_months} maanden geschiedenis ({n})" for n in months_of_history[short]]
    tested = np.array([r is None for r in reason])

    expected = np.full(n_series, np.nan)
    dispersion = np.full(n_series, np.nan)
    dispersion_df = np.full(n_series, np.nan)
    log_variance = np.full(n_series, np.nan)
    prior_sds = (math.nan, math.nan)
    method = np.full(n_series, None, dtype=object)
    level_ratio = np.full(n_series, np.nan)
    rows = np.flatnonzero(tested)
    if rows.size:
        level_from = window_start - HOTSPOT_LEVEL_MONTHS
        y, known = history[rows], history_known[rows]
        design = _hotspot_design(history_months, level_from)
        group_codes = pd.factorize(matrix.keys["group"].iloc[rows], use_na_sentinel=False)[0]
        fit = _fit_hotspot_model(y, known, design, group_codes)
        design_recent = _hotspot_design(recent_idx, level_from)
        mu_recent = np.exp(fit.beta @ design_recent.T) * recent_known[rows]
        total = mu_recent.sum(axis=1)
        gradient = (mu_recent @ design_recent) / total[:, None]  # d log(total) / d beta
        expected[rows] = total
        dispersion[rows] = fit.dispersion
        dispersion_df[rows] = fit.dispersion_df
        log_variance[rows] = np.einsum("sp,spq,sq->s", gradient, fit.covariance, gradient)
        method[rows] = np.where(fit.overdispersed, "negbin", "poisson")
        level_ratio[rows] = np.exp(fit.beta[:, -1])
        prior_sds = (fit.seasonal_sd, fit.level_sd)

    p_value = np.full(n_series, np.nan)
    p_value[rows] = _hotspot_p_value(observed[rows], expected[rows], dispersion[rows], dispersion_df[rows],
                                     log_variance[rows])
    q_value = bh_adjust(p_value).to_numpy(dtype=float, na_value=np.nan)

    # Ratio interval: exact (scaled) Poisson bounds for the observed count combined on the log scale with
    # the lognormal uncertainty of the expected count (MOVER, Zou & Donner 2008).
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / expected
        obs_low, obs_high = _garwood(observed / dispersion)
        obs_low, obs_high = obs_low * dispersion, obs_high * dispersion
        exp_half = Z95 * np.sqrt(log_variance)
        log_obs = np.log(observed)
        lower = np.where(
            observed > 0,
            np.exp(log_obs - np.log(expected) - np.hypot(log_obs - np.log(obs_low), exp_half)),
            0.0,
        )
        upper = np.where(
            observed > 0,
            np.exp(log_obs - np.log(expected) + np.hypot(np.log(obs_high) - log_obs, exp_half)),
            obs_high / expected * np.exp(exp_half),
        )
    lower = np.where(tested, lower, np.nan)
    upper = np.where(tested, upper, np.nan)

    recent_observed_months = recent_known.sum(axis=1)
    out = matrix.keys.copy()
    out["window_start"] = _month_start(window_start)
    out["window_end"] = _month_start(last_month)
    out["observed"] = pd.array(np.where(recent_observed_months > 0, observed, np.nan), dtype="Float64").round().astype("Int64")
    out["expected"] = _nullable(expected)
    out["ratio"] = _nullable(ratio)
    out["ratio_lower"] = _nullable(lower)
    out["ratio_upper"] = _nullable(upper)
    out["p_value"] = _nullable(p_value)
    out["q_value"] = _nullable(q_value)
    out["flagged"] = pd.array([bool(qv <= q) if t else pd.NA for qv, t in zip(q_value, tested)], dtype="boolean")
    out["method"] = pd.array(method, dtype="string")
    out["dispersion"] = _nullable(dispersion)
    out["expected_log_se"] = _nullable(np.sqrt(log_variance))
    out["recent_level_ratio"] = _nullable(level_ratio)
    out.attrs["seasonal_prior_sd"], out.attrs["level_prior_sd"] = prior_sds
    out["months_of_history"] = pd.array(months_of_history, dtype="Int64")
    out["recent_months_observed"] = pd.array(recent_observed_months, dtype="Int64")
    out["reason"] = pd.array(reason, dtype="string")
    return out


def same_months_last_year(monthly: pd.DataFrame, recent_months: int = 3, as_of: object = None,
                          *, z: float = Z95) -> pd.DataFrame:
    """The last `recent_months` months against the same months one year earlier, per area x group.

    A month counts only when it is known in both years (pairwise), so a withheld month never turns into a
    fake drop. Columns: recent_count, previous_count, months_compared, difference, ratio with an exact
    interval (conditional binomial / Clopper-Pearson on recent/(recent+previous)) and change_pct.
    """
    months = _month_index(monthly["month"])
    last_month = int(months.max()) if as_of is None else int(_month_index(pd.Series([as_of]))[0])
    matrix = _monthly_matrix(monthly, last_month)
    values = matrix.values
    ncol = values.shape[1]

    def window(end: int) -> np.ndarray:
        cols = np.arange(end - recent_months + 1, end + 1) - matrix.first_month
        inside = (cols >= 0) & (cols < ncol)
        block = np.full((len(values), recent_months), np.nan)
        block[:, inside] = values[:, cols[inside]]
        return block

    now, before = window(last_month), window(last_month - 12)
    paired = np.isfinite(now) & np.isfinite(before)
    compared = paired.sum(axis=1)
    recent = np.where(compared > 0, np.where(paired, now, 0).sum(axis=1), np.nan)
    previous = np.where(compared > 0, np.where(paired, before, 0).sum(axis=1), np.nan)
    total = recent + previous
    alpha = 2 * sps.norm.sf(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_low = np.where(recent > 0, sps.beta.ppf(alpha / 2, recent, previous + 1), 0.0)
        share_high = np.where(previous > 0, sps.beta.ppf(1 - alpha / 2, recent + 1, previous), 1.0)
        ratio = recent / previous
        ratio_lower = share_low / (1 - share_low)
        ratio_upper = share_high / (1 - share_high)
    known = np.isfinite(total) & (total > 0)
    out = matrix.keys.copy()
    out["window_start"] = _month_start(last_month - recent_months + 1)
    out["window_end"] = _month_start(last_month)
    out["recent_count"] = pd.array(recent, dtype="Float64").round().astype("Int64")
    out["previous_count"] = pd.array(previous, dtype="Float64").round().astype("Int64")
    out["months_compared"] = pd.array(compared, dtype="Int64")
    out["difference"] = pd.array(recent - previous, dtype="Float64").round().astype("Int64")
    out["ratio"] = _nullable(ratio)
    out["ratio_lower"] = _nullable(np.where(known, ratio_lower, np.nan))
    out["ratio_upper"] = _nullable(np.where(known, ratio_upper, np.nan))
    out["change_pct"] = _nullable(100 * (ratio - 1))
    return out


# --------------------------------------------------------------------------------------------------------
# 4. Survey
# --------------------------------------------------------------------------------------------------------

def _wilson(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    valid = np.isfinite(p) & (n > 0)
    return np.where(valid, np.clip(centre - half, 0, 1), np.nan), np.where(valid, np.clip(centre + half, 0, 1), np.nan)


def wilson_interval(successes: object, n: object, z: float = Z95) -> pd.DataFrame:
    """Wilson score interval for a proportion: columns proportion, lower, upper (all 0..1).
    NA successes or n, or n = 0, give NA."""
    x, total = _as_float(successes), _as_float(n)
    x, total = np.broadcast_arrays(x, total)
    if np.any((x < 0) | (x > total)):
        raise ValueError("successes moet tussen 0 en n liggen")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, x / total, np.nan)
    lower, upper = _wilson(p, total, z)
    index = _index_of(successes, n, length=len(x))
    return pd.DataFrame({"proportion": _nullable(p), "lower": _nullable(lower), "upper": _nullable(upper)}, index=index)


@dataclass(frozen=True)
class WeightedProportion:
    value: float           # weighted share (0..1); NaN when nobody answered
    lower: float
    upper: float
    respondents: int       # answers used (value and weight known)
    effective_n: float     # Kish: (sum w)^2 / sum w^2


def _binary_answers(values: np.ndarray, name: str) -> np.ndarray:
    known = np.isfinite(values)
    if np.any(~np.isin(values[known], (0.0, 1.0))):
        raise ValueError(f"{name}: antwoorden moeten 0/1 (of ja/nee als boolean) zijn")
    return values


def weighted_proportion(values: object, weights: object = None, z: float = Z95) -> WeightedProportion:
    """Weighted share of 1-answers with a Wilson interval on the Kish effective sample size.
    Answers or weights that are NA are left out (not counted as 'no')."""
    y = _binary_answers(_as_float(values), "values")
    w = np.ones_like(y) if weights is None else _as_float(weights)
    if np.any(w < 0):
        raise ValueError("gewichten mogen niet negatief zijn")
    use = np.isfinite(y) & np.isfinite(w)
    y, w = y[use], w[use]
    total = w.sum()
    if total <= 0:
        return WeightedProportion(math.nan, math.nan, math.nan, int(use.sum()), 0.0)
    p = float(np.sum(w * y) / total)
    n_eff = float(total**2 / np.sum(w**2))
    lower, upper = _wilson(np.array([p]), np.array([n_eff]), z)
    return WeightedProportion(p, float(lower[0]), float(upper[0]), int(use.sum()), n_eff)


def survey_estimates(
    respondents: pd.DataFrame,
    indicator_cols: Sequence[str],
    area_col: str,
    weight_col: str | None = None,
    min_respondents: int = 30,
    *,
    z: float = Z95,
) -> pd.DataFrame:
    """Respondent answers (0/1 per indicator) to one row per area x indicator, in percent.

    Columns: area_col, indicator, value, lower, upper (percent, Wilson on the Kish effective sample size when
    weighted), respondents (answers used), effective_n, publishable (respondents >= min_respondents) and
    reason. Below the minimum the value and bounds are NA with reason 'te weinig respondenten'. Every area
    in the input appears for every indicator, also with 0 respondents.
    """
    indicator_cols = list(indicator_cols)
    weights = (
        pd.Series(1.0, index=respondents.index) if weight_col is None
        else pd.Series(_as_float(respondents[weight_col]), index=respondents.index)
    )
    if (weights < 0).any():
        raise ValueError("gewichten mogen niet negatief zijn")
    answers = pd.DataFrame(
        {c: _binary_answers(_as_float(respondents[c]), c) for c in indicator_cols}, index=respondents.index
    )
    long = answers.assign(_area=respondents[area_col].to_numpy(), _w=weights.to_numpy()).melt(
        id_vars=["_area", "_w"], value_vars=indicator_cols, var_name="indicator", value_name="_y"
    )
    long = long[long["_y"].notna() & long["_w"].notna()]
    long = long.assign(_wy=long["_w"] * long["_y"], _w2=long["_w"] ** 2)
    sums = long.groupby(["_area", "indicator"], dropna=False).agg(
        respondents=("_y", "size"), _sw=("_w", "sum"), _sw2=("_w2", "sum"), _swy=("_wy", "sum")
    )
    areas = pd.unique(respondents[area_col])
    grid = pd.MultiIndex.from_product([areas, indicator_cols], names=["_area", "indicator"])
    sums = sums.reindex(grid)
    n = sums["respondents"].fillna(0).to_numpy(dtype=int)
    sw, sw2, swy = (sums[c].to_numpy(dtype=float, na_value=np.nan) for c in ("_sw", "_sw2", "_swy"))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(sw > 0, swy / sw, np.nan)
        n_eff = np.where(sw2 > 0, sw**2 / sw2, 0.0)
    lower, upper = _wilson(p, n_eff, z)
    publishable = n >= min_respondents
    out = pd.DataFrame({
        area_col: grid.get_level_values("_area"),
        "indicator": pd.array(grid.get_level_values("indicator"), dtype="string"),
        "value": _nullable(np.where(publishable, 100 * p, np.nan)),
        "lower": _nullable(np.where(publishable, 100 * lower, np.nan)),
        "upper": _nullable(np.where(publishable, 100 * upper, np.nan)),
        "respondents": pd.array(n, dtype="Int64"),
        "effective_n": _nullable(n_eff),
        "publishable": publishable,
        "reason": pd.array(np.where(publishable, None, REASON_TOO_FEW_RESPONDENTS), dtype="string"),
    })
    return out


def published_interval(value: object, lower: object, upper: object, *, z: float = Z95) -> pd.DataFrame:
    """Bounds as the source publishes them (Veiligheidsmonitor), plus the SE they imply: (upper-lower)/(2z).

    Bounds that do not enclose the value are dropped (NA) with a reason; the value itself stays.
    """
    v, lo, hi = np.broadcast_arrays(_as_float(value), _as_float(lower), _as_float(upper))
    inconsistent = np.isfinite(v) & np.isfinite(lo) & np.isfinite(hi) & ((lo > v) | (hi < v))
    lo = np.where(inconsistent, np.nan, lo)
    hi = np.where(inconsistent, np.nan, hi)
    index = _index_of(value, lower, upper, length=len(v))
    return pd.DataFrame({
        "value": _nullable(v),
        "lower": _nullable(lo),
        "upper": _nullable(hi),
        "se": _nullable((hi - lo) / (2 * z)),
        "reason": pd.array(np.where(inconsistent, "interval omsluit de waarde niet", None), dtype="string"),
    }, index=index)


def difference(a_value: object, a_lower: object, a_upper: object,
               b_value: object, b_lower: object, b_upper: object, *, z: float = Z95) -> pd.DataFrame:
    """a - b with a 95% interval recovered from the two published intervals.

    The SEs are recovered from the bounds ((upper - lower) / 2z) and `se` is their root sum of squares.
    The interval uses each side's own distance to its bound (MOVER, Newcombe 1998 / Zou & Donner 2008): for
    symmetric bounds this is exactly difference +- z*se, for asymmetric (Wilson) bounds it keeps the
    asymmetry. `significant` is True only when the interval excludes 0, NA when anything is unknown.
    """
    av, al, au, bv, bl, bu = np.broadcast_arrays(*(_as_float(x) for x in (a_value, a_lower, a_upper,
                                                                          b_value, b_lower, b_upper)))
    diff = av - bv
    lower = diff - np.hypot(av - al, bu - bv)
    upper = diff + np.hypot(au - av, bv - bl)
    se = np.hypot((au - al) / (2 * z), (bu - bl) / (2 * z))
    known = np.isfinite(lower) & np.isfinite(upper)
    significant = (lower > 0) | (upper < 0)
    index = _index_of(a_value, b_value, length=len(diff))
    return pd.DataFrame({
        "difference": _nullable(diff),
        "lower": _nullable(lower),
        "upper": _nullable(upper),
        "se": _nullable(se),
        "significant": pd.array(np.where(known, significant, None), dtype="boolean"),
    }, index=index)


# --------------------------------------------------------------------------------------------------------
# 5. Difference-in-differences for the wijk pages
# --------------------------------------------------------------------------------------------------------

# Below these numbers of areas the bootstrap interval is itself rough (few clusters).
DID_FEW_AREAS = 10
# Leads (periods before launch) in the joint pre-trend test.
DID_PRETREND_LEADS = 4


@dataclass(frozen=True)
class DidResult:
    att: float                 # average effect after launch (Callaway-Sant'Anna 'simple' aggregation)
    lower: float               # 95% interval: att -/+ t(dof) * se
    upper: float
    se: float                  # cluster-bootstrap standard deviation (stratified by cohort)
    dof: int                   # degrees of freedom of the interval: smallest of treated/comparison wijken - 1
    n_areas: int               # areas in the comparison
    n_treated_areas: int       # areas with a launch inside the panel (and at least one period before it)
    n_never_treated_areas: int
    n_cohorts: int             # distinct launch periods
    n_periods: int
    n_boot: int
    n_boot_valid: int          # bootstrap draws in which the estimate could be formed
    pre_trend_p_value: float   # joint Wald test that the nearest leads are 0 (NaN when there are none)
    group_time: pd.DataFrame = field(repr=False)   # cohort, period, relative_period, att, n_treated, n_control
    event_study: pd.DataFrame = field(repr=False)  # relative_period, estimate, lower, upper, se, n_cohorts, n_treated, reference
    notes: tuple[str, ...] = ()  # in Dutch; did_notes(result, lang) gives them in another language
    n_always_treated: int = 0  # areas with a launch in the first period: left out


def _did_inputs(panel: pd.DataFrame, area_col: str, period_col: str, outcome_col: str, launch_col: str):
    """Area x period outcome matrix and each area's launch as a period position (inf = never in panel)."""
    data = panel[[area_col, period_col, outcome_col, launch_col]]
    data = data[data[period_col].notna()]
    if data.duplicated([area_col, period_col]).any():
        raise ValueError("dubbele rijen per gebied en periode")
    grouped = data.groupby(area_col, sort=True, dropna=False)[launch_col]
    if (grouped.nunique(dropna=True) > 1).any():
        raise ValueError(f"{launch_col!r} verschilt binnen een gebied")
    launch_values = grouped.first()  # the first known launch per area (NA when it has none)
    periods = np.sort(data[period_col].unique())
    areas = launch_values.index
    outcome = (
        data.assign(_y=_as_float(data[outcome_col]))
        .pivot(index=area_col, columns=period_col, values="_y")
        .reindex(index=areas, columns=periods)
        .to_numpy(dtype=float, na_value=np.nan)
    )
    cohort = np.full(len(areas), np.inf)
    has_launch = launch_values.notna().to_numpy()
    if has_launch.any():
        cohort[has_launch] = pd.Index(periods).searchsorted(
            pd.Index(launch_values[has_launch].to_numpy()).astype(pd.Index(periods).dtype), side="left"
        )
    cohort[cohort >= len(periods)] = np.inf  # launched after the panel: not yet treated throughout
    return areas, periods, outcome, cohort


def _did_estimates(outcome: np.ndarray, cohort: np.ndarray, area_weights: np.ndarray):
    """Group-time ATTs (universal base period g-1, not-yet/never-treated controls) for every row of
    `area_weights` (row 0 = the data, further rows = bootstrap multiplicities).

    ATT(g, t) compares mean changes y_t - y_(g-1) of the treated cohort g and of its controls (areas whose
    cohort is later than both t and g-1). For areas with a complete series every mean change is a difference
    of weighted period sums, so those areas enter through one weighted sum per cohort and suffix sums over the
    cohorts (the controls of a cell are a suffix of the cohorts, minus g itself): the cost no longer grows with
    cohorts x bootstrap draws x areas. Areas with a missing month take the direct route, cell by cell.
    Returns att (R x cells), treated weight (R x cells) and the cell list (cohort, period)."""
    n_periods = outcome.shape[1]
    n_draws = area_weights.shape[0]
    cohorts = np.unique(cohort[np.isfinite(cohort) & (cohort >= 1)]).astype(int)
    if not cohorts.size:
        empty = np.zeros((n_draws, 0))
        return empty, empty, np.zeros((0, 2), dtype=int)
    periods = np.arange(n_periods)
    base = cohorts - 1
    keep = periods[None, :] != base[:, None]                      # cohort x period: the base cell is 0 by design
    cell_cohort, cell_period = np.nonzero(keep)                   # cohort-major, then period (row-major order)
    g, t = cohorts[cell_cohort], cell_period
    b = g - 1
    threshold = np.maximum(t, b)                                  # controls: cohort > threshold and != g

    # Complete areas: weighted period sums per cohort level (never-treated = inf is the last level).
    complete = np.isfinite(outcome).all(axis=1)
    levels, level_of = np.unique(cohort[complete], return_inverse=True)
    weights_complete, outcome_complete = area_weights[:, complete], outcome[complete]
    level_weight = np.zeros((n_draws, levels.size + 1))                       # last column: no such level
    level_sum = np.zeros((levels.size + 1, n_draws, n_periods))
    for index in range(levels.size):                                          # one product per cohort level
        members = level_of == index
        level_weight[:, index] = weights_complete[:, members].sum(axis=1)
        level_sum[index] = weights_complete[:, members] @ outcome_complete[members]
    suffix_weight = np.cumsum(level_weight[:, ::-1], axis=1)[:, ::-1]        # levels index..end (end: zero)
    suffix_sum = np.cumsum(level_sum[::-1], axis=0)[::-1]
    first_control = np.searchsorted(levels, threshold, side="right")             # suffix start per cell
    own = np.searchsorted(levels, g)
    has_own = np.isin(g, levels)
    own_in_suffix = has_own & (g > threshold)
    own_index = np.where(has_own, own, levels.size)                              # the zero row when absent

    def change(sums: np.ndarray, index: np.ndarray) -> np.ndarray:               # draws x cells: sum y_t - sum y_b
        return (sums[index, :, t] - sums[index, :, b]).T

    treated_weight = level_weight[:, own_index]
    treated_sum = change(level_sum, own_index)
    control_weight = suffix_weight[:, first_control] - np.where(own_in_suffix[None, :], treated_weight, 0.0)
    control_sum = change(suffix_sum, first_control) - np.where(own_in_suffix[None, :], treated_sum, 0.0)

    # Areas with a missing month: the direct route (their finite-change masks differ per base period).
    if not complete.all():
        y = outcome[~complete]
        c = cohort[~complete]
        w = area_weights[:, ~complete]
        step = y[:, t] - y[:, b]                                                  # areas x cells
        finite = np.isfinite(step)
        step0 = np.where(finite, step, 0.0)
        treated = (c[:, None] == g[None, :]) & finite
        control = (c[:, None] > threshold[None, :]) & (c[:, None] != g[None, :]) & finite
        treated_weight = treated_weight + w @ treated
        treated_sum = treated_sum + w @ (step0 * treated)
        control_weight = control_weight + w @ control
        control_sum = control_sum + w @ (step0 * control)

    with np.errstate(divide="ignore", invalid="ignore"):
        att = treated_sum / treated_weight - control_sum / control_weight
    att = np.where((treated_weight > 0) & (control_weight > 0), att, np.nan)
    weight = np.where(np.isfinite(att), treated_weight, 0.0)
    return att, weight, np.column_stack([g, t]).astype(int)


def _weighted_mean(values: np.ndarray, weights: np.ndarray, select: np.ndarray) -> np.ndarray:
    w = np.where(select[None, :] & np.isfinite(values), weights, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w.sum(axis=1) > 0, (np.nan_to_num(values) * w).sum(axis=1) / w.sum(axis=1), np.nan)


def did_staggered(
    panel: pd.DataFrame,
    *,
    area_col: str,
    period_col: str,
    outcome_col: str,
    launch_col: str,
    n_boot: int = 500,
    seed: int = 0,
) -> DidResult:
    """Difference-in-differences for wijk pages that started at different times (Callaway & Sant'Anna 2021).

    For every launch cohort g and period t: ATT(g,t) = change in the cohort's mean outcome from g-1 to t
    minus the same change in areas not (yet) treated at t (never-treated areas and later cohorts). These are
    averaged with weights by the number of treated areas (the 'simple' aggregation) for the overall effect,
    and per relative period t-g for the event study (t-g = -1 is the reference, 0 by construction).
    `launch_col` holds each area's launch (NA = no page); an area counts as treated from the first panel
    period >= its launch. Areas treated already in the first period cannot be compared and are left out.
    Intervals: cluster bootstrap resampling whole areas within launch cohorts; the bootstrap SE times a t
    quantile with (smallest group - 1) degrees of freedom, because percentiles are too narrow with few wijken.
    """
    areas, periods, outcome, cohort = _did_inputs(panel, area_col, period_col, outcome_col, launch_col)
    always = cohort == 0
    outcome, cohort, areas = outcome[~always], cohort[~always], areas[~always]
    n_areas, n_periods = outcome.shape

    # Cluster bootstrap over wijken, stratified by launch cohort (never-treated wijken form one stratum;
    # single-wijk cohorts are pooled), so that every draw keeps the design. Within a stratum of n wijken the
    # outcomes are first spread by sqrt(n/(n-1)) around the stratum mean: resampling n out of n otherwise
    # understates the variance by (n-1)/n, which matters with a handful of wijken per cohort.
    strata = cohort.copy()
    values, counts = np.unique(strata, return_counts=True)
    strata[np.isin(strata, values[counts == 1])] = -1.0
    spread_outcome = outcome.copy()
    rng = np.random.default_rng(seed)
    boot = np.zeros((n_boot, n_areas))
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        boot[:, members] = rng.multinomial(members.size, np.full(members.size, 1 / members.size), size=n_boot)
        if members.size >= 2:
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN periods stay NaN
                centre = np.nanmean(outcome[members], axis=0)
            spread_outcome[members] = centre + math.sqrt(members.size / (members.size - 1)) * (outcome[members] - centre)
    att, weight, cells = _did_estimates(outcome, cohort, np.ones((1, n_areas)))
    boot_att, boot_weight, _cells = _did_estimates(spread_outcome, cohort, boot)
    att, weight = np.vstack([att, boot_att]), np.vstack([weight, boot_weight])
    relative = cells[:, 1] - cells[:, 0] if len(cells) else np.zeros(0, dtype=int)

    # Few wijken: intervals use the bootstrap SE with a t quantile on (smallest group - 1) degrees of freedom
    # instead of bootstrap percentiles, which are too narrow with few clusters.
    n_treated = int(np.isfinite(cohort).sum())
    n_comparison = int((~np.isfinite(cohort)).sum()) or (int((cohort == cohort[np.isfinite(cohort)].max()).sum())
                                                        if n_treated else 0)
    dof = max(min(n_treated, n_comparison) - 1, 1)
    critical = float(special.stdtrit(dof, 0.975))  # Student t quantile (scipy's t.ppf)

    def interval(series: np.ndarray) -> tuple[float, float, float]:
        draws = series[1:][np.isfinite(series[1:])]
        if draws.size < 2 or not np.isfinite(series[0]):
            return math.nan, math.nan, math.nan
        spread = float(np.std(draws, ddof=1))
        return series[0] - critical * spread, series[0] + critical * spread, spread

    overall = _weighted_mean(att, weight, relative >= 0)
    valid = np.isfinite(overall[1:])
    estimate = float(overall[0])
    lower, upper, se = interval(overall)

    # Event study per relative period.
    rows = []
    event_boot = {}
    for e in np.unique(relative):
        select = relative == e
        series = _weighted_mean(att, weight, select)
        event_boot[e] = series
        lo, hi, spread = interval(series)
        contributing = select & np.isfinite(att[0])
        rows.append({
            "relative_period": int(e), "estimate": float(series[0]), "lower": lo, "upper": hi, "se": spread,
            "n_cohorts": int(contributing.sum()), "n_treated": int(weight[0][select].sum()), "reference": False,
        })
    if len(cells):
        rows.append({"relative_period": -1, "estimate": 0.0, "lower": 0.0, "upper": 0.0, "se": 0.0,
                     "n_cohorts": int(np.unique(cells[:, 0]).size), "n_treated": int(np.isin(cohort, cells[:, 0]).sum()),
                     "reference": True})
    event = pd.DataFrame(rows, columns=["relative_period", "estimate", "lower", "upper", "se", "n_cohorts",
                                        "n_treated", "reference"])
    event = event.sort_values("relative_period", ignore_index=True)
    for column in ("estimate", "lower", "upper", "se"):
        event[column] = _nullable(event[column].to_numpy(dtype=float))
    event["relative_period"] = event["relative_period"].astype("Int64")

    # Joint test that the nearest leads (relative periods -2 .. -1-DID_PRETREND_LEADS) are 0, with the
    # bootstrap covariance; more leads than that (or than dof) make that covariance from few wijken unstable.
    point = {e: float(series[0]) for e, series in event_boot.items()}
    leads = [e for e in sorted(point, reverse=True) if e <= -2 and np.isfinite(point[e])][:min(DID_PRETREND_LEADS, dof)]
    pre_trend_p = math.nan
    if leads:
        draws = np.column_stack([event_boot[e][1:] for e in leads])
        draws = draws[np.isfinite(draws).all(axis=1)]
        if draws.shape[0] > 10 * len(leads):
            eigenvalues, eigenvectors = np.linalg.eigh(np.atleast_2d(np.cov(draws, rowvar=False)))
            keep = eigenvalues > 1e-9 * max(eigenvalues.max(), 1e-300)
            projected = eigenvectors[:, keep].T @ np.array([point[e] for e in leads])
            wald = float(np.sum(projected**2 / eigenvalues[keep]))
            k = int(keep.sum())
            # Hotelling's T^2 to F: the covariance itself rests on few wijken (dof).
            pre_trend_p = float(special.fdtrc(k, dof - k + 1, (dof - k + 1) / (dof * k) * wald))  # F upper tail

    group_time = pd.DataFrame({
        "cohort": [periods[g] for g in cells[:, 0]] if len(cells) else [],
        "period": [periods[t] for t in cells[:, 1]] if len(cells) else [],
        "relative_period": pd.array(relative, dtype="Int64"),
        "att": _nullable(att[0]) if len(cells) else pd.array([], dtype="Float64"),
        "n_treated": pd.array(weight[0].round().astype(int) if len(cells) else [], dtype="Int64"),
    })
    treated = np.isfinite(cohort)
    result = DidResult(
        att=estimate, lower=float(lower), upper=float(upper), se=se, dof=int(dof),
        n_areas=int(n_areas), n_treated_areas=int(treated.sum()), n_never_treated_areas=int((~treated).sum()),
        n_cohorts=int(np.unique(cohort[treated]).size), n_periods=int(n_periods), n_boot=int(n_boot),
        n_boot_valid=int(valid.sum()), pre_trend_p_value=pre_trend_p,
        group_time=group_time, event_study=event, n_always_treated=int(always.sum()),
    )
    return dataclasses.replace(result, notes=did_notes(result))


def event_study(
    panel: pd.DataFrame,
    *,
    area_col: str,
    period_col: str,
    outcome_col: str,
    launch_col: str,
    n_boot: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Per period relative to launch (…, -2, -1 = reference, 0, 1, …): estimate, 95% interval, se, the
    number of cohorts and treated areas behind it. Leads (< -1) far from 0 signal different trends before
    the launch."""
    return did_staggered(panel, area_col=area_col, period_col=period_col, outcome_col=outcome_col,
                         launch_col=launch_col, n_boot=n_boot, seed=seed).event_study


# The sentences of did_conclusion and did_notes per language ({placeholders} are filled in by them).
_DID_TEXT = {
    "nl": {
        "none": "Voor {label} is geen vergelijking mogelijk: er zijn geen wijken met een pagina en tegelijk wijken "
                "zonder (of nog zonder) pagina met cijfers vóór en na de start.",
        "estimate": "Na de start van een wijkpagina veranderde {label} in wijken met een pagina gemiddeld {att} ten "
                    "opzichte van wijken die (nog) geen pagina hadden",
        "interval": " (95%-interval {lower} tot {upper}).",
        "no_interval": " (een betrouwbaarheidsinterval kon niet worden berekend).",
        "higher": "hoger", "lower": "lager",
        "significant": "Het verschil is groter dan toeval alleen goed verklaart: {label} lag na de start {direction} "
                       "dan verwacht.",
        "contains_zero": "Het interval bevat 0: de data laten geen aantoonbaar effect zien, maar een effect binnen "
                         "het interval is ook niet uitgesloten.",
        "not_random": "De wijken zijn niet geloot: waar een pagina begon, kan ook iets anders veranderd zijn, dus dit "
                      "is geen bewijs van oorzaak en gevolg.",
        "few": "Er zijn maar {treated} wijken met een pagina en {others} zonder (of later); met zo weinig wijken is "
               "ook het interval zelf onzeker.",
        "pre_trend": "Vóór de start liepen de wijken al uiteen (toets op trends vooraf: p = {p}); de vergelijking is "
                     "daardoor minder betrouwbaar.",
        "parallel": "Vóór de start liepen de wijken vergelijkbaar; dat maakt de vergelijking aannemelijker, maar "
                    "bewijst niet dat dat zonder pagina zo gebleven was.",
        "no_pre_periods": "Er zijn te weinig perioden vóór de start om te controleren of de wijken vooraf "
                          "vergelijkbaar liepen.",
        "always": "{n} wijk(en) hadden al een pagina in de eerste periode en doen niet mee.",
        "invalid_draws": "{n} van {total} bootstrap-trekkingen hadden geen vergelijking.",
    },
    "en": {
        "none": "For {label} no comparison is possible: there are no districts with a page alongside districts "
                "without (or not yet with) a page that have figures before and after the launch.",
        "estimate": "After a district page launched, {label} in districts with a page changed on average by {att} "
                    "relative to districts that did not (yet) have one",
        "interval": " (95% interval {lower} to {upper}).",
        "no_interval": " (a confidence interval could not be computed).",
        "higher": "higher", "lower": "lower",
        "significant": "The difference is larger than chance alone explains well: after the launch {label} was "
                       "{direction} than expected.",
        "contains_zero": "The interval contains 0: the data show no demonstrable effect, but an effect within the "
                         "interval is not ruled out either.",
        "not_random": "The districts were not chosen at random: where a page started, something else may have "
                      "changed too, so this is no proof of cause and effect.",
        "few": "There are only {treated} districts with a page and {others} without (or later); with so few "
               "districts the interval itself is uncertain too.",
        "pre_trend": "Before the launch the districts already diverged (pre-trend test: p = {p}); that makes the "
                     "comparison less reliable.",
        "parallel": "Before the launch the districts moved alike; that makes the comparison more plausible, but does "
                    "not prove it would have stayed that way without a page.",
        "no_pre_periods": "There are too few periods before the launch to check whether the districts moved alike "
                          "beforehand.",
        "always": "{n} district(s) already had a page in the first period and take no part.",
        "invalid_draws": "{n} of {total} bootstrap draws had no comparison.",
    },
}


def _language(lang: str | None) -> str:
    return lang if lang in _DID_TEXT else "nl"


def number_text(value: float, digits: int = 1, lang: str = "nl") -> str:
    """A number for a sentence: decimal comma in Dutch, decimal point in English; no thousands separator."""
    text = f"{value:.{digits}f}"
    return text if _language(lang) == "en" else text.replace(".", ",")


def did_conclusion(result: DidResult, indicator_label: str, lang: str = "nl") -> str:
    """Plain language (Dutch by default, 'en' for English): what the comparison shows for `indicator_label` (a
    phrase in the same language) and what it cannot show."""
    text = _DID_TEXT[_language(lang)]
    number = lambda value, digits: number_text(value, digits, lang)  # noqa: E731
    if not np.isfinite(result.att):
        return text["none"].format(label=indicator_label)
    parts = []
    interval_known = np.isfinite(result.lower) and np.isfinite(result.upper)
    signed = ("+" if result.att > 0 else "") + number(result.att, 2)  # a change: its sign always shown
    estimate = text["estimate"].format(label=indicator_label, att=signed)
    if interval_known:
        estimate += text["interval"].format(lower=number(result.lower, 2), upper=number(result.upper, 2))
    else:
        estimate += text["no_interval"]
    parts.append(estimate)
    if interval_known:
        if result.lower > 0 or result.upper < 0:
            direction = text["higher"] if result.att > 0 else text["lower"]
            parts.append(text["significant"].format(label=indicator_label, direction=direction))
        else:
            parts.append(text["contains_zero"])
    parts.append(text["not_random"])
    if result.n_treated_areas < DID_FEW_AREAS or result.n_areas - result.n_treated_areas < DID_FEW_AREAS:
        parts.append(text["few"].format(treated=result.n_treated_areas,
                                        others=result.n_areas - result.n_treated_areas))
    if np.isfinite(result.pre_trend_p_value):
        if result.pre_trend_p_value < 0.05:
            parts.append(text["pre_trend"].format(p=number(result.pre_trend_p_value, 3)))
        else:
            parts.append(text["parallel"])
    else:
        parts.append(text["no_pre_periods"])
    return " ".join(parts)


def did_notes(result: DidResult, lang: str = "nl") -> tuple[str, ...]:
    """DidResult.notes in `lang` ('nl' gives exactly result.notes)."""
    text = _DID_TEXT[_language(lang)]
    notes = []
    if result.n_always_treated:
        notes.append(text["always"].format(n=result.n_always_treated))
    if result.n_boot and result.n_boot_valid < result.n_boot:
        notes.append(text["invalid_draws"].format(n=result.n_boot - result.n_boot_valid, total=result.n_boot))
    return tuple(notes)


# --------------------------------------------------------------------------------------------------------
# 6. Beleving versus registratie
# --------------------------------------------------------------------------------------------------------

def perception_vs_registration(
    frame: pd.DataFrame,
    *,
    area_col: str = "area_code",
    unsafe_col: str = "unsafe_pct",
    unsafe_lower_col: str = "unsafe_lower",
    unsafe_upper_col: str = "unsafe_upper",
    incidents_col: str = "incidents",
    population_col: str = "population",
    per: float = 1000,
    n_sim: int = 4000,
    seed: int = 0,
) -> pd.DataFrame:
    """Does an area feel less or more safe than its registered crime suggests?

    Per area: % feeling unsafe (with its published or Wilson bounds) and incidents per `per` inhabitants
    (exact Poisson bounds). Both are turned into z-scores across the areas with both known; gap =
    perception z - registration z. The gap interval comes from simulation: the percentage from a normal
    distribution with the SE implied by its bounds, the incident count from its Jeffreys gamma posterior,
    with the z-scores recomputed in every draw. The label is 'voelt onveiliger dan de cijfers' /
    'voelt veiliger dan de cijfers' only when that interval excludes 0, else 'in lijn'; NA when unknown.
    """
    unsafe = _as_float(frame[unsafe_col])
    unsafe_lo = _as_float(frame[unsafe_lower_col])
    unsafe_hi = _as_float(frame[unsafe_upper_col])
    incidents = _as_float(frame[incidents_col])
    population = _as_float(frame[population_col])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(population > 0, incidents / population * per, np.nan)
        low, high = _garwood(incidents)
        rate_lo = np.where(population > 0, low / population * per, np.nan)
        rate_hi = np.where(population > 0, high / population * per, np.nan)
    unsafe_se = (unsafe_hi - unsafe_lo) / (2 * Z95)
    usable = np.isfinite(unsafe) & np.isfinite(unsafe_se) & np.isfinite(rate)
    n = int(usable.sum())

    z_perception = np.full(len(frame), np.nan)
    z_registration = np.full(len(frame), np.nan)
    gap = np.full(len(frame), np.nan)
    gap_lo = np.full(len(frame), np.nan)
    gap_hi = np.full(len(frame), np.nan)
    if n >= 3:
        def standardise(x: np.ndarray) -> np.ndarray:
            return (x - x.mean(axis=-1, keepdims=True)) / x.std(axis=-1, ddof=1, keepdims=True)

        z_perception[usable] = standardise(unsafe[usable])
        z_registration[usable] = standardise(rate[usable])
        gap[usable] = z_perception[usable] - z_registration[usable]
        rng = np.random.default_rng(seed)
        sim_unsafe = unsafe[usable] + unsafe_se[usable] * rng.standard_normal((n_sim, n))
        sim_rate = rng.gamma(incidents[usable] + 0.5, 1.0, size=(n_sim, n)) / population[usable] * per
        sim_gap = standardise(sim_unsafe) - standardise(sim_rate)
        gap_lo[usable], gap_hi[usable] = np.percentile(sim_gap, [2.5, 97.5], axis=0)

    label = np.where(gap_lo > 0, LABEL_FEELS_LESS_SAFE, np.where(gap_hi < 0, LABEL_FEELS_SAFER, LABEL_IN_LINE))
    label = np.where(np.isfinite(gap_lo) & np.isfinite(gap_hi), label, None)
    reason = np.where(usable, None, "beleving of registratie onbekend")
    if 0 < n < 3:
        reason = np.where(usable, "te weinig gebieden om te vergelijken", reason)
    return pd.DataFrame({
        area_col: frame[area_col].to_numpy(),
        "unsafe_pct": _nullable(unsafe),
        "unsafe_lower": _nullable(unsafe_lo),
        "unsafe_upper": _nullable(unsafe_hi),
        "incident_rate": _nullable(rate),
        "incident_rate_lower": _nullable(rate_lo),
        "incident_rate_upper": _nullable(rate_hi),
        "z_perception": _nullable(z_perception),
        "z_registration": _nullable(z_registration),
        "gap": _nullable(gap),
        "gap_lower": _nullable(gap_lo),
        "gap_upper": _nullable(gap_hi),
        "label": pd.array(label, dtype="string"),
        "reason": pd.array(reason, dtype="string"),
    }, index=frame.index)


# --------------------------------------------------------------------------------------------------------
# 7. Method explanations for the 'Data en kwaliteit' page
# --------------------------------------------------------------------------------------------------------

METHOD_EXPLANATIONS: dict[str, str] = {
    "rates": (
        "Aantallen delen we door het aantal inwoners van hetzelfde jaar en tonen we per 1.000 inwoners; is er "
        "voor een jaar nog geen inwonertal, dan gebruiken we het laatst bekende en zeggen we dat erbij. "
        "Gebieden met minder dan 200 inwoners krijgen geen plaats in een ranglijst, omdat een paar incidenten "
        "daar het cijfer al sterk verschuift. Ontbrekende of afgeschermde aantallen blijven leeg en tellen nooit als nul."
    ),
    "smoothing": (
        "Bij kleine gebieden schommelen cijfers sterk door toeval. Het gladgestreken cijfer trekt elk "
        "gebiedscijfer naar het gemeentelijk gemiddelde, sterker naarmate het gebied kleiner is (empirisch "
        "Bayes, Marshall 1991). Zo zie je welke verschillen groot genoeg zijn om niet alleen toeval te zijn."
    ),
    "hotspots": (
        "Per gebied en soort incident vergelijken we de laatste drie maanden met wat de eigen geschiedenis van "
        "minstens 24 maanden voorspelt, rekening houdend met seizoenen en het huidige niveau. Een stijging wordt "
        "alleen gemarkeerd als die na correctie voor het aantal tegelijk getoetste gebieden (Benjamini-Hochberg, "
        "q = 0,10) nog opvalt; gebieden met te weinig geschiedenis worden niet getoetst en dat staat erbij."
    ),
    "survey_intervals": (
        "Enquêtecijfers zijn schattingen op basis van een steekproef; de marge geeft aan waar het echte "
        "percentage met 95% zekerheid ligt. Voor eigen enquêtes berekenen we de marge met de Wilson-methode, "
        "rekening houdend met weging; cijfers van de Veiligheidsmonitor tonen we met hun gepubliceerde marges. "
        "Bij minder dan 30 respondenten tonen we geen cijfer."
    ),
    "difference": (
        "Een verschil tussen twee gebieden of jaren noemen we alleen significant als het 95%-interval van dat "
        "verschil nul niet bevat. Dat interval leiden we af uit de marges van beide cijfers, dus overlappende "
        "marges betekenen niet automatisch dat er geen verschil is."
    ),
    "did": (
        "Om het effect van een wijkpagina te schatten vergelijken we de verandering in wijken met een pagina, "
        "van vóór tot na de start, met dezelfde verandering in wijken die (nog) geen pagina hadden "
        "(verschil-in-verschillen, met aparte vergelijkingen per startmoment). De marge komt uit het herhaald "
        "opnieuw trekken van hele wijken. Omdat wijken niet geloot zijn, is dit een aanwijzing en geen bewijs."
    ),
    "beleving_vs_registratie": (
        "We zetten per gebied het percentage mensen dat zich wel eens onveilig voelt naast het aantal "
        "geregistreerde incidenten per 1.000 inwoners, beide uitgedrukt als afstand tot het gemiddelde van de "
        "gebieden. Alleen als het verschil tussen die twee groter is dan de onzekerheid van beide cijfers "
        "samen, noemen we een gebied 'voelt onveiliger' of 'voelt veiliger' dan de cijfers; anders 'in lijn'."
    ),
}


METHOD_EXPLANATIONS_EN: dict[str, str] = {
    "rates": (
        "We divide counts by the number of inhabitants of the same year and show them per 1,000 inhabitants; when "
        "a year has no population figure yet, we use the latest known one and say so. Areas with fewer than 200 "
        "inhabitants get no place in a ranking, because a few incidents already shift the figure strongly there. "
        "Missing or withheld counts stay empty and never count as zero."
    ),
    "smoothing": (
        "In small areas figures swing strongly by chance. The smoothed figure pulls each area's figure towards the "
        "municipal average, more strongly the smaller the area (empirical Bayes, Marshall 1991). That shows which "
        "differences are large enough not to be chance alone."
    ),
    "hotspots": (
        "Per area and kind of incident we compare the last three months with what the area's own history of at "
        "least 24 months predicts, taking seasons and the current level into account. A rise is flagged only when "
        "it still stands out after correcting for the number of areas tested at the same time "
        "(Benjamini-Hochberg, q = 0.10); areas with too little history are not tested, and the page says so."
    ),
    "survey_intervals": (
        "Survey figures are estimates from a sample; the margin shows where the true percentage lies with 95% "
        "certainty. For own surveys we compute the margin with the Wilson method, taking weighting into account; "
        "Safety Monitor figures are shown with their published margins. With fewer than 30 respondents we show no "
        "figure."
    ),
    "difference": (
        "We call a difference between two areas or years significant only when the 95% interval of that difference "
        "does not contain zero. That interval is derived from the margins of both figures, so overlapping margins "
        "do not automatically mean there is no difference."
    ),
    "did": (
        "To estimate the effect of a district page we compare the change in districts with a page, from before to "
        "after the launch, with the same change in districts that did not (yet) have a page "
        "(difference-in-differences, with separate comparisons per launch moment). The margin comes from "
        "repeatedly resampling whole districts. Because districts were not chosen at random, this is an indication, "
        "not proof."
    ),
    "beleving_vs_registratie": (
        "Per area we set the percentage of people who sometimes feel unsafe beside the number of registered "
        "incidents per 1,000 inhabitants, both expressed as the distance to the average of the areas. Only when "
        "the difference between the two is larger than the uncertainty of both figures together do we say an area "
        "'feels less safe' or 'feels safer' than the figures; otherwise 'in line'."
    ),
}

# Labels and reasons this module writes into its frames, in English (the frames keep the Dutch text).
TEXT_EN: dict[str, str] = {
    LABEL_FEELS_LESS_SAFE: "feels less safe than the figures",
    LABEL_FEELS_SAFER: "feels safer than the figures",
    LABEL_IN_LINE: "in line",
    REASON_TOO_FEW_RESPONDENTS: "too few respondents",
    "beleving of registratie onbekend": "perception or registration unknown",
    "te weinig gebieden om te vergelijken": "too few areas to compare",
    "interval omsluit de waarde niet": "interval does not enclose the value",
}


def method_explanation(key: str, lang: str = "nl") -> str:
    """METHOD_EXPLANATIONS[key] in Dutch (default) or English ('en')."""
    return METHOD_EXPLANATIONS_EN[key] if lang == "en" and key in METHOD_EXPLANATIONS_EN else METHOD_EXPLANATIONS[key]


def text_in(text: str, lang: str = "nl") -> str:
    """A label or reason of this module (LABEL_*, REASON_*, ...) in `lang`; other text comes back unchanged."""
    if lang == "en" and isinstance(text, str):
        return TEXT_EN.get(text, text)
    return text


def _register_translations() -> None:
    """Pages translate with wijkbeeld.i18n (keys: the Dutch text): make this module's texts known there too."""
    from wijkbeeld import i18n

    english = {**TEXT_EN, **{METHOD_EXPLANATIONS[k]: v for k, v in METHOD_EXPLANATIONS_EN.items()}}
    i18n.register({k: v for k, v in english.items() if k not in i18n.EN})  # a page's own wording wins


_register_translations()


# --------------------------------------------------------------------------------------------------------
# Calibration of the hotspot test (used by the tests and by `python -m wijkbeeld.stats`)
# --------------------------------------------------------------------------------------------------------

def simulate_monthly(
    rng: np.random.Generator,
    *,
    n_areas: int,
    n_months: int,
    level: np.ndarray | float | None = None,
    overdispersed_share: float = 0.5,
    nb_shape: float = 8.0,
    surge: dict[int, float] | None = None,
    surge_months: int = 3,
    end: str = "2024-12-01",
) -> pd.DataFrame:
    """A long monthly frame of stable seasonal series (no real change) for calibration.

    Levels are log-uniform between 2 and 40 incidents a month unless given; seasonal amplitude up to 30%
    with a random peak month; a share of areas gets gamma-distributed month effects (negative binomial,
    shape `nb_shape`). `surge` maps area number -> multiplier applied to the last `surge_months` months.
    """
    levels = np.exp(rng.uniform(np.log(2), np.log(40), n_areas)) if level is None else np.broadcast_to(
        np.asarray(level, dtype=float), (n_areas,))
    month_index = np.arange(n_months)
    amplitude = rng.uniform(0, 0.3, n_areas)
    peak = rng.uniform(0, 12, n_areas)
    mean = levels[:, None] * np.exp(amplitude[:, None] * np.cos(2 * np.pi * (month_index[None, :] - peak[:, None]) / 12))
    overdispersed = rng.random(n_areas) < overdispersed_share
    noise = np.where(overdispersed[:, None], rng.gamma(nb_shape, 1 / nb_shape, mean.shape), 1.0)
    mean = mean * noise
    if surge:
        for area, factor in surge.items():
            mean[area, -surge_months:] *= factor
    counts = rng.poisson(mean)
    months = pd.date_range(end=pd.Timestamp(end), periods=n_months, freq="MS")
    return pd.DataFrame({
        "area_code": pd.array(np.repeat([f"WK{a:04d}" for a in range(n_areas)], n_months), dtype="string"),
        "group": pd.array(np.where(np.repeat(overdispersed, n_months), "overdispersed", "poisson"), dtype="string"),
        "month": np.tile(months, n_areas),
        "count": pd.array(counts.ravel(), dtype="Int64"),
    })


@dataclass(frozen=True)
class HotspotCalibration:
    runs: int
    areas_per_run: int
    mean_share_flagged: float      # average over runs of (flagged / tested), no real change anywhere
    max_share_flagged: float
    runs_with_any_flag: float      # share of runs with at least one (false) flag
    null_p_below_05: float         # share of all null p-values below 0.05 (about 0.05 when p is calibrated)
    null_p_below_01: float
    negbin_share: float            # share of series tested with the negative binomial
    surge_runs: int
    surge_areas_per_run: int
    surge_found: float             # share of surge runs in which the surge area was flagged


def hotspot_calibration(
    *, runs: int = 50, n_areas: int = 40, n_months: int = 51, surge_runs: int | None = None,
    surge_n_areas: int | None = None, surge_level: float = 20.0, surge_factor: float = 1.5,
    q: float = 0.10, seed: int = 0,
) -> HotspotCalibration:
    """The hotspot test on simulated municipalities.

    `runs` municipalities of `n_areas` stable series (no real change; half over-dispersed) measure false
    flags. `surge_runs` municipalities of `surge_n_areas` areas (defaults: the same) measure power: area 0
    is a plain Poisson series of `surge_level` a month that rises by `surge_factor` in the last 3 months,
    the others stay stable. Each series has `n_months` months including the 3 recent ones.
    """
    rng = np.random.default_rng(seed)
    surge_runs = runs if surge_runs is None else surge_runs
    surge_n_areas = n_areas if surge_n_areas is None else surge_n_areas
    shares, any_flag, null_p, negbin, found = [], [], [], [], []
    for _ in range(runs):
        result = hotspots(simulate_monthly(rng, n_areas=n_areas, n_months=n_months), q=q)
        tested = result["p_value"].notna().to_numpy(dtype=bool)
        flagged = result["flagged"].fillna(False).to_numpy(dtype=bool)
        shares.append(flagged.sum() / max(int(tested.sum()), 1))
        any_flag.append(flagged.any())
        null_p.append(result["p_value"].to_numpy(dtype=float, na_value=np.nan)[tested])
        negbin.append((result["method"] == "negbin").fillna(False).to_numpy(dtype=bool)[tested])
    for _ in range(surge_runs):
        frame = simulate_monthly(rng, n_areas=surge_n_areas, n_months=n_months)
        surge_counts = rng.poisson(surge_level, n_months)
        surge_counts[-3:] = rng.poisson(surge_level * surge_factor, 3)
        area0 = (frame["area_code"] == "WK0000").to_numpy(dtype=bool)
        frame.loc[area0, "count"] = pd.array(surge_counts, dtype="Int64")
        frame.loc[area0, "group"] = "poisson"
        result = hotspots(frame, q=q)
        found.append(bool(result.loc[result["area_code"] == "WK0000", "flagged"].fillna(False).iloc[0]))
    pooled = np.concatenate(null_p) if null_p else np.array([np.nan])
    below = (lambda cut: float(np.mean(pooled < cut)) if null_p else math.nan)
    return HotspotCalibration(
        runs=runs, areas_per_run=n_areas,
        mean_share_flagged=float(np.mean(shares)) if shares else math.nan,
        max_share_flagged=float(np.max(shares)) if shares else math.nan,
        runs_with_any_flag=float(np.mean(any_flag)) if any_flag else math.nan,
        null_p_below_05=below(0.05), null_p_below_01=below(0.01),
        negbin_share=float(np.mean(np.concatenate(negbin))) if negbin else math.nan,
        surge_runs=surge_runs, surge_areas_per_run=surge_n_areas,
        surge_found=float(np.mean(found)) if found else math.nan,
    )


def _benchmark() -> None:  # pragma: no cover - manual tool
    import time

    for settings in (dict(), dict(runs=0, surge_runs=100, surge_n_areas=10, n_months=63),
                     dict(runs=100, n_areas=40, n_months=27, surge_runs=0)):
        start = time.perf_counter()
        calibration = hotspot_calibration(**settings)
        print(f"{settings}: {time.perf_counter() - start:.1f} s")
        print(" ", calibration)
    rng = np.random.default_rng(1)
    big = pd.concat([simulate_monthly(rng, n_areas=500, n_months=63).assign(group=g) for g in ("a", "b", "c", "d")])
    start = time.perf_counter()
    hotspots(big)
    print(f"hotspots on {big.groupby(['area_code', 'group']).ngroups} series x 63 months: "
          f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":  # pragma: no cover
    _benchmark()
