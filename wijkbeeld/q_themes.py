"""Thema's: which themes the wijk pages talk about, per wijk and month, why a message got a theme, and (for roles
that may read post text) redacted example messages.

Shares are "messages in the wijk in the period that carry the theme" over "all messages in the wijk in the period";
a page that serves several wijken counts for each. A message can carry several themes, so shares do not add up to
100%. A wijk without a page, or whose page started after the period, has no share (NA with a reason), never 0.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wijkbeeld import i18n
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse

SOURCE_THEMES = f"{q.SOURCE_POSTS}; thema's automatisch toegekend met trefwoorden (data/themes.yml)"

# How many themes the per-wijk trend chart shows (the most frequent in the wijk over the period).
TREND_TOP_THEMES = 5
# Terms per theme in the "waarom" table.
TERMS_PER_THEME = 8
# A matched term can be a phrase taken from one message; without permission to read post text a term is only shown
# when at least this many messages in the selection matched it, so no single resident's wording is reproduced.
MIN_TERM_MESSAGES_WITHOUT_TEXT = 5
# Example messages shown at first, and added per "meer" click.
EXAMPLES_STEP = 20
EXAMPLES_MAX = 200

# Colour-blind-safe qualitative palette for lines (Okabe & Ito 2008), no red-green pair without another cue.
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HEATMAP_SCALE = "Cividis"

KIND_LABELS = {"post": "bericht", "message": "bericht", "comment": "reactie", "reply": "reactie"}
AUTHOR_TYPE_LABELS = {"bewoner": "bewoner", "gemeente": "gemeente", "politie": "politie", "corporatie": "corporatie",
                      "welzijn": "welzijn", "pagina": "beheerder van de pagina"}
TONE_LABELS = {-1: "negatief", 0: "neutraal", 1: "positief"}
GROUP_LABELS = {"veiligheid": "Veiligheid", "leefbaarheid": "Leefbaarheid", "gemeenschap": "Gemeenschap"}

REASON_NO_PAGE = "geen wijkpagina"
REASON_PAGE_LATER = "pagina startte na deze periode"
REASON_NO_MESSAGES = "geen berichten in deze periode"
REASON_BEFORE_PAGE = "pagina bestond nog niet"

i18n.register({
    "Het warehouse bevat geen thema-indeling (dim_theme is leeg); er is niets te tonen.":
        "The warehouse has no theme classification (dim_theme is empty); there is nothing to show.",
    "Alleen wijken met een wijkpagina.": "Only districts with a district page.",
    "Geen enkele wijk in deze gemeente heeft een wijkpagina; er zijn geen thema's per maand.":
        "No district in this municipality has a district page; there are no themes per month.",
    "Geen wijk in deze gemeente heeft een wijkpagina.": "No district in this municipality has a district page.",
    "Er zijn geen voorbeeldberichten: geen wijk heeft een wijkpagina.":
        "There are no example posts: no district has a district page.",
    "Geen berichten met dit thema in deze wijk in deze periode.":
        "No posts with this theme in this district in this period.",
    "Nog": "Show",
    "tonen (maximaal": "more (at most",
    "berichten en reacties in deze periode.": "posts and comments in this period.",
    "Thema": "Theme",
    "Groep": "Group",
    "Berichten met thema": "Posts with theme",
    "Berichten in de wijk": "Posts in the district",
    "Aandeel (%)": "Share (%)",
    "Reden onbekend": "Reason unknown",
    "Meest gevonden termen (aantal berichten)": "Most frequent terms (number of posts)",
    "Omschrijving": "Description",
    "Datum": "Date",
    "Soort": "Kind",
    "Schrijver": "Writer",
    "Toon": "Tone",
    "Waarom dit thema": "Why this theme",
    "Tekst (geredigeerd)": "Text (redacted)",
    "Thema's per wijk": "Themes per district",
    "Thema's in de tijd": "Themes over time",
    "Waarom dit thema: meest gevonden termen": "Why this theme: most frequent matched terms",
    "Voorbeeldberichten": "Example posts",
    "Kies een thema": "Choose a theme",
    "Meer berichten": "More posts",
    "Aandeel van de berichten (%)": "Share of posts (%)",
    "Berichten per maand": "Posts per month",
    "Tekst van berichten is niet beschikbaar voor deze rol.": "Post text is not available for this role.",
})

# The months of the period, as a grid every monthly query joins to (missing months stay visible).
_MONTHS = """months AS (
    SELECT CAST(range AS DATE) AS month
    FROM range(CAST($start AS DATE), CAST($end AS DATE) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
)"""

# Since when each wijk has a page: the earliest launch month, or the first message month if that is earlier or
# the launch date is unknown.
_WIJK_LIVE = """wijk_live AS (
    SELECT b.wijk_code,
           least(min(date_trunc('month', d.launch_date)), (SELECT min(p.month) FROM fct_post p
                 WHERE p.page_id IN (SELECT page_id FROM bridge_page_wijk b2 WHERE b2.wijk_code = b.wijk_code))) AS since
    FROM bridge_page_wijk b JOIN dim_page d USING (page_id)
    GROUP BY b.wijk_code
)"""

Q_THEME_CATALOG = "SELECT theme, label, theme_group, description FROM dim_theme ORDER BY theme_group, label"

Q_HEATMAP = f"""
WITH wijken AS (
    SELECT wijk_code, wijk_name FROM dim_wijk WHERE (gemeente_code = $gm OR $gm = 'NL00')
), {_WIJK_LIVE}, totals AS (
    SELECT wijk_code, sum(messages) AS messages FROM mart_wijk_post_month
    WHERE month BETWEEN $start AND $end GROUP BY wijk_code
), themed AS (
    SELECT wijk_code, theme, sum(messages) AS messages FROM mart_wijk_theme_month
    WHERE month BETWEEN $start AND $end GROUP BY ALL
)
SELECT w.wijk_code, w.wijk_name, d.theme, d.label, d.theme_group,
       l.wijk_code IS NOT NULL AS has_page, l.since AS page_since,
       t.messages AS wijk_messages, th.messages AS theme_messages_raw
FROM wijken w CROSS JOIN dim_theme d
LEFT JOIN wijk_live l USING (wijk_code)
LEFT JOIN totals t USING (wijk_code)
LEFT JOIN themed th ON th.wijk_code = w.wijk_code AND th.theme = d.theme
ORDER BY w.wijk_code, d.theme_group, d.label
"""

Q_TREND_WIJK = f"""
WITH {_MONTHS}, {_WIJK_LIVE}, totals AS (
    SELECT month, sum(messages) AS messages FROM mart_wijk_post_month WHERE wijk_code = $wijk GROUP BY month
), themed AS (
    SELECT month, theme, sum(messages) AS messages FROM mart_wijk_theme_month
    WHERE wijk_code = $wijk AND month BETWEEN $start AND $end GROUP BY ALL
), top AS (
    SELECT theme FROM themed GROUP BY theme ORDER BY sum(messages) DESC, theme LIMIT $top_n
)
SELECT m.month, d.theme, d.label,
       m.month >= l.since AS page_live,
       coalesce(th.messages, 0) AS theme_messages_raw,
       coalesce(t.messages, 0) AS wijk_messages_raw
FROM months m CROSS JOIN top JOIN dim_theme d ON d.theme = top.theme
LEFT JOIN wijk_live l ON l.wijk_code = $wijk
LEFT JOIN totals t ON t.month = m.month
LEFT JOIN themed th ON th.month = m.month AND th.theme = top.theme
ORDER BY d.label, m.month
"""

Q_TREND_THEME = f"""
WITH {_MONTHS}, {_WIJK_LIVE}, wijken AS (
    SELECT w.wijk_code, w.wijk_name, l.since FROM dim_wijk w JOIN wijk_live l USING (wijk_code) WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
), totals AS (
    SELECT wijk_code, month, sum(messages) AS messages FROM mart_wijk_post_month
    WHERE month BETWEEN $start AND $end GROUP BY ALL
), themed AS (
    SELECT wijk_code, month, sum(messages) AS messages FROM mart_wijk_theme_month
    WHERE theme = $theme AND month BETWEEN $start AND $end GROUP BY ALL
)
SELECT m.month, w.wijk_code, w.wijk_name,
       m.month >= w.since AS page_live,
       coalesce(th.messages, 0) AS theme_messages_raw,
       coalesce(t.messages, 0) AS wijk_messages_raw
FROM months m CROSS JOIN wijken w
LEFT JOIN totals t ON t.wijk_code = w.wijk_code AND t.month = m.month
LEFT JOIN themed th ON th.wijk_code = w.wijk_code AND th.month = m.month
ORDER BY w.wijk_code, m.month
"""

# Matched terms per theme: the JSON list in fct_post_theme says which words or phrases gave the theme. Each
# message counts once per term; malformed lists are skipped rather than failing the page.
Q_TERMS = """
WITH posts AS (
    SELECT DISTINCT p.post_id
    FROM fct_post p JOIN bridge_page_wijk b USING (page_id) JOIN dim_wijk w USING (wijk_code)
    WHERE (w.gemeente_code = $gm OR $gm = 'NL00') AND p.month BETWEEN $start AND $end
      AND ($wijk IS NULL OR b.wijk_code = $wijk)
), term_rows AS (
    SELECT t.post_id, t.theme, lower(trim(unnest(json_extract_string(t.matched_terms, '$[*]')))) AS term
    FROM fct_post_theme t JOIN posts USING (post_id)
    WHERE json_valid(t.matched_terms) AND json_type(t.matched_terms) = 'ARRAY'
), counted AS (
    SELECT theme, term, count(DISTINCT post_id) AS messages FROM term_rows WHERE term <> '' GROUP BY ALL
), themed AS (
    SELECT t.theme, count(DISTINCT t.post_id) AS theme_messages FROM fct_post_theme t JOIN posts USING (post_id) GROUP BY ALL
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY theme ORDER BY messages DESC, term) AS rank
    FROM counted WHERE messages >= $min_messages
)
SELECT d.theme, d.label, d.theme_group, th.theme_messages, r.term, r.messages, r.rank
FROM themed th JOIN dim_theme d USING (theme)
LEFT JOIN ranked r ON r.theme = th.theme AND r.rank <= $top_n
ORDER BY d.theme_group, d.label, r.rank
"""

# Example messages for one wijk and theme, newest first. No author, pseudonym, organisation name or link is selected:
# only the author's type.
Q_EXAMPLES = """
SELECT CAST(p.created_at AT TIME ZONE 'Europe/Amsterdam' AS TIMESTAMP) AS created_local,
       p.kind, p.author_type, p.tone, t.matched_terms, p.text_redacted,
       count(*) OVER () AS total
FROM fct_post p JOIN fct_post_theme t USING (post_id)
WHERE t.theme = $theme AND p.month BETWEEN $start AND $end
  AND p.page_id IN (SELECT page_id FROM bridge_page_wijk WHERE wijk_code = $wijk)
ORDER BY p.created_at DESC, p.post_id
LIMIT $limit
"""


def group_label(group: object) -> str:
    return GROUP_LABELS.get(str(group), str(group).replace("_", " ").capitalize())


def q_theme_catalog(wh: Warehouse) -> pd.DataFrame:
    """The theme taxonomy (dim_theme) with a readable group label."""
    out = wh.query(Q_THEME_CATALOG)
    out["group_label"] = out["theme_group"].map(group_label)
    return out


_HEATMAP_MEMO: dict[tuple, pd.DataFrame] = {}
_HEATMAP_MEMO_SIZE = 16


def q_theme_heatmap(wh: Warehouse, *, gemeente: str, period: q.Period) -> pd.DataFrame:
    """One row per wijk x theme: messages with the theme, all messages, share in % and, when unknown, why.
    The heat map, its table and its figure all start from this frame: it is computed once per build and view
    (a national warehouse needs seconds for it), then copied."""
    key = (str(getattr(wh, "path", id(wh))), wh.version().token, gemeente, period)
    if key not in _HEATMAP_MEMO:
        if len(_HEATMAP_MEMO) >= _HEATMAP_MEMO_SIZE:
            try:  # sessions run in threads: another may be trimming at the same moment
                _HEATMAP_MEMO.pop(next(iter(_HEATMAP_MEMO)), None)
            except (RuntimeError, StopIteration):
                pass
        _HEATMAP_MEMO[key] = _theme_heatmap(wh, gemeente=gemeente, period=period)
    return _HEATMAP_MEMO[key].copy()


def _theme_heatmap(wh: Warehouse, *, gemeente: str, period: q.Period) -> pd.DataFrame:
    out = wh.query(Q_HEATMAP, {"gm": gemeente, "start": period.start, "end": period.end})
    has_page = out["has_page"].astype(bool)
    since = pd.to_datetime(out["page_since"])
    live_in_period = has_page & since.notna() & (since <= pd.Timestamp(period.end))
    # While the page exists, no messages is a real zero; before it existed the count is unknown.
    out["wijk_messages"] = out["wijk_messages"].astype("Int64").fillna(0).where(live_in_period)
    known = live_in_period & out["wijk_messages"].fillna(0).gt(0)
    # Within a live page with messages, a theme nobody wrote about is a real zero.
    out["theme_messages"] = out["theme_messages_raw"].astype("Int64").fillna(0).where(known)
    out["share_pct"] = (out["theme_messages"].astype("Float64") / out["wijk_messages"].astype("Float64") * 100).round(1)
    out["share_pct"] = out["share_pct"].where(known)
    out["reason"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[~has_page, "reason"] = REASON_NO_PAGE
    out.loc[has_page & ~live_in_period, "reason"] = REASON_PAGE_LATER
    out.loc[live_in_period & ~known, "reason"] = REASON_NO_MESSAGES
    out["group_label"] = out["theme_group"].map(group_label)
    return out.drop(columns=["theme_messages_raw"])


def _monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """Monthly counts are NA before the page existed (not zero); the share is NA in months without messages."""
    out = frame.copy()
    live = out["page_live"].astype("boolean").fillna(False).astype(bool)
    out["theme_messages"] = out["theme_messages_raw"].astype("Int64").where(live)
    out["wijk_messages"] = out["wijk_messages_raw"].astype("Int64").where(live)
    total = out["wijk_messages"].astype("Float64")
    out["share_pct"] = (out["theme_messages"].astype("Float64") / total.where(total > 0) * 100).round(1)
    out["reason"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[~live, "reason"] = REASON_BEFORE_PAGE
    out.loc[live & (total == 0), "reason"] = REASON_NO_MESSAGES
    out["month"] = pd.to_datetime(out["month"])
    return out.drop(columns=["theme_messages_raw", "wijk_messages_raw", "page_live"])


def q_theme_trend_wijk(wh: Warehouse, *, wijk: str, period: q.Period, top_n: int = TREND_TOP_THEMES) -> pd.DataFrame:
    """Per month, the wijk's top_n themes of the period: messages with the theme and share of the month's messages."""
    raw = wh.query(Q_TREND_WIJK, {"wijk": wijk, "start": period.start, "end": period.end, "top_n": top_n})
    return _monthly(raw)


def q_theme_trend_theme(wh: Warehouse, *, gemeente: str, theme: str, period: q.Period) -> pd.DataFrame:
    """Per month and wijk with a page: messages with the theme and share of the wijk's messages that month."""
    raw = wh.query(Q_TREND_THEME, {"gm": gemeente, "theme": theme, "start": period.start, "end": period.end})
    return _monthly(raw)


def q_theme_terms(wh: Warehouse, *, gemeente: str, period: q.Period, wijk: str | None = None,
                  top_n: int = TERMS_PER_THEME, min_messages: int = 1) -> pd.DataFrame:
    """Per theme with messages its most frequent matched terms (messages per term), over the gemeente or one wijk.
    A theme whose terms all fall below min_messages keeps one row with term NA."""
    out = wh.query(Q_TERMS, {"gm": gemeente, "start": period.start, "end": period.end, "wijk": wijk,
                             "top_n": top_n, "min_messages": min_messages})
    out["group_label"] = out["theme_group"].map(group_label)
    return out


def terms_table(terms: pd.DataFrame, catalog: pd.DataFrame, min_messages: int = 1) -> pd.DataFrame:
    """One row per theme of the taxonomy: its group, messages with the theme and the top terms with their counts.
    '—' means no message had the theme; a theme with messages but no term above min_messages says so."""
    found = terms[terms["term"].notna()]
    listed = (found.assign(item=found["term"] + " (" + found["messages"].astype("Int64").astype(str) + ")")
              .groupby("theme", sort=False)["item"].agg(", ".join))
    counts = terms.drop_duplicates("theme").set_index("theme")["theme_messages"].astype("Int64")
    theme_counts = catalog["theme"].map(counts).astype("Int64")
    shown = catalog["theme"].map(listed).astype("string")
    shown = shown.mask(shown.isna() & theme_counts.gt(0).fillna(False), f"geen term in minstens {min_messages} berichten")
    return pd.DataFrame({
        "Thema": catalog["label"].array,
        "Groep": catalog["group_label"].array,
        "Berichten met thema": theme_counts.array,
        "Meest gevonden termen (aantal berichten)": shown.fillna("—").array,
        "Omschrijving": catalog["description"].array,
    })


def q_theme_examples(wh: Warehouse, *, wijk: str, theme: str, period: q.Period, limit: int = EXAMPLES_STEP) -> pd.DataFrame:
    """Newest redacted messages for a wijk and theme with why they got the theme, kind, author type and tone.
    Only for roles with permission "post_text": the page must not call this otherwise."""
    raw = wh.query(Q_EXAMPLES, {"wijk": wijk, "theme": theme, "start": period.start, "end": period.end,
                                "limit": int(min(max(limit, 1), EXAMPLES_MAX))})
    return raw


def examples_table(raw: pd.DataFrame) -> pd.DataFrame:
    terms = raw["matched_terms"].map(_terms_text)
    tone = raw["tone"].astype("Int64")
    return pd.DataFrame({
        "Datum": pd.to_datetime(raw["created_local"]).dt.strftime("%d-%m-%Y %H:%M").array,
        "Soort": raw["kind"].map(KIND_LABELS).fillna(raw["kind"]).array,
        "Schrijver": raw["author_type"].map(AUTHOR_TYPE_LABELS).fillna(raw["author_type"]).array,
        "Toon": tone.map(TONE_LABELS, na_action="ignore").astype("string").fillna("onbekend").array,
        "Waarom dit thema": terms.array,
        "Tekst (geredigeerd)": raw["text_redacted"].array,
    })


def _terms_text(value: object) -> str:
    try:
        terms = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return "onbekend"
    return ", ".join(str(t) for t in terms) if isinstance(terms, list) and terms else "onbekend"


def heatmap_table(heat: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Wijk": heat["wijk_name"].array,
        "Code": heat["wijk_code"].array,
        "Thema": heat["label"].array,
        "Groep": heat["group_label"].array,
        "Berichten met thema": heat["theme_messages"].astype("Int64").array,
        "Berichten in de wijk": heat["wijk_messages"].astype("Int64").array,
        "Aandeel (%)": heat["share_pct"].array,
        "Reden onbekend": heat["reason"].array,
    })


def _nl(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def heatmap_figure(heat: pd.DataFrame) -> go.Figure:
    """Wijk x theme heat map of shares (cividis), counts and reasons in the hover."""
    theme_order = heat.drop_duplicates("theme")[["theme", "label"]]
    wijk_order = heat.drop_duplicates("wijk_code")[["wijk_code", "wijk_name"]]
    names = wijk_order["wijk_name"].where(~wijk_order["wijk_name"].duplicated(keep=False),
                                          wijk_order["wijk_name"] + " (" + wijk_order["wijk_code"] + ")")
    grid = heat.pivot(index="wijk_code", columns="theme", values="share_pct").reindex(
        index=wijk_order["wijk_code"], columns=theme_order["theme"])
    z = grid.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    share = heat["share_pct"].astype("Float64")
    hover = np.where(
        share.notna().array,
        heat["wijk_name"] + " · " + heat["label"] + "<br>" + share.fillna(0).map(_nl) + "% van de berichten<br>"
        + heat["theme_messages"].astype("Int64").astype("string").fillna("") + " van "
        + heat["wijk_messages"].astype("Int64").astype("string").fillna("") + " berichten",
        heat["wijk_name"] + " · " + heat["label"] + "<br>onbekend: " + heat["reason"].fillna("onbekend"),
    )
    hover_grid = (pd.Series(hover, index=pd.MultiIndex.from_frame(heat[["wijk_code", "theme"]]))
                  .unstack().reindex(index=wijk_order["wijk_code"], columns=theme_order["theme"]).to_numpy())
    cell_text = np.where(np.isnan(z), "–", np.char.replace(np.char.mod("%.0f", np.nan_to_num(z)), ".", ","))
    fig = go.Figure(go.Heatmap(
        z=z, x=theme_order["label"].tolist(), y=names.tolist(), customdata=hover_grid,
        hovertemplate="%{customdata}<extra></extra>", text=cell_text, texttemplate="%{text}",
        colorscale=HEATMAP_SCALE, zmin=0, hoverongaps=True, xgap=1, ygap=1,
        colorbar={"title": {"text": "% berichten"}},
    ))
    fig.update_layout(height=max(320, 40 * len(wijk_order) + 160), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      yaxis={"autorange": "reversed"}, xaxis={"tickangle": -40}, plot_bgcolor="#f2f2f2")
    return fig


def line_figure(frame: pd.DataFrame, *, series: str, value: str, y_title: str) -> go.Figure:
    """One line per `series` over the months; NA months are gaps, the hover gives count, total and share."""
    fig = go.Figure()
    for i, (name, part) in enumerate(frame.groupby(series, sort=False)):
        hover = np.where(
            part["wijk_messages"].notna().array,
            part["theme_messages"].astype("Int64").astype("string").fillna("") + " van "
            + part["wijk_messages"].astype("Int64").astype("string").fillna("") + " berichten ("
            + part["share_pct"].astype("Float64").map(_nl, na_action="ignore").astype("string").fillna("–") + "%)",
            "onbekend: " + part["reason"].fillna("onbekend"),
        )
        fig.add_trace(go.Scatter(
            x=part["month"], y=part[value].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            name=str(name), mode="lines+markers", customdata=hover, connectgaps=False,
            line={"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 2},
            hovertemplate=f"{name}<br>%{{x|%b %Y}}<br>%{{customdata}}<extra></extra>",
        ))
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"title": y_title, "rangemode": "tozero"},
                      legend={"orientation": "h", "y": -0.15}, hovermode="closest")
    return fig


def figure_dict(figure: go.Figure) -> dict:
    """The figure as a plain dict without plotly's default template: st.plotly_chart(theme="streamlit") styles the
    chart itself, and the template is most of the spec and most of the validation time on every run."""
    spec = figure.to_dict()
    spec["layout"].pop("template", None)
    return spec


# Figures as plain dicts, built once per build token and parameters through cached_query: st.plotly_chart validates
# a figure on every run anyway, so caching the dict saves building (and validating) it a second time.
def fig_heatmap(wh: Warehouse, *, gemeente: str, period: q.Period) -> dict:
    return figure_dict(heatmap_figure(q_theme_heatmap(wh, gemeente=gemeente, period=period)))


def fig_trend_wijk(wh: Warehouse, *, wijk: str, period: q.Period, y_title: str) -> dict:
    trend = q_theme_trend_wijk(wh, wijk=wijk, period=period)
    return figure_dict(line_figure(trend, series="label", value="theme_messages", y_title=y_title))


def fig_trend_theme(wh: Warehouse, *, gemeente: str, theme: str, period: q.Period, y_title: str) -> dict:
    across = q_theme_trend_theme(wh, gemeente=gemeente, theme=theme, period=period)
    return figure_dict(line_figure(across, series="wijk_name", value="share_pct", y_title=y_title))


# Display tables through cached_query as well: they only change with the build and the parameters.
def q_heatmap_table(wh: Warehouse, *, gemeente: str, period: q.Period) -> pd.DataFrame:
    return heatmap_table(q_theme_heatmap(wh, gemeente=gemeente, period=period))


def q_terms_table(wh: Warehouse, *, gemeente: str, period: q.Period, min_messages: int) -> pd.DataFrame:
    terms = q_theme_terms(wh, gemeente=gemeente, period=period, min_messages=min_messages)
    return terms_table(terms, q_theme_catalog(wh), min_messages)
