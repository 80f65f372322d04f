"""Betrokkenheid: activity per page and per wijk (also per 1,000 inhabitants), answers by organisations and how
fast they come, and which themes draw the most engagement."""
import pandas as pd
import streamlit as st
from wijkbeeld.safe import quote_input

from wijkbeeld import q_engagement as qe
from wijkbeeld import queries as q
from wijkbeeld.q_quality import deferred_downloads as downloads
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, fmt_number, setup_page, source_caption

state = setup_page("Betrokkenheid")
if state is None:
    st.stop()
t = state.t

levels = list(qe.LEVELS)
wanted = st.query_params.get("niveau")
if wanted and wanted not in levels:
    st.warning(f"Niveau '{quote_input(wanted)}' bestaat niet; per pagina is gekozen.")
    wanted = None
level = st.radio(t("Niveau"), levels, index=levels.index(wanted) if wanted else 0, horizontal=True,
                 format_func=lambda k: t(qe.LEVELS[k]), key="engagement_level")
st.query_params.update({"niveau": level})

# --- Activity table ------------------------------------------------------------------------------------------
st.subheader(t("Activiteit per pagina en per wijk"))
engagement = cached_query(qe.q_engagement, state.token, gemeente=state.gemeente, period=state.period, level=level)
if engagement.empty:
    st.info("Deze gemeente heeft geen wijkpagina's in het warehouse; er is geen activiteit te tonen."
            if level == "pagina" else "Deze gemeente heeft geen wijken in de grenzen.")
    st.stop()
shown = qe.engagement_table(engagement, level).rename(columns=t)
st.dataframe(shown, hide_index=True, width="stretch")
reasons = engagement[engagement["reason"].notna()]
reason_text = (" Onbekend: " + ", ".join(f"{escape_markdown(n)} ({r})" for n, r in zip(reasons["unit_name"], reasons["reason"]))
               + ".") if len(reasons) else ""
lower_bound = engagement.loc[engagement["participants_lower_bound"].astype(bool), "unit_name"].tolist()
lower_text = (f" Minimaal (berichten zonder bekende schrijver): {', '.join(escape_markdown(n) for n in lower_bound)}."
              if lower_bound else "")
source_caption(state, qe.SOURCE_ENGAGEMENT,
               "Berichten: bovenaan geplaatste berichten; reacties: reacties en antwoorden daarop; likes en emoji's en "
               "'gedeeld' volgens het platform (gedeeld alleen bij berichten). Per 1.000 inwoners per jaar: gedeeld door "
               "de inwonerjaren over de maanden dat de pagina bestond (bevolking van hetzelfde jaar). Deelnemende "
               "bewoners: verschillende bewoners die schreven (geteld, nooit getoond), gedeeld door de gemiddelde "
               "bevolking over die maanden. Een pagina voor meer wijken telt voor elke wijk." + reason_text + lower_text)
downloads(state, shown, f"betrokkenheid_{level}")
st.info(t(qe.FOLLOWERS_NOTE), icon=":material/info:")

# --- Monthly activity ----------------------------------------------------------------------------------------
st.subheader(t("Activiteit per maand"))
figure = cached_query(qe.fig_activity, state.token, gemeente=state.gemeente, period=state.period,
                      y_title=t("Berichten en reacties per maand"))
if figure.get("data"):
    st.plotly_chart(figure, key="engagement_activity", config={"displaylogo": False})
    source_caption(state, q.SOURCE_POSTS,
                   "Berichten en reacties per pagina en maand (details in de tooltip). Maanden voordat een pagina "
                   "bestond zijn leeg: onbekend, niet nul.")
else:
    st.info(t("Geen wijkpagina's in deze gemeente."))

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
              help=f"{int(overall['answered'])} {t('van')} {int(overall['resident_posts'])} "
                   + t("berichten van bewoners kregen in de draad een reactie van gemeente, politie, corporatie of welzijn."))
    for column, label, key in ((c2, "Mediaan tijd tot eerste antwoord", "median_hours"),
                               (c3, "90% beantwoord binnen", "p90_hours")):
        column.metric(t(label), f"{fmt_number(overall[key])} {t('uur')}" if pd.notna(overall[key])
                      else f"{t('onbekend')}: {overall['times_reason']}")
    by_type = qe.response_by_type_table(response).rename(columns=t)
    st.markdown(f"**{t('Per soort organisatie')}**")
    st.dataframe(by_type, hide_index=True, width="stretch")
    last_text = f" Laatste bericht in de gegevens: {last_message:%d-%m-%Y %H:%M}." if last_message is not None else ""
    source_caption(state, q.SOURCE_POSTS,
                   "Berichten van bewoners (geen reacties) in de periode; beantwoord = een reactie of antwoord van een "
                   "account van gemeente, politie, corporatie of welzijn ergens in de draad. Tijd: uren tot de eerste "
                   "reactie van die soort organisatie, over de beantwoorde berichten; bij minder dan "
                   f"{qe.MIN_ANSWERS_FOR_TIMES} antwoorden tonen we geen tijden. Berichten vlak voor de laatste export "
                   "kunnen later nog antwoord hebben gekregen." + last_text)
    downloads(state, by_type, "antwoorden_per_soort")
    by_page = qe.response_by_page_table(response)
    st.markdown(f"**{t('Per pagina')}**")
    st.dataframe(by_page[by_page["Antwoord van"] == qe.ANSWER_TYPE_LABELS["alle"]].rename(columns=t), hide_index=True, width="stretch")
    with st.expander(t("Per pagina en soort organisatie")):
        by_page_shown = by_page.rename(columns=t)
        st.dataframe(by_page_shown, hide_index=True, width="stretch")
        downloads(state, by_page_shown, "antwoorden_per_pagina")

# --- Themes and engagement ---------------------------------------------------------------------------------------
st.subheader(t("Welke thema's trekken de meeste reacties?"))
themes = cached_query(qe.q_theme_engagement, state.token, gemeente=state.gemeente, period=state.period)
if themes.empty:
    st.info(t("Geen berichten in deze periode."))
else:
    if themes["ranked"].any():
        st.plotly_chart(cached_query(qe.fig_theme_engagement, state.token, gemeente=state.gemeente, period=state.period,
                                     x_title=t("Gemiddeld aantal reacties en likes per bericht")),
                        key="engagement_themes", config={"displaylogo": False})
    themes_shown = qe.theme_engagement_table(themes).rename(columns=t)
    st.dataframe(themes_shown, hide_index=True, width="stretch")
    source_caption(state, q.SOURCE_POSTS,
                   "Per thema het gemiddelde aantal reacties plus likes en emoji's per bericht (bovenaan geplaatste "
                   "berichten van iedereen, aantallen volgens het platform). Een bericht met meer thema's telt bij elk. "
                   f"Thema's met minder dan {qe.MIN_POSTS_FOR_THEME_RANK} berichten staan alleen in de tabel.")
    downloads(state, themes_shown, "betrokkenheid_themas")
