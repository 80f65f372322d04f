"""Hotspots (police district lead): per wijk or buurt and crime group, the last months against the same months a
year earlier and against the area's own seasonal baseline (stats.hotspots with Benjamini-Hochberg), incidents per
1,000 inhabitants of the same year, and how much residents wrote about the matching theme.

Also home of the crime-group labels and Dutch number formatting the Vergelijken and Evaluatie pages share.

Whole country (gemeente NL00): one model and one Benjamini-Hochberg family over every series of the country; the
presentation helpers bound what grows with the number of areas (table rows, name lists, flag sentences, the map).
Cached results stay Dutch; `localise` and the presentation helpers translate them for the reader's language.
"""
from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from wijkbeeld import i18n, maps, stats
from wijkbeeld.db import Warehouse
from wijkbeeld.safe import escape_html

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
REASON_NO_FIGURES_FOR_AREA = "geen cijfers voor dit gebied"

# Bounds for what grows with the number of areas (the whole country has 2,742 wijken and 11,691 buurten).
TABLE_MAX_ROWS = 500          # rows of the on-screen table; the download holds every row
NAME_LIST_MAX = 20            # area names listed in a sentence; longer lists become counts per reason
FLAG_SENTENCES_MAX = 25       # flag sentences written out, in rank order; the table holds the rest
MAP_MAX_BYTES = 5_000_000     # GeoJSON sent to the browser; a bigger map shows only the flagged areas

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
    "Reden onbekend (berichten)": "Reason unknown (posts)",
    # Reasons in table cells (from this module and from stats.hotspots)
    "geen bevolkingscijfer": "no population figure",
    "niet alle maanden gepubliceerd": "not every month published",
    "deels afgeschermd door de bron": "partly withheld by the source",
    "geen cijfers voor deze maanden": "no figures for these months",
    "geen incidenten in de geschiedenis: geen verwachting te schatten":
        "no incidents in the history: no expectation to estimate",
    "geen cijfers voor de recente maanden": "no figures for the recent months",
    "minder dan {n} maanden geschiedenis ({k})": "fewer than {n} months of history ({k})",
    "niet getoetst: {reason}": "not tested: {reason}",
    "jaar eerder: {reason}": "year earlier: {reason}",
    "geen wijkpagina": "no district page",
    "berichten van toen zijn na de bewaartermijn verwijderd": "posts from then were deleted after the retention term",
    "berichten over deze maanden zijn nog niet geladen": "posts for these months are not loaded yet",
    "pagina startte tijdens deze maanden": "the page started during these months",
    "pagina bestond toen nog niet": "the page did not exist yet",
    "geen thema dat bij deze soort hoort": "no theme belongs to this crime group",
    "geen cijfers voor dit gebied": "no figures for this area",
    "negatief binomiaal (meer spreiding dan Poisson)": "negative binomial (more spread than Poisson)",
    # Flag sentences
    "{area} (wijk {wijk})": "{area} (district {wijk})",
    "{area} (wijk {wijk}, {gemeente})": "{area} (district {wijk}, {gemeente})",
    "niet gerangschikt: minder dan de drempel aan inwoners": "not ranked: fewer inhabitants than the threshold",
    "niet gerangschikt: inwonertal onbekend": "not ranked: number of inhabitants unknown",
    "rang {rank}": "rank {rank}",
    "{n} incidenten in {span}": "{n} incidents in {span}",
    "{n} incidenten in de {k} gepubliceerde maanden van {span} ({reason})":
        "{n} incidents in the {k} published months of {span} ({reason})",
    "{area} — {group}: {counted} tegen {expected} verwacht uit het eigen seizoenspatroon: {rise} (95%-interval "
    "{lower} tot {upper}); p {p}, q {q}; methode {method}; {rank}.":
        "{area} — {group}: {counted} against {expected} expected from its own seasonal pattern: {rise} (95% interval "
        "{lower} to {upper}); p {p}, q {q}; method {method}; {rank}.",
    " Tegenover dezelfde maanden een jaar eerder: {change} ({recent} tegen {previous}).":
        " Against the same months a year earlier: {change} ({recent} against {previous}).",
    " Bewoners op de wijkpagina over {themes}: {recent} berichten en reacties, een jaar eerder {previous}.":
        " Residents on the district page about {themes}: {recent} posts and comments, a year earlier {previous}.",
    " Bewoners op de wijkpagina over {themes}: {recent} berichten en reacties; een jaar eerder onbekend ({reason}).":
        " Residents on the district page about {themes}: {recent} posts and comments; a year earlier unknown "
        "({reason}).",
    " Bewonersberichten: onbekend ({reason}).": " Resident posts: unknown ({reason}).",
    # Map tooltip
    "per 1.000 per jaar": "per 1,000 per year",
    "opvallende stijging": "unusual rise",
    "Politie via CBS": "Police via CBS",
    # Sources (each '; '-separated part)
    "Politie via CBS (geregistreerde misdrijven per maand)": "Police via CBS (registered crime per month)",
    "CBS Kerncijfers wijken en buurten (inwoners)": "CBS Key figures for districts and neighbourhoods (inhabitants)",
    "Wijkpagina's: berichten en reacties van bewoners met een thema dat bij de soort misdrijf hoort":
        "District pages: residents' posts and comments with a theme that belongs to the crime group",
    # Method text of wijkbeeld.stats (shown on this page)
    "Per gebied en soort incident vergelijken we de laatste drie maanden met wat de eigen geschiedenis van "
    "minstens 24 maanden voorspelt, rekening houdend met seizoenen en het huidige niveau. Een stijging wordt "
    "alleen gemarkeerd als die na correctie voor het aantal tegelijk getoetste gebieden (Benjamini-Hochberg, "
    "q = 0,10) nog opvalt; gebieden met te weinig geschiedenis worden niet getoetst en dat staat erbij.":
        "Per area and kind of incident we compare the last three months with what the area's own history of at "
        "least 24 months predicts, taking seasons and the current level into account. A rise is flagged only when "
        "it still stands out after correcting for the number of areas tested at the same time "
        "(Benjamini-Hochberg, q = 0.10); areas with too little history are not tested, and the page says so.",
})

# The page's sentences (pages/hotspots.py): templates with named placeholders.
i18n.register({
    "Niveau '{value}' bestaat niet; '{default}' is gekozen.": "Level '{value}' does not exist; '{default}' was chosen.",
    "Soort misdrijf '{value}' bestaat niet; '{default}' is gekozen.":
        "Crime group '{value}' does not exist; '{default}' was chosen.",
    "Kleur '{value}' bestaat niet; '{default}' is gekozen.": "Colour '{value}' does not exist; '{default}' was chosen.",
    "Alle gemeenten: op buurtniveau rekent de pagina alle buurten van alle gemeenten door (de eerste keer duurt dat "
    "even) en toont de kaart alleen de buurten met een opvallende stijging.":
        "All municipalities: at neighbourhood level the page computes every neighbourhood of every municipality (the "
        "first time takes a while) and the map shows only the neighbourhoods with an unusual rise.",
    "Er zijn geen politiecijfers per maand voor deze gemeenten op dit niveau.":
        "There are no monthly police figures for these municipalities at this level.",
    "De laatste {recent} maanden van de gekozen periode (**{window}**) per {level} en soort misdrijf, vergeleken met "
    "dezelfde maanden een jaar eerder ({previous}) en met wat het eigen seizoenspatroon van het gebied voorspelt.":
        "The last {recent} months of the chosen period (**{window}**) per {level} and crime group, compared with the "
        "same months a year earlier ({previous}) and with what the area's own seasonal pattern predicts.",
    "**Alle gemeenten tegelijk** ({gemeenten} gemeenten, {areas} {area_word}): het model en de correctie voor het "
    "aantal tegelijk getoetste reeksen (Benjamini-Hochberg) lopen over alle reeksen van alle gemeenten samen. Een "
    "opvallende stijging valt dus op tussen alle {tested} getoetste reeksen; naar verwachting is hooguit {q_pct}% "
    "van de gemarkeerde stijgingen toeval. Met zoveel reeksen ligt de lat meestal hoger dan in de weergave van één "
    "gemeente: een gebied kan daar opvallen en hier niet (of andersom).":
        "**All municipalities at once** ({gemeenten} municipalities, {areas} {area_word}): the model and the "
        "correction for the number of series tested at the same time (Benjamini-Hochberg) run over every series of "
        "every municipality together. An unusual rise therefore stands out among all {tested} tested series; at "
        "most {q_pct}% of the flagged rises are expected to be chance. With this many series the bar is usually "
        "higher than in the view of one municipality: an area can stand out there and not here (or the other way "
        "round).",
    "q-waarde ≤ {q} na Benjamini-Hochberg.": "q-value ≤ {q} after Benjamini-Hochberg.",
    "q-waarde ≤ {q} na Benjamini-Hochberg over alle reeksen van alle gemeenten samen.":
        "q-value ≤ {q} after Benjamini-Hochberg over every series of all municipalities together.",
    "De eerste {shown} van {flagged} opvallende stijgingen, op rang (kleine gebieden en gebieden zonder inwonertal "
    "daarna, op q-waarde); alle staan in de tabel van hun soort misdrijf en in de download.":
        "The first {shown} of {flagged} unusual rises, by rank (small areas and areas without a population figure "
        "after them, by q-value); all of them are in the table of their crime group and in the download.",
    "Geen enkele reeks kon worden getoetst: {reasons}.": "No series could be tested: {reasons}.",
    "Geen enkele {level} had in {window} een stijging die na correctie voor het aantal tegelijk getoetste "
    "{area_word} en soorten (Benjamini-Hochberg, q ≤ {q}) nog opvalt. Kleine uitschieters zijn dan niet van toeval "
    "te onderscheiden.":
        "No {level} had a rise in {window} that still stands out after correcting for the number of {area_word} and "
        "crime groups tested at the same time (Benjamini-Hochberg, q ≤ {q}). Small outliers cannot then be told "
        "apart from chance.",
    "Bron: {source}. Periode: {window}, geschiedenis tot {history} maanden daarvoor (minimaal {minimum}). Kleine "
    "gebieden (minder dan {population} inwoners) worden wel gemarkeerd, niet gerangschikt. Afgeschermde maanden "
    "tellen niet mee en blijven onbekend.":
        "Source: {source}. Period: {window}, history up to {history} months before it (at least {minimum}). Small "
        "areas (fewer than {population} inhabitants) are flagged but not ranked. Withheld months do not count and "
        "stay unknown.",
    "Kleur: donkerpaars = laag, geel = hoog; lichtgrijs met stippellijn = onbekend (de reden staat in de tooltip); "
    "dikke zwarte rand = opvallende stijging.":
        "Colour: dark purple = low, yellow = high; light grey with a dashed outline = unknown (the reason is in the "
        "tooltip); thick black outline = unusual rise.",
    "{value} — {group}, {window}. Bron: {source}. Alleen de {n} {area_word} met een opvallende stijging staan op de "
    "kaart (van de {total}); alle staan in de tabel. Kies het wijkniveau voor een kaart van alle gemeenten, of één "
    "gemeente voor al haar buurten. Kleur: donkerpaars = laag, geel = hoog.":
        "{value} — {group}, {window}. Source: {source}. Only the {n} {area_word} with an unusual rise are on the map "
        "(of {total}); all of them are in the table. Choose the district level for a map of all municipalities, or "
        "one municipality for all its neighbourhoods. Colour: dark purple = low, yellow = high.",
    "Geen kaart: voor alle gemeenten samen tekent de kaart op buurtniveau alleen de buurten met een opvallende "
    "stijging, en voor {group} is die er in {window} niet. Kies het wijkniveau voor een kaart van alle gemeenten, of "
    "één gemeente voor al haar buurten.":
        "No map: for all municipalities together the map at neighbourhood level draws only the neighbourhoods with an "
        "unusual rise, and for {group} there is none in {window}. Choose the district level for a map of all "
        "municipalities, or one municipality for all its neighbourhoods.",
    "{value} — {group}, {window}. Bron: {source}.": "{value} — {group}, {window}. Source: {source}.",
    "{value} — {group}, {window}. Bron: {source}. Alle {total} {area_word} samen zijn te veel kaartgegevens (meer "
    "dan {mb} MB): alleen de {n} met een opvallende stijging staan op de kaart; alle staan in de tabel. Kleur: "
    "donkerpaars = laag, geel = hoog.":
        "{value} — {group}, {window}. Source: {source}. All {total} {area_word} together are too much map data (more "
        "than {mb} MB): only the {n} with an unusual rise are on the map; all of them are in the table. Colour: dark "
        "purple = low, yellow = high.",
    "Alle gemeenten: alle {n} wijken op de kaart.": "All municipalities: all {n} districts on the map.",
    "Alle gemeenten: {n} van de {total} wijken op de kaart; de andere hebben geen vlak in de grenzen en staan alleen "
    "in de tabel.": "All municipalities: {n} of {total} districts on the map; the others have no shape in the "
    "boundaries and are only in the table.",
    "{n} {area_word} met een opvallende stijging hebben geen vlak in de grenzen en staan niet op de kaart, wel in de "
    "tabel.": "{n} {area_word} with an unusual rise have no shape in the boundaries and are not on the map, but they "
    "are in the table.",
    "- {n} {area_word}, waarvan {flagged} met een opvallende stijging":
        "- {n} {area_word}, {flagged} with an unusual rise",
    "- {n} zonder cijfer per 1.000 inwoners (reden in de tabel)":
        "- {n} without a figure per 1,000 inhabitants (reason in the table)",
    "Klein (minder dan {population} inwoners, niet gerangschikt): ":
        "Small (fewer than {population} inhabitants, not ranked): ",
    "Klein (minder dan {population} inwoners, niet gerangschikt): {n} {area_word}; zie de kolom 'Klein gebied' in de "
    "tabel.": "Small (fewer than {population} inhabitants, not ranked): {n} {area_word}; see the column 'Small area' "
    "in the table.",
    "Niet getoetst: {n} {area_word}, per reden: ": "Not tested: {n} {area_word}, by reason: ",
    "Niet getoetst: ": "Not tested: ",
    "De tabel toont de eerste {shown} van {total} {area_word}: eerst de opvallende stijgingen op rang, dan op "
    "q-waarde; de download bevat ze allemaal.":
        "The table shows the first {shown} of {total} {area_word}: the unusual rises first, by rank, then by q-value; "
        "the download holds all of them.",
    "Bron: {source}. Periode: {window} (recent), {previous} (jaar eerder). Incidenten per 1.000 inwoners per jaar "
    "met de bevolking van hetzelfde jaar. 'Stijging t.o.v. verwachting' met 95%-interval; p éénzijdig (voor een "
    "stijging); q na Benjamini-Hochberg over alle getoonde reeksen. Lege cellen zijn onbekend, nooit nul: de reden "
    "staat ernaast.":
        "Source: {source}. Period: {window} (recent), {previous} (a year earlier). Incidents per 1,000 inhabitants "
        "per year with the population of the same year. 'Rise against expectation' with a 95% interval; p one-sided "
        "(for a rise); q after Benjamini-Hochberg over every series shown. Empty cells are unknown, never zero: the "
        "reason is beside them.",
    "Verwachting: per gebied en soort een Poisson-model van de eigen geschiedenis (niveau, jaarlijks "
    "seizoenspatroon, afwijkingen per kalendermaand en het niveau van de laatste {level_months} maanden). Spreiden "
    "de cijfers meer dan Poisson toestaat, dan rekenen we met een negatief-binomiale verdeling (kolom 'Methode'). De "
    "p-waarde is de kans op minstens zoveel incidenten als er niets veranderd is; de q-waarde corrigeert voor het "
    "aantal tegelijk getoetste reeksen (Benjamini-Hochberg, drempel q = {q}). De vergelijking met een jaar eerder "
    "telt alleen maanden die in beide jaren bekend zijn; het interval is exact (binomiaal). Bewonersberichten: "
    "berichten en reacties van bewoners op de wijkpagina met een thema dat bij de soort misdrijf hoort; een stijging "
    "in berichten bewijst geen stijging in misdrijven, en omgekeerd.":
        "Expectation: per area and crime group a Poisson model of the area's own history (level, annual seasonal "
        "pattern, deviations per calendar month and the level of the last {level_months} months). When the figures "
        "spread more than Poisson allows, we use a negative binomial distribution (column 'Method'). The p-value is "
        "the chance of at least this many incidents if nothing changed; the q-value corrects for the number of "
        "series tested at the same time (Benjamini-Hochberg, threshold q = {q}). The comparison with a year earlier "
        "counts only months known in both years; its interval is exact (binomial). Resident posts: residents' posts "
        "and comments on the district page with a theme that belongs to the crime group; a rise in posts does not "
        "prove a rise in crime, nor the other way round.",
    "Alle gemeenten tegelijk: één model en één Benjamini-Hochberg-correctie over alle reeksen van alle gemeenten; "
    "hoeveel maanden en het huidige niveau mogen afwijken en de extra spreiding per soort worden over alle gemeenten "
    "samen geschat. De rang loopt over alle gemeenten.":
        "All municipalities at once: one model and one Benjamini-Hochberg correction over every series of every "
        "municipality; how far months and the current level may deviate, and the extra spread per crime group, are "
        "estimated over all municipalities together. The rank runs over all municipalities.",
})

# Every incident series per area and month for one level: the crime groups and the crime total, from the first
# month the test can use (stats.HOTSPOT_MAX_HISTORY_MONTHS before the recent window) up to the as-of month.
Q_MONTHLY = """
SELECT m.area_code, m.crime_group AS "group", m.month, m.incident_count AS count
FROM mart_incident_group_month m JOIN dim_area a USING (area_code)
WHERE (a.gemeente_code = $gm OR $gm = 'NL00') AND m.level = $level AND m.month BETWEEN $first AND $as_of
UNION ALL
SELECT t.area_code, 'totaal', t.month, t.incident_count
FROM mart_incident_total_month t JOIN dim_area a USING (area_code)
WHERE (a.gemeente_code = $gm OR $gm = 'NL00') AND t.level = $level AND t.month BETWEEN $first AND $as_of
"""

# Areas of the level with their wijk, the population of the as-of year and person-years over the recent window
# (each month weighs the population of its own year).
Q_AREAS = """
WITH months AS (
    SELECT CAST(range AS DATE) AS month
    FROM range(CAST($start AS DATE), CAST($end AS DATE) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
), areas AS (
    SELECT a.area_code, a.area_name, COALESCE(a.wijk_code, a.area_code) AS wijk_code, a.gemeente_code
    FROM dim_area a WHERE (a.gemeente_code = $gm OR $gm = 'NL00') AND a.level = $level
), window_pop AS (
    SELECT a.area_code, sum(p.population) / 12.0 AS person_years, count(p.population) AS months_with_population
    FROM areas a CROSS JOIN months m
    LEFT JOIN fct_population p ON p.area_code = a.area_code AND p.year = year(m.month)
    GROUP BY a.area_code
)
SELECT a.area_code, a.area_name, a.wijk_code, w.wijk_name, a.gemeente_code, g.gemeente_name,
       p.population, p.population_year, p.imputed AS population_imputed,
       wp.person_years, wp.months_with_population
FROM areas a
LEFT JOIN dim_wijk w ON w.wijk_code = a.wijk_code
LEFT JOIN dim_gemeente g ON g.gemeente_code = a.gemeente_code
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
    "area_code", "area_name", "wijk_code", "wijk_name", "gemeente_code", "gemeente_name", "group", "group_label",
    "level",
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


def nl_number(value, decimals: int = 1, missing: str | None = None, *, lang: str = "nl") -> str:
    """Dutch formatting (decimal comma, dot for thousands) or, with lang='en', English (1,234.5); unknown stays
    a word ('onbekend' / 'unknown'), never 0."""
    return i18n.format_number(value, decimals, lang, missing=missing)


def nl_signed_pct(value, decimals: int = 0, missing: str | None = None, *, lang: str = "nl") -> str:
    if value is None or pd.isna(value):
        return i18n.translate("onbekend", lang) if missing is None else missing
    text = nl_number(abs(value), decimals, lang=lang)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text + "%"


def _eq(shown: str) -> str:
    """'= 0,025' but '< 0,001' (not '= < 0,001')."""
    return shown if shown.startswith(("<", ">")) else f"= {shown}"


def nl_p(value, missing: str = "—", *, lang: str = "nl") -> str:
    """p- and q-values: three decimals, '< 0,001' below that."""
    if value is None or pd.isna(value):
        return missing
    return f"< {nl_number(0.001, 3, lang=lang)}" if value < 0.001 else nl_number(value, 3, lang=lang)


def month_span(start, end, *, lang: str = "nl") -> str:
    """'jul 2026 t/m sep 2026' (Dutch, the default) or 'Jul 2026 to Sep 2026'."""
    return i18n.span_label(pd.Timestamp(start).date(), pd.Timestamp(end).date(), lang)


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
    # Older months cannot enter the test (nor the year-earlier comparison): not read at all.
    first = (pd.Timestamp(as_of).to_period("M") - (recent_months - 1 + stats.HOTSPOT_MAX_HISTORY_MONTHS)).to_timestamp()
    monthly = wh.query(Q_MONTHLY, {"gm": gemeente, "level": level, "as_of": as_of, "first": first.date()})
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


# ------------------------------------------------------------------------------------------ presentation

_SHORT_HISTORY = re.compile(r"minder dan (\d+) maanden geschiedenis \((\d+)\)")
_PREFIXES = (("niet getoetst: ", "niet getoetst: {reason}"), ("jaar eerder: ", "jaar eerder: {reason}"))
# One-word cell values of the flag column: local, because a single word means different things on other pages.
FLAG_VALUES_EN = {"ja": "yes", "nee": "no"}


def reason_text(reason, lang: str) -> str:
    """A reason (or flag/method cell) in the reader's language; Dutch is returned unchanged."""
    if reason is None or pd.isna(reason) or lang == "nl":
        return reason
    for prefix, template in _PREFIXES:
        if reason.startswith(prefix):
            return i18n.translate(template, lang).format(reason=reason_text(reason[len(prefix):], lang))
    short = _SHORT_HISTORY.fullmatch(reason)
    if short:
        return i18n.translate("minder dan {n} maanden geschiedenis ({k})", lang).format(n=short[1], k=short[2])
    if reason in FLAG_VALUES_EN and lang == "en":
        return FLAG_VALUES_EN[reason]
    return i18n.translate(reason, lang)


def _translated(column: pd.Series, lang: str, one=reason_text) -> pd.Series:
    """Translate a text column through its distinct values (a few per column, however many rows)."""
    if lang == "nl":
        return column
    values = column.dropna().unique()
    return column.map({v: one(v, lang) for v in values}).astype("string")


def _theme_list(labels: str, lang: str) -> str:
    return ", ".join(i18n.translate(label, lang) for label in labels.split(", "))


def localise(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The hotspot table with its text cells (reasons, flag, method, crime group, resident themes) in `lang`.
    Dutch returns the table itself."""
    if lang == "nl":
        return table
    out = table.copy()
    for column in ("rate_reason", "test_reason", "flag_text", "method_label", "posts_reason", "group_label"):
        if column in out:
            out[column] = _translated(out[column], lang)
    if "theme_labels" in out:
        out["theme_labels"] = _translated(out["theme_labels"], lang, _theme_list)
    return out


def area_labels(table: pd.DataFrame, national: bool) -> pd.Series:
    """Area names as the reader needs them: with the gemeente in the whole-country view ('Centrum (Waalwijk)'),
    because names repeat across gemeenten."""
    names = table["area_name"].astype("string")
    if not national:
        return names
    return (names + " (" + table["gemeente_name"].astype("string").fillna(table["gemeente_code"].astype("string"))
            + ")").fillna(names)


def name_list(table: pd.DataFrame, *, national: bool, with_reason: str | None = None,
              limit: int = NAME_LIST_MAX, lang: str = "nl") -> tuple[str, int]:
    """('Name A, Name B', 0) or with a reason column ('Name A (reason); Name B (reason)', 0) for short lists;
    longer ones are not named: the counts per reason ('2.424 × reason; 274 × reason', n) or ('', n) without a
    reason column, n being the number of areas left unnamed."""
    if len(table) <= limit:
        names = area_labels(table, national)
        if with_reason is None:
            return ", ".join(names.fillna("")), 0
        return "; ".join(f"{n} ({r})" for n, r in zip(names.fillna(""), table[with_reason].fillna(""))), 0
    if with_reason is None:
        return "", len(table)
    counts = table[with_reason].fillna("").value_counts()
    return "; ".join(f"{nl_number(c, 0, lang=lang)} × {r}" for r, c in counts.items()), len(table)


def flag_sentences(table: pd.DataFrame, *, lang: str = "nl", national: bool = False,
                   limit: int | None = None) -> list[str]:
    """One sentence per flagged row (in table order: rank first), at most `limit`: the size of the rise with its
    interval, p and q, the method and what residents wrote about the matching theme (or why that is unknown).
    Dutch by default; the table's own cells are translated here. Plain text: the page escapes it."""
    t = lambda text: i18n.translate(text, lang)  # noqa: E731
    num = lambda value, decimals=1: nl_number(value, decimals, lang=lang)  # noqa: E731
    pct = lambda value: nl_signed_pct(value, lang=lang)  # noqa: E731
    flagged = table[table["flagged"].fillna(False).astype(bool)]
    if limit is not None:
        flagged = flagged.head(limit)
    sentences = []
    for row in flagged.to_dict("records"):
        if row["level"] == "buurt":
            template = "{area} (wijk {wijk}, {gemeente})" if national else "{area} (wijk {wijk})"
            area = t(template).format(area=row["area_name"], wijk=row["wijk_name"], gemeente=row["gemeente_name"])
        else:
            area = f"{row['area_name']} ({row['gemeente_name']})" if national else f"{row['area_name']}"
        rank = t("niet gerangschikt: minder dan de drempel aan inwoners") if bool(row["small_area"]) else (
            t("rang {rank}").format(rank=int(row["rank"])) if pd.notna(row["rank"])
            else t("niet gerangschikt: inwonertal onbekend"))
        span = month_span(row["window_start"], row["window_end"], lang=lang)
        counted = (t("{n} incidenten in {span}").format(n=num(row["incidents_recent"], 0), span=span)
                   if pd.notna(row["incidents_recent"]) else
                   t("{n} incidenten in de {k} gepubliceerde maanden van {span} ({reason})").format(
                       n=num(row["observed"], 0), k=int(row["incidents_recent_known_months"]), span=span,
                       reason=reason_text(row["rate_reason"], lang)))
        text = t("{area} — {group}: {counted} tegen {expected} verwacht uit het eigen seizoenspatroon: {rise} "
                 "(95%-interval {lower} tot {upper}); p {p}, q {q}; methode {method}; {rank}.").format(
            area=area, group=t(row["group_label"]), counted=counted, expected=num(row["expected"]),
            rise=pct(row["rise_pct"]), lower=pct(row["rise_lower"]), upper=pct(row["rise_upper"]),
            p=_eq(nl_p(row["p_value"], lang=lang)), q=_eq(nl_p(row["q_value"], lang=lang)),
            method=t(METHOD_LABELS.get(row["method"], row["method"])), rank=rank)
        if pd.notna(row["yoy_change_pct"]):
            text += t(" Tegenover dezelfde maanden een jaar eerder: {change} ({recent} tegen {previous}).").format(
                change=pct(row["yoy_change_pct"]), recent=num(row["recent_count_paired"], 0),
                previous=num(row["previous_count"], 0))
        themes = _theme_list(str(row["theme_labels"]), lang).lower()
        if pd.isna(row["posts_reason"]):
            text += t(" Bewoners op de wijkpagina over {themes}: {recent} berichten en reacties, een jaar eerder "
                      "{previous}.").format(themes=themes, recent=num(row["posts_recent"], 0),
                                            previous=num(row["posts_previous"], 0))
        elif pd.notna(row["posts_recent"]):
            text += t(" Bewoners op de wijkpagina over {themes}: {recent} berichten en reacties; een jaar eerder "
                      "onbekend ({reason}).").format(
                themes=themes, recent=num(row["posts_recent"], 0),
                reason=reason_text(row["posts_reason"].removeprefix("jaar eerder: "), lang))
        else:
            text += t(" Bewonersberichten: onbekend ({reason}).").format(reason=reason_text(row["posts_reason"], lang))
        sentences.append(text)
    return sentences


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


# Headers whose registered translation means something else on other pages ('Soort' is 'Kind' on Thema's).
DISPLAY_HEADERS_EN = {"Soort": "Crime group"}


def display_table(table: pd.DataFrame, *, lang: str = "nl", national: bool = False) -> pd.DataFrame:
    """The table the page shows and hands out: numbers as numbers (empty when unknown) with the reason beside,
    headers and text cells in `lang`; the whole-country view adds the gemeente after the area's name."""
    level = table["level"].iloc[0] if len(table) else "wijk"
    columns = {"area_name": LEVELS[level], **({"gemeente_name": "Gemeente"} if national else {}), **DISPLAY_COLUMNS}
    if level == "wijk":
        columns.pop("wijk_name")
    if lang != "nl":
        columns = {c: DISPLAY_HEADERS_EN.get(h) or i18n.translate(h, lang) for c, h in columns.items()}
    shown = localise(table[list(columns) + ["level"]], lang)
    return shown[list(columns)].round(DISPLAY_ROUNDING).rename(columns=columns).reset_index(drop=True)


def map_frame(table: pd.DataFrame, shapes: pd.DataFrame, *, group: str, colour_by: str,
              national: bool = False) -> pd.DataFrame:
    """One row per area for the map: the chosen group's value to colour by, the reason when it is unknown, the
    flag, and the geometry (names with their gemeente in the whole-country view)."""
    chosen = table[table["group"] == group]
    value = chosen["rate"] if colour_by == "rate" else chosen["rise_pct"]
    reason = chosen["rate_reason"] if colour_by == "rate" else chosen["test_reason"]
    frame = pd.DataFrame({"area_code": chosen["area_code"], "area_name": area_labels(chosen, national),
                          "value": value.astype("Float64"), "reason": reason,
                          "flagged": chosen["flagged"].fillna(False).astype(bool)})
    merged = shapes.merge(frame, on="area_code", how="left")
    merged["area_name"] = merged["area_name"].fillna(area_labels(
        merged.assign(area_name=merged["shape_name"]), national) if national else merged["shape_name"])
    merged["reason"] = merged["reason"].fillna(REASON_NO_FIGURES_FOR_AREA)
    merged["flagged"] = merged["flagged"].fillna(False).astype(bool)
    return merged[merged["geometry_geojson"].notna()].reset_index(drop=True)


def map_features(table: pd.DataFrame, shapes: pd.DataFrame, *, group: str, colour_by: str, lang: str,
                 period: str, national: bool = False, flagged_only: bool = False,
                 max_bytes: int | None = None) -> tuple[dict, bool, list[str]]:
    """The map's GeoJSON (maps.feature_collection, escaped there) with the tooltip value in `lang` and the flag
    in it; whether it holds only the flagged areas (asked for with `flagged_only`, or because every area
    together would exceed `max_bytes`, default MAP_MAX_BYTES); and the codes of the flagged areas on it."""
    max_bytes = MAP_MAX_BYTES if max_bytes is None else max_bytes
    frame = map_frame(table, shapes, group=group, colour_by=colour_by, national=national)
    unit = i18n.translate("per 1.000 per jaar", lang) if colour_by == "rate" else "%"
    label = f"{i18n.translate(group_label(group), lang)}: {i18n.translate(COLOUR_BY[colour_by], lang)}"

    def collection(rows: pd.DataFrame) -> dict:
        fc = maps.feature_collection(rows.assign(reason=_translated(rows["reason"], lang)), code_col="area_code",
                                     name_col="area_name", value_col="value", value_label=label, unit=unit,
                                     reason_col="reason", source=i18n.translate("Politie via CBS", lang),
                                     period=period, lang=lang)
        flag = escape_html(f" · {i18n.translate('opvallende stijging', lang)}")
        flagged = set(rows.loc[rows["flagged"], "area_code"])
        for feature in fc["features"]:
            if feature["id"] in flagged:
                feature["properties"]["waarde"] += flag
        return fc

    only_flagged = collection(frame[frame["flagged"]])
    flagged_codes = [f["id"] for f in only_flagged["features"]]
    if not flagged_only:
        fc = collection(frame)
        if maps.geojson_bytes(fc) <= max_bytes:
            return fc, False, flagged_codes
    return only_flagged, True, flagged_codes


Q_SHAPES = {
    "buurt": "SELECT b.buurt_code AS area_code, b.buurt_name AS shape_name, b.gemeente_code, g.gemeente_name, "
             "b.geometry_geojson FROM dim_buurt b LEFT JOIN dim_gemeente g USING (gemeente_code) "
             "WHERE (b.gemeente_code = $gm OR $gm = 'NL00') ORDER BY b.buurt_code",
    "wijk": "SELECT w.wijk_code AS area_code, w.wijk_name AS shape_name, w.gemeente_code, g.gemeente_name, "
            "w.geometry_geojson FROM dim_wijk w LEFT JOIN dim_gemeente g USING (gemeente_code) "
            "WHERE (w.gemeente_code = $gm OR $gm = 'NL00') ORDER BY w.wijk_code",
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


def bench(gemeente: str | None = None) -> dict[str, float]:
    """Hotspots page, default view and the wijk level with one crime group (and the buurt level for all gemeenten
    at once, NL00, whose default is the wijk level), for the warehouse's first gemeente or `gemeente`."""
    chosen = {"gm": gemeente} if gemeente else {}
    default = bench_page("pages/hotspots.py", chosen)
    other = {"niveau": "buurt"} if gemeente == "NL00" else {"niveau": "wijk"}
    second = bench_page("pages/hotspots.py", {**chosen, **other, "groep": "vermogen", "kleur": "rise"})
    return {**default, f"cold_{other['niveau']}_ms": second["cold_ms"], f"warm_{other['niveau']}_ms": second["warm_ms"]}


if __name__ == "__main__":  # pragma: no cover - manual benchmark: python -m wijkbeeld.q_hotspots [GM0307|NL00]
    import sys

    print(bench(sys.argv[1] if len(sys.argv) > 1 else None))
