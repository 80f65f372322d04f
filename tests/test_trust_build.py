"""Builds that fail safely. A build killed at any moment, a full disk, an input corrupted mid-file or a second
build at the same time: the live warehouse stays exactly as it was (same bytes, opens, answers queries), nothing
left behind blocks the next build, and a dashboard reading during a build never sees an error.

The builds here use the demo sources with a few of its post files (the same code path, a shorter build).
"""
from __future__ import annotations

import errno
import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from etl.build import BuildError, BuildLocked, build, build_lock
from wijkbeeld import overview
from wijkbeeld import queries as q
from wijkbeeld.db import Warehouse

ROOT = Path(__file__).resolve().parents[1]
POST_FILES_KEPT = 6
RANDOM_KILLS = 3
SEED = 20261128


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(warehouse: Path) -> list[Path]:
    return sorted(warehouse.parent.glob(f".{warehouse.name}.*.building*"))


def _assert_usable(warehouse: Path) -> str:
    """The warehouse opens read-only and the dashboard's read-side queries answer; returns its build id."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        build_id, = con.execute("SELECT build_id FROM meta_schema").fetchone()
        assert con.execute("SELECT count(*) FROM dim_wijk").fetchone()[0] == 9
        assert con.execute("SELECT count(*) FROM fct_post").fetchone()[0] > 0
    wh = Warehouse(warehouse)
    try:
        months = q.q_months(wh, gemeente="GM9999")
        period = q.Period(months[-12], months[-1])
        table = overview.q_overview(wh, gemeente="GM9999", period=period, min_population=200)
        assert len(table) == 9 and table["incidents_per_1000"].notna().any()
    finally:
        wh.close()
    return build_id


@pytest.fixture(scope="module")
def sources(demo_sources, tmp_path_factory) -> Path:
    """A copy of the demo sources whose sources.toml keeps only the first few post files."""
    folder = tmp_path_factory.mktemp("sources") / "demo"
    shutil.copytree(demo_sources.parent, folder)
    head, *posts = (folder / "sources.toml").read_text(encoding="utf-8").split("[[posts]]")
    (folder / "sources.toml").write_text(head + "".join("[[posts]]" + p for p in posts[:POST_FILES_KEPT]), encoding="utf-8")
    return folder / "sources.toml"


@pytest.fixture(scope="module")
def baseline(sources, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("baseline") / "warehouse.duckdb"
    build(sources, path)
    return path


@pytest.fixture
def live(baseline, tmp_path) -> Path:
    """The live warehouse of one test: a copy of the baseline build."""
    path = tmp_path / "live" / "warehouse.duckdb"
    path.parent.mkdir()
    shutil.copyfile(baseline, path)
    return path


def _cli(sources: Path, warehouse: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "build", "--sources", str(sources), "--warehouse", str(warehouse),
                             "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def _wait_for_building_file(proc: subprocess.Popen, warehouse: Path, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if _leftovers(warehouse):
            return True
        time.sleep(0.01)
    return False


# ------------------------------------------------------------------------------------------ killed builds

def test_sigkill_at_random_moments_leaves_the_previous_warehouse_intact(sources, live):
    rng = random.Random(SEED)
    before = _sha256(live)
    killed, attempts, window = 0, 0, 2.0  # window: seconds the build runs after its temp file appears
    while killed < RANDOM_KILLS and attempts < 2 * RANDOM_KILLS:
        attempts += 1
        proc = _cli(sources, live)
        started = _wait_for_building_file(proc, live)
        began = time.monotonic()
        time.sleep(rng.uniform(0.0, 0.9) * window)  # somewhere in reading, text steps, marts, checks or the swap
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=120)
        if proc.returncode == -signal.SIGKILL:
            killed += 1
            assert started
            assert _sha256(live) == before, "a killed build changed the live warehouse"
        else:  # the build finished before the kill: the new warehouse is complete; aim earlier next time
            assert proc.returncode == 0
            window = time.monotonic() - began
            before = _sha256(live)
        _assert_usable(live)
    assert killed == RANDOM_KILLS, f"only {killed} of {attempts} kills landed inside a build"
    # What the killed builds left (their temp files, the lock file) does not stop the next build.
    assert live.with_name(live.name + ".lock").exists()
    previous_id = _assert_usable(live)
    build(sources, live)
    assert _assert_usable(live) != previous_id


DRIVER = textwrap.dedent("""
    import os, signal, sys
    import etl.build as b

    phase = sys.argv[1]

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if phase == "before_swap":
        b.os.replace = die            # the new file is complete and synced, the swap has not happened
    elif phase == "after_swap":
        b._fsync_dir = die            # the swap happened, the directory entry is not yet synced
    elif phase == "in_marts":
        b.check_warehouse = die       # marts built, checks not run
    from etl.cli import main
    raise SystemExit(main(["build", "--sources", sys.argv[2], "--warehouse", sys.argv[3], "--quiet"]))
""")


@pytest.mark.parametrize("phase, swapped", [("in_marts", False), ("before_swap", False), ("after_swap", True)])
def test_sigkill_at_the_critical_moments(sources, live, phase, swapped):
    before = _sha256(live)
    previous_id = _assert_usable(live)
    proc = subprocess.run([sys.executable, "-c", DRIVER, phase, str(sources), str(live)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    if swapped:  # the rename is atomic: the new warehouse is complete
        assert _assert_usable(live) != previous_id
    else:
        assert _sha256(live) == before
        assert _assert_usable(live) == previous_id


def test_a_build_clears_temp_files_left_by_a_killed_build(sources, live):
    stale = live.with_name(f".{live.name}.20260101T000000-dead00.building")
    stale.write_bytes(b"\0" * 4096)
    stale.with_name(stale.name + ".wal").write_bytes(b"\0" * 16)
    build(sources, live)
    assert _leftovers(live) == []


# ------------------------------------------------------------------------------------------ full disk

@pytest.mark.parametrize("call", ["replace", "fsync"])
def test_a_full_disk_at_the_swap_leaves_the_previous_warehouse(sources, live, monkeypatch, call):
    before = _sha256(live)
    real = getattr(os, call)

    def full(*args, **kwargs):
        if call == "fsync" or str(args[1]) == str(live):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, call, full)
    with pytest.raises((OSError, BuildError)) as caught:
        build(sources, live)
    monkeypatch.undo()
    assert "No space left" in str(caught.value) or caught.value.__cause__ is not None
    assert _sha256(live) == before and _leftovers(live) == []
    _assert_usable(live)


def _tiny_disk():
    # The child may write files of at most 3 MB: DuckDB's writes of the new warehouse fail like on a full disk
    # (EFBIG instead of ENOSPC, the same error path). SIGXFSZ ignored so the write returns an error.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (3_000_000, 3_000_000))


@pytest.fixture(scope="module")
def full_disk_build(sources, baseline, tmp_path_factory):
    live = tmp_path_factory.mktemp("fulldisk") / "warehouse.duckdb"
    shutil.copyfile(baseline, live)
    before = _sha256(live)
    proc = _cli(sources, live, preexec_fn=_tiny_disk)
    out, err = proc.communicate(timeout=300)
    return live, before, proc.returncode, out + err


def test_a_full_disk_while_writing_leaves_the_previous_warehouse(full_disk_build, sources):
    live, before, returncode, _ = full_disk_build
    assert returncode != 0
    assert _sha256(live) == before and _leftovers(live) == []
    _assert_usable(live)


def test_a_full_disk_gives_one_clear_message(full_disk_build):
    _, _, returncode, output = full_disk_build
    assert returncode == 1 and "BUILD MISLUKT" in output and "Traceback" not in output


# ------------------------------------------------------------------------------------------ corrupt input

def _truncate_middle(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("victim", ["posts", "cbs"])
def test_an_input_corrupted_mid_file_stops_the_build_with_its_name(sources, live, tmp_path, victim):
    folder = tmp_path / "sources"
    shutil.copytree(sources.parent, folder)
    if victim == "posts":
        target = sorted((folder / "posts").rglob("feed_002.json"))[0]
    else:
        target = sorted((folder / "politie").rglob("TypedDataSet*.json"))[0]
    _truncate_middle(target)
    before = _sha256(live)
    with pytest.raises(BuildError) as caught:
        build(folder / "sources.toml", live)
    assert target.name in str(caught.value) and "\n" not in str(caught.value)
    assert _sha256(live) == before and _leftovers(live) == []
    _assert_usable(live)


# ------------------------------------------------------------------------------------------ concurrency

def test_the_dashboard_reads_without_errors_while_a_build_swaps_the_file(sources, live):
    """Reader threads run the dashboard's read-side queries through one shared wijkbeeld.db.Warehouse, as a
    Streamlit server does; meanwhile a build runs and swaps the file, and a second build is refused."""
    wh = Warehouse(live)
    stop = threading.Event()
    errors: list[str] = []
    tokens: set[str] = set()
    queries = 0
    lock = threading.Lock()

    def reader():
        nonlocal queries
        while not stop.is_set():
            try:
                token = wh.version().token
                months = q.q_months(wh, gemeente="GM9999")
                assert len(months) >= 12
                table = overview.q_overview(wh, gemeente="GM9999", period=q.Period(months[-12], months[-1]),
                                            min_population=200)
                assert len(table) == 9
                with lock:
                    tokens.add(token)
                    queries += 1
            except Exception as err:  # every error counts, whatever its type
                with lock:
                    errors.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    outcome: dict[str, object] = {}

    def first_build():
        try:
            outcome["report"] = build(sources, live)
        except BaseException as err:  # reported below
            outcome["error"] = err

    builder = threading.Thread(target=first_build)
    builder.start()
    while not _leftovers(live) and builder.is_alive():
        time.sleep(0.01)
    with pytest.raises(BuildLocked, match="er loopt al een build"):
        build(sources, live)  # the lock keeps a second build out while the first runs
    builder.join(timeout=300)
    time.sleep(0.5)  # let the readers move to the new file
    stop.set()
    for t in threads:
        t.join(timeout=60)
    wh.close()
    assert "error" not in outcome, outcome.get("error")
    assert errors == [], f"{len(errors)} reader errors in {queries} queries, first: {errors[:3]}"
    assert queries > 10 and len(tokens) >= 2, (queries, tokens)


def test_a_second_build_process_is_refused_while_the_lock_is_held(sources, live):
    before = _sha256(live)
    with build_lock(live):
        proc = _cli(sources, live)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "er loopt al een build" in err and "Traceback" not in err
    assert _sha256(live) == before and _leftovers(live) == []
