"""Overzicht figures per wijk: the three map indicators with numerators, denominators and reasons when missing,
top themes, the change against the previous period of equal length, and a short written summary."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from wijkbeeld import i18n
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse


@dataclass(frozen=True)
class IndicatorSpec:
    label: str
    column: str
    reason_column: str
    unit: str
    source: str
    note: str


INDICATORS = {
    "incidenten": IndicatorSpec("Incidenten per 1.000 inwoners", "incidents_per_1000", "incidents_reason",
                                "per 1.000 per jaar", q.SOURCE_POLICE,
                                "Alle geregistreerde misdrijven; bevolking van hetzelfde jaar."),
    "berichten": IndicatorSpec("Berichten per 1.000 inwoners", "posts_per_1000", "posts_reason",
                               "per 1.000 per jaar", q.SOURCE_POSTS,
                               "Berichten en reacties op de wijkpagina, alleen over de maanden dat de pagina bestond."),
    "onveilig": IndicatorSpec("% voelt zich weleens onveilig in de buurt", "unsafe_pct", "unsafe_reason", "%",
                              q.SOURCE_SURVEY, "Meest recente meting tot en met het einde van de periode, met 95%-interval."),
}


i18n.register({
    "Code": "Code",
    "Bevolkingsjaar": "Population year",
    "Misdrijven": "Crimes",
    "Misdrijven per 1.000 per jaar": "Crimes per 1,000 per year",
    "Reden onbekend (misdrijven)": "Reason unknown (crimes)",
    "Verandering misdrijven": "Change in crimes",
    "Berichten": "Posts",
    "Berichten per 1.000 per jaar": "Posts per 1,000 per year",
    "Reden onbekend (berichten)": "Reason unknown (posts)",
    "% onveilig in buurt": "% unsafe in neighbourhood",
    "Ondergrens 95%": "Lower bound 95%",
    "Bovengrens 95%": "Upper bound 95%",
    "Reden onbekend (enquête)": "Reason unknown (survey)",
    "Kleine wijk (niet gerangschikt)": "Small district (not ranked)",
    "Deze gemeente heeft geen wijken in de grenzen.": "This municipality has no districts in the boundaries.",
    "Kleur: donkerpaars = laag, geel = hoog, lichtgrijs met stippellijn = onbekend (de reden staat in de tooltip).":
        "Colour: dark purple = low, yellow = high, light grey with dotted line = unknown (the reason is in the tooltip).",
    "Incidenten en berichten per 1.000 inwoners per jaar, met de bevolking van hetzelfde jaar.":
        "Incidents and posts per 1,000 inhabitants per year, with the population of the same year.",
    "Alle geregistreerde misdrijven; bevolking van hetzelfde jaar.":
        "All registered crimes; population of the same year.",
    "Berichten en reacties op de wijkpagina, alleen over de maanden dat de pagina bestond.":
        "Posts and comments on the district page, only over the months the page existed.",
    "Meest recente meting tot en met het einde van de periode, met 95%-interval.":
        "Most recent survey up to the end of the period, with 95% interval.",
    # reasons a figure is missing (queries.q_wijk_indicators)
    "geen politiecijfers voor deze periode": "no police figures for this period",
    "deels afgeschermd door de bron": "partly withheld by the source",
    "niet alle maanden gepubliceerd": "not every month published",
    "geen bevolkingscijfer": "no population figure",
    "geen wijkpagina": "no district page",
    "pagina startte na deze periode": "page started after this period",
    "geen enquête in deze wijk": "no survey in this district",
    "te weinig respondenten": "too few respondents",
    "geen gegevens": "no data",
    # summaries and cards
    "en": "and",
    "In {wijk} gaat het op de wijkpagina vooral over {themes}":
        "On the district page of {wijk}, residents mostly write about {themes}",
    "Op de wijkpagina van {wijk} is in deze periode weinig over een thema geschreven":
        "Little was written about any theme on the district page of {wijk} in this period",
    "{wijk} heeft geen wijkpagina": "{wijk} has no district page",
    "het onderwerp {theme} kwam vaker op dan in de periode ervoor":
        "{theme} came up more often than in the period before",
    "geregistreerde misdrijven namen toe ({change} per 1.000 inwoners)":
        "registered crime went up ({change} per 1,000 inhabitants)",
    "geregistreerde misdrijven namen af ({change} per 1.000 inwoners)":
        "registered crime went down ({change} per 1,000 inhabitants)",
    "geregistreerde misdrijven bleven gelijk ({change} per 1.000 inwoners)":
        "registered crime stayed the same ({change} per 1,000 inhabitants)",
    "misdrijfcijfers: {reason}": "crime figures: {reason}",
    "(laatst gepubliceerde jaar)": "(latest published year)",
    "{crimes} misdrijven / {person_years} inwonerjaren": "{crimes} crimes / {person_years} person-years",
    "{change} t.o.v. vorige periode": "{change} against the previous period",
    "95%-interval {lower}–{upper}; meting {year}": "95% interval {lower}–{upper}; survey {year}",
    "{messages} berichten en reacties; pagina sinds {since}": "{messages} posts and comments; page since {since}",
    "geen": "none",
    "per 1.000 per jaar": "per 1,000 per year",
    # pages/overzicht.py
    "Indicator '{value}' bestaat niet; de eerste is gekozen.": "Indicator '{value}' does not exist; the first one was chosen.",
    "Wijk '{value}' hoort niet bij deze gemeente; geen wijk gekozen.":
        "District '{value}' is not part of this municipality; no district chosen.",
    "Hoogste {indicator}: **{wijk}** ({value} {unit}).": "Highest {indicator}: **{wijk}** ({value} {unit}).",
    "Niet gerangschikt (minder dan {n} inwoners): ": "Not ranked (fewer than {n} inhabitants): ",
    "en {more} andere (zie de tabel)": "and {more} more (see the table)",
    "Alle gemeenten: de {n} wijken met de hoogste waarde voor '{indicator}' (kleine wijken niet meegeteld). Kies "
    "een gemeente voor de samenvatting van al haar wijken, of een wijk hierboven.":
        "All municipalities: the {n} districts with the highest value for '{indicator}' (small districts not "
        "counted). Choose a municipality for the summary of all its districts, or a district above.",
})


def previous_period(period: q.Period) -> q.Period:
    n = period.n_months
    start = (pd.Timestamp(period.start) - pd.DateOffset(months=n)).date()
    end = (pd.Timestamp(period.start) - pd.DateOffset(months=1)).date()
    return q.Period(start, end)


def _change_text(now: float | None, before: float | None) -> str | None:
    if now is None or before is None or pd.isna(now) or pd.isna(before) or before == 0:
        return None
    change = (now - before) / before * 100
    return f"{change:+.0f}%"


REASON_COLUMNS = ("incidents_reason", "posts_reason", "unsafe_reason")


def q_overview(wh: Warehouse, *, gemeente: str, period: q.Period, min_population: int, lang: str = "nl") -> pd.DataFrame:
    """Per wijk (of the gemeente, or of the whole country with gemeente NL00) every Overzicht figure; reasons,
    theme labels and the summary in `lang`."""
    now = q.q_wijk_indicators(wh, gemeente=gemeente, period=period, min_population=min_population)
    before = q.q_wijk_indicators(wh, gemeente=gemeente, period=previous_period(period), min_population=min_population)
    before = before.set_index("wijk_code")
    out = now.copy()
    out["incidents_per_1000_before"] = out["wijk_code"].map(before["incidents_per_1000"])
    out["posts_per_1000_before"] = out["wijk_code"].map(before["posts_per_1000"])
    out["incidents_change"] = [
        _change_text(a, b) for a, b in zip(out["incidents_per_1000"], out["incidents_per_1000_before"])]
    themes = q.q_top_themes(wh, gemeente=gemeente, period=period)
    themes["label"] = themes["label"].map(lambda label: i18n.translate(label, lang))
    top = themes.groupby("wijk_code").head(3).groupby("wijk_code")["label"].agg(list)
    out["top_themes"] = out["wijk_code"].map(top).apply(lambda v: v if isinstance(v, list) else [])
    themes_before = q.q_top_themes(wh, gemeente=gemeente, period=previous_period(period))
    rising = _rising_themes(themes, themes_before)
    out["rising_theme"] = out["wijk_code"].map(rising)
    for column in REASON_COLUMNS:
        out[column] = out[column].map(lambda reason: i18n.translate(reason, lang) if isinstance(reason, str) else None)
    for key, spec in INDICATORS.items():
        known = out[spec.column].notna()
        out["rankable_" + key] = known & ~out["small_area"].fillna(True).astype(bool)
    out["summary"] = [summarise(r, lang) for r in out.to_dict("records")]
    return out


def _rising_themes(now: pd.DataFrame, before: pd.DataFrame) -> dict[str, str]:
    """Per wijk the theme whose message count rose most (at least +50% and +5 messages)."""
    merged = now.merge(before[["wijk_code", "theme", "messages"]], on=["wijk_code", "theme"], how="left",
                       suffixes=("", "_before")).fillna({"messages_before": 0})
    merged["rise"] = merged["messages"] - merged["messages_before"]
    merged = merged[(merged["rise"] >= 5) & (merged["messages"] >= 1.5 * merged["messages_before"])]
    best = merged.sort_values("rise", ascending=False).drop_duplicates("wijk_code")
    return dict(zip(best["wijk_code"], best["label"]))


def _listed(items: list[str], lang: str) -> str:
    items = [t.lower() for t in items]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {i18n.translate('en', lang)} " + items[-1]


def summarise(row: dict, lang: str = "nl") -> str:
    """A short summary from the figures alone (no text from posts is quoted)."""
    t = lambda text: i18n.translate(text, lang)  # noqa: E731
    wijk = row["wijk_name"]
    parts = []
    themes = row.get("top_themes") or []
    if themes:
        parts.append(t("In {wijk} gaat het op de wijkpagina vooral over {themes}").format(wijk=wijk, themes=_listed(themes, lang)))
    elif row.get("page_names"):
        parts.append(t("Op de wijkpagina van {wijk} is in deze periode weinig over een thema geschreven").format(wijk=wijk))
    else:
        parts.append(t("{wijk} heeft geen wijkpagina").format(wijk=wijk))
    rising = row.get("rising_theme")
    if isinstance(rising, str):
        parts.append(t("het onderwerp {theme} kwam vaker op dan in de periode ervoor").format(theme=rising.lower()))
    change = row.get("incidents_change")
    if isinstance(change, str):
        if change.startswith("+") and change != "+0%":
            template = "geregistreerde misdrijven namen toe ({change} per 1.000 inwoners)"
        elif change.startswith("-"):
            template = "geregistreerde misdrijven namen af ({change} per 1.000 inwoners)"
        else:
            template = "geregistreerde misdrijven bleven gelijk ({change} per 1.000 inwoners)"
        parts.append(t(template).format(change=change))
    elif row.get("incidents_reason"):
        parts.append(t("misdrijfcijfers: {reason}").format(reason=row["incidents_reason"]))
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _fmt(value, decimals=1, lang: str = "nl") -> str:
    return i18n.format_number(value, decimals, lang)


def wijk_card(row: pd.Series, lang: str = "nl") -> list[tuple[str, str, str]]:
    """(label, value, caption) triples for one wijk's card, in `lang`; a missing value says why."""
    t = lambda text: i18n.translate(text, lang)  # noqa: E731
    fmt = lambda value, decimals=1: _fmt(value, decimals, lang)  # noqa: E731
    unknown = t("onbekend")
    if pd.notna(row["population_year"]):
        pop_note = f"CBS, {int(row['population_year'])}"
    else:
        pop_note = t("geen bevolkingscijfer")
    if bool(row.get("population_imputed")):
        pop_note += " " + t("(laatst gepubliceerde jaar)")
    inc = fmt(row["incidents_per_1000"]) if pd.notna(row["incidents_per_1000"]) else f"{unknown}: {row['incidents_reason']}"
    inc_caption = (t("{crimes} misdrijven / {person_years} inwonerjaren").format(
        crimes=fmt(row["incidents"], 0), person_years=fmt(row["person_years"], 0))
        if pd.notna(row["incidents_per_1000"]) else "")
    if isinstance(row.get("incidents_change"), str):
        inc_caption += "; " + t("{change} t.o.v. vorige periode").format(change=row["incidents_change"])
    if pd.notna(row["unsafe_pct"]):
        unsafe = f"{fmt(row['unsafe_pct'])}%"
        unsafe_caption = t("95%-interval {lower}–{upper}; meting {year}").format(
            lower=fmt(row["unsafe_lower"]), upper=fmt(row["unsafe_upper"]), year=pd.Timestamp(row["survey_period"]).year)
    else:
        unsafe, unsafe_caption = f"{unknown}: {row['unsafe_reason']}", ""
    posts = fmt(row["posts_per_1000"]) if pd.notna(row["posts_per_1000"]) else f"{unknown}: {row['posts_reason']}"
    posts_caption = (t("{messages} berichten en reacties; pagina sinds {since}").format(
        messages=fmt(row["messages"], 0), since=f"{pd.Timestamp(row['launch_date']):%d-%m-%Y}")
        if pd.notna(row["posts_per_1000"]) else "")
    themes = ", ".join(row["top_themes"]) if row["top_themes"] else t("geen")
    return [
        ("Inwoners", fmt(row["population"], 0), pop_note),
        ("Incidenten per 1.000 inwoners", inc, inc_caption),
        ("% voelt zich weleens onveilig in de buurt", unsafe, unsafe_caption),
        ("Berichten per 1.000 inwoners", posts, posts_caption),
        ("Top-thema's", themes, ""),
    ]


def display_table(table: pd.DataFrame, national: bool = False) -> pd.DataFrame:
    """The sortable table: figures as numbers (None when missing) plus the reason column beside each; for the
    whole country with the gemeente beside each wijk (wijk names repeat across gemeenten)."""
    return pd.DataFrame({
        **({"Gemeente": table["gemeente_name"]} if national else {}),
        "Wijk": table["wijk_name"],
        "Code": table["wijk_code"],
        "Inwoners": table["population"].astype("Int64"),
        "Bevolkingsjaar": table["population_year"].astype("Int64"),
        "Misdrijven": table["incidents"].astype("Int64"),
        "Misdrijven per 1.000 per jaar": table["incidents_per_1000"],
        "Reden onbekend (misdrijven)": table["incidents_reason"],
        "Verandering misdrijven": table["incidents_change"],
        "Berichten": table["messages"].astype("Int64"),
        "Berichten per 1.000 per jaar": table["posts_per_1000"],
        "Reden onbekend (berichten)": table["posts_reason"],
        "% onveilig in buurt": table["unsafe_pct"],
        "Ondergrens 95%": table["unsafe_lower"],
        "Bovengrens 95%": table["unsafe_upper"],
        "Reden onbekend (enquête)": table["unsafe_reason"],
        "Kleine wijk (niet gerangschikt)": table["small_area"],
        "Top-thema's": table["top_themes"].apply(", ".join),
    })
