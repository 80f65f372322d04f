"""`etl fetch` against a fake session that replays recorded OData/PDOK responses (no network)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from etl import fetch
from etl.readers.cbs_odata import read_cbs_table
from etl.readers.kwb import read_population
from etl.readers.police import read_police_crime

CBS = Path(__file__).resolve().parent / "data" / "cbs"
GEO = Path(__file__).resolve().parent / "data" / "geo"


class Response:
    def __init__(self, status_code: int, payload=None, headers=None):
        self.status_code, self.payload, self.headers = status_code, payload, headers or {}

    def json(self):
        return self.payload


class ReplaySession:
    """Serves the recorded table folders in tests/data/cbs as the OData API would, and PDOK pages.

    `failures` maps a URL fragment to how many times that request fails with HTTP 503 before it works
    (a large number: it keeps failing)."""

    def __init__(self, failures: dict[str, int] | None = None):
        self.calls: list[str] = []
        self.failures = dict(failures or {})

    def _table(self, table: str, resource: str, url: str):
        folder = CBS / table
        if not folder.exists():
            return Response(404, {"odata.error": {"message": "Table not found"}})
        if resource == "TypedDataSet":
            pages = sorted(folder.glob("TypedDataSet*.json"))
            skip = int(url.split("$skip=")[1].split("&")[0]) if "$skip=" in url else 0
            offset = 0
            for page in pages:
                payload = json.loads(page.read_text(encoding="utf-8"))
                if offset == skip:
                    return Response(200, payload)
                offset += len(payload["value"])
            return Response(400, {"odata.error": {"message": "bad skip"}})
        payload = json.loads((folder / f"{resource}.json").read_text(encoding="utf-8"))
        if resource in ("WijkenEnBuurten", "RegioS"):
            # the server's substringof('0867',Key) also matches another gemeente's buurt: fetch must drop it
            payload["value"] = payload["value"] + [{"Key": "BU03630867", "Title": "Elders", "Description": None}]
        return Response(200, payload)

    def get(self, url, params=None, timeout=None):
        full = url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
        self.calls.append(unquote(full))
        for fragment, remaining in self.failures.items():
            if fragment in full and remaining > 0:
                self.failures[fragment] = remaining - 1
                return Response(503, None, {"Retry-After": "0"})
        if "api.pdok.nl" in url:
            return self._pdok(url)
        parts = re.split(r"/odata/", url, flags=re.IGNORECASE)[1].split("?")[0].split("/")
        return self._table(parts[0], parts[1], unquote(url))

    def _pdok(self, url):
        if "wijken-en-buurten-2023" not in url:
            return Response(404, {"code": "NotFound"})
        if "/buurten/" in url:
            name = "pdok_buurten_p2.json" if "cursor=" in url else "pdok_buurten_p1.json"
            return Response(200, json.loads((GEO / name).read_text(encoding="utf-8")))
        collection = url.split("/collections/")[1].split("/")[0]
        feature = {"type": "Feature", "id": 1, "properties": {"statcode": "GM0867" if collection == "gemeenten" else "WK086700"},
                   "geometry": {"type": "Polygon", "coordinates": [[[5.0, 51.6], [5.1, 51.6], [5.1, 51.7], [5.0, 51.6]]]}}
        return Response(200, {"type": "FeatureCollection", "features": [feature], "links": []})


def no_sleep(seconds: float) -> None:
    no_sleep.total += seconds


no_sleep.total = 0.0


def fetch_police(dest: Path, session, **kwargs):
    return fetch.fetch_all("GM0867", dt.date(2024, 1, 1), dest, session=session, sources=("politie",),
                           progress=False, sleep=no_sleep, **kwargs)


def test_fetch_pages_filters_and_layout(tmp_path):
    session = ReplaySession()
    report = fetch_police(tmp_path, session)
    status = {t.table_id: t.status for t in report.tables}
    assert status == {"47022NED": "complete", "47018NED": "complete", "47024NED": "complete"}
    monthly = next(t for t in report.tables if t.table_id == "47022NED")
    assert (monthly.pages, monthly.rows) == (2, 64)
    folder = tmp_path / "47022NED"
    assert sorted(p.name for p in folder.glob("TypedDataSet_*.json")) == ["TypedDataSet_001.json", "TypedDataSet_002.json"]
    assert not (tmp_path / "47022NED.partial").exists()
    # the region code list keeps only this gemeente's regions
    regions = [c["Key"].strip() for c in json.loads((folder / "WijkenEnBuurten.json").read_text())["value"]]
    assert "BU03630867" not in regions and "GM0867" in regions
    data_calls = [c for c in session.calls if "47022NED/TypedDataSet" in c]
    assert "(Perioden ge '2024')" in data_calls[0] and "(WijkenEnBuurten eq 'GM0867    ')" in data_calls[0]
    assert "BU03630867" not in data_calls[0]
    assert "$skip=40" in data_calls[1]
    # what was written reads back through the readers
    crime = read_police_crime(folder)
    assert len(crime.frame) == 48 and not crime.rejects


def test_failed_page_leaves_partial_and_resumes(tmp_path):
    failing = ReplaySession(failures={"47022NED/TypedDataSet?$skip=40": 100})
    report = fetch_police(tmp_path, failing)
    monthly = next(t for t in report.tables if t.table_id == "47022NED")
    assert monthly.status == "failed" and "503" in monthly.message and not report.ok
    assert not (tmp_path / "47022NED").exists()  # a partial download never looks complete
    partial = tmp_path / "47022NED.partial"
    assert (partial / "TypedDataSet_001.json").exists() and not (partial / "TypedDataSet_002.json").exists()
    retries = [c for c in failing.calls if "$skip=40" in c]
    assert len(retries) == fetch.MAX_RETRIES + 1
    # the other tables were still fetched
    assert (tmp_path / "47018NED").exists()

    resumed = ReplaySession()
    report = fetch_police(tmp_path, resumed)
    assert report.ok and (tmp_path / "47022NED").exists()
    data_calls = [c for c in resumed.calls if "47022NED/TypedDataSet" in c]
    assert len(data_calls) == 1 and "$skip=40" in data_calls[0]  # page 1 was not fetched again
    assert not any("47018NED" in c for c in resumed.calls)  # complete tables are skipped
    assert len(read_cbs_table(tmp_path / "47022NED").data) == 64


def test_transient_errors_are_retried_with_backoff(tmp_path):
    session = ReplaySession(failures={"47018NED/DataProperties": 2})
    sleeps: list[float] = []
    polite = fetch.PoliteSession(session, requests_per_second=0, sleep=sleeps.append, backoff=1.0)
    polite.session = session
    response = polite.get("https://dataderden.cbs.nl/ODataApi/odata/47018NED/DataProperties")
    assert response.status_code == 200 and polite.requests == 3
    assert sleeps == [0.0, 0.0]  # Retry-After: 0 wins over the back-off
    bare = fetch.PoliteSession(ReplaySession(failures={"DataProperties": 2}), requests_per_second=0,
                               sleep=sleeps.append, backoff=1.0)
    sleeps.clear()
    bare.session.failures = {"DataProperties": 2}
    bare.session.get = _without_retry_after(bare.session.get)
    bare.get("https://dataderden.cbs.nl/ODataApi/odata/47018NED/DataProperties")
    assert sleeps == [1.0, 2.0]
    with pytest.raises(fetch.FetchError, match="404"):
        bare.get("https://dataderden.cbs.nl/ODataApi/odata/99999NED/DataProperties")


def _without_retry_after(get):
    def wrapped(*args, **kwargs):
        response = get(*args, **kwargs)
        response.headers = {}
        return response

    return wrapped


def test_polite_rate_spaces_requests():
    clock = {"now": 0.0}
    waits: list[float] = []

    def sleep(seconds):
        waits.append(round(seconds, 3))
        clock["now"] += seconds

    polite = fetch.PoliteSession(ReplaySession(), requests_per_second=2.0, sleep=sleep, clock=lambda: clock["now"])
    for _ in range(3):
        polite.get("https://dataderden.cbs.nl/ODataApi/odata/47018NED/TableInfos")
    assert waits == [0.5, 0.5]


def test_fetch_all_sources_with_missing_tables_and_boundaries(tmp_path):
    report = fetch.fetch_all("GM0867", dt.date(2020, 1, 1), tmp_path, session=ReplaySession(),
                             sources=("kwb", "veiligheidsmonitor", "grenzen"), progress=False, sleep=no_sleep,
                             boundary_year=2023)
    status = {t.table_id: t.status for t in report.tables}
    assert status["84799NED"] == "complete" and status["85146NED"] == "complete"
    assert status["85039NED"] == "not found"  # not recorded here: reported, not fatal
    assert report.ok
    population = read_population(tmp_path / "84799NED")
    assert population.frame["population"].notna().sum() == 4
    buurten = tmp_path / "pdok" / "wijken-en-buurten-2023" / "buurten.geojson"
    features = json.loads(buurten.read_text())["features"]
    assert [f["properties"]["buurtcode"] for f in features] == ["BU08670000", "BU08670001", "BU08670100", "BU08670101"]


def test_resume_discards_pages_of_another_query(tmp_path):
    fetch_police(tmp_path, ReplaySession(failures={"47022NED/TypedDataSet?$skip=40": 100}))
    other = fetch.fetch_all("GM0867", dt.date(2023, 6, 1), tmp_path, session=ReplaySession(), sources=("politie",),
                            progress=False, sleep=no_sleep)
    assert other.ok
    state = json.loads((tmp_path / "47022NED" / fetch.STATE_FILE).read_text())
    assert state["complete"] and "2023MM06" in unquote(state["queries"][0])


def test_cli_arguments_and_help(capsys):
    parser = argparse.ArgumentParser(prog="python -m etl")
    sub = parser.add_subparsers(dest="command")
    fetch.add_subparser(sub)
    args = parser.parse_args(["fetch", "--gemeente", "gm0867", "--since", "2021-01", "--dest", "/tmp/x"])
    assert args.gemeente == "GM0867" and args.since == dt.date(2021, 1, 1) and args.func is fetch.run_fetch
    with pytest.raises(SystemExit):
        parser.parse_args(["fetch", "--gemeente", "Waalwijk", "--since", "2021-01"])
    with pytest.raises(SystemExit):
        parser.parse_args(["fetch", "--gemeente", "GM0867", "--since", "2021-13"])
    with pytest.raises(SystemExit):
        parser.parse_args(["fetch", "--help"])
    text = capsys.readouterr().out
    for word in ("47022NED", "47024NED", "85146NED", "Kerncijfers", "PDOK", ".partial"):
        assert word in text


def test_filters():
    assert fetch.period_filter("Perioden", dt.date(2021, 1, 1)) == "(Perioden ge '2021')"
    assert fetch.period_filter("Perioden", dt.date(2021, 3, 1)) == "(Perioden ge '2021MM03')"
    keys = ["GM0867    ", "WK086700  ", "BU08670001", "BU03630867", "GM08670   "]
    assert fetch.gemeente_region_keys(keys, "GM0867") == ["GM0867    ", "WK086700  ", "BU08670001"]
