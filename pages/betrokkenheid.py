"""Betrokkenheid: activity per page and per wijk (also per 1,000 inhabitants), answers by organisations and how
fast they come, and which themes draw the most engagement."""
import pandas as pd
import streamlit as st
from wijkbeeld.safe import quote_input

from wijkbeeld import q_engagement as qe
from wijkbeeld import queries as q
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, downloads, fmt_number, setup_page, source_caption

state = setup_page("Betrokkenheid")
if state is None:
    st.stop()
t = state.t
lang = state.lang
national = state.is_national

levels = list(qe.LEVELS)
wanted = st.query_params.get("niveau")
if wanted and wanted not in levels:
    st.warning(t("Niveau '{value}' bestaat niet; per pagina is gekozen.").format(value=quote_input(wanted)))
    wanted = None
level = st.radio(t("Niveau"), levels, index=levels.index(wanted) if wanted else 0, horizontal=True,
                 format_func=lambda k: t(qe.LEVELS[k]), key="engagement_level")
st.query_params.update({"niveau": level})


def names_with_gemeente(frame: pd.DataFrame, name: str) -> pd.Series:
    """Names as shown in captions: with several gemeenten the gemeente follows, since names repeat."""
    names = frame[name].astype("string").map(escape_markdown)
    return names + " (" + frame["gemeente_names"].astype("string").map(escape_markdown) + ")" if national else names


# --- Activity table ------------------------------------------------------------------------------------------
st.subheader(t("Activiteit per pagina en per wijk"))
engagement = cached_query(qe.q_engagement, state.token, gemeente=state.gemeente, period=state.period, level=level)
if engagement.empty:
    if level == "pagina":
        st.info(t("Het warehouse heeft geen wijkpagina's; er is geen activiteit te tonen." if national else
                  "Deze gemeente heeft geen wijkpagina's in het warehouse; er is geen activiteit te tonen."))
    else:
        st.info(t("Het warehouse heeft geen wijken in de grenzen." if national else
                  "Deze gemeente heeft geen wijken in de grenzen."))
    st.stop()
full_table = qe.engagement_table(engagement, level, lang, with_gemeente=national).rename(columns=t)
shown_units = qe.top_rows(engagement, "posts", qe.NATIONAL_ROWS_SHOWN) if national else engagement
st.dataframe(full_table.iloc[engagement.index.get_indexer(shown_units.index)], hide_index=True, width="stretch")
reasons = engagement[engagement["reason"].notna()]
if len(reasons) > qe.NAMES_LISTED_MAX:
    reason_text = " " + t("Onbekend bij {n} van de {total} rijen; de reden staat in de tabel.").format(
        n=fmt_number(len(reasons), 0), total=fmt_number(len(engagement), 0))
elif len(reasons):
    items = ", ".join(f"{n} ({t(r)})" for n, r in zip(names_with_gemeente(reasons, "unit_name"), reasons["reason"]))
    reason_text = " " + t("Onbekend: {items}.").format(items=items)
else:
    reason_text = ""
lower_bound = engagement[engagement["participants_lower_bound"].astype(bool)]
if len(lower_bound) > qe.NAMES_LISTED_MAX:
    lower_text = " " + t("Minimaal (berichten zonder bekende schrijver) bij {n} rijen.").format(n=fmt_number(len(lower_bound), 0))
elif len(lower_bound):
    lower_text = " " + t("Minimaal (berichten zonder bekende schrijver): {items}.").format(
        items=", ".join(names_with_gemeente(lower_bound, "unit_name")))
else:
    lower_text = ""
bound_text = ""
if national and len(shown_units) < len(engagement):
    bound_text = " " + t({"pagina": "Alle gemeenten: de {shown} pagina's met de meeste berichten in de periode, van de "
                                    "{total}. De download bevat ze allemaal.",
                          "wijk": "Alle gemeenten: de {shown} wijken met de meeste berichten in de periode, van de "
                                  "{total}. De download bevat ze allemaal."}[level]).format(
        shown=fmt_number(len(shown_units), 0), total=fmt_number(len(engagement), 0))
source_caption(state, qe.SOURCE_ENGAGEMENT, t(qe.CAPTION_ACTIVITY) + bound_text + reason_text + lower_text)
downloads(state, full_table, f"betrokkenheid_{level}")
st.info(t(qe.FOLLOWERS_NOTE), icon=":material/info:")

# --- Monthly activity ----------------------------------------------------------------------------------------
st.subheader(t("Activiteit per maand"))
figure = cached_query(qe.fig_activity, state.token, gemeente=state.gemeente, period=state.period, lang=lang)
if figure.get("data"):
    st.plotly_chart(figure, key="engagement_activity", config={"displaylogo": False})
    source_caption(state, q.SOURCE_POSTS, t(qe.CAPTION_MONTHLY_NATIONAL if national else qe.CAPTION_MONTHLY))
else:
    st.info(t("Geen wijkpagina's in het warehouse." if national else "Geen wijkpagina's in deze gemeente."))

# --- Answers from organisations --------------------------------------------------------------------------------
st.subheader(t("Antwoorden van organisaties"))
response = cached_query(qe.q_response, state.token, gemeente=state.gemeente, period=state.period)
last_message = cached_query(qe.q_last_message, state.token, gemeente=state.gemeente)
if response.empty:
    st.info(t("Geen berichten van bewoners in deze periode, dus niets te beantwoorden."))
else:
    overall = response[response["page_id"].isna() & (response["answer_type"] == "alle")].iloc[0]
    c1, c2, c3 = st.columns(3)
    c1.metric(t("Bewonersberichten beantwoord"), f"{fmt_number(overall['answered_pct'])}%",
              help=t("{answered} van {total} berichten van bewoners kregen in de draad een reactie van gemeente, "
                     "politie, corporatie of welzijn.").format(answered=fmt_number(overall["answered"], 0),
                                                              total=fmt_number(overall["resident_posts"], 0)))
    for column, label, key in ((c2, "Mediaan tijd tot eerste antwoord", "median_hours"),
                               (c3, "90% beantwoord binnen", "p90_hours")):
        column.metric(t(label), t("{value} uur").format(value=fmt_number(overall[key])) if pd.notna(overall[key])
                      else t("onbekend: {reason}").format(reason=t(overall["times_reason"])))
    by_type = qe.response_by_type_table(response, lang).rename(columns=t)
    st.markdown(f"**{t('Per soort organisatie')}**")
    st.dataframe(by_type, hide_index=True, width="stretch")
    last_text = (" " + t("Laatste bericht in de gegevens: {when}.").format(when=f"{last_message:%d-%m-%Y %H:%M}")
                 if last_message is not None else "")
    source_caption(state, q.SOURCE_POSTS, t(qe.CAPTION_RESPONSE).format(n=qe.MIN_ANSWERS_FOR_TIMES) + last_text)
    downloads(state, by_type, "antwoorden_per_soort")
    by_page = qe.response_by_page_table(response, lang, with_gemeente=national)
    all_pages = by_page["page_id"].nunique()
    if national:  # hundreds of pages: the ones with the most resident posts, the download holds them all
        top = qe.top_pages_by_resident_posts(response, qe.NATIONAL_ROWS_SHOWN)
        shown_pages = by_page.set_index("page_id").loc[top].reset_index()
    else:
        shown_pages = by_page
    shown_pages = shown_pages.drop(columns="page_id").rename(columns=t)
    st.markdown(f"**{t('Per pagina')}**")
    alle = qe.answer_type_label("alle", lang)
    st.dataframe(shown_pages[shown_pages[t("Antwoord van")] == alle], hide_index=True, width="stretch")
    page_bound = (t("Alle gemeenten: de {shown} pagina's met de meeste berichten van bewoners in de periode, van de "
                    "{total}. De download bevat ze allemaal.").format(shown=fmt_number(min(qe.NATIONAL_ROWS_SHOWN, all_pages), 0),
                                                                     total=fmt_number(all_pages, 0))
                  if national and all_pages > qe.NATIONAL_ROWS_SHOWN else "")
    if page_bound:
        st.caption(page_bound)
    with st.expander(t("Per pagina en soort organisatie")):
        st.dataframe(shown_pages, hide_index=True, width="stretch")
        if page_bound:
            st.caption(page_bound)
        downloads(state, by_page.drop(columns="page_id").rename(columns=t), "antwoorden_per_pagina")

# --- Themes and engagement ---------------------------------------------------------------------------------------
st.subheader(t("Welke thema's trekken de meeste reacties?"))
themes = cached_query(qe.q_theme_engagement, state.token, gemeente=state.gemeente, period=state.period)
if themes.empty:
    st.info(t("Geen berichten in deze periode."))
else:
    if themes["ranked"].any():
        st.plotly_chart(cached_query(qe.fig_theme_engagement, state.token, gemeente=state.gemeente, period=state.period,
                                     lang=lang),
                        key="engagement_themes", config={"displaylogo": False})
    themes_shown = qe.theme_engagement_table(themes, lang).rename(columns=t)
    st.dataframe(themes_shown, hide_index=True, width="stretch")
    source_caption(state, q.SOURCE_POSTS, t(qe.CAPTION_THEMES).format(n=qe.MIN_POSTS_FOR_THEME_RANK))
    downloads(state, themes_shown, "betrokkenheid_themas")
