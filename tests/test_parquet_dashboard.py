"""The dashboard reads a published Parquet build (WIJKBEELD_PARQUET_DIR) exactly as it reads the DuckDB file."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl.parquet_export import publish_parquet
from wijkbeeld import db
from wijkbeeld.pages_registry import PAGES

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def parquet_root(demo_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("parquet")
    publish_parquet(demo_warehouse, root)
    return root


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
def test_every_page_runs_on_parquet(parquet_root, demo_warehouse, monkeypatch, script):
    monkeypatch.setenv("WIJKBEELD_PARQUET_DIR", str(parquet_root))
    monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setattr(db, "_instances", {})
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_overzicht_figures_are_the_same_on_parquet(parquet_root, demo_warehouse, monkeypatch):
    shown = {}
    for source in ("duckdb", "parquet"):
        monkeypatch.setattr(db, "_instances", {})
        if source == "parquet":
            monkeypatch.setenv("WIJKBEELD_PARQUET_DIR", str(parquet_root))
        monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(demo_warehouse))
        at = AppTest.from_file(str(ROOT / "pages/overzicht.py"), default_timeout=60)
        at.query_params.update({"gm": "GM9999", "periode": "2025", "wijk": "WK999904"})
        at.run()
        shown[source] = {m.label: m.value for m in at.metric}
    assert shown["duckdb"] == shown["parquet"] and shown["duckdb"]
