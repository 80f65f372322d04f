"""Run every benchmark and print each figure beside its target.

    python -m bench            # all benchmarks that fit the demo scale
    python -m bench --only build,pages
Results go to bench/results/<timestamp>.json and latest.json so two runs can be compared.
"""
from __future__ import annotations

import argparse
import json
import platform
import os
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import suites

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", help="comma-separated suites: " + ",".join({**suites.SUITES, **suites.OPTIONAL_SUITES}))
    args = parser.parse_args(argv)
    available = {**suites.SUITES, **suites.OPTIONAL_SUITES}
    chosen = args.only.split(",") if args.only else list(suites.SUITES)
    unknown = [c for c in chosen if c not in available]
    if unknown:
        parser.error(f"onbekende suite(s): {', '.join(unknown)}; kies uit {', '.join(available)}")
    results: list[dict] = []
    print(f"{'benchmark':<58} {'gemeten':>14} {'doel':>16}  ok")
    for name in chosen:
        started = time.perf_counter()
        try:
            rows = available[name]()
        except Exception as err:  # a broken benchmark is reported, not hidden
            rows = [{"name": f"{name}: FOUT {type(err).__name__}: {err}", "value": None, "unit": "", "target": None}]
        for row in rows:
            results.append({"suite": name, **row})
            print(suites.format_row(row))
        print(f"  ({name}: {time.perf_counter() - started:.1f} s)")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = {"when": stamp, "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                          "python": platform.python_version()}, "results": results}
    for target in (out_dir / f"{stamp}.json", out_dir / "latest.json"):
        target.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    print(f"Resultaten: {out_dir / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
