"""The warehouse's read side as Parquet files that DuckDB reads in place (a shared disk or object storage).

    python -m etl.parquet_export WAREHOUSE OUTDIR              # OUTDIR/<table>/... + OUTDIR/_manifest.json
    python -m etl.parquet_export WAREHOUSE ROOT --publish      # ROOT/builds/<build_id>/..., then ROOT/CURRENT

What is exported: every table the dashboard reads (dim_*, fct_*, mart_*, meta_*, bridge_*); staging (stg_*) stays
in the build. Large facts are split in hive partitions: per gemeente for the incident facts (a gemeente's replica
or query touches one folder), per year for the posts. Rows are written sorted by area and month, so Parquet's
row-group statistics let DuckDB skip what a query does not need.

This module only writes. The read path (`attach_parquet_views`, `ParquetWarehouse`, following CURRENT) and the
layout's names (MANIFEST, POINTER) live in `wijkbeeld.parquet_store`, since the dashboard must not import the
ETL. `--publish` writes a complete new build under a new prefix and only then replaces CURRENT (an atomic
rename), so a reader sees the old build or the new one, never a mix.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd

from wijkbeeld.parquet_store import MANIFEST, POINTER, SAFE_TABLE_NAME, quote_identifier, quote_literal

EXPORTED_PREFIXES = ("dim_", "fct_", "mart_", "meta_", "bridge_")
# Hive partitions per table: the partition column is derived (it is not a column of the table and not in the
# view). The gemeente of a GM/WK/BU code is its 4 digits after the prefix.
GEMEENTE_OF_AREA = "'GM' || substr(area_code, 3, 4)"
PARTITIONS: dict[str, tuple[str, str, str]] = {  # table: (partition column, expression, column it needs)
    "fct_incident_month": ("part_gemeente", GEMEENTE_OF_AREA, "area_code"),
    "mart_incident_group_month": ("part_gemeente", GEMEENTE_OF_AREA, "area_code"),
    "fct_post": ("part_year", "CAST(year(month) AS VARCHAR)", "month"),
}
# Sort order inside the files (row-group statistics then skip most of a file for one area or period).
SORT_KEYS: dict[str, str] = {
    "fct_incident_month": "area_code, month, crime_code",
    "mart_incident_group_month": "area_code, month, crime_group",
    "fct_population": "area_code, year",
    "fct_survey": "area_code, period_start, indicator",
    "fct_post": "page_id, created_at",
    "mart_wijk_post_month": "wijk_code, month",
    "mart_wijk_theme_month": "wijk_code, month, theme",
}
ROW_GROUP_SIZE = 122_880  # DuckDB's own row group size: statistics per ~120k rows


def exported_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    rows = con.execute("SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'main' "
                       "ORDER BY table_name").fetchall()
    return [(name, int(size)) for name, size in rows
            if name.startswith(EXPORTED_PREFIXES) and SAFE_TABLE_NAME.match(name)]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[dict]:
    return [{"name": name, "type": dtype} for name, dtype in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()]


def export_parquet(warehouse: Path, outdir: Path, *, compression: str = "zstd") -> dict:
    """Write every read-side table of `warehouse` under `outdir` (which must not exist yet or be empty) and a
    manifest; returns the manifest plus the bytes written. The warehouse is opened read-only."""
    warehouse, outdir = Path(warehouse), Path(outdir)
    if outdir.exists() and any(outdir.iterdir()):
        raise FileExistsError(f"{outdir}: map bestaat al en is niet leeg; exporteer naar een nieuwe map")
    outdir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        build_id = con.execute("SELECT any_value(build_id) FROM meta_schema").fetchone()[0]
        tables = []
        for table, _ in exported_tables(con):
            columns = _columns(con, table)
            names = {c["name"] for c in columns}
            select = ", ".join(quote_identifier(c["name"]) for c in columns)
            order = SORT_KEYS.get(table) if table in SORT_KEYS and all(
                k.strip() in names for k in SORT_KEYS[table].split(",")) else None
            partition = PARTITIONS.get(table)
            target = outdir / table
            options = ["FORMAT parquet", f"COMPRESSION {compression}", f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}"]
            if partition and partition[2] in names:
                column, expression, _ = partition
                query = f"SELECT {select}, {expression} AS {column} FROM {quote_identifier(table)}"
                options.append(f"PARTITION_BY ({column})")
                path = target
            else:
                partition = None
                query = f"SELECT {select} FROM {quote_identifier(table)}"
                target.mkdir(parents=True, exist_ok=True)
                path = target / "data.parquet"
            if order:
                query += f" ORDER BY {order}"
            con.execute(f"COPY ({query}) TO {quote_literal(str(path))} ({', '.join(options)})")
            rows = con.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()[0]
            tables.append({"table": table, "columns": columns, "rows": int(rows),
                           "partition": partition[0] if partition else None})
    finally:
        con.close()
    manifest = {"build_id": build_id, "exported_at": pd.Timestamp.now(tz="UTC").isoformat(),
                "source": str(warehouse), "tables": tables}
    (outdir / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    manifest["bytes"] = sum(p.stat().st_size for p in outdir.rglob("*") if p.is_file())
    return manifest


def publish_parquet(warehouse: Path, root: Path, *, keep: int = 3) -> dict:
    """Export into root/builds/<build_id>/ and then point root/CURRENT at it with an atomic rename. Older builds
    beyond the newest `keep` are removed (a reader that opened one keeps reading it until it re-reads CURRENT)."""
    root = Path(root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        build_id = con.execute("SELECT any_value(build_id) FROM meta_schema").fetchone()[0]
    builds = root / "builds"
    target = builds / build_id
    staging = builds / f".{build_id}.{os.getpid()}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    manifest = export_parquet(warehouse, staging)
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    pointer_tmp = root / f".{POINTER}.{os.getpid()}.tmp"
    pointer_tmp.write_text(f"builds/{build_id}\n", encoding="utf-8")
    with open(pointer_tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, root / POINTER)  # the switch: readers see the old build or the new one
    published = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")),
                       key=lambda p: p.stat().st_mtime, reverse=True)
    for old in published[keep:]:
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return manifest | {"path": str(target)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.parquet_export",
                                     description="Schrijf de marts van een warehouse als Parquet (gepartitioneerd).")
    parser.add_argument("warehouse", help="het DuckDB-warehouse (wordt alleen gelezen)")
    parser.add_argument("outdir", help="doelmap (nieuw of leeg); met --publish: de hoofdmap met builds/ en CURRENT")
    parser.add_argument("--publish", action="store_true",
                        help="schrijf naar builds/<build_id>/ en zet daarna CURRENT om (atomair)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.publish:
        manifest = publish_parquet(Path(args.warehouse), Path(args.outdir))
        where = manifest["path"]
    else:
        manifest = export_parquet(Path(args.warehouse), Path(args.outdir))
        where = args.outdir
    print(f"{len(manifest['tables'])} tabellen ({sum(t['rows'] for t in manifest['tables']):,} rijen, "
          f"{manifest['bytes'] / 1e6:.1f} MB) naar {where} in {time.perf_counter() - started:.1f} s "
          f"(build {manifest['build_id']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
