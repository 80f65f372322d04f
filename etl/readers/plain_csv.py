"""A plain CSV of posts (page, time, text, author; optional reactions, comments, shares, id, parent_id, kind),
for municipalities that collect posts by hand or with their own tool. Also holds the CSV helpers the Meta
Business Suite and CrowdTangle readers share: byte decoding, `sep=` lines, exact line locators, counts.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl.readers.base import ReadResult, Reject, SourceError
from etl.readers.facebook_graph import (
    PLAUSIBLE_FROM,
    PLAUSIBLE_UNTIL,
    after_export,
    constant_times,
    content_keys,
    finish,
    first_reason,
    load_bytes,
    max_record_bytes,
    plausible,
    resolve_exported_at,
    text_too_long,
)

PLATFORM = "csv"
# Naive times in a municipality's own file are Dutch wall-clock time.
LOCAL_TZ = "Europe/Amsterdam"
REQUIRED = ("page", "time", "text", "author")
OPTIONAL = ("reactions", "comments", "shares", "id", "parent_id", "kind")
# Column names quoted in an error message are cut to this length (a header can hold anything, even a post).
HEADER_NAME_CHARS = 60
_SNIFF_SEPARATORS = (",", ";", "\t", "|")


# --------------------------------------------------------------------------------------------------------------
# Shared CSV helpers
# --------------------------------------------------------------------------------------------------------------

def decode_text(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """Decode CSV/TXT bytes: BOM first, then UTF-16 without BOM (NUL-byte pattern), UTF-8, cp1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(path, raw[3:], "utf-8"), []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(path, raw, "utf-16"), []
    sample = raw[:4096]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nuls = sample[1::2].count(0) / max(1, len(sample[1::2]))
        if odd_nuls > 0.3 and even_nuls < 0.05:
            return _strict(path, raw, "utf-16-le"), ["UTF-16LE zonder BOM herkend"]
        if even_nuls > 0.3 and odd_nuls < 0.05:
            return _strict(path, raw, "utf-16-be"), ["UTF-16BE zonder BOM herkend"]
    if b"\x00" in sample:
        raise SourceError(path, "binary content (NUL bytes): not a text export")
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), ["not UTF-8: decoded as Windows-1252 (cp1252)"]
    except UnicodeDecodeError:
        return raw.decode("latin-1"), ["not UTF-8 or cp1252: decoded as Latin-1"]


def _strict(path: Path, raw: bytes, encoding: str) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise SourceError(path, f"invalid {encoding} at byte {err.start}") from None
    return text[1:] if text.startswith("\ufeff") else text


@dataclass
class CsvTable:
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # physical line where each row starts (1-based)
    rejects: list[Reject] = field(default_factory=list)
    records_read: int = 0


def read_csv_table(path: Path, text: str, max_bytes: int) -> CsvTable:
    """Parse CSV text into rows of strings with exact line numbers. A `sep=X` first line sets the separator,
    else it is sniffed from the header. Rows with the wrong number of fields or larger than `max_bytes`
    become rejects; nothing here stops the good rows."""
    first_line_end = text.find("\n")
    first = text[: first_line_end if first_line_end >= 0 else len(text)].strip("\r\n \ufeff")
    line_offset = 0
    match = re.fullmatch(r'"?sep=(.)"?,*', first, flags=re.IGNORECASE)
    if match:
        separator = match.group(1)
        text = text[first_line_end + 1:] if first_line_end >= 0 else ""
        line_offset = 1
    else:
        header_line = first
        counts = {s: header_line.count(s) for s in _SNIFF_SEPARATORS}
        separator = max(counts, key=counts.get) if max(counts.values()) > 0 else ","
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 2**31 - 1))  # big fields are rejected below, with a line number
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        try:
            header = next(reader)
        except StopIteration:
            raise SourceError(path, "no header line") from None
        except csv.Error as err:
            raise SourceError(path, f"unreadable header: {err}") from None
        header = [h.strip().strip("\ufeff").strip() for h in header]
        rows: list[list[str]] = []
        lines: list[int] = []
        rejects: list[Reject] = []
        records_read = 0
        width = len(header)
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                records_read += 1
                rejects.append(Reject.of(path, f"line {start + line_offset}", f"CSV-fout: {err}"))
                if reader.line_num + 1 == start:  # the reader did not move on: stop rather than spin
                    break
                start = reader.line_num + 1
                continue
            line = start + line_offset
            start = reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            records_read += 1
            if len(row) != width:
                rejects.append(Reject.of(path, f"line {line}", f"{len(row)} velden, verwacht {width}", separator.join(row)))
                continue
            if sum(len(v) for v in row) > max_bytes // 4 and len(separator.join(row).encode("utf-8")) > max_bytes:
                rejects.append(Reject.of(path, f"line {line}", f"record groter dan {max_bytes} bytes", separator.join(row)))
                continue
            rows.append(row)
            lines.append(line)
    finally:
        csv.field_size_limit(old_limit)
    return CsvTable(header, rows, lines, rejects, records_read)


def column_map(path: Path, header: list[str], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, int]:
    """Map wanted column names (case-insensitive) to positions; SourceError naming every missing one."""
    position = {}
    for i, name in enumerate(header):
        position.setdefault(name.strip().lower(), i)
    missing = [c for c in required if c.lower() not in position]
    if missing:
        found = ", ".join(" ".join(name.split())[:HEADER_NAME_CHARS] for name in header[:40])  # one line, whatever the header holds
        raise SourceError(path, f"missing required columns: {', '.join(missing)} (found: {found})")
    return {c: position[c.lower()] for c in (*required, *optional) if c.lower() in position}


def column(table: CsvTable, index: int | None) -> list[str | None]:
    """One column as a list, '' -> None."""
    if index is None:
        return [None] * len(table.rows)
    return [(r[index].strip() or None) for r in table.rows]


def parse_counts(values: list[str | None]) -> tuple[pd.arrays.IntegerArray, np.ndarray, np.ndarray]:
    """Counts written by people and spreadsheets: '1,234' / '1.234' / '1 234' -> 1234; '', 'N/A', '-' -> NULL.
    Returns (Int64 array, not-a-whole-number mask, negative mask)."""
    series = pd.Series(values, dtype="string").str.strip()
    series = series.mask(series.str.upper().isin(["", "N/A", "NA", "-", "NULL", "NONE", "NAN"]))
    cleaned = series.str.replace(r"(?<=\d)[,. \u00a0\u202f](?=\d{3}(?:\D|$))", "", regex=True)
    cleaned = cleaned.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)  # '12.0' written by a spreadsheet
    whole = cleaned.str.fullmatch(r"[+-]?\d{1,15}").fillna(False).to_numpy(dtype=bool)
    present = cleaned.notna().to_numpy()
    bad = present & ~whole
    numbers = pd.to_numeric(cleaned.where(pd.Series(whole, index=cleaned.index)), errors="coerce")
    array = pd.array(numbers, dtype="Int64")
    negative = (array < 0).fillna(False).to_numpy(dtype=bool)
    return array, bad, negative


_AWARE = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$"


def local_times(values: list[str | None], formats: tuple[str, ...], tz: str = LOCAL_TZ) -> tuple[pd.DatetimeIndex, str | None]:
    """Parse times to UTC. Values with an offset ('...+02:00', '...Z') are read as ISO 8601; the others with
    the first of `formats` that reads the most of them, as local `tz` wall-clock time (a DST gap shifts
    forward, a repeated autumn hour takes its first, summer-time, occurrence). Unreadable values -> NaT."""
    series = pd.Series(values, dtype="object").where(lambda v: v.notna(), None)
    strings = series.astype("string").str.strip()
    aware = strings.str.contains(_AWARE, regex=True).fillna(False).to_numpy(dtype=bool)
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
    if aware.any():
        cleaned = strings[aware].str.replace(r"\s*UTC$", "Z", regex=True)
        result[aware] = plausible(pd.to_datetime(cleaned.astype(object), format="ISO8601", utc=True, errors="coerce"))
    naive = ~aware & strings.notna().to_numpy()
    best_format = "ISO8601" if aware.any() else None
    if naive.any():
        subset = strings[naive].astype(object)
        best = None
        for fmt in formats:
            try:
                parsed = pd.to_datetime(subset, format=fmt, errors="coerce")
            except (ValueError, TypeError):
                continue
            if best is None or parsed.notna().sum() > best.notna().sum():
                best, best_format = parsed, fmt
        if best is not None and best.notna().any():
            local = pd.DatetimeIndex(best)
            if local.tz is None:  # keep the window check before localising: tz rules need sane years
                local = local.where((local >= PLAUSIBLE_FROM.tz_localize(None)) & (local < PLAUSIBLE_UNTIL.tz_localize(None)))
                local = local.tz_localize(tz, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward")
            result[naive] = plausible(local)
    return pd.DatetimeIndex(result), best_format


# --------------------------------------------------------------------------------------------------------------
# Plain CSV reader
# --------------------------------------------------------------------------------------------------------------

_TIME_FORMATS = ("ISO8601", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y")


def read_plain_csv(path: Path | str, *, page_ref: str | None = None, exported_at: object = None) -> ReadResult:
    """Columns page, time, text, author (required) and reactions, comments, shares, id, parent_id, kind
    (optional). UTF-8, UTF-8 with BOM, UTF-16 or cp1252; separator ',', ';' or tab. Times in ISO 8601 (an
    offset is honoured) or Dutch 'DD-MM-YYYY HH:MM'; naive times are Europe/Amsterdam. Without an id the key
    is a hash of (page, time, author, text, occurrence). A row with parent_id is a comment unless kind says.
    page_ref fills rows whose page cell is empty."""
    path = Path(path)
    text, notes = decode_text(path, load_bytes(path))
    limit = max_record_bytes()
    table = read_csv_table(path, text, limit)
    cols = column_map(path, table.header, REQUIRED, OPTIONAL)
    exported = resolve_exported_at(path, exported_at)
    n = len(table.rows)

    pages, times_raw, texts, authors = (column(table, cols[c]) for c in REQUIRED)
    if page_ref is not None:
        pages = [p if p is not None else page_ref for p in pages]
    ids, parents, kinds_raw = (column(table, cols.get(c)) for c in ("id", "parent_id", "kind"))
    created, used_format = local_times(times_raw, _TIME_FORMATS)
    if used_format and used_format != "ISO8601":
        notes.append(f"time column read as {used_format} (Europe/Amsterdam)")
    counts = {c: parse_counts(column(table, cols.get(c))) for c in ("reactions", "comments", "shares")}
    keys = list(ids)
    missing = [i for i in range(n) if keys[i] is None]
    if missing:
        derived = content_keys([[pages[i] for i in missing], [times_raw[i] for i in missing],
                                [authors[i] for i in missing], [texts[i] for i in missing]])
        for i, key in zip(missing, derived):
            keys[i] = key
    kinds = [
        (k.lower() if k else ("comment" if p else "post")) for k, p in zip(kinds_raw, parents)
    ]
    bad_kind = np.array([k not in ("post", "comment", "reply", "message") for k in kinds], dtype=bool)
    duplicate_id = pd.Series(ids, dtype="object").duplicated(keep="first").to_numpy() & np.array([i is not None for i in ids], dtype=bool)
    time_missing = np.array([t is None for t in times_raw], dtype=bool)
    checks = [
        (time_missing, "time ontbreekt"),
        (np.asarray(created.isna()) & ~time_missing, "time is geen geldige datum/tijd"),
        (after_export(created, exported), "time ligt na het moment van exporteren"),
        (text_too_long(texts, limit), f"text groter dan {limit} bytes"),
        (bad_kind, "kind is niet post/comment/reply/message"),
        (duplicate_id, "id komt al eerder voor in het bestand"),
    ]
    checks += [(bad, f"{name} is geen geheel getal") for name, (_, bad, _) in counts.items()]
    checks += [(negative, f"{name} is negatief") for name, (_, _, negative) in counts.items()]
    reasons = first_reason(checks, n)
    locators = [f"line {line}" for line in table.lines]
    columns = {
        "platform": [PLATFORM] * n,
        "post_key": keys,
        "parent_key": parents,
        "page_ref": pages,
        "kind": kinds,
        "created_at": created,
        "author_ref": authors,
        "author_name": authors,
        "text": texts,
        "reactions": counts["reactions"][0],
        "comments": counts["comments"][0],
        "shares": counts["shares"][0],
        "exported_at": constant_times(exported, n),
        "source_record": locators,
        "source_file": [path.name] * n,
    }
    return finish(path, columns, reasons, table.rows, locators, table.records_read, notes, table.rejects)
