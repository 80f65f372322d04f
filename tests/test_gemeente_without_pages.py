"""A gemeente that loads only boundaries, population, police figures and the survey (no wijk pages, no posts):
every page still runs and says what is missing instead of failing."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from etl.build import build
from wijkbeeld import db
from wijkbeeld.pages_registry import PAGES

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def no_pages_warehouse(tmp_path_factory, demo_sources):
    import shutil

    folder = tmp_path_factory.mktemp("nopages")
    shutil.copytree(demo_sources.parent, folder / "demo")
    sources = folder / "demo" / "sources.toml"
    text = sources.read_text()
    text = re.sub(r"\[\[posts\]\]\n(?:[^\[\n][^\n]*\n)*", "", text)  # drop every posts entry
    text = text.replace('pages = "pages.csv"\n', "").replace('accounts = "accounts.csv"\n', "")
    sources.write_text(text)
    out = folder / "w.duckdb"
    build(sources, out)
    return out


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
def test_every_page_runs_without_wijk_pages(no_pages_warehouse, monkeypatch, script):
    monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(no_pages_warehouse))
    monkeypatch.setattr(db, "_instances", {})
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
