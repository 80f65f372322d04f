"""Data en kwaliteit: where every figure comes from, how fresh it is, what was rejected and why, how each indicator
and method is defined, and what is done to protect residents' privacy.

The rejected records' raw excerpts and the build log are for the data_admin permission only: the page must not call
`q_rejected_records(include_raw=True)` or `q_build_log` for other roles.
"""
from __future__ import annotations

import ast
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path, PurePath

import pandas as pd
import streamlit as st

from etl.crime_groups import CRIME_GROUPS  # a plain dict module: no ETL machinery is imported
from wijkbeeld import i18n
from wijkbeeld import queries as q
from wijkbeeld.auth import PERMISSIONS, ROLE_LABELS, ROLES
from wijkbeeld.db import Warehouse
from wijkbeeld.safe import to_csv_bytes, to_excel_bytes
from wijkbeeld.stats import METHOD_EXPLANATIONS

SOURCE_META = "Bouwgegevens van het warehouse (meta_build, meta_source_file, meta_rejected_record, meta_build_log)"

SOURCE_KIND_LABELS = {
    "boundaries": "Grenzen van gemeente, wijken en buurten (CBS)",
    "population": q.SOURCE_CBS_POP,
    "police_crime": q.SOURCE_POLICE,
    "survey": q.SOURCE_SURVEY,
    "posts": q.SOURCE_POSTS,
    "pages": "Lijst van wijkpagina's",
    "accounts": "Lijst van organisatie-accounts",
}
# Rejected records listed on the page (the full count is always shown).
REJECTS_SHOWN = 500
LOG_LEVELS = ("alle", "info", "warning", "error")

METHOD_TITLES = {
    "rates": "Cijfers per 1.000 inwoners",
    "smoothing": "Gladstrijken bij kleine gebieden",
    "hotspots": "Hotspots: opvallende stijgingen",
    "survey_intervals": "Marges van enquêtecijfers",
    "difference": "Verschillen toetsen",
    "did": "Effect van een wijkpagina",
    "beleving_vs_registratie": "Beleving naast registratie",
}

PERMISSION_LABELS = {
    "aggregates": "totalen, kaarten en grafieken",
    "post_text": "geredigeerde tekst van berichten (voorbeelden)",
    "data_admin": "afgewezen records met ruwe uittreksels en het bouwlogboek",
}

# The dashboard's own indicators (dim_indicator holds the survey indicators).
DASHBOARD_INDICATORS = pd.DataFrame([
    ("incidenten_per_1000", "Incidenten per 1.000 inwoners", "per 1.000 inwoners per jaar", True, q.SOURCE_POLICE,
     "Geregistreerde misdrijven in de periode, gedeeld door het aantal inwonerjaren, maal 1.000. Inwonerjaren: per maand "
     "de bevolking van hetzelfde jaar, opgeteld en gedeeld door 12 (een jaar telt dus als de bevolking van dat jaar). "
     "Onbekend als de bron een aantal afschermt, niet alle maanden publiceert of er geen bevolkingscijfer is."),
    ("berichten_per_1000", "Berichten per 1.000 inwoners", "per 1.000 inwoners per jaar", False, q.SOURCE_POSTS,
     "Berichten en reacties op de wijkpagina('s) van de wijk, gedeeld door de inwonerjaren over alleen de maanden dat "
     "de pagina bestond, maal 1.000. Een pagina voor meer wijken telt voor elke wijk. Geen pagina: onbekend, niet nul."),
    ("onveilig_buurt", "% voelt zich weleens onveilig in de buurt", "% met 95%-interval", True, q.SOURCE_SURVEY,
     "Aandeel inwoners dat zich weleens onveilig voelt in de eigen buurt, uit de meest recente meting tot en met het "
     "einde van de periode, met het 95%-betrouwbaarheidsinterval (gepubliceerd, of Wilson voor eigen enquêtes). Bij te "
     "weinig respondenten tonen we geen cijfer."),
    ("thema_aandeel", "Aandeel berichten over een thema", "%", False, q.SOURCE_POSTS,
     "Berichten en reacties in de wijk met het thema, gedeeld door alle berichten en reacties in de wijk in dezelfde "
     "periode. Thema's worden automatisch met trefwoorden toegekend; een bericht kan meer thema's hebben."),
    ("deelnemers_per_1000", "Deelnemers per 1.000 inwoners", "per 1.000 inwoners", False, q.SOURCE_POSTS,
     "Aantal verschillende bewoners (pseudoniemen) dat in de periode schreef, gedeeld door de gemiddelde bevolking over "
     "de maanden dat de pagina bestond, maal 1.000. Deelnemers worden geteld, nooit getoond."),
    ("beantwoord_pct", "% bewonersberichten beantwoord door een organisatie", "%", False, q.SOURCE_POSTS,
     "Aandeel berichten van bewoners (geen reacties) waarop in de draad een account van gemeente, politie, corporatie "
     "of welzijn reageerde."),
    ("reactietijd", "Tijd tot eerste antwoord", "uren (mediaan en 90e percentiel)", True, q.SOURCE_POSTS,
     "Uren tussen het bericht van een bewoner en de eerste reactie van een organisatie-account in dezelfde draad, "
     "over de beantwoorde berichten."),
], columns=["indicator", "label", "unit", "higher_is_worse", "source", "definition"])

# What redaction does, in words: shown beside the list of placeholders read from the ETL (see redaction_placeholders).
REDACTION_DESCRIPTION = (
    "Voordat een bericht wordt opgeslagen, vervangen we alles wat naar een persoon wijst door een vaste aanduiding "
    "tussen blokhaken. De tekst blijft leesbaar voor thema's en toon, maar de persoon valt eruit. Wat een incident "
    "beschrijft blijft staan: tijden, datums, bedragen, zaaknummers van de politie, servicenummers, straatnamen "
    "zonder huisnummer."
)
PSEUDONYM_DESCRIPTION = (
    "Schrijvers worden niet bij naam opgeslagen. Elke schrijver krijgt een pseudoniem: een HMAC-SHA256 van platform en "
    "account met een geheime sleutel die alleen de beheerder kent en die nooit in het warehouse of een logboek staat. "
    "Zonder die sleutel is een pseudoniem niet terug te leiden naar een persoon en kan ook een geraden naam niet "
    "getoetst worden. Het dashboard telt pseudoniemen (aantal deelnemers), maar toont ze nergens en filtert nooit op "
    "een persoon. Namen van organisaties en links blijven alleen bewaard voor berichten van organisatie-accounts."
)

i18n.register({
    "Laatst bijgewerkt": "Last updated",
    "Ouderdom": "Age",
    "dagen": "days",
    "Soort gegevens": "Kind of data",
    "demo (verzonnen)": "demo (fictitious)",
    "echte bronnen": "real sources",
    "Het warehouse bevat geen bouwgegevens (meta_schema is leeg); versheid en bronnen zijn onbekend.":
        "The warehouse has no build data (meta_schema is empty); freshness and sources are unknown.",
    "Er zijn geen bronbestanden vastgelegd in dit warehouse.": "No source files are recorded in this warehouse.",
    "Bij de laatste bouw is geen enkel record afgewezen.": "The last build rejected no records.",
    "Alle afgewezen records": "All rejected records",
    "Het bouwlogboek is alleen zichtbaar voor de rol": "The build log is only visible for the role",
    "Geen logregels van dit niveau.": "No log lines of this level.",
    "Het warehouse bevat geen misdrijfsoorten (geen politiecijfers geladen).":
        "The warehouse has no crime types (no police figures loaded).",
    "Bestand": "File",
    "Reden": "Reason",
    "Aantal": "Count",
    "Periode van": "Period from",
    "Periode tot en met": "Period up to and including",
    "Toelichting periode": "Period note",
    "Ingelezen op": "Read on",
    "Records gelezen": "Records read",
    "Geladen": "Loaded",
    "Afgewezen": "Rejected",
    "Dubbel (samengevoegd)": "Duplicate (merged)",
    "Bouw": "Build",
    "SHA-256": "SHA-256",
    "Volgnummer": "Sequence",
    "Tijd": "Time",
    "Melding": "Message",
    "Sleutel": "Key",
    "Richting": "Direction",
    "Definitie": "Definition",
    "Bijbehorend thema": "Related theme",
    "Aanduiding": "Placeholder",
    "Wat is vervangen": "What was replaced",
    "Rol": "Role",
    "Mag zien": "May see",
    "Uw rol": "Your role",
    "Bronnen": "Sources",
    "Afgewezen records": "Rejected records",
    "Bouwlogboek": "Build log",
    "Definities van indicatoren": "Indicator definitions",
    "Misdrijfgroepen (CBS)": "Crime groups (CBS)",
    "Methoden": "Methods",
    "Privacy": "Privacy",
    "Niveau": "Level",
})

Q_BUILD = """
SELECT build_id, built_at, is_demo, schema_version, pseudonym_key_fingerprint, retention_months, reference_date
FROM meta_build ORDER BY built_at DESC
"""

# Posts files carry no period of their own: the first and last stored message of each file stand in (after
# retention, so a file can look shorter than it was).
Q_SOURCES = """
WITH post_span AS (
    SELECT source_file, min(created_at) AS first_at, max(created_at) AS last_at FROM fct_post GROUP BY source_file
)
SELECT f.build_id, b.built_at, f.source_kind, f.path, f.sha256,
       f.records_read, f.records_loaded, f.records_rejected, f.duplicates_merged,
       f.period_start, f.period_end,
       CAST(ps.first_at AT TIME ZONE 'Europe/Amsterdam' AS DATE) AS posts_first,
       CAST(ps.last_at AT TIME ZONE 'Europe/Amsterdam' AS DATE) AS posts_last
FROM meta_source_file f
LEFT JOIN meta_build b USING (build_id)
LEFT JOIN post_span ps ON f.source_kind = 'posts' AND ps.source_file = f.path
ORDER BY b.built_at DESC NULLS LAST, f.source_kind, f.path
"""

Q_REJECT_SUMMARY = """
SELECT r.build_id, b.built_at, r.source_file, r.reason, count(*) AS records
FROM meta_rejected_record r LEFT JOIN meta_build b USING (build_id)
GROUP BY ALL ORDER BY b.built_at DESC NULLS LAST, records DESC, r.source_file, r.reason
"""

# Two fixed statements, so the raw excerpt is not even read for roles that may not see it.
Q_REJECTS = """
SELECT r.build_id, r.source_file, r.record, r.reason, count(*) OVER () AS total
FROM meta_rejected_record r LEFT JOIN meta_build b USING (build_id)
ORDER BY b.built_at DESC NULLS LAST, r.source_file, r.record LIMIT $limit
"""
Q_REJECTS_WITH_RAW = """
SELECT r.build_id, r.source_file, r.record, r.reason, r.raw_excerpt, count(*) OVER () AS total
FROM meta_rejected_record r LEFT JOIN meta_build b USING (build_id)
ORDER BY b.built_at DESC NULLS LAST, r.source_file, r.record LIMIT $limit
"""

Q_BUILD_LOG = """
SELECT build_id, seq, logged_at, level, message FROM meta_build_log
WHERE $level IS NULL OR level = $level
ORDER BY logged_at DESC, build_id, seq
"""

Q_SURVEY_INDICATORS = """
SELECT d.indicator, d.label, d.unit, d.higher_is_worse,
       count(s.value) AS values_known, count(*) FILTER (WHERE s.indicator IS NOT NULL AND s.value IS NULL) AS values_missing,
       min(s.period_start) AS first_period, max(s.period_start) AS last_period
FROM dim_indicator d LEFT JOIN fct_survey s USING (indicator)
GROUP BY ALL ORDER BY d.indicator
"""

Q_CRIME_TYPES = """
SELECT c.crime_group, c.crime_code, c.label, c.theme, t.label AS theme_label
FROM dim_crime_type c LEFT JOIN dim_theme t USING (theme)
ORDER BY c.crime_group, string_split(c.crime_code, '.')::INTEGER[]
"""


def _file_label(path: object) -> str:
    """The last two parts of a path: enough to recognise the file without showing the server's folders."""
    parts = PurePath(str(path)).parts
    return "/".join(parts[-2:]) if parts else ""


def q_builds(wh: Warehouse) -> pd.DataFrame:
    return wh.query(Q_BUILD)


def q_sources(wh: Warehouse) -> pd.DataFrame:
    """Every source file of every build in the warehouse with its period, freshness and record counts."""
    out = wh.query(Q_SOURCES)
    out["kind_label"] = out["source_kind"].map(SOURCE_KIND_LABELS).fillna(out["source_kind"])
    out["file"] = out["path"].map(_file_label)
    derived = out["period_start"].isna() & out["posts_first"].notna()
    out["period_from"] = out["period_start"].where(~derived, out["posts_first"])
    out["period_to"] = out["period_end"].where(~derived, out["posts_last"])
    out["period_note"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[derived, "period_note"] = "eerste en laatste opgeslagen bericht"
    out.loc[out["period_from"].isna(), "period_note"] = "de bron geeft geen periode op"
    out.loc[out["period_from"].isna() & (out["source_kind"] == "boundaries"), "period_note"] = "grenzen: geen periode"
    out.loc[out["period_from"].isna() & (out["source_kind"] == "posts"), "period_note"] = "geen berichten opgeslagen"
    return out


def sources_table(sources: pd.DataFrame, *, full_paths: bool) -> pd.DataFrame:
    built = pd.to_datetime(sources["built_at"], utc=True)
    out = pd.DataFrame({
        "Soort": sources["kind_label"].array,
        "Bestand": (sources["path"] if full_paths else sources["file"]).array,
        "Periode van": _dates(sources["period_from"]),
        "Periode tot en met": _dates(sources["period_to"]),
        "Toelichting periode": sources["period_note"].array,
        "Ingelezen op": built.dt.tz_convert("Europe/Amsterdam").dt.strftime("%d-%m-%Y %H:%M").array,
        "Records gelezen": sources["records_read"].astype("Int64").array,
        "Geladen": sources["records_loaded"].astype("Int64").array,
        "Afgewezen": sources["records_rejected"].astype("Int64").array,
        "Dubbel (samengevoegd)": sources["duplicates_merged"].astype("Int64").array,
        "Bouw": sources["build_id"].array,
    })
    if full_paths:
        out["SHA-256"] = sources["sha256"].array
    return out


def _dates(values: pd.Series) -> pd.array:
    return pd.array(pd.to_datetime(values).dt.strftime("%d-%m-%Y"), dtype="string")


def freshness(builds: pd.DataFrame, now: datetime | None = None) -> dict:
    """The newest build's time and its age in days; empty when the warehouse has no build row."""
    if builds.empty:
        return {}
    row = builds.iloc[0]
    built = pd.Timestamp(row["built_at"])
    built = built.tz_localize("UTC") if built.tzinfo is None else built
    now = pd.Timestamp(now or datetime.now(timezone.utc))
    return {"build_id": row["build_id"], "built_at": built, "age_days": max((now - built).days, 0),
            "built_local": built.tz_convert("Europe/Amsterdam").strftime("%d-%m-%Y %H:%M")}


def q_reject_summary(wh: Warehouse) -> pd.DataFrame:
    """Per build, file and reason: how many records were rejected."""
    out = wh.query(Q_REJECT_SUMMARY)
    out["file"] = out["source_file"].map(_file_label)
    return out


def q_rejected_records(wh: Warehouse, *, include_raw: bool, limit: int = REJECTS_SHOWN) -> pd.DataFrame:
    """Rejected records (newest build first). The raw excerpt is only read with include_raw (data_admin)."""
    out = wh.query(Q_REJECTS_WITH_RAW if include_raw else Q_REJECTS, {"limit": int(limit)})
    out["file"] = out["source_file"].map(_file_label)
    return out


def rejects_table(rejects: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "Bouw": rejects["build_id"].array,
        "Bestand": rejects["file"].array,
        "Record": rejects["record"].array,
        "Reden": rejects["reason"].array,
    })
    if "raw_excerpt" in rejects:
        out["Uittreksel (geredigeerd)"] = rejects["raw_excerpt"].array
    return out


def q_build_log(wh: Warehouse, *, level: str | None = None) -> pd.DataFrame:
    """The build log, newest first; data_admin only."""
    out = wh.query(Q_BUILD_LOG, {"level": level})
    out["logged_at"] = pd.to_datetime(out["logged_at"], utc=True).dt.tz_convert("Europe/Amsterdam").dt.strftime("%d-%m-%Y %H:%M:%S")
    return out


def q_indicator_definitions(wh: Warehouse) -> pd.DataFrame:
    """Survey indicators from dim_indicator (with how many values the warehouse holds) and the dashboard's own."""
    survey = wh.query(Q_SURVEY_INDICATORS)
    direction = survey["higher_is_worse"].map({True: "hoger is ongunstiger", False: "hoger is gunstiger"})
    unit_text = survey["unit"].map({"%": "een percentage", "cijfer": "een rapportcijfer (1-10)",
                                    "schaalscore": "een schaalscore (0-10)"}).fillna(survey["unit"])
    periods = (pd.to_datetime(survey["first_period"]).dt.year.astype("Int64").astype("string") + "–"
               + pd.to_datetime(survey["last_period"]).dt.year.astype("Int64").astype("string"))
    coverage = ("Metingen " + periods + "; " + survey["values_known"].astype(str) + " waarden bekend, "
                + survey["values_missing"].astype(str) + " leeg (te weinig respondenten of niet gepubliceerd).")
    coverage = coverage.fillna("Dit warehouse bevat (nog) geen metingen van deze indicator.")
    survey_rows = pd.DataFrame({
        "indicator": survey["indicator"], "label": survey["label"], "unit": survey["unit"],
        "higher_is_worse": survey["higher_is_worse"], "source": q.SOURCE_SURVEY,
        "definition": "Enquête-indicator, uitgedrukt als " + unit_text + "; " + direction + ". " + coverage,
    })
    out = pd.concat([DASHBOARD_INDICATORS.assign(kind="dashboard"), survey_rows.assign(kind="enquête")], ignore_index=True)
    return out


def indicators_table(defs: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Indicator": defs["label"].array,
        "Sleutel": defs["indicator"].array,
        "Eenheid": defs["unit"].array,
        "Richting": defs["higher_is_worse"].map({True: "hoger = ongunstiger", False: "hoger = gunstiger"}).array,
        "Bron": defs["source"].array,
        "Definitie": defs["definition"].array,
    })


def q_crime_groups(wh: Warehouse) -> pd.DataFrame:
    """The CBS crime kinds in the warehouse per main group, with the matching post theme."""
    out = wh.query(Q_CRIME_TYPES)
    out["group_label"] = out["crime_group"].map(CRIME_GROUPS).fillna(out["crime_group"])
    return out


def crime_groups_table(crime: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Groep": crime["group_label"].array,
        "Code": crime["crime_code"].array,
        "Soort misdrijf": crime["label"].array,
        "Bijbehorend thema": crime["theme_label"].fillna("—").array,
    })


def methods() -> list[tuple[str, str]]:
    """(title, explanation) for every method in wijkbeeld.stats.METHOD_EXPLANATIONS, in its order."""
    return [(METHOD_TITLES.get(key, key.replace("_", " ").capitalize()), text) for key, text in METHOD_EXPLANATIONS.items()]


@lru_cache(maxsize=1)
def redaction_placeholders() -> dict[str, str]:
    """REDACTION_PLACEHOLDERS from etl/text/redact.py, read as a literal from the source file.

    Importing etl.text.redact would compile every redaction pattern (about 60 ms, pyarrow compute kernels) inside the
    dashboard for one dict; reading the literal keeps a single source of truth without that. Empty when the file or
    the constant cannot be found (the page then shows REDACTION_DESCRIPTION only)."""
    path = Path(__file__).resolve().parents[1] / "etl" / "text" / "redact.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "REDACTION_PLACEHOLDERS" and node.value is not None:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
    return {}


def roles_table(current_role: str | None) -> pd.DataFrame:
    return pd.DataFrame({
        "Rol": [ROLE_LABELS[r] for r in ROLES],
        "Mag zien": ["; ".join(PERMISSION_LABELS.get(p, p) for p in sorted(PERMISSIONS[r], key=list(PERMISSION_LABELS).index))
                     for r in ROLES],
        "Uw rol": ["ja" if r == current_role else "" for r in ROLES],
    })


def privacy_facts(builds: pd.DataFrame) -> dict:
    """Key fingerprint, retention and its reference date of the newest build (None when unknown)."""
    if builds.empty:
        return {"fingerprint": None, "retention_months": None, "reference_date": None, "is_demo": None, "cutoff": None}
    row = builds.iloc[0]
    reference = pd.Timestamp(row["reference_date"]) if pd.notna(row["reference_date"]) else None
    months = int(row["retention_months"]) if pd.notna(row["retention_months"]) else None
    cutoff = (reference - pd.DateOffset(months=months)).date() if reference is not None and months is not None else None
    fingerprint = row["pseudonym_key_fingerprint"]
    return {"fingerprint": fingerprint if isinstance(fingerprint, str) and fingerprint else None,
            "retention_months": months, "reference_date": reference.date() if reference is not None else None,
            "is_demo": bool(row["is_demo"]), "cutoff": cutoff}


def deferred_downloads(state, frame: pd.DataFrame, name: str) -> None:
    """The shared download buttons (ui.downloads builds the files only when clicked)."""
    from wijkbeeld.ui import downloads

    downloads(state, frame, name)
