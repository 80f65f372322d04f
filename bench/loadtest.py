"""Load test: many people using the dashboard at once (`make loadtest`, or `python -m bench.loadtest`).

Starts the dashboard (`streamlit run dashboard.py`) on a free loopback port against a warehouse (default: the
demo warehouse of the settings), then drives N simultaneous browser sessions (headless Debian Chromium through
Playwright, one browser context per session: its own cookies and websocket, like a separate person) through a
realistic click path, for a fixed number of rounds:

    1. open Overzicht                    (page load until the script is idle and the map is drawn)
    2. change the period                 (sidebar selectbox 'Periode')
    3. choose a wijk                     (selectbox 'Kies een wijk': the wijk card appears)
    4. open another page                 (sidebar navigation; with a single page: Overzicht with another
                                          indicator through the URL, a full reload)

A step's time runs from the action until the app is idle again (`data-test-script-state="notRunning"`) with the
change visible (URL parameter or map). Errors: exceptions shown by the app, error boxes, timeouts. Everything is
bounded: sessions <= MAX_SESSIONS, rounds <= MAX_ROUNDS, a hard deadline, and no request leaves the loopback
address (others are aborted). The browser is Debian's /usr/bin/chromium; `playwright install` is never used.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("WIJKBEELD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LOOPBACK = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "data:", "blob:", "about:")
SESSIONS = 20
ROUNDS = 3
MAX_SESSIONS = 50
MAX_ROUNDS = 10
STEP_TIMEOUT_MS = 60_000
DEADLINE_S = 900.0
TARGET_P95_S = 3.0
STEPS = ("overzicht openen", "periode wijzigen", "wijk kiezen", "andere pagina")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(warehouse: Path, log_dir: Path, timeout: float = 90.0):
    """`streamlit run dashboard.py` on 127.0.0.1:<free port>; yields the base URL once /_stcore/health answers."""
    port = free_port()
    env = {**os.environ, "WIJKBEELD_WAREHOUSE": str(warehouse)}
    log_path = log_dir / f"streamlit-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dashboard startte niet: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: list[str] = field(default_factory=list)
    step_names: dict[str, str] = field(default_factory=dict)


async def _route(route) -> None:
    if route.request.url.startswith(LOOPBACK):
        await route.continue_()
    else:
        await route.abort()


async def _idle(page) -> None:
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)


async def _settled(page, url_test: str | None = None) -> None:
    """Wait until the change is visible in the URL (if given) and the script is idle."""
    if url_test:
        await page.wait_for_function(url_test, timeout=STEP_TIMEOUT_MS)
    await _idle(page)


async def _app_errors(page) -> list[str]:
    found = []
    for testid in ("stException", "stAlertContentError"):
        loc = page.locator(f'[data-testid="{testid}"]')
        if await loc.count():
            found.append(f"{testid}: {(await loc.first.inner_text())[:160]}")
    return found


async def _choose(page, selectbox, index: int) -> str:
    """Open a Streamlit selectbox and pick option `index` (modulo the number of options); returns its text."""
    await selectbox.click()
    options = page.locator('[data-testid="stSelectboxVirtualDropdown"] [role="option"]')
    await options.first.wait_for(timeout=STEP_TIMEOUT_MS)
    count = await options.count()
    option = options.nth(index % count)
    text = await option.inner_text()
    await option.click()
    return text


async def _session(browser, url: str, number: int, rounds: int, results: Results, pages: list[tuple[str, str]]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.route("**/*", _route)
    page = await context.new_page()
    try:
        for round_no in range(rounds):
            # 1. open Overzicht (a fresh page load: new websocket session)
            started = time.perf_counter()
            await page.goto(url)
            await _idle(page)
            map_frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
            await map_frame.locator("path.leaflet-interactive").first.wait_for(timeout=STEP_TIMEOUT_MS)
            results.times[STEPS[0]].append(time.perf_counter() - started)
            await _check(page, results, number, STEPS[0])

            # 2. change the period (sidebar)
            period = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Periode")
            before = await page.evaluate("() => new URL(location.href).searchParams.get('periode')")
            started = time.perf_counter()
            await _choose(page, period, 1 + (number + round_no) % 3)
            await _settled(page, f"() => new URL(location.href).searchParams.get('periode') !== {json.dumps(before)}")
            results.times[STEPS[1]].append(time.perf_counter() - started)
            await _check(page, results, number, STEPS[1])

            # 3. choose a wijk (its card appears)
            wijk = page.get_by_test_id("stSelectbox").filter(has_text="Kies een wijk")
            started = time.perf_counter()
            await _choose(page, wijk, 1 + (number * 3 + round_no) % 8)
            await _settled(page, "() => new URL(location.href).searchParams.has('wijk')")
            results.times[STEPS[2]].append(time.perf_counter() - started)
            await _check(page, results, number, STEPS[2])

            # 4. another page: the sidebar navigation when there is more than one page
            started = time.perf_counter()
            if len(pages) > 1:
                target = pages[1 + (number + round_no) % (len(pages) - 1)]
                results.step_names[STEPS[3]] = "andere pagina (navigatie)"
                await page.get_by_test_id("stSidebarNavLink").filter(has_text=target[1]).first.click()
                await _settled(page, f"() => location.pathname.endsWith('/{target[0]}')")
            else:
                results.step_names[STEPS[3]] = "Overzicht opnieuw met andere indicator (enige pagina)"
                await page.goto(f"{url}/?indicator=onveilig")
                await _settled(page, None)
                await page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator(
                    "path.leaflet-interactive").first.wait_for(timeout=STEP_TIMEOUT_MS)
            results.times[STEPS[3]].append(time.perf_counter() - started)
            await _check(page, results, number, STEPS[3])
    except Exception as err:  # a timeout or a broken page is an error of this session, not of the run
        results.errors.append(f"sessie {number}: {type(err).__name__}: {str(err).splitlines()[0][:200]}")
    finally:
        await context.close()


async def _check(page, results: Results, number: int, step: str) -> None:
    for problem in await _app_errors(page):
        results.errors.append(f"sessie {number}, {step}: {problem}")


async def _drive(url: str, sessions: int, rounds: int, pages: list[tuple[str, str]]) -> tuple[Results, float]:
    from playwright.async_api import async_playwright

    results = Results()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # Warm the server once (first script run compiles and opens the warehouse), as after a deploy.
            warm = await browser.new_context()
            await warm.route("**/*", _route)
            page = await warm.new_page()
            await page.goto(url)
            await _idle(page)
            await warm.close()
            started = time.perf_counter()
            await asyncio.wait_for(
                asyncio.gather(*(_session(browser, url, n, rounds, results, pages) for n in range(sessions))),
                timeout=DEADLINE_S)
            wall = time.perf_counter() - started
        finally:
            await browser.close()
    return results, wall


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))]


def loadtest(warehouse: Path | None = None, sessions: int = SESSIONS, rounds: int = ROUNDS) -> list[dict]:
    """Run the load test; rows {name, value, unit, target, lower_is_better} as in bench.suites."""
    from wijkbeeld.pages_registry import PAGES
    from wijkbeeld.settings import get_settings

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} ontbreekt: installeer Debians chromium (make chromium)")
    sessions = max(1, min(int(sessions), MAX_SESSIONS))
    rounds = max(1, min(int(rounds), MAX_ROUNDS))
    warehouse = Path(warehouse or get_settings().warehouse_path)
    if not warehouse.exists():
        raise RuntimeError(f"{warehouse}: geen warehouse; maak de demo met `make demo`")
    pages = [(url_path, title) for _, title, _, url_path in PAGES]
    with tempfile.TemporaryDirectory(prefix="wijkbeeld-loadtest-") as tmp:
        with dashboard_server(warehouse, Path(tmp)) as url:
            results, wall = asyncio.run(_drive(url, sessions, rounds, pages))
    every = [t for times in results.times.values() for t in times]
    expected = sessions * rounds * len(STEPS)
    rows = [
        {"name": f"belasting: {sessions} sessies x {rounds} rondes, fouten", "value": len(results.errors), "unit": "",
         "target": 0, "lower_is_better": True},
        {"name": "belasting: gemeten paginatijden", "value": len(every), "unit": f"van {expected}", "target": None,
         "lower_is_better": False},
        {"name": "belasting: paginatijd mediaan (alle stappen)", "value": statistics.median(every) if every else None,
         "unit": "s", "target": None, "lower_is_better": True},
        {"name": "belasting: paginatijd p95 (alle stappen)", "value": _percentile(every, 0.95), "unit": "s",
         "target": TARGET_P95_S, "lower_is_better": True},
    ]
    for step in STEPS:
        label = results.step_names.get(step, step)
        times = results.times[step]
        rows.append({"name": f"belasting: {label}: mediaan", "value": statistics.median(times) if times else None,
                     "unit": "s", "target": None, "lower_is_better": True})
        rows.append({"name": f"belasting: {label}: p95", "value": _percentile(times, 0.95), "unit": "s",
                     "target": TARGET_P95_S, "lower_is_better": True})
    rows.append({"name": "belasting: totale duur", "value": wall, "unit": "s", "target": None, "lower_is_better": True})
    for error in results.errors[:10]:
        rows.append({"name": f"belasting: FOUT {error}", "value": None, "unit": "", "target": None})
    return rows


def main(argv: list[str] | None = None) -> int:
    from bench.suites import format_row

    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS, help=f"gelijktijdige sessies (max {MAX_SESSIONS})")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rondes per sessie (max {MAX_ROUNDS})")
    parser.add_argument("--warehouse", help="warehouse (standaard WIJKBEELD_WAREHOUSE of data/warehouse.duckdb)")
    parser.add_argument("--json", help="schrijf de rijen ook naar dit JSON-bestand")
    args = parser.parse_args(argv)
    rows = loadtest(Path(args.warehouse) if args.warehouse else None, args.sessions, args.rounds)
    for row in rows:
        print(format_row(row))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    errors = rows[0]["value"]
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
