"""Read-side queries: q_*(wh, *, params) -> DataFrame. SQL lives here as constants, values are always bound
parameters, and identifiers never come from user input. Missing figures stay NULL and carry a reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from wijkbeeld.db import Warehouse
from wijkbeeld.i18n import span_label

# The whole country: CBS's code for Nederland. Every query that takes $gm scopes with
# `(x.gemeente_code = $gm OR $gm = 'NL00')` (tests/test_national_view.py checks that), so one gemeente and the
# whole country share the SQL; DuckDB plans the OR without measurable cost (measured on the national warehouse).
NATIONAL = "NL00"

SOURCE_POLICE = "Politie via CBS (geregistreerde misdrijven)"
SOURCE_CBS_POP = "CBS Kerncijfers wijken en buurten"
SOURCE_SURVEY = "Veiligheidsmonitor / wijkenquête"
SOURCE_POSTS = "Wijkpagina's (berichten en reacties)"


@dataclass(frozen=True)
class Period:
    start: date  # first day of the first month
    end: date    # first day of the last month (inclusive)

    @property
    def label(self) -> str:
        """In the language of the current run; cached functions use label_in(lang)."""
        return span_label(self.start, self.end)

    def label_in(self, lang: str) -> str:
        return span_label(self.start, self.end, lang)

    @property
    def n_months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


Q_META = "SELECT build_id, built_at, is_demo, schema_version, retention_months FROM meta_schema"

Q_GEMEENTEN = """
SELECT g.gemeente_code, g.gemeente_name, (SELECT any_value(is_demo) FROM meta_schema) AS is_demo,
       (SELECT count(*) FROM dim_wijk w WHERE w.gemeente_code = g.gemeente_code) AS wijken
FROM dim_gemeente g ORDER BY g.gemeente_name
"""

# The months a period can cover: those with police figures (the registered core), or with posts when a
# gemeente has no police figures loaded.
Q_MONTHS = """
WITH inc AS (
    SELECT DISTINCT f.month FROM fct_incident_month f JOIN dim_area a USING (area_code) WHERE (a.gemeente_code = $gm OR $gm = 'NL00')
), posts AS (
    SELECT DISTINCT p.month FROM mart_wijk_post_month p JOIN dim_wijk w USING (wijk_code) WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
)
SELECT month FROM inc
UNION ALL SELECT month FROM posts WHERE NOT EXISTS (SELECT 1 FROM inc)
ORDER BY month
"""

Q_INCIDENT_MONTHS = """
SELECT min(f.month) AS first_month, max(f.month) AS last_month
FROM fct_incident_month f JOIN dim_area a USING (area_code) WHERE (a.gemeente_code = $gm OR $gm = 'NL00')
"""

Q_WIJKEN = """
SELECT wijk_code, wijk_name, area_m2, geometry_geojson FROM dim_wijk WHERE (gemeente_code = $gm OR $gm = 'NL00') ORDER BY wijk_code
"""

Q_BUURTEN = """
SELECT buurt_code, buurt_name, wijk_code, area_m2, geometry_geojson FROM dim_buurt WHERE (gemeente_code = $gm OR $gm = 'NL00') ORDER BY buurt_code
"""

# Per wijk over a window of months: incidents, population as person-years of the same year(s), posts, survey.
Q_WIJK_INDICATORS = """
WITH months AS (
    SELECT CAST(range AS DATE) AS month FROM range(CAST($start AS DATE), CAST($end AS DATE) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
), wijken AS (
    SELECT wijk_code, wijk_name, gemeente_code FROM dim_wijk WHERE (gemeente_code = $gm OR $gm = 'NL00')
), pop AS (   -- person-years: each month weighs its own year's population
    SELECT w.wijk_code,
           sum(p.population) / 12.0 AS person_years,
           count(p.population) AS months_with_population,
           bool_or(p.imputed) AS population_imputed,
           max(p.population_year) AS population_year,
           arg_max(p.population, m.month) AS population_latest
    FROM wijken w CROSS JOIN months m
    LEFT JOIN fct_population p ON p.area_code = w.wijk_code AND p.year = year(m.month)
    GROUP BY w.wijk_code
), inc AS (
    SELECT w.wijk_code,
           count(DISTINCT f.month) AS months_with_data,
           count(*) FILTER (WHERE f.incident_count IS NULL) AS withheld_cells,
           sum(f.incident_count) AS incidents_known
    FROM wijken w JOIN fct_incident_month f ON f.area_code = w.wijk_code
    JOIN dim_crime_type c USING (crime_code)
    WHERE f.month BETWEEN $start AND $end AND c.crime_group <> 'overlast'  -- registered nuisance is not crime
    GROUP BY w.wijk_code
), page AS (
    SELECT b.wijk_code, min(d.launch_date) AS launch_date, string_agg(d.page_name, '; ' ORDER BY d.page_name) AS page_names
    FROM bridge_page_wijk b JOIN dim_page d USING (page_id) GROUP BY b.wijk_code
), page_pop AS (  -- person-years only over the months the page existed
    SELECT w.wijk_code, sum(p.population) / 12.0 AS person_years_live, count(*) AS live_months
    FROM wijken w JOIN page pg USING (wijk_code) CROSS JOIN months m
    JOIN fct_population p ON p.area_code = w.wijk_code AND p.year = year(m.month)
    WHERE m.month >= date_trunc('month', pg.launch_date)
    GROUP BY w.wijk_code
), posts AS (
    SELECT wijk_code, sum(messages) AS messages, sum(resident_messages) AS resident_messages
    FROM mart_wijk_post_month WHERE month BETWEEN $start AND $end GROUP BY wijk_code
), survey AS (
    SELECT area_code AS wijk_code, arg_max(value, period_start) AS unsafe_pct, arg_max(lower, period_start) AS unsafe_lower,
           arg_max(upper, period_start) AS unsafe_upper, max(period_start) AS survey_period,
           arg_max(respondents, period_start) AS survey_respondents, arg_max(source_table, period_start) AS survey_source
    FROM fct_survey WHERE indicator = 'onveilig_buurt' AND period_start <= $end AND level = 'wijk'
    GROUP BY area_code
)
SELECT w.wijk_code, w.wijk_name, w.gemeente_code, g.gemeente_name,
       pop.population_latest AS population, pop.population_year, pop.population_imputed, pop.person_years,
       CASE WHEN inc.withheld_cells = 0 AND inc.months_with_data = (SELECT count(*) FROM months) THEN inc.incidents_known END AS incidents,
       inc.incidents_known, inc.withheld_cells, inc.months_with_data,
       pg.launch_date, pg.page_names, pp.person_years_live, pp.live_months,
       CASE WHEN pg.wijk_code IS NOT NULL AND pp.live_months > 0 THEN coalesce(posts.messages, 0) END AS messages,
       posts.resident_messages,
       s.unsafe_pct, s.unsafe_lower, s.unsafe_upper, s.survey_period, s.survey_respondents, s.survey_source,
       s.wijk_code IS NOT NULL AS has_survey_row
FROM wijken w
LEFT JOIN dim_gemeente g USING (gemeente_code)
LEFT JOIN pop USING (wijk_code)
LEFT JOIN inc USING (wijk_code)
LEFT JOIN page pg USING (wijk_code)
LEFT JOIN page_pop pp USING (wijk_code)
LEFT JOIN posts USING (wijk_code)
LEFT JOIN survey s USING (wijk_code)
ORDER BY w.wijk_code
"""

Q_TOP_THEMES = """
SELECT t.wijk_code, t.theme, d.label, sum(t.messages) AS messages
FROM mart_wijk_theme_month t JOIN dim_theme d USING (theme) JOIN dim_wijk w USING (wijk_code)
WHERE (w.gemeente_code = $gm OR $gm = 'NL00') AND t.month BETWEEN $start AND $end
GROUP BY ALL ORDER BY t.wijk_code, messages DESC, t.theme
"""


def q_meta(wh: Warehouse) -> dict:
    row = wh.query(Q_META)
    return row.iloc[0].to_dict() if len(row) else {}


def q_gemeenten(wh: Warehouse) -> pd.DataFrame:
    return wh.query(Q_GEMEENTEN)


def q_months(wh: Warehouse, *, gemeente: str) -> list[date]:
    frame = wh.query(Q_MONTHS, {"gm": gemeente})
    return [pd.Timestamp(m).date() for m in frame["month"]]


def q_incident_span(wh: Warehouse, *, gemeente: str) -> tuple[date | None, date | None]:
    row = wh.query(Q_INCIDENT_MONTHS, {"gm": gemeente}).iloc[0]
    conv = lambda v: None if pd.isna(v) else pd.Timestamp(v).date()  # noqa: E731
    return conv(row["first_month"]), conv(row["last_month"])


def q_wijken(wh: Warehouse, *, gemeente: str) -> pd.DataFrame:
    return wh.query(Q_WIJKEN, {"gm": gemeente})


def q_buurten(wh: Warehouse, *, gemeente: str) -> pd.DataFrame:
    return wh.query(Q_BUURTEN, {"gm": gemeente})


def q_wijk_indicators(wh: Warehouse, *, gemeente: str, period: Period, min_population: int) -> pd.DataFrame:
    """One row per wijk with every Overzicht figure, its numerator, denominator and why it may be missing."""
    raw = wh.query(Q_WIJK_INDICATORS, {"gm": gemeente, "start": period.start, "end": period.end})
    out = raw.copy()
    py = out["person_years"].astype("Float64")
    out["incidents_per_1000"] = (out["incidents"].astype("Float64") / py * 1000).round(1)
    out["incidents_reason"] = None
    out.loc[out["months_with_data"].isna() | (out["months_with_data"] == 0), "incidents_reason"] = "geen politiecijfers voor deze periode"
    out.loc[out["incidents_reason"].isna() & (out["withheld_cells"] > 0), "incidents_reason"] = "deels afgeschermd door de bron"
    out.loc[out["incidents_reason"].isna() & (out["months_with_data"] < period.n_months), "incidents_reason"] = "niet alle maanden gepubliceerd"
    out.loc[out["incidents_reason"].isna() & py.isna(), "incidents_reason"] = "geen bevolkingscijfer"
    pyl = out["person_years_live"].astype("Float64")
    out["posts_per_1000"] = (out["messages"].astype("Float64") / pyl * 1000).round(1)
    out["posts_reason"] = None
    out.loc[out["page_names"].isna(), "posts_reason"] = "geen wijkpagina"
    out.loc[out["posts_reason"].isna() & out["messages"].isna(), "posts_reason"] = "pagina startte na deze periode"
    out["unsafe_reason"] = None
    out.loc[~out["has_survey_row"].astype(bool), "unsafe_reason"] = "geen enquête in deze wijk"
    out.loc[out["has_survey_row"].astype(bool) & out["unsafe_pct"].isna(), "unsafe_reason"] = "te weinig respondenten"
    out["small_area"] = out["population"].astype("Float64") < min_population
    return out


def q_top_themes(wh: Warehouse, *, gemeente: str, period: Period) -> pd.DataFrame:
    return wh.query(Q_TOP_THEMES, {"gm": gemeente, "start": period.start, "end": period.end})
