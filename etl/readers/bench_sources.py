"""Timing of the heavy source readers. Run: python -m etl.readers.bench_sources

- national buurt boundaries (CBS 2014, 11,691 buurten, TopoJSON): read + coverage simplification; target < 10 s;
- 10 years of monthly 47022NED rows (all 59 SoortMisdrijf codes incl. total, months and year totals) for all
  regions of a gemeente of about 100,000 inhabitants (1 gemeente, 12 wijken, 90 buurten), written as a
  synthetic paged table folder (10,000 rows per page, as the API serves it) in a temp dir; target < 5 s.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from wijkbeeld.crime_groups import SOORT_MISDRIJF_TITLES
from etl.geo import simplify_coverage
from etl.readers.boundaries import read_boundaries
from etl.readers.police import read_police_crime

REAL_DIR = Path(__file__).resolve().parents[3] / "shared" / "real"
BUURT_2014 = REAL_DIR / "cbs-gebiedsindelingen-2014" / "buurt_2014.topojson"
PAGE_ROWS = 10_000
TARGET_BOUNDARIES_S = 10.0
TARGET_POLICE_S = 5.0


def write_synthetic_police_table(folder: Path, *, gemeente: str = "GM0867", wijken: int = 12,
                                 buurten_per_wijk: int = 8, years: int = 10, first_year: int = 2015) -> int:
    """A 47022NED-shaped table folder; returns the number of data rows written."""
    number = gemeente[2:]
    regions = [f"{gemeente}    "] + [f"WK{number}{w:02d}  " for w in range(wijken)] + [
        f"BU{number}{w:02d}{b:02d}" for w in range(wijken) for b in range(buurten_per_wijk)
    ]
    periods = [f"{y}MM{m:02d}" for y in range(first_year, first_year + years) for m in range(1, 13)]
    periods += [f"{y}JJ00" for y in range(first_year, first_year + years)]
    codes = [f"{code:<6}" for code in SOORT_MISDRIJF_TITLES]
    folder.mkdir(parents=True, exist_ok=True)
    meta = "https://dataderden.cbs.nl/ODataApi/OData/47022NED/$metadata#Cbs.OData.WebAPI."

    def dump(name: str, value: list, extra: dict | None = None) -> None:
        (folder / name).write_text(json.dumps({"odata.metadata": meta + name[:-5], "value": value, **(extra or {})}))

    dump("TableInfos.json", [{"ID": 0, "Identifier": "47022NED", "Title": "Geregistreerde misdrijven; wijk, buurt, maand (synthetisch)"}])
    dump("DataProperties.json", [
        {"ID": 0, "Type": "Dimension", "Key": "SoortMisdrijf", "Title": "Soort misdrijf"},
        {"ID": 1, "Type": "GeoDimension", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten"},
        {"ID": 2, "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"},
        {"ID": 3, "Type": "Topic", "Key": "GeregistreerdeMisdrijven_1", "Title": "Geregistreerde misdrijven", "Decimals": 0, "Unit": "aantal"},
    ])
    dump("SoortMisdrijf.json", [{"Key": c, "Title": SOORT_MISDRIJF_TITLES[c.strip()]} for c in codes])
    dump("WijkenEnBuurten.json", [{"Key": r, "Title": r.strip()} for r in regions])
    dump("Perioden.json", [{"Key": p, "Title": p} for p in periods])
    rng = np.random.default_rng(7)
    total = len(codes) * len(regions) * len(periods)
    counts = rng.poisson(3, size=total).tolist()
    rows, index = [], 0
    for code in codes:
        for region in regions:
            for period in periods:
                count = counts[index]
                rows.append({"ID": index, "SoortMisdrijf": code, "WijkenEnBuurten": region, "Perioden": period,
                             "GeregistreerdeMisdrijven_1": None if count == 0 and index % 5 == 0 else count})
                index += 1
    pages = range(0, total, PAGE_ROWS)
    for number, start in enumerate(pages, 1):
        extra = {"odata.nextLink": f"https://dataderden.cbs.nl/ODataApi/OData/47022NED/TypedDataSet?$skip={start + PAGE_ROWS}"} if start + PAGE_ROWS < total else None
        dump(f"TypedDataSet_{number:03d}.json", rows[start:start + PAGE_ROWS], extra)
    return total


def bench() -> dict:
    figures: dict = {}
    if BUURT_2014.exists():
        start, cpu = time.perf_counter(), time.process_time()
        buurten = read_boundaries(BUURT_2014)
        read_s = time.perf_counter() - start
        simplified = simplify_coverage(buurten.frame, 50)
        total_s = time.perf_counter() - start
        cpu_s = time.process_time() - cpu
        figures["boundaries_buurt_2014"] = {
            "features": len(buurten.frame),
            "read_s": round(read_s, 2),
            "read_and_simplify_s": round(total_s, 2),
            "cpu_s": round(cpu_s, 2),  # wall time suffers when other jobs share the 2 cores
            "coverage_valid": simplified.attrs.get("coverage_valid"),
            "target_s": TARGET_BOUNDARIES_S,
            "within_target": total_s < TARGET_BOUNDARIES_S,
        }
    else:
        figures["boundaries_buurt_2014"] = {"skipped": f"{BUURT_2014} ontbreekt"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "47022NED"
        rows = write_synthetic_police_table(folder)
        start, cpu = time.perf_counter(), time.process_time()
        result = read_police_crime(folder)
        seconds = time.perf_counter() - start
        cpu_s = time.process_time() - cpu
        figures["police_47022NED_10y_gemeente_100k"] = {
            "rows_in_table": rows,
            "pages": len(list(folder.glob("TypedDataSet_*.json"))),
            "rows_kept": len(result.frame),
            "rejects": len(result.rejects),
            "seconds": round(seconds, 2),
            "cpu_s": round(cpu_s, 2),
            "target_s": TARGET_POLICE_S,
            "within_target": seconds < TARGET_POLICE_S,
        }
    return figures


if __name__ == "__main__":
    print(json.dumps(bench(), indent=2))
