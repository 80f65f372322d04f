"""Helpers to craft hostile warehouses and to see everything a page renders.

A hostile warehouse is the demo municipality built by the real build (readers, redaction, marts, swap) with:
- an extra plain-CSV posts file whose texts carry script tags, event-handler attributes, `javascript:` links,
  Markdown and Streamlit-Markdown tricks, HTML entities, spreadsheet formula starters and personal details;
- a hostile page name in pages.csv, and hostile gemeente/wijk/buurt names in copied boundary GeoJSON files.
Every payload that executes sets `window[FLAG]` (and most also open an alert dialog), so a browser test can
tell that nothing ran.
"""
from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from google.protobuf.descriptor import FieldDescriptor

ROOT = Path(__file__).resolve().parents[1]
FLAG = "__wijkbeeldPwned"
HOSTILE_PAGE_ID = "104000000000005"      # the demo's 'Bloemhof Leefbaar' page (wijk WK999905)
HOSTILE_WIJK = "WK999900"                # Centrum
HOSTILE_BUURT = "BU99990000"             # Centrum Noord
EVIL_HOST = "evil.example"

# Each carries a marker word so a test can find the thing on screen.
HOSTILE_GEMEENTE_NAME = f"Lindenwaard <script>window.{FLAG}='gemeente';alert('gm')</script> (fictief)"
HOSTILE_WIJK_NAME = (f"@Centrum <img src=x onerror=\"window.{FLAG}='wijk';alert('wijk')\"> "
                     f"[klik](javascript:alert('wijk')) zie www.{EVIL_HOST}/x zo'n **vet** & co")
HOSTILE_BUURT_NAME = (f"=HYPERLINK(\"http://{EVIL_HOST}/b\",\"Noord\") <svg/onload=window.{FLAG}='buurt'> "
                      f"<a href=\"javascript:window.{FLAG}='link'\">Noord</a>")
HOSTILE_PAGE_NAME = f"Bloemhof <img src=x onerror=\"window.{FLAG}='page'\"> [x](javascript:alert('page'))"

# Texts of the extra posts: each long enough to count as post text, each with a theme word so it reaches the
# theme marts (and any page that shows examples per theme).
HOSTILE_POSTS = [
    f"Inbraak bij de buren vannacht <script>window.{FLAG}='script';alert('xss-script')</script> wie zag iets?",
    f"Weer inbraak in de schuur <img src=x onerror=\"window.{FLAG}='img';alert('xss-img')\"> echt balen",
    f"Vuurwerk en overlast bij het plein <svg/onload=window.{FLAG}='svg'> elke avond weer",
    f"Overlast van jongeren, meld het [hier](javascript:window.{FLAG}='mdlink') of [daar](javascript:alert('md'))",
    f"Afval naast de container gedumpt ![foto](http://{EVIL_HOST}/pixel.png) wie ruimt dit op?",
    "Inbraak gemeld: **vet** __onder__ ~~weg~~ `code` # kop > citaat 1. lijst | a | b | zo'n auto's",
    "Overlast: &lt;b&gt;entiteit&lt;/b&gt; &amp; &#60;script&#62; &quot;aanhalingstekens&quot; blijven letterlijk",
    f"=HYPERLINK(\"http://{EVIL_HOST}/x\",\"Inbraak gezien, klik hier voor de foto's\")",
    "+SUM(1;2) vuurwerk overlast bij de speeltuin vannacht rond middernacht",
    "-2+3+cmd|' /C calc'!A0 afval en zwerfvuil overal in de straat",
    "@SUM(1+1)*cmd|' /C calc'!A0 inbraak in de garage van nummer zeven",
    f"<a href=\"javascript:window.{FLAG}='anchor'\">Diefstal</a> van een fiets bij het station vandaag",
    f"<iframe src=\"javascript:window.{FLAG}='iframe'\"></iframe> inbraak poging bij de bakker",
    "Overlast :red[rood] :material/warning: $x^2$ :smile: blijft gewoon tekst in het dashboard",
    f"javascript:window.{FLAG}='plain' vernieling van bushokje bij de school",
    "Inbraak: bel mij op 06-12345678 of mail jan.jansen@voorbeeld.nl als je iets weet",
]
# Plain posts that keep the file's share of rejected rows (one) under the build's maximum reject ratio.
ORDINARY_POSTS = [f"Gewoon bericht nummer {i} over overlast van geparkeerde auto's in de straat" for i in range(8)]
REJECTED_POST_TEXT = f"Afgewezen bericht zonder tijd <script>window.{FLAG}='reject'</script> met een lange tekst erbij"
REJECTED_PAGE_NAME = f"Nepgroep <img src=x onerror=\"window.{FLAG}='rejectpage'\"> zonder wijk"
# Personal details inside HOSTILE_POSTS that redaction must remove before anything is stored or shown.
RAW_PERSONAL_DETAILS = ["06-12345678", "jan.jansen@voorbeeld.nl"]
# Fragments that must never reach the screen as live markup.
LIVE_MARKUP = re.compile(r"<\s*(script|img|svg|iframe|a)\b|\]\(\s*javascript:|!\[[^\]]*\]\(", re.IGNORECASE)


def _set_name(geojson: Path, code_field: str, code: str, name_field: str, name: str) -> None:
    doc = json.loads(geojson.read_text(encoding="utf-8"))
    hits = 0
    for feature in doc["features"]:
        props = feature["properties"]
        if props.get(code_field) == code:
            props[name_field] = name
            hits += 1
        if "gemeentenaam" in props:
            props["gemeentenaam"] = HOSTILE_GEMEENTE_NAME
    assert hits == 1, f"{geojson}: {code} not found"
    geojson.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def write_hostile_sources(demo_sources: Path, out: Path) -> Path:
    """Copy the demo sources to `out`, make names hostile, add the hostile posts file; returns sources.toml."""
    shutil.copytree(demo_sources.parent, out)
    boundaries = out / "boundaries"
    _set_name(boundaries / "wijken.geojson", "wijkcode", HOSTILE_WIJK, "wijknaam", HOSTILE_WIJK_NAME)
    _set_name(boundaries / "buurten.geojson", "buurtcode", HOSTILE_BUURT, "buurtnaam", HOSTILE_BUURT_NAME)
    gemeenten = json.loads((boundaries / "gemeenten.geojson").read_text(encoding="utf-8"))
    for feature in gemeenten["features"]:
        for key in ("gemeentenaam", "statnaam", "naam"):
            if key in feature["properties"]:
                feature["properties"][key] = HOSTILE_GEMEENTE_NAME
    (boundaries / "gemeenten.geojson").write_text(json.dumps(gemeenten, ensure_ascii=False), encoding="utf-8")

    pages_csv = out / "pages.csv"
    with pages_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["page_id"] == HOSTILE_PAGE_ID:
            row["name"] = HOSTILE_PAGE_NAME
    with pages_csv.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    # A page row the build rejects: its raw excerpt (with a hostile name) is for data_admin only.
    with pages_csv.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["104000000000099", "facebook", REJECTED_PAGE_NAME, "WK000000", "2025-01-01", "bewoners"])

    posts_csv = out / "posts" / "hostile_posts.csv"
    with posts_csv.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["page", "time", "text", "author", "id", "reactions"])
        for i, text in enumerate(HOSTILE_POSTS + ORDINARY_POSTS):
            # Spread over the last months of the demo so every period choice that includes them shows them.
            month = 4 + i % 6
            writer.writerow([HOSTILE_PAGE_ID, f"2026-{month:02d}-{10 + i % 18:02d} 20:{i:02d}:00", text,
                             f"=Bewoner {i} <b>", f"hostile-{i}", str(i)])
        # One row the reader rejects (no valid time): its raw excerpt is kept, redacted, for data_admin only.
        writer.writerow([HOSTILE_PAGE_ID, "geen datum", REJECTED_POST_TEXT, "Bewoner", "hostile-rejected", "1"])
    sources = out / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8") + (
        '\n[[posts]]\npath = "posts/hostile_posts.csv"\nformat = "plain_csv"\n'
        'exported_at = "2026-11-01T06:00:00+00:00"\n'), encoding="utf-8")
    return sources


def build_hostile_warehouse(demo_sources: Path, workdir: Path) -> Path:
    """The hostile sources built by the real build into workdir/hostile.duckdb."""
    from etl.build import build

    sources = write_hostile_sources(demo_sources, workdir / "hostile_sources")
    warehouse = workdir / "hostile.duckdb"
    build(sources, warehouse)
    return warehouse


def post_texts(warehouse: Path, min_chars: int = 25) -> list[str]:
    """Every distinct stored (redacted) post text longer than min_chars."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT text_redacted FROM fct_post WHERE length(text_redacted) > ?",
                           [min_chars]).fetchall()
    return [r[0] for r in rows]


_NAME_SQL = """
SELECT area_name FROM dim_area UNION SELECT page_name FROM dim_page UNION SELECT label FROM dim_theme
UNION SELECT description FROM dim_theme UNION SELECT label FROM dim_crime_type UNION SELECT label FROM dim_indicator
UNION SELECT account_name FROM stg_posts__account UNION SELECT gemeente_name FROM dim_gemeente
UNION SELECT path FROM meta_source_file UNION SELECT reason FROM meta_rejected_record
UNION SELECT source_file FROM meta_rejected_record
"""


def admin_texts(warehouse: Path, min_chars: int = 25, build_log: bool = False) -> list[str]:
    """What only data_admin may see: the raw excerpts of rejected records (resident text, redacted), and with
    build_log=True also the build log lines."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT raw_excerpt FROM meta_rejected_record WHERE length(raw_excerpt) > ?", [min_chars]).fetchall()
        if build_log:
            rows += con.execute("SELECT message FROM meta_build_log WHERE length(message) > ?", [min_chars]).fetchall()
    return [r[0] for r in rows]


def non_post_texts(warehouse: Path) -> list[str]:
    """Names and labels a page may show to anyone (area, page, theme, crime and indicator names). A stretch of
    post text that also occurs in one of these is no evidence that post text was shown."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r[0] for r in con.execute(_NAME_SQL).fetchall() if r[0]]


# ------------------------------------------------------------------------------------------ what a page shows

def _proto_strings(message, out: list[str]) -> None:
    for field, value in message.ListFields():
        if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
            items = [value[k] for k in value]
        elif field.type == FieldDescriptor.TYPE_MESSAGE or field.type == FieldDescriptor.TYPE_STRING:
            items = list(value) if field.is_repeated else [value]
        else:
            continue
        for item in items:
            if isinstance(item, str):
                out.append(item)
            elif hasattr(item, "ListFields"):
                _proto_strings(item, out)


def element_nodes(node):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from element_nodes(child)


def rendered_texts(at, downloads: list[bytes] | None = None) -> list[str]:
    """Every string an AppTest run put on screen or in a payload: all string fields of every element's proto
    (markdown, captions, metrics, alerts, widget labels and options, plotly specs, component arguments such as
    a folium map's HTML), every cell and column name of dataframes and tables, and download payloads."""
    texts: list[str] = []
    for node in element_nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            _proto_strings(proto, texts)
        if getattr(node, "type", None) in ("arrow_data_frame", "arrow_table", "dataframe", "table"):
            frame = node.value
            texts.extend(str(c) for c in frame.columns)
            texts.extend(str(v) for v in frame.to_numpy(dtype=object).ravel())
    for payload in downloads or []:
        texts.append(_payload_text(payload))
    return texts


def _payload_text(payload: bytes) -> str:
    if payload[:2] == b"PK":  # an .xlsx: the shared strings and inline strings of every sheet
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml"))
    return payload.decode("utf-8-sig", "replace")


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def normalise(text: str) -> str:
    """What a reader sees: HTML entities and Markdown backslash escapes undone, whitespace collapsed."""
    text = html.unescape(_MD_ESCAPE.sub(r"\1", html.unescape(text)))
    return re.sub(r"\s+", " ", text)


def _windows(text: str, window: int) -> set[str]:
    flat = normalise(text)
    return {flat[i:i + window] for i in range(max(0, len(flat) - window + 1))}


def leaked(posts: list[str], texts: list[str], window: int = 30, allowed: list[str] = ()) -> list[str]:
    """Post texts of which some stretch of `window` characters appears in the rendered texts (stretches that
    also occur in `allowed`, e.g. non_post_texts(), do not count)."""
    seen: set[str] = set()
    for text in texts:
        seen |= _windows(text, window)
    for text in allowed:
        seen -= _windows(text, window)
    found = []
    for post in posts:
        flat = normalise(post)
        if any(flat[i:i + window] in seen for i in range(max(0, len(flat) - window + 1))):
            found.append(post)
    return found


@contextmanager
def recorded_downloads():
    """Records the payload of every st.download_button created inside the block, also deferred ones (data given
    as a callable, made only on click: the recorder calls it, as a click would). Yields the list it fills."""
    import streamlit
    from streamlit.elements.widgets.button import ButtonMixin

    payloads: list[tuple[str, bytes]] = []
    original = ButtonMixin.download_button
    original_module_level = streamlit.download_button

    def download_button(dg, label, data, file_name=None, *args, **kwargs):
        payload = data() if callable(data) else data
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        elif hasattr(payload, "read"):
            payload = payload.read()
        payloads.append((file_name or "", bytes(payload)))
        return original(dg, label, data, file_name, *args, **kwargs)

    ButtonMixin.download_button = download_button
    streamlit.download_button = streamlit._main.download_button
    try:
        yield payloads
    finally:
        ButtonMixin.download_button = original
        streamlit.download_button = original_module_level


# Sign-in configured, one user per role (and [wijkbeeld.roles] rules of each kind: e-mail, domain, groups).
ROLE_SECRETS = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "test-cookie-secret-not-for-production"
client_id = "wijkbeeld-test"
client_secret = "test-client-secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"

[wijkbeeld.roles]
emails = { "b.beleid@gemeente.nl" = "beleid" }
domains = { "politie.nl" = "politie" }
groups = { "wijkbeeld-analist" = "analist", "wijkbeeld-beheer*" = "beheer" }
"""
ROLE_USERS = {
    "beleid": {"is_logged_in": True, "email": "b.beleid@gemeente.nl", "groups": []},
    "analist": {"is_logged_in": True, "email": "a.analist@gemeente.nl", "groups": ["wijkbeeld-analist"]},
    "politie": {"is_logged_in": True, "email": "wijkagent@politie.nl", "groups": ["Domain Users"]},
    "beheer": {"is_logged_in": True, "email": "c.beheer@gemeente.nl", "groups": ["wijkbeeld-analist", "wijkbeeld-beheer-app"]},
}


@dataclass
class PageRun:
    at: object                            # the finished AppTest
    downloads: list[tuple[str, bytes]]    # (file name, payload) of every download button
    texts: list[str]                      # rendered_texts(at, payloads)


_RUNS: dict[tuple, PageRun] = {}


def run_page(script: str, user: dict, *, warehouse: Path, secrets: Path, params: dict | None = None,
             cache: bool = True) -> PageRun:
    """Run one page in AppTest as `user` against `warehouse` with the sign-in settings in `secrets` (a path
    that need not exist: then sign-in is not configured). Runs without params are cached per process, so the
    role and the hostile-text tests share them."""
    from streamlit.testing.v1 import AppTest

    key = (script, json.dumps(user, sort_keys=True), json.dumps(params or {}, sort_keys=True), str(warehouse), str(secrets))
    if cache and key in _RUNS:
        return _RUNS[key]
    saved = {k: os.environ.get(k) for k in ("WIJKBEELD_SECRETS", "WIJKBEELD_WAREHOUSE")}
    os.environ.update({"WIJKBEELD_SECRETS": str(secrets), "WIJKBEELD_WAREHOUSE": str(warehouse)})
    try:
        at = AppTest.from_file(str(ROOT / script), default_timeout=120)
        at.user = dict(user)
        for name, value in (params or {}).items():
            at.query_params[name] = value
        with recorded_downloads() as payloads:
            at.run()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    run = PageRun(at, list(payloads), rendered_texts(at, [p for _, p in payloads]))
    if cache:
        _RUNS[key] = run
    return run


_SECRETS: dict[str, Path] = {}


def role_secrets(tmp_path_factory) -> Path:
    """ROLE_SECRETS written once per test process."""
    if "roles" not in _SECRETS:
        path = tmp_path_factory.mktemp("secrets") / "secrets.toml"
        path.write_text(ROLE_SECRETS, encoding="utf-8")
        _SECRETS["roles"] = path
    return _SECRETS["roles"]


_BUILT: dict[str, Path] = {}


def hostile_warehouse(demo_sources: Path, tmp_path_factory) -> Path:
    """The hostile warehouse, built once per test process whichever test module asks first."""
    key = str(demo_sources)
    if key not in _BUILT:
        _BUILT[key] = build_hostile_warehouse(demo_sources, tmp_path_factory.mktemp("hostile"))
    return _BUILT[key]
