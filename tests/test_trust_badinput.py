"""Proof against bad input, for every reader in etl/readers.

1. The corpus in tests/data/bad (listed in its manifest.toml): truncated files, wrong encodings and delimiters,
   missing and extra columns, duplicate keys, absurd values. Each case must end in a SourceError that names the
   file in one line, or in a ReadResult whose rejects name the file, the record and the reason.
2. Generated at test time: a 100 MB line for the line-based readers, a zip bomb for the one reader that opens
   archives (WhatsApp).
3. Property-based tests (hypothesis) for every parser: arbitrary and half-valid input never crashes or hangs,
   the only exception is SourceError, and every good row that comes out satisfies the reader's contract.
4. A build over a bad file leaves the warehouse byte for byte as it was.

Case count for the README: `pytest tests/test_trust_badinput.py --hypothesis-show-statistics` prints the
examples per property test; the corpus cases are the parametrised tests.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import shutil
import signal
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.build import BuildError, build
from etl.readers.base import POST_COLUMNS, ReadResult, SourceError
from etl.readers.boundaries import CODE_PATTERN, read_boundaries
from etl.readers.cbs_odata import read_cbs_csv
from etl.readers.incident_events import read_incident_events
from etl.readers.kwb import read_population
from etl.readers.police import read_police_crime
from etl.readers.posts import read_posts
from etl.readers.survey_respondents import read_survey_respondents
from etl.readers.veiligheidsmonitor import UNIT_RANGES, VM_INDICATORS, read_veiligheidsmonitor

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
BAD = DATA / "bad"
MANIFEST = tomllib.loads((BAD / "manifest.toml").read_text(encoding="utf-8"))["case"]
EXPORTED_AT = "2026-01-01T00:00:00+00:00"
HANG_SECONDS = 60          # a reader call that takes longer than this counts as a hang
MAX_CHAT_BYTES = 256 << 20  # what a WhatsApp chat inside a zip may inflate to before the reader must refuse


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that no reader's `except Exception` can swallow it."""


@contextlib.contextmanager
def no_hang(seconds: float = HANG_SECONDS):
    def alarm(signum, frame):
        raise Hang(f"reader still busy after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def boundaries():
    return read_boundaries(DATA / "geo" / "pdok_buurten_p1.json").frame


def _readers(boundaries) -> dict:
    posts = {"exported_at": EXPORTED_AT}
    return {
        "plain_csv": lambda p: read_posts(p, fmt="plain_csv", **posts),
        "meta_business_csv": lambda p: read_posts(p, fmt="meta_business_csv", **posts),
        "crowdtangle_csv": lambda p: read_posts(p, fmt="crowdtangle_csv", **posts),
        "facebook_graph": lambda p: read_posts(p, fmt="facebook_graph", page_ref="104000000000001", **posts),
        "facebook_dyi": lambda p: read_posts(p, fmt="facebook_dyi", page_ref="Buurtgroep", **posts),
        "whatsapp": lambda p: read_posts(p, fmt="whatsapp", page_ref="Buurtapp", **posts),
        "posts": lambda p: read_posts(p, page_ref="Buurtapp", **posts),
        "boundaries": read_boundaries,
        "population": read_population,
        "police": read_police_crime,
        "survey": read_veiligheidsmonitor,
        "respondents": read_survey_respondents,
        "events": lambda p: read_incident_events(p, boundaries),
        "cbs_csv": read_cbs_csv,
    }


POST_READERS = {"plain_csv", "meta_business_csv", "crowdtangle_csv", "facebook_graph", "facebook_dyi", "whatsapp", "posts"}
KINDS = ("post", "comment", "reply", "message")


def check_outcome(reader: str, path: Path, call) -> ReadResult | SourceError:
    """Run one reader call under the contract: SourceError naming the file in one line, or a ReadResult whose
    rejects are complete and whose frame keeps the reader's promises. Any other exception fails the test."""
    try:
        with no_hang():
            result = call()
    except SourceError as err:
        return _check_source_error(reader, path, err)
    if isinstance(result, pd.DataFrame):  # read_cbs_csv returns the table itself
        return ReadResult(frame=result, records_read=len(result))
    assert isinstance(result, ReadResult)
    for reject in result.rejects:
        assert path.name in reject.source_file, reject
        assert reject.record.strip() and reject.reason.strip(), reject
        assert reject.raw is None or len(reject.raw) <= 500
    check_frame(reader, result.frame)
    return result


def _check_source_error(reader: str, path: Path, err: SourceError) -> SourceError:
    message = str(err)
    assert "\n" not in message, f"{reader}: a SourceError is one line: {message!r}"
    assert path.name in message, f"{reader}: the message does not name {path.name}: {message}"
    assert err.problem.strip(), "the problem is said"
    return err


def check_frame(reader: str, frame: pd.DataFrame) -> None:
    """What comes out of a reader keeps its promises, whatever went in."""
    if frame.empty:
        return
    if reader in POST_READERS:
        assert list(frame.columns[: len(POST_COLUMNS)]) == list(POST_COLUMNS)
        for column in ("reactions", "comments", "shares"):
            assert not (frame[column] < 0).fillna(False).any(), f"negative {column}"
        assert frame["created_at"].notna().all() and frame["post_key"].notna().all()
        assert frame["kind"].isin(KINDS).all()
        assert frame["source_record"].notna().all()
    elif reader == "boundaries":
        assert frame["code"].str.match(CODE_PATTERN).all()
        assert set(frame["level"]) <= {"gemeente", "wijk", "buurt"}
        assert frame.crs is not None and frame.crs.to_epsg() == 4326
    elif reader == "population":
        assert not (frame["population"] < 0).fillna(False).any()
    elif reader in ("police", "events"):
        assert not (frame["count"] < 0).fillna(False).any()
        assert frame["period_start"].notna().all()
    elif reader == "survey":
        for indicator, part in frame.groupby("indicator"):
            low, high = UNIT_RANGES[VM_INDICATORS[indicator]["unit"]]
            for column in ("value", "lower", "upper"):
                values = part[column].astype("Float64")
                assert not ((values < low) | (values > high)).fillna(False).any(), (indicator, column)
    elif reader == "respondents":
        assert (frame["weight"].astype("Float64") > 0).fillna(True).all()


# ------------------------------------------------------------------------------------------ the corpus

def _case_id(case: dict, reader: str) -> str:
    return f"{case['file']}:{reader}"


CORPUS = [(case, reader) for case in MANIFEST for reader in case["readers"]]


def test_every_corpus_file_is_in_the_manifest():
    listed = {case["file"] for case in MANIFEST}
    present = {str(p.relative_to(BAD)) for p in BAD.rglob("*") if p.is_file() and p.name != "manifest.toml"}
    assert present == listed


def _input(case: dict, tmp_path: Path) -> Path:
    if "base" not in case:
        return BAD / case["file"]
    folder = tmp_path / Path(case["base"]).name  # a table folder keeps its name (the table id)
    shutil.copytree(DATA / case["base"], folder)
    shutil.copyfile(BAD / case["file"], folder / case["replaces"])
    return folder


@pytest.mark.parametrize("case, reader", CORPUS, ids=[_case_id(c, r) for c, r in CORPUS])
def test_corpus_case(case, reader, boundaries, tmp_path):
    path = _input(case, tmp_path)
    outcome = check_outcome(reader, path, lambda: _readers(boundaries)[reader](path))
    if case["expect"] == "error":
        assert isinstance(outcome, SourceError), f"expected a SourceError ({case['what']}), got a result"
        assert case.get("message", "").lower() in str(outcome).lower()
        return
    assert isinstance(outcome, ReadResult), f"expected a result ({case['what']}), got: {outcome}"
    records = {r.record for r in outcome.rejects}
    if case["expect"] == "ok":
        assert not outcome.rejects, [(r.record, r.reason) for r in outcome.rejects]
    missing = [r for r in case.get("rejected", []) if r not in records]
    assert not missing, f"not rejected: {missing}; rejects: {sorted(records)}"
    if "note" in case:
        assert any(case["note"] in n for n in outcome.notes), outcome.notes
    if reader != "cbs_csv":
        assert outcome.records_read >= len(outcome.rejects) or outcome.records_read >= len(records)


# ------------------------------------------------------------------------------------------ huge inputs

HUGE = 100 * 1024 * 1024


def test_a_100_mb_line_in_a_csv_is_one_reject(tmp_path):
    path = tmp_path / "posts_huge_line.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("page,time,text,author\nBuurt,2024-05-01 12:00,Gewoon bericht,Anja\nBuurt,2024-05-01 13:00,")
        chunk = "x" * (1 << 20)
        for _ in range(HUGE // len(chunk)):
            fh.write(chunk)
        fh.write(",Kees\nBuurt,2024-05-01 14:00,Na de lange regel,Piet\n")
    result = check_outcome("plain_csv", path, lambda: read_posts(path, fmt="plain_csv", exported_at=EXPORTED_AT))
    assert [r.record for r in result.rejects] == ["line 3"] and "groter dan" in result.rejects[0].reason
    assert len(result.rejects[0].raw) <= 500
    assert list(result.frame["text"]) == ["Gewoon bericht", "Na de lange regel"]


def test_a_100_mb_message_in_a_whatsapp_chat_is_one_reject(tmp_path):
    path = tmp_path / "chat_huge_line.txt"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("01-05-2024 10:00 - Piet: gewoon bericht\n01-05-2024 10:01 - Anja: ")
        chunk = "y" * (1 << 20)
        for _ in range(HUGE // len(chunk)):
            fh.write(chunk)
        fh.write("\n01-05-2024 10:02 - Kees: na de lange regel\n")
    result = check_outcome("whatsapp", path, lambda: read_posts(path, fmt="whatsapp", page_ref="Buurtapp", exported_at=EXPORTED_AT))
    assert [r.record for r in result.rejects] == ["line 2"]
    assert list(result.frame["text"]) == ["gewoon bericht", "na de lange regel"]


def test_a_100_mb_message_in_a_graph_export_is_one_reject(tmp_path):
    path = tmp_path / "feed_huge_message.json"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"data": [{"id": "104_1", "created_time": "2024-05-01T10:00:00+0000", "message": "gewoon"},'
                 ' {"id": "104_2", "created_time": "2024-05-01T11:00:00+0000", "message": "')
        chunk = "z" * (1 << 20)
        for _ in range(HUGE // len(chunk)):
            fh.write(chunk)
        fh.write('"}, {"id": "104_3", "created_time": "2024-05-01T12:00:00+0000", "message": "daarna"}]}')
    result = check_outcome("facebook_graph", path, lambda: read_posts(path, fmt="facebook_graph", exported_at=EXPORTED_AT))
    assert [r.record for r in result.rejects] == ["data[1]"]
    assert list(result.frame["text"]) == ["gewoon", "daarna"]


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A WhatsApp 'export with media' zip whose _chat.txt inflates to 512 MB (2 MB on disk)."""
    path = tmp_path_factory.mktemp("bomb") / "WhatsApp Chat met Buurtapp.zip"
    line = b"01-05-2024 10:00 - Piet: " + b"a" * 998 + b"\n"
    block = line * 1024
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("_chat.txt", "w", force_zip64=True) as member:
            for _ in range(512):
                member.write(block)
    return path


@contextlib.contextmanager
def _inflation_guard(limit: int):
    """Fails (instead of eating memory) as soon as a reader inflates more than `limit` bytes from a zip member
    or asks for a whole member that says it is bigger than that."""
    original = zipfile.ZipExtFile.read

    def read(self, n=-1):
        if (n is None or n < 0) and self._left > limit:
            raise AssertionError(f"the reader inflates a zip member of {self._left} bytes in one go")
        data = original(self, n)
        self._wb_inflated = getattr(self, "_wb_inflated", 0) + len(data)
        if self._wb_inflated > limit + (1 << 20):
            raise AssertionError(f"the reader inflated more than {limit} bytes")
        return data

    zipfile.ZipExtFile.read = read
    try:
        yield
    finally:
        zipfile.ZipExtFile.read = original


def test_a_zip_bomb_is_refused_before_it_is_inflated(zip_bomb):
    with _inflation_guard(MAX_CHAT_BYTES), pytest.raises(SourceError) as caught:
        read_posts(zip_bomb, fmt="whatsapp", page_ref="Buurtapp", exported_at=EXPORTED_AT)
    assert zip_bomb.name in str(caught.value)


# ------------------------------------------------------------------------------------------ builds over bad files

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def small_config(demo_sources) -> str:
    """The demo's sources.toml with absolute paths and one post file (bad entries are appended per test)."""
    demo = demo_sources.parent
    head, first_posts, *_ = demo_sources.read_text(encoding="utf-8").split("[[posts]]")
    text = head + "[[posts]]" + first_posts
    text = re.sub(r'^(path|pages|accounts) = "([^"]+)"', lambda m: f'{m.group(1)} = "{demo / m.group(2)}"', text, flags=re.M)
    return text


BUILD_CASES = [
    ("boundaries", "geo/truncated.geojson", ""),
    ("population", "cbs/population_truncated_TypedDataSet.json", ""),
    ("police_crime", "police/csv_wrong_delimiter.csv", ""),
    ("survey", "survey/vm_csv_unknown_columns.csv", ""),
    ("posts", "posts/graph_truncated_mid.json", 'format = "facebook_graph"\n'),
    ("posts", "posts/plain_wrong_delimiter.csv", 'format = "plain_csv"\n'),  # every row rejected: over the ratio
]


@pytest.mark.parametrize("kind, file, options", BUILD_CASES, ids=[f"{k}:{f}" for k, f, _ in BUILD_CASES])
def test_a_build_over_a_bad_file_leaves_the_warehouse_as_it_was(kind, file, options, small_config, demo_warehouse, tmp_path):
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_warehouse, live)
    before = _sha256(live)
    case = next(c for c in MANIFEST if c["file"] == file)
    bad = _input(case, tmp_path)
    config = tmp_path / "sources.toml"
    config.write_text(small_config + f'\n[[{kind}]]\npath = "{bad}"\n{options}', encoding="utf-8")
    with no_hang(300), pytest.raises(BuildError) as caught:
        build(config, live)
    assert bad.name in str(caught.value) and "\n" not in str(caught.value)
    assert _sha256(live) == before
    assert not list(tmp_path.glob(".warehouse.duckdb.*"))


# ------------------------------------------------------------------------------------------ properties

PROPERTY = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.function_scoped_fixture])
# Examples per property test; their sum plus the corpus cases is the count reported in the README.
EXAMPLES = {"csv_posts": 60, "graph": 50, "dyi": 40, "whatsapp": 50, "detect": 40, "boundaries": 30,
            "cbs_tables": 45, "statline_csv": 40, "respondents": 30, "events": 30}

WEIRD_CELLS = ["", " ", "N/A", "-", "-1", "0", "1,234", "1.234", "1 234", "12.5", "12,5", "1e309", "9" * 30, "NaN",
               "2024-05-01 12:00", "2024-05-01T10:00:00+02:00", "01-05-2024 12:00", "31-02-2024", "2100-01-01",
               "1900-01-01", "=cmd|' /C calc'!A0", '"', '""', "a\nb", "\r", ";", ",", "\t", "|", "é", "\u200e",
               "\ufeff", "💥", "<script>", "post", "comment", "WK086700", "BU08670000", "GM0867", "ja", "nee"]
cells = st.one_of(st.sampled_from(WEIRD_CELLS), st.text(max_size=12))
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


@st.composite
def csv_bytes(draw, names: list[str], separators=(",", ";", "\t", "|")) -> bytes:
    """A CSV whose header is some of `names` (shuffled, sometimes with extras), with awkward cells, in a random
    separator, quoting and encoding, sometimes with a 'sep=' line, sometimes cut off at a random byte."""
    header = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names) + 2, unique=True))
    if draw(st.booleans()):
        header = header + draw(st.lists(st.text(min_size=1, max_size=6), max_size=2))
    rows = draw(st.lists(st.lists(cells, min_size=max(0, len(header) - 1), max_size=len(header) + 1), max_size=8))
    sep = draw(st.sampled_from(separators))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
                        lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    if draw(st.booleans()):
        out.write(f"sep={sep}\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(draw(encodings), errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


PLAIN_NAMES = ["page", "time", "text", "author", "reactions", "comments", "shares", "id", "parent_id", "kind"]
META_NAMES = ["Post ID", "Page ID", "Page name", "Title", "Description", "Publish time", "Permalink", "Post type",
              "Reactions", "Comments", "Shares", "Reach", "Impressions"]
CT_NAMES = ["Page Name", "Facebook Id", "Post Created", "Total Interactions", "Likes", "Comments", "Shares", "Love",
            "Type", "Link", "URL", "Message", "Description"]


@settings(max_examples=EXAMPLES["csv_posts"], **PROPERTY)
@given(data=st.data())
def test_csv_post_readers_never_crash(data, scratch):
    fmt, names = data.draw(st.sampled_from([("plain_csv", PLAIN_NAMES), ("meta_business_csv", META_NAMES),
                                            ("crowdtangle_csv", CT_NAMES)]))
    path = _write(scratch, f"{fmt}.csv", data.draw(csv_bytes(names)))
    outcome = check_outcome(fmt, path, lambda: read_posts(path, fmt=fmt, page_ref="Buurt", exported_at=EXPORTED_AT))
    if isinstance(outcome, ReadResult):
        assert len(outcome.frame) <= outcome.records_read


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                         st.text(max_size=10), st.sampled_from(["2024-05-01T10:00:00+0000", "1714557600", "104_1"]))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
GRAPH_KEYS = ["id", "created_time", "message", "from", "permalink_url", "shares", "reactions", "comments", "parent",
              "data", "summary", "total_count", "count", "name"]
graph_record = st.dictionaries(st.sampled_from(GRAPH_KEYS), st.one_of(json_values, st.fixed_dictionaries(
    {"summary": st.fixed_dictionaries({"total_count": json_scalars})}), st.fixed_dictionaries(
    {"data": st.lists(st.dictionaries(st.sampled_from(GRAPH_KEYS), json_values, max_size=4), max_size=3)})), max_size=8)


def _json_bytes(data, doc) -> bytes:
    text = json.dumps(doc, allow_nan=True)  # NaN and Infinity are what careless exporters write
    if data.draw(st.booleans()):
        text = text[: data.draw(st.integers(0, len(text)))]
    return text.encode(data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


@settings(max_examples=EXAMPLES["graph"], **PROPERTY)
@given(data=st.data())
def test_graph_reader_never_crashes(data, scratch):
    doc = data.draw(st.one_of(st.fixed_dictionaries({"data": st.lists(st.one_of(graph_record, json_values), max_size=6)},
                                                    optional={"paging": json_values}), json_values))
    path = _write(scratch, "feed.json", _json_bytes(data, doc))
    check_outcome("facebook_graph", path, lambda: read_posts(path, fmt="facebook_graph", exported_at=EXPORTED_AT))


DYI_KEYS = ["timestamp", "data", "title", "comment", "author", "post", "group", "attachments", "text", "update_timestamp"]
dyi_item = st.dictionaries(st.sampled_from(DYI_KEYS), st.one_of(json_values, st.lists(st.fixed_dictionaries(
    {"comment": st.dictionaries(st.sampled_from(DYI_KEYS), json_scalars, max_size=4)}), max_size=2)), max_size=5)


@settings(max_examples=EXAMPLES["dyi"], **PROPERTY)
@given(data=st.data())
def test_dyi_reader_never_crashes(data, scratch):
    key = data.draw(st.sampled_from(["comments_v2", "group_comments_v2", "group_posts_v2", "status_updates_v2", "x"]))
    doc = data.draw(st.one_of(st.fixed_dictionaries({key: st.lists(st.one_of(dyi_item, json_values), max_size=5)}),
                              st.lists(dyi_item, max_size=4), json_values))
    path = _write(scratch, "your_posts_1.json", _json_bytes(data, doc))
    check_outcome("facebook_dyi", path, lambda: read_posts(path, fmt="facebook_dyi", page_ref="Groep", exported_at=EXPORTED_AT))


@st.composite
def whatsapp_line(draw) -> str:
    day, month = draw(st.integers(0, 40)), draw(st.integers(0, 14))
    year = draw(st.sampled_from(["24", "2024", "1900", "2100", "99"]))
    hour, minute = draw(st.integers(0, 30)), draw(st.integers(0, 70))
    author = draw(st.one_of(st.sampled_from(["Piet", "Anja de Vries", "+31 6 12345678", "‎Kees"]), st.text(max_size=8)))
    body = draw(cells)
    if draw(st.booleans()):
        return f"{day:02d}-{month:02d}-{year} {hour:02d}:{minute:02d} - {author}: {body}"
    return f"[{day:02d}-{month:02d}-{year} {hour:02d}:{minute:02d}:{draw(st.integers(0, 70)):02d}] {author}: {body}"


@settings(max_examples=EXAMPLES["whatsapp"], **PROPERTY)
@given(data=st.data())
def test_whatsapp_reader_never_crashes(data, scratch):
    lines = data.draw(st.lists(st.one_of(whatsapp_line(), cells), min_size=1, max_size=10))
    raw = data.draw(st.sampled_from(["\n", "\r\n"])).join(lines).encode(data.draw(encodings), errors="replace")
    if data.draw(st.booleans()):  # the 'export with media' zip
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(data.draw(st.sampled_from(["_chat.txt", "WhatsApp Chat.txt", "chat.TXT"])), raw)
        raw = buffer.getvalue()
        if data.draw(st.booleans()):
            raw = raw[: data.draw(st.integers(0, len(raw)))]
    path = _write(scratch, "chat.txt", raw)
    check_outcome("whatsapp", path, lambda: read_posts(path, fmt="whatsapp", page_ref="Buurtapp", exported_at=EXPORTED_AT))


SAMPLES = sorted(p for p in (DATA / "posts").rglob("*") if p.is_file())


@settings(max_examples=EXAMPLES["detect"], **PROPERTY)
@given(data=st.data())
def test_format_detection_never_crashes_on_damaged_exports(data, scratch):
    """Real exports cut at a random byte, with random bytes spliced in, or pure noise: detection and reading
    together end in a result or a SourceError."""
    if data.draw(st.booleans()):
        raw = data.draw(st.binary(max_size=400))
    else:
        raw = data.draw(st.sampled_from(SAMPLES)).read_bytes()
        cut = data.draw(st.integers(0, len(raw)))
        raw = raw[:cut] + data.draw(st.binary(max_size=16)) + raw[cut + data.draw(st.integers(0, 64)):]
    path = _write(scratch, "export.bin", raw)
    check_outcome("posts", path, lambda: read_posts(path, page_ref="Buurt", exported_at=EXPORTED_AT))


coordinate = st.one_of(st.floats(-1e7, 1e7, allow_nan=False), st.sampled_from([5.05, 51.68, 130000.0, 410000.0]))
ring = st.lists(st.tuples(coordinate, coordinate), min_size=0, max_size=6).map(lambda r: [list(p) for p in r + r[:1]])
geometry = st.one_of(
    st.none(), st.builds(lambda r: {"type": "Polygon", "coordinates": [r]}, ring),
    st.builds(lambda r: {"type": "MultiPolygon", "coordinates": [[r]]}, ring),
    st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]}, coordinate, coordinate),
    st.builds(lambda d: d, st.dictionaries(st.sampled_from(["type", "coordinates"]), json_values, max_size=2)))
GEO_PROPS = ["wijkcode", "wijknaam", "buurtcode", "buurtnaam", "gemeentecode", "statcode", "statnaam", "naam", "code",
             "rubriek", "water"]
geo_value = st.one_of(st.sampled_from(["WK086700", "BU08670000", "GM0867", "wk086701", "WK0867", "-99997", "wijk"]),
                      json_scalars)


@settings(max_examples=EXAMPLES["boundaries"], **PROPERTY)
@given(data=st.data())
def test_boundary_reader_never_crashes(data, scratch):
    features = data.draw(st.lists(st.fixed_dictionaries({"type": st.just("Feature"), "geometry": geometry,
                                                         "properties": st.dictionaries(st.sampled_from(GEO_PROPS), geo_value, max_size=5)}),
                                  max_size=5))
    doc = {"type": "FeatureCollection", "features": features}
    if data.draw(st.booleans()):
        doc["crs"] = {"type": "name", "properties": {"name": data.draw(st.sampled_from(
            ["urn:ogc:def:crs:EPSG::28992", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:99999", "onzin"]))}}
    path = _write(scratch, "grenzen.geojson", _json_bytes(data, doc))
    check_outcome("boundaries", path, lambda: read_boundaries(path))


TABLES = {"population": ("84799NED", read_population), "police": ("47018NED", read_police_crime),
          "survey": ("85146NED", read_veiligheidsmonitor)}


@pytest.fixture(scope="module")
def table_copies(scratch) -> dict[str, tuple[Path, list[dict]]]:
    out = {}
    for name, (table, _) in TABLES.items():
        folder = scratch / name / table
        shutil.copytree(DATA / "cbs" / table, folder)
        rows = json.loads((folder / "TypedDataSet.json").read_text(encoding="utf-8"))["value"]
        out[name] = (folder, rows)
    return out


@settings(max_examples=EXAMPLES["cbs_tables"], **PROPERTY)
@given(data=st.data())
def test_cbs_table_readers_never_crash(data, table_copies):
    """A real table folder whose data page has values replaced by arbitrary JSON (and sometimes is cut off)."""
    name = data.draw(st.sampled_from(sorted(TABLES)))
    folder, rows = table_copies[name]
    changed = [dict(r) for r in rows]
    for _ in range(data.draw(st.integers(1, 6))):
        row = changed[data.draw(st.integers(0, len(changed) - 1))]
        row[data.draw(st.sampled_from(sorted(row) + ["Extra"]))] = data.draw(
            st.one_of(json_scalars, st.sampled_from(["2100JJ00", "1900MM01", "2024MM13", "2024KW05", "XX", "."])))
    if data.draw(st.booleans()):
        changed += data.draw(st.lists(st.dictionaries(st.sampled_from(sorted(rows[0])), json_scalars, max_size=6), max_size=3))
    (folder / "TypedDataSet.json").write_bytes(_json_bytes(data, {"value": changed}))
    check_outcome(name, folder, lambda: TABLES[name][1](folder))


STATLINE_NAMES = ["Soort misdrijf", "Wijken en buurten", "Regiocode", "Perioden", "Geregistreerde misdrijven (aantal)",
                  "Marges", "Regio's", "Voelt zich weleens onveilig in buurt (%)",
                  "Rapportcijfer veiligheid in buurt (rapportcijfer)", "Respondenten (aantal)"]


@settings(max_examples=EXAMPLES["statline_csv"], **PROPERTY)
@given(data=st.data())
def test_statline_csv_readers_never_crash(data, scratch):
    reader = data.draw(st.sampled_from(["police", "survey", "cbs_csv"]))
    path = _write(scratch, "download.csv", data.draw(csv_bytes(STATLINE_NAMES, separators=(";", ";", ","))))
    call = {"police": read_police_crime, "survey": read_veiligheidsmonitor, "cbs_csv": read_cbs_csv}[reader]
    check_outcome(reader, path, lambda: call(path))


RESPONDENT_NAMES = ["respondent", "wijk", "buurtcode", "jaar", "datum", "weegfactor",
                    "Voelt zich weleens onveilig in de eigen buurt", "Rapportcijfer veiligheid in de buurt", "sociale_cohesie"]


@settings(max_examples=EXAMPLES["respondents"], **PROPERTY)
@given(data=st.data())
def test_respondent_reader_never_crashes(data, scratch):
    path = _write(scratch, "enquete.csv", data.draw(csv_bytes(RESPONDENT_NAMES, separators=(";", ","))))
    check_outcome("respondents", path, lambda: read_survey_respondents(path))


EVENT_NAMES = ["datum", "soort", "lat", "lon", "x", "y", "type", "date"]


@settings(max_examples=EXAMPLES["events"], **PROPERTY)
@given(data=st.data())
def test_incident_event_reader_never_crashes(data, scratch, boundaries):
    path = _write(scratch, "meldingen.csv", data.draw(csv_bytes(EVENT_NAMES, separators=(",", ";"))))
    check_outcome("events", path, lambda: read_incident_events(path, boundaries))
