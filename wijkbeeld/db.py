"""Read-only access to the warehouse.

One DuckDB connection per process (DuckDB connections are not thread-safe, so every query takes its own
cursor). The file is identified by (inode, mtime, size): after a build swaps in a new file, the next call notices
and reconnects, so readers move to the new build without a restart.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd


ALIAS = "wh"  # the name the warehouse file is attached under


class WarehouseMissing(Exception):
    pass


@dataclass(frozen=True)
class WarehouseVersion:
    path: str
    inode: int
    mtime_ns: int
    size: int

    @property
    def token(self) -> str:
        """A cache key that changes whenever a new build is swapped in."""
        return f"{self.inode}-{self.mtime_ns}-{self.size}"


def warehouse_version(path: Path) -> WarehouseVersion:
    try:
        st = os.stat(path)
    except FileNotFoundError as err:
        raise WarehouseMissing(f"{path}: er is nog geen warehouse. Maak de demo met `make demo` of bouw met `python -m etl build`.") from err
    return WarehouseVersion(str(path), st.st_ino, st.st_mtime_ns, st.st_size)


class ReadOnlyStore:
    """What every read-side store offers the queries: query() and close() on top of its own cursor()."""

    _lock: threading.Lock
    _con: duckdb.DuckDBPyConnection | None

    def cursor(self) -> duckdb.DuckDBPyConnection:  # pragma: no cover - each store has its own
        raise NotImplementedError

    def query(self, sql: str, params: list | tuple | dict | None = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


class Warehouse(ReadOnlyStore):
    """A process-wide read-only connection that follows atomic swaps of the file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: WarehouseVersion | None = None

    def version(self) -> WarehouseVersion:
        return warehouse_version(self.path)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        current = self.version()
        with self._lock:
            if self._con is None or current != self._version:
                # Never close the old connection here: other threads may still be running cursors on it. Dropping
                # our reference is enough; DuckDB closes that database once its last cursor is gone. The file is
                # ATTACHed to a fresh in-memory database because duckdb.connect(path) would hand back the cached
                # instance of the old file (DuckDB caches open databases by path within a process).
                con = duckdb.connect(":memory:")
                quoted = str(self.path).replace("'", "''")  # a path from settings, never from user input
                con.execute(f"ATTACH '{quoted}' AS {ALIAS} (READ_ONLY)")
                con.execute(f"USE {ALIAS}")
                self._con = con
                self._version = current
            cur = self._con.cursor()
        cur.execute(f"USE {ALIAS}")  # cursors do not inherit USE
        return cur



_instances: dict[str, Warehouse] = {}
_instances_lock = threading.Lock()


def get_warehouse(path: Path):
    """The process-wide reader. With WIJKBEELD_PARQUET_DIR set, the marts are read in place from partitioned
    Parquet files (several dashboard replicas sharing one published build) instead of the DuckDB file."""
    parquet_dir = os.environ.get("WIJKBEELD_PARQUET_DIR")
    key = f"parquet:{Path(parquet_dir).resolve()}" if parquet_dir else str(Path(path).resolve())
    with _instances_lock:
        if key not in _instances:
            if parquet_dir:
                from wijkbeeld.parquet_store import ParquetWarehouse  # lazy: that module imports this one

                _instances[key] = ParquetWarehouse(Path(parquet_dir))
            else:
                _instances[key] = Warehouse(Path(key))
        return _instances[key]
