"""Shared fixtures: the real-data folder, and a demo warehouse built once per test session (per xdist worker)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not REAL.exists():
        pytest.skip(f"real data folder {REAL} is not present")
    return REAL


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory) -> Path:
    """The demo municipality written in its real source formats (once per session)."""
    from etl.demo import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out)
    return out / "sources.toml"


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory, demo_sources) -> Path:
    """A warehouse built from the demo by the real build (readers, text steps, marts, swap)."""
    from etl.build import build

    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    build(demo_sources, path)
    return path


@pytest.fixture
def warehouse_env(demo_warehouse, monkeypatch) -> Path:
    """Point the dashboard at the session's demo warehouse."""
    monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(demo_warehouse))
    return demo_warehouse


@pytest.fixture
def demo_copy(tmp_path, demo_sources) -> Path:
    """A private copy of the demo sources a test may damage."""
    target = tmp_path / "demo"
    shutil.copytree(demo_sources.parent, target)
    return target / "sources.toml"


def chromium_path() -> str | None:
    path = os.environ.get("WIJKBEELD_CHROMIUM", "/usr/bin/chromium")
    return path if Path(path).exists() else None


@pytest.fixture(scope="session")
def country_warehouse(tmp_path_factory) -> Path:
    """A small country of three gemeenten of the national demo: Appingedam, Rhenen and Waalwijk of the real 2014
    division when ../shared/real is present, else three generated ones. The warehouse for views of all gemeenten
    at once (gm=NL00) and for pages with several gemeenten; tests take its codes from `country_gemeenten`."""
    from etl.build import build
    from etl.demo_national import generate_national

    out = tmp_path_factory.mktemp("country") / "demo"
    boundaries = REAL / "cbs-gebiedsindelingen-2014"
    real = boundaries.exists()
    generate_national(out, gemeenten=["GM0003", "GM0340", "GM0867"] if real else 3, post_records=4_000,
                      boundaries_dir=boundaries if real else None)
    path = out.parent / "warehouse.duckdb"
    build(out / "sources.toml", path)
    return path


@pytest.fixture(scope="session")
def country_gemeenten(country_warehouse) -> list[str]:
    """The small country's gemeente codes in the sidebar's order (by name)."""
    import duckdb

    with duckdb.connect(str(country_warehouse), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT gemeente_code FROM dim_gemeente ORDER BY gemeente_name").fetchall()]


@pytest.fixture
def country_env(country_warehouse, monkeypatch) -> Path:
    """Point the dashboard at the small country."""
    monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(country_warehouse))
    return country_warehouse
