"""Vergelijken (evaluator): two to four wijken side by side on every indicator, the gemeente beside them."""
import pandas as pd
import streamlit as st

from wijkbeeld import q_compare as qc
from wijkbeeld import queries as q
from wijkbeeld import stats
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, downloads, setup_page

state = setup_page("Vergelijken")
if state is None:
    st.stop()
t = state.t
settings = state.settings

wijken = cached_query(q.q_wijken, state.token, gemeente=state.gemeente)
codes = wijken["wijk_code"].tolist()
names = dict(zip(wijken["wijk_code"], wijken["wijk_name"]))
if len(codes) < qc.MIN_WIJKEN:
    st.warning(t("Deze gemeente heeft minder dan twee wijken: er valt niets te vergelijken."))
    st.stop()
selection, url_warnings = qc.validate_selection(st.query_params.get("wijken"), codes)
for message in url_warnings:
    st.warning(message)
chosen = st.multiselect(t("Kies twee tot vier wijken"), codes, default=selection, format_func=names.get,
                        max_selections=qc.MAX_WIJKEN, key="compare_wijken")
st.query_params.update({"wijken": ",".join(chosen)})
if len(chosen) < qc.MIN_WIJKEN:
    st.info(f"{t('Kies ten minste')} {qc.MIN_WIJKEN} {t('wijken om te vergelijken.')}")
    st.stop()

params = dict(gemeente=state.gemeente, period=state.period, min_population=settings.min_population_for_ranking,
              min_respondents=settings.min_respondents)
long = cached_query(qc.q_compare_indicators, state.token, **params)
perception = cached_query(qc.q_perception, state.token, **params)


# Display frames and the chart depend only on the cached figures and the choice of wijken: cache them per choice
# (the arguments with a leading underscore are not hashed; the token and params identify them).
@st.cache_data(show_spinner=False, max_entries=64)
def view_for(token: str, key: tuple, chosen: tuple, _long: pd.DataFrame) -> dict:
    return qc.compare_view(_long, chosen, key[0])


@st.cache_data(show_spinner=False, max_entries=64)
def figure_for(token: str, key: tuple, chosen: tuple, _perception: pd.DataFrame):
    return qc.perception_figure(_perception, chosen)


key = (state.gemeente, state.period, settings.min_population_for_ranking, settings.min_respondents)
view = view_for(state.token, key, tuple(chosen), long)
period_text = state.period.label

# --- All indicators side by side ---
st.subheader(t("Alle indicatoren"))
st.dataframe(view["table"].rename(columns=t), hide_index=True, width="stretch", key="compare_table",
             height=35 * (len(view["table"]) + 1) + 3)  # every indicator in view, no inner scrolling
st.caption(f"Bronnen: {q.SOURCE_POLICE}; {q.SOURCE_CBS_POP}; {q.SOURCE_POSTS}; {q.SOURCE_SURVEY}. Periode: "
           f"{period_text} (incidenten en berichten); enquête: de laatste meting tot en met het einde van de periode "
           "(kolom 'Gemeten'). Incidenten en berichten per 1.000 inwoners per jaar met de bevolking van hetzelfde "
           "jaar; incidenten met een exact 95%-interval (Poisson), enquêtecijfers met het gepubliceerde 95%-interval. "
           f"Berichten: alleen over de maanden dat de wijkpagina bestond; bij de gemeente het "
           f"{qc.POSTS_AVERAGE_NOTE}. 'onbekend' zegt waarom: nooit als nul gelezen.")
if len(view["small"]):
    # Names as plain text (st.text): no Markdown, so no link can come out of a name.
    st.text(f"Klein (minder dan {settings.min_population_for_ranking} inwoners): "
            + ", ".join(view["small"]["area_name"])
            + ". Cijfers per 1.000 schommelen daar sterk; zo'n wijk krijgt geen plaats in een ranglijst.")
downloads(state, view["download"].rename(columns=t), "vergelijken_indicatoren")

# --- Tested differences: between the chosen wijken and between survey waves ---
differences = view["differences"]
st.subheader(t("Verschillen tussen wijken"))
st.dataframe(differences[differences["Soort"] == qc.DIFFERENCE_KINDS["wijken"]].drop(columns="Soort").rename(columns=t),
             hide_index=True, width="stretch", key="compare_pairs")
st.caption(f"Bronnen: {q.SOURCE_POLICE}; {q.SOURCE_SURVEY}. Periode: {period_text}; enquête: laatste meting. "
           + stats.METHOD_EXPLANATIONS["difference"] + " Berichten per 1.000 krijgen geen interval en geen toets: "
           "berichten zijn geen steekproef en komen in reeksen (reacties op één bericht), dus een toets zou te zeker zijn.")
st.subheader(t("Verschil tussen metingen"))
waves = differences[differences["Soort"] == qc.DIFFERENCE_KINDS["metingen"]].drop(columns="Soort")
if waves.empty:
    st.info(t("Er is geen enquête voor deze wijken."))
else:
    st.dataframe(waves.rename(columns=t), hide_index=True, width="stretch", key="compare_waves")
st.caption(f"Bron: {q.SOURCE_SURVEY}. Laatste meting tot en met {period_text} tegenover de meting daarvoor; "
           "significant alleen als het 95%-interval van het verschil 0 niet bevat. De download bevat beide tabellen.")
downloads(state, differences.rename(columns=t), "vergelijken_verschillen")

# --- Beleving versus registratie ---
st.subheader(t("Beleving versus registratie"))
st.plotly_chart(figure_for(state.token, key, tuple(chosen), perception), key="compare_scatter",
                config={"displaylogo": False})
plotted = perception[perception["incident_rate"].notna() & perception["unsafe_pct"].notna()]
survey_wave = ", ".join(sorted(plotted["survey_wave"].dropna().astype(str).unique())) or "geen"
st.caption(f"Bronnen: {q.SOURCE_POLICE} ({period_text}); {q.SOURCE_SURVEY} (meting {survey_wave}); {q.SOURCE_POSTS} "
           f"({period_text}). Balkjes: 95%-intervallen. Grootte: berichten per 1.000 inwoners per jaar; een open "
           "symbool = geen berichtencijfer (reden in de tabel). Dikke rand: gekozen wijk. Alle wijken van de "
           "gemeente doen mee, zodat 'onveiliger' en 'veiliger' binnen de gemeente vergelijken.")
st.caption(escape_markdown(stats.METHOD_EXPLANATIONS["beleving_vs_registratie"]))
missing = perception[perception["incident_rate"].isna() | perception["unsafe_pct"].isna()]
if len(missing):
    st.text("Niet in de grafiek: " + "; ".join(f"{n} ({r})" for n, r in zip(missing["area_name"], missing["reason"])))
perception_table = qc.perception_display(perception).rename(columns=t)
st.dataframe(perception_table, hide_index=True, width="stretch", key="compare_perception")
st.caption(f"Bronnen: {q.SOURCE_POLICE} ({period_text}); {q.SOURCE_SURVEY} (meting {survey_wave}); {q.SOURCE_POSTS} "
           f"({period_text}). Verschil beleving − registratie in standaarddeviaties binnen de gemeente, met "
           "95%-interval; 'Oordeel' alleen als dat interval 0 niet bevat. Lege cellen: de reden staat ernaast.")
downloads(state, perception_table, "vergelijken_beleving")
