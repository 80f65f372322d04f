"""A gemeente's own respondent-level wijk survey -> survey indicators per area and wave, with 95% intervals.

Yes/no questions ('%' indicators) use wijkbeeld.stats.survey_estimates (weighted Wilson interval on the Kish
effective sample size). Report marks and scale scores use a weighted mean with a normal interval on the same
effective sample size. Below the minimum number of respondents a figure is not publishable: value and bounds
stay NULL, the respondent count is kept so the dashboard can say why. Each gemeente gets a row of its own from
all its respondents.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.readers.veiligheidsmonitor import VM_INDICATORS
from wijkbeeld.stats import survey_estimates

Z95 = 1.959963984540054
OUTPUT_COLUMNS = ["area_code", "period_start", "indicator", "value", "lower", "upper", "respondents", "source_table"]


def _weighted_means(frame: pd.DataFrame, column: str, min_respondents: int) -> pd.DataFrame:
    rows = []
    for area, part in frame.groupby("area_code", sort=True):
        values = pd.to_numeric(part[column], errors="coerce").astype("float64")
        weights = pd.to_numeric(part["weight"], errors="coerce").astype("float64").fillna(1.0)
        ok = values.notna() & weights.gt(0)
        n = int(ok.sum())
        if n < min_respondents or n < 2:
            rows.append((area, column, None, None, None, n))
            continue
        v, w = values[ok].to_numpy(), weights[ok].to_numpy()
        mean = float(np.average(v, weights=w))
        n_eff = w.sum() ** 2 / (w ** 2).sum()
        sd = float(np.sqrt(np.average((v - mean) ** 2, weights=w) * n / (n - 1)))
        half = Z95 * sd / np.sqrt(n_eff)
        rows.append((area, column, round(mean, 2), round(mean - half, 2), round(mean + half, 2), n))
    return pd.DataFrame(rows, columns=["area_code", "indicator", "value", "lower", "upper", "respondents"])


def aggregate_respondents(respondents: pd.DataFrame, *, min_respondents: int, source: str) -> pd.DataFrame:
    """Respondent rows (area_code, weight, period_start, <indicator keys>) -> OUTPUT_COLUMNS."""
    indicators = [c for c in respondents.columns if c in VM_INDICATORS]
    if respondents.empty or not indicators:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    gemeente_rows = respondents.assign(area_code="GM" + respondents["area_code"].astype(str).str[2:6])
    frame = pd.concat([respondents, gemeente_rows], ignore_index=True)
    out = []
    for period, wave in frame.groupby("period_start", sort=True):
        percent = [c for c in indicators if VM_INDICATORS[c]["unit"] == "%"]
        if percent:
            est = survey_estimates(wave, percent, "area_code", weight_col="weight", min_respondents=min_respondents)
            out.append(est[["area_code", "indicator", "value", "lower", "upper", "respondents"]].assign(period_start=period))
        for column in indicators:
            if VM_INDICATORS[column]["unit"] != "%":
                out.append(_weighted_means(wave, column, min_respondents).assign(period_start=period))
    result = pd.concat(out, ignore_index=True).assign(source_table=source)
    return result[OUTPUT_COLUMNS]
