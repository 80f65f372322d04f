"""Facebook Graph API responses: page feed / posts edge and comments edge, one JSON file per response page.

A feed page looks like ``{"data": [post, ...], "paging": {...}}``. Each post has ``id`` ('{pageid}_{postid}'),
``message``, ``created_time`` ('2024-05-01T10:00:00+0000'), optional ``from {id, name}``, ``permalink_url``,
``shares.count``, ``reactions.summary.total_count``, per-type reaction counts requested as aliases (``like``,
``reactions_like``, ...), ``comments.summary.total_count``, ``attachments`` and possibly embedded comments
(``comments.data[]``) with embedded replies (``comments.data[].comments.data[]``).

A comments edge page has the same envelope plus ``summary``; its records are comments (and, with
``filter=stream``, replies). Comments often come without ``id`` and without ``from`` (Meta withholds commenter
identity); their ``permalink_url`` (``...posts/{post}/?comment_id=C&reply_comment_id=R``) still tells which post and
comment they belong to, and when even that is missing the key is a hash of (parent key, created_time, message).

This module also holds the small helpers the other post readers share (file loading, keys, counts, time).
Speed matters: the demo feed and real page archives run to millions of records, so columns are built with list
comprehensions over the parsed JSON and the DataFrame is built once.
"""
from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.readers.base import POST_COLUMNS, ReadResult, Reject, SourceError, conform_posts, empty_posts
from wijkbeeld.settings import get_settings

PLATFORM = "facebook"
REACTION_TYPES = ("like", "love", "haha", "wow", "sad", "angry", "care")
REACTION_COLUMNS = tuple(f"reactions_{t}" for t in REACTION_TYPES)
GRAPH_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_GRAPH_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000").fullmatch
# Facebook opened on 2004-02-04: an earlier created_time is a broken value (often epoch 0), not an old post.
EARLIEST_FACEBOOK = pd.Timestamp("2004-02-04", tz="UTC")
# Larger numbers are not counts (and lose precision as floats); they are rejected like fractions.
MAX_COUNT = 10**15
# A post cannot be newer than the export that holds it; a day of slack covers time-zone mix-ups.
EXPORT_SLACK = pd.Timedelta(days=1)
# Timestamps outside this window are broken values (and would overflow the nanosecond columns).
PLAUSIBLE_FROM = pd.Timestamp("1900-01-01", tz="UTC")
PLAUSIBLE_UNTIL = pd.Timestamp("2200-01-01", tz="UTC")
# read_graph_pages builds one frame per this many records (whole pages): few enough pandas calls per record
# for 100-record Graph pages, and the parsed Python strings of one batch at a time in memory.
FRAME_BATCH_RECORDS = 50_000
# Graph edges whose records are posts; anything ending in /comments holds comments.
_FEED_EDGES = ("feed", "posts", "published_posts", "tagged", "visitor_posts", "ratings")


# --------------------------------------------------------------------------------------------------------------
# Shared helpers (also used by the other post readers)
# --------------------------------------------------------------------------------------------------------------

def load_bytes(path: Path) -> bytes:
    """The file's bytes; SourceError when it is missing, a folder or empty."""
    if not path.exists():
        raise SourceError(path, "file not found")
    if not path.is_file():
        raise SourceError(path, "not a file")
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceError(path, "file is empty")
    return raw


def resolve_exported_at(path: Path, exported_at: object = None) -> pd.Timestamp:
    """When the export was made: the given value (naive = UTC) or else the file's modification time (UTC)."""
    if exported_at is None:
        return pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC")
    stamp = pd.Timestamp(exported_at)
    if pd.isna(stamp):
        raise SourceError(path, f"exported_at is not a time: {exported_at!r}")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while parsing: json.loads creates millions of small containers and
    each collector pass rescans them all (halves the parse time); nothing parsed here forms reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def max_record_bytes() -> int:
    return get_settings().max_record_bytes


def stable_hash(*parts: object) -> str:
    """Short, run-independent content key ('h' + 20 hex chars); None and '' differ."""
    joined = "\x1f".join("\x00" if p is None else str(p) for p in parts)
    return "h" + hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def content_keys(columns: Sequence[Sequence[object]]) -> list[str]:
    """One hash key per row of `columns` (parallel lists), with an occurrence index so identical rows differ."""
    rows = list(zip(*columns)) if columns else []
    seen: Counter = Counter()
    keys = []
    for row in rows:
        row = tuple(v if v is None or v.__class__ is str else repr(v) for v in row)
        occurrence = seen[row]
        seen[row] += 1
        keys.append(stable_hash(*row, occurrence))
    return keys


def text_too_long(texts: Sequence[object], limit: int) -> np.ndarray:
    """Mask of texts whose UTF-8 size exceeds `limit` bytes (cheap: only long strings are encoded)."""
    quarter = limit // 4
    return np.fromiter(
        (t.__class__ is str and len(t) > quarter and len(t.encode("utf-8", "surrogatepass")) > limit for t in texts),
        dtype=bool,
        count=len(texts),
    )


def int_counts(values: Sequence[object]) -> tuple[pd.arrays.IntegerArray, np.ndarray, np.ndarray]:
    """Counts as Int64 (None stays NA) plus masks of values that are not whole numbers (or beyond MAX_COUNT)
    and of values that are negative."""
    n = len(values)
    if values.count(None) == n:  # the field is absent from the whole file
        return pd.arrays.IntegerArray(np.zeros(n, dtype="int64"), np.ones(n, dtype=bool)), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    try:
        floats = np.array(values, dtype=float)
        bad = ~np.isnan(floats) & ((floats != np.floor(floats)) | ~np.isfinite(floats))
    except (TypeError, ValueError, OverflowError):
        floats = np.full(n, np.nan)
        bad = np.zeros(n, dtype=bool)
        for i, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                bad[i] = True
                continue
            try:
                f = float(v)
            except (ValueError, OverflowError):
                bad[i] = True
                continue
            if np.isfinite(f) and f == np.floor(f):
                floats[i] = f
            else:
                bad[i] = True
    bad |= ~np.isnan(floats) & (np.abs(floats) > MAX_COUNT)  # would not survive int64 (and is no real count)
    missing = np.isnan(floats) | bad
    negative = ~missing & (floats < 0)
    whole = np.where(missing, 0, floats).astype("int64")
    return pd.arrays.IntegerArray(whole, missing.copy()), bad, negative


def utc_times(values: Sequence[object], fmt: str = GRAPH_TIME_FORMAT) -> pd.DatetimeIndex:
    """Parse timestamps to UTC: first with `fmt`, then ISO 8601, then unix seconds; failures become NaT."""
    if fmt == GRAPH_TIME_FORMAT and values and all(v.__class__ is str and _GRAPH_UTC(v) for v in values):
        try:  # the Graph API's own layout, always UTC: numpy parses it without pandas' per-call overhead
            seconds = np.array([v[:19] for v in values], dtype="datetime64[s]")
        except ValueError:
            pass
        else:
            return plausible(pd.DatetimeIndex(seconds.astype("datetime64[ns]")))
    strings = [v if v.__class__ is str else None for v in values]
    parsed = pd.to_datetime(strings, format=fmt, utc=True, errors="coerce")
    retry = np.flatnonzero(np.asarray(parsed.isna()) & np.fromiter((v is not None for v in values), bool, len(values)))
    if retry.size == 0:
        return plausible(parsed)
    fixed = pd.Series(plausible(parsed))
    for i in retry:
        value = values[i]
        try:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                stamp = pd.Timestamp(value, unit="s", tz="UTC")
            elif isinstance(value, str):
                stamp = pd.to_datetime(value, format="ISO8601", utc=True)
            else:
                continue
        except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
            continue
        if not pd.isna(stamp) and PLAUSIBLE_FROM <= stamp < PLAUSIBLE_UNTIL:
            fixed.iloc[i] = stamp
    return pd.DatetimeIndex(fixed)


def plausible(times: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """`times` as datetime64[ns, UTC], with NaT for anything before 1900 or from 2200 on."""
    times = pd.DatetimeIndex(times)
    times = times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")
    return times.where((times >= PLAUSIBLE_FROM) & (times < PLAUSIBLE_UNTIL)).as_unit("ns")


def _arrow_strings(values: Sequence[object]) -> pa.Array:
    try:
        return pa.array(values, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([v if v.__class__ is str else None for v in values], type=pa.large_string())


def strings(values: Sequence[object]) -> pd.api.extensions.ExtensionArray:
    """A list of str/None as a pandas "string" array, built through Arrow (twice as fast as pd.array on a list);
    anything that is not text becomes NULL."""
    return pd.array(_arrow_strings(values), dtype="string")


def text_column(values: Sequence[object], limit: int) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """strings(values) plus the mask of entries whose UTF-8 size exceeds `limit` bytes (Arrow counts bytes)."""
    arrow = _arrow_strings(values)
    too_long = pc.fill_null(pc.greater(pc.binary_length(arrow), limit), False).to_numpy(zero_copy_only=False)
    return pd.array(arrow, dtype="string"), too_long


def constant_strings(value: str | None, n: int) -> pd.api.extensions.ExtensionArray:
    """`value` repeated n times as a "string" array (one Arrow take, no list of n Python references)."""
    return pd.array(pa.array([value], type=pa.large_string()).take(pa.array(np.zeros(n, dtype=np.int32))), dtype="string")


def is_none(values: Sequence[object]) -> np.ndarray:
    """Mask of the None entries of a list."""
    return np.fromiter((v is None for v in values), dtype=bool, count=len(values))


def constant_times(stamp: pd.Timestamp, n: int) -> pd.DatetimeIndex:
    """`stamp` repeated n times as datetime64[ns, UTC] (without building n Timestamp objects)."""
    return pd.DatetimeIndex(np.full(n, stamp.tz_convert("UTC").tz_localize(None).as_unit("ns").to_datetime64())).tz_localize("UTC")


def after_export(created: pd.DatetimeIndex, exported: pd.Timestamp | pd.DatetimeIndex) -> np.ndarray:
    """Mask of times later than the export (one time, or one per row) plus EXPORT_SLACK."""
    created = pd.DatetimeIndex(created)
    return np.asarray(created > exported + EXPORT_SLACK) & ~np.asarray(created.isna())


def first_reason(masks: Iterable[tuple[np.ndarray, str]], n: int) -> list[str | None]:
    """For each row the first reason whose mask is set, else None."""
    reasons: list[str | None] = [None] * n
    for mask, reason in masks:
        for i in np.flatnonzero(mask):
            if reasons[i] is None:
                reasons[i] = reason
    return reasons


def finish(
    path: Path,
    columns: dict[str, object],
    reasons: Sequence[str | None],
    raws: Sequence[object],
    locators: Sequence[str],
    records_read: int,
    notes: list[str],
    rejects: list[Reject] | None = None,
    sources: Sequence[Path] | None = None,
) -> ReadResult:
    """Build the frame once, drop rejected rows (with a Reject each) and conform it to POST_COLUMNS.
    `sources` gives the file of every row when the rows come from several files (default: `path`)."""
    rejects = list(rejects or [])
    bad = np.fromiter((r is not None for r in reasons), dtype=bool, count=len(reasons))
    for i in np.flatnonzero(bad):
        source = path if sources is None else sources[i]
        rejects.append(Reject.of(source, locators[i], reasons[i], _excerpt(raws[i])))
    # Extra columns given as plain lists are text (a list of str/None would otherwise become object dtype).
    typed = {k: strings(v) if isinstance(v, list) and k not in POST_COLUMNS else v for k, v in columns.items()}
    frame = pd.DataFrame(typed, copy=False)
    if bad.any():
        frame = frame.loc[~bad].reset_index(drop=True)
    if not len(frame.columns):
        frame = empty_posts()
    elif not _conformed(frame):  # conform_posts copies every column: skip it when nothing would change
        frame = conform_posts(frame)
    return ReadResult(frame=frame, rejects=rejects, notes=notes, records_read=records_read)


_POST_DTYPES = {c: pd.Series(dtype=t).dtype for c, t in POST_COLUMNS.items()}


def _conformed(frame: pd.DataFrame) -> bool:
    width = len(POST_COLUMNS)
    return (list(frame.columns[:width]) == list(POST_COLUMNS)
            and frame.dtypes.iloc[:width].tolist() == list(_POST_DTYPES.values()))


def _excerpt(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw[:2000]
    if isinstance(raw, list) and all(isinstance(v, str) for v in raw):  # a CSV row: re-quote it
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([v[:2000] for v in raw[:200]])
        return buffer.getvalue()[:2000]
    try:
        return json.dumps(raw, ensure_ascii=False, default=str)[:2000]
    except (TypeError, ValueError, RecursionError):
        return repr(raw)[:2000]


# --------------------------------------------------------------------------------------------------------------
# Graph API reader
# --------------------------------------------------------------------------------------------------------------

def read_graph_feed(path: Path | str, *, page_ref: str | None = None, exported_at: object = None) -> ReadResult:
    """One Graph API response page (page feed/posts or comments edge) as posts, comments and replies.

    Counts: `reactions` = reactions.summary.total_count (comments: like_count when no reactions node),
    `comments` = comments.summary.total_count (comments: comment_count = number of replies), `shares` =
    shares.count. Graph leaves `shares` out of posts nobody shared, so when the response shows shares were
    requested (the paging URL's `fields`, or any post in the file carries `shares`) a post without it gets 0;
    otherwise it stays NULL. Per-type reactions go to the extra columns reactions_<type>; further extra
    columns: media_type (first attachment), source_file.

    page_ref: overrides the page of every row (default: the page id prefix of the post id; for comments the
    page of their post). exported_at: when the response was fetched (default: the file's mtime, UTC; a naive
    value is taken as UTC). kind is 'post', 'comment' or 'reply'; embedded comments and replies follow the
    top-level records. A record-level problem (bad date, negative count, ...) becomes a Reject with a
    locator such as 'data[3]' or 'data[0].comments.data[2]'; a file-level one raises SourceError.
    """
    return read_graph_pages([Path(path)], page_ref=page_ref, exported_at=exported_at)


def read_graph_pages(paths: list[Path], *, page_ref: str | None = None, exported_at: object = None) -> ReadResult:
    """Several response pages of one feed (or comments edge), read into one frame. A post_key seen more than
    once is kept once: the copy from the latest export wins (its counts are newer), on ties the later one in
    `paths` order. Each page is parsed into plain lists and all vectorised work (times, counts, checks, the
    DataFrame) happens per batch of pages (FRAME_BATCH_RECORDS records): Graph pages hold at most 100
    records, so per-page pandas work would dominate."""
    if not paths:
        raise SourceError("<no files>", "read_graph_pages needs at least one file")
    chunks: list[ReadResult] = []
    notes: Counter = Counter()
    with gc_paused():
        batch: list[_GraphPage] = []
        batch_records = 0
        for position, path in enumerate(paths):
            page = _parse_page(Path(path), exported_at)
            notes.update(page.notes)
            batch.append(page)
            batch_records += len(page.locators)
            if batch_records >= FRAME_BATCH_RECORDS or position == len(paths) - 1:
                chunks.append(_graph_frame(batch, page_ref))
                batch, batch_records = [], 0
    frames = [c.frame for c in chunks]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    result = ReadResult(
        frame=frame,
        rejects=[r for c in chunks for r in c.rejects],
        notes=[f"{note} (x{count})" if count > 1 else note for note, count in notes.items()],
        records_read=sum(c.records_read for c in chunks),
    )
    result.frame = _keep_newest_per_key(result.frame, result.notes)
    return result


# Fields a parsed page keeps until the frame is built (the parsed JSON itself is let go page by page).
_KEPT = ("message", "created_time", "permalink_url", "shares", "reactions", "comments", *REACTION_TYPES,
         "media_type", "author_ref", "author_name")


@dataclass
class _GraphPage:
    """One response page as plain lists, one entry per record (posts first, then embedded comments)."""
    path: Path
    exported: pd.Timestamp
    locators: list
    kinds: list
    parents: list
    pages: list
    keys: list
    fields: dict
    rejects: list
    records_read: int
    notes: list


def _parse_page(path: Path, exported_at: object) -> _GraphPage:
    """Parse one response page and resolve keys, parents and pages; keep only the fields the frame needs."""
    raw = load_bytes(path)
    doc = _load_json(path, raw)
    del raw
    records, is_comments_edge, edge_object, requested, notes = _envelope(path, doc)
    exported = resolve_exported_at(path, exported_at)
    recs, locators, kinds, parents, pages, rejects, records_read, f = _flatten(path, records, is_comments_edge)
    n = len(recs)
    f["id"] = [x if x.__class__ is str and x else _as_id(x) for x in f["id"]]
    f["permalink_url"] = [p if p.__class__ is str else None for p in f["permalink_url"]]
    if kinds and kinds[-1] != "post":  # comments: like_count / comment_count when there is no summary node
        f["reactions"] = [v if v is not None else fb for v, fb in zip(f["reactions"], f["like_count"])]
        f["comments"] = [v if v is not None else fb for v, fb in zip(f["comments"], f["comment_count"])]
    if "shares" in requested or any(x is not None for x in f["shares"]):
        f["shares"] = [v if v is not None else 0 if k == "post" else None for v, k in zip(f["shares"], kinds)]

    # Keys, parents and pages: explicit ids win, comments fall back to their permalink, then to a content hash.
    keys = list(f["id"])
    for i in range(n):
        if kinds[i] != "post" and (keys[i] is None or parents[i] is None or pages[i] is None):
            keys[i], parents[i], kinds[i], pages[i] = _comment_identity(
                recs[i], keys[i], parents[i], kinds[i], pages[i], f["permalink_url"][i], edge_object
            )
    missing_key = [i for i in range(n) if keys[i] is None]
    if missing_key:
        derived = content_keys([
            [parents[i] if parents[i] is not None else pages[i] for i in missing_key],
            [f["created_time"][i] for i in missing_key],
            [f["message"][i] for i in missing_key],
        ])
        for i, key in zip(missing_key, derived):
            keys[i] = key
        notes.append(f"{len(missing_key)} records without id: key derived from (parent, created_time, message)")
    pages = [p if p is not None else (k.partition("_")[0] or None) if kind == "post" and "_" in k else None
             for p, k, kind in zip(pages, keys, kinds)]
    froms = f["from"]
    if any(x is not None for x in froms):
        author_ids = [_as_id(x.get("id")) if x.__class__ is dict else None for x in froms]
        names = [x.get("name") if x.__class__ is dict else None for x in froms]
        f["author_name"] = [a if a.__class__ is str else None for a in names]
        f["author_ref"] = [a if a is not None else nm for a, nm in zip(author_ids, f["author_name"])]
    else:
        f["author_ref"] = f["author_name"] = [None] * n
    kept = {name: f[name] for name in _KEPT}
    return _GraphPage(path, exported, locators, kinds, parents, pages, keys, kept, rejects, records_read, notes)


def _graph_frame(parts: list[_GraphPage], page_ref: str | None) -> ReadResult:
    limit = max_record_bytes()

    def joined(get) -> list:
        if len(parts) == 1:
            return get(parts[0])
        return list(chain.from_iterable(get(p) for p in parts))

    locators = joined(lambda p: p.locators)
    n = len(locators)
    kinds = joined(lambda p: p.kinds)
    keys = joined(lambda p: p.keys)
    f = {name: joined(lambda p, name=name: p.fields[name]) for name in _KEPT}
    pages = [page_ref] * n if page_ref is not None else joined(lambda p: p.pages)
    sizes = [len(p.locators) for p in parts]
    file_index = np.repeat(np.arange(len(parts)), sizes)
    sources = [parts[i].path for i in file_index] if len(parts) > 1 else None

    created_raw = f["created_time"]
    created = utc_times(created_raw)
    counts = {"reactions": int_counts(f["reactions"]), "comments": int_counts(f["comments"]),
              "shares": int_counts(f["shares"])}
    counts.update({f"reactions_{t}": int_counts(f[t]) for t in REACTION_TYPES})
    count_checks = [(bad, f"telling {name} is geen geheel getal") for name, (_, bad, _) in counts.items()]
    count_checks += [(negative, f"telling {name} is negatief") for name, (_, _, negative) in counts.items()]
    texts, text_too_big = text_column(f["message"], limit)
    created_missing = is_none(created_raw)
    created_bad = np.asarray(created.isna()) & ~created_missing
    too_early = np.asarray(created < EARLIEST_FACEBOOK) & ~np.asarray(created.isna())
    exported = np.array([p.exported.tz_convert("UTC").tz_localize(None).as_unit("ns").to_datetime64() for p in parts])
    exported_at = pd.DatetimeIndex(exported[file_index]).tz_localize("UTC")
    message_bad = ~is_none(f["message"]) & np.asarray(texts.isna())
    reasons = first_reason(
        [
            (created_missing, "created_time ontbreekt"),
            (created_bad, "created_time is geen geldige tijd"),
            (too_early, "created_time ligt voor 2004-02-04 (vóór Facebook bestond)"),
            (after_export(created, exported_at), "created_time ligt na het moment van exporteren"),
            (message_bad, "message is geen tekst"),
            (text_too_big, f"message groter dan {limit} bytes"),
            *count_checks,
        ],
        n,
    )
    names = pa.array([p.path.name for p in parts], type=pa.large_string())
    columns: dict[str, object] = {
        "platform": constant_strings(PLATFORM, n),
        "post_key": strings(keys),
        "parent_key": strings(joined(lambda p: p.parents)),
        "page_ref": strings(pages),
        "kind": strings(kinds),
        "created_at": created,
        "author_ref": strings(f["author_ref"]),
        "author_name": strings(f["author_name"]),
        "text": texts,
        "permalink": strings(f["permalink_url"]),
        "reactions": counts["reactions"][0],
        "comments": counts["comments"][0],
        "shares": counts["shares"][0],
        "exported_at": exported_at,
        "source_record": strings(locators),
    }
    for t in REACTION_TYPES:
        columns[f"reactions_{t}"] = counts[f"reactions_{t}"][0]
    columns["media_type"] = strings(f["media_type"])
    columns["source_file"] = pd.array(names.take(pa.array(file_index.astype(np.int32))), dtype="string")

    raws = _RecordExcerpts(keys, f)
    return finish(parts[0].path, columns, reasons, raws, locators, sum(p.records_read for p in parts), [],
                  [r for p in parts for r in p.rejects], sources)


def _load_json(path: Path, raw: bytes) -> object:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16")
    elif len(raw) >= 2 and (raw[0] == 0) != (raw[1] == 0):  # UTF-16 without BOM (RFC 4627 section 3)
        try:
            text = raw.decode("utf-16-be" if raw[0] == 0 else "utf-16-le")
        except UnicodeDecodeError as err:
            raise SourceError(path, f"not valid UTF-16 JSON (invalid bytes at offset {err.start})") from None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise SourceError(path, f"not UTF-8 JSON (invalid byte at offset {err.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        hint = " (file looks truncated)" if err.pos >= len(text.rstrip()) - 1 else ""
        raise SourceError(path, f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}{hint}") from None
    except RecursionError:
        raise SourceError(path, "JSON nested too deeply") from None


def _envelope(path: Path, doc: object) -> tuple[list, bool, str | None, set[str], list[str]]:
    """The record list of a response, whether it is a comments edge, the edge's object id, the top-level
    fields named in the paging URL's `fields` parameter, and notes."""
    notes: list[str] = []
    if isinstance(doc, list):  # some tools save only the data array
        return doc, _looks_like_comments(doc, None, False), None, set(), ["file holds a bare list of records"]
    if not isinstance(doc, dict):
        raise SourceError(path, f"expected a Graph API response object, found JSON {type(doc).__name__}")
    if "error" in doc and "data" not in doc:
        error = doc["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise SourceError(path, f"file holds a Graph API error response, not data: {message}")
    if "data" not in doc:
        if "id" in doc and "created_time" in doc:  # a single object (GET /{post-id})
            return [doc], False, None, set(), ["file holds a single Graph object"]
        raise SourceError(path, "no 'data' list: not a Graph API feed or comments response")
    data = doc["data"]
    if not isinstance(data, list):
        raise SourceError(path, f"'data' is a JSON {type(data).__name__}, expected a list")
    paging = doc.get("paging") if isinstance(doc.get("paging"), dict) else {}
    edge_object, edge_name, requested = None, None, set()
    for link in (paging.get("next"), paging.get("previous")):
        if isinstance(link, str):
            parts = urlsplit(link)
            segments = [s for s in parts.path.split("/") if s]
            fields = parse_qs(parts.query).get("fields", [""])[0]
            requested = {_top_level_field(f) for f in _split_fields(fields)}
            if len(segments) >= 2:
                edge_object, edge_name = segments[-2], segments[-1]
                break
    if paging.get("next"):
        notes.append("response has a next page (this file is one page of the feed)")
    if not data:
        notes.append("response holds no records")
    is_comments = _looks_like_comments(data, edge_name, "summary" in doc)
    return data, is_comments, edge_object if is_comments else None, requested, notes


def _split_fields(fields: str) -> list[str]:
    """Split a Graph `fields` value on top-level commas (nested `{...}` and `(...)` stay whole)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(fields):
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(fields[start:i])
            start = i + 1
    parts.append(fields[start:])
    return [p for p in parts if p]


def _top_level_field(field: str) -> str:
    """'reactions.type(LIKE).summary(total_count).as(like)' -> 'like'; 'shares' -> 'shares'."""
    alias = field.rsplit(".as(", 1)
    if len(alias) == 2:
        return alias[1].rstrip(")")
    return field.split(".", 1)[0].split("{", 1)[0]


def _looks_like_comments(data: list, edge_name: str | None, has_summary: bool) -> bool:
    if edge_name in ("comments", "replies"):
        return True
    if edge_name in _FEED_EDGES:
        return False
    sample = [r for r in data[:50] if isinstance(r, dict)]
    post_signs = ("shares", "status_type", "attachments", "reactions", "full_picture", "story")
    if any(any(k in r for k in post_signs) for r in sample):
        return False
    comment_signs = ("comment_count", "like_count", "parent", "can_remove", "user_likes")
    if any(any(k in r for k in comment_signs) for r in sample):
        return True
    if any("comment_id=" in str(r.get("permalink_url", "")) for r in sample):
        return True
    return has_summary


_E: dict = {}
_ONE: list = [_E]
_FIELDS = ("id", "message", "created_time", "from", "permalink_url", "shares", "reactions", "comments",
           *REACTION_TYPES, "media_type", "comment_data", "like_count", "comment_count")


def _fields_fast(recs: list[dict]) -> dict[str, list] | None:
    """All wanted fields of well-formed records, touching each record as few times as possible (the records
    are scattered over memory, so every extra pass is a pass of cache misses). Optional fields absent from
    the whole file cost nothing. None when some record has an unexpected shape: the caller then takes the
    careful path."""
    E, ONE = _E, _ONE
    n = len(recs)
    present = set().union(*map(dict.keys, recs)) if recs else set()
    try:
        core = [
            (
                r.get("id"), r.get("message"), r.get("created_time"), r.get("permalink_url"),
                (r.get("shares") or E).get("count"),
                (r.get("reactions") or E).get("summary", E).get("total_count"),
                (c := r.get("comments") or E).get("summary", E).get("total_count"),
                c.get("data"),
            )
            for r in recs
        ]
        out = dict(zip(("id", "message", "created_time", "permalink_url", "shares", "reactions", "comments",
                        "comment_data"), map(list, zip(*core)))) if core else {}
        aliased = [t for t in REACTION_TYPES if f"reactions_{t}" in present]
        if aliased:  # 'reactions_like' style aliases: one pass per type, either spelling
            for t in REACTION_TYPES:
                if t in present or t in aliased:
                    alias = f"reactions_{t}"
                    out[t] = [(r.get(t) or r.get(alias) or E).get("summary", E).get("total_count") for r in recs]
        elif any(t in present for t in REACTION_TYPES):  # the usual 'like', 'love', ... aliases: one pass
            per_type = [
                (
                    (r.get("like") or E).get("summary", E).get("total_count"),
                    (r.get("love") or E).get("summary", E).get("total_count"),
                    (r.get("haha") or E).get("summary", E).get("total_count"),
                    (r.get("wow") or E).get("summary", E).get("total_count"),
                    (r.get("sad") or E).get("summary", E).get("total_count"),
                    (r.get("angry") or E).get("summary", E).get("total_count"),
                    (r.get("care") or E).get("summary", E).get("total_count"),
                )
                for r in recs
            ]
            out.update(zip(REACTION_TYPES, map(list, zip(*per_type))))
        if "attachments" in present:
            out["media_type"] = [
                (a := ((r.get("attachments") or E).get("data") or ONE)[0]).get("media_type") or a.get("type")
                for r in recs
            ]
        for name in ("from", "like_count", "comment_count"):
            if name in present:
                out[name] = [r.get(name) for r in recs]
    except (AttributeError, TypeError, KeyError, IndexError):
        return None
    nothing = [None] * n
    return {name: out.get(name, nothing) for name in _FIELDS}


def _fields_careful(recs: list[dict]) -> dict[str, list]:
    """Same fields as _fields_fast, for records of any shape: anything unexpected becomes None."""
    out = {
        "id": [r.get("id") for r in recs],
        "message": [r.get("message") for r in recs],
        "created_time": [r.get("created_time") for r in recs],
        "from": [r.get("from") for r in recs],
        "permalink_url": [r.get("permalink_url") for r in recs],
        "shares": [_shares(r.get("shares")) for r in recs],
        "reactions": [_total(r.get("reactions")) for r in recs],
        "comments": [_total(r.get("comments")) for r in recs],
    }
    for t in REACTION_TYPES:
        out[t] = [_total(r.get(t) or r.get(f"reactions_{t}")) for r in recs]
    out["media_type"] = [_media_type(r.get("attachments")) for r in recs]
    out["comment_data"] = [c.get("data") if (c := r.get("comments")).__class__ is dict else None for r in recs]
    out["like_count"] = [r.get("like_count") for r in recs]
    out["comment_count"] = [r.get("comment_count") for r in recs]
    return out


def _fields(recs: list[dict]) -> dict[str, list]:
    return _fields_fast(recs) or _fields_careful(recs)


def _flatten(path: Path, records: list, is_comments_edge: bool):
    """Records, locators, kinds, parent keys, page refs, rejects, records seen and the extracted fields.
    Top-level records come first, in file order; embedded comments and replies follow them."""
    top_kind = "comment" if is_comments_edge else "post"
    rejects: list[Reject] = []
    if all(r.__class__ is dict for r in records):
        recs = records
        locators = [f"data[{i}]" for i in range(len(records))]
    else:
        recs, locators = [], []
        for i, rec in enumerate(records):
            if rec.__class__ is dict:
                recs.append(rec)
                locators.append(f"data[{i}]")
            else:
                rejects.append(Reject.of(path, f"data[{i}]", "record is geen JSON-object", _excerpt(rec)))
    fields = _fields(recs)
    n = len(recs)
    kinds, parents, pages = [top_kind] * n, [None] * n, [None] * n
    records_read = len(records)
    nested = [i for i, data in enumerate(fields["comment_data"]) if data]
    if not nested:
        return recs, locators, kinds, parents, pages, rejects, records_read, fields
    # Embedded comments and replies are few: walk them one parent at a time.
    children: list[tuple] = []
    for i in nested:
        rec = recs[i]
        parent_key = _as_id(rec.get("id")) or stable_hash(locators[i], rec.get("created_time"), rec.get("message"))
        page = _page_of(parent_key) if top_kind == "post" else None
        child_kind = "comment" if top_kind == "post" else "reply"
        records_read += _walk_children(path, rec, locators[i], child_kind, parent_key, page, children, rejects)
    if not children:
        return recs, locators, kinds, parents, pages, rejects, records_read, fields
    child_recs = [c[0] for c in children]
    child_fields = _fields(child_recs)
    for name in _FIELDS:
        fields[name] = fields[name] + child_fields[name]
    return (
        recs + child_recs,
        locators + [c[1] for c in children],
        kinds + [c[2] for c in children],
        parents + [c[3] for c in children],
        pages + [c[4] for c in children],
        rejects,
        records_read,
        fields,
    )


def _walk_children(path, rec, locator, kind, parent_key, page, out, rejects) -> int:
    children = rec["comments"]["data"]
    if not isinstance(children, list):
        rejects.append(Reject.of(path, f"{locator}.comments", "comments.data is geen lijst", _excerpt(children)))
        return 1
    seen: dict | None = None  # occurrence counts for id-less children, made only when one turns up
    count = 0
    for j, child in enumerate(children):
        count += 1
        child_locator = f"{locator}.comments.data[{j}]"
        if child.__class__ is not dict:
            rejects.append(Reject.of(path, child_locator, "record is geen JSON-object", _excerpt(child)))
            continue
        key = _as_id(child.get("id"))
        if key is None:
            content = tuple(v if v is None or v.__class__ is str else repr(v)
                            for v in (parent_key, child.get("created_time"), child.get("message")))
            seen = {} if seen is None else seen
            key = stable_hash(*content, seen.get(content, 0))
            seen[content] = seen.get(content, 0) + 1
            child = {**child, "id": key}
        out.append((child, child_locator, kind, parent_key, page))
        grand = child.get("comments")
        if kind == "comment" and grand.__class__ is dict and grand.get("data"):
            count += _walk_children(path, child, child_locator, "reply", key, page, out, rejects)
    return count


def _comment_identity(rec, key, parent, kind, page, permalink, edge_object):
    """Fill key/parent/kind/page of a comments-edge record from its `parent` field and permalink."""
    parent_field = rec.get("parent")
    if parent_field.__class__ is dict and _as_id(parent_field.get("id")):
        parent, kind = _as_id(parent_field.get("id")), "reply"
    if permalink:
        parts = urlsplit(permalink)
        query = parse_qs(parts.query)
        segments = [s for s in parts.path.split("/") if s]
        post_id = page_id = None
        if "posts" in segments and segments.index("posts") + 1 < len(segments):
            at = segments.index("posts")
            post_id, page_id = segments[at + 1], segments[at - 1] if at > 0 else None
        elif "story_fbid" in query:
            post_id, page_id = query["story_fbid"][0], query.get("id", [None])[0]
        if page_id is not None and not page_id.isdigit():
            page_id = None  # a page username is not the page id
        comment_id = query.get("comment_id", [None])[0]
        reply_id = query.get("reply_comment_id", [None])[0]
        if post_id and comment_id:
            post_key = f"{page_id}_{post_id}" if page_id else edge_object
            if reply_id:
                key = key or f"{post_id}_{reply_id}"
                parent = parent or f"{post_id}_{comment_id}"
                kind = "reply"
            else:
                key = key or f"{post_id}_{comment_id}"
                parent = parent or post_key
        if page is None and page_id:
            page = page_id
    if parent is None:
        parent = edge_object
    if page is None and edge_object and "_" in edge_object and kind == "comment" and parent == edge_object:
        page = _page_of(edge_object)
    return key, parent, kind, page


class _RecordExcerpts:
    """The raw excerpt of record i, rebuilt from the kept fields only when a record is rejected."""

    def __init__(self, keys: list, fields: dict):
        self.keys, self.fields = keys, fields

    def __getitem__(self, i: int) -> dict:
        values = {"id": self.keys[i], **{name: values[i] for name, values in self.fields.items()}}
        return {k: v for k, v in values.items() if v is not None}


def _keep_newest_per_key(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """One row per post_key: the one from the latest export, on ties the last one read."""
    if frame["post_key"].is_unique:
        return frame
    order = np.lexsort((np.arange(len(frame)), frame["exported_at"].to_numpy()))
    newest = frame.iloc[order]
    keep = ~newest["post_key"].duplicated(keep="last").to_numpy()
    notes.append(f"{int((~keep).sum())} records seen more than once (same post_key) were kept once, newest export first")
    return frame.loc[np.sort(newest.index[keep])].reset_index(drop=True)


def _as_id(value: object) -> str | None:
    if value.__class__ is str:
        return value or None
    if value.__class__ is int:
        return str(value)
    return None


def _page_of(post_key: str | None) -> str | None:
    if post_key is None or "_" not in post_key:
        return None
    head = post_key.split("_", 1)[0]
    return head or None


def _total(node: object) -> object:
    """`summary.total_count` of an edge node; None when the node or its summary is missing or malformed."""
    if node.__class__ is dict:
        summary = node.get("summary")
        if summary.__class__ is dict:
            return summary.get("total_count")
    return None


def _shares(node: object) -> object:
    return node.get("count") if node.__class__ is dict else None


def _media_type(node: object) -> object:
    """Raw `media_type` (or `type`) of the first attachment; checked for being text by the caller."""
    if node.__class__ is dict:
        data = node.get("data")
        if data.__class__ is list and data and data[0].__class__ is dict:
            return data[0].get("media_type") or data[0].get("type")
    return None
