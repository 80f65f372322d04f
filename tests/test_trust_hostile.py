"""Hostile text written by residents (and hostile area and page names) on every page of the registry: nothing
executes in a real browser, Markdown never carries live markup, text shows literally, downloads are
neutralised against spreadsheet formulas. Plus property tests of the escaping in wijkbeeld.safe.

The warehouse comes from the real build of the demo plus a plain-CSV posts file, a hostile page name and
hostile gemeente/wijk/buurt names (tests/hostile.py).
"""
from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.browser import chromium_page, served, wait_idle
from tests.conftest import chromium_path
from tests.hostile import (EVIL_HOST, FLAG, HOSTILE_BUURT_NAME, HOSTILE_PAGE_ID, HOSTILE_POSTS, HOSTILE_WIJK,
                           HOSTILE_WIJK_NAME, LIVE_MARKUP, ROLE_USERS, element_nodes, hostile_warehouse, role_secrets,
                           run_page)
from wijkbeeld.pages_registry import PAGES
from wijkbeeld.safe import (EXCEL_CELL_MAX_CHARS, QUOTED_INPUT_MAX_CHARS, WORD_JOINER, escape_html, escape_markdown, escape_plotly,
                           excel_safe_cell, neutralise_cell, quote_input, to_csv_bytes, to_excel_bytes)

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [p[0] for p in PAGES]
CHROMIUM = chromium_path()
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d[\d.]*(,\d+)?(E[+-]?\d+)?$")
@pytest.fixture(scope="module")
def hostile(demo_sources, tmp_path_factory) -> Path:
    return hostile_warehouse(demo_sources, tmp_path_factory)


@pytest.fixture(scope="module")
def secrets(tmp_path_factory) -> Path:
    return role_secrets(tmp_path_factory)


def _run(script: str, role: str, params: dict | None = None, *, warehouse: Path, secrets: Path):
    run = run_page(script, ROLE_USERS[role], warehouse=warehouse, secrets=secrets, params=params)
    assert not run.at.exception, [e.value for e in run.at.exception]
    return run


# Proto fields the frontend renders as Markdown (bodies of markdown/caption/heading/alert elements, labels and
# help texts of widgets, metrics, expanders and tabs). Options, values, dataframes, plotly specs and component
# arguments are not Markdown and are checked in the browser instead.
MARKDOWN_FIELDS = ("body", "label", "help", "placeholder")


def _markdown_strings(at) -> list[tuple[str, str, bool]]:
    out = []
    for node in element_nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields") or getattr(node, "type", "") in (
                "component_instance", "plotly_chart", "arrow_data_frame", "json", "code"):
            continue
        fields = {f.name: v for f, v in proto.ListFields()}
        for name in MARKDOWN_FIELDS:
            if isinstance(fields.get(name), str):
                out.append((f"{getattr(node, 'type', '?')}.{name}", fields[name], bool(fields.get("allow_html"))))
        for block_field in ("expandable", "tab"):  # block labels
            sub = fields.get(block_field)
            if sub is not None and getattr(sub, "label", ""):
                out.append((f"{block_field}.label", sub.label, False))
    return out


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("role", ["analist", "beheer"])
def test_markdown_never_carries_live_markup(script, role, hostile, secrets):
    at = _run(script, role, warehouse=hostile, secrets=secrets).at
    for where, text, allow_html in _markdown_strings(at):
        assert not LIVE_MARKUP.search(text), f"{script} {where}: live markup in {text[:300]!r}"
        if allow_html:  # raw HTML blocks must never carry data
            assert FLAG not in text and "Centrum" not in text, f"{script} {where}: data in an unsafe_allow_html block"


@pytest.mark.parametrize("script", SCRIPTS)
def test_downloads_neutralise_formula_cells(script, hostile, secrets):
    for name, payload in _run(script, "beheer", warehouse=hostile, secrets=secrets).downloads:
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"), newline=""), delimiter=";"))
            cells = [c for row in rows for c in row]
        elif name.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(payload))
            cells = []
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", f"{script} {name}: formula in {cell.coordinate}: {cell.value!r}"
                        if isinstance(cell.value, str):
                            cells.append(cell.value)
        else:
            continue
        dangerous = [c for c in cells if c.startswith(FORMULA_START) and not NUMBER.match(c)]
        assert not dangerous, f"{script} {name}: formula starters {dangerous[:5]}"
        for hostile_name in (HOSTILE_WIJK_NAME, HOSTILE_BUURT_NAME):  # both start with a formula character
            assert hostile_name not in cells, f"{script} {name}: {hostile_name[:20]} not neutralised"


def test_hostile_names_show_literally_on_the_overview(hostile, secrets):
    at = _run("pages/overzicht.py", "beheer", {"wijk": HOSTILE_WIJK}, warehouse=hostile, secrets=secrets).at
    assert any(escape_markdown(HOSTILE_WIJK_NAME) in m.value for m in at.markdown)
    assert HOSTILE_WIJK_NAME in at.dataframe[0].value.astype(str).to_numpy().ravel().tolist()


@pytest.mark.skipif("pages/themas.py" not in SCRIPTS, reason="the Thema's page is not in the registry yet")
def test_theme_examples_show_hostile_posts_literally(hostile, secrets):
    import duckdb

    with duckdb.connect(str(hostile), read_only=True) as con:
        wijk = con.execute("SELECT wijk_code FROM bridge_page_wijk WHERE page_id = ?", [HOSTILE_PAGE_ID]).fetchone()[0]
    at = _run("pages/themas.py", "analist", {"wijk": wijk, "thema": "inbraak", "periode": "2026"},
              warehouse=hostile, secrets=secrets).at
    shown = [str(v) for df in at.dataframe for v in df.value.to_numpy().ravel()]
    assert HOSTILE_POSTS[0] in shown, "the <script> post should be listed as plain text in the examples"


# ------------------------------------------------------------------------------------------ URL parameters

# Every parameter a page reads from the URL (tests/test_app.py covers plain wrong values; these are the rest).
URL_NAMES = ["gm", "periode", "lang", "wijk", "wijken", "thema", "indicator", "niveau", "uitkomst", "groep", "kleur", "log"]
URL_ATTACKS = {
    "long": "A" * 10_000,
    "markup": f"[klik hier om opnieuw in te loggen](http://{EVIL_HOST}/login) <img src=x onerror=alert(1)>",
    "unicode": "WK999900\u202e\u200b\ufeff💥\x00\ud7ff",
    "repeated": ["GM9999", "GM0000", "<script>alert(1)</script>"],
}
SHOWN_VALUE_MAX = 200  # a warning may quote what was asked for, not page-long


# Pages that still quote a URL value back raw (unescaped and/or uncut) in a warning; the fix is to quote it with
# wijkbeeld.safe.quote_input (docs/security.md). Strict: remove an entry when its page is fixed.
ECHOES_RAW: dict[str, set[str]] = {}  # every page now quotes URL values through safe.quote_input
_ECHO = pytest.mark.xfail(strict=True, reason="quotes a URL value raw in a warning; fix: wijkbeeld.safe.quote_input")


def _url_cases(scripts: list[str]) -> list:
    return [pytest.param(script, attack, id=f"{script}-{attack}",
                         marks=[_ECHO] if attack in ECHOES_RAW.get(script, ()) else [])
            for script in scripts for attack in sorted(URL_ATTACKS)]


@pytest.mark.parametrize("script, attack", _url_cases(SCRIPTS))
def test_url_parameters_are_validated(script, attack, hostile, secrets):
    value = URL_ATTACKS[attack]
    params = {name: value for name in URL_NAMES}
    params["gm"] = "GM9999"  # the gemeente and period are setup_page's: test_gate_parameters_are_validated
    params["periode"] = "12m"
    at = _run(script, "beheer", params, warehouse=hostile, secrets=secrets).at
    assert at.title and not at.exception
    for where, text, _ in _markdown_strings(at):
        assert not LIVE_MARKUP.search(text) and f"]({'http'}" not in text.replace("\\]\\(", ""), f"{where}: {text[:200]!r}"
        assert "A" * SHOWN_VALUE_MAX not in text, f"{where} repeats the 10,000-character value"
    shown = at.query_params
    assert shown.get("gm") in (["GM9999"], "GM9999"), shown.get("gm")
    assert shown.get("lang") in (["nl"], "nl", ["en"], "en")
    sent = value if isinstance(value, list) else [value]
    for name in URL_NAMES:  # what the page writes back is a valid choice, never what was sent
        if name in shown and name not in ("gm", "lang"):
            kept = shown[name] if isinstance(shown[name], list) else [shown[name]]
            assert kept != sent or name not in _names_read(script), f"{name}={kept[0][:40]!r} kept in the URL"


@pytest.mark.parametrize("script, attack", _url_cases(["setup_page"]))
def test_gate_parameters_are_validated(script, attack, hostile, secrets):
    """gm, periode and lang are read by setup_page for every page."""
    value = URL_ATTACKS[attack]
    params = {"gm": value, "periode": value, "lang": value}
    if attack == "unicode":
        params["gm"] = "GM9999\u200b"  # looks right, is not
    at = _run(SCRIPTS[0], "beheer", params, warehouse=hostile, secrets=secrets).at
    assert at.warning and not at.exception
    for where, text, _ in _markdown_strings(at):
        assert not LIVE_MARKUP.search(text) and f"]({'http'}" not in text.replace("\\]\\(", ""), f"{where}: {text[:200]!r}"
        assert "A" * SHOWN_VALUE_MAX not in text, f"{where} repeats the 10,000-character value"
    assert at.query_params.get("gm") in (["GM9999"], "GM9999") and at.query_params.get("lang") in (["nl"], "nl")


def _names_read(script: str) -> set[str]:
    """URL parameter names the page script itself reads (setup_page handles gm, periode and lang)."""
    source = (ROOT / script).read_text(encoding="utf-8")
    names = set(re.findall(r"query_params(?:\.get\(|\[)\"(\w+)\"", source))
    names |= set(re.findall(r"url_choice\(\"(\w+)\"", source))
    return names | {"periode"}


# ------------------------------------------------------------------------------------------ browser

@pytest.fixture(scope="module")
def server(hostile, tmp_path_factory):
    absent = tmp_path_factory.mktemp("no-secrets") / "secrets.toml"
    with served(hostile, {"WIJKBEELD_SECRETS": str(absent)}) as url:
        yield url


class Watch:
    """Everything a page might do that it should not: dialogs, console errors, requests off the machine."""

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))
        page.on("request", lambda req: self.outside.append(req.url)
                if not req.url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")) else None)
        # Failed loads other than Streamlit's own page-relative health/host-config probes.
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}")
                if r.status >= 400 and "/_stcore/" not in r.url else None)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def reset(self) -> None:
        self.dialogs.clear()
        self.errors.clear()
        self.outside.clear()
        self.failed.clear()


@pytest.fixture(scope="module")
def browser(server):
    with chromium_page(CHROMIUM) as page:
        yield page, Watch(page)


def _flags(page) -> list[tuple[str, object]]:
    found = []
    for frame in page.frames:
        try:
            value = frame.evaluate(f"() => window[{FLAG!r}] ?? null")
        except Exception as err:  # a frame that went away while we looked
            if "detached" in str(err).lower() or "destroyed" in str(err).lower():
                continue
            raise
        if value is not None:
            found.append((frame.url[:80], value))
    return found


def _tooltips(page) -> list[str]:
    """Hover every shape of every Leaflet map on the page and collect the tooltip texts."""
    texts = []
    for frame in page.frames:
        shapes = frame.locator("path.leaflet-interactive")
        for i in range(shapes.count()):
            try:
                shapes.nth(i).hover(force=True, timeout=2_000)
            except Exception:
                continue
            tip = frame.locator(".leaflet-tooltip")
            if tip.count():
                texts.append(tip.last.inner_text())
    return texts


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.parametrize("title, url_path", [(p[1], p[3]) for p in PAGES], ids=[p[3] for p in PAGES])
def test_nothing_hostile_executes_in_the_browser(browser, server, title, url_path):
    page, watch = browser
    watch.reset()
    page.goto(f"{server}/{url_path}")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == title, "the page asked for is the page shown"
    frames = page.locator("iframe")
    for i in range(frames.count()):
        frames.nth(i).wait_for(timeout=20_000)
    page.wait_for_timeout(500)  # onerror/onload handlers of a rendered payload would have fired by now
    tooltips = _tooltips(page)
    body = page.locator("body").inner_text()
    assert watch.dialogs == [], watch.dialogs
    assert _flags(page) == []
    assert [u for u in watch.outside if EVIL_HOST in u] == []
    # Not from the payloads: failed loads (checked through watch.failed below) and Streamlit's notice when it
    # resolves a URL path with '-' in it (the right page is shown).
    errors = [e for e in watch.errors if "Failed to load resource" not in e and "does not seem to exist" not in e]
    assert errors == [], errors
    assert page.locator('[data-testid="stException"]').count() == 0
    for frame in page.frames:  # no live javascript: link anywhere (plotly labels, markdown, tooltips)
        assert frame.locator('a[href^="javascript:" i], [src^="javascript:" i]').count() == 0, frame.url[:80]
        # nor a link made from a bare address in a name (Markdown's autolinks of http://… and www.…)
        assert frame.locator(f'a[href*="{EVIL_HOST}" i]').count() == 0, frame.url[:80]
    assert watch.failed == [], watch.failed  # e.g. an <img src=x> that got rendered
    # Where names are shown as text they show literally, entities and Markdown included.
    shown = (body + "\n" + "\n".join(tooltips)).replace(WORD_JOINER, "")  # invisible, keeps addresses unlinked
    for literal in (HOSTILE_WIJK_NAME, HOSTILE_BUURT_NAME):
        start = literal.split(" ")[0] + " "
        for at in [m.start() for m in re.finditer(re.escape(start), shown)]:
            fragment = shown[at:at + len(literal)]
            assert fragment == literal or len(fragment) < len(literal), f"shown as {fragment!r}"
    assert "&lt;" not in shown and "&amp;" not in shown and "&#x27;" not in shown, "double-escaped text on screen"
    if url_path == "overzicht":
        assert HOSTILE_WIJK_NAME in body.replace(WORD_JOINER, ""), "the overview's summary lists the wijk by its literal name"
        assert any(HOSTILE_WIJK_NAME in t for t in tooltips), "the map tooltip shows the literal name"


# ------------------------------------------------------------------------------------------ escaping properties

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
hostile_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80) | st.sampled_from(
    HOSTILE_POSTS + [HOSTILE_WIJK_NAME, HOSTILE_BUURT_NAME, "&#x27;", "&amp;lt;", "\\*", "a\\", "zo'n", "Titel\n==="])


# What escape_markdown may emit: a backslash-escaped ASCII punctuation character, one of three entities, or a
# character that is not ASCII punctuation. CommonMark reads each of these as one literal character.
_LITERAL_MARKDOWN = re.compile(r"(?:\\[!-/:-@\[-`{-~]|&(?:amp|lt|gt);|[^!-/:-@\[-`{-~])*", re.DOTALL)
_TOKEN = re.compile(r"\\([!-/:-@\[-`{-~])|&(amp|lt|gt);")
_ENTITY = {"amp": "&", "lt": "<", "gt": ">"}
# GFM's autolink literals as they start: www., http(s)://, mailto:, xmpp:, and an e-mail address's @domain.
_AUTOLINK = re.compile(r"(?i)www\.|https?://|mailto:|xmpp:|\w@\w")


@PROPERTY
@given(hostile_text)
def test_escape_markdown_emits_only_literal_characters_and_round_trips(text):
    out = escape_markdown(text)
    assert _LITERAL_MARKDOWN.fullmatch(out), out
    shown = _TOKEN.sub(lambda m: m.group(1) or _ENTITY[m.group(2)], out)
    assert shown.replace(WORD_JOINER, "") == text.replace(WORD_JOINER, "")
    assert not _AUTOLINK.search(shown), shown  # no bare address left for GFM to turn into a link


@PROPERTY
@given(hostile_text | st.text(min_size=50, max_size=300))
def test_quote_input_is_short_literal_markdown(text):
    out = quote_input(text)
    assert _LITERAL_MARKDOWN.fullmatch(out), out
    # the word joiners escape_markdown adds are the only format characters left (they keep addresses unlinked)
    shown = _TOKEN.sub(lambda m: m.group(1) or _ENTITY[m.group(2)], out).replace(WORD_JOINER, "")
    assert len(shown) <= QUOTED_INPUT_MAX_CHARS + 1
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in shown)
    if len(text) <= QUOTED_INPUT_MAX_CHARS and text.isprintable():
        assert shown == text


@PROPERTY
@given(hostile_text)
def test_escape_html_round_trips_and_leaves_no_markup(text):
    out = escape_html(text)
    assert not re.search(r"[<>\"']", out)
    assert html.unescape(out) == text


@PROPERTY
@given(hostile_text)
def test_escape_plotly_leaves_no_tags_and_only_entities_plotly_decodes(text):
    out = escape_plotly(text)
    assert "<" not in out and ">" not in out
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)
    assert out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(hostile_text, st.integers(-10**6, 10**6) | st.none()), min_size=1, max_size=8))
def test_csv_and_excel_downloads_neutralise_every_text_cell(rows):
    texts = [r[0] for r in rows]
    frame = pd.DataFrame({"tekst": texts, "aantal": pd.array([r[1] for r in rows], dtype="Int64")})
    expected = [("'" + t) if t.startswith(FORMULA_START) else t for t in texts]
    parsed = list(csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert parsed[0] == ["tekst", "aantal"]
    assert [r[0] for r in parsed[1:]] == expected
    assert [r[1] for r in parsed[1:]] == ["" if r[1] is None else str(r[1]) for r in rows]  # numbers untouched
    sheet = load_workbook(io.BytesIO(to_excel_bytes(frame))).active
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(rows))]
    assert all(c.data_type != "f" for c in cells)
    # XML turns a carriage return into a line feed; nothing else changes but the neutralising and cleaning.
    assert [(c.value or "").replace("\r", "\n") for c in cells] == [
        neutralise_cell(excel_safe_cell(t)).replace("\r\n", "\n").replace("\r", "\n") for t in texts]
    assert not any(str(c.value or "").startswith(FORMULA_START) for c in cells)


def test_a_carriage_return_cannot_smuggle_a_formula_into_a_csv_row_of_its_own():
    frame = pd.DataFrame({"tekst": ["ok\r=HYPERLINK(\"http://evil.example\")", "a\n@SUM(1)"], "n": [1, 2]})
    rows = list(csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 3 and [r[1] for r in rows[1:]] == ["1", "2"]
    assert not any(cell.startswith(FORMULA_START) for row in rows for cell in row)


def test_excel_download_survives_control_characters_and_huge_cells():
    frame = pd.DataFrame({"tekst": ["a\x0bb", "\x01=1+1", "x" * 40_000, "\x00@SUM(A1)"]})
    sheet = load_workbook(io.BytesIO(to_excel_bytes(frame))).active
    values = [sheet.cell(row=i + 2, column=1).value for i in range(4)]
    assert values[0] == "a\ufffdb" and values[1] == "\ufffd=1+1" and values[3] == "\ufffd@SUM(A1)"
    assert len(values[2]) == EXCEL_CELL_MAX_CHARS and values[2].endswith("…")


def test_neutralise_cell_covers_every_formula_starter_and_nothing_else():
    for start in FORMULA_START:
        assert neutralise_cell(start + "1+1") == "'" + start + "1+1"
    for safe in ("Centrum", " =1+1", "'=1", "1-2", "", "＝1+1"):
        assert neutralise_cell(safe) == safe
    assert neutralise_cell(-5) == -5 and neutralise_cell(None) is None
