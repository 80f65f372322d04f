"""Overzicht (policymaker): the wijk map with a choice of indicator, a sortable table and a card per wijk."""
import streamlit as st
from streamlit_folium import st_folium

from wijkbeeld import maps, overview
from wijkbeeld import queries as q
from wijkbeeld.i18n import source_label, translate
from wijkbeeld.safe import escape_markdown, quote_input
from wijkbeeld.ui import cached_query, downloads, fmt_number, setup_page, source_caption

NATIONAL_SUMMARIES = 15  # summaries listed for the whole country
SMALL_LISTED = 30        # small wijken named in the caption; the table has them all


@st.cache_data(show_spinner=False, max_entries=64)
def map_data(token: str, gemeente: str, period: q.Period, indicator: str, lang: str, _table, _shapes) -> dict:
    """The map's GeoJSON, once per view: the whole country's 2,742 wijk shapes take a while to parse. The
    table and shapes follow from the other arguments (the cache key)."""
    spec = overview.INDICATORS[indicator]
    return maps.feature_collection(_table.merge(_shapes, on="wijk_code"), code_col="wijk_code", name_col="map_name",
                                   value_col=spec.column, value_label=translate(spec.label, lang),
                                   unit=translate(spec.unit, lang),
                                   reason_col=spec.reason_column, source=source_label(spec.source, lang),
                                   period=period.label_in(lang), lang=lang)

state = setup_page("Overzicht")
if state is None:
    st.stop()
t = state.t

table = cached_query(overview.q_overview, state.token, gemeente=state.gemeente, period=state.period,
                     min_population=state.settings.min_population_for_ranking, lang=state.lang)
if table.empty:
    st.warning(t("Deze gemeente heeft geen wijken in de grenzen."))
    st.stop()

indicator_keys = list(overview.INDICATORS)
wanted = st.query_params.get("indicator")
if wanted and wanted not in indicator_keys:
    st.warning(t("Indicator '{value}' bestaat niet; de eerste is gekozen.").format(value=quote_input(wanted)))
    wanted = None
indicator = st.radio(t("Indicator op de kaart"), indicator_keys, horizontal=True,
                     index=indicator_keys.index(wanted) if wanted else 0,
                     format_func=lambda k: t(overview.INDICATORS[k].label), key="indicator_choice")
spec = overview.INDICATORS[indicator]

codes = table["wijk_code"].tolist()
names = dict(zip(table["wijk_code"], table["wijk_name"]))
if state.is_national:  # wijk names repeat across gemeenten
    names = dict(zip(table["wijk_code"], table["wijk_name"] + " (" + table["gemeente_name"].fillna("?") + ")"))
wanted_wijk = st.query_params.get("wijk")
if wanted_wijk and wanted_wijk not in codes:
    st.warning(t("Wijk '{value}' hoort niet bij deze gemeente; geen wijk gekozen.").format(value=quote_input(wanted_wijk)))
    wanted_wijk = None
# A click on the map (previous run) selects the wijk here and everywhere else on the page.
clicked = st.session_state.get("overzicht_map", {}) or {}
drawing = (clicked.get("last_active_drawing") or {}) if isinstance(clicked, dict) else {}
clicked_code = drawing.get("id") or (drawing.get("properties") or {}).get("code")
if clicked_code in codes and clicked_code != st.session_state.get("_last_map_click"):
    st.session_state["_last_map_click"] = clicked_code
    st.session_state["wijk_choice"] = clicked_code
options = [""] + codes
if "wijk_choice" not in st.session_state and wanted_wijk:
    st.session_state["wijk_choice"] = wanted_wijk

left, right = st.columns([3, 2])
with right:
    selected = st.selectbox(t("Kies een wijk"), options, key="wijk_choice",
                            format_func=lambda c: t("Alle wijken") if c == "" else names[c],
                            help=t("Klik op een wijk op de kaart of kies hem hier."))
st.query_params.update({"indicator": indicator, **({"wijk": selected} if selected else {})})
if not selected and "wijk" in st.query_params:
    del st.query_params["wijk"]

shapes = cached_query(q.q_wijken, state.token, gemeente=state.gemeente)[["wijk_code", "geometry_geojson"]]
fc = map_data(state.token, state.gemeente, state.period, indicator, state.lang,
              table.assign(map_name=table["wijk_code"].map(names)), shapes)
with left:
    st_folium(maps.choropleth(fc, selected_code=selected or None), key="overzicht_map", height=480,
              use_container_width=True, returned_objects=["last_active_drawing"])
    st.caption(f"{t(spec.label)} — {source_label(spec.source, state.lang)}, {state.period.label}. {t(spec.note)} "
               + t("Kleur: donkerpaars = laag, geel = hoog, lichtgrijs met stippellijn = onbekend (de reden staat in de tooltip)."))

with right:
    if selected:
        row = table.set_index("wijk_code").loc[selected]
        st.subheader(escape_markdown(row["wijk_name"]))
        if state.is_national:
            st.caption(escape_markdown(str(row["gemeente_name"])))
        card = overview.wijk_card(row, state.lang)
        for label, value, caption in card:
            st.metric(t(label), value)
            if caption:
                st.caption(caption)
        st.markdown(escape_markdown(row["summary"]))
    else:
        st.markdown(f"**{len(table)} {t('Wijken').lower()}** — {escape_markdown(state.gemeente_name)}")
        ranked = table[table["rankable_" + indicator]].sort_values(spec.column, ascending=False)
        if len(ranked):
            top = ranked.iloc[0]
            st.markdown(t("Hoogste {indicator}: **{wijk}** ({value} {unit}).").format(
                indicator=t(spec.label).lower(), wijk=escape_markdown(names[top["wijk_code"]]),
                value=fmt_number(top[spec.column]), unit=t(spec.unit)))
        small = [names[c] for c in table.loc[table["small_area"].fillna(False).astype(bool), "wijk_code"]]
        if small:
            shown_small = small[:SMALL_LISTED]
            more = len(small) - len(shown_small)
            st.caption(t("Niet gerangschikt (minder dan {n} inwoners): ").format(n=state.settings.min_population_for_ranking)
                       + ", ".join(escape_markdown(s) for s in shown_small)
                       + (" " + t("en {more} andere (zie de tabel)").format(more=more) if more else ""))

st.subheader(t("Tabel"))
shown = overview.display_table(table, national=state.is_national).rename(columns=t)
st.dataframe(shown, hide_index=True, width="stretch")
source_caption(state, f"{q.SOURCE_POLICE}; {q.SOURCE_CBS_POP}; {q.SOURCE_SURVEY}; {q.SOURCE_POSTS}",
               t("Incidenten en berichten per 1.000 inwoners per jaar, met de bevolking van hetzelfde jaar."))
downloads(state, shown, "overzicht")

st.subheader(t("Samenvatting per wijk"))
summarised = table
if state.is_national:
    # One line per wijk of the whole country would be thousands of lines: the wijken ranked highest on the
    # indicator on the map, and a pointer to the rest.
    summarised = table[table["rankable_" + indicator]].sort_values(spec.column, ascending=False).head(NATIONAL_SUMMARIES)
    st.caption(t("Alle gemeenten: de {n} wijken met de hoogste waarde voor '{indicator}' (kleine wijken niet "
                 "meegeteld). Kies een gemeente voor de samenvatting van al haar wijken, of een wijk hierboven.")
               .format(n=len(summarised), indicator=t(spec.label)))
for row in summarised.itertuples(index=False):
    st.markdown(f"- **{escape_markdown(names[row.wijk_code])}**: {escape_markdown(row.summary)}")
