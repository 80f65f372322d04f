"""CrowdTangle historical-data CSV (Facebook pages).

Quirks: `Post Created` is 'YYYY-MM-DD HH:MM:SS TZ' with a time-zone abbreviation (CET/CEST/UTC/...) set in the
dashboard that made the export; counts carry thousands separators ('1,234'); `Video Length` and view counts
say 'N/A' for non-videos; older exports have no `Care` column. CrowdTangle closed in August 2024, so these
files are archives: counts are as of the export.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from etl.readers.base import ReadResult
from etl.readers.facebook_graph import (
    EARLIEST_FACEBOOK,
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
from etl.readers.meta_business import PERMALINK_POST_ID
from etl.readers.plain_csv import column, column_map, decode_text, local_times, parse_counts, read_csv_table

PLATFORM = "facebook"
REQUIRED = ("Page Name", "Facebook Id", "Post Created", "Total Interactions", "Likes", "Comments", "Shares",
            "Message", "URL")
REACTION_COLUMNS = {"Likes": "like", "Love": "love", "Haha": "haha", "Wow": "wow", "Sad": "sad", "Angry": "angry",
                    "Care": "care"}
OPTIONAL = ("Love", "Haha", "Wow", "Sad", "Angry", "Care", "Type", "Link")
# Offsets of the abbreviations CrowdTangle writes (hours east of UTC).
TZ_OFFSETS = {"UTC": 0, "GMT": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
              "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
_CREATED = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?)\s*([A-Za-z]{1,5})?\s*$")
_DIGITS = re.compile(r"^\d+$")


def read_crowdtangle_csv(path: Path | str, *, exported_at: object = None, page_ref: str | None = None) -> ReadResult:
    """One CrowdTangle historical export. post_key '{Facebook Id}_{post id from URL}' (the Graph id) when the
    URL names the post, else a hash of (page, time, message). `reactions` is the sum of the per-type columns
    (all of them known), else Total Interactions - Comments - Shares; per-type counts in reactions_<type>.
    page_ref defaults to the Facebook Id (the page id, as the Graph reader gives it)."""
    path = Path(path)
    text, notes = decode_text(path, load_bytes(path))
    limit = max_record_bytes()
    table = read_csv_table(path, text, limit)
    cols = column_map(path, table.header, REQUIRED, OPTIONAL)
    exported = resolve_exported_at(path, exported_at)
    n = len(table.rows)

    names = column(table, cols["Page Name"])
    page_ids = column(table, cols["Facebook Id"])
    messages = column(table, cols["Message"])
    urls = column(table, cols["URL"])
    created_raw = column(table, cols["Post Created"])
    created, unknown_zone, naive = _created_times(created_raw)
    if naive.any():
        notes.append(f"{int(naive.sum())} Post Created values without time zone: read as Europe/Amsterdam")

    counts = {name: parse_counts(column(table, cols[name])) for name in ("Total Interactions", "Comments", "Shares")}
    per_type = {t: parse_counts(column(table, cols.get(c))) for c, t in REACTION_COLUMNS.items()}
    present_types = [t for c, t in REACTION_COLUMNS.items() if c in cols]
    summed = sum((per_type[t][0] for t in present_types), pd.array(np.zeros(n, dtype="int64"), dtype="Int64"))
    fallback = counts["Total Interactions"][0] - counts["Comments"][0] - counts["Shares"][0]
    fallback = pd.array(np.where((fallback >= 0).fillna(False), fallback, pd.NA), dtype="Int64")
    reactions = pd.array(np.where(pd.isna(summed), fallback, summed), dtype="Int64")

    keys = []
    for page_id, url in zip(page_ids, urls):
        found = PERMALINK_POST_ID.search(url or "")
        post_id = (found.group(1) or found.group(2)) if found else None
        keys.append(f"{page_id}_{post_id}" if post_id and page_id and _DIGITS.match(page_id) else None)
    missing = [i for i in range(n) if keys[i] is None]
    if missing:
        derived = content_keys([[page_ids[i] or names[i] for i in missing], [created_raw[i] for i in missing],
                                [messages[i] for i in missing]])
        for i, key in zip(missing, derived):
            keys[i] = key

    time_missing = np.array([t is None for t in created_raw], dtype=bool)
    checks = [
        (time_missing, "Post Created ontbreekt"),
        (unknown_zone, "Post Created heeft een onbekende tijdzone-afkorting"),
        (np.asarray(created.isna()) & ~time_missing & ~unknown_zone, "Post Created is geen geldige datum/tijd"),
        (np.asarray(created < EARLIEST_FACEBOOK) & ~np.asarray(created.isna()), "Post Created ligt voor 2004-02-04 (vóór Facebook bestond)"),
        (after_export(created, exported), "Post Created ligt na het moment van exporteren"),
        (text_too_long(messages, limit), f"Message groter dan {limit} bytes"),
    ]
    for name, (_, bad, negative) in {**counts, **{f"reactions_{t}": per_type[t] for t in present_types}}.items():
        checks += [(bad, f"{name} is geen geheel getal"), (negative, f"{name} is negatief")]
    reasons = first_reason(checks, n)
    locators = [f"line {line}" for line in table.lines]
    columns = {
        "platform": [PLATFORM] * n,
        "post_key": keys,
        "parent_key": [None] * n,
        "page_ref": [page_ref] * n if page_ref is not None else [pid or name for pid, name in zip(page_ids, names)],
        "kind": ["post"] * n,
        "created_at": created,
        "author_ref": [pid or name for pid, name in zip(page_ids, names)],  # the page posted it
        "author_name": names,
        "text": messages,
        "permalink": urls,
        "reactions": reactions,
        "comments": counts["Comments"][0],
        "shares": counts["Shares"][0],
        "exported_at": constant_times(exported, n),
        "source_record": locators,
    }
    for t in REACTION_COLUMNS.values():
        columns[f"reactions_{t}"] = per_type[t][0]
    columns["interactions"] = counts["Total Interactions"][0]
    columns["media_type"] = [t.lower() if t else None for t in column(table, cols.get("Type"))]
    columns["source_file"] = [path.name] * n
    return finish(path, columns, reasons, table.rows, locators, table.records_read, notes, table.rejects)


def _created_times(values: list[str | None]) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """'2024-05-01 12:00:00 CEST' -> UTC. Returns times, unknown-abbreviation mask, no-zone mask."""
    parts = pd.Series(values, dtype="string").str.extract(_CREATED)
    local = pd.to_datetime(parts[0], format="ISO8601", errors="coerce")
    zone = parts[1].str.upper()
    offsets = zone.map(TZ_OFFSETS, na_action="ignore")
    unknown = (zone.notna() & offsets.isna()).to_numpy(dtype=bool)
    naive = (zone.isna() & parts[0].notna()).to_numpy(dtype=bool)
    utc = (local - pd.to_timedelta(offsets.astype("float64"), unit="h")).dt.tz_localize("UTC")
    if naive.any():
        utc = utc.copy()
        utc[naive] = local_times(list(parts[0][naive].astype(object).where(parts[0][naive].notna(), None)), ("ISO8601",))[0]
    return plausible(pd.DatetimeIndex(utc)), unknown, naive
