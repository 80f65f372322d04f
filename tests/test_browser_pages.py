"""Every page in a real browser: opens without an error, keeps the view in the URL, follows a shared link,
carries the gemeente/period choice to the next page and downloads a CSV whose figures match the warehouse."""
from __future__ import annotations

import csv
import io
import re

import duckdb
import pytest

from tests.browser import chromium_page, served, streamlit_server, wait_idle
from tests.conftest import chromium_path
from wijkbeeld.pages_registry import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
CHROMIUM = chromium_path()


@pytest.fixture(scope="module")
def server(demo_warehouse):
    with served(demo_warehouse) as url:
        yield url


@pytest.fixture
def page(server):
    with chromium_page(CHROMIUM) as p:
        yield p


def _no_errors(page) -> None:
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


@pytest.mark.parametrize("script,title,icon,url_path", PAGES)
def test_each_page_opens_without_errors(server, page, script, title, icon, url_path):
    # The first page is the default one: Streamlit serves it at the root, not at its own path.
    page.goto(f"{server}/" if script == PAGES[0][0] else f"{server}/{url_path}")
    wait_idle(page)
    assert page.locator("h1").first.inner_text() == title
    _no_errors(page)
    assert "gm=GM9999" in page.url and "periode=" in page.url


def test_a_shared_url_reproduces_the_view(server, page):
    page.goto(f"{server}/?gm=GM9999&periode=2025&indicator=onveilig&wijk=WK999904")
    wait_idle(page)
    _no_errors(page)
    assert "periode=2025" in page.url and "wijk=WK999904" in page.url and "indicator=onveilig" in page.url
    assert page.locator('[data-testid="stMetric"]').count() >= 4
    assert page.get_by_role("heading", name="De Weiden").count() >= 1


def test_period_choice_carries_to_the_next_page(server, page):
    page.goto(f"{server}/?gm=GM9999&periode=2024")
    wait_idle(page)
    link = page.locator('[data-testid="stSidebarNav"] a', has_text="Hotspots")
    link.wait_for(state="visible", timeout=30_000)
    wait_idle(page)
    # A click event rather than Playwright's click(): under load the sidebar can stay marked inert for a while
    # after a rerun, which Playwright waits out; the link's own handler is what a person's click reaches.
    link.dispatch_event("click")
    page.wait_for_url(re.compile(r".*/hotspots.*"), timeout=60_000)
    wait_idle(page)
    assert "periode=2024" in page.url
    _no_errors(page)


def test_csv_download_matches_the_warehouse(server, page, demo_warehouse):
    page.goto(f"{server}/?gm=GM9999&periode=2025")
    wait_idle(page)
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download CSV").first.click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    by_code = {r["Code"]: r for r in rows}
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        incidents = con.execute("""SELECT sum(incident_count) FROM fct_incident_month
                                   WHERE area_code = 'WK999904' AND year(month) = 2025""").fetchone()[0]
    assert len(rows) == 9
    assert int(by_code["WK999904"]["Misdrijven"]) == incidents


def test_a_wijk_can_be_chosen_with_the_keyboard_alone(server, page):
    page.goto(f"{server}/?gm=GM9999&periode=2025")
    wait_idle(page)
    focused_label = """() => {
        const el = document.activeElement;
        const box = el && el.tagName === 'INPUT' && el.closest('[data-testid="stSelectbox"]');
        return box ? box.innerText : '';
    }"""
    page.wait_for_timeout(1000)  # elements are inert while a rerun is under way; Tab skips inert elements
    wait_idle(page)
    for attempt in range(200):  # Tab through the page until the wijk choice has the focus
        page.keyboard.press("Tab")
        if "Kies een wijk" in page.evaluate(focused_label):
            break
        if attempt % 40 == 39:
            wait_idle(page)
    else:
        pytest.fail("the wijk choice cannot be reached with Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URL(window.location.href).searchParams.has('wijk')", timeout=30_000)
    wait_idle(page)
    assert page.locator('[data-testid="stMetric"]').count() >= 4


# WCAG 2.1 AA contrast (1.4.3) for every text the page draws in HTML: 4.5:1, or 3:1 for large text (>= 24 px, or
# >= 18.66 px bold). Colours are the computed ones; the background is found by compositing the ancestors' own
# background colours over white, as the browser paints them. SVG (plotly) and the map's iframe are not checked here.
CONTRAST_JS = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const background = el => { const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) { const b = parse(getComputedStyle(e).backgroundColor);
      if (b && b[3] > 0) layers.push(b); if (b && b[3] >= 1) break; }
    let c = [255, 255, 255, 1]; for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c); return c; };
  const bad = []; let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim(); const el = n.parentElement;
    if (!text || !el || el.closest('svg, iframe, script, style, noscript, [aria-hidden="true"]')) continue;
    const style = getComputedStyle(el); const rect = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || rect.width === 0 || rect.height === 0
        || parseFloat(style.opacity) === 0) continue;
    const bg = background(el); const fg = over(parse(style.color), bg);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a); const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize); const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight) >= 700);
    checked++;
    if (ratio < (large ? 3 : 4.5)) bad.push(`${ratio.toFixed(2)} ${style.color} on rgb(${bg.slice(0, 3).map(Math.round)}) ${size}px: ${text.slice(0, 60)}`);
  }
  return {checked, bad};
}"""


@pytest.mark.parametrize("script,title,icon,url_path", PAGES)
def test_text_contrast_meets_wcag_aa(server, page, script, title, icon, url_path):
    page.goto(f"{server}/" if script == PAGES[0][0] else f"{server}/{url_path}")
    wait_idle(page)
    result = page.evaluate(CONTRAST_JS)
    assert result["checked"] > 20
    assert not result["bad"], "\n".join(sorted(set(result["bad"])))


def test_english_switch_translates_the_navigation_and_the_page(server, page):
    page.goto(f"{server}/?lang=en")
    wait_idle(page)
    assert page.locator("h1").first.inner_text() == "Overview"
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Themes" in nav and "Data and quality" in nav and "Thema's" not in nav
    page.locator('[data-testid="stSidebarNav"] a', has_text="Compare").click()
    page.wait_for_url(re.compile(r".*/vergelijken.*"))
    wait_idle(page)
    assert page.locator("h1").first.inner_text() == "Compare"
    assert "lang=en" in page.url
    _no_errors(page)


@pytest.fixture(scope="module")
def country_server(country_warehouse):
    with served(country_warehouse) as url:
        yield url


def _choose_gemeente(page, option_text: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=re.compile(re.escape(option_text))).first.click()


def test_changing_the_gemeente_and_all_gemeenten_at_once(country_server, country_warehouse, country_gemeenten):
    first, second = country_gemeenten[:2]
    with duckdb.connect(str(country_warehouse), read_only=True) as con:
        wijken = con.execute("SELECT count(*) FROM dim_wijk").fetchone()[0]
        second_name = con.execute("SELECT gemeente_name FROM dim_gemeente WHERE gemeente_code = ?", [second]).fetchone()[0]
    with chromium_page(CHROMIUM) as page:
        page.goto(f"{country_server}/")
        wait_idle(page)
        assert f"gm={first}" in page.url
        _choose_gemeente(page, f"({second})")
        page.wait_for_url(re.compile(f".*gm={second}.*"), timeout=30_000)
        wait_idle(page)
        _no_errors(page)
        assert page.get_by_text(second_name).count() >= 1
        _choose_gemeente(page, "Alle gemeenten (3)")
        page.wait_for_url(re.compile(r".*gm=NL00.*"), timeout=30_000)
        wait_idle(page)
        _no_errors(page)
        assert page.get_by_text(f"{wijken} wijken", exact=False).count() >= 1
        # The choice carries to the next page, which also shows all gemeenten.
        page.locator('[data-testid="stSidebarNav"] a', has_text="Vergelijken").dispatch_event("click")
        page.wait_for_url(re.compile(r".*/vergelijken.*gm=NL00.*"), timeout=60_000)
        wait_idle(page)
        _no_errors(page)


WIDGETS = ", ".join(f'[data-testid="{t}"]' for t in (
    "stSelectbox", "stRadio", "stMultiSelect", "stDownloadButton", "stButton", "stExpander", "stCheckbox",
    "stSlider", "stNumberInput", "stTextInput", "stDateInput", "stToggle"))
MARK_FOCUSED = """(selector) => {
    const el = document.activeElement;
    const widget = el && el.closest(selector);
    if (widget) widget.setAttribute('data-reached-by-tab', '1');
}"""
UNREACHED = """(selector) => [...document.querySelectorAll(selector)]
    .filter(w => w.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})  // not in a closed expander
                 && !w.hasAttribute('data-reached-by-tab'))
    .map(w => (w.getAttribute('data-testid') + ': ' + w.innerText.trim().split('\\n')[0]).slice(0, 80))"""


@pytest.mark.parametrize("script,title,icon,url_path", PAGES)
def test_every_control_is_reachable_with_the_tab_key(server, page, script, title, icon, url_path):
    page.goto(f"{server}/" if script == PAGES[0][0] else f"{server}/{url_path}")
    wait_idle(page)
    page.wait_for_timeout(1000)  # elements are inert while a rerun is under way; Tab skips inert elements
    wait_idle(page)
    assert len(page.evaluate(UNREACHED, WIDGETS)) >= 3
    for attempt in range(400):
        page.keyboard.press("Tab")
        page.evaluate(MARK_FOCUSED, WIDGETS)  # through the map too: Tab walks its zoom controls and out again
        if attempt % 25 == 24 and not page.evaluate(UNREACHED, WIDGETS):
            break
    assert not page.evaluate(UNREACHED, WIDGETS)


def test_a_link_to_a_page_is_the_first_request_after_a_start(demo_warehouse):
    """Streamlit runs a page script on its own (its pages/-folder mode) when the first request after the server
    started asks for that page; the page hands over to dashboard.py's navigation, so it looks as always."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    script, title, _, url_path = PAGES[-1]
    with streamlit_server(demo_warehouse) as url, chromium_page(CHROMIUM) as page:
        page.goto(f"{url}/{url_path}?lang=en")
        wait_idle(page)
        _no_errors(page)
        assert page.locator("h1").first.inner_text() == "Data and quality"
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Overview" in nav and "dashboard" not in nav
        assert f"/{url_path}" in page.url
