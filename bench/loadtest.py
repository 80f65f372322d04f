"""Load test: many people using the dashboard at once (`make loadtest`, or `python -m bench.loadtest`).

Starts the dashboard (`streamlit run dashboard.py`) on a free loopback port against a warehouse (default: the
demo warehouse of the settings), then drives N simultaneous sessions through a realistic click path for a fixed
number of rounds:

    1. open Overzicht      (a new session: connect and run the page until the script has finished)
    2. change the period   (sidebar selectbox 'Periode')
    3. choose a wijk       (selectbox 'Kies een wijk': the wijk card appears)
    4. open another page   (the sidebar navigation: the next page of the registry)

Two kinds of client:
- `websocket` (default): each session speaks Streamlit's own protocol over its own websocket, as the browser
  does (BackMsg rerun_script with widget states and page, ForwardMsg deltas until script_finished). It measures
  what the server does for each interaction, without drawing anything, so 20 sessions fit on the same 2 cores
  as the server. A step counts as an error when the app shows an exception or an error box, or times out.
- `browser`: headless Debian Chromium through Playwright (one browser context per session), until the app is idle
  and the map is drawn. Closer to a person, but 20 Chromium pages on the server's own 2 cores measure the
  client more than the server: use a few sessions, or a second machine.

Between steps a session waits a think time (default THINK_S, drawn 0.5x-1.5x per step from a seeded generator;
`--think 0` is a stress test with every session clicking as fast as the server answers). `--replicas N` starts N
dashboard processes and spreads the sessions over them (as a reverse proxy with sticky sessions would): one
Streamlit process runs its scripts under one interpreter lock, so a second process is how a second core is used.

Everything is bounded: sessions <= MAX_SESSIONS, rounds <= MAX_ROUNDS, a timeout per step and a deadline for
the run; only the loopback address is used (the browser aborts any other request). Playwright never downloads
a browser of its own: the browser is /usr/bin/chromium.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import dashboard_server

CHROMIUM = os.environ.get("WIJKBEELD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LOOPBACK = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "data:", "blob:", "about:")
CLIENTS = ("websocket", "browser")
SESSIONS = 20
ROUNDS = 3
THINK_S = 5.0  # mean pause between two clicks of one person (reading the page)
MAX_SESSIONS = 50
MAX_ROUNDS = 10
MAX_REPLICAS = 8
STEP_TIMEOUT_S = 60.0
STARTUP_TIMEOUT_S = 90.0  # until one dashboard process answers /_stcore/health
DEADLINE_S = 900.0
TARGET_P95_S = 3.0
STEPS = ("overzicht openen", "periode wijzigen", "wijk kiezen", "andere pagina")
PERIOD_LABEL = "Periode"
WIJK_LABEL = "Kies een wijk"


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: list[str] = field(default_factory=list)

    def timed(self, step: str, started: float) -> None:
        self.times[step].append(time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------- websocket client

class StreamlitSession:
    """One browser tab as the server sees it: a websocket on /_stcore/stream, BackMsg out, ForwardMsg in."""

    def __init__(self, url: str):
        self.ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.ws = None
        self.query_string = ""
        self.page_hash = ""
        self.pages: list[tuple[str, str]] = []   # (page_script_hash, page name) from the navigation message
        self.selectboxes: dict[str, object] = {}  # label -> Selectbox proto of the last run
        self.widget_values: dict[str, str] = {}   # widget id -> value sent, as the browser keeps them

    async def open(self, query_string: str = "") -> list[str]:
        import websockets

        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                          open_timeout=STEP_TIMEOUT_S)
        # A fresh tab on the dashboard's address: the default page, no widget values yet.
        self.query_string, self.page_hash, self.widget_values = query_string, "", {}
        return await self.run()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def choose(self, label: str, index: int) -> list[str]:
        """Pick option `index` (modulo the number of options) of the selectbox with this label, then rerun."""
        box = self.selectboxes.get(label)
        if box is None or not box.options:
            return [f"selectbox '{label}' niet gevonden"]
        return await self.run(changes={box.id: box.options[index % len(box.options)]})

    async def switch_page(self, offset: int) -> list[str]:
        others = [h for h, _ in self.pages if h != self.page_hash]
        if not others:
            return ["geen andere pagina in de navigatie"]
        self.widget_values = {}  # another page has other widgets
        target = others[offset % len(others)]
        problems = await self.run(page_hash=target)
        name = dict(self.pages).get(target, target)
        return [f"{name}: {problem}" for problem in problems]

    async def run(self, *, changes: dict[str, str] | None = None, page_hash: str | None = None) -> list[str]:
        """Send rerun_script and read until script_finished; returns the errors the app showed."""
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.widget_values.update(changes or {})
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = page_hash if page_hash is not None else self.page_hash
        for widget_id, value in self.widget_values.items():
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            widget.string_value = value
        await self.ws.send(msg.SerializeToString())
        self.selectboxes = {}
        errors: list[str] = []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=STEP_TIMEOUT_S)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                which = element.WhichOneof("type")
                if which == "selectbox":
                    self.selectboxes[element.selectbox.label] = element.selectbox
                elif which == "exception":
                    errors.append(f"exception: {element.exception.type}: {element.exception.message[:160]}")
                elif which == "alert" and element.alert.format == Alert.ERROR:
                    errors.append(f"foutmelding: {element.alert.body[:160]}")
            elif kind == "navigation":
                self.pages = [(page.page_script_hash, page.page_name) for page in forward.navigation.app_pages]
                self.page_hash = forward.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = forward.page_info_changed.query_string
            elif kind == "page_not_found":
                errors.append("pagina niet gevonden")
            elif kind == "script_finished":
                status = forward.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the script asked for a rerun: that run's messages follow
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    errors.append("script compileert niet")
                return errors


async def _websocket_session(url: str, number: int, rounds: int, results: Results, think: float) -> None:
    session = StreamlitSession(url)
    pause = _thinker(number, think)
    step = STEPS[0]
    try:
        for round_no in range(rounds):
            step = STEPS[0]
            await session.close()
            started = time.perf_counter()
            problems = await session.open()
            results.timed(step, started)
            _record(results, number, step, problems)

            await pause()
            step = STEPS[1]
            started = time.perf_counter()
            problems = await session.choose(PERIOD_LABEL, 1 + (number + round_no) % 3)
            results.timed(step, started)
            _record(results, number, step, problems)

            await pause()
            step = STEPS[2]
            started = time.perf_counter()
            problems = await session.choose(WIJK_LABEL, 1 + (number * 3 + round_no) % 8)
            results.timed(step, started)
            _record(results, number, step, problems)

            await pause()
            step = STEPS[3]
            started = time.perf_counter()
            problems = await session.switch_page(number + round_no)
            results.timed(step, started)
            _record(results, number, step, problems)
            await pause()
    except Exception as err:  # a timeout or a dropped connection is an error of this session, not of the run
        results.errors.append(f"sessie {number}, {step}: {type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}")
    finally:
        await session.close()


def _thinker(number: int, think: float):
    """Pauses of one person between clicks: 0.5x-1.5x `think` seconds, the same every run (seeded)."""
    rng = random.Random(1_000 + number)

    async def pause() -> None:
        if think > 0:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
    return pause


def _record(results: Results, number: int, step: str, problems: list[str]) -> None:
    results.errors.extend(f"sessie {number}, {step}: {p}" for p in problems)


# ---------------------------------------------------------------------------------------------- browser client

async def _route(route) -> None:
    if route.request.url.startswith(LOOPBACK):
        await route.continue_()
    else:
        await route.abort()


async def _idle(page, url_test: str | None = None) -> None:
    """Wait until the change is visible in the URL (if given) and the script is idle."""
    if url_test:
        await page.wait_for_function(url_test, timeout=STEP_TIMEOUT_S * 1000)
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_S * 1000)


async def _map_drawn(page) -> None:
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    await frame.locator("path.leaflet-interactive").first.wait_for(timeout=STEP_TIMEOUT_S * 1000)


async def _app_errors(page) -> list[str]:
    found = []
    for testid in ("stException", "stAlertContentError"):
        loc = page.locator(f'[data-testid="{testid}"]')
        if await loc.count():
            found.append(f"{testid}: {(await loc.first.inner_text())[:160]}")
    return found


async def _browser_choose(page, selectbox, index: int) -> None:
    await selectbox.click()
    options = page.locator('[data-testid="stSelectboxVirtualDropdown"] [role="option"]')
    await options.first.wait_for(timeout=STEP_TIMEOUT_S * 1000)
    await options.nth(index % await options.count()).click()


async def _browser_session(browser, url: str, number: int, rounds: int, results: Results, think: float) -> None:
    pause = _thinker(number, think)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.route("**/*", _route)
    page = await context.new_page()
    page.set_default_navigation_timeout(STEP_TIMEOUT_S * 1000)
    step = STEPS[0]
    try:
        for round_no in range(rounds):
            step = STEPS[0]
            started = time.perf_counter()
            await page.goto(url)
            await _idle(page)
            await _map_drawn(page)
            results.timed(step, started)
            _record(results, number, step, await _app_errors(page))

            await pause()
            step = STEPS[1]
            period = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text=PERIOD_LABEL)
            before = await page.evaluate("() => new URL(location.href).searchParams.get('periode')")
            started = time.perf_counter()
            await _browser_choose(page, period, 1 + (number + round_no) % 3)
            await _idle(page, f"() => new URL(location.href).searchParams.get('periode') !== {json.dumps(before)}")
            results.timed(step, started)
            _record(results, number, step, await _app_errors(page))

            await pause()
            step = STEPS[2]
            wijk = page.get_by_test_id("stSelectbox").filter(has_text=WIJK_LABEL)
            started = time.perf_counter()
            await _browser_choose(page, wijk, 1 + (number * 3 + round_no) % 8)
            await _idle(page, "() => new URL(location.href).searchParams.has('wijk')")
            results.timed(step, started)
            _record(results, number, step, await _app_errors(page))

            await pause()
            step = STEPS[3]
            links = page.get_by_test_id("stSidebarNavLink")
            count = await links.count()
            started = time.perf_counter()
            target = links.nth(1 + (number + round_no) % max(1, count - 1))
            href = await target.get_attribute("href") or ""
            await target.click()
            path = "/" + href.rstrip("/").rsplit("/", 1)[-1]
            await _idle(page, f"() => location.pathname.endsWith({json.dumps(path)})")
            results.timed(step, started)
            _record(results, number, step, await _app_errors(page))
            await pause()
    except Exception as err:  # a timeout or a broken page is an error of this session, not of the run
        results.errors.append(f"sessie {number}, {step}: {type(err).__name__}: {str(err).splitlines()[0][:200]}")
    finally:
        await context.close()


# ---------------------------------------------------------------------------------------------- the run

async def _warm(urls: list[str]) -> None:
    """One run per server (the first run compiles the pages and opens the warehouse), as after a deploy."""
    for url in urls:
        warm = StreamlitSession(url)
        await warm.open()
        await warm.close()


async def _drive(urls: list[str], client: str, sessions: int, rounds: int, think: float) -> tuple[Results, float]:
    results = Results()
    url_of = lambda n: urls[n % len(urls)]  # noqa: E731  sticky: a session stays on its replica
    if client == "websocket":
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(_websocket_session(url_of(n), n, rounds, results, think)
                                                for n in range(sessions))), timeout=DEADLINE_S)
        return results, time.perf_counter() - started
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            started = time.perf_counter()
            await asyncio.wait_for(
                asyncio.gather(*(_browser_session(browser, url_of(n), n, rounds, results, think) for n in range(sessions))),
                timeout=DEADLINE_S)
            wall = time.perf_counter() - started
        finally:
            await browser.close()
    return results, wall


def _percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def loadtest(warehouse: Path | None = None, sessions: int = SESSIONS, rounds: int = ROUNDS,
             client: str = "websocket", think: float = THINK_S, replicas: int = 1,
             server_options: dict[str, str] | None = None) -> list[dict]:
    """Run the load test; rows {name, value, unit, target, lower_is_better} as in bench.suites.
    `server_options` are Streamlit config options for the dashboard processes ({"runner.postScriptGC": "false"})."""
    from wijkbeeld.settings import get_settings

    if client not in CLIENTS:
        raise ValueError(f"client moet een van {', '.join(CLIENTS)} zijn")
    if client == "browser" and not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} ontbreekt: installeer Debians chromium (make chromium)")
    sessions = max(1, min(int(sessions), MAX_SESSIONS))
    rounds = max(1, min(int(rounds), MAX_ROUNDS))
    replicas = max(1, min(int(replicas), MAX_REPLICAS))
    think = max(0.0, min(float(think), 60.0))
    warehouse = Path(warehouse or get_settings().warehouse_path)
    if not warehouse.exists():
        raise RuntimeError(f"{warehouse}: geen warehouse; maak de demo met `make demo`")
    with tempfile.TemporaryDirectory(prefix="wijkbeeld-loadtest-") as tmp, contextlib.ExitStack() as stack:
        servers = [stack.enter_context(dashboard_server(warehouse, Path(tmp), options=server_options,
                                                     timeout=STARTUP_TIMEOUT_S))
                   for _ in range(replicas)]
        asyncio.run(_warm([server.url for server in servers]))
        before = [server.usage() for server in servers]
        results, wall = asyncio.run(_drive([server.url for server in servers], client, sessions, rounds, think))
        after = [server.usage() for server in servers]
    known = all(a[0] is not None and b[0] is not None for a, b in zip(after, before))
    server_cpu = sum(a[0] - b[0] for a, b in zip(after, before)) if known else None
    peak_mb = max((a[1] for a in after if a[1] is not None), default=None)
    every = [t for times in results.times.values() for t in times]
    expected = sessions * rounds * len(STEPS)
    label = (f"belasting ({client}, {sessions} sessies x {rounds} rondes, denktijd {think:g} s"
             f"{f', {replicas} processen' if replicas > 1 else ''}"
             f"{''.join(f', {k}={v}' for k, v in (server_options or {}).items())})")
    rows = [
        _row(f"{label}: fouten", len(results.errors), "", 0),
        _row(f"{label}: gemeten paginatijden", len(every), f"van {expected}", expected, lower_is_better=False),
        _row(f"{label}: paginatijd mediaan", statistics.median(every) if every else None, "s"),
        _row(f"{label}: paginatijd p95", _percentile(every, 0.95), "s", TARGET_P95_S),
    ]
    for step in STEPS:
        times = results.times[step]
        rows.append(_row(f"{label}: {step}: mediaan", statistics.median(times) if times else None, "s"))
        rows.append(_row(f"{label}: {step}: p95", _percentile(times, 0.95), "s", TARGET_P95_S))
    rows.append(_row(f"{label}: totale duur", wall, "s"))
    rows.append(_row(f"{label}: interacties per seconde", len(every) / wall if wall else None, "/s",
                     lower_is_better=False))
    rows.append(_row(f"{label}: CPU van de dashboardserver per interactie",
                     server_cpu / len(every) if server_cpu is not None and every else None, "s"))
    rows.append(_row(f"{label}: piekgeheugen per dashboardproces", peak_mb, "MB"))
    for error in results.errors[:10]:
        rows.append(_row(f"{label}: FOUT {error}", None, ""))
    return rows


def _row(name: str, value, unit: str, target=None, lower_is_better: bool = True) -> dict:
    return {"name": name, "value": value, "unit": unit, "target": target, "lower_is_better": lower_is_better}


def main(argv: list[str] | None = None) -> int:
    from bench.suites import format_row

    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS, help=f"gelijktijdige sessies (max {MAX_SESSIONS})")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rondes per sessie (max {MAX_ROUNDS})")
    parser.add_argument("--client", choices=CLIENTS, default="websocket",
                        help="websocket: Streamlits eigen protocol (standaard); browser: Chromium via Playwright")
    parser.add_argument("--think", type=float, default=THINK_S,
                        help=f"gemiddelde denktijd tussen twee klikken in seconden (standaard {THINK_S:g}; 0 = stresstest)")
    parser.add_argument("--replicas", type=int, default=1, help=f"aantal dashboardprocessen (max {MAX_REPLICAS})")
    parser.add_argument("--server-option", action="append", default=[], metavar="SLEUTEL=WAARDE",
                        help="Streamlit-instelling voor de dashboardprocessen, bv. runner.postScriptGC=false (herhaalbaar)")
    parser.add_argument("--warehouse", help="warehouse (standaard WIJKBEELD_WAREHOUSE of data/warehouse.duckdb)")
    parser.add_argument("--json", help="schrijf de rijen ook naar dit JSON-bestand")
    args = parser.parse_args(argv)
    rows = loadtest(Path(args.warehouse) if args.warehouse else None, args.sessions, args.rounds, args.client,
                    args.think, args.replicas, dict(o.split("=", 1) for o in args.server_option))
    for row in rows:
        print(format_row(row))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    return 0 if rows[0]["value"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
