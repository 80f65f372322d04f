"""Hotspots (police district lead): where did a kind of crime rise more than the area's own history predicts?"""
import json

import folium
import streamlit as st
from streamlit_folium import st_folium

from wijkbeeld import i18n, maps, stats
from wijkbeeld import q_hotspots as qh
from wijkbeeld.safe import escape_markdown, quote_input
from wijkbeeld.ui import cached_query, downloads, setup_page

state = setup_page("Hotspots")
if state is None:
    st.stop()
t, lang, national = state.t, state.lang, state.is_national
settings = state.settings


def url_choice(name: str, options: list[str], default: str, warning: str) -> str:
    wanted = st.query_params.get(name)
    if wanted and wanted not in options:
        st.warning(t(warning).format(value=quote_input(wanted), default=default))
        return default
    return wanted or default


@st.cache_resource(show_spinner=False, max_entries=8)
def shape_geometries(token: str, gemeente: str, level: str) -> dict[str, dict]:
    """Parsed shapes per area code, shared by every view's map of this gemeente and level (memory: one copy)."""
    shapes = cached_query(qh.q_shapes, token, gemeente=gemeente, level=level)
    return {code: json.loads(geometry) for code, geometry in zip(shapes["area_code"], shapes["geometry_geojson"])
            if isinstance(geometry, str)}


# A resource, not data: the GeoJSON of 2,742 wijken takes longer to unpickle from st.cache_data than the whole
# rest of a warm run. The map only reads it (folium keeps the features as they are, they carry their own ids).
@st.cache_resource(show_spinner=False, max_entries=32)
def map_data(token: str, hotspot_params: tuple, group: str, colour_by: str, lang: str, period: str,
             national: bool, flagged_only: bool) -> tuple[dict, bool, list[str]]:
    """The map's GeoJSON, built once per view and language: warm runs only draw it."""
    params = dict(hotspot_params)
    table = cached_query(qh.q_hotspots, token, **params)
    shapes = cached_query(qh.q_shapes, token, gemeente=params["gemeente"], level=params["level"])
    fc, only_flagged, codes = qh.map_features(table, shapes, group=group, colour_by=colour_by, lang=lang,
                                              period=period, national=national, flagged_only=flagged_only)
    geometries = shape_geometries(token, params["gemeente"], params["level"])
    for feature in fc["features"]:  # the views differ in their properties only
        feature["geometry"] = geometries.get(feature["id"], feature["geometry"])
    return fc, only_flagged, codes


groups = cached_query(qh.q_crime_groups, state.token)
levels, colours = list(qh.LEVELS), list(qh.COLOUR_BY)
# The whole country starts at the wijk level: 2,742 wijken can all be drawn, and the buurt level (11,691 buurten)
# takes several seconds to compute the first time.
level_wanted = url_choice("niveau", levels, "wijk" if national else "buurt",
                          "Niveau '{value}' bestaat niet; '{default}' is gekozen.")
group_wanted = url_choice("groep", groups, qh.GROUP_TOTAL,
                          "Soort misdrijf '{value}' bestaat niet; '{default}' is gekozen.")
colour_wanted = url_choice("kleur", colours, "rate", "Kleur '{value}' bestaat niet; '{default}' is gekozen.")

c1, c2, c3 = st.columns([1, 2, 2])
level = c1.radio(t("Niveau"), levels, index=levels.index(level_wanted), format_func=lambda k: t(qh.LEVELS[k]),
                 horizontal=True, key="hotspots_level",
                 help=t("Alle gemeenten: op buurtniveau rekent de pagina alle buurten van alle gemeenten door (de "
                        "eerste keer duurt dat even) en toont de kaart alleen de buurten met een opvallende "
                        "stijging.")
                 if national else None)
group = c2.selectbox(t("Soort misdrijf"), groups, index=groups.index(group_wanted),
                     format_func=lambda g: t(qh.group_label(g)), key="hotspots_group")
colour_by = c3.radio(t("Kleur op de kaart"), colours, index=colours.index(colour_wanted),
                     format_func=lambda k: t(qh.COLOUR_BY[k]), horizontal=True, key="hotspots_colour")
st.query_params.update({"niveau": level, "groep": group, "kleur": colour_by})

recent = settings.hotspot_recent_months
hotspot_params = dict(gemeente=state.gemeente, level=level, as_of=state.period.end, recent_months=recent,
                      min_history_months=settings.hotspot_min_history_months, fdr_q=settings.fdr_q,
                      min_population=settings.min_population_for_ranking)
table = cached_query(qh.q_hotspots, state.token, **hotspot_params)
if table.empty:
    st.warning(t("Er zijn geen politiecijfers per maand voor deze gemeenten op dit niveau." if national else
                 "Er zijn geen politiecijfers per maand voor deze gemeente en dit niveau."))
    st.stop()

start, end = table["window_start"].iloc[0], table["window_end"].iloc[0]
window = qh.month_span(start, end, lang=lang)
previous = qh.month_span(qh.months_back(start, 12), qh.months_back(end, 12), lang=lang)
q_text = qh.nl_number(settings.fdr_q, 2, lang=lang)
area_word = t("buurten" if level == "buurt" else "wijken")
level_word = t(qh.LEVELS[level]).lower()
counts = qh.summary_counts(table)
st.markdown(t("De laatste {recent} maanden van de gekozen periode (**{window}**) per {level} en soort misdrijf, "
              "vergeleken met dezelfde maanden een jaar eerder ({previous}) en met wat het eigen seizoenspatroon van "
              "het gebied voorspelt.").format(recent=recent, window=window, level=level_word, previous=previous))
if national:
    st.markdown(t("**Alle gemeenten tegelijk** ({gemeenten} gemeenten, {areas} {area_word}): het model en de "
                  "correctie voor het aantal tegelijk getoetste reeksen (Benjamini-Hochberg) lopen over alle reeksen "
                  "van alle gemeenten samen. Een opvallende stijging valt dus op tussen alle {tested} getoetste "
                  "reeksen; naar verwachting is hooguit {q_pct}% van de gemarkeerde stijgingen toeval. Met zoveel "
                  "reeksen ligt de lat meestal hoger dan in de weergave van één gemeente: een gebied kan daar "
                  "opvallen en hier niet (of andersom).").format(
        gemeenten=qh.nl_number(table["gemeente_code"].nunique(), 0, lang=lang),
        areas=qh.nl_number(table["area_code"].nunique(), 0, lang=lang), area_word=area_word,
        tested=qh.nl_number(counts["tested"], 0, lang=lang), q_pct=qh.nl_number(settings.fdr_q * 100, 0, lang=lang)))

# --- Flags (every crime group: the Benjamini-Hochberg family is everything the page shows) ---
st.subheader(t("Opvallende stijgingen"))
m1, m2, m3 = st.columns(3)
m1.metric(t("Getoetste reeksen"), counts["tested"],
          help=f"{area_word.capitalize()} × {t('soorten misdrijf met genoeg geschiedenis.')}")
m2.metric(t("Opvallende stijging"), counts["flagged"],
          help=t("q-waarde ≤ {q} na Benjamini-Hochberg over alle reeksen van alle gemeenten samen." if national else
                 "q-waarde ≤ {q} na Benjamini-Hochberg.").format(q=q_text))
m3.metric(t("Niet getoetst"), counts["untested"], help=t("De reden staat in de tabel (kolom 'Opvallende stijging')."))
# One gemeente writes every flag out; the whole country the first ones by rank (the table holds them all).
sentences = qh.flag_sentences(table, lang=lang, national=national, limit=qh.FLAG_SENTENCES_MAX if national else None)
if sentences:
    # Area names go through st.text (no Markdown at all), so a name can never become a link, not even a bare
    # http:// one, which Markdown would auto-link despite escaping.
    st.text("\n".join("• " + sentence for sentence in sentences))
    if counts["flagged"] > len(sentences):
        st.caption(t("De eerste {shown} van {flagged} opvallende stijgingen, op rang (kleine gebieden en gebieden "
                     "zonder inwonertal daarna, op q-waarde); alle staan in de tabel van hun soort misdrijf en in de "
                     "download.").format(shown=len(sentences), flagged=qh.nl_number(counts["flagged"], 0, lang=lang)))
elif counts["tested"] == 0:
    reasons, _ = qh.name_list(qh.localise(table, lang), national=national, with_reason="test_reason", limit=0,
                              lang=lang)
    st.info(t("Geen enkele reeks kon worden getoetst: {reasons}.").format(reasons=reasons))
else:
    st.info(t("Geen enkele {level} had in {window} een stijging die na correctie voor het aantal tegelijk getoetste "
              "{area_word} en soorten (Benjamini-Hochberg, q ≤ {q}) nog opvalt. Kleine uitschieters zijn dan niet van "
              "toeval te onderscheiden.").format(level=level_word, window=window, area_word=area_word, q=q_text))
st.caption(t("Bron: {source}. Periode: {window}, geschiedenis tot {history} maanden daarvoor (minimaal {minimum}). "
             "Kleine gebieden (minder dan {population} inwoners) worden wel gemarkeerd, niet gerangschikt. Afgeschermde "
             "maanden tellen niet mee en blijven onbekend.").format(
    source=i18n.source_label(f"{qh.SOURCE_HOTSPOTS}; {qh.SOURCE_THEME_POSTS}", lang), window=window,
    history=stats.HOTSPOT_MAX_HISTORY_MONTHS, minimum=settings.hotspot_min_history_months,
    population=settings.min_population_for_ranking))

# --- Map ---
chosen = qh.localise(table[table["group"] == group], lang)
n_flagged = int(chosen["flagged"].fillna(False).astype(bool).sum())
group_name = t(qh.group_label(group))
value_label = t(qh.COLOUR_BY[colour_by])
# All buurten of all gemeenten (11,691 for the country) are too many to draw: only the flagged ones are on the map.
asked_flagged_only = national and level == "buurt"
fc, flagged_only, flagged_codes = map_data(state.token, tuple(sorted(hotspot_params.items())), group, colour_by,
                                           lang, window, national, asked_flagged_only)
too_big = flagged_only and not asked_flagged_only  # every area together exceeds qh.MAP_MAX_BYTES
st.subheader(f"{t('Buurtkaart' if level == 'buurt' else 'Wijkkaart')}: {group_name}")
left, right = st.columns([3, 2])
with left:
    if fc["features"]:
        fmap = maps.choropleth(fc)
        if flagged_codes and not flagged_only:  # outline the flagged areas; a map of only those needs no outline
            flagged_set = set(flagged_codes)
            folium.GeoJson(
                {"type": "FeatureCollection", "features": [f for f in fc["features"] if f["id"] in flagged_set]},
                name="opvallend",
                style_function=lambda f: {"fill": False, "color": "#000000", "weight": 5},
            ).add_to(fmap)
        st_folium(fmap, key="hotspots_map", height=460, use_container_width=True, returned_objects=[])
    figures = dict(value=value_label, group=group_name, window=window, area_word=area_word,
                   source=i18n.source_label(qh.SOURCE_HOTSPOTS, lang),
                   n=qh.nl_number(len(fc["features"]), 0, lang=lang), total=qh.nl_number(len(chosen), 0, lang=lang),
                   mb=qh.nl_number(qh.MAP_MAX_BYTES / 1e6, 0, lang=lang))
    if too_big:
        st.caption(t("{value} — {group}, {window}. Bron: {source}. Alle {total} {area_word} samen zijn te veel "
                     "kaartgegevens (meer dan {mb} MB): alleen de {n} met een opvallende stijging staan op de kaart; "
                     "alle staan in de tabel. Kleur: donkerpaars = laag, geel = hoog.").format(**figures))
    elif flagged_only and fc["features"]:
        st.caption(t("{value} — {group}, {window}. Bron: {source}. Alleen de {n} {area_word} met een opvallende "
                     "stijging staan op de kaart (van de {total}); alle staan in de tabel. Kies het wijkniveau voor "
                     "een kaart van alle gemeenten, of één gemeente voor al haar buurten. Kleur: donkerpaars = laag, "
                     "geel = hoog.").format(**figures))
    elif flagged_only:
        st.info(t("Geen kaart: voor alle gemeenten samen tekent de kaart op buurtniveau alleen de buurten met een "
                  "opvallende stijging, en voor {group} is die er in {window} niet. Kies het wijkniveau voor een kaart "
                  "van alle gemeenten, of één gemeente voor al haar buurten.").format(
            group=group_name.lower(), window=window))
    else:
        every_gemeente = ("Alle gemeenten: alle {n} wijken op de kaart." if len(fc["features"]) == len(chosen) else
                          "Alle gemeenten: {n} van de {total} wijken op de kaart; de andere hebben geen vlak in de "
                          "grenzen en staan alleen in de tabel.")
        st.caption(t("{value} — {group}, {window}. Bron: {source}.").format(**figures)
                   + (" " + t(every_gemeente).format(**figures) if national else "")
                   + " " + t("Kleur: donkerpaars = laag, geel = hoog; lichtgrijs met stippellijn = onbekend (de reden "
                             "staat in de tooltip); dikke zwarte rand = opvallende stijging."))
    if n_flagged > len(flagged_codes):  # a flagged area whose boundary has no shape cannot be drawn
        st.caption(t("{n} {area_word} met een opvallende stijging hebben geen vlak in de grenzen en staan niet op de "
                     "kaart, wel in de tabel.").format(n=qh.nl_number(n_flagged - len(flagged_codes), 0, lang=lang),
                                                      area_word=area_word))
with right:
    known = chosen[chosen["rate"].notna()]
    st.markdown(f"**{group_name}**, {window}")
    st.markdown(t("- {n} {area_word}, waarvan {flagged} met een opvallende stijging").format(
        n=qh.nl_number(len(chosen), 0, lang=lang), area_word=area_word, flagged=qh.nl_number(n_flagged, 0, lang=lang)))
    st.markdown(t("- {n} zonder cijfer per 1.000 inwoners (reden in de tabel)").format(
        n=qh.nl_number(len(chosen) - len(known), 0, lang=lang)))
    small, n_small = qh.name_list(chosen[chosen["small_area"].fillna(False).astype(bool)], national=national,
                                  lang=lang)
    if small:
        st.text(t("Klein (minder dan {population} inwoners, niet gerangschikt): ").format(
            population=settings.min_population_for_ranking) + small)
    elif n_small:
        st.text(t("Klein (minder dan {population} inwoners, niet gerangschikt): {n} {area_word}; zie de kolom "
                  "'Klein gebied' in de tabel.").format(population=settings.min_population_for_ranking,
                                                       n=qh.nl_number(n_small, 0, lang=lang), area_word=area_word))
    untested, n_unnamed = qh.name_list(chosen[chosen["p_value"].isna()], national=national, with_reason="test_reason",
                                       lang=lang)
    if untested and n_unnamed:
        st.text(t("Niet getoetst: {n} {area_word}, per reden: ").format(
            n=qh.nl_number(n_unnamed, 0, lang=lang), area_word=area_word) + untested)
    elif untested:
        st.text(t("Niet getoetst: ") + untested)

# --- Table for the chosen group, and all groups ---
st.subheader(f"{t('Tabel')}: {group_name}")
shown = qh.display_table(chosen, lang=lang, national=national)
st.dataframe(shown.head(qh.TABLE_MAX_ROWS), hide_index=True, width="stretch", key="hotspots_table")
if len(shown) > qh.TABLE_MAX_ROWS:
    st.caption(t("De tabel toont de eerste {shown} van {total} {area_word}: eerst de opvallende stijgingen op rang, "
                 "dan op q-waarde; de download bevat ze allemaal.").format(
        shown=qh.nl_number(qh.TABLE_MAX_ROWS, 0, lang=lang), total=qh.nl_number(len(shown), 0, lang=lang),
        area_word=area_word))
st.caption(t("Bron: {source}. Periode: {window} (recent), {previous} (jaar eerder). Incidenten per 1.000 inwoners "
             "per jaar met de bevolking van hetzelfde jaar. 'Stijging t.o.v. verwachting' met 95%-interval; p éénzijdig "
             "(voor een stijging); q na Benjamini-Hochberg over alle getoonde reeksen. Lege cellen zijn onbekend, nooit "
             "nul: de reden staat ernaast.").format(
    source=i18n.source_label(f"{qh.SOURCE_HOTSPOTS}; {qh.SOURCE_THEME_POSTS}", lang), window=window,
    previous=previous))
downloads(state, shown, f"hotspots_{level}_{group}")
with st.expander(t("Methode")):
    st.markdown(escape_markdown(t(stats.METHOD_EXPLANATIONS["hotspots"])))
    st.markdown(t(
        "Verwachting: per gebied en soort een Poisson-model van de eigen geschiedenis (niveau, jaarlijks "
        "seizoenspatroon, afwijkingen per kalendermaand en het niveau van de laatste {level_months} maanden). "
        "Spreiden de cijfers meer dan Poisson toestaat, dan rekenen we met een negatief-binomiale verdeling (kolom "
        "'Methode'). De p-waarde is de kans op minstens zoveel incidenten als er niets veranderd is; de q-waarde "
        "corrigeert voor het aantal tegelijk getoetste reeksen (Benjamini-Hochberg, drempel q = {q}). De vergelijking "
        "met een jaar eerder telt alleen maanden die in beide jaren bekend zijn; het interval is exact (binomiaal). "
        "Bewonersberichten: berichten en reacties van bewoners op de wijkpagina met een thema dat bij de soort "
        "misdrijf hoort; een stijging in berichten bewijst geen stijging in misdrijven, en omgekeerd.").format(
        level_months=stats.HOTSPOT_LEVEL_MONTHS, q=q_text))
    if national:
        st.markdown(t("Alle gemeenten tegelijk: één model en één Benjamini-Hochberg-correctie over alle reeksen van "
                      "alle gemeenten; hoeveel maanden en het huidige niveau mogen afwijken en de extra spreiding per "
                      "soort worden over alle gemeenten samen geschat. De rang loopt over alle gemeenten."))
