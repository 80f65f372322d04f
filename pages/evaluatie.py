"""Evaluatie: did the wijk pages go together with a change in registered crime or the survey indicators?"""
import pandas as pd
import streamlit as st

from wijkbeeld import i18n
from wijkbeeld import q_evaluation as qe
from wijkbeeld import queries as q
from wijkbeeld import stats
from wijkbeeld.q_compare import number
from wijkbeeld.safe import escape_markdown, quote_input
from wijkbeeld.ui import cached_query, downloads, setup_page

state = setup_page("Evaluatie")
if state is None:
    st.stop()
lang = state.lang
settings = state.settings


def tr(text: str) -> str:
    return qe.tr(text, lang)


TEXT = {
    "nl": {
        "wijken": "Bron: {pages} en {population}. Een wijk met minder dan {min_population} inwoners doet niet mee: "
                  "één incident verschuift daar het cijfer per 1.000 al sterk. Een wijk die later een pagina kreeg, "
                  "telt tot die start mee als vergelijking.",
        "roles": "{scope}: {counts}.",
        "scope_national": "Alle gemeenten samen",
        "scope_gemeente": "In deze gemeente",
        "period_note": "De periodekeuze in de zijbalk geldt hier niet: de vergelijking gebruikt alle beschikbare "
                       "cijfers ({period}).",
        "effect": "Bron: {source}. Periode: {period}. {treated} wijken met pagina, {comparison} zonder (of nog "
                  "zonder); {periods} perioden; {n_boot} bootstrap-trekkingen.",
        "event_month": "Bron: {source}. Periode: {period}. Per maand ten opzichte van de start het verschil met de "
                       "wijken zonder (of nog zonder) pagina, met 95%-interval; de maand vóór de start is het nulpunt "
                       "(open rondje). Links van de stippellijn horen de punten rond 0 te liggen: liggen ze daar ver "
                       "vandaan, dan liepen de wijken vooraf al uiteen. Aan de uiteinden rust een punt op maar één of "
                       "twee wijken.",
        "event_survey": "Bron: {source}. Periode: {period}. Met twee metingen is er alleen het nulpunt (de meting "
                        "vóór de start) en één punt erna: een trend vooraf is niet te zien.",
        "per_wijk_month": "Gemiddeld aantal per 1.000 inwoners per maand in de {months} maanden vóór de startmaand en "
                          "de {months} maanden vanaf de startmaand (minder als de cijfers eerder ophouden; "
                          "afgeschermde maanden tellen niet mee), naast het gemiddelde van de wijken zonder pagina in "
                          "dezelfde kalendermaanden.",
        "per_wijk_survey": "De laatste meting vóór en de eerste meting na de start (een start na 1 september telt "
                           "voor de meting van dat jaar als 'na het veldwerk'); de verandering met 95%-interval, "
                           "significant alleen als dat interval 0 niet bevat; naast de gemiddelde verandering in de "
                           "wijken zonder pagina.",
        "per_wijk": "Bron: {source}. Periode: {period}. {note} Eén wijk zegt weinig: de verandering in de wijken "
                    "zonder pagina laat zien wat er zonder pagina ongeveer gebeurde.",
        "overview": "Bronnen: {monthly}; {survey}. Periode: per regel. Bij zoveel uitkomsten tegelijk valt er door "
                    "toeval al eens één buiten 0; kijk naar het geheel, niet naar één regel.",
    },
    "en": {
        "wijken": "Source: {pages} and {population}. A district with fewer than {min_population} inhabitants takes no "
                  "part: one incident already shifts the figure per 1,000 strongly there. A district that got a page "
                  "later counts as comparison until its launch.",
        "roles": "{scope}: {counts}.",
        "scope_national": "All municipalities together",
        "scope_gemeente": "In this municipality",
        "period_note": "The period chosen in the sidebar does not apply here: the comparison uses all available "
                       "figures ({period}).",
        "effect": "Source: {source}. Period: {period}. {treated} districts with a page, {comparison} without (or not "
                  "yet with); {periods} periods; {n_boot} bootstrap draws.",
        "event_month": "Source: {source}. Period: {period}. Per month relative to the launch, the difference from the "
                       "districts without (or not yet with) a page, with 95% interval; the month before the launch is "
                       "the zero point (open circle). Left of the dotted line the points should lie around 0: if they "
                       "lie far from it, the districts already diverged beforehand. At the ends a point rests on only "
                       "one or two districts.",
        "event_survey": "Source: {source}. Period: {period}. With two waves there is only the zero point (the wave "
                        "before the launch) and one point after it: a trend beforehand cannot be seen.",
        "per_wijk_month": "Average number per 1,000 inhabitants per month in the {months} months before the launch "
                          "month and the {months} months from the launch month on (fewer when the figures end "
                          "earlier; withheld months do not count), beside the average of the districts without a "
                          "page in the same calendar months.",
        "per_wijk_survey": "The last wave before and the first wave after the launch (a launch after 1 September "
                           "counts as 'after fieldwork' for that year's wave); the change with 95% interval, "
                           "significant only when that interval does not contain 0; beside the average change in the "
                           "districts without a page.",
        "per_wijk": "Source: {source}. Period: {period}. {note} One district says little: the change in the "
                    "districts without a page shows roughly what happened without one.",
        "overview": "Sources: {monthly}; {survey}. Period: per row. With this many outcomes at once, one will fall "
                    "outside 0 by chance now and then; look at the whole, not at one row.",
    },
}[lang]

result = cached_query(qe.q_evaluation, state.token, gemeente=state.gemeente,
                      min_population=settings.min_population_for_ranking, min_respondents=settings.min_respondents,
                      n_boot=qe.EVALUATION_N_BOOT)
summary, wijken = result["summary"], result["wijken"]

st.subheader(tr("Wijken met en zonder pagina"))
wijken_table = qe.columns_in(qe.wijken_display(wijken, lang), lang)
st.dataframe(wijken_table, hide_index=True, width="stretch", key="evaluatie_wijken")
st.caption(TEXT["wijken"].format(pages=i18n.source_label(qe.SOURCE_PAGES, lang),
                                 population=i18n.source_label(q.SOURCE_CBS_POP, lang),
                                 min_population=settings.min_population_for_ranking))
counts = qe.role_counts(wijken)
st.caption(TEXT["roles"].format(scope=TEXT["scope_national" if state.is_national else "scope_gemeente"],
                                counts="; ".join(f"{number(n, 0, lang)} {tr(role)}" for role, n in counts.items())))
downloads(state, wijken_table, "evaluatie_wijken")
if summary.empty:
    st.warning(tr("Geen vergelijking mogelijk: er zijn geen wijken met een pagina en tegelijk wijken zonder pagina "
                  "met cijfers vóór en na de start."))
    st.stop()

options = qe.outcome_options(summary, lang)
keys = list(options)
wanted = st.query_params.get("uitkomst")
if wanted and wanted not in keys:
    st.warning(tr("Uitkomst '{value}' bestaat niet; de eerste is gekozen.").format(value=quote_input(wanted)))
    wanted = None
outcome = st.selectbox(tr("Uitkomst"), keys, index=keys.index(wanted) if wanted else 0, format_func=options.get,
                       key="evaluatie_outcome")
st.query_params.update({"uitkomst": outcome})
row = summary.set_index("outcome").loc[outcome]
source = i18n.source_label(qe.SOURCES[row["kind"]], lang)
period = qe.text_of(row, "period", lang)
unit = qe.unit_text(row["unit"], lang)
st.caption(TEXT["period_note"].format(period=period))

# --- Effect and conclusion ---
st.subheader(tr("Effect na de start"))
c1, c2, c3 = st.columns(3)
c1.metric(tr("Effect (verschil-in-verschillen)"), number(row["att"], 2, lang),
          help=f"{tr('Eenheid')}: {unit}. " + tr("Gemiddeld verschil in verandering na de start, wijken met tegen "
                                                    "wijken zonder (of nog zonder) pagina."))
interval = (tr("{lower} tot {upper}").format(lower=number(row["lower"], 2, lang), upper=number(row["upper"], 2, lang))
            if pd.notna(row["lower"]) and pd.notna(row["upper"]) else tr("niet te berekenen"))
c2.metric(tr("95%-interval"), interval,
          help=tr("Cluster-bootstrap over wijken (hele wijken opnieuw getrokken), {n} trekkingen.").format(
              n=int(row["n_boot"])))
if row["kind"] == "enquête":
    pre = tr("niet mogelijk: geen metingen vóór de laatste meting vóór de start")
else:
    pre = (number(row["pre_trend_p"], 3, lang) if pd.notna(row["pre_trend_p"])
           else tr("niet mogelijk: te weinig maanden vóór de start"))
c3.metric(tr("Toets trends vooraf (p)"), pre,
          help=tr("Een kleine p (< 0,05) betekent dat de wijken vóór de start al uiteenliepen; dan is de vergelijking "
                  "minder betrouwbaar."))
st.markdown(f"**{tr('Conclusie')}.** " + escape_markdown(qe.text_of(row, "conclusion", lang)))
notes = qe.text_of(row, "notes", lang)
if notes:
    st.caption(escape_markdown(notes))
if row["kind"] == "enquête":
    st.info(qe.survey_limits(lang))
st.caption(TEXT["effect"].format(source=source, period=period, treated=number(row["n_treated"], 0, lang),
                                 comparison=number(row["n_comparison"], 0, lang), periods=int(row["n_periods"]),
                                 n_boot=int(row["n_boot"])))

# --- Event study ---
st.subheader(tr("Verloop rond de start"))


@st.cache_data(show_spinner=False, max_entries=64)
def figure_for(token: str, gemeente: str, outcome_key: str, unit: str, kind: str, lang: str, _events: pd.DataFrame):
    return qe.event_figure(_events, unit=unit, kind=kind, lang=lang)


events = result["event_study"][result["event_study"]["outcome"] == outcome]
st.plotly_chart(figure_for(state.token, state.gemeente, outcome, unit, row["kind"], lang, events),
                key="evaluatie_event", config={"displaylogo": False})
st.caption(TEXT["event_month" if row["kind"] == "maand" else "event_survey"].format(source=source, period=period))

# --- Before and after per wijk ---
st.subheader(tr("Vóór en na de start per wijk"))
if row["kind"] == "maand":
    per_wijk = qe.before_after_display(result["before_after"], outcome)
    note = TEXT["per_wijk_month"].format(months=qe.BEFORE_AFTER_MONTHS)
else:
    per_wijk = qe.survey_before_after_display(result["survey_before_after"], outcome, lang)
    note = TEXT["per_wijk_survey"]
if per_wijk.empty:
    st.info(tr("Er is geen wijk met een pagina en cijfers vóór én na de start."))
else:
    per_wijk = qe.columns_in(per_wijk, lang)
    st.dataframe(per_wijk, hide_index=True, width="stretch", key="evaluatie_per_wijk")
    downloads(state, per_wijk, "evaluatie_per_wijk")
st.caption(TEXT["per_wijk"].format(source=source, period=period, note=note))

# --- All outcomes ---
st.subheader(tr("Alle uitkomsten"))
overview = qe.columns_in(qe.summary_display(summary, lang), lang)
st.dataframe(overview, hide_index=True, width="stretch", key="evaluatie_summary")
st.caption(TEXT["overview"].format(monthly=i18n.source_label(qe.SOURCES["maand"], lang),
                                   survey=i18n.source_label(qe.SOURCES["enquête"], lang)))
downloads(state, overview, "evaluatie_uitkomsten")

# --- Caveats ---
st.subheader(tr("Wat dit wel en niet laat zien"))
st.markdown(escape_markdown(stats.method_explanation("did", lang)))
for title, text in qe.caveats(lang, national=state.is_national, n_treated=int(row["n_treated"]),
                              n_comparison=int(row["n_comparison"])):
    st.markdown(f"- **{escape_markdown(title)}.** {escape_markdown(text)}")
st.markdown(f"- **{escape_markdown(tr('Enquête: twee metingen'))}.** {escape_markdown(qe.survey_limits(lang))}")
