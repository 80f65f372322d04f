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
    "Indicator": "Indicator",
    "bestaat niet; de eerste is gekozen.": "does not exist; the first one was chosen.",
    "hoort niet bij deze gemeente; geen wijk gekozen.": "is not part of this municipality; no district chosen.",
    "Kleur: donkerpaars = laag, geel = hoog, lichtgrijs met stippellijn = onbekend (de reden staat in de tooltip).":
        "Colour: dark purple = low, yellow = high, light grey with dotted line = unknown (the reason is in the tooltip).",
    "Hoogste": "Highest",
    "Niet gerangschikt (minder dan": "Not ranked (fewer than",
    "inwoners": "inhabitants",
    "Incidenten en berichten per 1.000 inwoners per jaar, met de bevolking van hetzelfde jaar.":
        "Incidents and posts per 1,000 inhabitants per year, with the population of the same year.",
    "Alle geregistreerde misdrijven; bevolking van hetzelfde jaar.":
        "All registered crimes; population of the same year.",
    "Berichten en reacties op de wijkpagina, alleen over de maanden dat de pagina bestond.":
        "Posts and comments on the district page, only over the months the page existed.",
    "Meest recente meting tot en met het einde van de periode, met 95%-interval.":
        "Most recent survey up to the end of the period, with 95% interval.",
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


def q_overview(wh: Warehouse, *, gemeente: str, period: q.Period, min_population: int) -> pd.DataFrame:
    now = q.q_wijk_indicators(wh, gemeente=gemeente, period=period, min_population=min_population)
    before = q.q_wijk_indicators(wh, gemeente=gemeente, period=previous_period(period), min_population=min_population)
    before = before.set_index("wijk_code")
    out = now.copy()
    out["incidents_per_1000_before"] = out["wijk_code"].map(before["incidents_per_1000"])
    out["posts_per_1000_before"] = out["wijk_code"].map(before["posts_per_1000"])
    out["incidents_change"] = [
        _change_text(a, b) for a, b in zip(out["incidents_per_1000"], out["incidents_per_1000_before"])]
    themes = q.q_top_themes(wh, gemeente=gemeente, period=period)
    top = themes.groupby("wijk_code").head(3).groupby("wijk_code")["label"].agg(list)
    out["top_themes"] = out["wijk_code"].map(top).apply(lambda v: v if isinstance(v, list) else [])
    themes_before = q.q_top_themes(wh, gemeente=gemeente, period=previous_period(period))
    rising = _rising_themes(themes, themes_before)
    out["rising_theme"] = out["wijk_code"].map(rising)
    for key, spec in INDICATORS.items():
        known = out[spec.column].notna()
        out["rankable_" + key] = known & ~out["small_area"].fillna(True).astype(bool)
    out["summary"] = [summarise(r) for r in out.to_dict("records")]
    return out


def _rising_themes(now: pd.DataFrame, before: pd.DataFrame) -> dict[str, str]:
    """Per wijk the theme whose message count rose most (at least +50% and +5 messages)."""
    merged = now.merge(before[["wijk_code", "theme", "messages"]], on=["wijk_code", "theme"], how="left",
                       suffixes=("", "_before")).fillna({"messages_before": 0})
    merged["rise"] = merged["messages"] - merged["messages_before"]
    merged = merged[(merged["rise"] >= 5) & (merged["messages"] >= 1.5 * merged["messages_before"])]
    best = merged.sort_values("rise", ascending=False).drop_duplicates("wijk_code")
    return dict(zip(best["wijk_code"], best["label"]))


def summarise(row: dict) -> str:
    """A short Dutch summary from the figures alone (no text from posts is quoted)."""
    parts = []
    themes = row.get("top_themes") or []
    if themes:
        listed = ", ".join(t.lower() for t in themes[:-1]) + (" en " if len(themes) > 1 else "") + themes[-1].lower()
        parts.append(f"In {row['wijk_name']} gaat het op de wijkpagina vooral over {listed}")
    elif row.get("page_names"):
        parts.append(f"Op de wijkpagina van {row['wijk_name']} is in deze periode weinig over een thema geschreven")
    else:
        parts.append(f"{row['wijk_name']} heeft geen wijkpagina")
    rising = row.get("rising_theme")
    if isinstance(rising, str):
        parts.append(f"het onderwerp {rising.lower()} kwam vaker op dan in de periode ervoor")
    change = row.get("incidents_change")
    if isinstance(change, str):
        direction = "namen toe" if change.startswith("+") and change != "+0%" else ("namen af" if change.startswith("-") else "bleven gelijk")
        parts.append(f"geregistreerde misdrijven {direction} ({change} per 1.000 inwoners)")
    elif row.get("incidents_reason"):
        parts.append(f"misdrijfcijfers: {row['incidents_reason']}")
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _fmt(value, decimals=1) -> str:
    if value is None or pd.isna(value):
        return "onbekend"
    return f"{float(value):,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def wijk_card(row: pd.Series) -> list[tuple[str, str, str]]:
    """(label, value, caption) triples for one wijk's card; a missing value says why."""
    pop_note = f"CBS, {int(row['population_year'])}" if pd.notna(row["population_year"]) else "geen bevolkingscijfer"
    if bool(row.get("population_imputed")):
        pop_note += " (laatst gepubliceerde jaar)"
    inc = _fmt(row["incidents_per_1000"]) if pd.notna(row["incidents_per_1000"]) else f"onbekend: {row['incidents_reason']}"
    inc_caption = (f"{_fmt(row['incidents'], 0)} misdrijven / {_fmt(row['person_years'], 0)} inwonerjaren"
                   if pd.notna(row["incidents_per_1000"]) else "")
    if isinstance(row.get("incidents_change"), str):
        inc_caption += f"; {row['incidents_change']} t.o.v. vorige periode"
    if pd.notna(row["unsafe_pct"]):
        unsafe = f"{_fmt(row['unsafe_pct'])}%"
        unsafe_caption = (f"95%-interval {_fmt(row['unsafe_lower'])}–{_fmt(row['unsafe_upper'])}; meting "
                          f"{pd.Timestamp(row['survey_period']).year}")
    else:
        unsafe, unsafe_caption = f"onbekend: {row['unsafe_reason']}", ""
    posts = _fmt(row["posts_per_1000"]) if pd.notna(row["posts_per_1000"]) else f"onbekend: {row['posts_reason']}"
    posts_caption = (f"{_fmt(row['messages'], 0)} berichten en reacties; pagina sinds "
                     f"{pd.Timestamp(row['launch_date']):%d-%m-%Y}" if pd.notna(row["posts_per_1000"]) else "")
    themes = ", ".join(row["top_themes"]) if row["top_themes"] else "geen"
    return [
        ("Inwoners", _fmt(row["population"], 0), pop_note),
        ("Incidenten per 1.000 inwoners", inc, inc_caption),
        ("% voelt zich weleens onveilig in de buurt", unsafe, unsafe_caption),
        ("Berichten per 1.000 inwoners", posts, posts_caption),
        ("Top-thema's", themes, ""),
    ]


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The sortable table: figures as numbers (None when missing) plus the reason column beside each."""
    return pd.DataFrame({
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
