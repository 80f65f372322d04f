"""Evaluatie: did the wijk pages go together with a change in registered crime or the survey indicators?"""
import pandas as pd
import streamlit as st
from wijkbeeld.safe import quote_input

from wijkbeeld import q_evaluation as qe
from wijkbeeld import queries as q
from wijkbeeld import stats
from wijkbeeld.q_hotspots import nl_number
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, downloads, setup_page

state = setup_page("Evaluatie")
if state is None:
    st.stop()
t = state.t
settings = state.settings

result = cached_query(qe.q_evaluation, state.token, gemeente=state.gemeente,
                      min_population=settings.min_population_for_ranking, min_respondents=settings.min_respondents,
                      n_boot=qe.EVALUATION_N_BOOT)
summary, wijken = result["summary"], result["wijken"]

st.subheader(t("Wijken met en zonder pagina"))
wijken_table = qe.wijken_display(wijken).rename(columns=t)
st.dataframe(wijken_table, hide_index=True, width="stretch", key="evaluatie_wijken")
st.caption(f"Bron: wijkpagina's (naam en startdatum) en {q.SOURCE_CBS_POP}. Een wijk met minder dan "
           f"{settings.min_population_for_ranking} inwoners doet niet mee: één incident verschuift daar het cijfer per "
           "1.000 al sterk. Een wijk die later een pagina kreeg, telt tot die start mee als vergelijking.")
downloads(state, wijken_table, "evaluatie_wijken")
if summary.empty:
    st.warning("Geen vergelijking mogelijk: er zijn geen wijken met een pagina en tegelijk wijken zonder pagina "
               "met cijfers vóór en na de start.")
    st.stop()

options = qe.outcome_options(summary)
keys = list(options)
wanted = st.query_params.get("uitkomst")
if wanted and wanted not in keys:
    st.warning(f"Uitkomst '{quote_input(wanted)}' bestaat niet; de eerste is gekozen.")
    wanted = None
outcome = st.selectbox(t("Uitkomst"), keys, index=keys.index(wanted) if wanted else 0, format_func=options.get,
                       key="evaluatie_outcome")
st.query_params.update({"uitkomst": outcome})
row = summary.set_index("outcome").loc[outcome]
source = qe.SOURCES[row["kind"]]
st.caption(f"De periodekeuze in de zijbalk geldt hier niet: de vergelijking gebruikt alle beschikbare cijfers "
           f"({row['period']}).")

# --- Effect and conclusion ---
st.subheader(t("Effect na de start"))
c1, c2, c3 = st.columns(3)
c1.metric(t("Effect (verschil-in-verschillen)"), nl_number(row["att"], 2),
          help=f"{t('Eenheid')}: {row['unit']}. "
               + t("Gemiddeld verschil in verandering na de start, wijken met tegen wijken zonder (of nog zonder) pagina."))
interval = (f"{nl_number(row['lower'], 2)} tot {nl_number(row['upper'], 2)}"
            if pd.notna(row["lower"]) and pd.notna(row["upper"]) else "niet te berekenen")
c2.metric(t("95%-interval"), interval, help=t("Cluster-bootstrap over wijken (hele wijken opnieuw getrokken)."))
pre = ("niet mogelijk: geen metingen vóór de laatste meting vóór de start" if row["kind"] == "enquête"
       else nl_number(row["pre_trend_p"], 3, missing="niet mogelijk: te weinig maanden vóór de start"))
c3.metric(t("Toets trends vooraf (p)"), pre, help=t("Een kleine p (< 0,05) betekent dat de wijken vóór de start al "
          "uiteenliepen; dan is de vergelijking minder betrouwbaar."))
st.markdown(f"**{t('Conclusie')}.** " + escape_markdown(row["conclusion"]))
if row["notes"]:
    st.caption(escape_markdown(row["notes"]))
if row["kind"] == "enquête":
    st.info(qe.SURVEY_LIMITS)
st.caption(f"Bron: {source}. Periode: {row['period']}. {row['n_treated']} wijken met pagina, {row['n_comparison']} "
           f"zonder (of nog zonder); {row['n_periods']} perioden; {qe.EVALUATION_N_BOOT} bootstrap-trekkingen.")

# --- Event study ---
st.subheader(t("Verloop rond de start"))


@st.cache_data(show_spinner=False, max_entries=64)
def figure_for(token: str, outcome_key: str, unit: str, kind: str, _events: pd.DataFrame):
    return qe.event_figure(_events, unit=unit, kind=kind)


events = result["event_study"][result["event_study"]["outcome"] == outcome]
st.plotly_chart(figure_for(state.token, outcome, row["unit"], row["kind"], events), key="evaluatie_event",
                config={"displaylogo": False})
if row["kind"] == "maand":
    st.caption(f"Bron: {source}. Periode: {row['period']}. Per maand ten opzichte van de start het verschil met de "
               "wijken zonder (of nog zonder) pagina, met 95%-interval; de maand vóór de start is het nulpunt (open "
               "rondje). Links van de stippellijn horen de punten rond 0 te liggen: liggen ze daar ver vandaan, dan "
               "liepen de wijken vooraf al uiteen. Aan de uiteinden rust een punt op maar één of twee wijken.")
else:
    st.caption(f"Bron: {source}. Periode: {row['period']}. Met twee metingen is er alleen het nulpunt (de meting "
               "vóór de start) en één punt erna: een trend vooraf is niet te zien.")

# --- Before and after per wijk ---
st.subheader(t("Vóór en na de start per wijk"))
if row["kind"] == "maand":
    per_wijk = qe.before_after_display(result["before_after"], outcome)
    note = (f"Gemiddeld aantal per 1.000 inwoners per maand in de {qe.BEFORE_AFTER_MONTHS} maanden vóór de startmaand "
            f"en de {qe.BEFORE_AFTER_MONTHS} maanden vanaf de startmaand (minder als de cijfers eerder ophouden; "
            "afgeschermde maanden tellen niet mee), naast het gemiddelde van de wijken zonder pagina in dezelfde "
            "kalendermaanden.")
else:
    per_wijk = qe.survey_before_after_display(result["survey_before_after"], outcome)
    note = ("De laatste meting vóór en de eerste meting na de start (een start na 1 september telt voor de meting "
            "van dat jaar als 'na het veldwerk'); de verandering met 95%-interval, significant alleen als dat "
            "interval 0 niet bevat; naast de gemiddelde verandering in de wijken zonder pagina.")
if per_wijk.empty:
    st.info(t("Er is geen wijk met een pagina en cijfers vóór én na de start."))
else:
    per_wijk = per_wijk.rename(columns=t)
    st.dataframe(per_wijk, hide_index=True, width="stretch", key="evaluatie_per_wijk")
    downloads(state, per_wijk, "evaluatie_per_wijk")
st.caption(f"Bron: {source}. Periode: {row['period']}. {note} Eén wijk zegt weinig: de verandering in de "
           "wijken zonder pagina laat zien wat er zonder pagina ongeveer gebeurde.")

# --- All outcomes ---
st.subheader(t("Alle uitkomsten"))
overview = qe.summary_display(summary).rename(columns=t)
st.dataframe(overview, hide_index=True, width="stretch", key="evaluatie_summary")
st.caption(f"Bronnen: {qe.SOURCES['maand']}; {qe.SOURCES['enquête']}. Periode: per regel. Bij zoveel uitkomsten "
           "tegelijk valt er door toeval al eens één buiten 0; kijk naar het geheel, niet naar één regel.")
downloads(state, overview, "evaluatie_uitkomsten")

# --- Caveats ---
st.subheader(t("Wat dit wel en niet laat zien"))
st.markdown(escape_markdown(stats.METHOD_EXPLANATIONS["did"]))
for title, text in qe.CAVEATS:
    st.markdown(f"- **{escape_markdown(title)}.** {escape_markdown(text)}")
st.markdown(f"- **{escape_markdown('Enquête: twee metingen')}.** {escape_markdown(qe.SURVEY_LIMITS)}")
