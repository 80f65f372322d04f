"""The whole app in a real browser (Debian's Chromium, no internet): the map draws one shape per wijk."""
from __future__ import annotations

import duckdb
import pytest

from tests.browser import chromium_page, served, wait_idle
from tests.conftest import chromium_path

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
CHROMIUM = chromium_path()


@pytest.fixture(scope="module")
def server(demo_warehouse):
    with served(demo_warehouse) as url:
        yield url


def _map_frame(page):
    page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=30_000)
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=30_000)
    return frame


def test_overzicht_map_draws_one_shape_per_wijk_offline(server, demo_warehouse):
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        n_wijken = con.execute("SELECT count(*) FROM dim_wijk").fetchone()[0]
    with chromium_page(CHROMIUM) as page:
        page.goto(server)
        wait_idle(page)
        frame = _map_frame(page)
        assert frame.locator("path.leaflet-interactive").count() == n_wijken
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_clicking_a_wijk_on_the_map_selects_it(server):
    with chromium_page(CHROMIUM) as page:
        page.goto(server)
        wait_idle(page)
        frame = _map_frame(page)
        frame.locator("path.leaflet-interactive").nth(2).click(force=True)
        page.wait_for_function("() => new URL(window.location.href).searchParams.has('wijk')", timeout=20_000)
        wait_idle(page)
        assert "wijk=WK" in page.url
        assert page.locator('[data-testid="stMetric"]').count() >= 4
