"""Betrokkenheid: activity on the wijk pages per page and per wijk (absolute and per 1,000 inhabitants), how often
and how fast organisational accounts answer residents, and which themes draw the most engagement.

Definitions (also shown on the page):
- berichten: top-level messages (no parent); reacties: comments and replies (a parent); reacties are counted rows in
  the warehouse, "reactions" are the platform's like/emoji counts.
- rates per 1,000 inhabitants per year divide by person-years over the months the page existed in the period, each
  month weighing the population of its own year. Distinct participants are a head count, not a flow: they are divided
  by the average population over those months.
- participants: distinct pseudonyms of residents; counted, never listed.
- answered: a resident's top-level post with any message by a gemeente, politie, corporatie or welzijn account in
  its thread (mart_thread_response in etl/sql/marts_engagement.sql).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wijkbeeld import i18n
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse
from wijkbeeld.q_themes import figure_dict

SOURCE_ENGAGEMENT = f"{q.SOURCE_POSTS}; {q.SOURCE_CBS_POP}"
FOLLOWERS_NOTE = ("Volgers: geen volgersaantallen in de bronnen. De exports van de wijkpagina's bevatten geen "
                  "aantallen volgers of paginalikes, dus we tonen hier niets over volgers.")

LEVELS = {"pagina": "Per pagina", "wijk": "Per wijk"}
ANSWER_TYPES = ("gemeente", "politie", "corporatie", "welzijn")
ANSWER_TYPE_LABELS = {"alle": "Alle organisaties", "gemeente": "Gemeente", "politie": "Politie",
                      "corporatie": "Woningcorporatie", "welzijn": "Welzijn"}
OWNER_TYPE_LABELS = {"gemeente": "gemeente", "politie": "politie", "corporatie": "woningcorporatie",
                     "welzijn": "welzijn", "bewoners": "bewoners"}
# Median and 90th percentile of answer times are not shown for fewer answered posts than this: with a handful of
# answers the 90th percentile is just the slowest one.
MIN_ANSWERS_FOR_TIMES = 5
# Themes with fewer top-level posts than this are listed but not ranked or charted: one viral post decides the mean.
MIN_POSTS_FOR_THEME_RANK = 10
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
BAR_COLOUR = "#2a788e"  # viridis mid-tone; white text on it passes WCAG AA

REASON_NO_PAGE = "geen wijkpagina"
REASON_PAGE_LATER = "pagina startte na deze periode"
REASON_NO_POPULATION = "geen bevolkingscijfer"
REASON_COUNTS_MISSING = "niet voor alle berichten bekend in de bron"

i18n.register({
    "Berichten": "Posts",
    "Berichten per 1.000 per jaar": "Posts per 1,000 per year",
    "Volgers: geen volgersaantallen in de bronnen. De exports van de wijkpagina's bevatten geen aantallen volgers of paginalikes, dus we tonen hier niets over volgers.":
        "Followers: no follower counts in the sources. The exports of the district pages contain no follower or page-like counts, so nothing about followers is shown here.",
    "Per soort organisatie": "Per kind of organisation",
    "Per pagina en soort organisatie": "Per page and kind of organisation",
    "Bewonersberichten beantwoord": "Resident posts answered",
    "Mediaan tijd tot eerste antwoord": "Median time to first answer",
    "90% beantwoord binnen": "90% answered within",
    "uur": "hours",
    "van": "of",
    "berichten van bewoners kregen in de draad een reactie van gemeente, politie, corporatie of welzijn.":
        "resident posts got a reply in the thread from the municipality, police, housing association or welfare.",
    "Geen wijkpagina's in deze gemeente.": "No district pages in this municipality.",
    "Geen berichten van bewoners in deze periode, dus niets te beantwoorden.":
        "No resident posts in this period, so nothing to answer.",
    "Geen berichten in deze periode.": "No posts in this period.",
    "Pagina": "Page",
    "Eigenaar": "Owner",
    "Actief sinds": "Active since",
    "Maanden in periode": "Months in period",
    "Inwonerjaren": "Person-years",
    "Reacties": "Comments",
    "Reacties per 1.000 per jaar": "Comments per 1,000 per year",
    "Likes en emoji's": "Likes and emoji",
    "Likes per 1.000 per jaar": "Likes per 1,000 per year",
    "Gedeeld": "Shared",
    "Gedeeld per 1.000 per jaar": "Shared per 1,000 per year",
    "Deelnemende bewoners": "Participating residents",
    "Deelnemers per 1.000 inwoners": "Participants per 1,000 inhabitants",
    "Reden onbekend (likes)": "Reason unknown (likes)",
    "Reden onbekend (gedeeld)": "Reason unknown (shared)",
    "Antwoord van": "Answer from",
    "Berichten van bewoners": "Resident posts",
    "Beantwoord": "Answered",
    "% beantwoord": "% answered",
    "Mediaan uren tot antwoord": "Median hours to answer",
    "90% binnen (uren)": "90% within (hours)",
    "Eigenaar pagina": "Page owner",
    "Met bekende aantallen": "With known counts",
    "Gemiddeld reacties + likes": "Average comments + likes",
    "Gemiddeld likes": "Average likes",
    "Gemiddeld reacties": "Average comments",
    "Mediaan reacties + likes": "Median comments + likes",
    "Opmerking": "Note",
    "Activiteit per pagina en per wijk": "Activity per page and per district",
    "Activiteit per maand": "Activity per month",
    "Antwoorden van organisaties": "Answers from organisations",
    "Welke thema's trekken de meeste reacties?": "Which themes draw the most engagement?",
    "Niveau": "Level",
    "Per pagina": "Per page",
    "Per wijk": "Per district",
    "Berichten en reacties per maand": "Posts and comments per month",
    "Gemiddeld aantal reacties en likes per bericht": "Mean comments and reactions per post",
})

_MONTHS = """months AS (
    SELECT CAST(range AS DATE) AS month
    FROM range(CAST($start AS DATE), CAST($end AS DATE) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
)"""

_GEMEENTE_PAGES = """gm_pages AS (
    SELECT DISTINCT b.page_id FROM bridge_page_wijk b JOIN dim_wijk w USING (wijk_code) WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
)"""

# The unit rows (unit_id, unit_name, owner_type, page_id, wijk_code) for each level. A page counts with every wijk it
# serves; a wijk with every page that serves it; a wijk without a page keeps one row with page_id NULL.
_UNITS_PAGE = f"""{_GEMEENTE_PAGES}, units AS (
    SELECT d.page_id AS unit_id, d.page_name AS unit_name, d.owner_type, b.page_id, b.wijk_code
    FROM dim_page d JOIN gm_pages USING (page_id) JOIN bridge_page_wijk b USING (page_id)
)"""
_UNITS_WIJK = """units AS (
    SELECT w.wijk_code AS unit_id, w.wijk_name AS unit_name, CAST(NULL AS VARCHAR) AS owner_type, b.page_id, w.wijk_code
    FROM dim_wijk w LEFT JOIN bridge_page_wijk b USING (wijk_code) WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
)"""

_ENGAGEMENT_BODY = """, unit_pages AS (
    SELECT DISTINCT unit_id, page_id FROM units WHERE page_id IS NOT NULL
), unit_wijken AS (
    SELECT DISTINCT unit_id, wijk_code FROM units
), first_message AS (
    SELECT page_id, min(month) AS first_month FROM fct_post GROUP BY page_id
), unit_since AS (   -- the page's launch month, or its first message if that is earlier or the launch is unknown
    SELECT up.unit_id, least(min(date_trunc('month', d.launch_date)), min(fm.first_month)) AS since
    FROM unit_pages up JOIN dim_page d USING (page_id) LEFT JOIN first_message fm USING (page_id)
    GROUP BY up.unit_id
), unit_month_pop AS (   -- a month's population is unknown when any served wijk lacks a figure
    SELECT s.unit_id, m.month,
           CASE WHEN count(p.population) = count(*) THEN sum(p.population) END AS population,
           bool_or(p.imputed) AS imputed
    FROM unit_since s CROSS JOIN months m JOIN unit_wijken uw ON uw.unit_id = s.unit_id
    LEFT JOIN fct_population p ON p.area_code = uw.wijk_code AND p.year = year(m.month)
    WHERE m.month >= s.since
    GROUP BY s.unit_id, m.month
), unit_pop AS (
    SELECT unit_id, count(*) AS live_months,
           CASE WHEN count(population) = count(*) THEN sum(population) / 12.0 END AS person_years,
           coalesce(bool_or(imputed), false) AS population_imputed
    FROM unit_month_pop GROUP BY unit_id
), msgs AS (
    SELECT up.unit_id,
           count(*) FILTER (WHERE p.parent_id IS NULL) AS posts,
           count(*) FILTER (WHERE p.parent_id IS NOT NULL) AS comments,
           sum(p.reactions) AS reactions_known,
           count(*) FILTER (WHERE p.reactions IS NULL) AS reactions_missing,
           sum(p.shares) FILTER (WHERE p.parent_id IS NULL) AS shares_known,
           count(*) FILTER (WHERE p.parent_id IS NULL AND p.shares IS NULL) AS shares_missing,
           count(DISTINCT p.author_pseudonym) FILTER (WHERE p.author_type = 'bewoner') AS participants,
           count(*) FILTER (WHERE p.author_type = 'bewoner' AND p.author_pseudonym IS NULL) AS resident_messages_without_author
    FROM unit_pages up JOIN fct_post p USING (page_id)
    WHERE p.month BETWEEN $start AND $end
    GROUP BY up.unit_id
), names AS (
    SELECT u.unit_id, any_value(u.unit_name) AS unit_name, any_value(u.owner_type) AS owner_type,
           string_agg(DISTINCT w.wijk_name, ', ' ORDER BY w.wijk_name) AS wijk_names,
           string_agg(DISTINCT d.page_name, '; ' ORDER BY d.page_name) AS page_names
    FROM units u LEFT JOIN dim_wijk w USING (wijk_code) LEFT JOIN dim_page d ON d.page_id = u.page_id
    GROUP BY u.unit_id
)
SELECT n.unit_id, n.unit_name, n.owner_type, n.wijk_names, n.page_names, s.since,
       pop.live_months, pop.person_years, pop.population_imputed,
       m.posts, m.comments, m.reactions_known, m.reactions_missing, m.shares_known, m.shares_missing,
       m.participants, m.resident_messages_without_author
FROM names n
LEFT JOIN unit_since s USING (unit_id)
LEFT JOIN unit_pop pop USING (unit_id)
LEFT JOIN msgs m USING (unit_id)
ORDER BY n.unit_name, n.unit_id
"""

Q_ENGAGEMENT_PAGE = f"WITH {_MONTHS}, {_UNITS_PAGE}{_ENGAGEMENT_BODY}"
Q_ENGAGEMENT_WIJK = f"WITH {_MONTHS}, {_UNITS_WIJK}{_ENGAGEMENT_BODY}"

Q_ACTIVITY_MONTH = f"""
WITH {_MONTHS}, {_GEMEENTE_PAGES}, first_message AS (
    SELECT page_id, min(month) AS first_month FROM fct_post GROUP BY page_id
), pages AS (
    SELECT d.page_id, d.page_name, least(date_trunc('month', d.launch_date), fm.first_month) AS since
    FROM dim_page d JOIN gm_pages USING (page_id) LEFT JOIN first_message fm USING (page_id)
), monthly AS (
    SELECT page_id, month,
           count(*) FILTER (WHERE parent_id IS NULL) AS posts,
           count(*) FILTER (WHERE parent_id IS NOT NULL) AS comments,
           sum(reactions) AS reactions
    FROM fct_post WHERE page_id IN (SELECT page_id FROM gm_pages) AND month BETWEEN $start AND $end
    GROUP BY ALL
)
SELECT m.month, pg.page_id, pg.page_name, m.month >= pg.since AS page_live,
       coalesce(a.posts, 0) AS posts_raw, coalesce(a.comments, 0) AS comments_raw, a.reactions
FROM months m CROSS JOIN pages pg
LEFT JOIN monthly a ON a.page_id = pg.page_id AND a.month = m.month
ORDER BY pg.page_name, m.month
"""

# Answer share and times per page (NULL page = all pages) and per answering organisation type ('alle' = any).
Q_RESPONSE = f"""
WITH {_GEMEENTE_PAGES}, base AS (
    SELECT r.post_id, r.page_id, r.hours_to_first_answer AS alle, r.hours_to_gemeente AS gemeente,
           r.hours_to_politie AS politie, r.hours_to_corporatie AS corporatie, r.hours_to_welzijn AS welzijn
    FROM mart_thread_response r JOIN gm_pages USING (page_id)
    WHERE r.month BETWEEN $start AND $end
), long AS (
    SELECT * FROM base UNPIVOT INCLUDE NULLS (hours FOR answer_type IN (alle, gemeente, politie, corporatie, welzijn))
)
SELECT l.page_id,
       CASE WHEN grouping(l.page_id) = 0 THEN any_value(d.page_name) END AS page_name,
       CASE WHEN grouping(l.page_id) = 0 THEN any_value(d.owner_type) END AS page_owner_type, l.answer_type,
       count(*) AS resident_posts, count(l.hours) AS answered,
       median(l.hours) AS median_hours, quantile_cont(l.hours, 0.9) AS p90_hours
FROM long l LEFT JOIN dim_page d USING (page_id)
GROUP BY GROUPING SETS ((l.page_id, l.answer_type), (l.answer_type))
ORDER BY l.page_id NULLS FIRST, l.answer_type
"""

Q_LAST_MESSAGE = f"""
WITH {_GEMEENTE_PAGES}
SELECT CAST(max(created_at) AT TIME ZONE 'Europe/Amsterdam' AS TIMESTAMP) AS last_message
FROM fct_post JOIN gm_pages USING (page_id)
"""

# Engagement per theme over top-level posts: the platform's reaction and comment counts. A post with several themes
# counts for each; posts without a theme form their own row.
Q_THEME_ENGAGEMENT = f"""
WITH {_GEMEENTE_PAGES}, posts AS (
    SELECT p.post_id, p.reactions, p.comments
    FROM fct_post p JOIN gm_pages USING (page_id)
    WHERE p.parent_id IS NULL AND p.month BETWEEN $start AND $end
)
SELECT t.theme, d.label, d.theme_group,
       count(*) AS posts,
       count(p.reactions + p.comments) AS posts_known,
       avg(p.reactions + p.comments) AS mean_engagement,
       avg(p.reactions) AS mean_reactions,
       avg(p.comments) AS mean_comments,
       median(p.reactions + p.comments) AS median_engagement
FROM posts p LEFT JOIN fct_post_theme t USING (post_id) LEFT JOIN dim_theme d USING (theme)
GROUP BY ALL
ORDER BY mean_engagement DESC NULLS LAST, posts DESC
"""


def _per_1000(count: pd.Series, denominator: pd.Series) -> pd.Series:
    denominator = denominator.astype("Float64")
    return (count.astype("Float64") / denominator.where(denominator > 0) * 1000).round(1)


def q_engagement(wh: Warehouse, *, gemeente: str, period: q.Period, level: str) -> pd.DataFrame:
    """One row per page (level 'pagina') or wijk (level 'wijk'): counts, rates per 1,000 and why a figure is missing."""
    sql = {"pagina": Q_ENGAGEMENT_PAGE, "wijk": Q_ENGAGEMENT_WIJK}[level]
    raw = wh.query(sql, {"gm": gemeente, "start": period.start, "end": period.end})
    out = raw.copy()
    has_page = out["page_names"].notna()
    since = pd.to_datetime(out["since"])
    live = has_page & since.notna() & (since <= pd.Timestamp(period.end)) & out["live_months"].fillna(0).gt(0)
    # While a page exists, no messages is a real zero; without a (live) page every count is unknown.
    for column in ("posts", "comments", "participants", "resident_messages_without_author"):
        out[column] = out[column].astype("Int64").fillna(0).where(live)
    reactions_complete = out["reactions_missing"].fillna(0).eq(0)
    out["reactions"] = out["reactions_known"].astype("Int64").fillna(0).where(live & reactions_complete)
    shares_complete = out["shares_missing"].fillna(0).eq(0)
    out["shares"] = out["shares_known"].astype("Int64").fillna(0).where(live & shares_complete)
    person_years = out["person_years"].astype("Float64").where(live)
    out["avg_population"] = (person_years / (out["live_months"].astype("Float64") / 12)).round(0)
    for column in ("posts", "comments", "reactions", "shares"):
        out[f"{column}_per_1000"] = _per_1000(out[column], person_years)
    out["participants_per_1000"] = _per_1000(out["participants"], out["avg_population"])
    out["reason"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[~has_page, "reason"] = REASON_NO_PAGE
    out.loc[has_page & ~live, "reason"] = REASON_PAGE_LATER
    out.loc[live & person_years.isna(), "reason"] = REASON_NO_POPULATION
    out["reactions_reason"] = out["reason"].copy()
    out.loc[live & ~reactions_complete, "reactions_reason"] = REASON_COUNTS_MISSING
    out["shares_reason"] = out["reason"].copy()
    out.loc[live & ~shares_complete, "shares_reason"] = REASON_COUNTS_MISSING
    out["participants_lower_bound"] = live & out["resident_messages_without_author"].fillna(0).gt(0)
    return out


def engagement_table(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """The shown and downloadable table: counts and rates side by side, with the reasons for missing figures."""
    first = {"pagina": {"Pagina": frame["unit_name"], "Eigenaar": frame["owner_type"].map(OWNER_TYPE_LABELS).fillna(frame["owner_type"]),
                        "Wijken": frame["wijk_names"]},
             "wijk": {"Wijk": frame["unit_name"], "Code": frame["unit_id"], "Pagina('s)": frame["page_names"]}}[level]
    since = pd.to_datetime(frame["since"])
    return pd.DataFrame({
        **{k: v.array for k, v in first.items()},
        "Actief sinds": pd.array(since.dt.strftime("%m-%Y"), dtype="string"),
        "Maanden in periode": frame["live_months"].astype("Int64").array,
        "Inwonerjaren": frame["person_years"].astype("Float64").round(0).where(frame["posts"].notna()).array,
        "Berichten": frame["posts"].array,
        "Berichten per 1.000 per jaar": frame["posts_per_1000"].array,
        "Reacties": frame["comments"].array,
        "Reacties per 1.000 per jaar": frame["comments_per_1000"].array,
        "Likes en emoji's": frame["reactions"].array,
        "Likes per 1.000 per jaar": frame["reactions_per_1000"].array,
        "Gedeeld": frame["shares"].array,
        "Gedeeld per 1.000 per jaar": frame["shares_per_1000"].array,
        "Deelnemende bewoners": frame["participants"].array,
        "Deelnemers per 1.000 inwoners": frame["participants_per_1000"].array,
        "Reden onbekend": frame["reason"].array,
        "Reden onbekend (likes)": frame["reactions_reason"].where(frame["reactions_reason"].ne(frame["reason"])).array,
        "Reden onbekend (gedeeld)": frame["shares_reason"].where(frame["shares_reason"].ne(frame["reason"])).array,
    })


def q_activity_month(wh: Warehouse, *, gemeente: str, period: q.Period) -> pd.DataFrame:
    """Per page and month: posts, comments and reactions; NA in months before the page existed."""
    raw = wh.query(Q_ACTIVITY_MONTH, {"gm": gemeente, "start": period.start, "end": period.end})
    out = raw.copy()
    live = out["page_live"].astype("boolean").fillna(False).astype(bool)
    out["posts"] = out["posts_raw"].astype("Int64").where(live)
    out["comments"] = out["comments_raw"].astype("Int64").where(live)
    out["messages"] = (out["posts"] + out["comments"]).astype("Int64")
    out["reactions"] = out["reactions"].astype("Int64").where(live)
    out["month"] = pd.to_datetime(out["month"])
    return out.drop(columns=["posts_raw", "comments_raw"])


def q_response(wh: Warehouse, *, gemeente: str, period: q.Period) -> pd.DataFrame:
    """Share of resident posts answered by an organisational account and the hours to the first answer, per page
    (page_id NA = all pages of the gemeente) and per answering type ('alle' = any organisation)."""
    out = wh.query(Q_RESPONSE, {"gm": gemeente, "start": period.start, "end": period.end})
    posts = out["resident_posts"].astype("Float64")
    out["answered_pct"] = (out["answered"].astype("Float64") / posts.where(posts > 0) * 100).round(1)
    few = out["answered"] < MIN_ANSWERS_FOR_TIMES
    out["median_hours"] = out["median_hours"].astype("Float64").where(~few).round(1)
    out["p90_hours"] = out["p90_hours"].astype("Float64").where(~few).round(1)
    out["times_reason"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[few, "times_reason"] = f"minder dan {MIN_ANSWERS_FOR_TIMES} beantwoorde berichten"
    out.loc[out["answered"] == 0, "times_reason"] = "geen antwoorden"
    out["type_label"] = out["answer_type"].map(ANSWER_TYPE_LABELS).fillna(out["answer_type"])
    order = {k: i for i, k in enumerate(("alle", *ANSWER_TYPES))}
    return out.sort_values(["page_id", "answer_type"], key=lambda s: s.map(order) if s.name == "answer_type" else s,
                           na_position="first", kind="stable").reset_index(drop=True)


def response_by_type_table(resp: pd.DataFrame) -> pd.DataFrame:
    rows = resp[resp["page_id"].isna()]
    return pd.DataFrame({
        "Antwoord van": rows["type_label"].array,
        "Berichten van bewoners": rows["resident_posts"].astype("Int64").array,
        "Beantwoord": rows["answered"].astype("Int64").array,
        "% beantwoord": rows["answered_pct"].array,
        "Mediaan uren tot antwoord": rows["median_hours"].array,
        "90% binnen (uren)": rows["p90_hours"].array,
        "Reden onbekend": rows["times_reason"].array,
    })


def response_by_page_table(resp: pd.DataFrame) -> pd.DataFrame:
    rows = resp[resp["page_id"].notna()]
    return pd.DataFrame({
        "Pagina": rows["page_name"].array,
        "Eigenaar pagina": rows["page_owner_type"].map(OWNER_TYPE_LABELS).fillna(rows["page_owner_type"]).array,
        "Antwoord van": rows["type_label"].array,
        "Berichten van bewoners": rows["resident_posts"].astype("Int64").array,
        "Beantwoord": rows["answered"].astype("Int64").array,
        "% beantwoord": rows["answered_pct"].array,
        "Mediaan uren tot antwoord": rows["median_hours"].array,
        "90% binnen (uren)": rows["p90_hours"].array,
        "Reden onbekend": rows["times_reason"].array,
    })


def q_last_message(wh: Warehouse, *, gemeente: str) -> pd.Timestamp | None:
    value = wh.query(Q_LAST_MESSAGE, {"gm": gemeente}).iloc[0]["last_message"]
    return None if pd.isna(value) else pd.Timestamp(value)


def q_theme_engagement(wh: Warehouse, *, gemeente: str, period: q.Period) -> pd.DataFrame:
    """Per theme: top-level posts, mean (and median) reactions + comments per post; 'geen thema' for untagged posts."""
    out = wh.query(Q_THEME_ENGAGEMENT, {"gm": gemeente, "start": period.start, "end": period.end})
    out["label"] = out["label"].fillna("(geen thema)")
    for column in ("mean_engagement", "mean_reactions", "mean_comments", "median_engagement"):
        out[column] = out[column].astype("Float64").round(1)
    out["ranked"] = out["posts_known"] >= MIN_POSTS_FOR_THEME_RANK
    out["reason"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[~out["ranked"], "reason"] = f"minder dan {MIN_POSTS_FOR_THEME_RANK} berichten: niet gerangschikt"
    out.loc[out["posts_known"] == 0, "reason"] = "reacties en likes niet bekend in de bron"
    return out.sort_values(["ranked", "mean_engagement"], ascending=[False, False], na_position="last",
                           kind="stable").reset_index(drop=True)


def theme_engagement_table(themes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Thema": themes["label"].array,
        "Berichten": themes["posts"].astype("Int64").array,
        "Met bekende aantallen": themes["posts_known"].astype("Int64").array,
        "Gemiddeld reacties + likes": themes["mean_engagement"].array,
        "Gemiddeld likes": themes["mean_reactions"].array,
        "Gemiddeld reacties": themes["mean_comments"].array,
        "Mediaan reacties + likes": themes["median_engagement"].array,
        "Opmerking": themes["reason"].array,
    })


def _nl(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def activity_figure(activity: pd.DataFrame, y_title: str) -> go.Figure:
    fig = go.Figure()
    for i, (name, part) in enumerate(activity.groupby("page_name", sort=False)):
        hover = np.where(part["messages"].notna().array,
                         part["posts"].astype("string").fillna("") + " berichten, " + part["comments"].astype("string").fillna("")
                         + " reacties, " + part["reactions"].astype("string").fillna("onbekend") + " likes",
                         "pagina bestond nog niet")
        fig.add_trace(go.Scatter(
            x=part["month"], y=part["messages"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            name=str(name), mode="lines+markers", customdata=hover, connectgaps=False,
            line={"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 2},
            hovertemplate=f"{name}<br>%{{x|%b %Y}}<br>%{{customdata}}<extra></extra>"))
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"title": y_title, "rangemode": "tozero"},
                      legend={"orientation": "h", "y": -0.15})
    return fig


def theme_engagement_figure(themes: pd.DataFrame, x_title: str) -> go.Figure:
    ranked = themes[themes["ranked"]].iloc[::-1]
    hover = (ranked["posts_known"].astype(str) + " berichten; mediaan " + ranked["median_engagement"].map(_nl, na_action="ignore").astype("string").fillna("–"))
    fig = go.Figure(go.Bar(
        x=ranked["mean_engagement"].astype("Float64").to_numpy(dtype=float, na_value=np.nan), y=ranked["label"].tolist(),
        orientation="h", marker={"color": BAR_COLOUR}, customdata=hover.array,
        text=ranked["mean_engagement"].map(_nl, na_action="ignore").astype("string").fillna("").tolist(), textposition="inside",
        insidetextfont={"color": "#ffffff"},
        hovertemplate="%{y}: gemiddeld %{x:.1f}<br>%{customdata}<extra></extra>"))
    fig.update_layout(height=max(300, 26 * len(ranked) + 80), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis={"title": x_title})
    return fig


def fig_activity(wh: Warehouse, *, gemeente: str, period: q.Period, y_title: str) -> dict:
    """activity_figure as a dict, cached per build through cached_query (st.plotly_chart validates it anyway)."""
    return figure_dict(activity_figure(q_activity_month(wh, gemeente=gemeente, period=period), y_title))


def fig_theme_engagement(wh: Warehouse, *, gemeente: str, period: q.Period, x_title: str) -> dict:
    return figure_dict(theme_engagement_figure(q_theme_engagement(wh, gemeente=gemeente, period=period), x_title))
