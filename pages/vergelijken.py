"""Vergelijken (evaluator): two to four wijken side by side on every indicator, the gemeente (or all gemeenten
together: the whole country in a national warehouse) beside them."""
import pandas as pd
import streamlit as st

from wijkbeeld import i18n
from wijkbeeld import q_compare as qc
from wijkbeeld import queries as q
from wijkbeeld import stats
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, downloads, setup_page

state = setup_page("Vergelijken")
if state is None:
    st.stop()
lang = state.lang
settings = state.settings


def tr(text: str) -> str:
    return qc.tr(text, lang)


def columns_in_language(frame: pd.DataFrame) -> pd.DataFrame:
    return qc.columns_in(frame, lang)


wijken = cached_query(qc.q_wijk_choices, state.token, gemeente=state.gemeente)
codes = wijken["wijk_code"].tolist()
names = dict(zip(wijken["wijk_code"], wijken["label"]))
if len(codes) < qc.MIN_WIJKEN:
    st.warning(tr("Deze gemeente heeft minder dan twee wijken: er valt niets te vergelijken."))
    st.stop()
selection, url_warnings = qc.validate_selection(st.query_params.get("wijken"), codes, lang)
for message in url_warnings:
    st.warning(message)
chosen = st.multiselect(tr("Kies twee tot vier wijken"), codes, default=selection, format_func=names.get,
                        max_selections=qc.MAX_WIJKEN, key="compare_wijken")
st.query_params.update({"wijken": ",".join(chosen)})
if len(chosen) < qc.MIN_WIJKEN:
    st.info(tr("Kies ten minste {n} wijken om te vergelijken.").format(n=qc.MIN_WIJKEN))
    st.stop()

params = dict(gemeente=state.gemeente, period=state.period, min_population=settings.min_population_for_ranking,
              min_respondents=settings.min_respondents)
figures = cached_query(qc.q_compare_all, state.token, **params)
long, perception = figures["long"], figures["perception"]


# Display frames and the chart depend only on the cached figures, the choice of wijken and the language: cache them
# per choice (the arguments with a leading underscore are not hashed; the token and key identify them).
@st.cache_data(show_spinner=False, max_entries=64)
def view_for(token: str, key: tuple, chosen: tuple, lang: str, reference_name: str, _long: pd.DataFrame) -> dict:
    return qc.compare_view(_long, chosen, key[0], lang, key[1], reference_name)


@st.cache_data(show_spinner=False, max_entries=64)
def figure_for(token: str, key: tuple, chosen: tuple, lang: str, _perception: pd.DataFrame):
    return qc.perception_figure(_perception, chosen, lang)


@st.cache_data(show_spinner=False, max_entries=16)
def perception_table_for(token: str, key: tuple, lang: str, _perception: pd.DataFrame) -> pd.DataFrame:
    return columns_in_language(qc.perception_display(_perception, lang))


key = (state.gemeente, state.period, settings.min_population_for_ranking, settings.min_respondents)
view = view_for(state.token, key, tuple(chosen), lang, state.gemeente_name, long)
period_text = state.period.label_in(lang)
sources = lambda *parts: i18n.source_label("; ".join(parts), lang)  # noqa: E731

TEXT = {
    "nl": {
        "table": "Bronnen: {sources}. Periode: {period} (incidenten en berichten); enquête: de laatste meting tot en "
                 "met het einde van de periode (kolom 'Gemeten'). Incidenten en berichten per 1.000 inwoners per jaar "
                 "met de bevolking van hetzelfde jaar; incidenten met een exact 95%-interval (Poisson), enquêtecijfers "
                 "met het gepubliceerde 95%-interval. Berichten: alleen over de maanden dat de wijkpagina bestond; bij "
                 "de gemeente het {posts_note}. 'onbekend' zegt waarom: nooit als nul gelezen.",
        "national": "{name}: inwoners en incidenten opgeteld over alle gemeenten; een gemeente met een "
                    "afgeschermde of ontbrekende maand telt bij dat cijfer niet mee (de cel zegt over hoeveel "
                    "gemeenten het gaat). Berichten: het gemiddelde over alle wijken met een wijkpagina. Enquête: de "
                    "gemeentecijfers van dezelfde meting gemiddeld met hun inwonertal als gewicht (alle inwoners, niet "
                    "alleen de ondervraagde 15-plussers), met het interval uit de marges van de gemeenten.",
        "pairs": "Bronnen: {sources}. Periode: {period}; enquête: laatste meting. {method} Berichten per 1.000 krijgen "
                 "geen interval en geen toets: berichten zijn geen steekproef en komen in reeksen (reacties op één "
                 "bericht), dus een toets zou te zeker zijn.",
        "waves": "Bron: {sources}. Laatste meting tot het einde van de periode ({period}) tegenover de meting "
                 "daarvoor; significant alleen als het 95%-interval van het verschil 0 niet bevat. De download "
                 "bevat beide tabellen.",
        "scatter": "Bronnen: {police} ({period}); {survey} (meting {waves}); {posts} ({period}). Balkjes: "
                   "95%-intervallen. Grootte: berichten per 1.000 inwoners per jaar; een open symbool = geen "
                   "berichtencijfer (reden in de tabel). Dikke rand: gekozen wijk. {scope}",
        "scope_gemeente": "Alle wijken van de gemeente doen mee, zodat 'onveiliger' en 'veiliger' binnen de gemeente "
                          "vergelijken.",
        "scope_national": "Alle wijken van alle gemeenten doen mee, zodat 'onveiliger' en 'veiliger' binnen dat "
                          "geheel vergelijken.",
        "dense": "{n} wijken in de grafiek: namen en balkjes alleen bij de gekozen wijken; de andere wijken bij het "
                 "aanwijzen en in de tabel.",
        "perception_table": "Bronnen: {police} ({period}); {survey} (meting {waves}); {posts} ({period}). Verschil "
                            "beleving − registratie in standaarddeviaties binnen {within}, met 95%-interval; 'Oordeel' "
                            "alleen als dat interval 0 niet bevat. Lege cellen: de reden staat ernaast.",
        "within_gemeente": "de gemeente", "within_national": "alle gemeenten samen", "no_wave": "geen",
    },
    "en": {
        "table": "Sources: {sources}. Period: {period} (incidents and posts); survey: the latest wave up to the end of "
                 "the period (column 'Measured'). Incidents and posts per 1,000 inhabitants per year with the "
                 "population of the same year; incidents with an exact 95% interval (Poisson), survey figures with the "
                 "published 95% interval. Posts: only over the months the district page existed; for the municipality "
                 "the {posts_note}. 'unknown' says why: never read as zero.",
        "national": "{name}: inhabitants and incidents summed over all municipalities; a municipality with a "
                    "withheld or missing month does not count towards that figure (the cell says how many "
                    "municipalities it covers). Posts: the average over all districts with a district page. Survey: "
                    "the municipal figures of the same wave averaged with their number of inhabitants as weight (all "
                    "inhabitants, not only the surveyed people aged 15 and over), with the interval from the "
                    "municipalities' margins.",
        "pairs": "Sources: {sources}. Period: {period}; survey: latest wave. {method} Posts per 1,000 get no interval "
                 "and no test: posts are not a sample and come in runs (replies to one post), so a test would be "
                 "too certain.",
        "waves": "Source: {sources}. Latest wave up to the end of the period ({period}) against the wave before "
                 "it; significant only when the 95% interval of the difference does not contain 0. The download "
                 "holds both tables.",
        "scatter": "Sources: {police} ({period}); {survey} (wave {waves}); {posts} ({period}). Bars: 95% intervals. "
                   "Size: posts per 1,000 inhabitants per year; an open symbol = no posts figure (reason in the "
                   "table). Thick outline: chosen district. {scope}",
        "scope_gemeente": "All districts of the municipality take part, so 'less safe' and 'safer' compare within the "
                          "municipality.",
        "scope_national": "All districts of all municipalities take part, so 'less safe' and 'safer' compare "
                          "within that whole.",
        "dense": "{n} districts in the chart: names and bars only for the chosen districts; the other districts on "
                 "hover and in the table.",
        "perception_table": "Sources: {police} ({period}); {survey} (wave {waves}); {posts} ({period}). Difference "
                            "perception − registration in standard deviations within {within}, with 95% interval; "
                            "'Verdict' only when that interval does not contain 0. Empty cells: the reason is beside "
                            "them.",
        "within_gemeente": "the municipality", "within_national": "all municipalities together", "no_wave": "none",
    },
}[lang]

# --- All indicators side by side ---
st.subheader(tr("Alle indicatoren"))
st.dataframe(columns_in_language(view["table"]), hide_index=True, width="stretch", key="compare_table",
             height=35 * (len(view["table"]) + 1) + 3)  # every indicator in view, no inner scrolling
st.caption(TEXT["table"].format(sources=sources(q.SOURCE_POLICE, q.SOURCE_CBS_POP, q.SOURCE_POSTS, q.SOURCE_SURVEY),
                                period=period_text, posts_note=tr(qc.POSTS_AVERAGE_NOTE)))
if state.is_national:
    st.caption(TEXT["national"].format(name=state.gemeente_name))
if len(view["small"]):
    # Names as plain text (st.text): no Markdown, so no link can come out of a name.
    st.text(tr("Klein (minder dan {n} inwoners): {names}. Cijfers per 1.000 schommelen daar sterk; zo'n wijk krijgt "
               "geen plaats in een ranglijst.").format(n=settings.min_population_for_ranking,
                                                       names=", ".join(view["small"]["area_name"])))
downloads(state, columns_in_language(view["download"]), "vergelijken_indicatoren")

# --- Tested differences: between the chosen wijken and between survey waves ---
differences = view["differences"]
kind_pairs, kind_waves = tr(qc.DIFFERENCE_KINDS["wijken"]), tr(qc.DIFFERENCE_KINDS["metingen"])
st.subheader(tr("Verschillen tussen wijken"))
st.dataframe(columns_in_language(differences[differences["Soort"] == kind_pairs].drop(columns="Soort")),
             hide_index=True, width="stretch", key="compare_pairs")
st.caption(TEXT["pairs"].format(sources=sources(q.SOURCE_POLICE, q.SOURCE_SURVEY), period=period_text,
                                method=stats.method_explanation("difference", lang)))
st.subheader(tr("Verschil tussen metingen"))
waves = differences[differences["Soort"] == kind_waves].drop(columns="Soort")
if waves.empty:
    st.info(tr("Er is geen enquête voor deze wijken."))
else:
    st.dataframe(columns_in_language(waves), hide_index=True, width="stretch", key="compare_waves")
st.caption(TEXT["waves"].format(sources=sources(q.SOURCE_SURVEY), period=period_text))
downloads(state, columns_in_language(differences), "vergelijken_verschillen")

# --- Beleving versus registratie ---
st.subheader(tr("Beleving versus registratie"))
st.plotly_chart(figure_for(state.token, key, tuple(chosen), lang, perception), key="compare_scatter",
                config={"displaylogo": False})
plotted = perception[perception["incident_rate"].notna() & perception["unsafe_pct"].notna()]
survey_wave = ", ".join(sorted(plotted["survey_wave"].dropna().astype(str).unique())) or TEXT["no_wave"]
scatter_sources = dict(police=sources(q.SOURCE_POLICE), survey=sources(q.SOURCE_SURVEY), posts=sources(q.SOURCE_POSTS),
                       period=period_text, waves=survey_wave)
st.caption(TEXT["scatter"].format(**scatter_sources,
                                  scope=TEXT["scope_national" if state.is_national else "scope_gemeente"]))
if len(plotted) > qc.PERCEPTION_LABEL_LIMIT:
    st.caption(TEXT["dense"].format(n=qc.number(len(plotted), 0, lang)))
st.caption(escape_markdown(stats.method_explanation("beleving_vs_registratie", lang)))
missing = qc.missing_text(perception, lang)
if missing:
    st.text(missing)
perception_table = perception_table_for(state.token, key, lang, perception)
st.dataframe(perception_table, hide_index=True, width="stretch", key="compare_perception")
st.caption(TEXT["perception_table"].format(**scatter_sources,
                                           within=TEXT["within_national" if state.is_national else "within_gemeente"]))
downloads(state, perception_table, "vergelijken_beleving")
