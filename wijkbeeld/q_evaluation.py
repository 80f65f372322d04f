"""Evaluatie: did the wijk pages go together with a change in registered crime or in the survey indicators?

For each wijk with a page (dim_page.launch_date via bridge_page_wijk) the indicators before and after its launch,
set against wijken without a page: difference-in-differences with staggered launches (stats.did_staggered,
intervals from a cluster bootstrap over wijken), the event study that shows the trends before the launch, and a
plain-Dutch conclusion (stats.did_conclusion) with the caveats written out. Monthly incidents per 1,000 inhabitants
(total and per crime group) and the survey indicators (two waves: only before/after).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wijkbeeld import i18n, stats
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse
from wijkbeeld.q_hotspots import GROUP_TOTAL, group_label, month_span, nl_number

# Bootstrap draws per outcome: the interval is the bootstrap SE times a t quantile, which 200 draws estimate well
# enough; every outcome is computed once per build and cached, so the page itself stays fast.
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

SURVEY_LIMITS = (
    "Voor de enquête zijn er maar twee metingen. Daarmee zien we alleen of de verandering tussen de metingen in "
    "wijken met een pagina anders was dan in wijken zonder. We kunnen niet nagaan of die wijken vóór de start al "
    "uiteenliepen (er is geen eerdere trend om te vergelijken), niet zien wanneer een verandering begon, en niet "
    "zien of een effect blijft. Een pagina die pas na het begin van het veldwerk startte, telt voor die meting nog "
    "als 'zonder pagina'."
)

i18n.register({
    "Effect (verschil-in-verschillen)": "Effect (difference-in-differences)",
    "95%-interval": "95% interval",
    "Toets trends vooraf (p)": "Pre-trend test (p)",
    "Eenheid": "Unit",
    "Gemiddeld verschil in verandering na de start, wijken met tegen wijken zonder (of nog zonder) pagina.":
        "Average difference in change after launch, districts with against districts without (or not yet with) a page.",
    "Cluster-bootstrap over wijken (hele wijken opnieuw getrokken).":
        "Cluster bootstrap over districts (whole districts resampled).",
    "Een kleine p (< 0,05) betekent dat de wijken vóór de start al uiteenliepen; dan is de vergelijking minder betrouwbaar.":
        "A small p (< 0.05) means the districts already diverged before launch; the comparison is then less reliable.",
    "Er is geen wijk met een pagina en cijfers vóór én na de start.":
        "There is no district with a page and figures both before and after launch.",
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
    "Evaluatie": "Evaluation",
    "Uitkomst": "Outcome",
    "Wijken met en zonder pagina": "Districts with and without a page",
    "Effect na de start": "Effect after launch",
    "Vóór en na de start per wijk": "Before and after launch per district",
    "Verloop rond de start": "Course around the launch",
    "Alle uitkomsten": "All outcomes",
    "Wat dit wel en niet laat zien": "What this can and cannot show",
    "Conclusie": "Conclusion",
})

Q_WIJKEN = """
WITH page AS (
    SELECT b.wijk_code, min(d.launch_date) AS launch_date,
           string_agg(d.page_name, '; ' ORDER BY d.page_name) AS page_names, count(*) AS pages
    FROM bridge_page_wijk b JOIN dim_page d USING (page_id)
    GROUP BY b.wijk_code
)
SELECT w.wijk_code, w.wijk_name, page.launch_date, page.page_names, page.pages,
       (SELECT min(p.population) FROM fct_population p WHERE p.area_code = w.wijk_code) AS min_population
FROM dim_wijk w LEFT JOIN page USING (wijk_code)
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
                   "notes"]


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


def _summary_row(outcome: str, label: str, kind: str, unit: str, phrase: str, period: str,
                 result: stats.DidResult) -> dict:
    interval = np.isfinite(result.lower) and np.isfinite(result.upper)
    return {
        "outcome": outcome, "label": label, "kind": kind, "unit": unit, "att": result.att, "lower": result.lower,
        "upper": result.upper, "se": result.se,
        "significant": (result.lower > 0 or result.upper < 0) if interval else pd.NA,
        "n_areas": result.n_areas, "n_treated": result.n_treated_areas,
        "n_comparison": result.n_areas - result.n_treated_areas, "n_cohorts": result.n_cohorts,
        "n_periods": result.n_periods, "pre_trend_p": result.pre_trend_p_value, "period": period,
        "conclusion": stats.did_conclusion(result, phrase), "notes": " ".join(result.notes),
    }


def q_evaluation(wh: Warehouse, *, gemeente: str, min_population: int, min_respondents: int,
                 n_boot: int = EVALUATION_N_BOOT) -> dict[str, pd.DataFrame]:
    """Every outcome at once (cache this): 'summary' (one row per outcome: effect, interval, pre-trend test,
    conclusion), 'event_study' (per outcome and period relative to the launch), 'wijken' (who is compared, and why
    not), 'before_after' (per wijk with a page: 12 months before and after its launch against the wijken without a
    page in the same months) and 'survey_before_after' (per wijk with a page: the wave before and after)."""
    wijken = wh.query(Q_WIJKEN, {"gm": gemeente})
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
    period_monthly = month_span(raw["month"].min(), raw["month"].max()) if len(raw) else "geen politiecijfers"
    groups = [GROUP_TOTAL] + sorted(g for g in panel["group"].unique() if g != GROUP_TOTAL)
    for group in groups:
        part = panel[panel["group"] == group].rename(columns={"rate": "outcome"})
        if part.empty:
            continue
        result = _run_did(part, period_col="month", launch_col="launch_month", n_boot=n_boot)
        key = f"maand:{group}"
        label = f"{group_label(group)} per 1.000 inwoners per maand"
        phrase = f"het aantal geregistreerde {group_label(group).lower()} per 1.000 inwoners per maand"
        if group == GROUP_TOTAL:
            phrase = "het aantal geregistreerde misdrijven per 1.000 inwoners per maand"
        summaries.append(_summary_row(key, label, "maand", "per 1.000 per maand", phrase, period_monthly, result))
        events.append(result.event_study.assign(outcome=key))

    survey_panel = survey.merge(compared[["wijk_code", "launch_date"]], on="wijk_code", how="inner")
    too_few = survey_panel["respondents"].astype("Float64") < min_respondents
    survey_panel["outcome"] = survey_panel["value"].astype("Float64").mask(too_few.fillna(False))
    survey_panel["launch_wave"] = launch_wave(survey_panel["launch_date"])
    waves = sorted(survey_panel["wave"].dropna().unique().tolist())
    period_survey = "metingen " + ", ".join(str(int(w)) for w in waves) if waves else "geen enquête"
    for indicator in [i for i in indicators.index if i in set(survey_panel["indicator"])]:
        part = survey_panel[survey_panel["indicator"] == indicator]
        if part["outcome"].notna().sum() == 0:
            continue
        result = _run_did(part, period_col="wave", launch_col="launch_wave", n_boot=n_boot)
        key = f"enquete:{indicator}"
        label = str(indicators.loc[indicator, "label"])
        phrase = INDICATOR_PHRASES.get(indicator, f"de indicator '{label.lower()}'")
        summaries.append(_summary_row(key, label, "enquête", str(indicators.loc[indicator, "unit"]), phrase,
                                      period_survey, result))
        events.append(result.event_study.assign(outcome=key))

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
    month and from the launch month on, and the same for the wijken without a page over the same calendar months."""
    treated = compared[compared["role"] == ROLE_TREATED][["wijk_code", "wijk_name", "launch_month"]]
    comparison_codes = compared.loc[compared["role"] == ROLE_COMPARISON, "wijk_code"]
    if treated.empty or panel.empty:
        return pd.DataFrame()

    def windowed(rows: pd.DataFrame) -> pd.DataFrame:
        rel = ((rows["month"].dt.year - rows["launch"].dt.year) * 12 + rows["month"].dt.month - rows["launch"].dt.month)
        side = np.where((rel >= -BEFORE_AFTER_MONTHS) & (rel < 0), "before",
                        np.where((rel >= 0) & (rel < BEFORE_AFTER_MONTHS), "after", None))
        return rows.assign(side=side).dropna(subset=["side"])

    own = windowed(panel.merge(treated.rename(columns={"launch_month": "launch"}), on="wijk_code"))
    own_stats = own.groupby(["wijk_code", "group", "side"])["rate"].agg(["mean", "count"]).unstack("side")
    others = panel[panel["wijk_code"].isin(comparison_codes)].drop(columns=["launch_month"])
    pairs = others.merge(treated.rename(columns={"wijk_code": "treated_code", "launch_month": "launch"})
                         [["treated_code", "launch"]], how="cross")
    pairs = windowed(pairs)
    # Mean over the comparison wijken of each wijk's mean, so every comparison wijk weighs the same.
    per_wijk = pairs.groupby(["treated_code", "group", "side", "wijk_code"])["rate"].mean()
    comparison = per_wijk.groupby(["treated_code", "group", "side"]).agg(["mean", "count"]).unstack("side")

    index = own_stats.index
    get = lambda frame, stat, side: (frame[(stat, side)] if (stat, side) in frame.columns  # noqa: E731
                                     else pd.Series(np.nan, index=frame.index))
    comparison = comparison.reindex(index)
    out = pd.DataFrame({
        "before_mean": get(own_stats, "mean", "before"), "before_months": get(own_stats, "count", "before"),
        "after_mean": get(own_stats, "mean", "after"), "after_months": get(own_stats, "count", "after"),
        "comparison_before": get(comparison, "mean", "before"), "comparison_after": get(comparison, "mean", "after"),
        "comparison_wijken": get(comparison, "count", "after"),
    }, index=index).reset_index()
    out = out.merge(treated, on="wijk_code")
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
    change with its 95% interval (stats.difference) and the mean change of the wijken without a page."""
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
    comparison = data[data["wijk_code"].isin(compared.loc[compared["role"] == ROLE_COMPARISON, "wijk_code"])]
    wide = comparison.pivot_table(index=["wijk_code", "indicator"], columns="wave", values="outcome")
    keys = pd.DataFrame({"before_wave": before["wave"].to_numpy(), "after_wave": after["wave"].to_numpy(),
                         "indicator": index.get_level_values("indicator")})

    def comparison_change(row) -> tuple[float, int]:
        if pd.isna(row.before_wave) or pd.isna(row.after_wave) or row.indicator not in wide.index.get_level_values(1):
            return np.nan, 0
        block = wide.xs(row.indicator, level="indicator")
        if row.before_wave not in block.columns or row.after_wave not in block.columns:
            return np.nan, 0
        change = (block[row.after_wave] - block[row.before_wave]).dropna()
        return (float(change.mean()) if len(change) else np.nan), int(len(change))

    comparisons = [comparison_change(r) for r in keys.itertuples(index=False)]
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
        "comparison_change": [c for c, _ in comparisons], "comparison_wijken": [n for _, n in comparisons],
    })
    out["reason"] = pd.array(np.where(out["before_wave"].isna(), "geen meting vóór de start",
                                      np.where(out["after_wave"].isna(), "nog geen meting na de start",
                                               np.where(pd.isna(out["change"]), "te weinig respondenten", None))),
                             dtype="string")
    for column in ("before_value", "before_lower", "before_upper", "after_value", "after_lower", "after_upper",
                   "change", "change_lower", "change_upper", "comparison_change"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64")
    return out.sort_values(["outcome", "wijk_code"]).reset_index(drop=True)


def outcome_options(summary: pd.DataFrame) -> dict[str, str]:
    return dict(zip(summary["outcome"], summary["label"]))


def summary_display(summary: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Uitkomst": summary["label"], "Soort": summary["kind"],
        "Effect (verschil-in-verschillen)": summary["att"].astype(float).round(3),
        "Ondergrens 95%": summary["lower"].astype(float).round(3),
        "Bovengrens 95%": summary["upper"].astype(float).round(3),
        "Interval zonder 0": summary["significant"].map({True: "ja", False: "nee"}).fillna("onbekend"),
        "Toets trends vooraf (p)": summary["pre_trend_p"].astype(float).round(3),
        "Wijken met pagina": summary["n_treated"], "Wijken zonder (of later)": summary["n_comparison"],
        "Perioden": summary["n_periods"], "Periode": summary["period"], "Opmerkingen": summary["notes"],
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


def survey_before_after_display(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    part = table[table["outcome"] == outcome] if len(table) else table
    if part.empty:
        return pd.DataFrame()
    significant = [("onbekend: " + r) if pd.notna(r) else ("ja" if bool(s) else "nee") if pd.notna(s) else "onbekend"
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


def wijken_display(wijken: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Wijk": wijken["wijk_name"], "Code": wijken["wijk_code"],
        "Wijkpagina": wijken["page_names"].astype("string").fillna("geen wijkpagina"),
        "Start": pd.to_datetime(wijken["launch_date"]).dt.strftime("%d-%m-%Y"), "Rol in de vergelijking": wijken["role"],
    }).reset_index(drop=True)


def event_figure(events: pd.DataFrame, *, unit: str, kind: str) -> go.Figure:
    """Estimates per period relative to the launch with 95% intervals; the reference period (-1) is 0 by
    construction and drawn open; a dashed line marks the launch."""
    data = events.sort_values("relative_period")
    reference = data["reference"].astype(bool)
    x_title = "Maanden ten opzichte van de start (0 = startmaand)" if kind == "maand" else \
        "Metingen ten opzichte van de start (0 = eerste meting na de start)"
    hover = [f"Periode {int(r)}: {nl_number(e, 2)} (95%: {nl_number(lo, 2)} tot {nl_number(hi, 2)})<br>"
             f"{int(n)} wijk(en) met pagina" for r, e, lo, hi, n in
             zip(data["relative_period"], data["estimate"], data["lower"], data["upper"], data["n_treated"])]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=data["relative_period"].astype(float), y=data["estimate"].astype(float), mode="markers+lines",
        name="Schatting", line=dict(color="#31688e", width=1),
        marker=dict(color="#31688e", size=8, symbol=["circle-open" if r else "circle" for r in reference]),
        error_y=dict(type="data", symmetric=False, array=(data["upper"] - data["estimate"]).astype(float),
                     arrayminus=(data["estimate"] - data["lower"]).astype(float), color="#31688e", thickness=1),
        hovertext=hover, hoverinfo="text"))
    fig.add_hline(y=0, line=dict(color="#555555", width=1))
    fig.add_vline(x=-0.5, line=dict(color="#000000", width=1, dash="dash"))
    fig.update_layout(xaxis_title=x_title, yaxis_title=f"Verschil met wijken zonder pagina ({unit})", height=420,
                      margin=dict(l=10, r=10, t=30, b=10), template="plotly_white", showlegend=False)
    if kind == "maand":
        fig.update_xaxes(tick0=0, dtick=6)
    else:  # two waves: name the two points instead of a numeric axis
        fig.update_xaxes(tickvals=[-1, 0], ticktext=["laatste meting vóór de start", "eerste meting na de start"],
                         range=[-1.5, 0.5])
    return fig


SOURCES = {"maand": f"{q.SOURCE_POLICE}; {q.SOURCE_CBS_POP}; wijkpagina's (startdatum)",
           "enquête": f"{q.SOURCE_SURVEY}; wijkpagina's (startdatum)"}


def bench() -> dict[str, float]:
    """Evaluatie page: monthly crime (default) and a survey outcome."""
    from wijkbeeld.q_hotspots import bench_page

    default = bench_page("pages/evaluatie.py")
    survey = bench_page("pages/evaluatie.py", {"uitkomst": "enquete:onveilig_buurt"})
    return {**default, "warm_survey_ms": survey["warm_ms"]}


if __name__ == "__main__":  # pragma: no cover - manual benchmark: python -m wijkbeeld.q_evaluation
    print(bench())
