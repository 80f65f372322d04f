"""Overzicht (policymaker): the wijk map with a choice of indicator, a sortable table and a card per wijk."""
import pandas as pd
import streamlit as st
from wijkbeeld.safe import quote_input
from streamlit_folium import st_folium

from wijkbeeld import maps, overview
from wijkbeeld import queries as q
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, downloads, fmt_number, setup_page, source_caption

state = setup_page("Overzicht")
if state is None:
    st.stop()
t = state.t

table = cached_query(overview.q_overview, state.token, gemeente=state.gemeente, period=state.period,
                     min_population=state.settings.min_population_for_ranking)
if table.empty:
    st.warning(t("Deze gemeente heeft geen wijken in de grenzen."))
    st.stop()

indicator_keys = list(overview.INDICATORS)
wanted = st.query_params.get("indicator")
if wanted and wanted not in indicator_keys:
    st.warning(f"{t('Indicator')} '{quote_input(wanted)}' {t('bestaat niet; de eerste is gekozen.')}")
    wanted = None
indicator = st.radio(t("Indicator op de kaart"), indicator_keys, horizontal=True,
                     index=indicator_keys.index(wanted) if wanted else 0,
                     format_func=lambda k: t(overview.INDICATORS[k].label), key="indicator_choice")
spec = overview.INDICATORS[indicator]

codes = table["wijk_code"].tolist()
names = dict(zip(table["wijk_code"], table["wijk_name"]))
wanted_wijk = st.query_params.get("wijk")
if wanted_wijk and wanted_wijk not in codes:
    st.warning(f"{t('Wijk')} '{quote_input(wanted_wijk)}' {t('hoort niet bij deze gemeente; geen wijk gekozen.')}")
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
fc = maps.feature_collection(table.merge(shapes, on="wijk_code"), code_col="wijk_code", name_col="wijk_name", value_col=spec.column,
                             value_label=t(spec.label), unit=spec.unit, reason_col=spec.reason_column,
                             source=spec.source, period=state.period.label)
with left:
    st_folium(maps.choropleth(fc, selected_code=selected or None), key="overzicht_map", height=480,
              use_container_width=True, returned_objects=["last_active_drawing"])
    st.caption(f"{t(spec.label)} — {spec.source}, {state.period.label}. {t(spec.note)} "
               + t("Kleur: donkerpaars = laag, geel = hoog, lichtgrijs met stippellijn = onbekend (de reden staat in de tooltip)."))

with right:
    if selected:
        row = table.set_index("wijk_code").loc[selected]
        st.subheader(escape_markdown(row["wijk_name"]))
        card = overview.wijk_card(row)
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
            st.markdown(f"{t('Hoogste')} {t(spec.label).lower()}: **{escape_markdown(top['wijk_name'])}** "
                        f"({fmt_number(top[spec.column])} {spec.unit}).")
        small = table.loc[table["small_area"], "wijk_name"].tolist()
        if small:
            st.caption(f"{t('Niet gerangschikt (minder dan')} "
                       f"{state.settings.min_population_for_ranking} {t('inwoners')}): " + ", ".join(escape_markdown(s) for s in small))

st.subheader(t("Tabel"))
shown = overview.display_table(table).rename(columns=t)
st.dataframe(shown, hide_index=True, width="stretch")
source_caption(state, f"{q.SOURCE_POLICE}; {q.SOURCE_CBS_POP}; {q.SOURCE_SURVEY}; {q.SOURCE_POSTS}",
               t("Incidenten en berichten per 1.000 inwoners per jaar, met de bevolking van hetzelfde jaar."))
downloads(state, shown, "overzicht")

st.subheader(t("Samenvatting per wijk"))
for row in table.itertuples(index=False):
    st.markdown(f"- **{escape_markdown(row.wijk_name)}**: {escape_markdown(row.summary)}")
