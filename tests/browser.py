"""Helpers for browser tests: a real `streamlit run` on a free port and Debian's Chromium through Playwright.

Follows Streamlit's own e2e habits: poll /_stcore/health, then wait for the app to be idle
(`[data-testid="stApp"][data-test-script-state="notRunning"]`) instead of sleeping. The server itself is
bench.server's, shared with the load test.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from bench.server import dashboard_server, free_port

__all__ = ["CHROMIUM_ARGS", "IDLE", "chromium_page", "free_port", "served", "streamlit_server", "wait_idle"]

CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


@contextlib.contextmanager
def streamlit_server(warehouse: Path, extra_env: dict | None = None, timeout: float = 60.0) -> Iterator[str]:
    """The dashboard on `warehouse`, its log beside the warehouse; yields the base URL."""
    with dashboard_server(warehouse, warehouse.parent, extra_env=extra_env, timeout=timeout) as server:
        yield server.url


@contextlib.contextmanager
def served(warehouse: Path, extra_env: dict | None = None) -> Iterator[str]:
    """streamlit_server for a browser test: the test is skipped when Debian's Chromium is not installed."""
    import pytest

    from tests.conftest import chromium_path

    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with streamlit_server(warehouse, extra_env) as url:
        yield url


@contextlib.contextmanager
def chromium_page(executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        # No internet: anything not on loopback is refused, as on a municipal network without egress.
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:"))
                      else route.abort())
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    page.wait_for_selector(IDLE, timeout=timeout)
    # A rerun can start right after the first idle state (query-param sync); wait for it to settle again.
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout)
