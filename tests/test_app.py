"""Every page runs in AppTest without exceptions, and the URL state validates and round-trips."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from wijkbeeld.pages_registry import PAGES

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _run(script: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    return at


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
def test_every_page_runs_without_exceptions(warehouse_env, script):
    at = _run(script)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and at.title[0].value
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
def test_every_page_survives_hostile_url_parameters(warehouse_env, script):
    at = _run(script, {"gm": "GM0000'; DROP TABLE dim_wijk;--", "periode": "1900", "wijk": "<script>",
                       "indicator": "../../etc/passwd", "lang": "xx"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.warning  # a friendly message, not a traceback


def test_missing_warehouse_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(tmp_path / "nope.duckdb"))
    at = _run(PAGES[0][0])
    assert not at.exception
    assert at.error and "warehouse" in at.error[0].value


def test_overzicht_url_state_round_trips(warehouse_env):
    at = _run("pages/overzicht.py", {"gm": "GM9999", "periode": "2025", "indicator": "onveilig", "wijk": "WK999904"})
    assert not at.exception
    assert at.query_params["periode"] == ["2025"] or at.query_params["periode"] == "2025"
    assert at.selectbox(key="wijk_choice").value == "WK999904"
    assert at.radio(key="indicator_choice").value == "onveilig"
    labels = [m.label for m in at.metric]
    assert "Inwoners" in labels


def test_overzicht_figures_match_an_independent_computation(warehouse_env):
    import duckdb

    at = _run("pages/overzicht.py", {"gm": "GM9999", "periode": "2025", "wijk": "WK999904"})
    shown = {m.label: m.value for m in at.metric}
    with duckdb.connect(str(warehouse_env), read_only=True) as con:
        incidents = con.execute("""SELECT sum(incident_count) FROM fct_incident_month
                                   WHERE area_code = 'WK999904' AND year(month) = 2025""").fetchone()[0]
        population = con.execute("SELECT population FROM fct_population WHERE area_code = 'WK999904' AND year = 2025").fetchone()[0]
    expected = f"{incidents / population * 1000:.1f}".replace(".", ",")
    assert shown["Incidenten per 1.000 inwoners"] == expected
    assert shown["Inwoners"] == f"{population:,}".replace(",", ".")


def test_a_warehouse_of_another_schema_version_asks_for_a_rebuild(warehouse_env, monkeypatch):
    from wijkbeeld import ui
    from wijkbeeld.settings import get_settings

    monkeypatch.setattr(ui, "get_settings", lambda: get_settings().with_overrides(schema_version=999))
    at = _run(PAGES[0][0])
    assert not at.exception
    assert at.error and "schemaversie" in at.error[0].value
