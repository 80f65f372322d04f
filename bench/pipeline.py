"""Posts pipeline benchmark: parse, redact, pseudonymise and load 1,000,000 Graph API records into DuckDB.

Runs in a child process so its peak memory (ru_maxrss) is its own. `python -m bench.pipeline [n]` prints JSON.
Target (issue: posts with privacy by design): 50,000 records/s or more on one core, peak memory under 1.5 GB.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(n: int, shape: str = "full") -> dict:
    import duckdb
    import pandas as pd

    from etl.readers.bench_posts import write_pages
    from etl.readers.facebook_graph import read_graph_pages
    from etl.text.pseudonym import DEMO_PSEUDONYM_KEY, pseudonymise
    from etl.text.redact import redact_series

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = write_pages(tmp, n, shape=shape)
        cpu0, t0 = time.process_time(), time.perf_counter()
        result = read_graph_pages(paths)
        frame = result.frame
        t_read = time.perf_counter()
        text = redact_series(frame["text"])
        t_redact = time.perf_counter()
        authors = pseudonymise(frame["author_ref"], DEMO_PSEUDONYM_KEY, platform="facebook")
        t_pseudo = time.perf_counter()
        stored = pd.DataFrame({"post_id": "facebook:" + frame["post_key"], "created_at": frame["created_at"],
                               "author_pseudonym": authors, "text_redacted": text, "reactions": frame["reactions"],
                               "comments": frame["comments"], "shares": frame["shares"]})
        con = duckdb.connect(str(tmp / "w.duckdb"))
        con.execute("""CREATE TABLE post (post_id VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ, author_pseudonym VARCHAR,
                       text_redacted VARCHAR, reactions BIGINT, comments BIGINT, shares BIGINT)""")
        con.register("stored", stored)
        con.execute("INSERT INTO post SELECT * FROM stored")
        con.execute("CHECKPOINT")
        con.close()
        t_load = time.perf_counter()
        cpu = time.process_time() - cpu0
    total = t_load - t0
    return {
        "shape": shape,
        "records": len(frame),
        "seconds": round(total, 2),
        "records_per_s": round(len(frame) / total),
        "records_per_cpu_s": round(len(frame) / cpu),
        "read_s": round(t_read - t0, 2), "redact_s": round(t_redact - t_read, 2),
        "pseudonymise_s": round(t_pseudo - t_redact, 2), "load_s": round(t_load - t_pseudo, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def bench(n: int = 1_000_000) -> dict:
    """Run the pipeline in a child process (one core: no worker pools are used on this path), for the full
    record shape of the recorded real response (~1 KB) and for the lean field set the dashboard asks for."""
    results = {}
    for shape in ("full", "lean"):
        out = subprocess.run([sys.executable, "-m", "bench.pipeline", str(n), shape], cwd=ROOT, capture_output=True,
                             text=True, env={**os.environ}, check=True)
        results[shape] = json.loads(out.stdout.strip().splitlines()[-1])
    return results


if __name__ == "__main__":
    print(json.dumps(_run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
                          sys.argv[2] if len(sys.argv) > 2 else "full")))
