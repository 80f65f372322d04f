"""Thema's: which themes the wijk pages talk about, per wijk and month, why a message got a theme, and (for roles
that may read post text) redacted example messages.

Shares are "messages in the wijk in the period that carry the theme" over "all messages in the wijk in the period";
a page that serves several wijken counts for each. A message can carry several themes, so shares do not add up to
100%. A wijk without a page, or whose page started after the period, has no share (NA with a reason), never 0.

For the whole country (gemeente NL00) every query covers all gemeenten; what would be one element per wijk in a
chart is bounded (the busiest wijken, stated in the caption), and wijk labels carry their gemeente because wijk
names repeat across gemeenten.
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
# Example messages shown at first, and added per "meer" click.
EXAMPLES_STEP = 20
EXAMPLES_MAX = 200
# Whole country: the heat map shows this many wijken (most messages in the period; 40 px a row keeps it readable),
# the theme trend this many lines (most messages with the theme; one colour each, see LINE_COLOURS).
HEATMAP_NATIONAL_TOP_WIJKEN = 30
TREND_NATIONAL_TOP_WIJKEN = 8

# Colour-blind-safe qualitative palette for lines (Okabe & Ito 2008), no red-green pair without another cue.
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HEATMAP_SCALE = "Cividis"

# Category values in tables, per language (short words that mean other things elsewhere stay out of i18n.EN).
KIND_LABELS = {
    "nl": {"post": "bericht", "message": "bericht", "comment": "reactie", "reply": "reactie"},
    "en": {"post": "post", "message": "post", "comment": "comment", "reply": "comment"},
}
AUTHOR_TYPE_LABELS = {
    "nl": {"bewoner": "bewoner", "gemeente": "gemeente", "politie": "politie", "corporatie": "corporatie",
           "welzijn": "welzijn", "pagina": "beheerder van de pagina"},
    "en": {"bewoner": "resident", "gemeente": "municipality", "politie": "police", "corporatie": "housing association",
           "welzijn": "welfare organisation", "pagina": "page administrator"},
}
TONE_LABELS = {"nl": {-1: "negatief", 0: "neutraal", 1: "positief"}, "en": {-1: "negative", 0: "neutral", 1: "positive"}}
GROUP_LABELS = {"veiligheid": "Veiligheid", "leefbaarheid": "Leefbaarheid", "gemeenschap": "Gemeenschap"}

REASON_NO_PAGE = "geen wijkpagina"
REASON_PAGE_LATER = "pagina startte na deze periode"
REASON_NO_MESSAGES = "geen berichten in deze periode"
REASON_BEFORE_PAGE = "pagina bestond nog niet"

i18n.register({
    "thema's automatisch toegekend met trefwoorden (data/themes.yml)":
        "themes assigned automatically by keywords (data/themes.yml)",
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
    "Geen berichten met dit thema in deze periode.": "No posts with this theme in this period.",
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
    "% berichten": "% of posts",
    # Theme groups of the default taxonomy (a gemeente's own groups keep their text) and the reasons a value is missing
    "Veiligheid": "Safety", "Leefbaarheid": "Liveability", "Gemeenschap": "Community",
    REASON_NO_PAGE: "no district page",
    REASON_PAGE_LATER: "page started after this period",
    REASON_NO_MESSAGES: "no posts in this period",
    REASON_BEFORE_PAGE: "page did not exist yet",
    # Templates (values filled in with str.format)
    "Wijk '{wijk}' heeft geen wijkpagina; de wijk met de meeste berichten is gekozen.":
        "District '{wijk}' has no district page; the district with the most posts was chosen.",
    "Wijk '{wijk}' hoort niet bij deze gemeente; de wijk met de meeste berichten is gekozen.":
        "District '{wijk}' is not part of this municipality; the district with the most posts was chosen.",
    "Wijk '{wijk}' komt niet voor; de wijk met de meeste berichten is gekozen.":
        "District '{wijk}' does not exist; the district with the most posts was chosen.",
    "Thema '{thema}' bestaat niet; het meest besproken thema is gekozen.":
        "Theme '{thema}' does not exist; the most discussed theme was chosen.",
    "Aandeel = berichten en reacties in de wijk met dit thema, gedeeld door alle berichten en reacties in de wijk "
    "(aantallen in de tooltip). Een bericht kan meer thema's hebben, dus de aandelen tellen niet op tot 100%. "
    "Een pagina voor meer wijken telt voor elke wijk.":
        "Share = posts and comments in the district with this theme, divided by all posts and comments in the "
        "district (counts in the tooltip). A post can have several themes, so the shares do not add up to 100%. "
        "A page for several districts counts for each district.",
    "Geen aandeel (–) voor: {items}.": "No share (–) for: {items}.",
    "Geen aandeel (–): {items}.": "No share (–): {items}.",
    "{reason} ({n} wijken)": "{reason} ({n} districts)",
    "Heel Nederland: de heatmap toont de {shown} wijken met de meeste berichten en reacties in deze periode, van de "
    "{with_messages} wijken met berichten; de tabel toont alle {pages} wijken met een wijkpagina.":
        "The Netherlands: the heat map shows the {shown} districts with the most posts and comments in this period, "
        "out of {with_messages} districts with posts; the table lists all {pages} districts with a district page.",
    "Geen berichten met een thema in {wijk} in deze periode.": "No posts with a theme in {wijk} in this period.",
    "De {n} meest besproken thema's in {wijk}: berichten en reacties per maand. Maanden voordat de pagina bestond "
    "zijn leeg (onbekend, niet nul).":
        "The {n} most discussed themes in {wijk}: posts and comments per month. Months before the page existed are "
        "empty (unknown, not zero).",
    "{theme} als aandeel van alle berichten en reacties per wijk en maand (aantallen in de tooltip). Leeg: de pagina "
    "bestond nog niet of er waren geen berichten.":
        "{theme} as a share of all posts and comments per district and month (counts in the tooltip). Empty: the "
        "page did not exist yet or there were no posts.",
    "Zonder wijkpagina: {wijken}.": "Without a district page: {wijken}.",
    "Heel Nederland: de {shown} wijken met de meeste berichten over dit thema in deze periode, van de {pages} wijken "
    "met een wijkpagina; {no_page} wijken hebben geen wijkpagina.":
        "The Netherlands: the {shown} districts with the most posts on this theme in this period, out of {pages} "
        "districts with a district page; {no_page} districts have no district page.",
    "Per thema de {n} woorden of zinsdelen die het vaakst tot dit thema leidden, met het aantal berichten waarin ze "
    "gevonden werden (hele gemeente). — = geen berichten met dit thema in deze periode.":
        "Per theme the {n} words or phrases that most often led to this theme, with the number of posts they were "
        "found in (whole municipality). — = no posts with this theme in this period.",
    "Per thema de {n} woorden of zinsdelen die het vaakst tot dit thema leidden, met het aantal berichten waarin ze "
    "gevonden werden (heel Nederland). — = geen berichten met dit thema in deze periode.":
        "Per theme the {n} words or phrases that most often led to this theme, with the number of posts they were "
        "found in (all municipalities). — = no posts with this theme in this period.",
    "Voor uw rol tonen we alleen termen die in minstens {n} berichten voorkwamen.":
        "For your role we only show terms that occurred in at least {n} posts.",
    "geen term in minstens {n} berichten": "no term in at least {n} posts",
    "Tekst van berichten is niet beschikbaar voor deze rol. (rol {role}: alleen totalen).":
        "Post text is not available for this role. (role {role}: totals only).",
    "**{theme}** in **{wijk}**: {n} berichten en reacties in deze periode.":
        "**{theme}** in **{wijk}**: {n} posts and comments in this period.",
    "{shown} van {total}, nieuwste eerst. Tekst is geredigeerd: persoonsgegevens staan er als [naam], [adres], "
    "[telefoon] enz.; schrijvers worden alleen naar soort getoond. 'Waarom dit thema' toont de gevonden trefwoorden.":
        "{shown} of {total}, newest first. Text is redacted: personal data appear as [naam] (name), [adres] "
        "(address), [telefoon] (phone) etc.; writers are only shown by kind. 'Why this theme' shows the matched "
        "keywords.",
    "Nog {step} tonen (maximaal {max}).": "Show {step} more (at most {max}).",
    # Chart texts
    "{wijk} · {theme}<br>{share}% van de berichten<br>{n} van {total} berichten":
        "{wijk} · {theme}<br>{share}% of posts<br>{n} of {total} posts",
    "{wijk} · {theme}<br>onbekend: {reason}": "{wijk} · {theme}<br>unknown: {reason}",
    "{n} van {total} berichten ({share}%)": "{n} of {total} posts ({share}%)",
    "onbekend: {reason}": "unknown: {reason}",
})

# The descriptions of the default taxonomy (data/themes.yml); a gemeente's own descriptions keep their text.
i18n.register({
    "Buurtactiviteiten en evenementen, buurtfeest, burendag, koffieochtend, markt, workshops, sportdag, open dag, "
    "vrijwilligers voor een activiteit.":
        "Neighbourhood activities and events, street party, neighbours' day, coffee morning, market, workshops, "
        "sports day, open day, volunteers for an activity.",
    "Buurtpreventie, WhatsApp-buurtpreventie (WABP), buurtwacht, buurtapp, preventierondes, borden.":
        "Neighbourhood watch, WhatsApp neighbourhood watch groups (WABP), neighbourhood patrols, neighbourhood apps, "
        "prevention rounds, signs.",
    "Oproepen van politie, gemeente of corporatie (ook gedeeld door bewoners) om getuigen, tips, camerabeelden of "
    "informatie over een incident. Een bewoner die alleen vraagt \"wie heeft iets gezien\" valt er niet onder.":
        "Appeals by the police, the municipality or a housing association (also when shared by residents) for "
        "witnesses, tips, camera footage or information about an incident. A resident who only asks \"did anyone "
        "see something\" is not included.",
    "Meepraten en meedenken met gemeente, corporatie en politie, bewonersavond, wijkschouw, leefbaarheidsonderzoek, "
    "enquete, wijktafel, inspraak, buurtbudget, informatieavond.":
        "Having a say with the municipality, housing association and police: residents' evenings, district "
        "walk-throughs, liveability studies, surveys, district round tables, consultation, neighbourhood budgets, "
        "information evenings.",
    "Vermiste en gevonden (huis)dieren en spullen, aangelopen of ontsnapte dieren, verloren voorwerpen.":
        "Lost and found pets, animals and belongings, stray or escaped animals, lost property.",
    "Overlast van buren, ook geluidsoverlast (muziek, boren, blaffende honden), stank en rook van buren, burenruzies "
    "en buurtbemiddeling.":
        "Nuisance from neighbours, including noise (music, drilling, barking dogs), smells and smoke from neighbours, "
        "neighbour disputes and neighbourhood mediation.",
    "Staat van straat en stoep, straatverlichting, groen en bomen, speeltuinen, bankjes, bushokjes, putten, bruggen, "
    "herinrichting en onderhoud.":
        "State of streets and pavements, street lighting, greenery and trees, playgrounds, benches, bus shelters, "
        "drains, bridges, redesign and maintenance.",
    "Zwerfvuil, bijplaatsingen, illegale dumping, hondenpoep, volle containers, ratten, verloedering.":
        "Litter, rubbish left next to bins, fly-tipping, dog mess, full containers, rats, decay.",
    "Diefstal van fietsen, scooters en auto's of uit auto's, zakkenrollen, pakketdiefstal, diefstal uit tuin, schuur "
    "of winkel.":
        "Theft of bicycles, scooters and cars or from cars, pickpocketing, parcel theft, theft from gardens, sheds "
        "or shops.",
    "Drugshandel en dealen, drugsafval, hennepkwekerij, lachgas, wietlucht, gebruik op straat, dronken mensen en "
    "drankoverlast.":
        "Drug trafficking and dealing, drug waste, cannabis farms, laughing gas, the smell of weed, use in the "
        "street, drunk people and alcohol nuisance.",
    "Mishandeling, bedreiging, straatroof, overval, steek- en schietpartij, vechtpartij, huiselijk geweld.":
        "Assault, threats, street robbery, hold-ups, stabbings and shootings, fights, domestic violence.",
    "Inbraak en pogingen daartoe in woning, schuur, berging, garage of bedrijfspand.":
        "Burglary and attempted burglary of homes, sheds, storerooms, garages or business premises.",
    "Overlast van (groepen) jongeren, hangjongeren, hangplekken, jeugd die scheldt, gooit of rondjes rijdt.":
        "Nuisance from (groups of) young people, loitering youths, hang-out spots, youths who swear, throw things or "
        "drive around in circles.",
    "Oplichting en fraude, phishing via sms/mail, babbeltrucs aan de deur, nep-agenten en nep-medewerkers, "
    "WhatsApp-fraude (\"hoi mam\"), valse collectanten.":
        "Scams and fraud, phishing by text message or e-mail, doorstep tricks, fake police officers and fake staff, "
        "WhatsApp fraud (\"hi mum\"), fake charity collectors.",
    "Verdachte personen, auto's en situaties, rondlopen en gluren, camerabeelden en \"wie herkent\".":
        "Suspicious people, cars and situations, loitering and peering in, camera footage and \"who recognises\".",
    "Te hard rijden en racen, gevaarlijke verkeerssituaties, parkeeroverlast, ongelukken en aanrijdingen, "
    "werkzaamheden en afsluitingen.":
        "Speeding and racing, dangerous traffic situations, parking nuisance, accidents and collisions, roadworks "
        "and closures.",
    "Vernieling en vandalisme, graffiti en bekladding, ingegooide ruiten, lekgestoken banden.":
        "Vandalism and criminal damage, graffiti and defacement, smashed windows, slashed tyres.",
    "Vuurwerkoverlast en illegaal vuurwerk, knallen, explosies, brand en brandstichting (auto-, container-, "
    "woningbrand), rook en de brandweer bij een incident.":
        "Fireworks nuisance and illegal fireworks, bangs, explosions, fire and arson (car, container and house "
        "fires), smoke and the fire brigade at an incident.",
})

# The months of the period, as a grid every monthly query joins to (missing months stay visible).
_MONTHS = """months AS (
    SELECT CAST(range AS DATE) AS month
    FROM range(CAST($start AS DATE), CAST($end AS DATE) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
)"""

# Since when each wijk has a page: the earliest launch month, or the first message month if that is earlier or
# the launch date is unknown. The first message month per wijk comes from mart_wijk_post_month (the same posts of
# the wijk's pages, already grouped by month): a subquery over fct_post per wijk took seconds on a national build.
_WIJK_LIVE = """wijk_live AS (
    SELECT b.wijk_code, least(min(date_trunc('month', d.launch_date)), min(f.first_month)) AS since
    FROM bridge_page_wijk b JOIN dim_page d USING (page_id)
    LEFT JOIN (SELECT wijk_code, min(month) AS first_month FROM mart_wijk_post_month GROUP BY wijk_code) f
           USING (wijk_code)
    GROUP BY b.wijk_code
)"""

# The wijk as readers know it: for the whole country with its gemeente, since wijk names repeat across gemeenten.
_WIJK_LABEL = """CASE WHEN $gm = 'NL00'
            THEN coalesce(w.wijk_name, w.wijk_code) || ' (' || coalesce(g.gemeente_name, w.gemeente_code) || ')'
            ELSE w.wijk_name END"""

Q_THEME_CATALOG = "SELECT theme, label, theme_group, description FROM dim_theme ORDER BY theme_group, label"

Q_HEATMAP = f"""
WITH wijken AS (
    SELECT w.wijk_code, w.wijk_name, w.gemeente_code, g.gemeente_name, {_WIJK_LABEL} AS wijk_label
    FROM dim_wijk w LEFT JOIN dim_gemeente g USING (gemeente_code)
    WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
), {_WIJK_LIVE}, totals AS (
    SELECT wijk_code, sum(messages) AS messages FROM mart_wijk_post_month
    WHERE month BETWEEN $start AND $end AND wijk_code IN (SELECT wijk_code FROM wijken) GROUP BY wijk_code
), themed AS (
    SELECT wijk_code, theme, sum(messages) AS messages FROM mart_wijk_theme_month
    WHERE month BETWEEN $start AND $end AND wijk_code IN (SELECT wijk_code FROM wijken) GROUP BY ALL
)
SELECT w.wijk_code, w.wijk_name, w.gemeente_code, w.gemeente_name, w.wijk_label, d.theme, d.label, d.theme_group,
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
    SELECT w.wijk_code, w.wijk_name, {_WIJK_LABEL} AS wijk_label, l.since
    FROM dim_wijk w JOIN wijk_live l USING (wijk_code) LEFT JOIN dim_gemeente g USING (gemeente_code)
    WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
), totals AS (
    SELECT wijk_code, month, sum(messages) AS messages FROM mart_wijk_post_month
    WHERE month BETWEEN $start AND $end AND wijk_code IN (SELECT wijk_code FROM wijken) GROUP BY ALL
), themed AS (
    SELECT wijk_code, month, sum(messages) AS messages FROM mart_wijk_theme_month
    WHERE theme = $theme AND month BETWEEN $start AND $end AND wijk_code IN (SELECT wijk_code FROM wijken) GROUP BY ALL
)
SELECT m.month, w.wijk_code, w.wijk_name, w.wijk_label,
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


def _translated(values: pd.Series, lang: str) -> pd.Series:
    """Each distinct text (theme label, group, reason) translated once; NA stays NA and the dtype stays."""
    distinct = values.dropna().unique()
    return values.map(dict(zip(distinct, (i18n.translate(str(v), lang) for v in distinct)))).astype(values.dtype)


def _number(value: float, lang: str, decimals: int = 1) -> str:
    return i18n.format_number(value, decimals, lang)


def q_theme_catalog(wh: Warehouse) -> pd.DataFrame:
    """The theme taxonomy (dim_theme) with a readable group label."""
    out = wh.query(Q_THEME_CATALOG)
    out["group_label"] = out["theme_group"].map(group_label)
    return out


# Frames that several cached tables and figures start from (the heat map, its table and figure; a trend and its
# figure): cached_query caches each result separately, so without this each would run the same query again.
_MEMO: dict[tuple, pd.DataFrame] = {}
_MEMO_SIZE = 24


def _memoised(compute, wh: Warehouse, **params) -> pd.DataFrame:
    key = (compute.__name__, str(getattr(wh, "path", id(wh))), wh.version().token, tuple(sorted(params.items())))
    frame = _MEMO.get(key)
    if frame is None:
        frame = compute(wh, **params)
        if len(_MEMO) >= _MEMO_SIZE:
            try:  # sessions run in threads: another may be trimming at the same moment
                _MEMO.pop(next(iter(_MEMO)), None)
            except (RuntimeError, StopIteration):
                pass
        _MEMO[key] = frame
    return frame.copy()


def q_theme_heatmap(wh: Warehouse, *, gemeente: str, period: q.Period) -> pd.DataFrame:
    """One row per wijk x theme: messages with the theme, all messages, share in % and, when unknown, why.
    wijk_label is the wijk name, for the whole country with its gemeente."""
    return _memoised(_theme_heatmap, wh, gemeente=gemeente, period=period)


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


def busiest_wijken(heat: pd.DataFrame, n: int) -> pd.DataFrame:
    """The heat map rows of the n wijken with the most messages in the period (ties by wijk code), busiest first;
    wijken without messages (or without a known count) are left out."""
    per_wijk = heat.drop_duplicates("wijk_code").set_index("wijk_code")["wijk_messages"].astype("Float64")
    top = per_wijk[per_wijk.gt(0).fillna(False)].sort_index().sort_values(ascending=False, kind="stable").index[:n]
    return heat.set_index("wijk_code").loc[top].reset_index()


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
    return _memoised(_theme_trend_wijk, wh, wijk=wijk, period=period, top_n=top_n)


def _theme_trend_wijk(wh: Warehouse, *, wijk: str, period: q.Period, top_n: int) -> pd.DataFrame:
    raw = wh.query(Q_TREND_WIJK, {"wijk": wijk, "start": period.start, "end": period.end, "top_n": top_n})
    return _monthly(raw)


def q_theme_trend_theme(wh: Warehouse, *, gemeente: str, theme: str, period: q.Period) -> pd.DataFrame:
    """Per month and wijk with a page: messages with the theme and share of the wijk's messages that month."""
    return _memoised(_theme_trend_theme, wh, gemeente=gemeente, theme=theme, period=period)


def _theme_trend_theme(wh: Warehouse, *, gemeente: str, theme: str, period: q.Period) -> pd.DataFrame:
    raw = wh.query(Q_TREND_THEME, {"gm": gemeente, "theme": theme, "start": period.start, "end": period.end})
    return _monthly(raw)


def busiest_wijken_for_theme(across: pd.DataFrame, n: int) -> pd.DataFrame:
    """The monthly rows of the n wijken with the most messages with the theme over the period (ties by wijk code),
    busiest first; wijken without such a message are left out."""
    totals = across.groupby("wijk_code")["theme_messages"].sum(min_count=1).astype("Float64")
    top = totals[totals.gt(0).fillna(False)].sort_values(ascending=False, kind="stable").index[:n]
    return across.set_index("wijk_code").loc[top].reset_index()


def q_theme_terms(wh: Warehouse, *, gemeente: str, period: q.Period, wijk: str | None = None,
                  top_n: int = TERMS_PER_THEME, min_messages: int = 1) -> pd.DataFrame:
    """Per theme with messages its most frequent matched terms (messages per term), over the gemeente or one wijk.
    A theme whose terms all fall below min_messages keeps one row with term NA."""
    out = wh.query(Q_TERMS, {"gm": gemeente, "start": period.start, "end": period.end, "wijk": wijk,
                             "top_n": top_n, "min_messages": min_messages})
    out["group_label"] = out["theme_group"].map(group_label)
    return out


def terms_table(terms: pd.DataFrame, catalog: pd.DataFrame, min_messages: int = 1, lang: str = "nl") -> pd.DataFrame:
    """One row per theme of the taxonomy: its group, messages with the theme and the top terms with their counts.
    '—' means no message had the theme; a theme with messages but no term above min_messages says so.
    The matched terms are the residents' words and stay as they are; labels and descriptions follow lang."""
    found = terms[terms["term"].notna()]
    listed = (found.assign(item=found["term"] + " (" + found["messages"].astype("Int64").astype(str) + ")")
              .groupby("theme", sort=False)["item"].agg(", ".join))
    counts = terms.drop_duplicates("theme").set_index("theme")["theme_messages"].astype("Int64")
    theme_counts = catalog["theme"].map(counts).astype("Int64")
    shown = catalog["theme"].map(listed).astype("string")
    none_frequent = i18n.translate("geen term in minstens {n} berichten", lang).format(n=min_messages)
    shown = shown.mask(shown.isna() & theme_counts.gt(0).fillna(False), none_frequent)
    return pd.DataFrame({
        "Thema": _translated(catalog["label"], lang).array,
        "Groep": _translated(catalog["group_label"], lang).array,
        "Berichten met thema": theme_counts.array,
        "Meest gevonden termen (aantal berichten)": shown.fillna("—").array,
        "Omschrijving": _translated(catalog["description"], lang).array,
    })


def q_theme_examples(wh: Warehouse, *, wijk: str, theme: str, period: q.Period, limit: int = EXAMPLES_STEP) -> pd.DataFrame:
    """Newest redacted messages for a wijk and theme with why they got the theme, kind, author type and tone.
    Only for roles with permission "post_text": the page must not call this otherwise."""
    raw = wh.query(Q_EXAMPLES, {"wijk": wijk, "theme": theme, "start": period.start, "end": period.end,
                                "limit": int(min(max(limit, 1), EXAMPLES_MAX))})
    return raw


def examples_table(raw: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    unknown = i18n.translate("onbekend", lang)
    labels = lang if lang in KIND_LABELS else "nl"
    terms = raw["matched_terms"].map(lambda value: _terms_text(value, unknown))
    tone = raw["tone"].astype("Int64")
    return pd.DataFrame({
        "Datum": pd.to_datetime(raw["created_local"]).dt.strftime("%d-%m-%Y %H:%M").array,
        "Soort": raw["kind"].map(KIND_LABELS[labels]).fillna(raw["kind"]).array,
        "Schrijver": raw["author_type"].map(AUTHOR_TYPE_LABELS[labels]).fillna(raw["author_type"]).array,
        "Toon": tone.map(TONE_LABELS[labels], na_action="ignore").astype("string").fillna(unknown).array,
        "Waarom dit thema": terms.array,
        "Tekst (geredigeerd)": raw["text_redacted"].array,
    })


def _terms_text(value: object, unknown: str = "onbekend") -> str:
    try:
        terms = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return unknown
    return ", ".join(str(t) for t in terms) if isinstance(terms, list) and terms else unknown


def heatmap_table(heat: pd.DataFrame, lang: str = "nl", national: bool = False) -> pd.DataFrame:
    """The heat map as a table; for the whole country only the wijken with a page (the others have no share at all)
    and with their gemeente."""
    if national:
        heat = heat[heat["has_page"].astype(bool)]
    return pd.DataFrame({
        "Wijk": heat["wijk_name"].array,
        **({"Gemeente": heat["gemeente_name"].array} if national else {}),
        "Code": heat["wijk_code"].array,
        "Thema": _translated(heat["label"], lang).array,
        "Groep": _translated(heat["group_label"], lang).array,
        "Berichten met thema": heat["theme_messages"].astype("Int64").array,
        "Berichten in de wijk": heat["wijk_messages"].astype("Int64").array,
        "Aandeel (%)": heat["share_pct"].array,
        "Reden onbekend": _translated(heat["reason"], lang).array,
    })


def heatmap_figure(heat: pd.DataFrame, lang: str = "nl") -> go.Figure:
    """Wijk x theme heat map of shares (cividis), counts and reasons in the hover; rows in the order of `heat`."""
    theme_order = heat.drop_duplicates("theme")[["theme", "label"]]
    wijk_order = heat.drop_duplicates("wijk_code")[["wijk_code", "wijk_label"]]
    names = wijk_order["wijk_label"].where(~wijk_order["wijk_label"].duplicated(keep=False),
                                           wijk_order["wijk_label"] + " (" + wijk_order["wijk_code"] + ")")
    grid = heat.pivot(index="wijk_code", columns="theme", values="share_pct").reindex(
        index=wijk_order["wijk_code"], columns=theme_order["theme"])
    z = grid.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    share = heat["share_pct"].astype("Float64")
    known = i18n.translate("{wijk} · {theme}<br>{share}% van de berichten<br>{n} van {total} berichten", lang)
    unknown = i18n.translate("{wijk} · {theme}<br>onbekend: {reason}", lang)
    unknown_reason = i18n.translate("onbekend", lang)
    # One string per shown cell (at most ~40 wijken x 18 themes): a template per language, not glued fragments.
    hover = [
        known.format(wijk=w, theme=th, share=_number(s, lang), n=n, total=total) if has_share
        else unknown.format(wijk=w, theme=th, reason=reason if isinstance(reason, str) else unknown_reason)
        for w, th, has_share, s, n, total, reason in zip(
            heat["wijk_label"], _translated(heat["label"], lang), share.notna(), share.fillna(0),
            heat["theme_messages"].astype("Int64").astype("string").fillna(""),
            heat["wijk_messages"].astype("Int64").astype("string").fillna(""), _translated(heat["reason"], lang))
    ]
    hover_grid = (pd.Series(hover, index=pd.MultiIndex.from_frame(heat[["wijk_code", "theme"]]), dtype=object)
                  .unstack().reindex(index=wijk_order["wijk_code"], columns=theme_order["theme"]).to_numpy())
    cell_text = np.where(np.isnan(z), "–", np.char.replace(np.char.mod("%.0f", np.nan_to_num(z)), ".", ","))
    fig = go.Figure(go.Heatmap(
        z=z, x=_translated(theme_order["label"], lang).tolist(), y=names.tolist(), customdata=hover_grid,
        hovertemplate="%{customdata}<extra></extra>", text=cell_text, texttemplate="%{text}",
        colorscale=HEATMAP_SCALE, zmin=0, hoverongaps=True, xgap=1, ygap=1,
        colorbar={"title": {"text": i18n.translate("% berichten", lang)}},
    ))
    fig.update_layout(height=max(320, 40 * len(wijk_order) + 160), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      yaxis={"autorange": "reversed"}, xaxis={"tickangle": -40}, plot_bgcolor="#f2f2f2")
    return fig


def line_figure(frame: pd.DataFrame, *, series: str, value: str, y_title: str, lang: str = "nl") -> go.Figure:
    """One line per `series` over the months; NA months are gaps, the hover gives count, total and share."""
    known = i18n.translate("{n} van {total} berichten ({share}%)", lang)
    unknown = i18n.translate("onbekend: {reason}", lang)
    unknown_reason = i18n.translate("onbekend", lang)
    fig = go.Figure()
    for i, (name, part) in enumerate(frame.groupby(series, sort=False)):
        share = part["share_pct"].astype("Float64")
        hover = [
            known.format(n=n, total=total, share=_number(s, lang) if not pd.isna(s) else "–") if has_total
            else unknown.format(reason=reason if isinstance(reason, str) else unknown_reason)
            for has_total, n, total, s, reason in zip(
                part["wijk_messages"].notna(), part["theme_messages"].astype("Int64").astype("string").fillna(""),
                part["wijk_messages"].astype("Int64").astype("string").fillna(""), share.astype(object),
                _translated(part["reason"], lang))
        ]
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
# a figure on every run anyway, so caching the dict saves building (and validating) it a second time. They produce
# text, so they take lang (part of the cache key).
def fig_heatmap(wh: Warehouse, *, gemeente: str, period: q.Period, lang: str) -> dict:
    """For the whole country the HEATMAP_NATIONAL_TOP_WIJKEN wijken with the most messages, busiest first."""
    heat = q_theme_heatmap(wh, gemeente=gemeente, period=period)
    if gemeente == q.NATIONAL:
        heat = busiest_wijken(heat, HEATMAP_NATIONAL_TOP_WIJKEN)
    return figure_dict(heatmap_figure(heat, lang))


def fig_trend_wijk(wh: Warehouse, *, wijk: str, period: q.Period, lang: str) -> dict:
    trend = q_theme_trend_wijk(wh, wijk=wijk, period=period)
    trend["label"] = _translated(trend["label"], lang)
    return figure_dict(line_figure(trend, series="label", value="theme_messages",
                                   y_title=i18n.translate("Berichten per maand", lang), lang=lang))


def fig_trend_theme(wh: Warehouse, *, gemeente: str, theme: str, period: q.Period, lang: str) -> dict:
    """One line per wijk with a page; for the whole country the TREND_NATIONAL_TOP_WIJKEN wijken with the most
    messages with the theme, busiest first."""
    across = q_theme_trend_theme(wh, gemeente=gemeente, theme=theme, period=period)
    if gemeente == q.NATIONAL:
        across = busiest_wijken_for_theme(across, TREND_NATIONAL_TOP_WIJKEN)
    return figure_dict(line_figure(across, series="wijk_label", value="share_pct",
                                   y_title=i18n.translate("Aandeel van de berichten (%)", lang), lang=lang))


# Display tables through cached_query as well: they only change with the build, the parameters and the language.
def q_heatmap_table(wh: Warehouse, *, gemeente: str, period: q.Period, lang: str) -> pd.DataFrame:
    return heatmap_table(q_theme_heatmap(wh, gemeente=gemeente, period=period), lang, national=gemeente == q.NATIONAL)


def q_terms_table(wh: Warehouse, *, gemeente: str, period: q.Period, min_messages: int, lang: str) -> pd.DataFrame:
    terms = q_theme_terms(wh, gemeente=gemeente, period=period, min_messages=min_messages)
    return terms_table(terms, q_theme_catalog(wh), min_messages, lang)
