"""Benchmark of the Graph API feed reader: `python -m etl.readers.bench_posts [n]`.

Writes n synthetic Graph feed records into temporary response pages (PAGE_SIZE records each) and times
read_graph_pages over them. Parsing JSON is part of the measured time; writing the files is not. Two shapes:
'full' is like the recorded real response (reactions summary, seven per-type aliases, shares, comments summary,
from, attachments; ~1 KB per record), 'lean' asks only what the dashboard uses (id, message, created_time,
permalink_url, shares, reactions and comments summaries; ~0.35 KB). `json_only_s` is the time json.loads alone
needs for the same files, as a floor for any reader built on the standard library.
"""
from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from etl.readers.facebook_graph import REACTION_TYPES, gc_paused, read_graph_pages

PAGE_SIZE = 5_000
PAGE_ID = "104123456789012"


def _lean_record(i: int) -> dict:
    record = {
        "id": f"{PAGE_ID}_{10**15 + i}",
        "created_time": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}+0000",
        "message": f"Melding {i}: verdachte situatie bij de speeltuin in de Parkstraat, wie herkent dit? #buurtpreventie",
        "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{10**15 + i}/",
        "shares": {"count": i % 9},
        "reactions": {"data": [], "summary": {"total_count": i % 97}},
        "comments": {"data": [], "summary": {"total_count": i % 13}},
    }
    if i % 10 == 0:
        del record["message"]
    return record


def _record(i: int) -> dict:
    counts = {t: {"data": [], "summary": {"total_count": (i * (k + 3)) % 17}} for k, t in enumerate(REACTION_TYPES)}
    record = {
        "id": f"{PAGE_ID}_{10**15 + i}",
        "created_time": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}+0000",
        "message": f"Melding {i}: verdachte situatie bij de speeltuin in de Parkstraat, wie herkent dit? #buurtpreventie",
        "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{10**15 + i}/",
        "from": {"id": PAGE_ID, "name": "Buurtpreventie Noord"},
        "shares": {"count": i % 9},
        "reactions": {"data": [], "summary": {"total_count": i % 97, "viewer_reaction": "NONE"}},
        "comments": {"data": [], "summary": {"order": "chronological", "total_count": i % 13, "can_comment": True}},
        "attachments": {"data": [{"media_type": "photo", "type": "photo", "url": "https://www.facebook.com/photo/"}]},
        **counts,
    }
    if i % 10 == 0:
        del record["message"]  # photo-only posts
    return record


def write_pages(folder: Path, n: int, page_size: int = PAGE_SIZE, shape: str = "full") -> list[Path]:
    make = {"full": _record, "lean": _lean_record}[shape]
    paths = []
    for page, start in enumerate(range(0, n, page_size)):
        data = [make(i) for i in range(start, min(n, start + page_size))]
        doc = {"data": data, "paging": {"cursors": {"before": "b", "after": "a"}, "next": f"https://graph.facebook.com/v19.0/{PAGE_ID}/feed?after=a"}}
        path = folder / f"feed_p{page + 1:05d}.json"
        path.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        paths.append(path)
    return paths


def bench(n: int = 1_000_000, page_size: int = PAGE_SIZE, shape: str = "full", trace_memory: bool = False) -> dict:
    """Time reading n Graph records; peak memory from ru_maxrss (process-wide) and, if asked, tracemalloc
    (which slows the run down, so the timing is taken without it)."""
    with tempfile.TemporaryDirectory(prefix="wijkbeeld-bench-") as tmp:
        paths = write_pages(Path(tmp), n, page_size, shape)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        with gc_paused():
            start = time.perf_counter()
            for path in paths:
                json.loads(path.read_bytes())
            json_only = time.perf_counter() - start
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start, cpu_start = time.perf_counter(), time.process_time()
        result = read_graph_pages(paths)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rows = len(result.frame)
        traced_peak_mb = None
        if trace_memory:
            del result
            tracemalloc.start()
            read_graph_pages(paths)
            traced_peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
    return {
        "shape": shape,
        "records": n,
        "page_size": page_size,
        "rows": rows,
        "files": len(paths),
        "input_mb": round(size_mb, 1),
        "seconds": round(seconds, 2),
        "records_per_s": round(n / seconds),
        "cpu_seconds": round(cpu_seconds, 2),  # wall time suffers when the shared machine is busy; CPU time less so
        "records_per_cpu_s": round(n / cpu_seconds),
        "json_only_s": round(json_only, 2),
        "mb_per_s": round(size_mb / seconds, 1),
        "peak_rss_mb": round(rss_after / 1024, 1),  # Linux reports KiB
        "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "tracemalloc_peak_mb": None if traced_peak_mb is None else round(traced_peak_mb, 1),
    }


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]  # n, then optionally the page size
    shapes = [a for a in sys.argv[1:] if a in ("full", "lean")] or ["full"]
    for chosen in shapes:
        print(bench(numbers[0] if numbers else 1_000_000, numbers[1] if len(numbers) > 1 else PAGE_SIZE,
                    shape=chosen, trace_memory="--trace" in sys.argv))
