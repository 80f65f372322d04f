"""Vergelijken (evaluator): two to four wijken side by side on every indicator, with the gemeente beside them;
differences between wijken and between survey waves called significant only when their 95% interval excludes 0
(stats.difference); and 'beleving versus registratie' (stats.perception_vs_registration) over all wijken."""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wijkbeeld import i18n, stats
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse
from wijkbeeld.safe import quote_input
from wijkbeeld.q_hotspots import GROUP_TOTAL, group_label, nl_number

MIN_WIJKEN, MAX_WIJKEN = 2, 4
UNSAFE_INDICATOR = "onveilig_buurt"
CATEGORY_ORDER = ["Bevolking", "Incidenten", "Berichten", "Enquête"]
REASON_NO_SURVEY = "geen enquête in deze wijk"
REASON_TOO_FEW = stats.REASON_TOO_FEW_RESPONDENTS
POSTS_AVERAGE_NOTE = "gemiddelde van de wijken met een wijkpagina"

i18n.register({
    "Deze gemeente heeft minder dan twee wijken: er valt niets te vergelijken.":
        "This municipality has fewer than two districts: there is nothing to compare.",
    "Kies ten minste": "Choose at least",
    "wijken om te vergelijken.": "districts to compare.",
    "Er is geen enquête voor deze wijken.": "There is no survey for these districts.",
    "Onderdeel": "Component",
    "Gemeten": "Measured",
    "Vergelijking": "Comparison",
    "Eerste": "First",
    "Tweede": "Second",
    "Verschil": "Difference",
    "Significant": "Significant",
    "Incidenten per 1.000 per jaar": "Incidents per 1,000 per year",
    "Ondergrens 95% (incidenten)": "Lower bound 95% (incidents)",
    "Bovengrens 95% (incidenten)": "Upper bound 95% (incidents)",
    "Meting": "Survey wave",
    "Verschil beleving − registratie (z)": "Difference perception − registration (z)",
    "Ondergrens 95% (z)": "Lower bound 95% (z)",
    "Bovengrens 95% (z)": "Upper bound 95% (z)",
    "Oordeel": "Verdict",
    "Vergelijken": "Compare",
    "Kies twee tot vier wijken": "Choose two to four districts",
    "Alle indicatoren": "All indicators",
    "Verschillen tussen wijken": "Differences between districts",
    "Verschil tussen metingen": "Difference between survey waves",
    "Beleving versus registratie": "Perception versus registration",
    "Gemeente": "Municipality",
    "Bevolking": "Population",
    "Incidenten": "Incidents",
    "Berichten": "Posts",
    "Enquête": "Survey",
})

Q_INCIDENTS = """
WITH months AS (
    SELECT CAST(range AS DATE) AS month
    FROM range(CAST($start AS DATE), CAST($end AS DATE) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
), areas AS (
    SELECT area_code, level, area_name FROM dim_area WHERE (gemeente_code = $gm OR $gm = 'NL00') AND level IN ('wijk', 'gemeente')
), series AS (
    SELECT area_code, crime_group, month, incident_count FROM mart_incident_group_month
    WHERE month BETWEEN $start AND $end
    UNION ALL
    SELECT area_code, 'totaal', month, incident_count FROM mart_incident_total_month
    WHERE month BETWEEN $start AND $end
), groups AS (
    SELECT DISTINCT crime_group FROM dim_crime_type UNION SELECT 'totaal'
), pop AS (  -- person-years: each month weighs its own year's population
    SELECT a.area_code, sum(p.population) / 12.0 AS person_years, count(p.population) AS months_with_population
    FROM areas a CROSS JOIN months m
    LEFT JOIN fct_population p ON p.area_code = a.area_code AND p.year = year(m.month)
    GROUP BY a.area_code
)
SELECT a.area_code, a.level, a.area_name, g.crime_group,
       count(s.month) AS months_with_data,
       count(*) FILTER (WHERE s.month IS NOT NULL AND s.incident_count IS NULL) AS withheld_months,
       sum(s.incident_count) AS incidents_known,
       any_value(pop.person_years) AS person_years,
       any_value(pop.months_with_population) AS months_with_population
FROM areas a CROSS JOIN groups g
LEFT JOIN series s ON s.area_code = a.area_code AND s.crime_group = g.crime_group
LEFT JOIN pop ON pop.area_code = a.area_code
GROUP BY a.area_code, a.level, a.area_name, g.crime_group
ORDER BY a.area_code, g.crime_group
"""

Q_GEMEENTE_POPULATION = """
SELECT g.gemeente_code AS area_code, g.gemeente_name AS area_name, p.population, p.population_year, p.imputed
FROM dim_gemeente g LEFT JOIN fct_population p ON p.area_code = g.gemeente_code AND p.year = year(CAST($end AS DATE))
WHERE (g.gemeente_code = $gm OR $gm = 'NL00')
"""

Q_SURVEY = """
SELECT s.area_code, a.level, s.period_start, s.indicator, s.value, s.lower, s.upper, s.respondents, s.source_table
FROM fct_survey s JOIN dim_area a USING (area_code)
WHERE (a.gemeente_code = $gm OR $gm = 'NL00') AND a.level IN ('wijk', 'gemeente') AND s.period_start <= $end
ORDER BY s.area_code, s.indicator, s.period_start
"""

Q_INDICATORS = "SELECT indicator, label, unit, higher_is_worse FROM dim_indicator"

LONG_COLUMNS = ["area_code", "area_name", "level", "indicator", "indicator_label", "category", "unit", "value",
                "lower", "upper", "reason", "numerator", "denominator", "measured", "source", "higher_is_worse",
                "previous_value", "previous_lower", "previous_upper", "previous_measured"]


def validate_selection(wanted: str | None, codes: list[str]) -> tuple[list[str], list[str]]:
    """The wijken asked for in the URL ('WK1,WK2'), checked against the gemeente's wijken: unknown codes are
    dropped, duplicates removed, at most MAX_WIJKEN kept, and fewer than MIN_WIJKEN replaced by the first wijken.
    Returns (selection, warnings)."""
    warnings: list[str] = []
    asked = [c.strip() for c in (wanted or "").split(",") if c.strip()]
    unknown = [c for c in asked if c not in codes]
    if unknown:
        warnings.append(f"Onbekende wijk(en) genegeerd: {', '.join(quote_input(u) for u in unknown[:5])}.")
    selection = list(dict.fromkeys(c for c in asked if c in codes))
    if len(selection) > MAX_WIJKEN:
        warnings.append(f"Hoogstens {MAX_WIJKEN} wijken tegelijk; de eerste {MAX_WIJKEN} zijn gekozen.")
        selection = selection[:MAX_WIJKEN]
    if len(selection) < MIN_WIJKEN:
        if asked:
            warnings.append(f"Kies ten minste {MIN_WIJKEN} wijken; de eerste wijken zijn aangevuld.")
        selection = list(dict.fromkeys(selection + codes))[:MIN_WIJKEN]
    return selection, warnings


def _incidents(wh: Warehouse, gemeente: str, period: q.Period) -> pd.DataFrame:
    raw = wh.query(Q_INCIDENTS, {"gm": gemeente, "start": period.start, "end": period.end})
    complete = (raw["withheld_months"] == 0) & (raw["months_with_data"] == period.n_months)
    raw["incidents"] = raw["incidents_known"].astype("Float64").where(complete)
    full_population = raw["months_with_population"].astype("Float64") == period.n_months
    raw["person_years"] = raw["person_years"].astype("Float64").where(full_population)
    rated = stats.rates(raw, "incidents", "person_years", per=1000, min_population=0)
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    reason = reason.mask(raw["person_years"].isna(), "geen bevolkingscijfer")
    reason = reason.mask(raw["months_with_data"] < period.n_months, "niet alle maanden gepubliceerd")
    reason = reason.mask(raw["withheld_months"] > 0, "deels afgeschermd door de bron")
    reason = reason.mask(raw["months_with_data"] == 0, "geen politiecijfers voor deze periode")
    is_total = raw["crime_group"] == GROUP_TOTAL
    return pd.DataFrame({
        "area_code": raw["area_code"], "area_name": raw["area_name"], "level": raw["level"],
        "indicator": "incidenten:" + raw["crime_group"],
        "indicator_label": raw["crime_group"].map(group_label) + " per 1.000 inwoners per jaar",
        "category": "Incidenten", "unit": "per 1.000 per jaar",
        "value": rated["rate"], "lower": rated["rate_lower"], "upper": rated["rate_upper"], "reason": reason,
        "numerator": raw["incidents"], "denominator": raw["person_years"], "measured": period.label,
        "source": q.SOURCE_POLICE + "; " + q.SOURCE_CBS_POP, "higher_is_worse": True,
        "_order": np.where(is_total, 0, 1),
    })


def _population_and_posts(wh: Warehouse, gemeente: str, period: q.Period, min_population: int) -> pd.DataFrame:
    wijken = q.q_wijk_indicators(wh, gemeente=gemeente, period=period, min_population=min_population)
    gm = wh.query(Q_GEMEENTE_POPULATION, {"gm": gemeente, "end": period.end})
    population = pd.DataFrame({
        "area_code": pd.concat([wijken["wijk_code"], gm["area_code"]], ignore_index=True),
        "area_name": pd.concat([wijken["wijk_name"], gm["area_name"]], ignore_index=True),
        "level": ["wijk"] * len(wijken) + ["gemeente"] * len(gm),
        "value": pd.concat([wijken["population"], gm["population"]], ignore_index=True).astype("Float64"),
        "measured": pd.concat([wijken["population_year"], gm["population_year"]], ignore_index=True),
        "imputed": pd.concat([wijken["population_imputed"], gm["imputed"]], ignore_index=True),
    })
    population["reason"] = pd.Series(np.where(population["value"].isna(), "geen bevolkingscijfer", None),
                                     dtype="string")
    year = population["measured"].astype("Float64").round().astype("Int64").astype("string")
    population["measured"] = year.where(~population["imputed"].fillna(False).astype(bool),
                                        year + " (laatst gepubliceerd)")
    population = population.drop(columns="imputed").assign(
        indicator="inwoners", indicator_label="Inwoners", category="Bevolking", unit="inwoners",
        lower=pd.NA, upper=pd.NA, numerator=pd.NA, denominator=pd.NA, source=q.SOURCE_CBS_POP,
        higher_is_worse=pd.NA, _order=0)

    live = wijken[wijken["posts_per_1000"].notna()]
    person_years = live["person_years_live"].astype("Float64").sum()
    average = float(live["messages"].astype("Float64").sum() / person_years * 1000) if len(live) and person_years else np.nan
    posts = pd.DataFrame({
        "area_code": pd.concat([wijken["wijk_code"], gm["area_code"]], ignore_index=True),
        "area_name": pd.concat([wijken["wijk_name"], gm["area_name"]], ignore_index=True),
        "level": ["wijk"] * len(wijken) + ["gemeente"] * len(gm),
        "value": pd.concat([wijken["posts_per_1000"].astype("Float64"),
                            pd.Series([average] * len(gm), dtype="Float64")], ignore_index=True),
        "reason": pd.concat([wijken["posts_reason"].astype("string"),
                             pd.Series([POSTS_AVERAGE_NOTE if np.isfinite(average) else "geen wijkpagina's"] * len(gm),
                                       dtype="string")], ignore_index=True),
        "numerator": pd.concat([wijken["messages"].astype("Float64"),
                                pd.Series([live["messages"].astype("Float64").sum()] * len(gm), dtype="Float64")],
                               ignore_index=True),
        "denominator": pd.concat([wijken["person_years_live"].astype("Float64"),
                                  pd.Series([person_years] * len(gm), dtype="Float64")], ignore_index=True),
    }).assign(indicator="berichten", indicator_label="Berichten per 1.000 inwoners per jaar", category="Berichten",
              unit="per 1.000 per jaar", lower=pd.NA, upper=pd.NA, measured=period.label,
              source=q.SOURCE_POSTS, higher_is_worse=pd.NA, _order=0)
    return pd.concat([population, posts], ignore_index=True)


def _survey(wh: Warehouse, gemeente: str, period: q.Period, areas: pd.DataFrame,
            min_respondents: int) -> pd.DataFrame:
    """Latest wave up to the end of the period and the wave before it, per area and indicator. An area the
    survey did not cover says so; a published row without a value (or with fewer respondents than the minimum)
    is 'te weinig respondenten'."""
    raw = wh.query(Q_SURVEY, {"gm": gemeente, "end": period.end})
    indicators = wh.query(Q_INDICATORS).set_index("indicator")
    measured = [i for i in indicators.index if i in set(raw["indicator"])]
    if not measured:
        return pd.DataFrame(columns=LONG_COLUMNS + ["_order"])
    checked = stats.published_interval(raw["value"], raw["lower"], raw["upper"])
    too_few = raw["respondents"].astype("Float64") < min_respondents
    raw["value"] = checked["value"].mask(too_few.fillna(False))
    raw["lower"] = checked["lower"].mask(too_few.fillna(False))
    raw["upper"] = checked["upper"].mask(too_few.fillna(False))
    raw["wave"] = pd.to_datetime(raw["period_start"]).dt.year.astype("string")
    raw = raw.sort_values(["area_code", "indicator", "period_start"])
    latest = raw.groupby(["area_code", "indicator"]).tail(1).set_index(["area_code", "indicator"])
    previous = raw.groupby(["area_code", "indicator"]).nth(-2).set_index(["area_code", "indicator"])

    areas = areas.set_index("area_code")
    grid = pd.MultiIndex.from_product([areas.index, measured], names=["area_code", "indicator"])
    row = latest.reindex(grid)
    before = previous.reindex(grid)
    has_row = row["wave"].notna().to_numpy()
    reason = np.where(~has_row, REASON_NO_SURVEY, np.where(row["value"].isna(), REASON_TOO_FEW, None))
    codes = grid.get_level_values("area_code")
    keys = grid.get_level_values("indicator")
    order = np.where(keys == UNSAFE_INDICATOR, 0, 1 + pd.Index(measured).get_indexer(keys))
    return pd.DataFrame({
        "area_code": codes, "area_name": areas["area_name"].reindex(codes).to_numpy(),
        "level": areas["level"].reindex(codes).to_numpy(),
        "indicator": "enquete:" + pd.Index(keys),
        "indicator_label": indicators["label"].reindex(keys).to_numpy(),
        "category": "Enquête", "unit": indicators["unit"].reindex(keys).to_numpy(),
        "value": row["value"].astype("Float64").to_numpy(), "lower": row["lower"].astype("Float64").to_numpy(),
        "upper": row["upper"].astype("Float64").to_numpy(), "reason": pd.array(reason, dtype="string"),
        "numerator": row["respondents"].astype("Float64").to_numpy(), "denominator": pd.NA,
        "measured": row["wave"].to_numpy(), "source": row["source_table"].fillna(q.SOURCE_SURVEY).to_numpy(),
        "higher_is_worse": indicators["higher_is_worse"].reindex(keys).to_numpy(),
        "previous_value": before["value"].astype("Float64").to_numpy(),
        "previous_lower": before["lower"].astype("Float64").to_numpy(),
        "previous_upper": before["upper"].astype("Float64").to_numpy(),
        "previous_measured": before["wave"].to_numpy(),
        "_order": order,
    })


def q_compare_indicators(wh: Warehouse, *, gemeente: str, period: q.Period, min_population: int,
                         min_respondents: int) -> pd.DataFrame:
    """Long frame: one row per area (every wijk and the gemeente) and indicator, with value, 95% bounds where they
    exist, the reason when unknown, numerator/denominator, when it was measured and the source."""
    incidents = _incidents(wh, gemeente, period)
    population_posts = _population_and_posts(wh, gemeente, period, min_population)
    areas = population_posts.drop_duplicates("area_code")[["area_code", "area_name", "level"]]
    survey = _survey(wh, gemeente, period, areas, min_respondents)
    parts = [population_posts, incidents[incidents["level"].isin(["wijk", "gemeente"])], survey]
    long = pd.concat([p for p in parts if len(p)], ignore_index=True)
    category = pd.Categorical(long["category"], categories=CATEGORY_ORDER, ordered=True)
    long = long.assign(_cat=category).sort_values(["_cat", "_order", "indicator", "area_code"], kind="stable")
    for column in ("value", "lower", "upper", "numerator", "denominator", "previous_value", "previous_lower",
                   "previous_upper"):
        long[column] = pd.to_numeric(long[column], errors="coerce").astype("Float64")
    for column in ("reason", "measured", "previous_measured", "area_name", "indicator_label", "unit", "source"):
        long[column] = long[column].astype("string")
    small = long.loc[long["indicator"] == "inwoners"].set_index("area_code")["value"] < min_population
    long["small_area"] = long["area_code"].map(small).astype("boolean")
    return long[LONG_COLUMNS + ["small_area"]].reset_index(drop=True)


def format_cell(value, lower, upper, reason, unit: str) -> str:
    """'12,3 (95%: 10,1–14,5)', or 'onbekend: reden'. Whole numbers for inhabitants."""
    if value is None or pd.isna(value):
        return f"onbekend: {reason}" if isinstance(reason, str) and reason else "onbekend"
    decimals = 0 if unit == "inwoners" else 1
    text = nl_number(value, decimals)
    if lower is not None and upper is not None and pd.notna(lower) and pd.notna(upper):
        text += f" (95%: {nl_number(lower, decimals)}–{nl_number(upper, decimals)})"
    if isinstance(reason, str) and reason:  # a known value with a note, e.g. the gemeente posts average
        text += f" — {reason}"
    return text


def side_by_side(long: pd.DataFrame, codes: list[str], gemeente: str) -> pd.DataFrame:
    """Display frame: one row per indicator; a column per chosen wijk and one for the gemeente, each cell the
    value with its interval or why it is unknown."""
    chosen = long[long["area_code"].isin(codes + [gemeente])]
    cells = [format_cell(v, lo, hi, r, u) for v, lo, hi, r, u in
             zip(chosen["value"], chosen["lower"], chosen["upper"], chosen["reason"], chosen["unit"])]
    chosen = chosen.assign(cell=cells)
    measured = chosen[chosen["area_code"] == gemeente].set_index("indicator")["measured"]
    wide = chosen.pivot(index="indicator", columns="area_code", values="cell")
    order = list(dict.fromkeys(chosen["indicator"]))
    meta = chosen.drop_duplicates("indicator").set_index("indicator")
    names = chosen.drop_duplicates("area_code").set_index("area_code")["area_name"]
    out = pd.DataFrame({"Indicator": meta.loc[order, "indicator_label"].to_numpy(),
                        "Onderdeel": meta.loc[order, "category"].to_numpy()})
    for code in codes + [gemeente]:
        header = f"Gemeente {names.get(code, code)}" if code == gemeente else str(names.get(code, code))
        out[header] = wide.reindex(order)[code].to_numpy() if code in wide.columns else "onbekend"
    out["Gemeten"] = measured.reindex(order).to_numpy()
    return out


def pair_differences(long: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Every pair of chosen wijken on every indicator with a 95% interval: a - b with stats.difference;
    'significant' only when the interval of the difference excludes 0."""
    with_interval = long[long["lower"].notna() | long["indicator"].str.startswith(("enquete:", "incidenten:"))]
    frames = []
    for a, b in combinations(codes, 2):
        left = with_interval[with_interval["area_code"] == a].set_index("indicator")
        right = with_interval[with_interval["area_code"] == b].set_index("indicator").reindex(left.index)
        diff = stats.difference(left["value"], left["lower"], left["upper"], right["value"], right["lower"],
                                right["upper"])
        frames.append(pd.DataFrame({
            "indicator": left.index, "indicator_label": left["indicator_label"].to_numpy(),
            "area_a": a, "name_a": left["area_name"].to_numpy(), "area_b": b, "name_b": right["area_name"].to_numpy(),
            "value_a": left["value"].to_numpy(), "value_b": right["value"].to_numpy(),
            "difference": diff["difference"].to_numpy(), "lower": diff["lower"].to_numpy(),
            "upper": diff["upper"].to_numpy(), "significant": diff["significant"].to_numpy(),
            "reason": _unknown_reason(left["reason"], right["reason"], left["lower"], right["lower"]),
            "measured": left["measured"].to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def wave_differences(long: pd.DataFrame, codes: list[str], gemeente: str) -> pd.DataFrame:
    """Per chosen wijk (and the gemeente) and survey indicator: latest wave minus the wave before."""
    survey = long[long["indicator"].str.startswith("enquete:") & long["area_code"].isin(codes + [gemeente])]
    diff = stats.difference(survey["value"], survey["lower"], survey["upper"], survey["previous_value"],
                            survey["previous_lower"], survey["previous_upper"])
    reason = np.where(survey["value"].isna(), survey["reason"].fillna("onbekend"),
                      np.where(survey["previous_measured"].isna(), "geen eerdere meting",
                               np.where(survey["previous_value"].isna(), "eerdere meting: te weinig respondenten",
                                        None)))
    return pd.DataFrame({
        "area_code": survey["area_code"].to_numpy(), "area_name": survey["area_name"].to_numpy(),
        "indicator": survey["indicator"].to_numpy(), "indicator_label": survey["indicator_label"].to_numpy(),
        "measured": survey["measured"].to_numpy(), "previous_measured": survey["previous_measured"].to_numpy(),
        "value": survey["value"].to_numpy(), "previous_value": survey["previous_value"].to_numpy(),
        "difference": diff["difference"].to_numpy(), "lower": diff["lower"].to_numpy(),
        "upper": diff["upper"].to_numpy(), "significant": diff["significant"].to_numpy(),
        "reason": pd.array(reason, dtype="string"),
    })


def _unknown_reason(reason_a, reason_b, lower_a, lower_b) -> pd.array:
    a = pd.Series(reason_a).astype("string").to_numpy()
    b = pd.Series(reason_b).astype("string").to_numpy()
    no_interval = pd.Series(lower_a).isna().to_numpy() | pd.Series(lower_b).isna().to_numpy()
    out = np.where(pd.notna(a), a, np.where(pd.notna(b), b, np.where(no_interval, "geen interval", None)))
    return pd.array(out, dtype="string")


def significance_text(significant, reason) -> str:
    if pd.isna(significant):
        return f"onbekend: {reason}" if isinstance(reason, str) and reason else "onbekend"
    return "ja: interval bevat geen 0" if bool(significant) else "nee: interval bevat 0"


DIFFERENCE_KINDS = {"wijken": "tussen wijken", "metingen": "tussen metingen"}


def differences_display(pairs: pd.DataFrame, waves: pd.DataFrame) -> pd.DataFrame:
    """Both kinds of tested differences in one frame (the page shows them apart and hands them out together):
    'Vergelijking' says what minus what."""
    parts = []
    if len(pairs):
        parts.append(pd.DataFrame({
            "Soort": DIFFERENCE_KINDS["wijken"], "Vergelijking": pairs["name_a"] + " − " + pairs["name_b"],
            "Indicator": pairs["indicator_label"], "Eerste": pairs["value_a"], "Tweede": pairs["value_b"],
            "Verschil": pairs["difference"], "Ondergrens 95%": pairs["lower"], "Bovengrens 95%": pairs["upper"],
            "significant": pairs["significant"], "reason": pairs["reason"], "Gemeten": pairs["measured"]}))
    if len(waves):
        parts.append(pd.DataFrame({
            "Soort": DIFFERENCE_KINDS["metingen"],
            "Vergelijking": waves["area_name"] + ": " + waves["measured"].fillna("?") + " − "
                            + waves["previous_measured"].fillna("?"),
            "Indicator": waves["indicator_label"], "Eerste": waves["value"], "Tweede": waves["previous_value"],
            "Verschil": waves["difference"], "Ondergrens 95%": waves["lower"], "Bovengrens 95%": waves["upper"],
            "significant": waves["significant"], "reason": waves["reason"], "Gemeten": waves["measured"]}))
    if not parts:
        return pd.DataFrame(columns=["Soort", "Vergelijking", "Indicator", "Eerste", "Tweede", "Verschil",
                                     "Ondergrens 95%", "Bovengrens 95%", "Significant", "Gemeten"])
    out = pd.concat(parts, ignore_index=True)
    out["Significant"] = [significance_text(s, r) for s, r in zip(out["significant"], out["reason"])]
    numbers = ["Eerste", "Tweede", "Verschil", "Ondergrens 95%", "Bovengrens 95%"]
    out[numbers] = out[numbers].astype("Float64").round(2)
    return out.drop(columns=["significant", "reason"])[["Soort", "Vergelijking", "Indicator", *numbers,
                                                        "Significant", "Gemeten"]]


def compare_view(long: pd.DataFrame, chosen: tuple[str, ...], gemeente: str) -> dict[str, pd.DataFrame]:
    """Everything the page shows for one choice of wijken: the side-by-side table, its numeric download,
    the tested differences and which chosen wijken are small."""
    codes = list(chosen)
    subset = long[long["area_code"].isin(codes + [gemeente])]
    download = pd.DataFrame({
        "Gebied": subset["area_name"], "Code": subset["area_code"], "Indicator": subset["indicator_label"],
        "Waarde": subset["value"], "Ondergrens 95%": subset["lower"], "Bovengrens 95%": subset["upper"],
        "Reden onbekend": subset["reason"], "Teller": subset["numerator"], "Noemer": subset["denominator"],
        "Gemeten": subset["measured"], "Bron": subset["source"]}).reset_index(drop=True)
    population = subset[subset["indicator"] == "inwoners"]
    small = population.loc[population["small_area"].fillna(False).astype(bool) & population["area_code"].isin(codes)]
    return {
        "table": side_by_side(long, codes, gemeente),
        "download": download,
        "differences": differences_display(pair_differences(long, codes), wave_differences(long, codes, gemeente)),
        "small": pd.DataFrame({"area_name": small["area_name"]}),
    }


def q_perception(wh: Warehouse, *, gemeente: str, period: q.Period, min_population: int,
                 min_respondents: int) -> pd.DataFrame:
    """Per wijk: registered incidents per 1,000 per year (x, exact Poisson bounds), % feeling unsafe in the own
    buurt (y, published bounds), posts per 1,000 (bubble), and whether the wijk feels less or more safe than its
    figures suggest (stats.perception_vs_registration: only when the gap interval excludes 0). Every wijk of the
    gemeente takes part, so the z-scores compare within the gemeente."""
    long = q_compare_indicators(wh, gemeente=gemeente, period=period, min_population=min_population,
                                min_respondents=min_respondents)
    wijken = long[long["level"] == "wijk"]
    total = wijken[wijken["indicator"] == f"incidenten:{GROUP_TOTAL}"].set_index("area_code")
    unsafe = wijken[wijken["indicator"] == f"enquete:{UNSAFE_INDICATOR}"].set_index("area_code").reindex(total.index)
    posts = wijken[wijken["indicator"] == "berichten"].set_index("area_code").reindex(total.index)
    frame = pd.DataFrame({
        "area_code": total.index, "unsafe_pct": unsafe["value"].to_numpy(), "unsafe_lower": unsafe["lower"].to_numpy(),
        "unsafe_upper": unsafe["upper"].to_numpy(), "incidents": total["numerator"].to_numpy(),
        "population": total["denominator"].to_numpy(),
    })
    result = stats.perception_vs_registration(frame)
    result.index = total.index
    reason = np.where(total["value"].isna(), "registratie: " + total["reason"].fillna("onbekend"),
                      np.where(unsafe["value"].isna(), "beleving: " + unsafe["reason"].fillna(REASON_NO_SURVEY),
                               result["reason"].astype("object")))
    return pd.DataFrame({
        "area_code": total.index, "area_name": total["area_name"].to_numpy(),
        "incident_rate": result["incident_rate"].to_numpy(), "incident_rate_lower": result["incident_rate_lower"].to_numpy(),
        "incident_rate_upper": result["incident_rate_upper"].to_numpy(),
        "unsafe_pct": result["unsafe_pct"].to_numpy(), "unsafe_lower": result["unsafe_lower"].to_numpy(),
        "unsafe_upper": result["unsafe_upper"].to_numpy(), "survey_wave": unsafe["measured"].to_numpy(),
        "posts_per_1000": posts["value"].to_numpy(), "posts_reason": posts["reason"].to_numpy(),
        "gap": result["gap"].to_numpy(), "gap_lower": result["gap_lower"].to_numpy(),
        "gap_upper": result["gap_upper"].to_numpy(), "label": result["label"].to_numpy(),
        "reason": pd.array(reason, dtype="string"),
        "small_area": total["small_area"].to_numpy(),
    }).reset_index(drop=True)


PERCEPTION_COLOURS = {stats.LABEL_FEELS_LESS_SAFE: "#440154", stats.LABEL_IN_LINE: "#21918c",
                      stats.LABEL_FEELS_SAFER: "#b5de2b"}  # viridis points: no red-green contrast
PERCEPTION_SYMBOLS = {stats.LABEL_FEELS_LESS_SAFE: "diamond", stats.LABEL_IN_LINE: "circle",
                      stats.LABEL_FEELS_SAFER: "square"}  # shape repeats the colour for who cannot see it


def plotly_text(value) -> str:
    """Text for a plotly label or hover: plotly renders a few HTML tags (<a href>, <b>, <br>) in them, so & < >
    become the entities plotly decodes back (&amp; &lt; &gt;); it does not decode &quot;, so quotes stay."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def perception_figure(frame: pd.DataFrame, chosen: tuple[str, ...]) -> go.Figure:
    """The 'beleving versus registratie' scatter: x = incidents per 1,000 per year, y = % feeling unsafe, both
    with 95% error bars; marker size = posts per 1,000 (an open symbol when unknown); the chosen wijken have a
    thick outline. Wijken missing either axis are left out (the page lists them with the reason)."""
    plotted = frame[frame["incident_rate"].notna() & frame["unsafe_pct"].notna()]
    known_posts = plotted["posts_per_1000"].dropna()
    size_ref = float(known_posts.max()) if len(known_posts) and known_posts.max() > 0 else 1.0
    fig = go.Figure()
    for label in [stats.LABEL_FEELS_LESS_SAFE, stats.LABEL_IN_LINE, stats.LABEL_FEELS_SAFER, None]:
        part = plotted[plotted["label"] == label] if label else plotted[plotted["label"].isna()]
        if part.empty:
            continue
        posts = part["posts_per_1000"].astype("Float64")
        has_posts = posts.notna().to_numpy()
        sizes = (14 + 36 * posts.fillna(0) / size_ref).where(has_posts, 12).astype(float)
        base = PERCEPTION_SYMBOLS.get(label, "circle")
        names = [plotly_text(n) for n in part["area_name"]]
        hover = [f"{n}<br>Incidenten: {nl_number(x)} per 1.000 per jaar<br>Onveilig: {nl_number(y)}%<br>Berichten: "
                 + (f"{nl_number(p)} per 1.000 per jaar" if pd.notna(p) else f"onbekend ({plotly_text(r)})")
                 for n, x, y, p, r in zip(names, part["incident_rate"], part["unsafe_pct"],
                                          part["posts_per_1000"], part["posts_reason"])]
        fig.add_trace(go.Scatter(
            x=part["incident_rate"].astype(float), y=part["unsafe_pct"].astype(float), mode="markers+text",
            name=label or "niet te beoordelen", textposition="top center",
            # Names beside the chosen wijken and the ones that stand out; the rest on hover (no overlapping labels).
            text=[n if (c in chosen or label not in (None, stats.LABEL_IN_LINE)) else ""
                  for n, c in zip(names, part["area_code"])],
            hovertext=hover, hoverinfo="text",
            marker=dict(size=sizes, color=PERCEPTION_COLOURS.get(label, "#7f7f7f"),
                        symbol=[base if h else f"{base}-open" for h in has_posts],
                        line=dict(width=[3 if c in chosen else 1 for c in part["area_code"]], color="#000000")),
            error_x=dict(type="data", symmetric=False,
                         array=(part["incident_rate_upper"] - part["incident_rate"]).astype(float),
                         arrayminus=(part["incident_rate"] - part["incident_rate_lower"]).astype(float),
                         color="#555555", thickness=1),
            error_y=dict(type="data", symmetric=False, array=(part["unsafe_upper"] - part["unsafe_pct"]).astype(float),
                         arrayminus=(part["unsafe_pct"] - part["unsafe_lower"]).astype(float),
                         color="#555555", thickness=1),
        ))
    fig.update_layout(xaxis_title="Geregistreerde misdrijven per 1.000 inwoners per jaar",
                      yaxis_title="% voelt zich weleens onveilig in de buurt", legend_title_text="Oordeel",
                      height=480, margin=dict(l=10, r=10, t=30, b=10), template="plotly_white")
    return fig


def perception_display(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Wijk": frame["area_name"], "Code": frame["area_code"],
        "Incidenten per 1.000 per jaar": frame["incident_rate"].round(1),
        "Ondergrens 95% (incidenten)": frame["incident_rate_lower"].round(1),
        "Bovengrens 95% (incidenten)": frame["incident_rate_upper"].round(1),
        "% voelt zich weleens onveilig in de buurt": frame["unsafe_pct"].round(1),
        "Ondergrens 95% (%)": frame["unsafe_lower"].round(1), "Bovengrens 95% (%)": frame["unsafe_upper"].round(1),
        "Meting": frame["survey_wave"],
        "Berichten per 1.000 per jaar": frame["posts_per_1000"].round(1),
        "Reden onbekend (berichten)": frame["posts_reason"],
        "Verschil beleving − registratie (z)": frame["gap"].round(2),
        "Ondergrens 95% (z)": frame["gap_lower"].round(2), "Bovengrens 95% (z)": frame["gap_upper"].round(2),
        "Oordeel": frame["label"], "Reden onbekend": frame["reason"],
    })


def bench() -> dict[str, float]:
    """Vergelijken page: the default two wijken and a choice of four."""
    from wijkbeeld.q_hotspots import bench_page

    default = bench_page("pages/vergelijken.py")
    four = bench_page("pages/vergelijken.py", {"wijken": "WK999900,WK999901,WK999904,WK999908"})
    return {**default, "warm_four_ms": four["warm_ms"]}


if __name__ == "__main__":  # pragma: no cover - manual benchmark: python -m wijkbeeld.q_compare
    print(bench())
