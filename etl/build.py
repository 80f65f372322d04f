"""`python -m etl build`: read every source, run the text steps, load staging, build the marts in a NEW database
file, check it, and only then swap it in with an atomic rename. A failure anywhere leaves the live warehouse
untouched. A file lock keeps two builds from running at once.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from etl.readers.base import ReadResult, Reject, SourceError
from etl.sources import SourcesConfig, load_sources
from wijkbeeld.settings import Settings, get_settings

SQL_DIR = Path(__file__).resolve().parent / "sql"
ORG_TYPES = ("gemeente", "politie", "corporatie", "welzijn", "bewoners")


class BuildError(Exception):
    """The build stopped; the previous warehouse is intact. str(err) is one clear line."""


class BuildLocked(BuildError):
    pass


@dataclass
class SourceReport:
    kind: str
    path: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates_merged: int = 0
    period_start: date | None = None
    period_end: date | None = None
    sha256: str = ""


@dataclass
class BuildReport:
    build_id: str
    warehouse: Path
    seconds: float = 0.0
    sources: list[SourceReport] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)  # (level, message)
    progress: bool = False  # progress bars on stderr (the CLI turns them on for a terminal)
    started: float = field(default_factory=time.perf_counter)

    def info(self, message: str) -> None:
        self.log.append(("info", message))

    def warn(self, message: str) -> None:
        self.log.append(("warning", message))

    def summary_lines(self) -> list[str]:
        lines = [f"{'bron':<14} {'bestand':<48} {'gelezen':>9} {'geladen':>9} {'dubbel':>7} {'afgewezen':>9}"]
        for s in self.sources:
            name = s.path if len(s.path) <= 48 else "…" + s.path[-47:]
            lines.append(f"{s.kind:<14} {name:<48} {s.read:>9} {s.loaded:>9} {s.duplicates_merged:>7} {s.rejected:>9}")
        reasons = pd.Series([r.reason.split(":")[0] for r in self.rejects], dtype="string").value_counts()
        for reason, n in reasons.items():
            lines.append(f"  afgewezen ({n}x): {reason}")
        return lines


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


@contextmanager
def build_lock(warehouse: Path):
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock_path, "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise BuildLocked(f"{warehouse}: er loopt al een build (slot {lock_path}); probeer het later opnieuw") from err
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _entries(report: BuildReport, config: SourcesConfig, kind: str, label: str):
    """The configured files of one kind, with a progress bar per file when asked for."""
    entries = config.of_kind(kind)
    if not report.progress or not entries:
        return entries
    from tqdm import tqdm

    return tqdm(entries, desc=label, unit="bestand", leave=False)


def _check_reject_ratio(result: ReadResult, path: Path, settings: Settings) -> None:
    if result.records_read and len(result.rejects) / result.records_read > settings.max_reject_ratio:
        share = len(result.rejects) / result.records_read
        first = result.rejects[0]
        raise BuildError(
            f"{path}: {share:.0%} van de records afgewezen (maximaal {settings.max_reject_ratio:.0%}); "
            f"eerste: {first.record}: {first.reason}")


def _read(report: BuildReport, kind: str, path: Path, reader, settings: Settings, **kw) -> ReadResult:
    if not path.exists():
        raise BuildError(f"{path}: bestand of map ontbreekt")
    try:
        result = reader(path, **kw)
    except SourceError as err:
        raise BuildError(str(err)) from err
    except (ValueError, KeyError, TypeError, OSError, UnicodeError) as err:
        raise BuildError(f"{path}: onleesbaar ({type(err).__name__}: {err})") from err
    _check_reject_ratio(result, path, settings)
    for note in result.notes:
        report.info(note if path.name in note or path.stem in note else f"{path.name}: {note}")
    report.rejects.extend(result.rejects)
    report.sources.append(SourceReport(kind, str(path), read=result.records_read or len(result.frame),
                                       loaded=len(result.frame), rejected=len(result.rejects), sha256=_sha256(path)))
    return result


# ------------------------------------------------------------------------------------------ source steps

def load_areas(con, report: BuildReport, config: SourcesConfig, settings: Settings) -> pd.DataFrame:
    import geopandas as gpd
    import shapely

    from etl.geo import simplify_coverage
    from etl.readers.boundaries import read_boundaries

    frames = []
    for entry in _entries(report, config, "boundaries", "grenzen"):
        result = _read(report, "boundaries", entry.path, read_boundaries, settings, level=entry.options.get("level"))
        frame = result.frame
        wanted = entry.options.get("gemeenten")  # national files: keep only the gemeenten asked for
        if wanted:
            frame = frame[frame["gemeente_code"].isin(wanted) | frame["code"].isin(wanted)]
            report.sources[-1].loaded = len(frame)
        empty = frame.geometry.is_empty | frame.geometry.isna()
        if empty.any():
            report.warn(f"{entry.path.name}: {int(empty.sum())} gebieden zonder vlak (te klein voor de bron); "
                        "ze staan niet op de kaart")
        frames.append(frame)
    if not frames:
        raise BuildError(f"{config.config_path}: geen [[boundaries]]: zonder grenzen geen wijken")
    areas = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    dupes = areas.duplicated("code", keep="first")
    if dupes.any():
        report.warn(f"{int(dupes.sum())} gebieden kwamen in meer dan één grenzenbestand voor; de eerste is gebruikt")
        areas = areas[~dupes]
    # A gemeente without its own outline gets the union of its wijken.
    known_gm = set(areas.loc[areas["level"] == "gemeente", "code"])
    wijken = areas[areas["level"] == "wijk"]
    missing = sorted(set(wijken["gemeente_code"].dropna()) - known_gm)
    if missing:
        extra = wijken[wijken["gemeente_code"].isin(missing)].dissolve(by="gemeente_code").reset_index()
        extra = extra.assign(code=extra["gemeente_code"], name=extra["gemeente_code"], level="gemeente", wijk_code=None,
                             area_m2=wijken.groupby("gemeente_code")["area_m2"].sum().reindex(extra["gemeente_code"]).to_numpy())
        areas = pd.concat([areas, extra[areas.columns]], ignore_index=True)
        report.info(f"gemeentegrens afgeleid uit de wijken voor {', '.join(missing)}")
    simplified = []
    for level, tolerance in (("gemeente", 25.0), ("wijk", 12.0), ("buurt", 6.0)):
        part = areas[areas["level"] == level]
        if len(part):
            simplified.append(simplify_coverage(gpd.GeoDataFrame(part, crs="EPSG:4326"), tolerance))
    areas = gpd.GeoDataFrame(pd.concat(simplified, ignore_index=True), crs="EPSG:4326")
    geojson = shapely.to_geojson(shapely.set_precision(areas.geometry.values, 1e-5))
    stg = pd.DataFrame({
        "area_code": areas["code"].astype("string"), "level": areas["level"].astype("string"),
        "area_name": areas["name"].astype("string"), "gemeente_code": areas["gemeente_code"].astype("string"),
        "wijk_code": areas["wijk_code"].astype("string"), "area_m2": areas["area_m2"].astype("float64"),
        "geometry_geojson": pd.Series(geojson, dtype="string")})
    stg.loc[stg["level"] == "gemeente", "gemeente_code"] = stg.loc[stg["level"] == "gemeente", "area_code"]
    con.register("stg_area_df", stg)
    con.execute("INSERT INTO stg_cbs__area SELECT * FROM stg_area_df")
    con.unregister("stg_area_df")
    return stg


def _reject_unknown_areas(frame: pd.DataFrame, known: set[str], path: Path, report: BuildReport, what: str) -> pd.DataFrame:
    unknown = ~frame["area_code"].isin(known)
    if unknown.any():
        codes = frame.loc[unknown, "area_code"].astype(str)
        for code, n in codes.value_counts().items():
            report.rejects.append(Reject.of(path, f"gebied {code}", f"gebiedscode komt in geen grenzenbestand voor ({n} {what})"))
        report.warn(f"{path.name}: {int(unknown.sum())} {what} met een gebiedscode zonder grens overgeslagen")
    return frame[~unknown]


def load_population(con, report: BuildReport, config: SourcesConfig, settings: Settings, known: set[str]) -> None:
    from etl.readers.kwb import read_population

    frames = []
    for entry in _entries(report, config, "population", "bevolking"):
        result = _read(report, "population", entry.path, read_population, settings)
        frame = _reject_unknown_areas(result.frame, known, entry.path, report, "bevolkingsrijen")
        report.sources[-1].loaded = len(frame)
        if len(frame):
            report.sources[-1].period_start = date(int(frame["year"].min()), 1, 1)
            report.sources[-1].period_end = date(int(frame["year"].max()), 12, 31)
        frames.append(frame[["area_code", "year", "population", "source_table"]])
    if not frames:
        report.warn("geen bevolkingscijfers: cijfers per 1.000 inwoners zijn onbekend")
        return
    pop = pd.concat(frames, ignore_index=True)
    dup = pop.duplicated(["area_code", "year"], keep="last")
    if dup.any():
        report.warn(f"{int(dup.sum())} bevolkingsrijen dubbel (zelfde gebied en jaar); de laatst genoemde tabel telt")
        pop = pop[~dup]
    con.register("pop_df", pop)
    con.execute("INSERT INTO stg_cbs__population SELECT area_code, year, population, source_table FROM pop_df")
    con.unregister("pop_df")


def load_incidents(con, report: BuildReport, config: SourcesConfig, settings: Settings, known: set[str]) -> None:
    from etl.readers.police import read_police_crime

    frames = []
    for entry in _entries(report, config, "police_crime", "politiecijfers"):
        result = _read(report, "police_crime", entry.path, read_police_crime, settings)
        frame = _reject_unknown_areas(result.frame, known, entry.path, report, "incidentrijen")
        src = report.sources[-1]
        src.loaded = len(frame)
        if len(frame):
            src.period_start = pd.Timestamp(frame["period_start"].min()).date()
            src.period_end = pd.Timestamp(frame["period_start"].max()).date()
        frames.append(frame)
    if not frames:
        report.warn("geen politiecijfers geladen")
        return
    inc = pd.concat(frames, ignore_index=True)
    key = ["area_code", "period_start", "period_type", "crime_code"]
    dup = inc.duplicated(key, keep="last")
    if dup.any():
        report.warn(f"{int(dup.sum())} incidentrijen dubbel (zelfde gebied, periode en code); de laatst genoemde bron telt")
        inc = inc[~dup]
    con.register("inc_df", inc)
    con.execute("""INSERT INTO stg_politie__incident
                   SELECT area_code, CAST(period_start AS DATE), period_type, crime_code, crime_label, "count", source_table
                   FROM inc_df""")
    con.unregister("inc_df")


def load_survey(con, report: BuildReport, config: SourcesConfig, settings: Settings, known: set[str]) -> None:
    from etl.readers.veiligheidsmonitor import read_veiligheidsmonitor

    frames = []
    for entry in _entries(report, config, "survey", "enquêtes"):
        result = _read(report, "survey", entry.path, read_veiligheidsmonitor, settings)
        frame = _reject_unknown_areas(result.frame, known, entry.path, report, "enquêterijen")
        report.sources[-1].loaded = len(frame)
        frames.append(frame)
    for entry in _entries(report, config, "survey_respondents", "wijkenquêtes"):
        from etl.readers.survey_respondents import read_survey_respondents
        from etl.survey_steps import aggregate_respondents

        result = _read(report, "survey", entry.path, read_survey_respondents, settings,
                       gemeente_code=entry.options.get("gemeente_code"), period=entry.options.get("period"),
                       sheet=entry.options.get("sheet"))
        respondents = _reject_unknown_areas(result.frame, known, entry.path, report, "respondenten")
        aggregated = aggregate_respondents(respondents, min_respondents=settings.min_respondents,
                                           source=f"wijkenquête {entry.path.name}")
        aggregated = aggregated[aggregated["area_code"].isin(known)]
        report.sources[-1].loaded = len(respondents)
        not_publishable = int((aggregated["value"].isna() & aggregated["respondents"].notna()).sum())
        if not_publishable:
            report.info(f"{entry.path.name}: {not_publishable} wijkcijfers niet publiceerbaar "
                        f"(minder dan {settings.min_respondents} respondenten)")
        frames.append(aggregated)
    if not frames:
        report.warn("geen enquêtecijfers geladen")
        return
    survey = pd.concat(frames, ignore_index=True)
    con.register("survey_df", survey)
    con.execute("""INSERT INTO stg_survey__indicator
                   SELECT area_code, CAST(period_start AS DATE), indicator, value, lower, upper, respondents, source_table
                   FROM survey_df""")
    con.unregister("survey_df")


def _read_csv_config(path: Path | None, required: list[str], what: str) -> pd.DataFrame:
    if path is None:
        return pd.DataFrame(columns=required)
    if not path.exists():
        raise BuildError(f"{path}: {what} ontbreekt")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise BuildError(f"{path}: {what} is geen leesbare CSV ({err})") from err
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BuildError(f"{path}: kolom(men) ontbreken: {', '.join(missing)}")
    return frame


def load_pages(con, report: BuildReport, config: SourcesConfig, known: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    pages = _read_csv_config(config.pages_csv, ["page_id", "platform", "name", "wijk_codes", "launch_date", "owner_type"], "paginalijst")
    accounts = _read_csv_config(config.accounts_csv, ["platform", "account_ref", "account_name", "owner_type"], "accountlijst")
    good = []
    for i, row in pages.iterrows():
        locator = f"regel {i + 2}"
        wijk_codes = [c.strip() for c in row["wijk_codes"].split(";") if c.strip()]
        bad_codes = [c for c in wijk_codes if c not in known]
        if not wijk_codes or bad_codes:
            report.rejects.append(Reject.of(config.pages_csv, locator, f"wijkcode(s) onbekend: {', '.join(bad_codes) or '(leeg)'}", row.to_dict()))
            continue
        if row["owner_type"] not in ORG_TYPES:
            report.rejects.append(Reject.of(config.pages_csv, locator, f"eigenaar '{row['owner_type']}' is geen van {', '.join(ORG_TYPES)}"))
            continue
        try:
            launch = date.fromisoformat(row["launch_date"]) if row["launch_date"] else None
        except ValueError:
            report.rejects.append(Reject.of(config.pages_csv, locator, f"startdatum '{row['launch_date']}' is geen datum (JJJJ-MM-DD)"))
            continue
        good.append({"page_id": row["page_id"], "platform": row["platform"], "page_name": row["name"],
                     "wijk_codes": ";".join(wijk_codes), "launch_date": launch, "owner_type": row["owner_type"]})
    page_frame = pd.DataFrame(good, columns=["page_id", "platform", "page_name", "wijk_codes", "launch_date", "owner_type"])
    bad_accounts = ~accounts["owner_type"].isin(ORG_TYPES)
    for i in accounts.index[bad_accounts]:
        report.rejects.append(Reject.of(config.accounts_csv, f"regel {i + 2}", f"eigenaar '{accounts.at[i, 'owner_type']}' onbekend"))
    accounts = accounts[~bad_accounts]
    if len(page_frame):
        con.register("pages_df", page_frame)
        con.execute("INSERT INTO stg_posts__page SELECT page_id, platform, page_name, wijk_codes, CAST(launch_date AS DATE), owner_type FROM pages_df")
        con.unregister("pages_df")
    if len(accounts):
        con.register("acc_df", accounts)
        con.execute("INSERT INTO stg_posts__account SELECT platform, account_ref, account_name, owner_type FROM acc_df")
        con.unregister("acc_df")
    return page_frame, accounts


def load_posts(con, report: BuildReport, config: SourcesConfig, settings: Settings, pages: pd.DataFrame,
               accounts: pd.DataFrame, reference: date) -> None:
    from etl.post_steps import prepare_posts
    from etl.readers.posts import read_posts

    frames = []
    for entry in _entries(report, config, "posts", "berichten"):
        opts = dict(entry.options)
        fmt = opts.pop("format", None)
        page_id = opts.pop("page_id", None)
        exported = opts.pop("exported_at", None)
        kw = {}
        if page_id:
            kw["page_ref"] = page_id
        if exported:
            kw["exported_at"] = pd.Timestamp(exported).tz_convert("UTC") if pd.Timestamp(exported).tzinfo else pd.Timestamp(exported, tz="UTC")
        result = _read(report, "posts", entry.path, read_posts, settings, fmt=fmt, **kw)
        frame = result.frame.assign(source_file=str(entry.path), source_index=len(report.sources) - 1)
        if page_id:
            frame["page_ref"] = page_id
        frames.append(frame)
    if not frames:
        report.warn("geen berichten geladen")
        return
    from etl.text.pseudonym import PseudonymKeyError

    try:
        prepared = prepare_posts(pd.concat(frames, ignore_index=True), pages=pages, accounts=accounts, settings=settings,
                                 is_demo=config.is_demo, reference_date=reference,
                                 retention_months=config.retention_months or settings.retention_months)
    except PseudonymKeyError as err:
        raise BuildError(f"{config.config_path}: berichten kunnen niet worden opgeslagen: {err}") from err
    for idx, n in prepared.duplicates_by_source.items():
        report.sources[idx].duplicates_merged = int(n)
    for idx, n in prepared.loaded_by_source.items():
        report.sources[idx].loaded = int(n)
    report.rejects.extend(prepared.rejects)
    for line in prepared.log:
        report.info(line)
    report.key_fingerprint = prepared.key_fingerprint
    con.register("posts_df", prepared.posts)
    con.execute("INSERT INTO stg_posts__post SELECT * FROM posts_df")
    con.unregister("posts_df")
    con.register("themes_df", prepared.themes)
    con.execute("INSERT INTO stg_posts__theme SELECT post_id, theme, matched_terms FROM themes_df")
    con.unregister("themes_df")
    con.register("tone_df", prepared.tone)
    con.execute("INSERT INTO stg_posts__tone SELECT post_id, tone FROM tone_df")
    con.unregister("tone_df")


def load_dimensions(con, settings: Settings) -> None:
    from wijkbeeld.crime_groups import crime_group, crime_theme, nuisance_theme
    from etl.readers.veiligheidsmonitor import VM_INDICATORS
    from etl.text.themes import load_taxonomy

    taxonomy = load_taxonomy(settings.themes_file)
    themes = pd.DataFrame([(t.key, t.label, t.group, t.description) for t in taxonomy.themes],
                          columns=["theme", "label", "theme_group", "description"])
    con.register("theme_df", themes)
    con.execute("INSERT INTO dim_theme SELECT * FROM theme_df")
    con.unregister("theme_df")
    codes = con.execute("""SELECT crime_code, any_value(crime_label), bool_or(source_table = '47024NED')
                           FROM stg_politie__incident GROUP BY crime_code""").fetchall()
    rows = []
    for code, label, is_nuisance in codes:
        if is_nuisance:  # registered nuisance (47024NED) has its own codes: a group of its own
            rows.append((code, label or code, "overlast", nuisance_theme(label)))
        else:
            rows.append((code, label or code, crime_group(code), crime_theme(code)))
    crime = pd.DataFrame(rows, columns=["crime_code", "label", "crime_group", "theme"])
    con.register("crime_df", crime)
    con.execute("INSERT INTO dim_crime_type SELECT * FROM crime_df")
    con.unregister("crime_df")
    ind = pd.DataFrame([(k, v["label"], v["unit"], bool(v["higher_is_worse"])) for k, v in VM_INDICATORS.items()],
                       columns=["indicator", "label", "unit", "higher_is_worse"])
    con.register("ind_df", ind)
    con.execute("INSERT INTO dim_indicator SELECT * FROM ind_df")
    con.unregister("ind_df")


# Post aggregates that survive retention: when posts expire, their monthly counts are taken over from the
# previous warehouse, so trends stay while the posts themselves are gone.
CARRIED_AGGREGATES = {
    "mart_wijk_post_month": ("wijk_code", "month"),
    "mart_wijk_theme_month": ("wijk_code", "month", "theme"),
    "mart_wijk_crime_theme_posts_month": ("wijk_code", "month", "crime_group"),
}


def carry_forward_aggregates(con, report: BuildReport, previous: Path, reference: date, retention_months: int) -> None:
    if not previous.exists():
        return
    cutoff = (pd.Timestamp(reference) - pd.DateOffset(months=retention_months)).date().replace(day=1)
    try:
        con.execute("ATTACH ? AS previous (READ_ONLY)", [str(previous)])
    except duckdb.Error as err:  # an unreadable old file must not stop a good build
        report.warn(f"vorig warehouse niet te lezen voor oude aggregaten: {err}")
        return
    try:
        carried = 0
        for table, key in CARRIED_AGGREGATES.items():  # identifiers from the fixed list above
            exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' AND table_name = ?",
                                 [table]).fetchone()[0]
            if not exists:
                continue
            keys = ", ".join(key)
            before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            con.execute(f"""INSERT INTO {table} BY NAME
                            SELECT * FROM previous.{table} p
                            WHERE p.month < ? AND ({keys}) NOT IN (SELECT {keys} FROM {table})""", [cutoff])
            carried += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before
        carried_builds = carry_forward_build_history(con)
        if carried_builds:
            report.info(f"bouwgeschiedenis van {carried_builds} eerdere build(s) overgenomen")
        if carried:
            report.info(f"{carried} maandaggregaten van berichten van voor {cutoff} overgenomen uit het vorige warehouse "
                        "(de berichten zelf zijn na de bewaartermijn verwijderd)")
    finally:
        con.execute("DETACH previous")


BUILD_HISTORY = 9  # earlier builds kept in meta_build and its detail tables
HISTORY_TABLES = ("meta_build_log", "meta_rejected_record", "meta_source_file")


def carry_forward_build_history(con) -> int:
    """Copy the most recent earlier builds' bookkeeping from the attached previous warehouse."""
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' AND table_name = 'meta_build'").fetchone()[0]
    if not has:
        return 0
    con.execute("""CREATE TEMP TABLE carried_builds AS
                   SELECT build_id FROM previous.meta_build ORDER BY built_at DESC LIMIT ?""", [BUILD_HISTORY])
    con.execute("INSERT INTO meta_build SELECT * FROM previous.meta_build WHERE build_id IN (SELECT build_id FROM carried_builds)")
    for table in HISTORY_TABLES:  # identifiers from the fixed tuple above
        con.execute(f"INSERT INTO {table} SELECT * FROM previous.{table} WHERE build_id IN (SELECT build_id FROM carried_builds)")
    n = con.execute("SELECT count(*) FROM carried_builds").fetchone()[0]
    con.execute("DROP TABLE carried_builds")
    return n


def check_warehouse(con) -> list[str]:
    """Sanity checks before the swap. Returns problems; an empty list means the file may go live."""
    problems = []
    n_wijk = con.execute("SELECT count(*) FROM dim_wijk").fetchone()[0]
    if n_wijk == 0:
        problems.append("geen enkele wijk in de grenzen")
    no_geom = con.execute("SELECT count(*) FROM dim_wijk WHERE geometry_geojson IS NULL").fetchone()[0]
    if no_geom:
        problems.append(f"{no_geom} wijken zonder geometrie")
    orphan = con.execute("SELECT count(*) FROM dim_buurt b LEFT JOIN dim_wijk w USING (wijk_code) WHERE w.wijk_code IS NULL").fetchone()[0]
    if orphan:
        problems.append(f"{orphan} buurten in een wijk die niet bestaat")
    negative = con.execute("SELECT count(*) FROM fct_incident_month WHERE incident_count < 0").fetchone()[0]
    if negative:
        problems.append(f"{negative} negatieve incidentaantallen")
    return problems


def _write_meta(con, report: BuildReport, config: SourcesConfig, settings: Settings, reference: date) -> None:
    now = datetime.now(timezone.utc)
    retention = config.retention_months or settings.retention_months
    fingerprint = getattr(report, "key_fingerprint", None)
    con.execute("INSERT INTO meta_schema VALUES (?, ?, ?, ?, ?, ?, ?)",
                [settings.schema_version, now, report.build_id, config.is_demo, fingerprint, retention, reference])
    con.execute("INSERT INTO meta_build VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [report.build_id, now, config.is_demo, settings.schema_version, fingerprint, retention, reference,
                 round(time.perf_counter() - report.started, 2), len(report.rejects)])
    from etl.text.redact import redact

    rejects = pd.DataFrame([(report.build_id, r.source_file, r.record, r.reason, redact(r.raw) if r.raw else None)
                            for r in report.rejects],
                           columns=["build_id", "source_file", "record", "reason", "raw_excerpt"])
    if len(rejects):
        con.register("rej_df", rejects)
        con.execute("INSERT INTO meta_rejected_record SELECT * FROM rej_df")
        con.unregister("rej_df")
    srcs = pd.DataFrame([(report.build_id, s.kind, s.path, s.sha256, s.read, s.loaded, s.rejected, s.duplicates_merged,
                          s.period_start, s.period_end) for s in report.sources],
                        columns=["build_id", "source_kind", "path", "sha256", "records_read", "records_loaded",
                                 "records_rejected", "duplicates_merged", "period_start", "period_end"])
    if len(srcs):
        con.register("src_df", srcs)
        con.execute("INSERT INTO meta_source_file SELECT build_id, source_kind, path, sha256, records_read, records_loaded, "
                    "records_rejected, duplicates_merged, CAST(period_start AS DATE), CAST(period_end AS DATE) FROM src_df")
        con.unregister("src_df")
    log = pd.DataFrame([(report.build_id, i, now, level, msg) for i, (level, msg) in enumerate(report.log)],
                       columns=["build_id", "seq", "logged_at", "level", "message"])
    if len(log):
        con.register("log_df", log)
        con.execute("INSERT INTO meta_build_log SELECT * FROM log_df")
        con.unregister("log_df")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build(sources_path: Path | None = None, warehouse: Path | None = None, settings: Settings | None = None,
          today: date | None = None, progress: bool = False) -> BuildReport:
    """Build a new warehouse from the sources config and swap it in atomically."""
    settings = settings or get_settings()
    warehouse = Path(warehouse or settings.warehouse_path)
    sources_path = Path(sources_path or settings.sources_file)
    report = BuildReport(build_id=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6],
                         warehouse=warehouse, progress=progress)
    started = time.perf_counter()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(warehouse):
        try:
            config = load_sources(sources_path)
        except SourceError as err:
            raise BuildError(str(err)) from err
        reference = config.retention_reference_date or today or date.today()
        # Leftovers of builds that were killed: safe to remove, we hold the lock so no other build writes them.
        for stale in warehouse.parent.glob(f".{warehouse.name}.*.building*"):
            stale.unlink(missing_ok=True)
            report.info(f"achtergebleven bestand van een afgebroken build verwijderd: {stale.name}")
        tmp = warehouse.with_name(f".{warehouse.name}.{report.build_id}.building")
        try:
            con = duckdb.connect(str(tmp))
            try:
                con.execute((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
                areas = load_areas(con, report, config, settings)
                known = set(areas["area_code"])
                wijk_codes = set(areas.loc[areas["level"] == "wijk", "area_code"])
                load_population(con, report, config, settings, known)
                load_incidents(con, report, config, settings, known)
                load_survey(con, report, config, settings, known)
                pages, accounts = load_pages(con, report, config, wijk_codes)
                load_posts(con, report, config, settings, pages, accounts, reference)
                load_dimensions(con, settings)
                # marts.sql first, then topic marts (marts_<topic>.sql) that build on it, in name order.
                for sql_file in sorted(SQL_DIR.glob("marts*.sql"), key=lambda p: (p.name != "marts.sql", p.name)):
                    con.execute(sql_file.read_text(encoding="utf-8"))
                carry_forward_aggregates(con, report, warehouse, reference,
                                         config.retention_months or settings.retention_months)
                problems = check_warehouse(con)
                if problems:
                    raise BuildError(f"{sources_path}: controle mislukt: {'; '.join(problems)}")
                report.seconds = time.perf_counter() - started
                report.info(f"build {report.build_id} klaar in {report.seconds:.1f} s; {len(report.rejects)} records afgewezen")
                _write_meta(con, report, config, settings, reference)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, warehouse)  # the atomic swap: readers see the old file or the new one, never a mix
            _fsync_dir(warehouse.parent)
        except BaseException as err:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)
            if isinstance(err, (duckdb.Error, OSError)) and not isinstance(err, BuildError):
                # A full disk or a failing write: one clear line, the live warehouse untouched.
                first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                raise BuildError(f"{warehouse.parent}: schrijven van het nieuwe warehouse mislukt ({first_line}); "
                                 "het vorige warehouse is ongewijzigd") from err
            raise
    report.seconds = time.perf_counter() - started
    return report
