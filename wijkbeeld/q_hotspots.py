"""Hotspots (police district lead): per wijk or buurt and crime group, the last months against the same months a
year earlier and against the area's own seasonal baseline (stats.hotspots with Benjamini-Hochberg), incidents per
1,000 inhabitants of the same year, and how much residents wrote about the matching theme.

Also home of the crime-group labels and Dutch number formatting the Vergelijken and Evaluatie pages share.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from wijkbeeld import i18n, stats
from wijkbeeld.db import Warehouse

LEVELS = {"buurt": "Buurt", "wijk": "Wijk"}
GROUP_TOTAL = "totaal"
CRIME_GROUP_LABELS = {
    GROUP_TOTAL: "Alle misdrijven",
    "vermogen": "Vermogensmisdrijven",
    "geweld": "Geweldsmisdrijven",
    "vernieling_openbare_orde": "Vernieling en openbare orde",
    "verkeer": "Verkeersmisdrijven",
    "overig": "Overige misdrijven",
    "overlast": "Geregistreerde overlast",
}
COLOUR_BY = {"rate": "Incidenten per 1.000 inwoners per jaar", "rise": "Stijging t.o.v. verwachting (%)"}
METHOD_LABELS = {"poisson": "Poisson", "negbin": "negatief binomiaal (meer spreiding dan Poisson)"}

SOURCE_HOTSPOTS = "Politie via CBS (geregistreerde misdrijven per maand); CBS Kerncijfers wijken en buurten (inwoners)"
SOURCE_THEME_POSTS = "Wijkpagina's: berichten en reacties van bewoners met een thema dat bij de soort misdrijf hoort"

REASON_NO_PAGE = "geen wijkpagina"

i18n.register({
    "Getoetste reeksen": "Series tested",
    "Opvallende stijging": "Unusual rise",
    "Niet getoetst": "Not tested",
    "buurten": "neighbourhoods",
    "wijken": "districts",
    "soorten misdrijf met genoeg geschiedenis.": "crime groups with enough history.",
    "q-waarde": "q-value",
    "na Benjamini-Hochberg.": "after Benjamini-Hochberg.",
    "De reden staat in de tabel (kolom 'Opvallende stijging').": "The reason is in the table (column 'Unusual rise').",
    "Er zijn geen politiecijfers per maand voor deze gemeente en dit niveau.":
        "There are no monthly police figures for this municipality and this level.",
    "Klein gebied (niet gerangschikt)": "Small area (not ranked)",
    "Incidenten recent": "Recent incidents",
    "Per 1.000 inwoners per jaar": "Per 1,000 inhabitants per year",
    "Reden onbekend (incidenten)": "Reason unknown (incidents)",
    "Zelfde maanden jaar eerder": "Same months a year earlier",
    "Verandering t.o.v. jaar eerder (%)": "Change against a year earlier (%)",
    "Ondergrens 95% jaar eerder (%)": "Lower bound 95% year earlier (%)",
    "Bovengrens 95% jaar eerder (%)": "Upper bound 95% year earlier (%)",
    "Verwacht (eigen seizoenspatroon)": "Expected (own seasonal pattern)",
    "Ondergrens 95% (%)": "Lower bound 95% (%)",
    "Bovengrens 95% (%)": "Upper bound 95% (%)",
    "p-waarde": "p-value",
    "q-waarde (BH)": "q-value (BH)",
    "Rang": "Rank",
    "Thema's bewoners": "Residents' themes",
    "Bewonersberichten recent": "Resident posts recent",
    "Bewonersberichten jaar eerder": "Resident posts a year earlier",
    "Hotspots": "Hotspots",
    "Soort misdrijf": "Crime group",
    "Niveau": "Level",
    "Kleur op de kaart": "Colour on the map",
    "Opvallende stijgingen": "Unusual rises",
    "Alle misdrijven": "All crime",
    "Vermogensmisdrijven": "Property crime",
    "Geweldsmisdrijven": "Violent crime",
    "Vernieling en openbare orde": "Vandalism and public order",
    "Verkeersmisdrijven": "Traffic offences",
    "Overige misdrijven": "Other crime",
    "Geregistreerde overlast": "Registered nuisance",
    "Incidenten per 1.000 inwoners per jaar": "Incidents per 1,000 inhabitants per year",
    "Stijging t.o.v. verwachting (%)": "Rise against expectation (%)",
    "Methode": "Method",
    "Buurtkaart": "Neighbourhood map",
    "Wijkkaart": "District map",
})

# Every incident series per area and month for one level: the crime groups and the crime total.
Q_MONTHLY = """
SELECT m.area_code, m.crime_group AS "group", m.month, m.incident_count AS count
FROM mart_incident_group_month m JOIN dim_area a USING (area_code)
WHERE (a.gemeente_code = $gm OR $gm = 'NL00') AND m.level = $level AND m.month <= $as_of
UNION ALL
SELECT t.area_code, 'totaal', t.month, t.incident_count
FROM mart_incident_total_month t JOIN dim_area a USING (area_code)
WHERE (a.gemeente_code = $gm OR $gm = 'NL00') AND t.level = $level AND t.month <= $as_of
"""

# Areas of the level with their wijk, the population of the as-of year and person-years over the recent window
# (each month weighs the population of its own year).
Q_AREAS = """
WITH months AS (
    SELECT CAST(range AS DATE) AS month
    FROM range(CAST($start AS DATE), CAST($end AS DATE) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
), areas AS (
    SELECT a.area_code, a.area_name, COALESCE(a.wijk_code, a.area_code) AS wijk_code
    FROM dim_area a WHERE (a.gemeente_code = $gm OR $gm = 'NL00') AND a.level = $level
), window_pop AS (
    SELECT a.area_code, sum(p.population) / 12.0 AS person_years, count(p.population) AS months_with_population
    FROM areas a CROSS JOIN months m
    LEFT JOIN fct_population p ON p.area_code = a.area_code AND p.year = year(m.month)
    GROUP BY a.area_code
)
SELECT a.area_code, a.area_name, a.wijk_code, w.wijk_name,
       p.population, p.population_year, p.imputed AS population_imputed,
       wp.person_years, wp.months_with_population
FROM areas a
LEFT JOIN dim_wijk w ON w.wijk_code = a.wijk_code
LEFT JOIN fct_population p ON p.area_code = a.area_code AND p.year = year(CAST($end AS DATE))
LEFT JOIN window_pop wp ON wp.area_code = a.area_code
ORDER BY a.area_code
"""

# Per wijk: when its page started (the earliest page when several serve it; the first post when the launch date is
# unknown), the resident messages on each crime group's themes in the recent window and a year earlier.
Q_THEME_POSTS = """
WITH page AS (
    SELECT b.wijk_code,
           min(COALESCE(d.launch_date, (SELECT min(p.month) FROM fct_post p WHERE p.page_id = d.page_id))) AS launch_date
    FROM bridge_page_wijk b JOIN dim_page d USING (page_id) JOIN dim_wijk w USING (wijk_code)
    WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
    GROUP BY b.wijk_code
), posts AS (
    SELECT m.wijk_code, m.crime_group,
           sum(m.resident_messages) FILTER (WHERE m.month BETWEEN $recent_start AND $recent_end) AS posts_recent,
           sum(m.resident_messages) FILTER (WHERE m.month BETWEEN $previous_start AND $previous_end) AS posts_previous
    FROM mart_wijk_crime_theme_posts_month m JOIN page USING (wijk_code)
    GROUP BY ALL
)
SELECT page.wijk_code, page.launch_date, posts.crime_group AS "group", posts.posts_recent, posts.posts_previous
FROM page LEFT JOIN posts USING (wijk_code)
"""

# What the post counts can cover: the last month with posts, the first day still inside the retention term, and
# the first month of the theme-post mart (earlier than that day when the build carried old monthly aggregates over).
Q_POST_COVERAGE = """
SELECT (SELECT max(month) FROM fct_post) AS last_post_month,
       (SELECT any_value(reference_date) - to_months(any_value(retention_months)) FROM meta_schema) AS retained_from,
       (SELECT min(month) FROM mart_wijk_crime_theme_posts_month) AS theme_posts_from
"""

Q_GROUP_THEMES = """
SELECT c.crime_group AS "group", string_agg(DISTINCT t.label, ', ' ORDER BY t.label) AS theme_labels
FROM dim_crime_type c JOIN dim_theme t USING (theme)
GROUP BY c.crime_group
UNION ALL
SELECT 'totaal', string_agg(DISTINCT t.label, ', ' ORDER BY t.label)
FROM dim_crime_type c JOIN dim_theme t USING (theme) WHERE c.crime_group <> 'overlast'
"""

Q_CRIME_GROUPS = "SELECT DISTINCT crime_group FROM dim_crime_type ORDER BY crime_group"

HOTSPOT_COLUMNS = [
    "area_code", "area_name", "wijk_code", "wijk_name", "group", "group_label", "level",
    "population", "population_year", "population_imputed", "small_area",
    "window_start", "window_end", "observed", "incidents_recent", "incidents_recent_known_months", "person_years",
    "rate", "rate_lower", "rate_upper", "rate_reason",
    "previous_count", "recent_count_paired", "months_compared", "yoy_change_pct", "yoy_change_lower",
    "yoy_change_upper",
    "expected", "rise_pct", "rise_lower", "rise_upper", "p_value", "q_value", "flagged", "method",
    "months_of_history", "test_reason", "flag_text", "method_label", "rank",
    "theme_labels", "posts_recent", "posts_previous", "posts_reason",
]


def group_label(group: str) -> str:
    return CRIME_GROUP_LABELS.get(group, str(group).replace("_", " ").capitalize())


def nl_number(value, decimals: int = 1, missing: str = "onbekend") -> str:
    """Dutch formatting (decimal comma, dot for thousands); unknown stays a word, never 0."""
    if value is None or pd.isna(value):
        return missing
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def nl_signed_pct(value, decimals: int = 0, missing: str = "onbekend") -> str:
    if value is None or pd.isna(value):
        return missing
    text = nl_number(abs(value), decimals)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text + "%"


def _eq(shown: str) -> str:
    """'= 0,025' but '< 0,001' (not '= < 0,001')."""
    return shown if shown.startswith(("<", ">")) else f"= {shown}"


def nl_p(value, missing: str = "—") -> str:
    """p- and q-values: three decimals, '< 0,001' below that."""
    if value is None or pd.isna(value):
        return missing
    return "< 0,001" if value < 0.001 else nl_number(value, 3)


def month_span(start, end) -> str:
    months = "jan feb mrt apr mei jun jul aug sep okt nov dec".split()
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    first = f"{months[a.month - 1]} {a.year}"
    last = f"{months[b.month - 1]} {b.year}"
    return first if first == last else f"{first} t/m {last}"


def q_crime_groups(wh: Warehouse) -> list[str]:
    """The groups the page offers: the crime total first, then every group in the data."""
    groups = wh.query(Q_CRIME_GROUPS)["crime_group"].tolist()
    return [GROUP_TOTAL] + [g for g in groups if g != GROUP_TOTAL]


def months_back(day, months: int) -> pd.Timestamp:
    return pd.Timestamp(day) - pd.DateOffset(months=months)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in HOTSPOT_COLUMNS})


def q_hotspots(wh: Warehouse, *, gemeente: str, level: str, as_of: date, recent_months: int,
               min_history_months: int, fdr_q: float, min_population: int) -> pd.DataFrame:
    """One row per area x crime group (and the total) at `level`, the recent window ending at `as_of`.

    All series of the level are tested together: the Benjamini-Hochberg family is every area and group the page
    shows. Rates are per 1,000 inhabitants per year over the recent window (person-years of the same year); a
    window with a withheld month has no rate. Small areas (population < min_population) keep their flag but get
    no rank; the rank orders flagged areas by the lower bound of their rise.
    """
    if level not in LEVELS:
        raise ValueError(f"onbekend niveau {level!r}")
    monthly = wh.query(Q_MONTHLY, {"gm": gemeente, "level": level, "as_of": as_of})
    if monthly.empty:
        return _empty()
    hot = stats.hotspots(monthly, recent_months=recent_months, min_history_months=min_history_months,
                         q=fdr_q, as_of=as_of)
    yoy = stats.same_months_last_year(monthly, recent_months, as_of=as_of)
    window_start, window_end = pd.Timestamp(hot["window_start"].iloc[0]), pd.Timestamp(hot["window_end"].iloc[0])
    areas = wh.query(Q_AREAS, {"gm": gemeente, "level": level, "start": window_start.date(), "end": window_end.date()})

    out = hot.merge(yoy[["area_code", "group", "recent_count", "previous_count", "months_compared", "ratio",
                         "ratio_lower", "ratio_upper"]].rename(columns={
                             "ratio": "yoy_ratio", "ratio_lower": "yoy_lower", "ratio_upper": "yoy_upper",
                             "recent_count": "recent_count_paired"}),
                    on=["area_code", "group"], how="left")
    out = out.merge(areas, on="area_code", how="left")
    out["level"] = level
    out["group_label"] = out["group"].map(group_label)

    # The recent count and rate only when every recent month is published: a withheld month stays unknown.
    complete = out["recent_months_observed"].astype("Int64") == recent_months
    out["incidents_recent_known_months"] = out["recent_months_observed"]
    out["incidents_recent"] = out["observed"].where(complete.fillna(False).astype(bool)).astype("Int64")
    out = out.reset_index(drop=True)
    full_population = out["months_with_population"].astype("Float64") == recent_months
    person_years = out["person_years"].astype("Float64").where(full_population.fillna(False).astype(bool))
    rated = stats.rates(out.assign(_py=person_years), "incidents_recent", "_py", per=1000, min_population=0)
    out["rate"] = rated["rate"]  # per 1,000 person-years: per 1,000 inhabitants per year
    out["rate_lower"], out["rate_upper"] = rated["rate_lower"], rated["rate_upper"]
    # Why a recent count is unknown: a withheld month (a row with NULL) differs from a month not published at all.
    in_window = monthly[pd.to_datetime(monthly["month"]) >= window_start]
    withheld = in_window[in_window["count"].isna()].groupby(["area_code", "group"]).size().rename("_withheld")
    out = out.merge(withheld, left_on=["area_code", "group"], right_index=True, how="left")
    known_months = out["recent_months_observed"].astype("Int64")
    reason = pd.Series(pd.NA, index=out.index, dtype="string")
    reason = reason.mask(person_years.isna(), "geen bevolkingscijfer")
    reason = reason.mask(known_months < recent_months, "niet alle maanden gepubliceerd")
    reason = reason.mask(out["_withheld"].fillna(0) > 0, "deels afgeschermd door de bron")
    reason = reason.mask(known_months == 0, "geen cijfers voor deze maanden")
    out["rate_reason"] = reason

    out["population"] = out["population"].astype("Int64")
    population = out["population"].astype("Float64")
    out["small_area"] = (population < min_population).astype("boolean")
    out["rise_pct"] = (out["ratio"] - 1) * 100
    out["rise_lower"] = (out["ratio_lower"] - 1) * 100
    out["rise_upper"] = (out["ratio_upper"] - 1) * 100
    out["yoy_change_pct"] = (out["yoy_ratio"] - 1) * 100
    out["yoy_change_lower"] = (out["yoy_lower"] - 1) * 100
    out["yoy_change_upper"] = (out["yoy_upper"] - 1) * 100
    out["test_reason"] = out["reason"]
    out["flag_text"] = pd.Series(np.where(out["flagged"].isna(), "niet getoetst: " + out["reason"].fillna("onbekend"),
                                          np.where(out["flagged"].fillna(False).astype(bool), "ja", "nee")),
                                 index=out.index, dtype="string")
    out["method_label"] = out["method"].map(METHOD_LABELS).astype("string")

    rankable = out["flagged"].fillna(False).astype(bool) & ~out["small_area"].fillna(True).astype(bool)
    ranks = out["ratio_lower"].astype("Float64").where(rankable).rank(ascending=False, method="min")
    out["rank"] = ranks.round().astype("Int64")

    out = _attach_theme_posts(wh, out, gemeente=gemeente, window_start=window_start, window_end=window_end)
    # Flagged first, in rank order (small areas, without a rank, after them), then by q-value.
    order = out.assign(_f=~out["flagged"].fillna(False).astype(bool),
                       _r=out["rank"].astype("Float64").fillna(np.inf), _q=out["q_value"].astype("Float64").fillna(2.0))
    out = out.loc[order.sort_values(["_f", "_r", "_q", "area_code", "group"]).index].reset_index(drop=True)
    return out[HOTSPOT_COLUMNS]


def _attach_theme_posts(wh: Warehouse, out: pd.DataFrame, *, gemeente: str, window_start: pd.Timestamp,
                        window_end: pd.Timestamp) -> pd.DataFrame:
    """Resident messages on the group's themes for the row's wijk: recent window and the same months a year
    earlier. Unknown (with the reason) when the wijk has no page, the page did not cover the whole window, the
    messages are not loaded yet or were removed after the retention term."""
    previous_start, previous_end = months_back(window_start, 12), months_back(window_end, 12)
    posts = wh.query(Q_THEME_POSTS, {"gm": gemeente, "recent_start": window_start.date(),
                                     "recent_end": window_end.date(), "previous_start": previous_start.date(),
                                     "previous_end": previous_end.date()})
    coverage = wh.query(Q_POST_COVERAGE).iloc[0]
    themes = wh.query(Q_GROUP_THEMES)
    launches = posts.drop_duplicates("wijk_code").set_index("wijk_code")["launch_date"]
    counts = posts.dropna(subset=["group"])

    frame = out.merge(counts, left_on=["wijk_code", "group"], right_on=["wijk_code", "group"], how="left")
    frame = frame.merge(themes, on="group", how="left")
    has_page = frame["wijk_code"].isin(launches.index)
    # A gemeente without any wijk page maps every wijk to NA: keep the column a datetime all the same.
    launch_by_wijk = {code: value for code, value in launches.items()}  # a dict: an empty Series would not map
    launch = pd.to_datetime(frame["wijk_code"].map(launch_by_wijk).astype("object"), errors="coerce")
    last_post = pd.Timestamp(coverage["last_post_month"]) if pd.notna(coverage["last_post_month"]) else pd.NaT
    retained_from = pd.Timestamp(coverage["retained_from"]) if pd.notna(coverage["retained_from"]) else pd.NaT
    carried_from = pd.Timestamp(coverage["theme_posts_from"]) if pd.notna(coverage["theme_posts_from"]) else pd.NaT
    if pd.notna(retained_from) and pd.notna(carried_from) and carried_from < retained_from:
        retained_from = carried_from  # monthly counts kept from earlier builds reach back further than the posts

    def window_reason(start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        reason = pd.Series(pd.NA, index=frame.index, dtype="string")
        if pd.notna(retained_from) and start < retained_from:
            reason[:] = "berichten van toen zijn na de bewaartermijn verwijderd"
        if pd.isna(last_post) or end > last_post:
            reason[:] = "berichten over deze maanden zijn nog niet geladen"
        reason = reason.mask(launch > start, "pagina startte tijdens deze maanden")
        reason = reason.mask(launch > end, "pagina bestond toen nog niet")
        return reason.mask(~has_page, REASON_NO_PAGE)

    recent_reason = window_reason(window_start, window_end)
    previous_reason = window_reason(previous_start, previous_end)
    frame["posts_recent"] = frame["posts_recent"].astype("Float64").fillna(0).where(recent_reason.isna()).astype("Int64")
    frame["posts_previous"] = (frame["posts_previous"].astype("Float64").fillna(0)
                               .where(previous_reason.isna()).astype("Int64"))
    combined = recent_reason.fillna(previous_reason.map(lambda r: f"jaar eerder: {r}", na_action="ignore"))
    frame["posts_reason"] = combined.astype("string")
    frame["theme_labels"] = frame["theme_labels"].astype("string")
    frame.loc[frame["theme_labels"].isna() & has_page, "posts_reason"] = "geen thema dat bij deze soort hoort"
    return frame


def flag_sentences(table: pd.DataFrame) -> list[str]:
    """One Dutch sentence per flagged row: the size of the rise with its interval, p and q, the method and what
    residents wrote about the matching theme (or why that is unknown). Plain text: the page escapes it."""
    sentences = []
    for row in table[table["flagged"].fillna(False).astype(bool)].to_dict("records"):
        area = f"{row['area_name']}" + (f" (wijk {row['wijk_name']})" if row["level"] == "buurt" else "")
        rank = "niet gerangschikt: minder dan de drempel aan inwoners" if bool(row["small_area"]) else (
            f"rang {int(row['rank'])}" if pd.notna(row["rank"]) else "niet gerangschikt: inwonertal onbekend")
        span = month_span(row["window_start"], row["window_end"])
        counted = (f"{_int(row['incidents_recent'])} incidenten in {span}" if pd.notna(row["incidents_recent"]) else
                   f"{_int(row['observed'])} incidenten in de {int(row['incidents_recent_known_months'])} gepubliceerde "
                   f"maanden van {span} ({row['rate_reason']})")
        text = (f"{area} — {row['group_label']}: {counted} tegen {nl_number(row['expected'])} verwacht "
                f"uit het eigen seizoenspatroon: {nl_signed_pct(row['rise_pct'])} (95%-interval "
                f"{nl_signed_pct(row['rise_lower'])} tot {nl_signed_pct(row['rise_upper'])}); p {_eq(nl_p(row['p_value']))}, "
                f"q {_eq(nl_p(row['q_value']))}; methode {METHOD_LABELS.get(row['method'], row['method'])}; {rank}.")
        if pd.notna(row["yoy_change_pct"]):
            text += (f" Tegenover dezelfde maanden een jaar eerder: {nl_signed_pct(row['yoy_change_pct'])} "
                     f"({_int(row['recent_count_paired'])} tegen {_int(row['previous_count'])}).")
        if pd.isna(row["posts_reason"]):
            text += (f" Bewoners op de wijkpagina over {str(row['theme_labels']).lower()}: {_int(row['posts_recent'])} "
                     f"berichten en reacties, een jaar eerder {_int(row['posts_previous'])}.")
        elif pd.notna(row["posts_recent"]):
            text += (f" Bewoners op de wijkpagina over {str(row['theme_labels']).lower()}: {_int(row['posts_recent'])} "
                     f"berichten en reacties; een jaar eerder onbekend ({row['posts_reason'].removeprefix('jaar eerder: ')}).")
        else:
            text += f" Bewonersberichten: onbekend ({row['posts_reason']})."
        sentences.append(text)
    return sentences


def _int(value) -> str:
    return nl_number(value, 0)


DISPLAY_COLUMNS = {  # column -> Dutch header; the level's own header comes first
    "area_code": "Code", "wijk_name": "Wijk", "group_label": "Soort", "population": "Inwoners",
    "small_area": "Klein gebied (niet gerangschikt)", "incidents_recent": "Incidenten recent",
    "rate": "Per 1.000 inwoners per jaar", "rate_reason": "Reden onbekend (incidenten)",
    "previous_count": "Zelfde maanden jaar eerder", "yoy_change_pct": "Verandering t.o.v. jaar eerder (%)",
    "yoy_change_lower": "Ondergrens 95% jaar eerder (%)", "yoy_change_upper": "Bovengrens 95% jaar eerder (%)",
    "expected": "Verwacht (eigen seizoenspatroon)", "rise_pct": "Stijging t.o.v. verwachting (%)",
    "rise_lower": "Ondergrens 95% (%)", "rise_upper": "Bovengrens 95% (%)", "p_value": "p-waarde",
    "q_value": "q-waarde (BH)", "flag_text": "Opvallende stijging", "method_label": "Methode", "rank": "Rang",
    "theme_labels": "Thema's bewoners", "posts_recent": "Bewonersberichten recent",
    "posts_previous": "Bewonersberichten jaar eerder", "posts_reason": "Reden onbekend (berichten)",
}
DISPLAY_ROUNDING = {"rate": 1, "yoy_change_pct": 0, "yoy_change_lower": 0, "yoy_change_upper": 0, "expected": 1,
                    "rise_pct": 0, "rise_lower": 0, "rise_upper": 0, "p_value": 4, "q_value": 4}


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table the page shows and hands out: numbers as numbers (empty when unknown) with the reason beside."""
    level = table["level"].iloc[0] if len(table) else "wijk"
    columns = {"area_name": LEVELS[level], **DISPLAY_COLUMNS}
    if level == "wijk":
        columns.pop("wijk_name")
    return table[list(columns)].round(DISPLAY_ROUNDING).rename(columns=columns).reset_index(drop=True)


def map_frame(table: pd.DataFrame, shapes: pd.DataFrame, *, group: str, colour_by: str) -> pd.DataFrame:
    """One row per area for the map: the chosen group's value to colour by, the reason when it is unknown, the
    flag, and the geometry."""
    chosen = table[table["group"] == group]
    value = chosen["rate"] if colour_by == "rate" else chosen["rise_pct"]
    reason = chosen["rate_reason"] if colour_by == "rate" else chosen["test_reason"]
    frame = pd.DataFrame({"area_code": chosen["area_code"], "area_name": chosen["area_name"],
                          "value": value.astype("Float64"), "reason": reason,
                          "flagged": chosen["flagged"].fillna(False).astype(bool)})
    merged = shapes.merge(frame, on="area_code", how="left")
    merged["area_name"] = merged["area_name"].fillna(merged["shape_name"])
    merged["reason"] = merged["reason"].fillna("geen cijfers voor dit gebied")
    merged["flagged"] = merged["flagged"].fillna(False).astype(bool)
    return merged[merged["geometry_geojson"].notna()].reset_index(drop=True)


Q_SHAPES = {
    "buurt": "SELECT buurt_code AS area_code, buurt_name AS shape_name, geometry_geojson FROM dim_buurt "
             "WHERE (gemeente_code = $gm OR $gm = 'NL00') ORDER BY buurt_code",
    "wijk": "SELECT wijk_code AS area_code, wijk_name AS shape_name, geometry_geojson FROM dim_wijk "
            "WHERE (gemeente_code = $gm OR $gm = 'NL00') ORDER BY wijk_code",
}


def q_shapes(wh: Warehouse, *, gemeente: str, level: str) -> pd.DataFrame:
    if level not in Q_SHAPES:
        raise ValueError(f"onbekend niveau {level!r}")
    return wh.query(Q_SHAPES[level], {"gm": gemeente})


def summary_counts(table: pd.DataFrame) -> dict[str, int]:
    tested = table["p_value"].notna()
    return {
        "series": int(len(table)),
        "tested": int(tested.sum()),
        "flagged": int(table["flagged"].fillna(False).astype(bool).sum()),
        "untested": int((~tested).sum()),
    }


def bench_page(script: str, params: dict | None = None, runs: int = 7) -> dict[str, float]:
    """Script-run time of a page in AppTest on the configured warehouse (WIJKBEELD_WAREHOUSE): the first run
    (cold caches) and the median and best of `runs` warm runs, in ms, plus the median CPU time of the warm runs
    (what the run itself costs when other processes share the machine)."""
    import statistics
    import time
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / script), default_timeout=300)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    started = time.perf_counter()
    at.run()
    cold = (time.perf_counter() - started) * 1000
    if at.exception:
        raise RuntimeError(f"{script}: {at.exception[0].value}")
    wall, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        at.run()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return {"cold_ms": cold, "warm_ms": statistics.median(wall), "warm_best_ms": min(wall),
            "warm_cpu_ms": statistics.median(cpu)}


def bench() -> dict[str, float]:
    """Hotspots page, default view (buurten, all crime) and the wijk level with one crime group."""
    default = bench_page("pages/hotspots.py")
    wijk = bench_page("pages/hotspots.py", {"niveau": "wijk", "groep": "vermogen", "kleur": "rise"})
    return {**default, "warm_wijk_ms": wijk["warm_ms"]}


if __name__ == "__main__":  # pragma: no cover - manual benchmark: python -m wijkbeeld.q_hotspots
    print(bench())
