"""A gemeente's own respondent-level wijk survey goes through the build into weighted estimates with intervals;
a wijk below the minimum number of respondents gets no number, only the count that says why."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from etl.build import build


def _write_survey(path, rng):
    rows = []
    for wijk, n in (("WK999900", 60), ("WK999901", 12)):
        for i in range(n):
            rows.append({"respondent": f"{wijk}-{i}", "wijk": wijk, "jaar": 2024, "weegfactor": "1,0",
                         "Voelt zich weleens onveilig in de eigen buurt": "ja" if rng.random() < 0.3 else "nee",
                         "Rapportcijfer veiligheid in de buurt": int(rng.integers(5, 10))})
    pd.DataFrame(rows).to_csv(path, sep=";", index=False)
    return pd.DataFrame(rows)


def test_own_wijk_survey_is_aggregated_with_intervals_and_suppression(demo_copy, tmp_path):
    rng = np.random.default_rng(7)
    survey = _write_survey(demo_copy.parent / "wijkenquete.csv", rng)
    demo_copy.write_text(demo_copy.read_text() + '\n[[survey_respondents]]\npath = "wijkenquete.csv"\n')
    out = tmp_path / "w.duckdb"
    build(demo_copy, out)
    with duckdb.connect(str(out), read_only=True) as con:
        got = con.execute("""SELECT area_code, indicator, value, lower, upper, respondents FROM fct_survey
                             WHERE year(period_start) = 2024 ORDER BY ALL""").df()
    unsafe = got[got["indicator"] == "onveilig_buurt"].set_index("area_code")
    centrum = survey[survey["wijk"] == "WK999900"]
    yes = int((centrum["Voelt zich weleens onveilig in de eigen buurt"] == "ja").sum())
    lo, hi = proportion_confint(yes, len(centrum), method="wilson")
    assert unsafe.loc["WK999900", "value"] == pytest_approx(100 * yes / len(centrum))
    assert unsafe.loc["WK999900", "lower"] == pytest_approx(100 * lo) and unsafe.loc["WK999900", "upper"] == pytest_approx(100 * hi)
    assert pd.isna(unsafe.loc["WK999901", "value"]) and unsafe.loc["WK999901", "respondents"] == 12
    assert unsafe.loc["GM9999", "respondents"] == 72
    mark = got[(got["indicator"] == "rapportcijfer_veiligheid") & (got["area_code"] == "WK999900")].iloc[0]
    expected = centrum["Rapportcijfer veiligheid in de buurt"].mean()
    assert abs(mark["value"] - expected) < 0.01 and mark["lower"] < expected < mark["upper"]


def pytest_approx(value):
    import pytest

    return pytest.approx(value, abs=0.01)
