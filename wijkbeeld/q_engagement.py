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

All gemeenten at once (gm=NL00): the figures cover every page; tables carry a Gemeente column and the page shows the
NATIONAL_ROWS_SHOWN rows with the most posts (downloads hold all), and the monthly chart has one line per kind of
page owner instead of one per page. Texts follow a `lang` argument; table column names stay Dutch here and are
translated by the page.
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
# English per code rather than per Dutch word: 'gemeente' or 'politie' alone would be ambiguous global keys.
ANSWER_TYPE_LABELS_EN = {"alle": "All organisations", "gemeente": "Municipality", "politie": "Police",
                         "corporatie": "Housing association", "welzijn": "Welfare organisation"}
OWNER_TYPE_LABELS_EN = {"gemeente": "municipality", "politie": "police", "corporatie": "housing association",
                        "welzijn": "welfare organisation", "bewoners": "residents"}
# Median and 90th percentile of answer times are not shown for fewer answered posts than this: with a handful of
# answers the 90th percentile is just the slowest one.
MIN_ANSWERS_FOR_TIMES = 5
# Themes with fewer top-level posts than this are listed but not ranked or charted: one viral post decides the mean.
MIN_POSTS_FOR_THEME_RANK = 10
# With all gemeenten at once (515 pages, 2,742 wijken in the national warehouse) the page and wijk tables show
# only this many rows, the ones with the most posts; the downloads hold every row.
NATIONAL_ROWS_SHOWN = 50
# Captions name the units whose figures are unknown only up to this many; beyond it they give a count.
NAMES_LISTED_MAX = 10
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
BAR_COLOUR = "#2a788e"  # viridis mid-tone; white text on it passes WCAG AA

REASON_NO_PAGE = "geen wijkpagina"
REASON_PAGE_LATER = "pagina startte na deze periode"
REASON_NO_POPULATION = "geen bevolkingscijfer"
REASON_COUNTS_MISSING = "niet voor alle berichten bekend in de bron"
REASON_FEW_ANSWERS = f"minder dan {MIN_ANSWERS_FOR_TIMES} beantwoorde berichten"
REASON_NO_ANSWERS = "geen antwoorden"
REASON_FEW_THEME_POSTS = f"minder dan {MIN_POSTS_FOR_THEME_RANK} berichten: niet gerangschikt"
REASON_THEME_COUNTS_UNKNOWN = "reacties en likes niet bekend in de bron"
NO_THEME = "(geen thema)"

# Captions and sentences of the page (the page formats the templates).
CAPTION_ACTIVITY = (
    "Berichten: bovenaan geplaatste berichten; reacties: reacties en antwoorden daarop; likes en emoji's en "
    "'gedeeld' volgens het platform (gedeeld alleen bij berichten). Per 1.000 inwoners per jaar: gedeeld door "
    "de inwonerjaren over de maanden dat de pagina bestond (bevolking van hetzelfde jaar). Deelnemende "
    "bewoners: verschillende bewoners die schreven (geteld, nooit getoond), gedeeld door de gemiddelde "
    "bevolking over die maanden. Een pagina voor meer wijken telt voor elke wijk.")
CAPTION_MONTHLY = ("Berichten en reacties per pagina en maand (details in de tooltip). Maanden voordat een pagina "
                   "bestond zijn leeg: onbekend, niet nul.")
CAPTION_MONTHLY_NATIONAL = (
    "Alle gemeenten: berichten en reacties per maand per soort eigenaar van de pagina, opgeteld over de pagina's "
    "die in die maand bestonden (het aantal pagina's staat in de tooltip). Een maand waarin nog geen pagina van die "
    "soort bestond is leeg: onbekend, niet nul.")
CAPTION_RESPONSE = (
    "Berichten van bewoners (geen reacties) in de periode; beantwoord = een reactie of antwoord van een "
    "account van gemeente, politie, corporatie of welzijn ergens in de draad. Tijd: uren tot de eerste "
    "reactie van die soort organisatie, over de beantwoorde berichten; bij minder dan "
    "{n} antwoorden tonen we geen tijden. Berichten vlak voor de laatste export "
    "kunnen later nog antwoord hebben gekregen.")
CAPTION_THEMES = (
    "Per thema het gemiddelde aantal reacties plus likes en emoji's per bericht (bovenaan geplaatste "
    "berichten van iedereen, aantallen volgens het platform). Een bericht met meer thema's telt bij elk. "
    "Thema's met minder dan {n} berichten staan alleen in de tabel.")

i18n.register({
    "Berichten": "Posts",
    "Berichten per 1.000 per jaar": "Posts per 1,000 per year",
    FOLLOWERS_NOTE:
        "Followers: no follower counts in the sources. The exports of the district pages contain no follower or "
        "page-like counts, so nothing about followers is shown here.",
    "Per soort organisatie": "Per kind of organisation",
    "Per pagina en soort organisatie": "Per page and kind of organisation",
    "Bewonersberichten beantwoord": "Resident posts answered",
    "Mediaan tijd tot eerste antwoord": "Median time to first answer",
    "90% beantwoord binnen": "90% answered within",
    "{value} uur": "{value} hours",
    "{answered} van {total} berichten van bewoners kregen in de draad een reactie van gemeente, politie, corporatie "
    "of welzijn.": "{answered} of {total} resident posts got a reply in the thread from the municipality, police, "
                   "a housing association or a welfare organisation.",
    "onbekend: {reason}": "unknown: {reason}",
    "Geen wijkpagina's in deze gemeente.": "No district pages in this municipality.",
    "Geen wijkpagina's in het warehouse.": "No district pages in the warehouse.",
    "Deze gemeente heeft geen wijkpagina's in het warehouse; er is geen activiteit te tonen.":
        "This municipality has no district pages in the warehouse; there is no activity to show.",
    "Het warehouse heeft geen wijkpagina's; er is geen activiteit te tonen.":
        "The warehouse has no district pages; there is no activity to show.",
    "Deze gemeente heeft geen wijken in de grenzen.": "This municipality has no districts in the boundaries.",
    "Het warehouse heeft geen wijken in de grenzen.": "The warehouse has no districts in the boundaries.",
    "Geen berichten van bewoners in deze periode, dus niets te beantwoorden.":
        "No resident posts in this period, so nothing to answer.",
    "Geen berichten in deze periode.": "No posts in this period.",
    "Niveau '{value}' bestaat niet; per pagina is gekozen.": "Level '{value}' does not exist; per page was chosen.",
    "Pagina": "Page",
    "Pagina('s)": "Page(s)",
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
    "Reden onbekend": "Reason unknown",
    "Reden onbekend (likes)": "Reason unknown (likes)",
    "Reden onbekend (gedeeld)": "Reason unknown (shared)",
    "Antwoord van": "Answer from",
    "Berichten van bewoners": "Resident posts",
    "Beantwoord": "Answered",
    "% beantwoord": "% answered",
    "Mediaan uren tot antwoord": "Median hours to answer",
    "90% binnen (uren)": "90% within (hours)",
    "Eigenaar pagina": "Page owner",
    "Thema": "Theme",
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
    # Reasons in table cells
    REASON_NO_PAGE: "no district page",
    REASON_PAGE_LATER: "page started after this period",
    REASON_NO_POPULATION: "no population figure",
    REASON_COUNTS_MISSING: "not known for every post in the source",
    REASON_FEW_ANSWERS: f"fewer than {MIN_ANSWERS_FOR_TIMES} answered posts",
    REASON_NO_ANSWERS: "no answers",
    REASON_FEW_THEME_POSTS: f"fewer than {MIN_POSTS_FOR_THEME_RANK} posts: not ranked",
    REASON_THEME_COUNTS_UNKNOWN: "comments and likes not known in the source",
    NO_THEME: "(no theme)",
    # Captions
    CAPTION_ACTIVITY:
        "Posts: top-level posts; comments: comments and the replies to them; likes and emoji and 'shared' as the "
        "platform counts them (shared only for posts). Per 1,000 inhabitants per year: divided by the person-years "
        "over the months the page existed (population of the same year). Participating residents: different "
        "residents who wrote (counted, never shown), divided by the average population over those months. A page "
        "for several districts counts for each district.",
    "Onbekend: {items}.": "Unknown: {items}.",
    "Onbekend bij {n} van de {total} rijen; de reden staat in de tabel.":
        "Unknown for {n} of the {total} rows; the table gives the reason.",
    "Minimaal (berichten zonder bekende schrijver): {items}.": "At least (posts without a known writer): {items}.",
    "Minimaal (berichten zonder bekende schrijver) bij {n} rijen.": "At least (posts without a known writer) for {n} rows.",
    "Alle gemeenten: de {shown} pagina's met de meeste berichten in de periode, van de {total}. De download bevat "
    "ze allemaal.": "All municipalities: the {shown} pages with the most posts in the period, of {total}. The "
                    "download holds all of them.",
    "Alle gemeenten: de {shown} wijken met de meeste berichten in de periode, van de {total}. De download bevat ze "
    "allemaal.": "All municipalities: the {shown} districts with the most posts in the period, of {total}. The "
                 "download holds all of them.",
    "Alle gemeenten: de {shown} pagina's met de meeste berichten van bewoners in de periode, van de {total}. De "
    "download bevat ze allemaal.": "All municipalities: the {shown} pages with the most resident posts in the "
                                   "period, of {total}. The download holds all of them.",
    CAPTION_MONTHLY:
        "Posts and comments per page and month (details in the tooltip). Months before a page existed are empty: "
        "unknown, not zero.",
    CAPTION_MONTHLY_NATIONAL:
        "All municipalities: posts and comments per month per kind of page owner, summed over the pages that existed "
        "in that month (the number of pages is in the tooltip). A month in which no page of that kind existed yet is "
        "empty: unknown, not zero.",
    CAPTION_RESPONSE:
        "Resident posts (not comments) in the period; answered = a comment or reply by an account of the "
        "municipality, police, a housing association or a welfare organisation anywhere in the thread. Time: hours "
        "to the first reply by that kind of organisation, over the answered posts; with fewer than {n} answers no "
        "times are shown. Posts just before the last export may have been answered later.",
    "Laatste bericht in de gegevens: {when}.": "Last message in the data: {when}.",
    CAPTION_THEMES:
        "Per theme the average number of comments plus likes and emoji per post (top-level posts by anyone, counts "
        "as the platform gives them). A post with several themes counts for each. Themes with fewer than {n} posts "
        "are only in the table.",
    # Chart texts
    "{posts} berichten, {comments} reacties, {likes} likes": "{posts} posts, {comments} comments, {likes} likes",
    "{pages} pagina's: {posts} berichten, {comments} reacties, {likes} likes":
        "{pages} pages: {posts} posts, {comments} comments, {likes} likes",
    "pagina bestond nog niet": "page did not exist yet",
    "nog geen pagina van deze soort": "no page of this kind yet",
    "Eigenaar: {owner}": "Owner: {owner}",
    "{theme}: gemiddeld {mean}": "{theme}: mean {mean}",
    "{posts} berichten; mediaan {median}": "{posts} posts; median {median}",
})


def answer_type_label(code: object, lang: str = "nl") -> object:
    labels = ANSWER_TYPE_LABELS_EN if lang == "en" else ANSWER_TYPE_LABELS
    return labels.get(code, code) if isinstance(code, str) else code


def owner_type_label(code: object, lang: str = "nl") -> object:
    labels = OWNER_TYPE_LABELS_EN if lang == "en" else OWNER_TYPE_LABELS
    return labels.get(code, code) if isinstance(code, str) else code


def _translated(values: pd.Series, lang: str) -> pd.Series:
    """Fixed reason texts in the chosen language; missing stays missing."""
    if lang != "en":
        return values
    return values.map(lambda v: i18n.translate(v, lang) if isinstance(v, str) else v).astype("string")


def _num(value: object, lang: str, decimals: int = 1) -> str:
    """1.234,5 in Dutch, 1,234.5 in English; '' for missing (the caller says what missing means)."""
    return i18n.format_number(value, decimals, lang, missing="")


def top_rows(frame: pd.DataFrame, column: str, n: int) -> pd.DataFrame:
    """The n rows with the highest `column`, highest first (missing last, ties in the frame's order)."""
    order = frame[column].astype("Float64").fillna(-1).to_numpy(dtype=float)
    keep = pd.Series(order).sort_values(ascending=False, kind="stable").index[:n]
    return frame.iloc[list(keep)]


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
           string_agg(DISTINCT d.page_name, '; ' ORDER BY d.page_name) AS page_names,
           string_agg(DISTINCT g.gemeente_name, ', ' ORDER BY g.gemeente_name) AS gemeente_names
    FROM units u LEFT JOIN dim_wijk w USING (wijk_code) LEFT JOIN dim_page d ON d.page_id = u.page_id
    LEFT JOIN dim_gemeente g ON g.gemeente_code = w.gemeente_code
    GROUP BY u.unit_id
)
SELECT n.unit_id, n.unit_name, n.owner_type, n.wijk_names, n.page_names, n.gemeente_names, s.since,
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
    SELECT d.page_id, d.page_name, d.owner_type, least(date_trunc('month', d.launch_date), fm.first_month) AS since
    FROM dim_page d JOIN gm_pages USING (page_id) LEFT JOIN first_message fm USING (page_id)
), monthly AS (
    SELECT page_id, month,
           count(*) FILTER (WHERE parent_id IS NULL) AS posts,
           count(*) FILTER (WHERE parent_id IS NOT NULL) AS comments,
           sum(reactions) AS reactions
    FROM fct_post WHERE page_id IN (SELECT page_id FROM gm_pages) AND month BETWEEN $start AND $end
    GROUP BY ALL
)
SELECT m.month, pg.page_id, pg.page_name, pg.owner_type, m.month >= pg.since AS page_live,
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
), page_gemeente AS (
    SELECT b.page_id, string_agg(DISTINCT g.gemeente_name, ', ' ORDER BY g.gemeente_name) AS gemeente_names
    FROM bridge_page_wijk b JOIN gm_pages USING (page_id) JOIN dim_wijk w USING (wijk_code)
    JOIN dim_gemeente g ON g.gemeente_code = w.gemeente_code
    GROUP BY b.page_id
)
SELECT l.page_id,
       CASE WHEN grouping(l.page_id) = 0 THEN any_value(d.page_name) END AS page_name,
       CASE WHEN grouping(l.page_id) = 0 THEN any_value(pg.gemeente_names) END AS gemeente_names,
       CASE WHEN grouping(l.page_id) = 0 THEN any_value(d.owner_type) END AS page_owner_type, l.answer_type,
       count(*) AS resident_posts, count(l.hours) AS answered,
       median(l.hours) AS median_hours, quantile_cont(l.hours, 0.9) AS p90_hours
FROM long l LEFT JOIN dim_page d USING (page_id) LEFT JOIN page_gemeente pg USING (page_id)
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


def engagement_table(frame: pd.DataFrame, level: str, lang: str = "nl", with_gemeente: bool = False) -> pd.DataFrame:
    """The shown and downloadable table: counts and rates side by side, with the reasons for missing figures.
    Column names stay Dutch (the page translates them); owner kinds and reasons follow `lang`. With several
    gemeenten (`with_gemeente`) a Gemeente column tells apart wijken and pages with the same name."""
    owner = frame["owner_type"].map(lambda c: owner_type_label(c, lang))
    first = {"pagina": {"Pagina": frame["unit_name"], "Eigenaar": owner, "Wijken": frame["wijk_names"]},
             "wijk": {"Wijk": frame["unit_name"], "Code": frame["unit_id"], "Pagina('s)": frame["page_names"]}}[level]
    if with_gemeente:
        first = {**dict(list(first.items())[:1]), "Gemeente": frame["gemeente_names"], **dict(list(first.items())[1:])}
    since = pd.to_datetime(frame["since"])
    reason = _translated(frame["reason"], lang)
    reactions_reason = _translated(frame["reactions_reason"], lang)
    shares_reason = _translated(frame["shares_reason"], lang)
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
        "Reden onbekend": reason.array,
        "Reden onbekend (likes)": reactions_reason.where(frame["reactions_reason"].ne(frame["reason"])).array,
        "Reden onbekend (gedeeld)": shares_reason.where(frame["shares_reason"].ne(frame["reason"])).array,
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
    out.loc[few, "times_reason"] = REASON_FEW_ANSWERS
    out.loc[out["answered"] == 0, "times_reason"] = REASON_NO_ANSWERS
    order = {k: i for i, k in enumerate(("alle", *ANSWER_TYPES))}
    return out.sort_values(["page_id", "answer_type"], key=lambda s: s.map(order) if s.name == "answer_type" else s,
                           na_position="first", kind="stable").reset_index(drop=True)


def response_by_type_table(resp: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    rows = resp[resp["page_id"].isna()]
    return pd.DataFrame({
        "Antwoord van": rows["answer_type"].map(lambda c: answer_type_label(c, lang)).array,
        "Berichten van bewoners": rows["resident_posts"].astype("Int64").array,
        "Beantwoord": rows["answered"].astype("Int64").array,
        "% beantwoord": rows["answered_pct"].array,
        "Mediaan uren tot antwoord": rows["median_hours"].array,
        "90% binnen (uren)": rows["p90_hours"].array,
        "Reden onbekend": _translated(rows["times_reason"], lang).array,
    })


def response_by_page_table(resp: pd.DataFrame, lang: str = "nl", with_gemeente: bool = False) -> pd.DataFrame:
    """Per page and answering type; `page_id` is kept for selecting pages, the page drops it before showing."""
    rows = resp[resp["page_id"].notna()]
    out = pd.DataFrame({
        "page_id": rows["page_id"].array,
        "Pagina": rows["page_name"].array,
        "Eigenaar pagina": rows["page_owner_type"].map(lambda c: owner_type_label(c, lang)).array,
        "Antwoord van": rows["answer_type"].map(lambda c: answer_type_label(c, lang)).array,
        "Berichten van bewoners": rows["resident_posts"].astype("Int64").array,
        "Beantwoord": rows["answered"].astype("Int64").array,
        "% beantwoord": rows["answered_pct"].array,
        "Mediaan uren tot antwoord": rows["median_hours"].array,
        "90% binnen (uren)": rows["p90_hours"].array,
        "Reden onbekend": _translated(rows["times_reason"], lang).array,
    })
    if with_gemeente:
        out.insert(2, "Gemeente", rows["gemeente_names"].array)
    return out


def top_pages_by_resident_posts(resp: pd.DataFrame, n: int) -> list:
    """The page ids of the n pages with the most resident posts (all answering organisations together)."""
    overall = resp[resp["page_id"].notna() & (resp["answer_type"] == "alle")]
    return top_rows(overall, "resident_posts", n)["page_id"].tolist()


def q_last_message(wh: Warehouse, *, gemeente: str) -> pd.Timestamp | None:
    value = wh.query(Q_LAST_MESSAGE, {"gm": gemeente}).iloc[0]["last_message"]
    return None if pd.isna(value) else pd.Timestamp(value)


def q_theme_engagement(wh: Warehouse, *, gemeente: str, period: q.Period) -> pd.DataFrame:
    """Per theme: top-level posts, mean (and median) reactions + comments per post; 'geen thema' for untagged posts."""
    out = wh.query(Q_THEME_ENGAGEMENT, {"gm": gemeente, "start": period.start, "end": period.end})
    out["label"] = out["label"].fillna(NO_THEME)
    for column in ("mean_engagement", "mean_reactions", "mean_comments", "median_engagement"):
        out[column] = out[column].astype("Float64").round(1)
    out["ranked"] = out["posts_known"] >= MIN_POSTS_FOR_THEME_RANK
    out["reason"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[~out["ranked"], "reason"] = REASON_FEW_THEME_POSTS
    out.loc[out["posts_known"] == 0, "reason"] = REASON_THEME_COUNTS_UNKNOWN
    return out.sort_values(["ranked", "mean_engagement"], ascending=[False, False], na_position="last",
                           kind="stable").reset_index(drop=True)


def theme_engagement_table(themes: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    return pd.DataFrame({
        "Thema": _translated(themes["label"], lang).array,
        "Berichten": themes["posts"].astype("Int64").array,
        "Met bekende aantallen": themes["posts_known"].astype("Int64").array,
        "Gemiddeld reacties + likes": themes["mean_engagement"].array,
        "Gemiddeld likes": themes["mean_reactions"].array,
        "Gemiddeld reacties": themes["mean_comments"].array,
        "Mediaan reacties + likes": themes["median_engagement"].array,
        "Opmerking": _translated(themes["reason"], lang).array,
    })


def activity_by_owner(activity: pd.DataFrame) -> pd.DataFrame:
    """Per kind of page owner and month, summed over the pages that existed that month (for many pages at once).
    A month without any live page of that kind stays NA; reactions are unknown when any live page lacks them."""
    live = activity["page_live"].astype("boolean").fillna(False).astype(bool)
    frame = activity.assign(live=live.astype(int), reactions_missing=(live & activity["reactions"].isna()).astype(int))
    out = (frame.groupby(["owner_type", "month"], sort=True, dropna=False)
           .agg(pages=("live", "sum"), posts=("posts", "sum"), comments=("comments", "sum"),
                reactions=("reactions", "sum"), reactions_missing=("reactions_missing", "sum"))
           .reset_index())
    has_page = out["pages"] > 0
    for column in ("posts", "comments", "reactions"):
        out[column] = out[column].astype("Int64").where(has_page)
    out["reactions"] = out["reactions"].where(out["reactions_missing"] == 0)
    out["messages"] = (out["posts"] + out["comments"]).astype("Int64")
    return out.drop(columns="reactions_missing")


def _hover_lines(template: str, part: pd.DataFrame, lang: str, missing: str) -> list[str]:
    """One hover line per month from a translated template; `missing` where the line has no figures."""
    unknown = i18n.translate("onbekend", lang)
    return [template.format(posts=_num(p, lang, 0), comments=_num(c, lang, 0), likes=_num(r, lang, 0) or unknown,
                            pages=_num(n, lang, 0)) if pd.notna(m) else missing
            for p, c, r, n, m in zip(part["posts"], part["comments"], part["reactions"],
                                     part.get("pages", part["posts"]), part["messages"])]


def activity_figure(activity: pd.DataFrame, y_title: str, lang: str = "nl", by_owner: bool = False) -> go.Figure:
    """One line per page, or with `by_owner` one line per kind of page owner (activity_by_owner)."""
    t = lambda text: i18n.translate(text, lang)  # noqa: E731
    if by_owner:
        data = activity_by_owner(activity)
        groups = [(t("Eigenaar: {owner}").format(owner=owner_type_label(k, lang) if isinstance(k, str) else t("onbekend")), part)
                  for k, part in data.groupby("owner_type", sort=True)]
        template, missing = t("{pages} pagina's: {posts} berichten, {comments} reacties, {likes} likes"), \
            t("nog geen pagina van deze soort")
    else:
        groups = list(activity.groupby("page_name", sort=False))
        template, missing = t("{posts} berichten, {comments} reacties, {likes} likes"), t("pagina bestond nog niet")
    fig = go.Figure()
    for i, (name, part) in enumerate(groups):
        fig.add_trace(go.Scatter(
            x=part["month"], y=part["messages"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            name=str(name), mode="lines+markers", customdata=_hover_lines(template, part, lang, missing), connectgaps=False,
            line={"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 2},
            hovertemplate=f"{name}<br>%{{x|%b %Y}}<br>%{{customdata}}<extra></extra>"))
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"title": y_title, "rangemode": "tozero"},
                      legend={"orientation": "h", "y": -0.15})
    return fig


def theme_engagement_figure(themes: pd.DataFrame, x_title: str, lang: str = "nl") -> go.Figure:
    t = lambda text: i18n.translate(text, lang)  # noqa: E731
    ranked = themes[themes["ranked"]].iloc[::-1]
    labels = [t(label) for label in ranked["label"]]
    means = [_num(v, lang) for v in ranked["mean_engagement"]]
    hover = [t("{theme}: gemiddeld {mean}").format(theme=label, mean=mean) + "<br>"
             + t("{posts} berichten; mediaan {median}").format(posts=_num(n, lang, 0), median=_num(m, lang) or "–")
             for label, mean, n, m in zip(labels, means, ranked["posts_known"], ranked["median_engagement"])]
    fig = go.Figure(go.Bar(
        x=ranked["mean_engagement"].astype("Float64").to_numpy(dtype=float, na_value=np.nan), y=labels,
        orientation="h", marker={"color": BAR_COLOUR}, customdata=hover, text=means, textposition="inside",
        insidetextfont={"color": "#ffffff"}, hovertemplate="%{customdata}<extra></extra>"))
    fig.update_layout(height=max(300, 26 * len(ranked) + 80), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis={"title": x_title})
    return fig


def fig_activity(wh: Warehouse, *, gemeente: str, period: q.Period, lang: str = "nl") -> dict:
    """activity_figure as a dict, cached per build through cached_query (st.plotly_chart validates it anyway).
    With every gemeente at once one line per page would be hundreds of lines: one line per kind of owner instead."""
    activity = q_activity_month(wh, gemeente=gemeente, period=period)
    title = i18n.translate("Berichten en reacties per maand", lang)
    return figure_dict(activity_figure(activity, title, lang, by_owner=gemeente == q.NATIONAL))


def fig_theme_engagement(wh: Warehouse, *, gemeente: str, period: q.Period, lang: str = "nl") -> dict:
    title = i18n.translate("Gemiddeld aantal reacties en likes per bericht", lang)
    return figure_dict(theme_engagement_figure(q_theme_engagement(wh, gemeente=gemeente, period=period), title, lang))
