"""Vergelijken (evaluator): two to four wijken side by side on every indicator, with the gemeente beside them;
differences between wijken and between survey waves called significant only when their 95% interval excludes 0
(stats.difference); and 'beleving versus registratie' (stats.perception_vs_registration) over all wijken.

For all gemeenten at once (gemeente NL00: the whole country in a national warehouse) the reference column covers
every gemeente in the warehouse: sums over every gemeente for
inhabitants and incidents (over the gemeenten whose figures are complete, with the count said in the cell), the
posts average over all wijken with a page, and for the survey the gemeente figures averaged with their inhabitants
as weights. Wijk names then carry their gemeente ('Centrum (Waalwijk)'): names repeat across gemeenten.

The frames of the q_* functions keep Dutch text (reasons, labels); the *_display/figure functions take `lang` and
write the interface text in that language.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wijkbeeld import i18n, stats
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse
from wijkbeeld.safe import quote_input
from wijkbeeld.q_hotspots import GROUP_TOTAL, group_label

MIN_WIJKEN, MAX_WIJKEN = 2, 4
UNSAFE_INDICATOR = "onveilig_buurt"
CATEGORY_ORDER = ["Bevolking", "Incidenten", "Berichten", "Enquête"]
REASON_NO_SURVEY = "geen enquête in deze wijk"
REASON_TOO_FEW = stats.REASON_TOO_FEW_RESPONDENTS
POSTS_AVERAGE_NOTE = "gemiddelde van de wijken met een wijkpagina"
NATIONAL_NAME = "Alle gemeenten"   # the row of gemeente NL00; pages show their own name for it (reference_name)
NATIONAL_LEVEL = "land"
REASON_NO_COMPLETE_GEMEENTE = "geen gemeente met volledige cijfers"
# Above this many wijken in the scatter, names and error bars are drawn for the chosen wijken only (the rest on
# hover and in the table): hundreds of labels and bars hide the points.
PERCEPTION_LABEL_LIMIT = 40
# Above this many wijken left out of the scatter, the page counts them per reason instead of naming each one.
MISSING_LIST_LIMIT = 20

# Interface text of this module and its page, Dutch -> English. The module translates with this table first
# (a short Dutch word can mean something else on another page) and registers the keys nobody registered yet.
EN = {
    "Deze gemeente heeft minder dan twee wijken: er valt niets te vergelijken.":
        "This municipality has fewer than two districts: there is nothing to compare.",
    "Kies ten minste {n} wijken om te vergelijken.": "Choose at least {n} districts to compare.",
    "Er is geen enquête voor deze wijken.": "There is no survey for these districts.",
    "Onderdeel": "Component",
    "Gemeten": "Measured",
    "Vergelijking": "Comparison",
    "Eerste": "First",
    "Tweede": "Second",
    "Verschil": "Difference",
    "Significant": "Significant",
    "Indicator": "Indicator",
    "Soort": "Kind",
    "Incidenten per 1.000 per jaar": "Incidents per 1,000 per year",
    "Ondergrens 95% (incidenten)": "Lower bound 95% (incidents)",
    "Bovengrens 95% (incidenten)": "Upper bound 95% (incidents)",
    "Ondergrens 95% (%)": "Lower bound 95% (%)",
    "Bovengrens 95% (%)": "Upper bound 95% (%)",
    "Ondergrens 95%": "Lower bound 95%",
    "Bovengrens 95%": "Upper bound 95%",
    "Meting": "Survey wave",
    "Berichten per 1.000 per jaar": "Posts per 1,000 per year",
    "Reden onbekend (berichten)": "Reason unknown (posts)",
    "Reden onbekend": "Reason unknown",
    "Verschil beleving − registratie (z)": "Difference perception − registration (z)",
    "Ondergrens 95% (z)": "Lower bound 95% (z)",
    "Bovengrens 95% (z)": "Upper bound 95% (z)",
    "Oordeel": "Verdict",
    "Wijk": "District",
    "Gebied": "Area",
    "Code": "Code",
    "Waarde": "Value",
    "Teller": "Numerator",
    "Noemer": "Denominator",
    "Bron": "Source",
    "Gemeenten in het cijfer": "Municipalities in the figure",
    "Vergelijken": "Compare",
    "Kies twee tot vier wijken": "Choose two to four districts",
    "Alle indicatoren": "All indicators",
    "Verschillen tussen wijken": "Differences between districts",
    "Verschil tussen metingen": "Difference between survey waves",
    "Beleving versus registratie": "Perception versus registration",
    "Bevolking": "Population",
    "Incidenten": "Incidents",
    "Berichten": "Posts",
    "Enquête": "Survey",
    "Inwoners": "Inhabitants",
    "Gemeente {name}": "Municipality {name}",
    NATIONAL_NAME: "All municipalities",
    # Indicators
    "Berichten per 1.000 inwoners per jaar": "Posts per 1,000 inhabitants per year",
    "{group} per 1.000 inwoners per jaar": "{group} per 1,000 inhabitants per year",
    # Reasons and notes in cells
    "onbekend": "unknown",
    "onbekend: {reason}": "unknown: {reason}",
    "geen bevolkingscijfer": "no population figure",
    "niet alle maanden gepubliceerd": "not all months published",
    "deels afgeschermd door de bron": "partly withheld by the source",
    "geen politiecijfers voor deze periode": "no police figures for this period",
    "geen wijkpagina": "no district page",
    "geen wijkpagina's": "no district pages",
    "pagina startte na deze periode": "page started after this period",
    "geen enquête in deze wijk": "no survey in this district",
    "geen eerdere meting": "no earlier survey wave",
    "eerdere meting": "earlier survey wave",
    "geen interval": "no interval",
    "registratie": "registration",
    "beleving": "perception",
    POSTS_AVERAGE_NOTE: "average of the districts with a district page",
    REASON_NO_COMPLETE_GEMEENTE: "no municipality with complete figures",
    "{included} van {total} gemeenten": "{included} of {total} municipalities",
    "laatst gepubliceerd": "latest published",
    "tussen wijken": "between districts",
    "tussen metingen": "between survey waves",
    "ja: interval bevat geen 0": "yes: interval does not contain 0",
    "nee: interval bevat 0": "no: interval contains 0",
    "niet te beoordelen": "cannot be judged",
    # URL warnings
    "Onbekende wijk(en) genegeerd: {codes}.": "Unknown district(s) ignored: {codes}.",
    "Hoogstens {n} wijken tegelijk; de eerste {n} zijn gekozen.":
        "At most {n} districts at once; the first {n} were chosen.",
    "Kies ten minste {n} wijken; de eerste wijken zijn aangevuld.":
        "Choose at least {n} districts; the first districts were added.",
    # The scatter
    "Incidenten: {x} per 1.000 per jaar": "Incidents: {x} per 1,000 per year",
    "Onveilig: {y}%": "Unsafe: {y}%",
    "Berichten: {p} per 1.000 per jaar": "Posts: {p} per 1,000 per year",
    "Berichten: onbekend ({reason})": "Posts: unknown ({reason})",
    "Gekozen wijken": "Chosen districts",
    "Geregistreerde misdrijven per 1.000 inwoners per jaar": "Registered crimes per 1,000 inhabitants per year",
    "% voelt zich weleens onveilig in de buurt": "% sometimes feels unsafe in the neighbourhood",
    "Niet in de grafiek: ": "Not in the chart: ",
    "Niet in de grafiek: {n} wijken (per wijk in de tabel hieronder): {reasons}.":
        "Not in the chart: {n} districts (each in the table below): {reasons}.",
    "Klein (minder dan {n} inwoners): {names}. Cijfers per 1.000 schommelen daar sterk; zo'n wijk krijgt geen plaats "
    "in een ranglijst.": "Small (fewer than {n} inhabitants): {names}. Figures per 1,000 swing strongly there; such a "
    "district gets no place in a ranking.",
}
i18n.register({k: v for k, v in EN.items() if k not in i18n.EN})  # never override another page's wording


tr = i18n.translator(EN, stats.TEXT_EN)  # tr(text, lang): this module's wording first


def columns_in(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Column headers of this module's display frames in `lang`. Only this module's own table: a header that is
    a wijk name stays as it is."""
    return frame.rename(columns=EN) if lang == "en" else frame


def number(value, decimals: int = 1, lang: str = "nl") -> str:
    """1.234,5 in Dutch, 1,234.5 in English; unknown stays the word 'onbekend' / 'unknown', never 0."""
    return i18n.format_number(value, decimals, lang, missing=tr("onbekend", lang))


def reason_text(reason, lang: str = "nl") -> str | None:
    """A reason as stored ('beleving: te weinig respondenten') in `lang`, part by part."""
    if reason is None or (not isinstance(reason, str) and pd.isna(reason)):
        return None
    return ": ".join(tr(part, lang) for part in str(reason).split(": "))


def area_text(code: str, name, lang: str = "nl", reference_name: str | None = None) -> str:
    """An area's name for display; the NL00 row gets `reference_name` (the page's name for all gemeenten)."""
    if code == q.NATIONAL:
        return reference_name or tr(NATIONAL_NAME, lang)
    return str(name)


def indicator_text(indicator: str, label, lang: str = "nl") -> str:
    """The label of an indicator in `lang` (the frames keep the Dutch label)."""
    if lang != "en":
        return str(label)
    if indicator.startswith("incidenten:"):
        return tr("{group} per 1.000 inwoners per jaar", lang).format(
            group=tr(group_label(indicator.split(":", 1)[1]), lang))
    if indicator == "inwoners":
        return tr("Inwoners", lang)
    return tr(str(label), lang)


def measured_text(measured, lang: str = "nl", period: q.Period | None = None) -> str | None:
    """'jan 2025 t/m dec 2025', '2025' or '2026 (laatst gepubliceerd)' in `lang`."""
    if measured is None or (not isinstance(measured, str) and pd.isna(measured)):
        return None
    text = str(measured)
    if lang == "nl":
        return text
    if period is not None and text == period.label_in("nl"):
        return period.label_in(lang)
    return text.replace("(laatst gepubliceerd)", f"({tr('laatst gepubliceerd', lang)})")


Q_WIJK_CHOICES = """
SELECT w.wijk_code, w.wijk_name, g.gemeente_name
FROM dim_wijk w LEFT JOIN dim_gemeente g USING (gemeente_code)
WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
ORDER BY w.wijk_code
"""

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

# Every year's inhabitants of every gemeente: the weights of the national survey figure.
Q_GEMEENTE_POPULATION_YEARS = """
SELECT p.area_code, p.year, p.population
FROM fct_population p JOIN dim_gemeente g ON g.gemeente_code = p.area_code
WHERE (g.gemeente_code = $gm OR $gm = 'NL00') AND p.population > 0
"""

Q_GEMEENTE_COUNT = "SELECT count(*) AS n FROM dim_gemeente WHERE (gemeente_code = $gm OR $gm = 'NL00')"

Q_SURVEY = """
SELECT s.area_code, a.level, s.period_start, s.indicator, s.value, s.lower, s.upper, s.respondents, s.source_table
FROM fct_survey s JOIN dim_area a USING (area_code)
WHERE (a.gemeente_code = $gm OR $gm = 'NL00') AND a.level IN ('wijk', 'gemeente') AND s.period_start <= $end
ORDER BY s.area_code, s.indicator, s.period_start
"""

Q_INDICATORS = "SELECT indicator, label, unit, higher_is_worse FROM dim_indicator"

LONG_COLUMNS = ["area_code", "area_name", "level", "indicator", "indicator_label", "category", "unit", "value",
                "lower", "upper", "reason", "numerator", "denominator", "measured", "source", "higher_is_worse",
                "previous_value", "previous_lower", "previous_upper", "previous_measured",
                "areas_included", "areas_total"]


def validate_selection(wanted: str | None, codes: list[str], lang: str = "nl") -> tuple[list[str], list[str]]:
    """The wijken asked for in the URL ('WK1,WK2'), checked against the gemeente's wijken: unknown codes are
    dropped, duplicates removed, at most MAX_WIJKEN kept, and fewer than MIN_WIJKEN replaced by the first wijken.
    Returns (selection, warnings in `lang`)."""
    warnings: list[str] = []
    known = set(codes)
    asked = [c.strip() for c in (wanted or "").split(",") if c.strip()]
    unknown = [c for c in asked if c not in known]
    if unknown:
        warnings.append(tr("Onbekende wijk(en) genegeerd: {codes}.", lang).format(
            codes=", ".join(quote_input(u) for u in unknown[:5])))
    selection = list(dict.fromkeys(c for c in asked if c in known))
    if len(selection) > MAX_WIJKEN:
        warnings.append(tr("Hoogstens {n} wijken tegelijk; de eerste {n} zijn gekozen.", lang).format(n=MAX_WIJKEN))
        selection = selection[:MAX_WIJKEN]
    if len(selection) < MIN_WIJKEN:
        if asked:
            warnings.append(tr("Kies ten minste {n} wijken; de eerste wijken zijn aangevuld.", lang)
                            .format(n=MIN_WIJKEN))
        selection = list(dict.fromkeys(selection + codes))[:MIN_WIJKEN]
    return selection, warnings


def q_wijk_choices(wh: Warehouse, *, gemeente: str) -> pd.DataFrame:
    """wijk_code, wijk_name, gemeente_name and label: the name, with its gemeente for the whole country
    ('Centrum (Waalwijk)'), because wijk names repeat across gemeenten."""
    frame = wh.query(Q_WIJK_CHOICES, {"gm": gemeente})
    with_gemeente = frame["wijk_name"] + " (" + frame["gemeente_name"].fillna("?") + ")"
    frame["label"] = with_gemeente if gemeente == q.NATIONAL else frame["wijk_name"]
    return frame


def _national_incident_rows(gemeenten: pd.DataFrame, n_months: int) -> pd.DataFrame:
    """One NL00 (all gemeenten) row per crime group from the gemeente rows: incidents and person-years summed over the
    gemeenten whose figures are complete (no withheld or missing month, population known), with how many of all
    gemeenten that is. A gemeente with a gap is left out of both sums, so the rate stays a true rate."""
    complete = gemeenten["incidents"].notna() & gemeenten["person_years"].notna()
    data = gemeenten.assign(
        _n=gemeenten["incidents"].where(complete, 0.0).astype(float),
        _py=gemeenten["person_years"].where(complete, 0.0).astype(float),
        _complete=complete.astype(int))
    sums = data.groupby("crime_group", sort=True).agg(incidents=("_n", "sum"), person_years=("_py", "sum"),
                                                      areas_included=("_complete", "sum"),
                                                      areas_total=("area_code", "size")).reset_index()
    none = sums["areas_included"] == 0
    return pd.DataFrame({
        "area_code": q.NATIONAL, "level": NATIONAL_LEVEL, "area_name": NATIONAL_NAME,
        "crime_group": sums["crime_group"],
        "months_with_data": np.where(none, 0, n_months), "withheld_months": 0,
        "incidents": sums["incidents"].astype("Float64").mask(none),
        "person_years": sums["person_years"].astype("Float64").mask(none),
        "months_with_population": n_months,
        "areas_included": sums["areas_included"].astype("Int64"), "areas_total": sums["areas_total"].astype("Int64"),
    })


def _incidents(wh: Warehouse, gemeente: str, period: q.Period) -> pd.DataFrame:
    raw = wh.query(Q_INCIDENTS, {"gm": gemeente, "start": period.start, "end": period.end})
    complete = (raw["withheld_months"] == 0) & (raw["months_with_data"] == period.n_months)
    raw["incidents"] = raw["incidents_known"].astype("Float64").where(complete)
    full_population = raw["months_with_population"].astype("Float64") == period.n_months
    raw["person_years"] = raw["person_years"].astype("Float64").where(full_population)
    raw["areas_included"] = pd.array([pd.NA] * len(raw), dtype="Int64")
    raw["areas_total"] = pd.array([pd.NA] * len(raw), dtype="Int64")
    if gemeente == q.NATIONAL:  # the country instead of 403 gemeente rows
        national = _national_incident_rows(raw[raw["level"] == "gemeente"], period.n_months)
        raw = pd.concat([raw[raw["level"] == "wijk"], national], ignore_index=True)
    rated = stats.rates(raw, "incidents", "person_years", per=1000, min_population=0)
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    reason = reason.mask(raw["person_years"].isna(), "geen bevolkingscijfer")
    reason = reason.mask(raw["months_with_data"] < period.n_months, "niet alle maanden gepubliceerd")
    reason = reason.mask(raw["withheld_months"] > 0, "deels afgeschermd door de bron")
    reason = reason.mask(raw["months_with_data"] == 0, "geen politiecijfers voor deze periode")
    reason = reason.mask(raw["areas_included"].fillna(1) == 0, REASON_NO_COMPLETE_GEMEENTE)
    is_total = raw["crime_group"] == GROUP_TOTAL
    return pd.DataFrame({
        "area_code": raw["area_code"], "area_name": raw["area_name"], "level": raw["level"],
        "indicator": "incidenten:" + raw["crime_group"],
        "indicator_label": raw["crime_group"].map(group_label) + " per 1.000 inwoners per jaar",
        "category": "Incidenten", "unit": "per 1.000 per jaar",
        "value": rated["rate"], "lower": rated["rate_lower"], "upper": rated["rate_upper"], "reason": reason,
        "numerator": raw["incidents"], "denominator": raw["person_years"], "measured": period.label_in("nl"),
        "source": q.SOURCE_POLICE + "; " + q.SOURCE_CBS_POP, "higher_is_worse": True,
        "areas_included": raw["areas_included"], "areas_total": raw["areas_total"],
        "_order": np.where(is_total, 0, 1),
    })


def _national_population(gm: pd.DataFrame) -> pd.DataFrame:
    """All gemeenten: the inhabitants of every gemeente summed (over those with a figure, counted)."""
    known = gm["population"].notna()
    return pd.DataFrame({
        "area_code": [q.NATIONAL], "area_name": [NATIONAL_NAME],
        "population": [gm.loc[known, "population"].astype(float).sum() if known.any() else np.nan],
        "population_year": [gm.loc[known, "population_year"].max() if known.any() else np.nan],
        "imputed": [bool(gm.loc[known, "imputed"].fillna(False).astype(bool).any())],
        "areas_included": [int(known.sum())], "areas_total": [len(gm)],
    })


def _population_and_posts(wh: Warehouse, gemeente: str, period: q.Period, min_population: int) -> pd.DataFrame:
    wijken = q.q_wijk_indicators(wh, gemeente=gemeente, period=period, min_population=min_population)
    gm = wh.query(Q_GEMEENTE_POPULATION, {"gm": gemeente, "end": period.end})
    national = gemeente == q.NATIONAL
    if national:
        gm = _national_population(gm)
    reference_level = NATIONAL_LEVEL if national else "gemeente"
    included = gm["areas_included"] if national else pd.Series([pd.NA] * len(gm))
    total = gm["areas_total"] if national else pd.Series([pd.NA] * len(gm))
    population = pd.DataFrame({
        "area_code": pd.concat([wijken["wijk_code"], gm["area_code"]], ignore_index=True),
        "area_name": pd.concat([wijken["wijk_name"], gm["area_name"]], ignore_index=True),
        "level": ["wijk"] * len(wijken) + [reference_level] * len(gm),
        "value": pd.concat([wijken["population"], gm["population"]], ignore_index=True).astype("Float64"),
        "measured": pd.concat([wijken["population_year"], gm["population_year"]], ignore_index=True),
        "imputed": pd.concat([wijken["population_imputed"], gm["imputed"]], ignore_index=True),
        "areas_included": pd.concat([pd.Series([pd.NA] * len(wijken)), included], ignore_index=True).astype("Int64"),
        "areas_total": pd.concat([pd.Series([pd.NA] * len(wijken)), total], ignore_index=True).astype("Int64"),
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
        "level": ["wijk"] * len(wijken) + [reference_level] * len(gm),
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
              unit="per 1.000 per jaar", lower=pd.NA, upper=pd.NA, measured=period.label_in("nl"),
              source=q.SOURCE_POSTS, higher_is_worse=pd.NA, areas_included=pd.NA, areas_total=pd.NA, _order=0)
    return pd.concat([population, posts], ignore_index=True)


def national_survey(rows: pd.DataFrame, population: pd.DataFrame, n_gemeenten: int) -> pd.DataFrame:
    """All gemeenten (NL00) per survey indicator and wave from the gemeente figures: their mean weighted by the
    gemeente's inhabitants in the wave year (the nearest year with a figure), with the 95% interval of that
    weighted mean from each gemeente's published interval (independent samples: se = sqrt(sum w^2 se_i^2) / sum w).
    Only gemeenten with a value and an interval take part; areas_included says how many of `n_gemeenten`.

    `rows`: area_code, period_start, indicator, value, lower, upper, source_table (gemeente level);
    `population`: area_code, year, population."""
    usable = rows["value"].notna() & rows["lower"].notna() & rows["upper"].notna()
    data = rows.loc[usable, ["area_code", "period_start", "indicator", "value", "lower", "upper", "source_table"]]
    columns = ["area_code", "level", "period_start", "indicator", "value", "lower", "upper", "respondents",
               "source_table", "areas_included", "areas_total"]
    if data.empty or population.empty:
        return pd.DataFrame(columns=columns)
    data = data.assign(year=pd.to_datetime(data["period_start"]).dt.year.astype("int64"),
                       area_code=data["area_code"].astype(str)).sort_values("year")
    weights = population.assign(year=population["year"].astype("int64"), area_code=population["area_code"].astype(str),
                                weight=population["population"].astype(float))[["area_code", "year", "weight"]]
    data = pd.merge_asof(data, weights.sort_values("year"), on="year", by="area_code", direction="nearest")
    data = data[data["weight"] > 0]
    value, lower, upper = (data[c].astype(float) for c in ("value", "lower", "upper"))
    se = (upper - lower) / (2 * stats.Z95)
    data = data.assign(_wv=data["weight"] * value, _wse2=(data["weight"] * se) ** 2)
    sums = data.groupby(["indicator", "period_start"], sort=True).agg(
        weight=("weight", "sum"), wv=("_wv", "sum"), wse2=("_wse2", "sum"), areas_included=("area_code", "size"),
        source_table=("source_table", "first")).reset_index()
    mean = sums["wv"] / sums["weight"]
    half = stats.Z95 * np.sqrt(sums["wse2"]) / sums["weight"]
    return pd.DataFrame({
        "area_code": q.NATIONAL, "level": NATIONAL_LEVEL, "period_start": sums["period_start"],
        "indicator": sums["indicator"], "value": mean, "lower": mean - half, "upper": mean + half,
        "respondents": pd.array([pd.NA] * len(sums), dtype="Int64"), "source_table": sums["source_table"],
        "areas_included": sums["areas_included"].astype("Int64"), "areas_total": n_gemeenten,
    })[columns]


def _survey(wh: Warehouse, gemeente: str, period: q.Period, areas: pd.DataFrame,
            min_respondents: int) -> pd.DataFrame:
    """Latest wave up to the end of the period and the wave before it, per area and indicator. An area the
    survey did not cover says so; a published row without a value (or with fewer respondents than the minimum)
    is 'te weinig respondenten'. For the whole country the gemeente rows become one national row per wave."""
    raw = wh.query(Q_SURVEY, {"gm": gemeente, "end": period.end})
    indicators = wh.query(Q_INDICATORS).set_index("indicator")
    present = set(raw["indicator"])
    measured = [i for i in indicators.index if i in present]
    if not measured:
        return pd.DataFrame(columns=LONG_COLUMNS + ["_order"])
    checked = stats.published_interval(raw["value"], raw["lower"], raw["upper"])
    too_few = (raw["respondents"].astype("Float64") < min_respondents).fillna(False)
    raw["value"] = checked["value"].mask(too_few)
    raw["lower"] = checked["lower"].mask(too_few)
    raw["upper"] = checked["upper"].mask(too_few)
    raw["areas_included"] = pd.array([pd.NA] * len(raw), dtype="Int64")
    raw["areas_total"] = pd.array([pd.NA] * len(raw), dtype="Int64")
    if gemeente == q.NATIONAL:
        population = wh.query(Q_GEMEENTE_POPULATION_YEARS, {"gm": gemeente})
        n_gemeenten = int(wh.query(Q_GEMEENTE_COUNT, {"gm": gemeente})["n"].iloc[0])
        national = national_survey(raw[raw["level"] == "gemeente"], population, n_gemeenten)
        raw = pd.concat([raw[raw["level"] == "wijk"], national], ignore_index=True)
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
        "areas_included": row["areas_included"].astype("Int64").to_numpy(),
        "areas_total": row["areas_total"].astype("Int64").to_numpy(),
        "_order": order,
    })


def q_compare_indicators(wh: Warehouse, *, gemeente: str, period: q.Period, min_population: int,
                         min_respondents: int) -> pd.DataFrame:
    """Long frame: one row per area (every wijk and the gemeente, or all gemeenten for NL00) and indicator, with
    value, 95% bounds where they exist, the reason when unknown, numerator/denominator, when it was measured, the
    source and, for all gemeenten (NL00), how many gemeenten the figure covers (areas_included of areas_total)."""
    incidents = _incidents(wh, gemeente, period)
    population_posts = _population_and_posts(wh, gemeente, period, min_population)
    areas = population_posts.drop_duplicates("area_code")[["area_code", "area_name", "level"]]
    survey = _survey(wh, gemeente, period, areas, min_respondents)
    parts = [population_posts, incidents[incidents["level"].isin(["wijk", "gemeente", NATIONAL_LEVEL])], survey]
    long = pd.concat([p for p in parts if len(p)], ignore_index=True)
    category = pd.Categorical(long["category"], categories=CATEGORY_ORDER, ordered=True)
    long = long.assign(_cat=category).sort_values(["_cat", "_order", "indicator", "area_code"], kind="stable")
    for column in ("value", "lower", "upper", "numerator", "denominator", "previous_value", "previous_lower",
                   "previous_upper"):
        long[column] = pd.to_numeric(long[column], errors="coerce").astype("Float64")
    for column in ("areas_included", "areas_total"):
        long[column] = pd.to_numeric(long[column], errors="coerce").astype("Int64")
    for column in ("reason", "measured", "previous_measured", "area_name", "indicator_label", "unit", "source"):
        long[column] = long[column].astype("string")
    if gemeente == q.NATIONAL:  # wijk names repeat across gemeenten: name the gemeente too
        labels = q_wijk_choices(wh, gemeente=gemeente).set_index("wijk_code")["label"]
        is_wijk = long["level"] == "wijk"
        long.loc[is_wijk, "area_name"] = long.loc[is_wijk, "area_code"].map(labels).fillna(
            long.loc[is_wijk, "area_name"]).astype("string")
    small = long.loc[long["indicator"] == "inwoners"].set_index("area_code")["value"] < min_population
    long["small_area"] = long["area_code"].map(small).astype("boolean")
    return long[LONG_COLUMNS + ["small_area"]].reset_index(drop=True)


def coverage_text(included, total, lang: str = "nl") -> str | None:
    """'352 van 403 gemeenten' when a national figure leaves gemeenten out; None when it covers them all."""
    if included is None or total is None or pd.isna(included) or pd.isna(total) or int(included) >= int(total):
        return None
    return tr("{included} van {total} gemeenten", lang).format(included=number(included, 0, lang),
                                                               total=number(total, 0, lang))


def format_cell(value, lower, upper, reason, unit: str, lang: str = "nl", included=None, total=None) -> str:
    """'12,3 (95%: 10,1–14,5)', or 'onbekend: reden' (in `lang`). Whole numbers for inhabitants; a national
    figure over part of the gemeenten says over how many."""
    if value is None or pd.isna(value):
        why = reason_text(reason, lang) if isinstance(reason, str) and reason else None
        return tr("onbekend: {reason}", lang).format(reason=why) if why else tr("onbekend", lang)
    decimals = 0 if unit == "inwoners" else 1
    text = number(value, decimals, lang)
    if lower is not None and upper is not None and pd.notna(lower) and pd.notna(upper):
        text += f" (95%: {number(lower, decimals, lang)}–{number(upper, decimals, lang)})"
    notes = [reason_text(reason, lang) if isinstance(reason, str) and reason else None,  # e.g. the posts average
             coverage_text(included, total, lang)]
    notes = [n for n in notes if n]
    if notes:
        text += " — " + "; ".join(notes)
    return text


def _unique_headers(headers: list[str], codes: list[str]) -> list[str]:
    """Column headers must be unique: a repeated name gets its code."""
    counts = pd.Series(headers).value_counts()
    return [f"{h} ({c})" if counts[h] > 1 else h for h, c in zip(headers, codes)]


def reference_header(gemeente: str, name, lang: str = "nl", reference_name: str | None = None) -> str:
    if gemeente == q.NATIONAL:
        return reference_name or tr(NATIONAL_NAME, lang)
    return tr("Gemeente {name}", lang).format(name=name)


def side_by_side(long: pd.DataFrame, codes: list[str], gemeente: str, lang: str = "nl",
                 period: q.Period | None = None, reference_name: str | None = None) -> pd.DataFrame:
    """Display frame: one row per indicator; a column per chosen wijk and one for the gemeente (or all gemeenten,
    named `reference_name`), each cell the value with its interval or why it is unknown."""
    chosen = long[long["area_code"].isin(codes + [gemeente])]
    cells = [format_cell(v, lo, hi, r, u, lang, n, m) for v, lo, hi, r, u, n, m in
             zip(chosen["value"], chosen["lower"], chosen["upper"], chosen["reason"], chosen["unit"],
                 chosen["areas_included"], chosen["areas_total"])]
    chosen = chosen.assign(cell=cells)
    measured = chosen[chosen["area_code"] == gemeente].set_index("indicator")["measured"]
    wide = chosen.pivot(index="indicator", columns="area_code", values="cell")
    order = list(dict.fromkeys(chosen["indicator"]))
    meta = chosen.drop_duplicates("indicator").set_index("indicator")
    names = chosen.drop_duplicates("area_code").set_index("area_code")["area_name"]
    out = pd.DataFrame({"Indicator": [indicator_text(i, meta.loc[i, "indicator_label"], lang) for i in order],
                        "Onderdeel": [tr(str(c), lang) for c in meta.loc[order, "category"]]})
    columns = codes + [gemeente]
    headers = [reference_header(gemeente, names.get(c, c), lang, reference_name) if c == gemeente
               else str(names.get(c, c)) for c in columns]
    for code, header in zip(columns, _unique_headers(headers, columns)):
        out[header] = wide.reindex(order)[code].to_numpy() if code in wide.columns else tr("onbekend", lang)
    out["Gemeten"] = [measured_text(m, lang, period) for m in measured.reindex(order)]
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
    """Per chosen wijk (and the gemeente, or all gemeenten) and survey indicator: latest wave minus the wave
    before."""
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


def significance_text(significant, reason, lang: str = "nl") -> str:
    if pd.isna(significant):
        why = reason_text(reason, lang) if isinstance(reason, str) and reason else None
        return tr("onbekend: {reason}", lang).format(reason=why) if why else tr("onbekend", lang)
    return tr("ja: interval bevat geen 0" if bool(significant) else "nee: interval bevat 0", lang)


DIFFERENCE_KINDS = {"wijken": "tussen wijken", "metingen": "tussen metingen"}


def differences_display(pairs: pd.DataFrame, waves: pd.DataFrame, lang: str = "nl",
                        period: q.Period | None = None, reference_name: str | None = None) -> pd.DataFrame:
    """Both kinds of tested differences in one frame (the page shows them apart and hands them out together):
    'Vergelijking' says what minus what; 'Soort' is DIFFERENCE_KINDS in `lang`."""
    parts = []
    def labels(frame: pd.DataFrame) -> list[str]:
        return [indicator_text(code, label, lang) for code, label in zip(frame["indicator"], frame["indicator_label"])]

    if len(pairs):
        parts.append(pd.DataFrame({
            "Soort": tr(DIFFERENCE_KINDS["wijken"], lang),
            "Vergelijking": pairs["name_a"].astype("string").fillna("?") + " − " + pairs["name_b"].astype("string").fillna("?"),
            "Indicator": labels(pairs), "Eerste": pairs["value_a"], "Tweede": pairs["value_b"],
            "Verschil": pairs["difference"], "Ondergrens 95%": pairs["lower"], "Bovengrens 95%": pairs["upper"],
            "significant": pairs["significant"], "reason": pairs["reason"],
            "Gemeten": [measured_text(m, lang, period) for m in pairs["measured"]]}))
    if len(waves):
        names = pd.Series([area_text(c, n, lang, reference_name) for c, n in
                           zip(waves["area_code"], waves["area_name"])], index=waves.index, dtype="string")
        parts.append(pd.DataFrame({
            "Soort": tr(DIFFERENCE_KINDS["metingen"], lang),
            "Vergelijking": (names + ": " + waves["measured"].fillna("?") + " − "
                             + waves["previous_measured"].fillna("?")),
            "Indicator": labels(waves), "Eerste": waves["value"], "Tweede": waves["previous_value"],
            "Verschil": waves["difference"], "Ondergrens 95%": waves["lower"], "Bovengrens 95%": waves["upper"],
            "significant": waves["significant"], "reason": waves["reason"], "Gemeten": waves["measured"]}))
    if not parts:
        return pd.DataFrame(columns=["Soort", "Vergelijking", "Indicator", "Eerste", "Tweede", "Verschil",
                                     "Ondergrens 95%", "Bovengrens 95%", "Significant", "Gemeten"])
    out = pd.concat(parts, ignore_index=True)
    out["Significant"] = [significance_text(s, r, lang) for s, r in zip(out["significant"], out["reason"])]
    numbers = ["Eerste", "Tweede", "Verschil", "Ondergrens 95%", "Bovengrens 95%"]
    out[numbers] = out[numbers].astype("Float64").round(2)
    return out.drop(columns=["significant", "reason"])[["Soort", "Vergelijking", "Indicator", *numbers,
                                                        "Significant", "Gemeten"]]


def compare_view(long: pd.DataFrame, chosen: tuple[str, ...], gemeente: str, lang: str = "nl",
                 period: q.Period | None = None, reference_name: str | None = None) -> dict[str, pd.DataFrame]:
    """Everything the page shows for one choice of wijken, in `lang`: the side-by-side table, its numeric
    download, the tested differences and which chosen wijken are small. Column names stay Dutch (the page
    renames them with tr)."""
    codes = list(chosen)
    subset = long[long["area_code"].isin(codes + [gemeente])]
    download = pd.DataFrame({
        "Gebied": [area_text(c, n, lang, reference_name) for c, n in zip(subset["area_code"], subset["area_name"])],
        "Code": subset["area_code"].to_numpy(),
        "Indicator": [indicator_text(i, l, lang) for i, l in zip(subset["indicator"], subset["indicator_label"])],
        "Waarde": subset["value"].to_numpy(), "Ondergrens 95%": subset["lower"].to_numpy(),
        "Bovengrens 95%": subset["upper"].to_numpy(),
        "Reden onbekend": [reason_text(r, lang) for r in subset["reason"]],
        "Teller": subset["numerator"].to_numpy(), "Noemer": subset["denominator"].to_numpy(),
        "Gemeten": [measured_text(m, lang, period) for m in subset["measured"]],
        "Bron": [i18n.source_label(str(s), lang) for s in subset["source"]]})
    if subset["areas_total"].notna().any():
        download["Gemeenten in het cijfer"] = [
            f"{number(n, 0, lang)} / {number(m, 0, lang)}" if pd.notna(m) else None
            for n, m in zip(subset["areas_included"], subset["areas_total"])]
    population = subset[subset["indicator"] == "inwoners"]
    small = population.loc[population["small_area"].fillna(False).astype(bool) & population["area_code"].isin(codes)]
    return {
        "table": side_by_side(long, codes, gemeente, lang, period, reference_name),
        "download": download,
        "differences": differences_display(pair_differences(long, codes), wave_differences(long, codes, gemeente),
                                           lang, period, reference_name),
        "small": pd.DataFrame({"area_name": small["area_name"]}),
    }


def perception_from_long(long: pd.DataFrame) -> pd.DataFrame:
    """Per wijk: registered incidents per 1,000 per year (x, exact Poisson bounds), % feeling unsafe in the own
    buurt (y, published bounds), posts per 1,000 (bubble), and whether the wijk feels less or more safe than its
    figures suggest (stats.perception_vs_registration: only when the gap interval excludes 0). Every wijk of the
    frame takes part, so the z-scores compare within the gemeente (or within the country for NL00)."""
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


def q_perception(wh: Warehouse, *, gemeente: str, period: q.Period, min_population: int,
                 min_respondents: int) -> pd.DataFrame:
    """perception_from_long over q_compare_indicators (the page gets both at once from q_compare_all)."""
    return perception_from_long(q_compare_indicators(wh, gemeente=gemeente, period=period,
                                                     min_population=min_population, min_respondents=min_respondents))


def q_compare_all(wh: Warehouse, *, gemeente: str, period: q.Period, min_population: int,
                  min_respondents: int) -> dict[str, pd.DataFrame]:
    """What the page needs, computed once: 'long' (q_compare_indicators) and 'perception' (from the same frame)."""
    long = q_compare_indicators(wh, gemeente=gemeente, period=period, min_population=min_population,
                                min_respondents=min_respondents)
    return {"long": long, "perception": perception_from_long(long)}


PERCEPTION_COLOURS = {stats.LABEL_FEELS_LESS_SAFE: "#440154", stats.LABEL_IN_LINE: "#21918c",
                      stats.LABEL_FEELS_SAFER: "#b5de2b"}  # viridis points: no red-green contrast
PERCEPTION_SYMBOLS = {stats.LABEL_FEELS_LESS_SAFE: "diamond", stats.LABEL_IN_LINE: "circle",
                      stats.LABEL_FEELS_SAFER: "square"}  # shape repeats the colour for who cannot see it
PERCEPTION_ORDER = [stats.LABEL_FEELS_LESS_SAFE, stats.LABEL_IN_LINE, stats.LABEL_FEELS_SAFER, None]


def plotly_text(value) -> str:
    """Text for a plotly label or hover: plotly renders a few HTML tags (<a href>, <b>, <br>) in them, so & < >
    become the entities plotly decodes back (&amp; &lt; &gt;); it does not decode &quot;, so quotes stay."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _hover(part: pd.DataFrame, names: list[str], lang: str) -> list[str]:
    lines = []
    for n, x, y, p, r, label in zip(names, part["incident_rate"], part["unsafe_pct"], part["posts_per_1000"],
                                    part["posts_reason"], part["label"]):
        posts = (tr("Berichten: {p} per 1.000 per jaar", lang).format(p=number(p, 1, lang)) if pd.notna(p) else
                 tr("Berichten: onbekend ({reason})", lang).format(reason=plotly_text(reason_text(r, lang) or "?")))
        verdict = stats.text_in(label, lang) if isinstance(label, str) else tr("niet te beoordelen", lang)
        lines.append(f"{n}<br>{tr('Incidenten: {x} per 1.000 per jaar', lang).format(x=number(x, 1, lang))}<br>"
                     f"{tr('Onveilig: {y}%', lang).format(y=number(y, 1, lang))}<br>{posts}<br>"
                     f"{tr('Oordeel', lang)}: {plotly_text(verdict)}")
    return lines


def _error_bars(part: pd.DataFrame) -> tuple[dict, dict]:
    return (dict(type="data", symmetric=False,
                 array=(part["incident_rate_upper"] - part["incident_rate"]).astype(float),
                 arrayminus=(part["incident_rate"] - part["incident_rate_lower"]).astype(float),
                 color="#555555", thickness=1),
            dict(type="data", symmetric=False, array=(part["unsafe_upper"] - part["unsafe_pct"]).astype(float),
                 arrayminus=(part["unsafe_pct"] - part["unsafe_lower"]).astype(float), color="#555555", thickness=1))


def perception_figure(frame: pd.DataFrame, chosen: tuple[str, ...], lang: str = "nl") -> go.Figure:
    """The 'beleving versus registratie' scatter: x = incidents per 1,000 per year, y = % feeling unsafe, both
    with 95% error bars; marker size = posts per 1,000 (an open symbol when unknown); the chosen wijken have a
    thick outline. Wijken missing either axis are left out (the page lists them with the reason).

    With more than PERCEPTION_LABEL_LIMIT wijken (the whole country) the points get smaller and see-through,
    and names and error bars are drawn for the chosen wijken only, in a trace of their own on top."""
    plotted = frame[frame["incident_rate"].notna() & frame["unsafe_pct"].notna()]
    dense = len(plotted) > PERCEPTION_LABEL_LIMIT
    known_posts = plotted["posts_per_1000"].dropna()
    size_ref = float(known_posts.max()) if len(known_posts) and known_posts.max() > 0 else 1.0
    is_chosen = plotted["area_code"].isin(chosen)
    small_size, big_size, unknown_size = (6, 16, 6) if dense else (14, 36, 12)

    def sizes(part: pd.DataFrame, base: float, scale: float, unknown: float) -> pd.Series:
        posts = part["posts_per_1000"].astype("Float64")
        return (base + scale * posts.fillna(0) / size_ref).where(posts.notna(), unknown).astype(float)

    fig = go.Figure()
    for label in PERCEPTION_ORDER:
        part = plotted[plotted["label"] == label] if label else plotted[plotted["label"].isna()]
        if dense:
            part = part[~part["area_code"].isin(chosen)]
        if part.empty:
            continue
        has_posts = part["posts_per_1000"].notna().to_numpy()
        base = PERCEPTION_SYMBOLS.get(label, "circle")
        names = [plotly_text(n) for n in part["area_name"]]
        error_x, error_y = _error_bars(part)
        fig.add_trace(go.Scatter(
            x=part["incident_rate"].astype(float), y=part["unsafe_pct"].astype(float),
            mode="markers" if dense else "markers+text",
            name=stats.text_in(label, lang) if label else tr("niet te beoordelen", lang), textposition="top center",
            # Names beside the chosen wijken and the ones that stand out; the rest on hover (no overlapping labels).
            text=None if dense else [n if (c in chosen or label not in (None, stats.LABEL_IN_LINE)) else ""
                                     for n, c in zip(names, part["area_code"])],
            hovertext=_hover(part, names, lang), hoverinfo="text", opacity=0.6 if dense else 1.0,
            marker=dict(size=sizes(part, small_size, big_size, unknown_size),
                        color=PERCEPTION_COLOURS.get(label, "#7f7f7f"),
                        symbol=[base if h else f"{base}-open" for h in has_posts],
                        line=dict(width=[3 if c in chosen else 1 for c in part["area_code"]], color="#000000")),
            error_x=None if dense else error_x, error_y=None if dense else error_y,
        ))
    if dense and is_chosen.any():
        part = plotted[is_chosen]
        has_posts = part["posts_per_1000"].notna().to_numpy()
        names = [plotly_text(n) for n in part["area_name"]]
        error_x, error_y = _error_bars(part)
        labels = [label if isinstance(label, str) else None for label in part["label"]]
        fig.add_trace(go.Scatter(
            x=part["incident_rate"].astype(float), y=part["unsafe_pct"].astype(float), mode="markers+text",
            name=tr("Gekozen wijken", lang), text=names, textposition="top center",
            hovertext=_hover(part, names, lang), hoverinfo="text",
            marker=dict(size=sizes(part, 14, 36, 12), color=[PERCEPTION_COLOURS.get(x, "#7f7f7f") for x in labels],
                        symbol=[PERCEPTION_SYMBOLS.get(x, "circle") + ("" if h else "-open")
                                for x, h in zip(labels, has_posts)],
                        line=dict(width=3, color="#000000")),
            error_x=error_x, error_y=error_y))
    fig.update_layout(xaxis_title=tr("Geregistreerde misdrijven per 1.000 inwoners per jaar", lang),
                      yaxis_title=tr("% voelt zich weleens onveilig in de buurt", lang),
                      legend_title_text=tr("Oordeel", lang),
                      height=520 if dense else 480, margin=dict(l=10, r=10, t=30, b=10), template="plotly_white")
    return fig


def missing_text(frame: pd.DataFrame, lang: str = "nl") -> str | None:
    """Which wijken are not in the scatter and why: by name, or counted per reason when there are many."""
    missing = frame[frame["incident_rate"].isna() | frame["unsafe_pct"].isna()]
    if missing.empty:
        return None
    if len(missing) <= MISSING_LIST_LIMIT:
        return tr("Niet in de grafiek: ", lang) + "; ".join(
            f"{n} ({reason_text(r, lang)})" for n, r in zip(missing["area_name"], missing["reason"]))
    counts = missing["reason"].fillna("onbekend").value_counts()
    reasons = "; ".join(f"{number(n, 0, lang)} × {reason_text(r, lang)}" for r, n in counts.items())
    return tr("Niet in de grafiek: {n} wijken (per wijk in de tabel hieronder): {reasons}.", lang).format(
        n=number(len(missing), 0, lang), reasons=reasons)


def perception_display(frame: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    return pd.DataFrame({
        "Wijk": frame["area_name"], "Code": frame["area_code"],
        "Incidenten per 1.000 per jaar": frame["incident_rate"].round(1),
        "Ondergrens 95% (incidenten)": frame["incident_rate_lower"].round(1),
        "Bovengrens 95% (incidenten)": frame["incident_rate_upper"].round(1),
        "% voelt zich weleens onveilig in de buurt": frame["unsafe_pct"].round(1),
        "Ondergrens 95% (%)": frame["unsafe_lower"].round(1), "Bovengrens 95% (%)": frame["unsafe_upper"].round(1),
        "Meting": frame["survey_wave"],
        "Berichten per 1.000 per jaar": frame["posts_per_1000"].round(1),
        "Reden onbekend (berichten)": pd.array([reason_text(r, lang) for r in frame["posts_reason"]], dtype="string"),
        "Verschil beleving − registratie (z)": frame["gap"].round(2),
        "Ondergrens 95% (z)": frame["gap_lower"].round(2), "Bovengrens 95% (z)": frame["gap_upper"].round(2),
        "Oordeel": pd.array([stats.text_in(x, lang) if isinstance(x, str) else None for x in frame["label"]],
                            dtype="string"),
        "Reden onbekend": pd.array([reason_text(r, lang) for r in frame["reason"]], dtype="string"),
    })


def bench(gemeente: str | None = None) -> dict[str, float]:
    """Vergelijken page on the configured warehouse: the default two wijken and (demo) a choice of four; for
    `gemeente` (e.g. NL00, all gemeenten at once) its default two wijken."""
    from wijkbeeld.q_hotspots import bench_page

    if gemeente:
        return bench_page("pages/vergelijken.py", {"gm": gemeente})
    default = bench_page("pages/vergelijken.py")
    four = bench_page("pages/vergelijken.py", {"wijken": "WK999900,WK999901,WK999904,WK999908"})
    return {**default, "warm_four_ms": four["warm_ms"]}


if __name__ == "__main__":  # pragma: no cover - manual benchmark: python -m wijkbeeld.q_compare [NL00]
    import sys

    print(bench(sys.argv[1] if len(sys.argv) > 1 else None))
