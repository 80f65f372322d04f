"""Thema's: heat map wijk x theme, monthly trends, the terms behind each theme and redacted example messages."""
import streamlit as st
from wijkbeeld.safe import quote_input

from wijkbeeld import q_themes as qt
from wijkbeeld.auth import ROLE_LABELS
from wijkbeeld.q_quality import deferred_downloads as downloads
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, fmt_number, setup_page, source_caption

state = setup_page("Thema's")
if state is None:
    st.stop()
t = state.t

catalog = cached_query(qt.q_theme_catalog, state.token)
heat = cached_query(qt.q_theme_heatmap, state.token, gemeente=state.gemeente, period=state.period)
if catalog.empty:
    st.info(t("Het warehouse bevat geen thema-indeling (dim_theme is leeg); er is niets te tonen."))
    st.stop()
if heat.empty:
    st.warning(t("Deze gemeente heeft geen wijken in de grenzen."))
    st.stop()

# --- Choices from the URL, validated -------------------------------------------------------------------------
per_wijk = heat.drop_duplicates("wijk_code").set_index("wijk_code")
wijk_names = per_wijk["wijk_name"].to_dict()
page_wijken = per_wijk.index[per_wijk["has_page"].astype(bool)].tolist()
busiest = per_wijk.loc[page_wijken, "wijk_messages"].astype("Float64").fillna(-1).sort_values(ascending=False, kind="stable")
default_wijk = busiest.index[0] if len(busiest) else None
wanted_wijk = st.query_params.get("wijk")
if wanted_wijk and wanted_wijk not in page_wijken:
    reason = "heeft geen wijkpagina" if wanted_wijk in wijk_names else "hoort niet bij deze gemeente"
    st.warning(f"Wijk '{quote_input(wanted_wijk)}' {reason}; de wijk met de meeste berichten is gekozen.")
    wanted_wijk = None

theme_keys = catalog["theme"].tolist()
theme_labels = dict(zip(catalog["theme"], catalog["label"]))
theme_totals = heat.groupby("theme")["theme_messages"].sum(min_count=1).reindex(theme_keys)
default_theme = theme_totals.astype("Float64").fillna(-1).sort_values(ascending=False, kind="stable").index[0]
wanted_theme = st.query_params.get("thema")
if wanted_theme and wanted_theme not in theme_keys:
    st.warning(f"Thema '{quote_input(wanted_theme)}' bestaat niet; het meest besproken thema is gekozen.")
    wanted_theme = None

# --- Heat map ------------------------------------------------------------------------------------------------
st.subheader(t("Thema's per wijk"))
st.plotly_chart(cached_query(qt.fig_heatmap, state.token, gemeente=state.gemeente, period=state.period),
                key="themes_heatmap", config={"displaylogo": False})
missing = per_wijk[per_wijk["reason"].notna()]
missing_text = ("Geen aandeel (–) voor: " + ", ".join(f"{escape_markdown(n)} ({r})" for n, r in zip(missing["wijk_name"], missing["reason"]))
                + ".") if len(missing) else ""
source_caption(state, qt.SOURCE_THEMES,
               "Aandeel = berichten en reacties in de wijk met dit thema, gedeeld door alle berichten en reacties in de wijk "
               "(aantallen in de tooltip). Een bericht kan meer thema's hebben, dus de aandelen tellen niet op tot 100%. "
               "Een pagina voor meer wijken telt voor elke wijk. " + missing_text)
with st.expander(t("Tabel")):
    heat_table = cached_query(qt.q_heatmap_table, state.token, gemeente=state.gemeente, period=state.period).rename(columns=t)
    st.dataframe(heat_table, hide_index=True, width="stretch")
    downloads(state, heat_table, "themas_per_wijk")

# --- Trends ----------------------------------------------------------------------------------------------------
st.subheader(t("Thema's in de tijd"))
left, right = st.columns(2)
with left:
    if page_wijken:
        wijk = st.selectbox(t("Kies een wijk"), page_wijken, key="themes_wijk",
                            index=page_wijken.index(wanted_wijk or default_wijk), format_func=wijk_names.get,
                            help=t("Alleen wijken met een wijkpagina."))
        trend = cached_query(qt.q_theme_trend_wijk, state.token, wijk=wijk, period=state.period)
        if trend.empty or trend["theme_messages"].notna().sum() == 0:
            st.info(f"Geen berichten met een thema in {escape_markdown(wijk_names[wijk])} in deze periode.")
        else:
            st.plotly_chart(cached_query(qt.fig_trend_wijk, state.token, wijk=wijk, period=state.period,
                                         y_title=t("Berichten per maand")), key="themes_trend_wijk", config={"displaylogo": False})
        source_caption(state, qt.SOURCE_THEMES,
                       f"De {qt.TREND_TOP_THEMES} meest besproken thema's in {escape_markdown(wijk_names[wijk])}: berichten en "
                       "reacties per maand. Maanden voordat de pagina bestond zijn leeg (onbekend, niet nul).")
    else:
        wijk = None
        st.info(t("Geen enkele wijk in deze gemeente heeft een wijkpagina; er zijn geen thema's per maand."))
with right:
    theme = st.selectbox(t("Kies een thema"), theme_keys, key="themes_theme",
                         index=theme_keys.index(wanted_theme or default_theme), format_func=theme_labels.get)
    across = cached_query(qt.q_theme_trend_theme, state.token, gemeente=state.gemeente, theme=theme, period=state.period)
    if across.empty:
        st.info(t("Geen wijk in deze gemeente heeft een wijkpagina."))
    else:
        st.plotly_chart(cached_query(qt.fig_trend_theme, state.token, gemeente=state.gemeente, theme=theme,
                                     period=state.period, y_title=t("Aandeel van de berichten (%)")), key="themes_trend_theme", config={"displaylogo": False})
    no_page = per_wijk.loc[~per_wijk["has_page"].astype(bool), "wijk_name"].tolist()
    source_caption(state, qt.SOURCE_THEMES,
                   f"{escape_markdown(theme_labels[theme])} als aandeel van alle berichten en reacties per wijk en maand "
                   "(aantallen in de tooltip). Leeg: de pagina bestond nog niet of er waren geen berichten."
                   + (f" Zonder wijkpagina: {', '.join(escape_markdown(n) for n in no_page)}." if no_page else ""))
st.query_params.update({"thema": theme, **({"wijk": wijk} if wijk else {})})

# --- Terms -----------------------------------------------------------------------------------------------------
st.subheader(t("Waarom dit thema: meest gevonden termen"))
min_messages = 1 if state.can("post_text") else qt.MIN_TERM_MESSAGES_WITHOUT_TEXT
terms_shown = cached_query(qt.q_terms_table, state.token, gemeente=state.gemeente, period=state.period,
                           min_messages=min_messages).rename(columns=t)
st.dataframe(terms_shown, hide_index=True, width="stretch")
threshold_note = ("" if min_messages == 1 else
                  f" Voor uw rol tonen we alleen termen die in minstens {min_messages} berichten voorkwamen.")
source_caption(state, qt.SOURCE_THEMES,
               f"Per thema de {qt.TERMS_PER_THEME} woorden of zinsdelen die het vaakst tot dit thema leidden, met het aantal "
               "berichten waarin ze gevonden werden (hele gemeente). — = geen berichten met dit thema in deze periode."
               + threshold_note)
downloads(state, terms_shown, "themas_termen")

# --- Examples --------------------------------------------------------------------------------------------------
st.subheader(t("Voorbeeldberichten"))
if not state.can("post_text"):
    st.info(f"{t('Tekst van berichten is niet beschikbaar voor deze rol.')} "
            f"(rol {ROLE_LABELS.get(state.access.role, state.access.role)}: alleen totalen).")
elif wijk is None:
    st.info(t("Er zijn geen voorbeeldberichten: geen wijk heeft een wijkpagina."))
else:
    selection = (wijk, theme, state.period)
    if st.session_state.get("themes_examples_for") != selection:
        st.session_state["themes_examples_for"] = selection
        st.session_state["themes_examples_limit"] = qt.EXAMPLES_STEP
    limit = st.session_state["themes_examples_limit"]
    examples = cached_query(qt.q_theme_examples, state.token, wijk=wijk, theme=theme, period=state.period, limit=limit)
    total = int(examples["total"].iloc[0]) if len(examples) else 0
    st.markdown(f"**{escape_markdown(theme_labels[theme])}** in **{escape_markdown(wijk_names[wijk])}**: "
                f"{fmt_number(total, 0)} {t('berichten en reacties in deze periode.')}")
    if examples.empty:
        st.info(t("Geen berichten met dit thema in deze wijk in deze periode."))
    else:
        shown_examples = qt.examples_table(examples).rename(columns=t)
        st.dataframe(shown_examples, hide_index=True, width="stretch",
                     column_config={t("Tekst (geredigeerd)"): st.column_config.TextColumn(width="large")})
        source_caption(state, qt.SOURCE_THEMES,
                       f"{len(examples)} van {fmt_number(total, 0)}, nieuwste eerst. Tekst is geredigeerd: persoonsgegevens "
                       "staan er als [naam], [adres], [telefoon] enz.; schrijvers worden alleen naar soort getoond. "
                       "'Waarom dit thema' toont de gevonden trefwoorden.")
        downloads(state, shown_examples, "themas_voorbeelden")

        def _more() -> None:
            st.session_state["themes_examples_limit"] += qt.EXAMPLES_STEP

        if total > limit and limit < qt.EXAMPLES_MAX:
            st.button(t("Meer berichten"), key="themes_more", on_click=_more,
                      help=f"{t('Nog')} {qt.EXAMPLES_STEP} {t('tonen (maximaal')} {qt.EXAMPLES_MAX}).")
