"""The national scale benchmark: the whole country (etl.demo_national) generated, built and read by the pages.

    python -m bench.national                 # everything: generate + build, pages, map sizes, Parquet
    python -m bench.national --reuse         # keep an existing national warehouse (skip generate + build)

Each function returns rows {name, value, unit, target, lower_is_better} like bench.suites. Generation and build
run as child processes, so their peak memory is their own (max RSS from os.wait4), not this process's. Files go
to data/demo_national/ and data/warehouse_national.duckdb, both git-ignored; nothing else is written in the repo.

Wall times on a shared 2-core machine depend on what else runs; every timing row has a CPU-time row beside it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
NATIONAL_DIR = ROOT / "data" / "demo_national"
NATIONAL_WAREHOUSE = ROOT / "data" / "warehouse_national.duckdb"
NATIONAL_CODE = "NL00"  # CBS's region code for the whole country; a page that supports a national view accepts it

TARGET_BUILD_S = 300.0
TARGET_BUILD_PEAK_MB = 6 * 1024.0
TARGET_WARM_GEMEENTE_MS = 1_000.0
TARGET_COLD_GEMEENTE_MS = 3_000.0
TARGET_WARM_COUNTRY_MS = 2_000.0
TARGET_BUURT_MAP_MB = 1.5
TARGET_NATIONAL_WIJK_MAP_MB = 5.0
WARM_RUNS = 5


def _row(name: str, value, unit: str, target=None, lower_is_better: bool = True) -> dict:
    return {"name": name, "value": value, "unit": unit, "target": target, "lower_is_better": lower_is_better}


def run_child(args: list[str], *, log: Path | None = None, env: dict | None = None) -> dict:
    """Run `python <args>` in the repo; wall seconds, CPU seconds and peak RSS of that child alone."""
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
        seconds = time.perf_counter() - started
    finally:
        if log:
            out.close()
    return {"seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "returncode": proc.returncode}


def generate_and_build(out_dir: Path = NATIONAL_DIR, warehouse: Path = NATIONAL_WAREHOUSE) -> list[dict]:
    """`python -m etl demo --scale national` then `python -m etl build`, each timed in its own process."""
    out_dir, warehouse = Path(out_dir), Path(warehouse)
    logs = Path(tempfile.mkdtemp(prefix="wijkbeeld-national-"))
    gen = run_child(["-m", "etl", "demo", "--scale", "national", "--out", str(out_dir)], log=logs / "generate.log")
    if gen["returncode"] != 0:
        raise RuntimeError(f"genereren mislukt: {(logs / 'generate.log').read_text()[-2000:]}")
    build = run_child(["-m", "etl", "build", "--quiet", "--sources", str(out_dir / "sources.toml"),
                       "--warehouse", str(warehouse)], log=logs / "build.log")
    if build["returncode"] != 0:
        raise RuntimeError(f"build mislukt: {(logs / 'build.log').read_text()[-2000:]}")
    counts = _warehouse_counts(warehouse)
    input_mb = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file()) / 1e6
    return [
        _row("landelijk: demo genereren", gen["seconds"], "s"),
        _row("landelijk: demo genereren (CPU)", gen["cpu_s"], "s"),
        _row("landelijk: demo genereren, piekgeheugen", gen["peak_mb"], "MB"),
        _row("landelijk: bronbestanden", input_mb, "MB"),
        _row("landelijk: etl build", build["seconds"], "s", TARGET_BUILD_S),
        _row("landelijk: etl build (CPU)", build["cpu_s"], "s"),
        _row("landelijk: etl build, piekgeheugen", build["peak_mb"], "MB", TARGET_BUILD_PEAK_MB),
        _row("landelijk: warehouse", warehouse.stat().st_size / 1e6, "MB"),
        *[_row(f"landelijk: {name}", value, unit) for name, value, unit in counts],
    ]


def _warehouse_counts(warehouse: Path) -> list[tuple[str, float, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return [
            ("gemeenten", one("SELECT count(*) FROM dim_gemeente"), ""),
            ("wijken", one("SELECT count(*) FROM dim_wijk"), ""),
            ("buurten", one("SELECT count(*) FROM dim_buurt"), ""),
            ("incidentrijen (fct_incident_month)", one("SELECT count(*) FROM fct_incident_month"), "rijen"),
            ("berichten en reacties (fct_post)", one("SELECT count(*) FROM fct_post"), "rijen"),
            ("afgewezen records", one("SELECT count(*) FROM meta_rejected_record"), ""),
        ]


def choose_gemeenten(warehouse: Path) -> dict[str, str]:
    """A typical gemeente (median population) and the largest: the most buurten (what the maps and the per-area
    queries grow with), then the most inhabitants."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute("""
            SELECT g.gemeente_code, any_value(p.population) AS population, count(b.buurt_code) AS buurten
            FROM dim_gemeente g
            JOIN fct_population p ON p.area_code = g.gemeente_code
             AND p.year = (SELECT max(year) FROM fct_population WHERE NOT imputed)
            LEFT JOIN dim_buurt b ON b.gemeente_code = g.gemeente_code
            GROUP BY g.gemeente_code""").df()
    by_population = frame.sort_values(["population", "gemeente_code"], kind="stable")
    largest = frame.sort_values(["buurten", "population", "gemeente_code"], kind="stable").iloc[-1]
    return {"median": str(by_population["gemeente_code"].iloc[len(frame) // 2]), "largest": str(largest["gemeente_code"])}


def _clear_caches() -> None:
    """Cold start inside this process: Streamlit's data and resource caches and the open warehouse connections."""
    import streamlit as st

    from wijkbeeld import db

    st.cache_data.clear()
    st.cache_resource.clear()
    for wh in list(getattr(db, "_instances", {}).values()):
        wh.close()


def _page_run(script: str, params: dict[str, str]):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / script), default_timeout=600)
    for key, value in params.items():
        at.query_params[key] = value
    started = time.perf_counter()
    at.run()
    return at, (time.perf_counter() - started) * 1000


def page_times(warehouse: Path = NATIONAL_WAREHOUSE, warm_runs: int = WARM_RUNS) -> list[dict]:
    """Every page's script run (AppTest) for a typical gemeente, the largest gemeente and the whole country
    (gm=NL00: all gemeenten at once), once with cold caches and `warm_runs` times warm (median)."""
    from wijkbeeld.pages_registry import PAGES

    os.environ["WIJKBEELD_WAREHOUSE"] = str(warehouse)
    chosen = choose_gemeenten(warehouse)
    cases = [
        ("gemeente (mediaan)", chosen["median"], TARGET_WARM_GEMEENTE_MS, TARGET_COLD_GEMEENTE_MS),
        ("grootste gemeente", chosen["largest"], TARGET_WARM_GEMEENTE_MS, TARGET_COLD_GEMEENTE_MS),
        ("heel Nederland", NATIONAL_CODE, TARGET_WARM_COUNTRY_MS, None),
    ]
    rows: list[dict] = []
    for script, title, *_ in PAGES:
        for label, gemeente, warm_target, cold_target in cases:
            _clear_caches()
            at, cold = _page_run(script, {"gm": gemeente})
            problems = [str(e.value)[:120] for e in at.exception]
            shown = at.query_params.get("gm")
            shown = shown[0] if isinstance(shown, list) else shown
            if shown != gemeente:
                problems.append(f"pagina koos {shown}")
            warm = []
            for _ in range(warm_runs):
                started = time.perf_counter()
                at.run()
                warm.append((time.perf_counter() - started) * 1000)
            name = f"landelijk: {title}, {label} {gemeente}"
            if problems:
                rows.append(_row(f"{name}: FOUT {problems[0]}", None, ""))
            rows.append(_row(f"{name}: koude cache", cold, "ms", cold_target))
            rows.append(_row(f"{name}: warme cache (mediaan van {warm_runs})", sorted(warm)[len(warm) // 2], "ms",
                             warm_target))
    return rows


FRESH_PROCESS_RUN = """
import sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600)
at.query_params["gm"] = sys.argv[2]
started = time.perf_counter()
at.run()
print(f"{(time.perf_counter() - started) * 1000:.1f}", "FOUT" if at.exception else "")
"""


def fresh_process_times(warehouse: Path = NATIONAL_WAREHOUSE) -> list[dict]:
    """The coldest case: each page's first run in a new Python process (imports of pandas, scipy, plotly, folium
    included), for the largest gemeente, as after a server restart."""
    gemeente = choose_gemeenten(warehouse)["largest"]
    from wijkbeeld.pages_registry import PAGES

    rows = []
    for script, title, *_ in PAGES:
        done = subprocess.run([sys.executable, "-c", FRESH_PROCESS_RUN, str(ROOT / script), gemeente], cwd=ROOT,
                              env={**os.environ, "WIJKBEELD_WAREHOUSE": str(warehouse)}, capture_output=True,
                              text=True, timeout=600)
        words = (done.stdout.strip().splitlines() or ["?"])[-1].split()
        value = float(words[0]) if done.returncode == 0 and words[0] != "?" else None
        failed = " FOUT" if value is None or "FOUT" in words else ""
        rows.append(_row(f"landelijk: {title}, grootste gemeente {gemeente}: eerste run in een nieuw proces{failed}",
                         value, "ms", TARGET_COLD_GEMEENTE_MS))
    return rows


MAP_VALUES_SQL = """
SELECT f.area_code, sum(f.incident_count) AS incidents_12m
FROM fct_incident_month f
WHERE f.level = $level AND f.month > (SELECT max(month) FROM fct_incident_month) - INTERVAL 12 MONTH
GROUP BY f.area_code
"""


def map_sizes(warehouse: Path = NATIONAL_WAREHOUSE) -> list[dict]:
    """Bytes of map data sent to the browser (maps.feature_collection as compact JSON): a gemeente's buurt map
    (the typical and the largest gemeente) and the national wijk map."""
    from wijkbeeld import maps
    from wijkbeeld.db import Warehouse

    wh = Warehouse(Path(warehouse))
    chosen = choose_gemeenten(warehouse)
    rows = []
    try:
        buurt_values = wh.query(MAP_VALUES_SQL, {"level": "buurt"}).rename(columns={"area_code": "buurt_code"})
        for label, gemeente in (("gemeente (mediaan)", chosen["median"]), ("grootste gemeente", chosen["largest"])):
            shapes = wh.query("SELECT buurt_code, buurt_name, geometry_geojson FROM dim_buurt WHERE gemeente_code = $gm",
                              {"gm": gemeente})
            fc = maps.feature_collection(shapes.merge(buurt_values, on="buurt_code", how="left"), code_col="buurt_code",
                                         name_col="buurt_name", value_col="incidents_12m", value_label="Misdrijven",
                                         unit="", source="Politie", period="12 maanden")
            rows.append(_row(f"landelijk: buurtkaart {label} {gemeente} ({len(shapes)} buurten)",
                             maps.geojson_bytes(fc) / 1e6, "MB", TARGET_BUURT_MAP_MB))
        wijk_values = wh.query(MAP_VALUES_SQL, {"level": "wijk"}).rename(columns={"area_code": "wijk_code"})
        shapes = wh.query("SELECT wijk_code, wijk_name, geometry_geojson FROM dim_wijk")
        started = time.perf_counter()
        fc = maps.feature_collection(shapes.merge(wijk_values, on="wijk_code", how="left"), code_col="wijk_code",
                                     name_col="wijk_name", value_col="incidents_12m", value_label="Misdrijven",
                                     unit="", source="Politie", period="12 maanden")
        size = maps.geojson_bytes(fc)
        seconds = time.perf_counter() - started
        empty = sum(1 for f in fc["features"] if not _has_coordinates(f["geometry"]))
        rows += [
            _row(f"landelijk: wijkkaart heel Nederland ({len(shapes)} wijken, {empty} zonder vlak)", size / 1e6, "MB",
                 TARGET_NATIONAL_WIJK_MAP_MB),
            _row("landelijk: wijkkaart heel Nederland opbouwen (feature_collection)", seconds * 1000, "ms"),
        ]
    finally:
        wh.close()
    return rows


def _has_coordinates(geometry: dict) -> bool:
    def walk(c) -> bool:
        return bool(c) and (isinstance(c[0], (int, float)) or any(walk(x) for x in c))
    return walk(geometry.get("coordinates") or [])


def parquet_figures(warehouse: Path = NATIONAL_WAREHOUSE) -> list[dict]:
    """Export the marts to partitioned Parquet, then time the Overzicht query on the Parquet views and on the
    DuckDB file (largest gemeente, last 12 months, warm: second run)."""
    from etl.parquet_export import export_parquet
    from wijkbeeld import overview
    from wijkbeeld import queries as q
    from wijkbeeld.db import Warehouse
    from wijkbeeld.parquet_store import ParquetWarehouse
    from wijkbeeld.settings import get_settings
    from wijkbeeld.ui import period_options

    rows = []
    with tempfile.TemporaryDirectory(prefix="wijkbeeld-parquet-") as tmp:
        started = time.perf_counter()
        report = export_parquet(Path(warehouse), Path(tmp) / "marts")
        rows.append(_row("landelijk: Parquet-export van de marts", time.perf_counter() - started, "s"))
        rows.append(_row("landelijk: Parquet-export, grootte", report["bytes"] / 1e6, "MB"))
        gemeente = choose_gemeenten(warehouse)["largest"]
        min_population = get_settings().min_population_for_ranking
        file_wh = Warehouse(Path(warehouse))
        parquet_wh = ParquetWarehouse(Path(tmp) / "marts")
        try:
            period = period_options(q.q_months(file_wh, gemeente=gemeente))["12m"]
            for label, wh in (("DuckDB-bestand", file_wh), ("Parquet", parquet_wh)):
                overview.q_overview(wh, gemeente=gemeente, period=period, min_population=min_population)
                started = time.perf_counter()
                overview.q_overview(wh, gemeente=gemeente, period=period, min_population=min_population)
                rows.append(_row(f"landelijk: q_overview grootste gemeente op {label}",
                                 (time.perf_counter() - started) * 1000, "ms"))
        finally:
            file_wh.close()
            parquet_wh.close()
    return rows


def national(reuse: bool = False) -> list[dict]:
    """Everything in order; with `reuse` an existing national warehouse is read as it is."""
    rows = []
    if not (reuse and NATIONAL_WAREHOUSE.exists()):
        rows += generate_and_build()
    rows += map_sizes()
    rows += page_times()
    rows += fresh_process_times()
    rows += parquet_figures()
    return rows


def main(argv: list[str] | None = None) -> int:
    from bench.suites import format_row

    parser = argparse.ArgumentParser(prog="python -m bench.national")
    parser.add_argument("--reuse", action="store_true", help="bestaand landelijk warehouse gebruiken")
    parser.add_argument("--json", help="schrijf de rijen ook naar dit JSON-bestand")
    args = parser.parse_args(argv)
    rows = national(reuse=args.reuse)
    for row in rows:
        print(format_row(row))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
