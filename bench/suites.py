"""Benchmark suites. Each returns rows {name, value, unit, target, lower_is_better}."""
from __future__ import annotations

import importlib
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def format_row(row: dict) -> str:
    value, target = row.get("value"), row.get("target")
    shown = "—" if value is None else f"{value:,.2f} {row.get('unit', '')}"
    goal = "" if target is None else f"{'≤' if row.get('lower_is_better', True) else '≥'} {target:,} {row.get('unit', '')}"
    ok = ""
    if value is not None and target is not None:
        ok = "ja" if (value <= target if row.get("lower_is_better", True) else value >= target) else "NEE"
    return f"{row['name']:<58} {shown:>14} {goal:>16}  {ok}"


def _row(name, value, unit, target=None, lower_is_better=True):
    return {"name": name, "value": value, "unit": unit, "target": target, "lower_is_better": lower_is_better}


def demo_build() -> list[dict]:
    from etl.build import build
    from etl.demo import generate

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        generate(tmp / "demo")
        gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        build(tmp / "demo" / "sources.toml", tmp / "w.duckdb")
        took = time.perf_counter() - t0
    return [_row("demo genereren", gen, "s"), _row("etl build (demo)", took, "s", 15)]


def pages_warm() -> list[dict]:
    """Each page's script run with warm caches (AppTest, the demo warehouse)."""
    from streamlit.testing.v1 import AppTest

    from etl.build import build
    from etl.demo import generate
    from wijkbeeld.pages_registry import PAGES

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(tmp / "demo")
        build(tmp / "demo" / "sources.toml", tmp / "w.duckdb")
        os.environ["WIJKBEELD_WAREHOUSE"] = str(tmp / "w.duckdb")
        for script, title, _, _ in PAGES:
            at = AppTest.from_file(str(ROOT / script), default_timeout=120)
            t0 = time.perf_counter()
            at.run()
            cold = time.perf_counter() - t0
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - t0)
            times.sort()
            rows.append(_row(f"pagina {title}: eerste run (koude cache)", cold * 1000, "ms"))
            rows.append(_row(f"pagina {title}: warme cache (mediaan van 5)", times[2] * 1000, "ms", 300))
    return rows


def _plugin(module: str, label: str, mapping: list[tuple[str, str, str, float | None, bool]]):
    """Rows from a bench(...) function that lives beside the code it measures."""
    def run() -> list[dict]:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError:
            return [_row(f"{label}: module {module} ontbreekt", None, "")]
        result = mod.bench()

        def pick(key: str):
            value = result
            for part in key.split("."):  # nested figures: "section.figure"
                value = value.get(part) if isinstance(value, dict) else None
            return value

        return [_row(name, pick(key), unit, target, lib) for key, name, unit, target, lib in mapping]
    return run


def _national() -> list[dict]:
    from bench.national import national

    return national()


def _loadtest() -> list[dict]:
    from bench.loadtest import loadtest

    return loadtest()


SUITES = {
    "build": demo_build,
    "pages": pages_warm,
    "posts": _plugin("etl.readers.bench_posts", "berichten inlezen", [
        ("records_per_s", "Graph API inlezen (1.000.000 records)", "rec/s", 100_000, False),
        ("records_per_cpu_s", "Graph API inlezen, per CPU-seconde", "rec/s", 100_000, False)]),
    "pipeline": _plugin("bench.pipeline", "berichtenpijplijn", [
        ("full.records_per_s", "inlezen+redactie+pseudoniem+laden, volledige records (1.000.000)", "rec/s", 50_000, False),
        ("full.records_per_cpu_s", "idem, per CPU-seconde (één kern)", "rec/s", 50_000, False),
        ("full.peak_rss_mb", "idem: piekgeheugen", "MB", 1_500, True),
        ("lean.records_per_s", "idem, alleen de velden die het dashboard vraagt (1.000.000)", "rec/s", 50_000, False),
        ("lean.records_per_cpu_s", "idem, per CPU-seconde (één kern)", "rec/s", 50_000, False),
        ("lean.peak_rss_mb", "idem: piekgeheugen", "MB", 1_500, True)]),
    "redact": _plugin("etl.text.bench_redact", "redactie", [
        ("redact_per_s", "redactie (1.000.000 berichten)", "ber/s", 200_000, False),
        ("pseudonymise_per_s", "pseudoniemen (1.000.000 auteurs)", "rec/s", 200_000, False)]),
    "themes": _plugin("etl.text.bench_themes", "thema's", [
        ("posts_per_s", "thema's + toon (1.000.000 berichten, 2 kernen)", "ber/s", 50_000, False),
        ("posts_per_cpu_s", "thema's + toon, per CPU-seconde", "ber/s", 25_000, False)]),
    "sources": _plugin("etl.readers.bench_sources", "bronnen", [
        ("boundaries_buurt_2014.read_and_simplify_s", "landelijke buurtgrenzen 2014 inlezen + vereenvoudigen", "s", 10, True),
        ("police_47022NED_10y_gemeente_100k.seconds", "47022NED 10 jaar, gemeente van 100.000 inwoners", "s", 5, True),
        ("police_47022NED_10y_gemeente_100k.cpu_s", "idem, CPU-seconden", "s", 5, True)]),
    # The whole country: generate + build (~6 min), page times, map sizes, Parquet. Last, as it takes longest.
    "national": _national,
}
# Not in the default run (it starts servers and sessions): `make loadtest` or `python -m bench --only loadtest`.
OPTIONAL_SUITES = {"loadtest": _loadtest}
