"""`python -m etl fetch`: download the public sources for one gemeente into the raw cache.

Layout written under DEST (default: <raw_cache_dir>/<GMxxxx>):
  <TableId>/                    one CBS OData v3 table as raw API responses (see etl/readers/cbs_odata.py):
                                TableInfos.json, DataProperties.json, <Dimension>.json, TypedDataSet_NNN.json
  pdok/wijken-en-buurten-<year>/{gemeenten,wijken,buurten}.geojson

A table is downloaded into '<TableId>.partial/' and renamed to '<TableId>/' only when every page is on disk,
so a broken download never looks complete. Each page is written to a temporary name and renamed, and
'fetch_state.json' records which query every page belongs to: a second run resumes after the last complete
page. Requests are spaced (default one per second), retried with exponential back-off on connection errors,
HTTP 429 and 5xx (Retry-After honoured), and never sent in parallel.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from etl.readers.base import SourceError
from etl.readers.kwb import TABLE_YEARS

POLITIE_ODATA = "https://dataderden.cbs.nl/ODataApi/odata/{table}/"
CBS_ODATA = "https://opendata.cbs.nl/ODataApi/odata/{table}/"
PDOK_DATASET = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1/collections/{collection}/items"
STATE_FILE = "fetch_state.json"
REGION_CODES_PER_QUERY = 25  # keeps each $filter URL well under common 8 KB limits
REQUESTS_PER_SECOND = 1.0  # politeness: CBS asks API users not to hammer the service
MAX_RETRIES = 5
BACKOFF_SECONDS = 2.0  # 2, 4, 8, 16, 32 s
TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class TableSource:
    table_id: str
    base: str
    region_dimension: str
    period_dimension: str | None
    description: str


POLITIE_TABLES = (
    TableSource("47022NED", POLITIE_ODATA, "WijkenEnBuurten", "Perioden",
                "Politie: geregistreerde misdrijven per soort, wijk, buurt en maand"),
    TableSource("47018NED", POLITIE_ODATA, "WijkenEnBuurten", "Perioden",
                "Politie: geregistreerde misdrijven per soort, wijk en buurt, jaarcijfers"),
    TableSource("47024NED", POLITIE_ODATA, "WijkenEnBuurten", "Perioden",
                "Politie: geregistreerde overlast per soort, wijk, buurt en maand"),
)
VEILIGHEIDSMONITOR = TableSource("85146NED", CBS_ODATA, "RegioS", "Perioden",
                                 "CBS Veiligheidsmonitor: veiligheidsbeleving, leefbaarheid per gemeente en wijk")
SOURCE_KEYS = ("politie", "kwb", "veiligheidsmonitor", "grenzen")

_KWB_LIST = ("\n" + " " * 23).join(
    textwrap.wrap(", ".join(f"{y}: {t}" for t, y in sorted(TABLE_YEARS.items(), key=lambda kv: kv[1])), width=66)
)
SOURCES_HELP = f"""\
bronnen (alle openbaar, CC BY 4.0, gefilterd op de regio's van de gemeente en op perioden vanaf --since):
  politie             {', '.join(t.table_id for t in POLITIE_TABLES)} via dataderden.cbs.nl (Politie open data):
                      geregistreerde misdrijven per maand en per jaar, en geregistreerde overlast, per wijk
                      en buurt. Totaalrijen (0.0.0) komen mee maar worden bij het inlezen apart gehouden.
  kwb                 Kerncijfers wijken en buurten via opendata.cbs.nl, één tabel per jaar
                      ({_KWB_LIST}):
                      inwoners per gemeente, wijk en buurt, voor cijfers per 1.000 inwoners.
  veiligheidsmonitor  {VEILIGHEIDSMONITOR.table_id} via opendata.cbs.nl: onveiligheidsgevoelens, rapportcijfers,
                      verloedering, overlast en sociale cohesie met 95%-marges (tweejaarlijks).
  grenzen             PDOK OGC API 'wijken-en-buurten-<jaar>' (CBS): gemeente-, wijk- en buurtgrenzen van het
                      nieuwste beschikbare jaar, als GeoJSON.

Elke tabel komt eerst in '<TableId>.partial/' en wordt pas hernoemd als alle pagina's binnen zijn; een
afgebroken download gaat bij de volgende aanroep verder na de laatste complete pagina. Al complete tabellen
worden overgeslagen (gebruik --refresh om ze opnieuw op te halen).
"""


class FetchError(Exception):
    """A download failed after all retries; the partial folder keeps what is complete for the next run."""


# ---------------------------------------------------------------------------------------------- HTTP


class PoliteSession:
    """Wraps a requests-like session: one request at a time, spaced, retried with exponential back-off."""

    def __init__(self, session=None, *, requests_per_second: float = REQUESTS_PER_SECOND,
                 max_retries: int = MAX_RETRIES, backoff: float = BACKOFF_SECONDS,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 timeout: float = TIMEOUT_SECONDS):
        if session is None:
            import requests

            session = requests.Session()
            session.headers["User-Agent"] = "wijkbeeld-fetch (gemeentelijk dashboard; open data)"
        self.session = session
        self.interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self.max_retries, self.backoff, self.sleep, self.clock, self.timeout = max_retries, backoff, sleep, clock, timeout
        self._last = None
        self.requests = 0

    def _wait_turn(self) -> None:
        if self._last is not None:
            remaining = self.interval - (self.clock() - self._last)
            if remaining > 0:
                self.sleep(remaining)
        self._last = self.clock()

    def get(self, url: str, params=None, timeout: float | None = None):
        """GET with retries; returns the response (status 200) or raises FetchError."""
        problem = ""
        for attempt in range(self.max_retries + 1):
            self._wait_turn()
            self.requests += 1
            try:
                response = self.session.get(url, params=params, timeout=timeout or self.timeout)
            except Exception as exc:  # connection reset, timeout, DNS: worth another try
                problem = f"{type(exc).__name__}: {exc}"
                response = None
            if response is not None:
                status = getattr(response, "status_code", 200)
                if status == 200:
                    return response
                problem = f"HTTP {status}"
                if status not in (429, 500, 502, 503, 504):
                    raise FetchError(f"{url}: {problem}")
            if attempt < self.max_retries:
                retry_after = _retry_after(response)
                self.sleep(retry_after if retry_after is not None else self.backoff * 2**attempt)
        raise FetchError(f"{url}: {problem} (na {self.max_retries + 1} pogingen)")


def _retry_after(response) -> float | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _json(response, url: str) -> dict:
    try:
        payload = response.json()
    except ValueError as exc:
        raise FetchError(f"{url}: antwoord is geen JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise FetchError(f"{url}: onverwacht antwoord (geen JSON-object)")
    return payload


# ---------------------------------------------------------------------------------------------- files


def _write_atomic(path: Path, payload: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


QUERY_SAFE = "',()$"  # readable filters; spaces and the rest percent-encoded


def _odata_url(base: str, resource: str, **query: str) -> str:
    parts = [f"{k}={quote(v, safe=QUERY_SAFE)}" for k, v in query.items() if v]
    return base + resource + ("?" + "&".join(parts) if parts else "")


def region_filter(dimension: str, padded_codes: list[str]) -> str:
    """OData v3 filter on exact (padded) region keys, as StatLine's own DefaultSelection writes it."""
    return "(" + " or ".join(f"({dimension} eq '{code}')" for code in padded_codes) + ")"


def period_filter(dimension: str, since: dt.date) -> str:
    """Periods from `since` on: keys compare as text ('2021' < '2021JJ00' < '2021MM01' < '2022...')."""
    key = f"{since.year}" if since.month == 1 else f"{since.year}MM{since.month:02d}"
    return f"({dimension} ge '{key}')"


def gemeente_region_keys(keys: list[str], gemeente: str) -> list[str]:
    """Padded keys of the gemeente itself, its wijken and its buurten ('GM0867', 'WK0867..', 'BU0867..')."""
    number = gemeente[2:6]
    pattern = re.compile(rf"^(GM{number}|WK{number}\d{{2}}|BU{number}\d{{4}})$")
    return [k for k in keys if pattern.match(k.strip())]


@dataclass
class TableReport:
    table_id: str
    status: str  # 'complete', 'skipped', 'failed', 'not found'
    pages: int = 0
    rows: int = 0
    message: str = ""


@dataclass
class FetchReport:
    dest: Path
    tables: list[TableReport] = field(default_factory=list)
    boundaries: list[str] = field(default_factory=list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return all(t.status in ("complete", "skipped", "not found") for t in self.tables)


class TableFetcher:
    """Downloads one OData table for one gemeente into <dest>/<TableId>.partial, then renames it."""

    def __init__(self, source: TableSource, dest: Path, session: PoliteSession, gemeente: str, since: dt.date,
                 progress: bool = True):
        self.source, self.dest, self.session, self.gemeente, self.since = source, dest, session, gemeente, since
        self.base = source.base.format(table=source.table_id)
        self.final = dest / source.table_id
        self.partial = dest / f"{source.table_id}.partial"
        self.progress = progress

    def _get_all(self, url: str) -> dict:
        """A metadata resource with all its pages merged (code lists of all regions can exceed one page)."""
        first = _json(self.session.get(url), url)
        values = list(first.get("value") or [])
        next_link = first.get("odata.nextLink")
        while next_link:
            page = _json(self.session.get(next_link), next_link)
            values.extend(page.get("value") or [])
            next_link = page.get("odata.nextLink")
        return {"odata.metadata": first.get("odata.metadata"), "value": values}

    def _metadata(self, name: str, url: str) -> dict:
        path = self.partial / f"{name}.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        payload = self._get_all(url)
        _write_atomic(path, payload)
        return payload

    def _load_state(self, queries: list[str]) -> dict:
        path = self.partial / STATE_FILE
        if path.exists():
            state = json.loads(path.read_text(encoding="utf-8"))
            if state.get("queries") == queries:
                return state
            for stale in self.partial.glob("TypedDataSet_*.json"):  # other gemeente/period: start over
                stale.unlink()
        state = {"queries": queries, "pages": [], "complete": False}
        _write_atomic(path, state)
        return state

    def run(self, refresh: bool = False) -> TableReport:
        table = self.source.table_id
        if self.final.exists() and not refresh:
            return TableReport(table, "skipped", message="al compleet")
        self.partial.mkdir(parents=True, exist_ok=True)
        self._metadata("TableInfos", self.base + "TableInfos")
        props = self._metadata("DataProperties", self.base + "DataProperties")["value"]
        dimensions = [p["Key"] for p in props if p.get("Type") in ("Dimension", "TimeDimension", "GeoDimension")]
        if self.source.region_dimension not in dimensions:
            raise FetchError(f"{table}: dimensie {self.source.region_dimension} ontbreekt in DataProperties")
        number = self.gemeente[2:6]
        for dimension in dimensions:
            url = self.base + dimension
            if dimension == self.source.region_dimension:
                url = _odata_url(self.base, dimension, **{"$filter": f"substringof('{number}',Key)"})
            codes = self._metadata(dimension, url)
            if dimension == self.source.region_dimension:
                keys = gemeente_region_keys([c["Key"] for c in codes["value"]], self.gemeente)
                if len(keys) != len(codes["value"]):  # keep only this gemeente's regions in the code list
                    codes["value"] = [c for c in codes["value"] if c["Key"] in keys]
                    _write_atomic(self.partial / f"{dimension}.json", codes)
        region_keys = [c["Key"] for c in json.loads((self.partial / f"{self.source.region_dimension}.json").read_text(encoding="utf-8"))["value"]]
        if not region_keys:
            shutil.rmtree(self.partial)
            return TableReport(table, "not found", message=f"geen regio's van {self.gemeente} in deze tabel")
        period = self.source.period_dimension if self.source.period_dimension in dimensions else None
        queries = []
        for start in range(0, len(region_keys), REGION_CODES_PER_QUERY):
            chunk = region_filter(self.source.region_dimension, region_keys[start:start + REGION_CODES_PER_QUERY])
            condition = f"{period_filter(period, self.since)} and {chunk}" if period else chunk
            queries.append(_odata_url(self.base, "TypedDataSet", **{"$filter": condition, "$format": "json"}))
        state = self._load_state(queries)
        pages, rows = self._download_pages(state)
        state["complete"] = True
        _write_atomic(self.partial / STATE_FILE, state)
        if self.final.exists():  # --refresh: swap the new copy in, then drop the old one
            old = self.dest / f"{table}.old"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.final, old)
            os.replace(self.partial, self.final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.partial, self.final)
        return TableReport(table, "complete", pages=pages, rows=rows)

    def _download_pages(self, state: dict) -> tuple[int, int]:
        from tqdm import tqdm

        bar = tqdm(desc=self.source.table_id, unit="pagina", disable=not self.progress, initial=len(state["pages"]))
        try:
            for index, query in enumerate(state["queries"]):
                done = [p for p in state["pages"] if p["query"] == index]
                if done and not done[-1]["next"]:
                    continue  # this query is complete
                url = done[-1]["next"] if done else query
                while url:
                    payload = _json(self.session.get(url), url)
                    if not isinstance(payload.get("value"), list):
                        raise FetchError(f"{url}: geen OData-antwoord met 'value'")
                    number = len(state["pages"]) + 1
                    name = f"TypedDataSet_{number:03d}.json"
                    _write_atomic(self.partial / name, payload)
                    url = payload.get("odata.nextLink")
                    state["pages"].append({"query": index, "file": name, "rows": len(payload["value"]), "next": url})
                    _write_atomic(self.partial / STATE_FILE, state)
                    bar.update(1)
        finally:
            bar.close()
        return len(state["pages"]), sum(p["rows"] for p in state["pages"])


# ---------------------------------------------------------------------------------------------- boundaries


def fetch_boundaries(dest: Path, session: PoliteSession, gemeente: str, *, year: int | None = None,
                     progress: bool = True) -> list[str]:
    """Newest PDOK wijken-en-buurten year (or `year`) for the gemeente: three GeoJSON files, written atomically."""
    from etl.geo import iter_pdok_pages

    this_year = dt.date.today().year
    years = [year] if year else list(range(this_year, this_year - 4, -1))
    for candidate in years:
        folder = dest / "pdok" / f"wijken-en-buurten-{candidate}"
        written: list[str] = []
        try:
            for collection in ("gemeenten", "wijken", "buurten"):
                target = folder / f"{collection}.geojson"
                if target.exists():
                    written.append(str(target))
                    continue
                features: list[dict] = []
                url = PDOK_DATASET.format(year=candidate, collection=collection)
                for _, page in iter_pdok_pages(url, session=session, gemeentecode=gemeente):
                    features.extend(page["features"])
                if not features:
                    raise FetchError(f"{url}: geen features voor {gemeente}")
                folder.mkdir(parents=True, exist_ok=True)
                _write_atomic(target, {"type": "FeatureCollection", "features": features})
                written.append(str(target))
            return written
        except (FetchError, SourceError) as exc:
            if year or "HTTP 404" not in str(exc):
                raise
    raise FetchError(f"geen PDOK wijken-en-buurten-dataset gevonden voor {', '.join(map(str, years))}")


# ---------------------------------------------------------------------------------------------- command


def parse_since(text: str) -> dt.date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"--since verwacht JJJJ-MM, niet {text!r}")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def parse_gemeente(text: str) -> str:
    code = text.strip().upper()
    if not re.fullmatch(r"GM\d{4}", code):
        raise argparse.ArgumentTypeError(f"--gemeente verwacht een CBS-gemeentecode als GM0867, niet {text!r}")
    return code


def tables_for(sources: tuple[str, ...], since: dt.date) -> list[TableSource]:
    tables: list[TableSource] = []
    if "politie" in sources:
        tables += list(POLITIE_TABLES)
    if "kwb" in sources:
        # population of the year before `since` too: rates for the first months need it
        tables += [TableSource(t, CBS_ODATA, "WijkenEnBuurten", None, f"Kerncijfers wijken en buurten {y}")
                   for t, y in sorted(TABLE_YEARS.items(), key=lambda kv: kv[1]) if y >= since.year - 1]
    if "veiligheidsmonitor" in sources:
        tables.append(VEILIGHEIDSMONITOR)
    return tables


def fetch_all(gemeente: str, since: dt.date, dest: Path, *, session=None, sources: tuple[str, ...] = SOURCE_KEYS,
              refresh: bool = False, progress: bool = True, requests_per_second: float = REQUESTS_PER_SECOND,
              sleep: Callable[[float], None] = time.sleep, boundary_year: int | None = None) -> FetchReport:
    """Download every selected source; a failing table is reported and the others still run."""
    dest.mkdir(parents=True, exist_ok=True)
    polite = session if isinstance(session, PoliteSession) else PoliteSession(
        session, requests_per_second=requests_per_second, sleep=sleep)
    report = FetchReport(dest=dest)
    for source in tables_for(sources, since):
        try:
            report.tables.append(TableFetcher(source, dest, polite, gemeente, since, progress).run(refresh))
        except FetchError as exc:
            if "HTTP 404" in str(exc):
                shutil.rmtree(dest / f"{source.table_id}.partial", ignore_errors=True)
                report.tables.append(TableReport(source.table_id, "not found", message=str(exc)))
            else:
                report.tables.append(TableReport(source.table_id, "failed", message=str(exc)))
    if "grenzen" in sources:
        try:
            report.boundaries = fetch_boundaries(dest, polite, gemeente, year=boundary_year, progress=progress)
        except (FetchError, SourceError) as exc:
            report.tables.append(TableReport("pdok-grenzen", "failed", message=str(exc)))
    report.requests = polite.requests
    return report


def run_fetch(args: argparse.Namespace) -> int:
    if args.dest is None:
        from wijkbeeld.settings import get_settings

        dest = get_settings().raw_cache_dir / args.gemeente
    else:
        dest = Path(args.dest)
    report = fetch_all(args.gemeente, args.since, dest, sources=tuple(args.sources), refresh=args.refresh,
                       progress=not args.no_progress, requests_per_second=args.rate)
    for table in report.tables:
        detail = f"{table.pages} pagina's, {table.rows} rijen" if table.status == "complete" else table.message
        print(f"{table.table_id:>14}  {table.status:<9} {detail}")
    for path in report.boundaries:
        print(f"{'grenzen':>14}  complete  {path}")
    print(f"{report.requests} verzoeken; map: {report.dest}")
    from etl.cache_sources import write_cache_sources

    sources = write_cache_sources(report.dest)
    print(f"Bronnenlijst: {sources}\nBouw het warehouse met: python -m etl build --sources {sources}")
    return 0 if report.ok else 1


def add_subparser(subparsers) -> argparse.ArgumentParser:
    """Register `fetch` on an argparse subparsers object; the handler is in `func`."""
    parser = subparsers.add_parser(
        "fetch",
        help="download openbare bronnen (Politie, CBS, PDOK) voor één gemeente naar de ruwe cache",
        description="Download alle openbare bronnen voor één gemeente naar de ruwe cache, hervatbaar.",
        epilog=SOURCES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--gemeente", required=True, type=parse_gemeente, help="CBS-gemeentecode, bijv. GM0867 (Waalwijk)")
    parser.add_argument("--since", required=True, type=parse_since, help="eerste maand, JJJJ-MM (bijv. 2021-01)")
    parser.add_argument("--dest", type=Path, default=None,
                        help="doelmap (standaard <raw_cache_dir>/<gemeente>, zie WIJKBEELD_RAW_CACHE)")
    parser.add_argument("--sources", nargs="+", choices=SOURCE_KEYS, default=list(SOURCE_KEYS),
                        help="welke bronnen (standaard alle): " + ", ".join(SOURCE_KEYS))
    parser.add_argument("--refresh", action="store_true", help="ook complete tabellen opnieuw ophalen (nieuwe maanden)")
    parser.add_argument("--rate", type=float, default=REQUESTS_PER_SECOND,
                        help=f"maximaal aantal verzoeken per seconde (standaard {REQUESTS_PER_SECOND})")
    parser.add_argument("--no-progress", action="store_true", help="geen voortgangsbalken (voor logs)")
    parser.set_defaults(func=run_fetch)
    return parser
