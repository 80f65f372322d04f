"""Hotspots (police district lead): where did a kind of crime rise more than the area's own history predicts?"""
import folium
import streamlit as st
from wijkbeeld.safe import quote_input
from streamlit_folium import st_folium

from wijkbeeld import maps, stats
from wijkbeeld import q_hotspots as qh
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, downloads, setup_page

state = setup_page("Hotspots")
if state is None:
    st.stop()
t = state.t
settings = state.settings


def url_choice(name: str, options: list[str], default: str, what: str) -> str:
    wanted = st.query_params.get(name)
    if wanted and wanted not in options:
        st.warning(f"{what} '{quote_input(wanted)}' bestaat niet; '{default}' is gekozen.")
        return default
    return wanted or default


groups = cached_query(qh.q_crime_groups, state.token)
levels, colours = list(qh.LEVELS), list(qh.COLOUR_BY)
level_wanted = url_choice("niveau", levels, "buurt", "Niveau")
group_wanted = url_choice("groep", groups, qh.GROUP_TOTAL, "Soort misdrijf")
colour_wanted = url_choice("kleur", colours, "rate", "Kleur")

c1, c2, c3 = st.columns([1, 2, 2])
level = c1.radio(t("Niveau"), levels, index=levels.index(level_wanted), format_func=lambda k: t(qh.LEVELS[k]),
                 horizontal=True, key="hotspots_level")
group = c2.selectbox(t("Soort misdrijf"), groups, index=groups.index(group_wanted),
                     format_func=lambda g: t(qh.group_label(g)), key="hotspots_group")
colour_by = c3.radio(t("Kleur op de kaart"), colours, index=colours.index(colour_wanted),
                     format_func=lambda k: t(qh.COLOUR_BY[k]), horizontal=True, key="hotspots_colour")
st.query_params.update({"niveau": level, "groep": group, "kleur": colour_by})

recent = settings.hotspot_recent_months
table = cached_query(qh.q_hotspots, state.token, gemeente=state.gemeente, level=level, as_of=state.period.end,
                     recent_months=recent, min_history_months=settings.hotspot_min_history_months,
                     fdr_q=settings.fdr_q, min_population=settings.min_population_for_ranking)
if table.empty:
    st.warning(t("Er zijn geen politiecijfers per maand voor deze gemeente en dit niveau."))
    st.stop()

start, end = table["window_start"].iloc[0], table["window_end"].iloc[0]
window = qh.month_span(start, end)
previous = qh.month_span(qh.months_back(start, 12), qh.months_back(end, 12))
q_text = qh.nl_number(settings.fdr_q, 2)
area_word = "buurten" if level == "buurt" else "wijken"
st.markdown(f"De laatste {recent} maanden van de gekozen periode (**{window}**) per {qh.LEVELS[level].lower()} "
            f"en soort misdrijf, vergeleken met dezelfde maanden een jaar eerder ({previous}) en met wat het eigen "
            "seizoenspatroon van het gebied voorspelt.")

# --- Flags (every crime group: the Benjamini-Hochberg family is everything the page shows) ---
st.subheader(t("Opvallende stijgingen"))
counts = qh.summary_counts(table)
m1, m2, m3 = st.columns(3)
m1.metric(t("Getoetste reeksen"), counts["tested"],
          help=f"{t(area_word).capitalize()} × {t('soorten misdrijf met genoeg geschiedenis.')}")
m2.metric(t("Opvallende stijging"), counts["flagged"], help=f"{t('q-waarde')} ≤ {q_text} {t('na Benjamini-Hochberg.')}")
m3.metric(t("Niet getoetst"), counts["untested"], help=t("De reden staat in de tabel (kolom 'Opvallende stijging')."))
sentences = qh.flag_sentences(table)
if sentences:
    # Area names go through st.text (no Markdown at all), so a name can never become a link, not even a bare
    # http:// one, which Markdown would auto-link despite escaping.
    st.text("\n".join("• " + sentence for sentence in sentences))
else:
    st.info(f"Geen enkele {qh.LEVELS[level].lower()} had in {window} een stijging die na correctie voor het aantal "
            f"tegelijk getoetste {area_word} en soorten (Benjamini-Hochberg, q ≤ {q_text}) nog opvalt. "
            "Kleine uitschieters zijn dan niet van toeval te onderscheiden.")
st.caption(f"Bron: {qh.SOURCE_HOTSPOTS}; {qh.SOURCE_THEME_POSTS}. Periode: {window}, geschiedenis tot "
           f"{stats.HOTSPOT_MAX_HISTORY_MONTHS} maanden daarvoor (minimaal {settings.hotspot_min_history_months}). "
           f"Kleine gebieden (minder dan {settings.min_population_for_ranking} inwoners) worden wel gemarkeerd, "
           "niet gerangschikt. Afgeschermde maanden tellen niet mee en blijven onbekend.")

# --- Map ---
chosen = table[table["group"] == group]
shapes = cached_query(qh.q_shapes, state.token, gemeente=state.gemeente, level=level)
frame = qh.map_frame(table, shapes, group=group, colour_by=colour_by)
value_label = t(qh.COLOUR_BY[colour_by])
unit = "per 1.000 per jaar" if colour_by == "rate" else "%"
fc = maps.feature_collection(frame, code_col="area_code", name_col="area_name", value_col="value",
                             value_label=f"{t(qh.group_label(group))}: {value_label}", unit=unit, reason_col="reason",
                             source="Politie via CBS", period=window)
flagged_codes = set(frame.loc[frame["flagged"], "area_code"])
for feature in fc["features"]:
    if feature["id"] in flagged_codes:
        feature["properties"]["waarde"] += " · opvallende stijging"
fmap = maps.choropleth(fc)
if flagged_codes:
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [f for f in fc["features"] if f["id"] in flagged_codes]},
        name="opvallend",
        style_function=lambda f: {"fill": False, "color": "#000000", "weight": 5},
    ).add_to(fmap)
st.subheader(f"{t('Buurtkaart' if level == 'buurt' else 'Wijkkaart')}: {t(qh.group_label(group))}")
left, right = st.columns([3, 2])
with left:
    st_folium(fmap, key="hotspots_map", height=460, use_container_width=True, returned_objects=[])
    st.caption(f"{value_label} — {qh.group_label(group)}, {window}. Bron: {qh.SOURCE_HOTSPOTS}. Kleur: donkerpaars = "
               "laag, geel = hoog; lichtgrijs met stippellijn = onbekend (de reden staat in de tooltip); dikke zwarte "
               "rand = opvallende stijging.")
with right:
    known = chosen[chosen["rate"].notna()]
    st.markdown(f"**{t(qh.group_label(group))}**, {window}")
    st.markdown(f"- {len(chosen)} {area_word}, waarvan {int(chosen['flagged'].fillna(False).astype(bool).sum())} "
                "met een opvallende stijging")
    st.markdown(f"- {len(chosen) - len(known)} zonder cijfer per 1.000 inwoners (reden in de tabel)")
    small = chosen.loc[chosen["small_area"].fillna(False).astype(bool), "area_name"].tolist()
    if small:
        st.text(f"Klein (minder dan {settings.min_population_for_ranking} inwoners, niet gerangschikt): "
                + ", ".join(small))
    untested = chosen[chosen["p_value"].isna()]
    if len(untested):
        st.text("Niet getoetst: " + "; ".join(f"{n} ({r})" for n, r in zip(untested["area_name"], untested["test_reason"])))

# --- Table for the chosen group, and all groups ---
st.subheader(f"{t('Tabel')}: {t(qh.group_label(group))}")
shown = qh.display_table(chosen).rename(columns=t)
st.dataframe(shown, hide_index=True, width="stretch", key="hotspots_table")
st.caption(f"Bron: {qh.SOURCE_HOTSPOTS}; {qh.SOURCE_THEME_POSTS}. Periode: {window} (recent), {previous} "
           "(jaar eerder). Incidenten per 1.000 inwoners per jaar met de bevolking van hetzelfde jaar. 'Stijging t.o.v. verwachting' "
           "met 95%-interval; p éénzijdig (voor een stijging); q na Benjamini-Hochberg over alle getoonde reeksen. "
           "Lege cellen zijn onbekend, nooit nul: de reden staat ernaast.")
downloads(state, shown, f"hotspots_{level}_{group}")
with st.expander(t("Methode")):
    st.markdown(escape_markdown(stats.METHOD_EXPLANATIONS["hotspots"]))
    st.markdown(
        f"Verwachting: per gebied en soort een Poisson-model van de eigen geschiedenis (niveau, jaarlijks "
        f"seizoenspatroon, afwijkingen per kalendermaand en het niveau van de laatste "
        f"{stats.HOTSPOT_LEVEL_MONTHS} maanden). Spreiden de cijfers meer dan Poisson toestaat, dan rekenen we met "
        f"een negatief-binomiale verdeling (kolom 'Methode'). De p-waarde is de kans op minstens zoveel incidenten "
        f"als er niets veranderd is; de q-waarde corrigeert voor het aantal tegelijk getoetste reeksen "
        f"(Benjamini-Hochberg, drempel q = {q_text}). De vergelijking met een jaar eerder telt alleen maanden die "
        "in beide jaren bekend zijn; het interval is exact (binomiaal). Bewonersberichten: berichten en reacties "
        "van bewoners op de wijkpagina met een thema dat bij de soort misdrijf hoort; een stijging in berichten "
        "bewijst geen stijging in misdrijven, en omgekeerd.")
