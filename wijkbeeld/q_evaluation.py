"""Evaluatie: did the wijk pages go together with a change in registered crime or in the survey indicators?

For each wijk with a page (dim_page.launch_date via bridge_page_wijk) the indicators before and after its launch,
set against wijken without a page: difference-in-differences with staggered launches (stats.did_staggered,
intervals from a cluster bootstrap over wijken), the event study that shows the trends before the launch, and a
plain-language conclusion (stats.did_conclusion, Dutch and English) with the caveats written out. Monthly incidents
per 1,000 inhabitants (total and per crime group) and the survey indicators (two waves: only before/after).

For all gemeenten at once (gemeente NL00: the whole country in a national warehouse) every wijk of every gemeente
takes part: wijken with a page are compared with wijken without one in any gemeente, and wijk names carry their
gemeente. The frames keep Dutch text; the
*_display/figure functions and the *_en summary columns give the interface text in English.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wijkbeeld import i18n, stats
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse
from wijkbeeld.q_compare import number
from wijkbeeld.q_hotspots import GROUP_TOTAL, group_label

# Bootstrap draws per outcome: the interval is the bootstrap SE times a t quantile, and 200 draws estimate that SE
# within about 5% (relative SE of an SD from n draws: 1/sqrt(2(n-1))). The bootstrap is a few matrix products per
# outcome (stats._did_estimates), so the whole country needs no fewer draws; every outcome is computed once per
# build and cached.
EVALUATION_N_BOOT = 200
EVALUATION_SEED = 0
# The Veiligheidsmonitor asks its questions from about the end of August to December of the survey year; a page
# launched before 1 September of that year counts as 'before the wave' (its effect could show in that wave).
SURVEY_FIELDWORK_START_MONTH = 9
# Months before and after the launch in the per-wijk before/after table.
BEFORE_AFTER_MONTHS = 12

ROLE_TREATED = "met pagina"
ROLE_COMPARISON = "zonder pagina (vergelijking)"
ROLE_SMALL = "te klein: niet vergeleken"
ROLE_TOO_EARLY = "pagina al vóór de eerste maand met cijfers: niet vergeleken"
ROLE_UNKNOWN_START = "startdatum van de pagina onbekend: niet vergeleken"
ROLE_ORDER = [ROLE_TREATED, ROLE_COMPARISON, ROLE_SMALL, ROLE_TOO_EARLY, ROLE_UNKNOWN_START]

INDICATOR_PHRASES = {
    "onveilig_buurt": "het percentage dat zich weleens onveilig voelt in de eigen buurt",
    "onveilig_algemeen": "het percentage dat zich weleens onveilig voelt",
    "veel_criminaliteit_buurt": "het percentage dat denkt dat er veel criminaliteit in de buurt is",
    "rapportcijfer_veiligheid": "het rapportcijfer voor veiligheid in de buurt",
    "rapportcijfer_leefbaarheid": "het rapportcijfer voor de leefbaarheid van de woonbuurt",
    "fysieke_verloedering": "de schaalscore fysieke verloedering",
    "sociale_overlast": "de schaalscore sociale overlast",
    "sociale_cohesie": "de schaalscore sociale cohesie",
}
INDICATOR_PHRASES_EN = {
    "onveilig_buurt": "the percentage who sometimes feel unsafe in their own neighbourhood",
    "onveilig_algemeen": "the percentage who sometimes feel unsafe",
    "veel_criminaliteit_buurt": "the percentage who think there is a lot of crime in the neighbourhood",
    "rapportcijfer_veiligheid": "the rating of safety in the neighbourhood",
    "rapportcijfer_leefbaarheid": "the rating of the liveability of the neighbourhood",
    "fysieke_verloedering": "the scale score for physical decay",
    "sociale_overlast": "the scale score for social nuisance",
    "sociale_cohesie": "the scale score for social cohesion",
}

CAVEATS = [
    ("Weinig wijken", "Er zijn maar een handvol wijken met en zonder pagina. Eén wijk met een bijzonder jaar kan "
     "het hele resultaat verschuiven, en ook het interval is met zo weinig wijken zelf onzeker."),
    ("Niet geloot", "Wijken kregen hun pagina niet door loting. Verschillen tussen wijken met en zonder pagina "
     "kunnen dus ook komen door alles waarin die wijken al verschilden."),
    ("Pagina's begonnen waar problemen waren", "Een pagina start vaak in een wijk die op dat moment slecht scoort. "
     "Zo'n uitschieter zakt meestal vanzelf terug (regressie naar het gemiddelde); dat lijkt dan op een effect."),
    ("Andere maatregelen tegelijk", "Rond de start van een pagina kunnen ook andere dingen veranderd zijn "
     "(extra toezicht, een wijkagent, herinrichting, een buurtpreventie-app). Die zijn niet van het effect van de "
     "pagina te scheiden."),
    ("Registratie is niet hetzelfde als wat er gebeurt", "Politiecijfers tellen wat gemeld en geregistreerd is. "
     "Een wijkpagina kan mensen juist aansporen vaker aangifte te doen: meer geregistreerde misdrijven kan dan "
     "betekenen dat er meer gemeld wordt, niet dat er meer gebeurt."),
]
CAVEAT_FEW = CAVEATS[0][0]
# For all gemeenten at once: wijken are compared across gemeenten.
CAVEAT_NATIONAL = (
    "Wijken uit alle gemeenten", "Wijken met een pagina worden vergeleken met wijken zonder pagina in alle "
    "gemeenten. Verschillen tussen gemeenten (beleid, de politie-eenheid die registreert, het moment van de "
    "enquête) kunnen daardoor meespelen; kies een gemeente om alleen binnen die gemeente te vergelijken.")

SURVEY_LIMITS = (
    "Voor de enquête zijn er maar twee metingen. Daarmee zien we alleen of de verandering tussen de metingen in "
    "wijken met een pagina anders was dan in wijken zonder. We kunnen niet nagaan of die wijken vóór de start al "
    "uiteenliepen (er is geen eerdere trend om te vergelijken), niet zien wanneer een verandering begon, en niet "
    "zien of een effect blijft. Een pagina die pas na het begin van het veldwerk startte, telt voor die meting nog "
    "als 'zonder pagina'."
)

# Interface text of this module and its page, Dutch -> English (translated with this table first; registered
# where nobody registered the key yet).
EN = {
    **{title: en for title, en in [
        ("Weinig wijken", "Few districts"), ("Niet geloot", "Not chosen at random"),
        ("Pagina's begonnen waar problemen waren", "Pages started where there were problems"),
        ("Andere maatregelen tegelijk", "Other measures at the same time"),
        ("Registratie is niet hetzelfde als wat er gebeurt", "Registration is not the same as what happens"),
        ("Wijken uit alle gemeenten", "Districts from all municipalities"),
        ("Enquête: twee metingen", "Survey: two waves")]},
    CAVEATS[0][1]: "There are only a handful of districts with and without a page. One district with an unusual year "
                   "can shift the whole result, and with so few districts the interval itself is uncertain too.",
    CAVEATS[1][1]: "Districts did not get their page by lot. Differences between districts with and without a page "
                   "may therefore also come from everything in which those districts already differed.",
    CAVEATS[2][1]: "A page often starts in a district that scores badly at that moment. Such an outlier usually "
                   "falls back by itself (regression to the mean); that then looks like an effect.",
    CAVEATS[3][1]: "Around the launch of a page other things may have changed too (extra supervision, a community "
                   "police officer, redesign, a neighbourhood-watch app). They cannot be separated from the effect "
                   "of the page.",
    CAVEATS[4][1]: "Police figures count what is reported and registered. A district page may encourage people to "
                   "report more often: more registered crime can then mean more is reported, not that more happens.",
    CAVEAT_NATIONAL[1]: "Districts with a page are compared with districts without a page in all municipalities. "
                        "Differences between municipalities (policy, the police unit that registers, the timing of "
                        "the survey) can therefore play a part; choose a municipality to compare within it only.",
    SURVEY_LIMITS: "For the survey there are only two waves. With them we only see whether the change between the "
                   "waves was different in districts with a page than in districts without. We cannot check whether "
                   "those districts already diverged before the launch (there is no earlier trend to compare), "
                   "cannot see when a change began, and cannot see whether an effect lasts. A page that only started "
                   "after fieldwork began still counts as 'without a page' for that wave.",
    # Roles and reasons
    ROLE_TREATED: "with page",
    ROLE_COMPARISON: "without page (comparison)",
    ROLE_SMALL: "too small: not compared",
    ROLE_TOO_EARLY: "page before the first month with figures: not compared",
    ROLE_UNKNOWN_START: "page start date unknown: not compared",
    "geen wijkpagina": "no district page",
    "geen meting vóór de start": "no wave before the launch",
    "nog geen meting na de start": "no wave after the launch yet",
    "te weinig respondenten": "too few respondents",
    "onbekend": "unknown", "onbekend: {reason}": "unknown: {reason}", "ja": "yes", "nee": "no",
    "maand": "monthly", "enquête": "survey",
    # Units, labels, periods
    "per 1.000 per maand": "per 1,000 per month", "%": "%", "cijfer": "rating", "schaalscore": "scale score",
    "{group} per 1.000 inwoners per maand": "{group} per 1,000 inhabitants per month",
    "metingen {waves}": "survey waves {waves}", "geen enquête": "no survey", "geen politiecijfers": "no police figures",
    # Columns
    "Effect (verschil-in-verschillen)": "Effect (difference-in-differences)",
    "95%-interval": "95% interval",
    "Toets trends vooraf (p)": "Pre-trend test (p)",
    "Eenheid": "Unit",
    "Wijk": "District", "Code": "Code", "Gemeente": "Municipality",
    "Wijkpagina": "District page",
    "Start": "Start",
    "Rol in de vergelijking": "Role in the comparison",
    "Start pagina": "Page launch",
    "Vóór (gem. per maand)": "Before (avg. per month)",
    "Maanden vóór": "Months before",
    "Na (gem. per maand)": "After (avg. per month)",
    "Maanden na": "Months after",
    "Verandering": "Change",
    "Wijken zonder pagina: vóór": "Districts without page: before",
    "Wijken zonder pagina: na": "Districts without page: after",
    "Verandering zonder pagina": "Change without page",
    "Verschil in verandering": "Difference in change",
    "Interval zonder 0": "Interval excludes 0",
    "Wijken met pagina": "Districts with page",
    "Wijken zonder (of later)": "Districts without (or later)",
    "Perioden": "Periods",
    "Opmerkingen": "Notes",
    "Uitkomst": "Outcome",
    "Soort": "Kind",
    "Periode": "Period",
    "Ondergrens 95%": "Lower bound 95%",
    "Bovengrens 95%": "Upper bound 95%",
    "Meting vóór": "Wave before",
    "Waarde vóór": "Value before",
    "Meting na": "Wave after",
    "Waarde na": "Value after",
    "Gem. verandering zonder pagina": "Avg. change without page",
    "Wijken zonder pagina": "Districts without page",
    # Headings and page text
    "Evaluatie": "Evaluation",
    "Wijken met en zonder pagina": "Districts with and without a page",
    "Effect na de start": "Effect after launch",
    "Vóór en na de start per wijk": "Before and after launch per district",
    "Verloop rond de start": "Course around the launch",
    "Alle uitkomsten": "All outcomes",
    "Wat dit wel en niet laat zien": "What this can and cannot show",
    "Conclusie": "Conclusion",
    "Gemiddeld verschil in verandering na de start, wijken met tegen wijken zonder (of nog zonder) pagina.":
        "Average difference in change after launch, districts with against districts without (or not yet with) a page.",
    "Cluster-bootstrap over wijken (hele wijken opnieuw getrokken), {n} trekkingen.":
        "Cluster bootstrap over districts (whole districts resampled), {n} draws.",
    "Een kleine p (< 0,05) betekent dat de wijken vóór de start al uiteenliepen; dan is de vergelijking minder "
    "betrouwbaar.": "A small p (< 0.05) means the districts already diverged before launch; the comparison is then "
                    "less reliable.",
    "Er is geen wijk met een pagina en cijfers vóór én na de start.":
        "There is no district with a page and figures both before and after launch.",
    "{lower} tot {upper}": "{lower} to {upper}",
    "niet te berekenen": "cannot be computed",
    "niet mogelijk: geen metingen vóór de laatste meting vóór de start":
        "not possible: no waves before the last wave before the launch",
    "niet mogelijk: te weinig maanden vóór de start": "not possible: too few months before the launch",
    "Uitkomst '{value}' bestaat niet; de eerste is gekozen.": "Outcome '{value}' does not exist; the first was chosen.",
    "Geen vergelijking mogelijk: er zijn geen wijken met een pagina en tegelijk wijken zonder pagina met cijfers "
    "vóór en na de start.": "No comparison possible: there are no districts with a page alongside districts without "
                             "a page that have figures before and after the launch.",
    # The event-study chart
    "Maanden ten opzichte van de start (0 = startmaand)": "Months relative to the launch (0 = launch month)",
    "Metingen ten opzichte van de start (0 = eerste meting na de start)":
        "Waves relative to the launch (0 = first wave after the launch)",
    "Periode {period}: {estimate} (95%: {lower} tot {upper})": "Period {period}: {estimate} (95%: {lower} to {upper})",
    "{n} wijk(en) met pagina": "{n} district(s) with a page",
    "Schatting": "Estimate",
    "Verschil met wijken zonder pagina ({unit})": "Difference from districts without a page ({unit})",
    "laatste meting vóór de start": "last wave before the launch",
    "eerste meting na de start": "first wave after the launch",
}
i18n.register({k: v for k, v in EN.items() if k not in i18n.EN})  # never override another page's wording


tr = i18n.translator(EN, stats.TEXT_EN)  # tr(text, lang): this module's wording first


def columns_in(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Headers of this module's display frames in `lang` (only this module's table)."""
    return frame.rename(columns=EN) if lang == "en" else frame


def caveats(lang: str = "nl", *, national: bool = False, n_treated: int | None = None,
            n_comparison: int | None = None) -> list[tuple[str, str]]:
    """(title, text) of what the evaluation cannot show, in `lang`. 'Weinig wijken' only when there are few
    (unknown counts keep it); for all gemeenten at once the comparison across gemeenten is a caveat of its own."""
    few = (n_treated is None or n_comparison is None
           or n_treated < stats.DID_FEW_AREAS or n_comparison < stats.DID_FEW_AREAS)
    chosen = [c for c in CAVEATS if few or c[0] != CAVEAT_FEW]
    if national:
        chosen.append(CAVEAT_NATIONAL)
    return [(tr(title, lang), tr(text, lang)) for title, text in chosen]


def survey_limits(lang: str = "nl") -> str:
    return tr(SURVEY_LIMITS, lang)

Q_WIJKEN = """
WITH page AS (
    SELECT b.wijk_code, min(d.launch_date) AS launch_date,
           string_agg(d.page_name, '; ' ORDER BY d.page_name) AS page_names, count(*) AS pages
    FROM bridge_page_wijk b JOIN dim_page d USING (page_id)
    GROUP BY b.wijk_code
), smallest AS (
    SELECT area_code AS wijk_code, min(population) AS min_population FROM fct_population GROUP BY area_code
)
SELECT w.wijk_code, w.wijk_name, g.gemeente_name, page.launch_date, page.page_names, page.pages,
       smallest.min_population
FROM dim_wijk w LEFT JOIN page USING (wijk_code) LEFT JOIN smallest USING (wijk_code)
LEFT JOIN dim_gemeente g ON g.gemeente_code = w.gemeente_code
WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
ORDER BY w.wijk_code
"""

Q_MONTHLY = """
WITH series AS (
    SELECT area_code, month, crime_group, incident_count FROM mart_incident_group_month WHERE level = 'wijk'
    UNION ALL
    SELECT area_code, month, 'totaal', incident_count FROM mart_incident_total_month WHERE level = 'wijk'
)
SELECT s.area_code AS wijk_code, s.month, s.crime_group AS "group", s.incident_count, p.population
FROM series s
JOIN dim_wijk w ON w.wijk_code = s.area_code
LEFT JOIN fct_population p ON p.area_code = s.area_code AND p.year = year(s.month)
WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
ORDER BY s.area_code, s.crime_group, s.month
"""

Q_SURVEY = """
SELECT s.area_code AS wijk_code, year(s.period_start) AS wave, s.indicator, s.value, s.lower, s.upper, s.respondents
FROM fct_survey s JOIN dim_wijk w ON w.wijk_code = s.area_code
WHERE (w.gemeente_code = $gm OR $gm = 'NL00')
"""

Q_INDICATORS = "SELECT indicator, label, unit FROM dim_indicator"

SUMMARY_COLUMNS = ["outcome", "label", "kind", "unit", "att", "lower", "upper", "se", "significant", "n_areas",
                   "n_treated", "n_comparison", "n_cohorts", "n_periods", "pre_trend_p", "period", "conclusion",
                   "notes", "label_en", "period_en", "conclusion_en", "notes_en", "n_boot"]


def launch_wave(launch: pd.Series) -> pd.Series:
    """The first survey year whose fieldwork starts after the launch."""
    stamps = pd.to_datetime(launch)
    before_fieldwork = stamps.dt.month < SURVEY_FIELDWORK_START_MONTH
    return (stamps.dt.year + np.where(before_fieldwork, 0, 1)).astype("Int64")


def _roles(wijken: pd.DataFrame, first_month: pd.Timestamp | None, min_population: int) -> pd.Series:
    launch_month = pd.to_datetime(wijken["launch_date"]).dt.to_period("M").dt.to_timestamp()
    small = wijken["min_population"].astype("Float64") < min_population
    role = pd.Series(np.where(launch_month.notna(), ROLE_TREATED, ROLE_COMPARISON), index=wijken.index, dtype="object")
    if first_month is not None:
        role = role.mask(launch_month <= first_month, ROLE_TOO_EARLY)
    # A page without a known start cannot be placed before or after anything; it is no comparison wijk either.
    role = role.mask(wijken["page_names"].notna() & launch_month.isna(), ROLE_UNKNOWN_START)
    return role.mask(small.fillna(True).astype(bool), ROLE_SMALL)


def _monthly_panel(raw: pd.DataFrame, wijken: pd.DataFrame) -> pd.DataFrame:
    """Incidents per 1,000 inhabitants per month (population of the same year); withheld months stay NA."""
    panel = raw.merge(wijken[["wijk_code", "launch_month"]], on="wijk_code", how="left")
    panel["month"] = pd.to_datetime(panel["month"])
    count = panel["incident_count"].astype("Float64")
    population = panel["population"].astype("Float64")
    panel["rate"] = (count / population.where(population > 0) * 1000).astype("Float64")
    return panel


def _run_did(panel: pd.DataFrame, *, period_col: str, launch_col: str, n_boot: int) -> stats.DidResult:
    return stats.did_staggered(panel, area_col="wijk_code", period_col=period_col, outcome_col="outcome",
                               launch_col=launch_col, n_boot=n_boot, seed=EVALUATION_SEED)


def _summary_row(outcome: str, label: tuple[str, str], kind: str, unit: str, phrase: tuple[str, str],
                 period: tuple[str, str], result: stats.DidResult) -> dict:
    """One summary row; label, phrase and period as (Dutch, English), the texts in both languages."""
    interval = np.isfinite(result.lower) and np.isfinite(result.upper)
    return {
        "outcome": outcome, "label": label[0], "kind": kind, "unit": unit, "att": result.att, "lower": result.lower,
        "upper": result.upper, "se": result.se,
        "significant": (result.lower > 0 or result.upper < 0) if interval else pd.NA,
        "n_areas": result.n_areas, "n_treated": result.n_treated_areas,
        "n_comparison": result.n_areas - result.n_treated_areas, "n_cohorts": result.n_cohorts,
        "n_periods": result.n_periods, "pre_trend_p": result.pre_trend_p_value, "period": period[0],
        "conclusion": stats.did_conclusion(result, phrase[0]), "notes": " ".join(result.notes),
        "label_en": label[1], "period_en": period[1], "conclusion_en": stats.did_conclusion(result, phrase[1], "en"),
        "notes_en": " ".join(stats.did_notes(result, "en")), "n_boot": result.n_boot,
    }


def wijk_labels(wijken: pd.DataFrame, gemeente: str) -> pd.Series:
    """Wijk names, with the gemeente for all gemeenten at once ('Centrum (Waalwijk)'): names repeat across
    gemeenten."""
    if gemeente != q.NATIONAL:
        return wijken["wijk_name"]
    return wijken["wijk_name"] + " (" + wijken["gemeente_name"].fillna("?") + ")"


def q_evaluation(wh: Warehouse, *, gemeente: str, min_population: int, min_respondents: int,
                 n_boot: int = EVALUATION_N_BOOT) -> dict[str, pd.DataFrame]:
    """Every outcome at once (cache this): 'summary' (one row per outcome: effect, interval, pre-trend test,
    conclusion in Dutch and English), 'event_study' (per outcome and period relative to the launch), 'wijken' (who
    is compared, and why not), 'before_after' (per wijk with a page: 12 months before and after its launch against
    the wijken without a page in the same months) and 'survey_before_after' (per wijk with a page: the wave before
    and after). For NL00 all wijken of the country take part."""
    wijken = wh.query(Q_WIJKEN, {"gm": gemeente})
    wijken["wijk_name"] = wijk_labels(wijken, gemeente)
    raw = wh.query(Q_MONTHLY, {"gm": gemeente})
    survey = wh.query(Q_SURVEY, {"gm": gemeente})
    indicators = wh.query(Q_INDICATORS).set_index("indicator")
    first_month = pd.Timestamp(raw["month"].min()) if len(raw) else None
    wijken["launch_month"] = pd.to_datetime(wijken["launch_date"]).dt.to_period("M").dt.to_timestamp()
    wijken["role"] = _roles(wijken, first_month, min_population)
    compared = wijken[wijken["role"].isin([ROLE_TREATED, ROLE_COMPARISON])]

    summaries, events = [], []
    panel = _monthly_panel(raw, wijken)
    panel = panel[panel["wijk_code"].isin(compared["wijk_code"])]
    if len(raw):
        first, last = pd.Timestamp(raw["month"].min()).date(), pd.Timestamp(raw["month"].max()).date()
        period_monthly = (i18n.span_label(first, last, "nl"), i18n.span_label(first, last, "en"))
    else:
        period_monthly = ("geen politiecijfers", tr("geen politiecijfers", "en"))
    groups = [GROUP_TOTAL] + sorted(g for g in panel["group"].unique() if g != GROUP_TOTAL)
    for group in groups:
        part = panel[panel["group"] == group].rename(columns={"rate": "outcome"})
        if part.empty:
            continue
        result = _run_did(part, period_col="month", launch_col="launch_month", n_boot=n_boot)
        name, name_en = group_label(group), tr(group_label(group), "en")
        label = (f"{name} per 1.000 inwoners per maand",
                 tr("{group} per 1.000 inwoners per maand", "en").format(group=name_en))
        phrase = (f"het aantal geregistreerde {name.lower()} per 1.000 inwoners per maand",
                  f"the number of registered {name_en.lower()} per 1,000 inhabitants per month")
        if group == GROUP_TOTAL:
            phrase = ("het aantal geregistreerde misdrijven per 1.000 inwoners per maand",
                      "the number of registered crimes per 1,000 inhabitants per month")
        summaries.append(_summary_row(f"maand:{group}", label, "maand", "per 1.000 per maand", phrase,
                                      period_monthly, result))
        events.append(result.event_study.assign(outcome=f"maand:{group}"))

    survey_panel = survey.merge(compared[["wijk_code", "launch_date"]], on="wijk_code", how="inner")
    too_few = survey_panel["respondents"].astype("Float64") < min_respondents
    survey_panel["outcome"] = survey_panel["value"].astype("Float64").mask(too_few.fillna(False))
    survey_panel["launch_wave"] = launch_wave(survey_panel["launch_date"])
    waves = ", ".join(str(int(w)) for w in sorted(survey_panel["wave"].dropna().unique().tolist()))
    period_survey = ((f"metingen {waves}", tr("metingen {waves}", "en").format(waves=waves)) if waves
                     else ("geen enquête", tr("geen enquête", "en")))
    present = set(survey_panel["indicator"])
    for indicator in [i for i in indicators.index if i in present]:
        part = survey_panel[survey_panel["indicator"] == indicator]
        if part["outcome"].notna().sum() == 0:
            continue
        result = _run_did(part, period_col="wave", launch_col="launch_wave", n_boot=n_boot)
        name = str(indicators.loc[indicator, "label"])
        name_en = tr(name, "en")
        phrase = (INDICATOR_PHRASES.get(indicator, f"de indicator '{name.lower()}'"),
                  INDICATOR_PHRASES_EN.get(indicator, f"the indicator '{name_en.lower()}'"))
        summaries.append(_summary_row(f"enquete:{indicator}", (name, name_en), "enquête",
                                      str(indicators.loc[indicator, "unit"]), phrase, period_survey, result))
        events.append(result.event_study.assign(outcome=f"enquete:{indicator}"))

    summary = pd.DataFrame(summaries, columns=SUMMARY_COLUMNS)
    event_study = (pd.concat(events, ignore_index=True) if events
                   else pd.DataFrame(columns=["outcome", "relative_period", "estimate", "lower", "upper", "se",
                                              "n_cohorts", "n_treated", "reference"]))
    return {
        "summary": summary,
        "event_study": event_study,
        "wijken": wijken[["wijk_code", "wijk_name", "launch_date", "page_names", "min_population", "role"]],
        "before_after": _before_after(panel, compared),
        "survey_before_after": _survey_before_after(survey_panel, compared, indicators),
    }


def _before_after(panel: pd.DataFrame, compared: pd.DataFrame) -> pd.DataFrame:
    """Per wijk with a page and outcome: mean monthly rate in the BEFORE_AFTER_MONTHS months before the launch
    month and from the launch month on, and the same for the wijken without a page over the same calendar months
    (mean over the comparison wijken of each wijk's own mean, so every comparison wijk weighs the same)."""
    treated = compared[compared["role"] == ROLE_TREATED][["wijk_code", "wijk_name", "launch_month"]]
    comparison_codes = compared.loc[compared["role"] == ROLE_COMPARISON, "wijk_code"]
    if treated.empty or panel.empty:
        return pd.DataFrame()
    month_number = lambda stamps: stamps.dt.year * 12 + stamps.dt.month - 1  # noqa: E731

    own = panel.merge(treated[["wijk_code"]], on="wijk_code")
    rel = month_number(own["month"]) - month_number(own["launch_month"])
    side = np.where((rel >= -BEFORE_AFTER_MONTHS) & (rel < 0), "before",
                    np.where((rel >= 0) & (rel < BEFORE_AFTER_MONTHS), "after", None))
    own = own.assign(side=side).dropna(subset=["side"])
    own_stats = own.groupby(["wijk_code", "group", "side"])["rate"].agg(["mean", "count"]).unstack("side")

    # The comparison depends on the launch month only, not on the treated wijk: one group x wijk x month array of
    # the comparison wijken, and the before/after windows of every distinct launch month as month masks.
    others = panel[panel["wijk_code"].isin(comparison_codes)]
    groups = sorted(panel["group"].unique())
    launches = np.sort(month_number(treated["launch_month"]).unique())
    first = int(min(month_number(panel["month"]).min(), launches.min() - BEFORE_AFTER_MONTHS))
    last = int(max(month_number(panel["month"]).max(), launches.max() + BEFORE_AFTER_MONTHS))
    months = np.arange(first, last + 1)
    codes = pd.Index(pd.unique(others["wijk_code"]))
    values = np.full((len(groups), len(codes), len(months)), np.nan)
    values[pd.Index(groups).get_indexer(others["group"]), codes.get_indexer(others["wijk_code"]),
           (month_number(others["month"]) - first).to_numpy()] = others["rate"].to_numpy(dtype=float, na_value=np.nan)
    rel_months = months[None, :] - launches[:, None]
    windows = {"before": (rel_months >= -BEFORE_AFTER_MONTHS) & (rel_months < 0),
               "after": (rel_months >= 0) & (rel_months < BEFORE_AFTER_MONTHS)}
    known = np.isfinite(values)
    filled = np.where(known, values, 0.0)
    comparison_parts = {}
    for name, mask in windows.items():
        total = np.einsum("gwm,lm->glw", filled, mask.astype(float))
        count = np.einsum("gwm,lm->glw", known.astype(float), mask.astype(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            per_wijk = np.where(count > 0, total / count, np.nan)   # each comparison wijk's own mean
            n_wijken = np.isfinite(per_wijk).sum(axis=2)
            mean = np.where(n_wijken > 0, np.nansum(per_wijk, axis=2) / np.maximum(n_wijken, 1), np.nan)
        comparison_parts[name] = (mean, n_wijken)          # group x launch
    key = pd.MultiIndex.from_product([groups, launches], names=["group", "launch"])
    comparison = pd.DataFrame({
        "comparison_before": comparison_parts["before"][0].ravel(),
        "comparison_after": comparison_parts["after"][0].ravel(),
        "comparison_wijken": np.where(comparison_parts["after"][1] > 0, comparison_parts["after"][1], np.nan).ravel(),
    }, index=key)

    get = lambda stat, side: (own_stats[(stat, side)] if (stat, side) in own_stats.columns  # noqa: E731
                              else pd.Series(np.nan, index=own_stats.index))
    out = pd.DataFrame({
        "before_mean": get("mean", "before"), "before_months": get("count", "before"),
        "after_mean": get("mean", "after"), "after_months": get("count", "after"),
    }, index=own_stats.index).reset_index()
    out = out.merge(treated, on="wijk_code")
    lookup = pd.MultiIndex.from_arrays([out["group"], month_number(out["launch_month"])])
    matched = comparison.reindex(lookup)
    for column in comparison.columns:
        out[column] = matched[column].to_numpy()
    out["change"] = out["after_mean"] - out["before_mean"]
    out["comparison_change"] = out["comparison_after"] - out["comparison_before"]
    out["difference_in_change"] = out["change"] - out["comparison_change"]
    out["outcome"] = "maand:" + out["group"]
    for column in ("before_mean", "after_mean", "comparison_before", "comparison_after", "change",
                   "comparison_change", "difference_in_change"):
        out[column] = out[column].astype("Float64")
    for column in ("before_months", "after_months", "comparison_wijken"):
        out[column] = out[column].astype("Float64").round().astype("Int64")
    return out.sort_values(["outcome", "launch_month", "wijk_code"]).reset_index(drop=True)


def _survey_before_after(survey_panel: pd.DataFrame, compared: pd.DataFrame,
                         indicators: pd.DataFrame) -> pd.DataFrame:
    """Per wijk with a page and survey indicator: the last wave before its launch and the first after it, the
    change with its 95% interval (stats.difference) and the mean change of the wijken without a page between the
    same two waves (over the comparison wijken with both waves known)."""
    if survey_panel.empty:
        return pd.DataFrame()
    data = survey_panel.copy()
    treated_codes = compared.loc[compared["role"] == ROLE_TREATED, "wijk_code"]
    treated = data[data["wijk_code"].isin(treated_codes)]
    before = treated[treated["wave"] < treated["launch_wave"]].sort_values("wave").groupby(
        ["wijk_code", "indicator"]).tail(1).set_index(["wijk_code", "indicator"])
    after = treated[treated["wave"] >= treated["launch_wave"]].sort_values("wave").groupby(
        ["wijk_code", "indicator"]).head(1).set_index(["wijk_code", "indicator"])
    index = before.index.union(after.index)
    before, after = before.reindex(index), after.reindex(index)
    diff = stats.difference(after["outcome"], after["lower"], after["upper"],
                            before["outcome"], before["lower"], before["upper"])

    # The comparison per (indicator, wave before, wave after): one join of the comparison wijken's two waves.
    comparison = data.loc[data["wijk_code"].isin(compared.loc[compared["role"] == ROLE_COMPARISON, "wijk_code"]),
                          ["wijk_code", "indicator", "wave", "outcome"]]
    comparison = comparison[comparison["outcome"].notna()]
    keys = pd.DataFrame({"indicator": index.get_level_values("indicator"),
                         "before_wave": before["wave"].astype("Float64").to_numpy(),
                         "after_wave": after["wave"].astype("Float64").to_numpy()})
    pairs = keys.dropna().drop_duplicates()
    changes = (pairs.merge(comparison.rename(columns={"wave": "before_wave", "outcome": "_before"})
                           .astype({"before_wave": "Float64"}), on=["indicator", "before_wave"])
               .merge(comparison.rename(columns={"wave": "after_wave", "outcome": "_after"})
                      .astype({"after_wave": "Float64"}), on=["indicator", "after_wave", "wijk_code"]))
    changes["_change"] = changes["_after"].astype(float) - changes["_before"].astype(float)
    per_pair = changes.groupby(["indicator", "before_wave", "after_wave"])["_change"].agg(["mean", "count"])
    matched = per_pair.reindex(pd.MultiIndex.from_frame(keys))
    names = compared.set_index("wijk_code")["wijk_name"]
    launches = compared.set_index("wijk_code")["launch_date"]
    codes = index.get_level_values("wijk_code")
    out = pd.DataFrame({
        "wijk_code": codes, "wijk_name": names.reindex(codes).to_numpy(),
        "launch_date": launches.reindex(codes).to_numpy(),
        "outcome": "enquete:" + pd.Index(index.get_level_values("indicator")),
        "label": indicators["label"].reindex(index.get_level_values("indicator")).to_numpy(),
        "before_wave": before["wave"].astype("Int64").array, "before_value": before["outcome"].to_numpy(),
        "before_lower": before["lower"].to_numpy(), "before_upper": before["upper"].to_numpy(),
        "after_wave": after["wave"].astype("Int64").array, "after_value": after["outcome"].to_numpy(),
        "after_lower": after["lower"].to_numpy(), "after_upper": after["upper"].to_numpy(),
        "change": diff["difference"].to_numpy(), "change_lower": diff["lower"].to_numpy(),
        "change_upper": diff["upper"].to_numpy(), "significant": diff["significant"].to_numpy(),
        "comparison_change": matched["mean"].to_numpy(dtype=float),
        "comparison_wijken": matched["count"].fillna(0).to_numpy(dtype=int),
    })
    out["reason"] = pd.array(np.where(out["before_wave"].isna(), "geen meting vóór de start",
                                      np.where(out["after_wave"].isna(), "nog geen meting na de start",
                                               np.where(pd.isna(out["change"]), "te weinig respondenten", None))),
                             dtype="string")
    for column in ("before_value", "before_lower", "before_upper", "after_value", "after_lower", "after_upper",
                   "change", "change_lower", "change_upper", "comparison_change"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64")
    return out.sort_values(["outcome", "wijk_code"]).reset_index(drop=True)


def text_of(row: pd.Series, column: str, lang: str) -> str:
    """A summary text column ('label', 'period', 'conclusion', 'notes') in `lang`."""
    value = row[f"{column}_en"] if lang == "en" and f"{column}_en" in row.index else row[column]
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def outcome_options(summary: pd.DataFrame, lang: str = "nl") -> dict[str, str]:
    labels = summary["label_en"] if lang == "en" and "label_en" in summary.columns else summary["label"]
    return dict(zip(summary["outcome"], labels))


def unit_text(unit: str, lang: str = "nl") -> str:
    return tr(str(unit), lang)


def _yes_no(significant, lang: str) -> list[str]:
    return [tr("onbekend", lang) if pd.isna(s) else tr("ja" if bool(s) else "nee", lang) for s in significant]


def summary_display(summary: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    text = lambda column: summary[f"{column}_en"] if lang == "en" else summary[column]  # noqa: E731
    return pd.DataFrame({
        "Uitkomst": text("label"), "Soort": [tr(k, lang) for k in summary["kind"]],
        "Effect (verschil-in-verschillen)": summary["att"].astype(float).round(3),
        "Ondergrens 95%": summary["lower"].astype(float).round(3),
        "Bovengrens 95%": summary["upper"].astype(float).round(3),
        "Interval zonder 0": _yes_no(summary["significant"], lang),
        "Toets trends vooraf (p)": summary["pre_trend_p"].astype(float).round(3),
        "Wijken met pagina": summary["n_treated"], "Wijken zonder (of later)": summary["n_comparison"],
        "Perioden": summary["n_periods"], "Periode": text("period"), "Opmerkingen": text("notes"),
    })


def before_after_display(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    part = table[table["outcome"] == outcome] if len(table) else table
    if part.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "Wijk": part["wijk_name"], "Start pagina": pd.to_datetime(part["launch_month"]).dt.strftime("%m-%Y"),
        "Vóór (gem. per maand)": part["before_mean"].round(2), "Maanden vóór": part["before_months"],
        "Na (gem. per maand)": part["after_mean"].round(2), "Maanden na": part["after_months"],
        "Verandering": part["change"].round(2),
        "Wijken zonder pagina: vóór": part["comparison_before"].round(2),
        "Wijken zonder pagina: na": part["comparison_after"].round(2),
        "Verandering zonder pagina": part["comparison_change"].round(2),
        "Verschil in verandering": part["difference_in_change"].round(2),
    }).reset_index(drop=True)


def survey_before_after_display(table: pd.DataFrame, outcome: str, lang: str = "nl") -> pd.DataFrame:
    part = table[table["outcome"] == outcome] if len(table) else table
    if part.empty:
        return pd.DataFrame()
    significant = [tr("onbekend: {reason}", lang).format(reason=tr(r, lang)) if pd.notna(r)
                   else tr("ja" if bool(s) else "nee", lang) if pd.notna(s) else tr("onbekend", lang)
                   for s, r in zip(part["significant"], part["reason"])]
    return pd.DataFrame({
        "Wijk": part["wijk_name"], "Start pagina": pd.to_datetime(part["launch_date"]).dt.strftime("%d-%m-%Y"),
        "Meting vóór": part["before_wave"], "Waarde vóór": part["before_value"].round(1),
        "Meting na": part["after_wave"], "Waarde na": part["after_value"].round(1),
        "Verandering": part["change"].round(1), "Ondergrens 95%": part["change_lower"].round(1),
        "Bovengrens 95%": part["change_upper"].round(1), "Interval zonder 0": significant,
        "Gem. verandering zonder pagina": part["comparison_change"].round(1),
        "Wijken zonder pagina": part["comparison_wijken"],
    }).reset_index(drop=True)


def wijken_display(wijken: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    return pd.DataFrame({
        "Wijk": wijken["wijk_name"], "Code": wijken["wijk_code"],
        "Wijkpagina": wijken["page_names"].astype("string").fillna(tr("geen wijkpagina", lang)),
        "Start": pd.to_datetime(wijken["launch_date"]).dt.strftime("%d-%m-%Y"),
        "Rol in de vergelijking": [tr(r, lang) for r in wijken["role"]],
    }).reset_index(drop=True)


def role_counts(wijken: pd.DataFrame) -> pd.Series:
    """How many wijken have each role, in ROLE_ORDER (roles nobody has left out)."""
    counts = wijken["role"].value_counts()
    return counts.reindex([r for r in ROLE_ORDER if r in counts.index])


def event_figure(events: pd.DataFrame, *, unit: str, kind: str, lang: str = "nl") -> go.Figure:
    """Estimates per period relative to the launch with 95% intervals; the reference period (-1) is 0 by
    construction and drawn open; a dashed line marks the launch. Text in `lang` (`unit` already in it)."""
    data = events.sort_values("relative_period")
    reference = data["reference"].astype(bool)
    x_title = tr("Maanden ten opzichte van de start (0 = startmaand)" if kind == "maand" else
                 "Metingen ten opzichte van de start (0 = eerste meting na de start)", lang)
    hover = [tr("Periode {period}: {estimate} (95%: {lower} tot {upper})", lang).format(
                 period=int(r), estimate=number(e, 2, lang), lower=number(lo, 2, lang), upper=number(hi, 2, lang))
             + "<br>" + tr("{n} wijk(en) met pagina", lang).format(n=int(n))
             for r, e, lo, hi, n in zip(data["relative_period"], data["estimate"], data["lower"], data["upper"],
                                        data["n_treated"])]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=data["relative_period"].astype(float), y=data["estimate"].astype(float), mode="markers+lines",
        name=tr("Schatting", lang), line=dict(color="#31688e", width=1),
        marker=dict(color="#31688e", size=8, symbol=["circle-open" if r else "circle" for r in reference]),
        error_y=dict(type="data", symmetric=False, array=(data["upper"] - data["estimate"]).astype(float),
                     arrayminus=(data["estimate"] - data["lower"]).astype(float), color="#31688e", thickness=1),
        hovertext=hover, hoverinfo="text"))
    fig.add_hline(y=0, line=dict(color="#555555", width=1))
    fig.add_vline(x=-0.5, line=dict(color="#000000", width=1, dash="dash"))
    fig.update_layout(xaxis_title=x_title, yaxis_title=tr("Verschil met wijken zonder pagina ({unit})", lang).format(
                          unit=unit), height=420, margin=dict(l=10, r=10, t=30, b=10), template="plotly_white",
                      showlegend=False)
    if kind == "maand":
        fig.update_xaxes(tick0=0, dtick=6)
    else:  # two waves: name the two points instead of a numeric axis
        fig.update_xaxes(tickvals=[-1, 0], ticktext=[tr("laatste meting vóór de start", lang),
                                                     tr("eerste meting na de start", lang)], range=[-1.5, 0.5])
    return fig


SOURCE_LAUNCH = "wijkpagina's (startdatum)"
SOURCE_PAGES = "wijkpagina's (naam en startdatum)"
SOURCES = {"maand": f"{q.SOURCE_POLICE}; {q.SOURCE_CBS_POP}; {SOURCE_LAUNCH}",
           "enquête": f"{q.SOURCE_SURVEY}; {SOURCE_LAUNCH}"}
EN.update({SOURCE_LAUNCH: "district pages (launch date)", SOURCE_PAGES: "district pages (name and launch date)"})
i18n.register({k: EN[k] for k in (SOURCE_LAUNCH, SOURCE_PAGES) if k not in i18n.EN})


def bench(gemeente: str | None = None) -> dict[str, float]:
    """Evaluatie page on the configured warehouse: monthly crime (default) and a survey outcome, for the first
    gemeente or `gemeente` (e.g. NL00: every wijk of every gemeente, the slowest cold run)."""
    from wijkbeeld.q_hotspots import bench_page

    place = {"gm": gemeente} if gemeente else {}
    default = bench_page("pages/evaluatie.py", place)
    survey = bench_page("pages/evaluatie.py", {**place, "uitkomst": "enquete:onveilig_buurt"})
    return {**default, "warm_survey_ms": survey["warm_ms"]}


if __name__ == "__main__":  # pragma: no cover - manual benchmark: python -m wijkbeeld.q_evaluation [NL00]
    import sys

    print(bench(sys.argv[1] if len(sys.argv) > 1 else None))
