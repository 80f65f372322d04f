"""The build: every source lands, NULL stays NULL, rebuilds are identical, failures leave the live file alone."""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import duckdb
import pytest

from etl import demo, demo_posts
from etl.build import BuildError, BuildLocked, build, build_lock
from wijkbeeld.db import Warehouse


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _con(path: Path):
    return duckdb.connect(str(path), read_only=True)


def test_build_loads_every_source(demo_warehouse):
    with _con(demo_warehouse) as con:
        count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        assert count("SELECT count(*) FROM dim_gemeente") == 1
        assert count("SELECT count(*) FROM dim_wijk") == len(demo.WIJKEN)
        assert count("SELECT count(*) FROM dim_buurt") == sum(w[1] for w in demo.WIJKEN)
        assert count("SELECT count(*) FROM fct_post") >= 5000
        assert count("SELECT count(DISTINCT page_id) FROM fct_post") == len(demo.PAGES)
        assert count("SELECT count(*) FROM fct_post_theme") > 1000
        assert count("SELECT count(DISTINCT year) FROM fct_population WHERE NOT imputed") == len(demo.KWB_TABLES)
        assert count("SELECT count(DISTINCT period_start) FROM fct_survey") == len(demo.SURVEY_WAVES)
        assert count("SELECT count(*) FROM meta_source_file") >= 7
        assert count("SELECT count(*) FROM meta_schema") == 1
        # Every wijk has display geometry in WGS84.
        lon, lat = con.execute("SELECT geometry_geojson FROM dim_wijk LIMIT 1").fetchone()[0].split("[[")[1].split("]")[0].split(",")[:2]
        assert 3 < float(lon.strip("[ ")) < 8 and 50 < float(lat) < 54


def test_withheld_counts_stay_null_and_totals_are_never_added(demo_warehouse):
    with _con(demo_warehouse) as con:
        nulls = con.execute("SELECT count(*) FROM fct_incident_month WHERE level = 'buurt' AND incident_count IS NULL").fetchone()[0]
        assert nulls == len(demo.WITHHELD)
        assert con.execute("SELECT count(*) FROM dim_crime_type WHERE crime_code = '0.0.0'").fetchone()[0] == 0
        # The wijk sum is NULL in a month where one of its buurten is withheld, never a silent undercount.
        wijk, buurt, code, month = demo.WITHHELD[0]
        wijk_code = f"WK9999{wijk:02d}"
        value = con.execute("SELECT incident_count FROM fct_incident_month WHERE area_code = ? AND month = ? AND crime_code = ?",
                            [wijk_code, month, code.strip()]).fetchone()[0]
        assert value is None


def _table_digest(path: Path) -> dict[str, str]:
    out = {}
    with _con(path) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT starts_with(table_name, 'meta_')").fetchall()]
        for table in tables:
            cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]  # names from the catalogue, not input
            rows = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            out[table] = hashlib.sha256(repr((cols, rows)).encode()).hexdigest()
    return out


def test_rebuild_over_the_same_files_is_identical(demo_sources, demo_warehouse, tmp_path):
    again = tmp_path / "again.duckdb"
    build(demo_sources, again)
    assert _table_digest(again) == _table_digest(demo_warehouse)


def test_failed_build_leaves_previous_warehouse_intact(demo_copy, tmp_path):
    live = tmp_path / "live.duckdb"
    build(demo_copy, live)
    before = (_sha(live), os.stat(live).st_ino)
    page = sorted((demo_copy.parent / "politie" / "47022NED").glob("TypedDataSet_*.json"))[1]
    page.write_text(page.read_text()[: 5000])  # truncated mid-file
    with pytest.raises(BuildError) as err:
        build(demo_copy, live)
    assert page.name in str(err.value)
    assert (_sha(live), os.stat(live).st_ino) == before
    assert not [p for p in tmp_path.iterdir() if ".building" in p.name]


def test_missing_input_names_the_file(demo_copy, tmp_path):
    target = demo_copy.parent / "veiligheidsmonitor" / "85146NED"
    for f in target.iterdir():
        f.unlink()
    target.rmdir()
    with pytest.raises(BuildError, match="85146NED"):
        build(demo_copy, tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()


def test_mostly_bad_post_file_fails_the_build(demo_copy, tmp_path):
    page = sorted((demo_copy.parent / "posts").iterdir())[0]
    for feed in page.glob("feed_*.json"):  # the page's whole export is mostly wrong
        doc = json.loads(feed.read_text())
        for post in doc["data"][: len(doc["data"]) // 2 + 1]:
            post["created_time"] = "gisteren"
            post.get("comments", {}).pop("data", None)
        feed.write_text(json.dumps(doc))
    with pytest.raises(BuildError, match="afgewezen"):
        build(demo_copy, tmp_path / "w.duckdb")


def test_a_few_bad_records_are_rejected_with_reasons(demo_copy, tmp_path):
    feed = sorted((demo_copy.parent / "posts").rglob("feed_001.json"))[0]
    doc = json.loads(feed.read_text())
    doc["data"][0]["created_time"] = "31-02-2026"
    feed.write_text(json.dumps(doc))
    out = tmp_path / "w.duckdb"
    build(demo_copy, out)
    with _con(out) as con:
        rows = con.execute("SELECT source_file, record, reason FROM meta_rejected_record").fetchall()
    assert any(r[0].endswith("feed_001.json") and "data[0]" in r[1] for r in rows)


def test_two_builds_never_run_at_once(demo_sources, tmp_path):
    live = tmp_path / "live.duckdb"
    with build_lock(live):
        with pytest.raises(BuildLocked):
            build(demo_sources, live)


def test_no_resident_name_or_raw_identifier_anywhere_in_the_warehouse(demo_warehouse):
    writer = demo_posts._Writer(__import__("numpy").random.default_rng(0))
    names = {n for n, _ in writer.residents}
    ids = {i for _, i in writer.residents}
    phone = re.compile(r"06-\d{8}|\+31 6 \d{4} \d{4}")
    with _con(demo_warehouse) as con:
        text_columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' AND NOT internal AND schema_name = 'main'").fetchall()
        for table, column in text_columns:
            values = [v for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM {table} WHERE "{column}" IS NOT NULL').fetchall()]
            blob = "\n".join(values)
            assert not phone.search(blob), f"{table}.{column} holds a phone number"
            found = [n for n in names if n in blob]
            assert not found, f"{table}.{column} holds resident names {found[:3]}"
            assert not [i for i in ids if i in blob], f"{table}.{column} holds raw author ids"


def test_reader_follows_an_atomic_swap(demo_sources, tmp_path):
    live = tmp_path / "live.duckdb"
    build(demo_sources, live)
    wh = Warehouse(live)
    first = wh.query("SELECT build_id FROM meta_schema").iloc[0, 0]
    build(demo_sources, live)
    second = wh.query("SELECT build_id FROM meta_schema").iloc[0, 0]
    assert first != second
    wh.close()


def test_expired_posts_are_removed_but_their_monthly_aggregates_stay(demo_copy, tmp_path):
    live = tmp_path / "live.duckdb"
    build(demo_copy, live)
    with _con(live) as con:
        first_month = con.execute("SELECT min(month) FROM fct_post").fetchone()[0]
        kept = con.execute("SELECT sum(messages) FROM mart_wijk_post_month WHERE month = ?", [first_month]).fetchone()[0]
    # Move the retention reference so the first months expire.
    text = demo_copy.read_text().replace('retention_reference_date = "2026-10-31"', 'retention_reference_date = "2027-01-31"')
    demo_copy.write_text(text)
    build(demo_copy, live)
    with _con(live) as con:
        assert con.execute("SELECT count(*) FROM fct_post WHERE month = ?", [first_month]).fetchone()[0] == 0
        assert con.execute("SELECT sum(messages) FROM mart_wijk_post_month WHERE month = ?", [first_month]).fetchone()[0] == kept
        log = " ".join(m for (m,) in con.execute("SELECT message FROM meta_build_log").fetchall())
    assert "bewaartermijn" in log and "niet opgeslagen" in log


def test_real_data_without_a_pseudonym_key_is_refused(demo_copy, tmp_path, monkeypatch):
    monkeypatch.delenv("WIJKBEELD_PSEUDONYM_KEY", raising=False)
    demo_copy.write_text(demo_copy.read_text().replace("is_demo = true", "is_demo = false"))
    with pytest.raises(BuildError, match="pseudonym key"):
        build(demo_copy, tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()


def test_a_real_key_gives_other_pseudonyms_and_is_never_stored(demo_copy, tmp_path, monkeypatch):
    key = "k" * 40 + "-geheim-sleutel-voor-de-test"
    monkeypatch.setenv("WIJKBEELD_PSEUDONYM_KEY", key)
    demo_copy.write_text(demo_copy.read_text().replace("is_demo = true", "is_demo = false"))
    out = tmp_path / "w.duckdb"
    build(demo_copy, out)
    with _con(out) as con:
        text_columns = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' "
                                   "AND NOT internal AND schema_name = 'main'").fetchall()
        for table, column in text_columns:
            hits = con.execute(f'SELECT count(*) FROM {table} WHERE contains("{column}", ?)', [key[:20]]).fetchone()[0]
            assert hits == 0, f"key material in {table}.{column}"
        assert con.execute("SELECT pseudonym_key_fingerprint FROM meta_schema").fetchone()[0]
    assert key.encode() not in out.read_bytes()


def test_a_trained_theme_model_is_used_by_the_build(demo_copy, tmp_path, monkeypatch):
    from etl.text.learned import train

    model = tmp_path / "model.joblib"
    train(Path(__file__).resolve().parent / "data" / "labelled_posts_dev.csv", model, folds=3)
    monkeypatch.setenv("WIJKBEELD_THEMES_MODEL", str(model))
    out = tmp_path / "w.duckdb"
    build(demo_copy, out)
    with _con(out) as con:
        log = " ".join(m for (m,) in con.execute("SELECT message FROM meta_build_log").fetchall())
    assert "themamodel model.joblib" in log


def test_recent_builds_and_their_rejects_are_kept(demo_copy, tmp_path):
    feed = sorted((demo_copy.parent / "posts").rglob("feed_001.json"))[0]
    doc = json.loads(feed.read_text())
    doc["data"][0]["created_time"] = "31-02-2026"
    feed.write_text(json.dumps(doc))
    live = tmp_path / "live.duckdb"
    first = build(demo_copy, live).build_id
    second = build(demo_copy, live).build_id
    with _con(live) as con:
        builds = [b for (b,) in con.execute("SELECT build_id FROM meta_build ORDER BY built_at").fetchall()]
        per_build = dict(con.execute("SELECT build_id, count(*) FROM meta_rejected_record GROUP BY ALL").fetchall())
    assert builds == [first, second]
    assert per_build[first] == per_build[second] >= 1
