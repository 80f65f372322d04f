"""The Parquet export: every read-side table round-trips, the read-side queries give identical results on the
Parquet views and on the DuckDB file, publishing switches readers to a new build atomically, and the read side
(wijkbeeld.parquet_store) does not depend on the ETL."""
from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.parquet_export import export_parquet, main, publish_parquet
from wijkbeeld import overview
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse
from wijkbeeld.parquet_store import MANIFEST, POINTER, ParquetWarehouse, attach_parquet_views
from wijkbeeld.ui import period_options

WIJKBEELD = Path(__file__).resolve().parents[1] / "wijkbeeld"
# The dashboard never imports the ETL (its machinery, its dependencies, its writes).


@pytest.fixture(scope="module")
def exported(demo_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet") / "marts"
    manifest = export_parquet(demo_warehouse, out)
    return out, manifest


@pytest.fixture
def readers(demo_warehouse, exported):
    file_wh = Warehouse(demo_warehouse)
    parquet_wh = ParquetWarehouse(exported[0])
    yield file_wh, parquet_wh
    file_wh.close()
    parquet_wh.close()


def _tables(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]


def test_exports_exactly_the_read_side_tables(demo_warehouse, exported):
    out, manifest = exported
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        tables = _tables(con)
    wanted = [t for t in tables if t.startswith(("dim_", "fct_", "mart_", "meta_", "bridge_"))]
    assert sorted(t["table"] for t in manifest["tables"]) == wanted
    assert not any(t["table"].startswith("stg_") for t in manifest["tables"])
    assert json.loads((out / MANIFEST).read_text())["build_id"] == manifest["build_id"]


def test_large_facts_are_hive_partitioned(exported):
    out, manifest = exported
    by_table = {t["table"]: t for t in manifest["tables"]}
    assert by_table["fct_incident_month"]["partition"] == "part_gemeente"
    assert (out / "fct_incident_month" / "part_gemeente=GM9999").is_dir()
    assert by_table["fct_post"]["partition"] == "part_year"
    years = sorted(p.name for p in (out / "fct_post").iterdir())
    assert years and all(p.startswith("part_year=20") for p in years)
    assert by_table["dim_wijk"]["partition"] is None


def test_every_view_has_the_same_columns_types_and_rows_as_its_table(demo_warehouse, exported):
    out, manifest = exported
    views = duckdb.connect()
    attach_parquet_views(views, out)
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        for entry in manifest["tables"]:
            table = entry["table"]
            described_file = con.execute(f"DESCRIBE {table}").fetchall()
            described_view = views.execute(f"DESCRIBE {table}").fetchall()
            assert [r[:2] for r in described_view] == [r[:2] for r in described_file], table
            columns = ", ".join(f'"{r[0]}"' for r in described_file)
            original = con.execute(f"SELECT * FROM {table} ORDER BY {columns}").df()
            copied = views.execute(f"SELECT * FROM {table} ORDER BY {columns}").df()
            pd.testing.assert_frame_equal(copied, original, check_exact=True, obj=table)
            assert len(original) == entry["rows"]
    views.close()


def test_read_side_queries_give_identical_results(readers):
    file_wh, parquet_wh = readers
    min_population = 200
    for gemeente in q.q_gemeenten(file_wh)["gemeente_code"]:
        months = q.q_months(file_wh, gemeente=gemeente)
        assert q.q_months(parquet_wh, gemeente=gemeente) == months
        options = period_options(months)
        assert len(options) >= 3
        for period in options.values():
            a = q.q_wijk_indicators(file_wh, gemeente=gemeente, period=period, min_population=min_population)
            b = q.q_wijk_indicators(parquet_wh, gemeente=gemeente, period=period, min_population=min_population)
            pd.testing.assert_frame_equal(b, a, check_exact=True)
            a = overview.q_overview(file_wh, gemeente=gemeente, period=period, min_population=min_population)
            b = overview.q_overview(parquet_wh, gemeente=gemeente, period=period, min_population=min_population)
            pd.testing.assert_frame_equal(b, a, check_exact=True)
            assert a["incidents"].notna().any()  # the comparison is about real figures, not two empty frames


def test_export_refuses_a_folder_that_is_not_empty(demo_warehouse, exported):
    with pytest.raises(FileExistsError):
        export_parquet(demo_warehouse, exported[0])


def test_publish_switches_readers_to_the_new_build(demo_warehouse, tmp_path):
    root = tmp_path / "published"
    first = publish_parquet(demo_warehouse, root)
    reader = ParquetWarehouse(root)
    try:
        name_before = reader.query("SELECT gemeente_name FROM dim_gemeente").iloc[0, 0]
        token_before = reader.version().token
        # A second build: a copy of the warehouse with another build id and a renamed gemeente.
        second = tmp_path / "second.duckdb"
        shutil.copy(demo_warehouse, second)
        with duckdb.connect(str(second)) as con:
            con.execute("UPDATE meta_schema SET build_id = 'tweede-build'")
            con.execute("UPDATE dim_gemeente SET gemeente_name = 'Nieuwe naam'")
        publish_parquet(second, root)
        assert (root / POINTER).read_text().strip() == "builds/tweede-build"
        assert reader.version().token != token_before
        assert reader.query("SELECT gemeente_name FROM dim_gemeente").iloc[0, 0] == "Nieuwe naam"
        assert name_before != "Nieuwe naam"
        assert (root / "builds" / first["build_id"]).is_dir()  # the old build stays for readers still on it
        assert not list((root / "builds").glob(".*partial"))
    finally:
        reader.close()


def test_command_line_writes_a_readable_export(demo_warehouse, tmp_path, capsys):
    assert main([str(demo_warehouse), str(tmp_path / "cli")]) == 0
    assert "tabellen" in capsys.readouterr().out
    con = duckdb.connect()
    attach_parquet_views(con, tmp_path / "cli")
    with duckdb.connect(str(demo_warehouse), read_only=True) as file_con:
        expected = file_con.execute("SELECT count(*) FROM fct_incident_month").fetchone()[0]
    assert con.execute("SELECT count(*) FROM fct_incident_month").fetchone()[0] == expected
    con.close()


def _etl_imports(source: str) -> set[str]:
    """The etl modules a source imports: `import etl.x`, `from etl.x import y`, `from etl import x` and
    importlib.import_module / __import__ with a literal name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "etl":  # `from etl import demo` imports the module etl.demo
                found.update(f"etl.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")):
            found.add(node.args[0].value)
    return {name for name in found if name == "etl" or name.startswith("etl.")}


def test_the_import_scan_sees_every_form_of_importing_the_etl():
    source = """
import etl.build
from etl.parquet_export import publish_parquet
from etl import demo
import importlib
importlib.import_module("etl.readers.base")
from .etl import nothing
import etlx, pandas
"""
    assert _etl_imports(source) == {"etl.build", "etl.parquet_export", "etl.demo", "etl.readers.base"}


def test_no_dashboard_module_imports_the_etl():
    modules = sorted(WIJKBEELD.rglob("*.py"))
    assert WIJKBEELD / "parquet_store.py" in modules
    imports = {str(path.relative_to(WIJKBEELD.parent)): sorted(_etl_imports(path.read_text(encoding="utf-8")))
               for path in modules}
    assert not {module: names for module, names in imports.items() if names}
