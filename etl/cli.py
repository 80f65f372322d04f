"""Command line: `python -m etl {demo,build,status,themes,privacy,fetch}`."""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from wijkbeeld.settings import get_settings

# Subcommands contributed by other modules: each exposes add_subparser(subparsers).
PLUGGABLE = ("etl.themes_cli", "etl.privacy_cli", "etl.fetch")


def _cmd_demo(args) -> int:
    from etl.demo import generate

    out = Path(args.out) if args.out else get_settings().demo_dir
    if args.scale == "national":
        from etl.demo_national import generate_national

        info = generate_national(out)
    else:
        info = generate(out)
    print("Demo geschreven (fictieve gemeente, geen echte gegevens): " + ", ".join(f"{k}={v}" for k, v in info.items()))
    if args.build:
        return _cmd_build(argparse.Namespace(sources=str(out / "sources.toml"), warehouse=args.warehouse, quiet=False))
    return 0


def _cmd_build(args) -> int:
    from etl.build import BuildError, build

    try:
        report = build(Path(args.sources) if args.sources else None, Path(args.warehouse) if args.warehouse else None,
                       progress=sys.stderr.isatty())
    except BuildError as err:
        print(f"BUILD MISLUKT: {err}", file=sys.stderr)
        print("Het vorige warehouse is ongewijzigd.", file=sys.stderr)
        return 1
    if not getattr(args, "quiet", False):
        for line in report.summary_lines():
            print(line)
        for level, message in report.log:
            if level != "info":
                print(f"{level}: {message}")
    print(f"Warehouse {report.warehouse} gebouwd in {report.seconds:.1f} s (build {report.build_id}); "
          f"{len(report.rejects)} records afgewezen.")
    return 0


def _cmd_status(args) -> int:
    import duckdb

    path = Path(args.warehouse) if args.warehouse else get_settings().warehouse_path
    if not path.exists():
        print(f"{path}: geen warehouse; maak er een met `python -m etl demo --build`")
        return 1
    con = duckdb.connect(str(path), read_only=True)
    meta = con.execute("SELECT build_id, built_at, is_demo, schema_version FROM meta_schema").fetchone()
    print(f"{path}: build {meta[0]} van {meta[1]:%Y-%m-%d %H:%M} (demo: {meta[2]}, schema {meta[3]})")
    for table, n in con.execute("SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY table_name").fetchall():
        print(f"  {table:<28} {n:>10}")
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Wijkbeeld ETL: bronnen inlezen en het warehouse bouwen.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="schrijf de fictieve demogemeente in echte bronformaten")
    demo.add_argument("--out", help="map voor de demobestanden (standaard data/demo)")
    demo.add_argument("--scale", choices=["demo", "national"], default="demo")
    demo.add_argument("--build", action="store_true", help="bouw daarna meteen het warehouse")
    demo.add_argument("--warehouse", help="pad van het warehouse (standaard data/warehouse.duckdb)")
    demo.set_defaults(func=_cmd_demo)
    b = sub.add_parser("build", help="bouw een nieuw warehouse uit de bronnen en wissel het atomair in")
    b.add_argument("--sources", help="bronnenbestand (TOML); standaard WIJKBEELD_SOURCES of data/demo/sources.toml")
    b.add_argument("--warehouse", help="pad van het warehouse")
    b.add_argument("--quiet", action="store_true")
    b.set_defaults(func=_cmd_build)
    st = sub.add_parser("status", help="toon wat er in het warehouse staat")
    st.add_argument("--warehouse")
    st.set_defaults(func=_cmd_status)
    for module_name in PLUGGABLE:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name != module_name:
                raise
            continue
        module.add_subparser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
