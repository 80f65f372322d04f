"""Thema's: heat map wijk x theme, monthly trends, the terms behind each theme and redacted example messages.
For the whole country (gm=NL00) the heat map and the per-theme trend show the busiest wijken (said in the captions)
and wijk choices carry their gemeente."""
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
lang = state.lang
national = state.is_national

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
wijk_names = per_wijk["wijk_label"].to_dict()   # with the gemeente for the whole country
has_page = per_wijk["has_page"].astype(bool)
page_wijken = per_wijk.index[has_page].tolist()
busiest = per_wijk.loc[page_wijken, "wijk_messages"].astype("Float64").fillna(-1).sort_values(ascending=False, kind="stable")
default_wijk = busiest.index[0] if len(busiest) else None
wanted_wijk = st.query_params.get("wijk")
if wanted_wijk and wanted_wijk not in page_wijken:
    if wanted_wijk in wijk_names:
        warning = "Wijk '{wijk}' heeft geen wijkpagina; de wijk met de meeste berichten is gekozen."
    elif national:
        warning = "Wijk '{wijk}' komt niet voor; de wijk met de meeste berichten is gekozen."
    else:
        warning = "Wijk '{wijk}' hoort niet bij deze gemeente; de wijk met de meeste berichten is gekozen."
    st.warning(t(warning).format(wijk=quote_input(wanted_wijk)))
    wanted_wijk = None

theme_keys = catalog["theme"].tolist()
theme_labels = dict(zip(catalog["theme"], catalog["label"].map(t)))
theme_totals = heat.groupby("theme")["theme_messages"].sum(min_count=1).reindex(theme_keys)
default_theme = theme_totals.astype("Float64").fillna(-1).sort_values(ascending=False, kind="stable").index[0]
wanted_theme = st.query_params.get("thema")
if wanted_theme and wanted_theme not in theme_keys:
    st.warning(t("Thema '{thema}' bestaat niet; het meest besproken thema is gekozen.").format(thema=quote_input(wanted_theme)))
    wanted_theme = None

# --- Heat map ------------------------------------------------------------------------------------------------
st.subheader(t("Thema's per wijk"))
st.plotly_chart(cached_query(qt.fig_heatmap, state.token, gemeente=state.gemeente, period=state.period, lang=lang),
                key="themes_heatmap", config={"displaylogo": False})
missing = per_wijk[per_wijk["reason"].notna()]
notes = [t("Aandeel = berichten en reacties in de wijk met dit thema, gedeeld door alle berichten en reacties in de wijk "
           "(aantallen in de tooltip). Een bericht kan meer thema's hebben, dus de aandelen tellen niet op tot 100%. "
           "Een pagina voor meer wijken telt voor elke wijk.")]
if national:
    with_messages = int(per_wijk["wijk_messages"].astype("Float64").gt(0).fillna(False).sum())
    notes.append(t("Heel Nederland: de heatmap toont de {shown} wijken met de meeste berichten en reacties in deze periode, "
                   "van de {with_messages} wijken met berichten; de tabel toont alle {pages} wijken met een wijkpagina.")
                 .format(shown=fmt_number(min(qt.HEATMAP_NATIONAL_TOP_WIJKEN, with_messages), 0),
                         with_messages=fmt_number(with_messages, 0), pages=fmt_number(len(page_wijken), 0)))
    if len(missing):  # 2,000+ wijken: counted per reason rather than named
        counts = missing["reason"].value_counts()
        notes.append(t("Geen aandeel (–): {items}.").format(items="; ".join(
            t("{reason} ({n} wijken)").format(reason=t(reason), n=fmt_number(n, 0)) for reason, n in counts.items())))
elif len(missing):
    notes.append(t("Geen aandeel (–) voor: {items}.").format(items=", ".join(
        f"{escape_markdown(n)} ({t(r)})" for n, r in zip(missing["wijk_label"], missing["reason"]))))
source_caption(state, qt.SOURCE_THEMES, " ".join(notes))
with st.expander(t("Tabel")):
    heat_table = cached_query(qt.q_heatmap_table, state.token, gemeente=state.gemeente, period=state.period,
                              lang=lang).rename(columns=t)
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
        wijk_shown = escape_markdown(wijk_names[wijk])
        trend = cached_query(qt.q_theme_trend_wijk, state.token, wijk=wijk, period=state.period)
        if trend.empty or trend["theme_messages"].notna().sum() == 0:
            st.info(t("Geen berichten met een thema in {wijk} in deze periode.").format(wijk=wijk_shown))
        else:
            st.plotly_chart(cached_query(qt.fig_trend_wijk, state.token, wijk=wijk, period=state.period, lang=lang),
                            key="themes_trend_wijk", config={"displaylogo": False})
        source_caption(state, qt.SOURCE_THEMES,
                       t("De {n} meest besproken thema's in {wijk}: berichten en reacties per maand. Maanden voordat de "
                         "pagina bestond zijn leeg (onbekend, niet nul).").format(n=qt.TREND_TOP_THEMES, wijk=wijk_shown))
    else:
        wijk = None
        st.info(t("Geen enkele wijk in deze gemeente heeft een wijkpagina; er zijn geen thema's per maand."))
with right:
    theme = st.selectbox(t("Kies een thema"), theme_keys, key="themes_theme",
                         index=theme_keys.index(wanted_theme or default_theme), format_func=theme_labels.get)
    across = cached_query(qt.q_theme_trend_theme, state.token, gemeente=state.gemeente, theme=theme, period=state.period)
    shown_lines = (qt.busiest_wijken_for_theme(across, qt.TREND_NATIONAL_TOP_WIJKEN)["wijk_code"].nunique()
                   if national else across["wijk_code"].nunique())
    if across.empty:
        st.info(t("Geen wijk in deze gemeente heeft een wijkpagina."))
    elif not shown_lines:
        st.info(t("Geen berichten met dit thema in deze periode."))
    else:
        st.plotly_chart(cached_query(qt.fig_trend_theme, state.token, gemeente=state.gemeente, theme=theme,
                                     period=state.period, lang=lang), key="themes_trend_theme", config={"displaylogo": False})
    caption = t("{theme} als aandeel van alle berichten en reacties per wijk en maand (aantallen in de tooltip). Leeg: de "
                "pagina bestond nog niet of er waren geen berichten.").format(theme=escape_markdown(theme_labels[theme]))
    no_page = per_wijk.loc[~has_page, "wijk_label"].tolist()
    if national:
        caption += " " + t("Heel Nederland: de {shown} wijken met de meeste berichten over dit thema in deze periode, van "
                           "de {pages} wijken met een wijkpagina; {no_page} wijken hebben geen wijkpagina.").format(
            shown=fmt_number(shown_lines, 0), pages=fmt_number(len(page_wijken), 0), no_page=fmt_number(len(no_page), 0))
    elif no_page:
        caption += " " + t("Zonder wijkpagina: {wijken}.").format(wijken=", ".join(escape_markdown(n) for n in no_page))
    source_caption(state, qt.SOURCE_THEMES, caption)
st.query_params.update({"thema": theme, **({"wijk": wijk} if wijk else {})})

# --- Terms -----------------------------------------------------------------------------------------------------
st.subheader(t("Waarom dit thema: meest gevonden termen"))
min_messages = 1 if state.can("post_text") else state.settings.min_messages_per_term_without_text
terms_shown = cached_query(qt.q_terms_table, state.token, gemeente=state.gemeente, period=state.period,
                           min_messages=min_messages, lang=lang).rename(columns=t)
st.dataframe(terms_shown, hide_index=True, width="stretch")
terms_note = (("Per thema de {n} woorden of zinsdelen die het vaakst tot dit thema leidden, met het aantal berichten "
               "waarin ze gevonden werden (heel Nederland). — = geen berichten met dit thema in deze periode.")
              if national else
              ("Per thema de {n} woorden of zinsdelen die het vaakst tot dit thema leidden, met het aantal berichten "
               "waarin ze gevonden werden (hele gemeente). — = geen berichten met dit thema in deze periode."))
terms_note = t(terms_note).format(n=qt.TERMS_PER_THEME)
if min_messages > 1:
    terms_note += " " + t("Voor uw rol tonen we alleen termen die in minstens {n} berichten voorkwamen.").format(n=min_messages)
source_caption(state, qt.SOURCE_THEMES, terms_note)
downloads(state, terms_shown, "themas_termen")

# --- Examples --------------------------------------------------------------------------------------------------
st.subheader(t("Voorbeeldberichten"))
if not state.can("post_text"):
    st.info(t("Tekst van berichten is niet beschikbaar voor deze rol. (rol {role}: alleen totalen).")
            .format(role=ROLE_LABELS.get(state.access.role, state.access.role)))
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
    st.markdown(t("**{theme}** in **{wijk}**: {n} berichten en reacties in deze periode.").format(
        theme=escape_markdown(theme_labels[theme]), wijk=escape_markdown(wijk_names[wijk]), n=fmt_number(total, 0)))
    if examples.empty:
        st.info(t("Geen berichten met dit thema in deze wijk in deze periode."))
    else:
        shown_examples = qt.examples_table(examples, lang).rename(columns=t)
        st.dataframe(shown_examples, hide_index=True, width="stretch",
                     column_config={t("Tekst (geredigeerd)"): st.column_config.TextColumn(width="large")})
        source_caption(state, qt.SOURCE_THEMES,
                       t("{shown} van {total}, nieuwste eerst. Tekst is geredigeerd: persoonsgegevens staan er als [naam], "
                         "[adres], [telefoon] enz.; schrijvers worden alleen naar soort getoond. 'Waarom dit thema' toont "
                         "de gevonden trefwoorden.").format(shown=len(examples), total=fmt_number(total, 0)))
        downloads(state, shown_examples, "themas_voorbeelden")

        def _more() -> None:
            st.session_state["themes_examples_limit"] += qt.EXAMPLES_STEP

        if total > limit and limit < qt.EXAMPLES_MAX:
            st.button(t("Meer berichten"), key="themes_more", on_click=_more,
                      help=t("Nog {step} tonen (maximaal {max}).").format(step=qt.EXAMPLES_STEP, max=qt.EXAMPLES_MAX))
