"""Read-only access to a published Parquet build of the warehouse (several dashboard replicas sharing one build).

The layout is written by `etl.parquet_export` (`python -m etl.parquet_export WAREHOUSE ROOT --publish`):
ROOT/builds/<build_id>/<table>/... with a `_manifest.json` per build, and ROOT/CURRENT naming the live build.
This module only reads that layout; the dashboard must not import the ETL, so the ETL imports the layout's names
(MANIFEST, POINTER, ...) from here.

`attach_parquet_views(con, path)` creates one view per table, with the original column names, order and types
(Parquet has no HUGEINT, so a view casts back what the export had to widen), so the read-side queries run
unchanged. `ParquetWarehouse` offers the Warehouse interface (query, cursor, version, close) over those views and
follows the CURRENT pointer: a publish writes a complete new build under a new prefix and only then replaces
CURRENT (an atomic rename), so a reader sees the old build or the new one, never a mix.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from wijkbeeld.db import ReadOnlyStore

MANIFEST = "_manifest.json"
POINTER = "CURRENT"
SAFE_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def resolve(path: Path) -> Path:
    """A build folder (it holds the manifest) or a root with a CURRENT pointer -> the build folder."""
    path = Path(path)
    if (path / MANIFEST).exists():
        return path
    pointer = path / POINTER
    if pointer.exists():
        target = (path / pointer.read_text(encoding="utf-8").strip()).resolve()
        if (target / MANIFEST).exists():
            return target
        raise FileNotFoundError(f"{pointer} wijst naar {target}, maar daar staat geen {MANIFEST}")
    raise FileNotFoundError(f"{path}: geen Parquet-export ({MANIFEST}) en geen {POINTER}-verwijzing")


def attach_parquet_views(con: duckdb.DuckDBPyConnection, path: Path) -> dict:
    """Create one view per exported table on `con` (e.g. an in-memory DuckDB), with the table's own name, column
    order and types. Returns the manifest. Paths may be local or any URL DuckDB can read (s3://, https://)."""
    folder = resolve(path)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["tables"]:
        table = entry["table"]
        if not SAFE_TABLE_NAME.match(table):
            raise ValueError(f"{folder / MANIFEST}: ongeldige tabelnaam {table!r}")
        glob = folder / table / ("**/*.parquet" if entry["partition"] else "data.parquet")
        hive = ", hive_partitioning = true" if entry["partition"] else ", hive_partitioning = false"
        columns = ", ".join(f"CAST({quote_identifier(c['name'])} AS {c['type']}) AS {quote_identifier(c['name'])}"
                            for c in entry["columns"])
        con.execute(f"CREATE OR REPLACE VIEW {quote_identifier(table)} AS SELECT {columns} "
                    f"FROM read_parquet({quote_literal(str(glob))}{hive})")
    return manifest


@dataclass(frozen=True)
class ParquetVersion:
    path: str
    build_id: str
    mtime_ns: int

    @property
    def token(self) -> str:
        return f"parquet-{self.build_id}-{self.mtime_ns}"


class ParquetWarehouse(ReadOnlyStore):
    """The Warehouse interface over Parquet views in a process-wide in-memory DuckDB. When CURRENT points at a new
    build, the next call rebuilds the views, so readers move to the new build without a restart."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: ParquetVersion | None = None

    def version(self) -> ParquetVersion:
        folder = resolve(self.path)
        manifest = folder / MANIFEST
        build_id = json.loads(manifest.read_text(encoding="utf-8")).get("build_id") or ""
        return ParquetVersion(str(folder), str(build_id), manifest.stat().st_mtime_ns)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        current = self.version()
        with self._lock:
            if self._con is None or current != self._version:
                # The old connection is not closed here: other threads may still run cursors on it; it goes when
                # its last cursor does (as wijkbeeld.db.Warehouse does after a swap).
                con = duckdb.connect()
                attach_parquet_views(con, Path(current.path))
                self._con, self._version = con, current
            return self._con.cursor()
