"""Meta Business Suite "Export content" CSV (Insights > Content > Export).

UTF-8 with BOM, or UTF-16LE with a `sep=,` first line (the "Excel" variant). 32-34 columns: the set of
"Negative feedback from users: ..." columns differs between exports, so the reader matches a required subset
of column names, never the exact header. Which of `Title` and `Description` holds the post text depends on
the post type; the reader takes the one that is filled, and both (Title first) when both are filled and differ.
Counts are lifetime totals at export time: a newer export of the same post wins later, by exported_at.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

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
    resolve_exported_at,
    text_too_long,
)
from etl.readers.plain_csv import column, column_map, decode_text, local_times, parse_counts, read_csv_table

PLATFORM = "facebook"
REQUIRED = ("Post ID", "Page ID", "Page name", "Title", "Description", "Publish time", "Permalink", "Post type",
            "Reactions", "Comments", "Shares")
OPTIONAL = ("Reach", "Impressions")
# Business Suite writes 'MM/DD/YYYY HH:MM' in the account's time zone; for a Dutch page that is
# Europe/Amsterdam. Other layouts seen in re-saved files are tried too; the most successful one wins.
TIME_FORMATS = ("%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M", "ISO8601")
EXPORT_TZ = "Europe/Amsterdam"
_DIGITS = re.compile(r"^\d+$")
PERMALINK_POST_ID = re.compile(r"/(?:posts|videos|reel|photos/[^/]+)/(\d+)(?=[/?#]|$)|[?&](?:story_fbid|fbid|v)=(\d+)(?=&|#|$)")


def read_meta_business_csv(path: Path | str, *, page_ref: str | None = None, exported_at: object = None) -> ReadResult:
    """One Business Suite content export; post_key is '{Page ID}_{Post ID}' (the Graph API post id), so the
    same post read from the Graph API and from this export gets the same key."""
    path = Path(path)
    text, notes = decode_text(path, load_bytes(path))
    limit = max_record_bytes()
    table = read_csv_table(path, text, limit)
    cols = column_map(path, table.header, REQUIRED, OPTIONAL)
    exported = resolve_exported_at(path, exported_at)
    n = len(table.rows)

    post_ids = column(table, cols["Post ID"])
    page_ids = column(table, cols["Page ID"])
    page_names = column(table, cols["Page name"])
    titles = column(table, cols["Title"])
    descriptions = column(table, cols["Description"])
    permalinks = column(table, cols["Permalink"])
    post_types = column(table, cols["Post type"])
    times_raw = column(table, cols["Publish time"])

    created, used_format = local_times(times_raw, TIME_FORMATS, EXPORT_TZ)
    if used_format == "%m/%d/%Y %H:%M" and _day_first_possible(times_raw):
        notes.append("Publish time read as MM/DD/YYYY (Meta's layout); no day in the file is above 12, so "
                     "DD/MM/YYYY would also fit: check one post against its permalink")
    elif used_format and used_format != TIME_FORMATS[0]:
        notes.append(f"Publish time read as {used_format}")
    texts = [_post_text(t, d) for t, d in zip(titles, descriptions)]
    keys, damaged = _post_keys(post_ids, page_ids, permalinks)
    if damaged:
        notes.append(f"{damaged} Post IDs unusable (e.g. Excel's 1.23E+14): key taken from the permalink or content")
    missing = [i for i in range(n) if keys[i] is None]
    if missing:
        derived = content_keys([[page_ids[i] or page_names[i] for i in missing], [times_raw[i] for i in missing],
                                [texts[i] for i in missing]])
        for i, key in zip(missing, derived):
            keys[i] = key
    counts = {c.lower(): parse_counts(column(table, cols[c])) for c in ("Reactions", "Comments", "Shares")}
    extra_counts = {c.lower(): parse_counts(column(table, cols.get(c))) for c in OPTIONAL}

    time_missing = np.array([t is None for t in times_raw], dtype=bool)
    checks = [
        (time_missing, "Publish time ontbreekt"),
        (np.asarray(created.isna()) & ~time_missing, "Publish time is geen geldige datum/tijd"),
        (np.asarray(created < EARLIEST_FACEBOOK) & ~np.asarray(created.isna()), "Publish time ligt voor 2004-02-04 (vóór Facebook bestond)"),
        (after_export(created, exported), "Publish time ligt na het moment van exporteren"),
        (text_too_long(texts, limit), f"tekst groter dan {limit} bytes"),
    ]
    for name, (_, bad, negative) in {**counts, **extra_counts}.items():
        checks += [(bad, f"{name} is geen geheel getal"), (negative, f"{name} is negatief")]
    reasons = first_reason(checks, n)
    locators = [f"line {line}" for line in table.lines]
    pages = [page_ref] * n if page_ref is not None else [pid or name for pid, name in zip(page_ids, page_names)]
    columns = {
        "platform": [PLATFORM] * n,
        "post_key": keys,
        "parent_key": [None] * n,
        "page_ref": pages,
        "kind": ["post"] * n,
        "created_at": created,
        "author_ref": [pid or name for pid, name in zip(page_ids, page_names)],  # the page itself posted
        "author_name": page_names,
        "text": texts,
        "permalink": permalinks,
        "reactions": counts["reactions"][0],
        "comments": counts["comments"][0],
        "shares": counts["shares"][0],
        "exported_at": constant_times(exported, n),
        "source_record": locators,
        "media_type": [t.lower() if t else None for t in post_types],
        "title": titles,
        "reach": extra_counts["reach"][0],
        "impressions": extra_counts["impressions"][0],
        "source_file": [path.name] * n,
    }
    return finish(path, columns, reasons, table.rows, locators, table.records_read, notes, table.rejects)


def _post_text(title: str | None, description: str | None) -> str | None:
    if title and description and title != description:
        return f"{title}\n\n{description}"
    return description or title


def _post_keys(post_ids: list, page_ids: list, permalinks: list) -> tuple[list[str | None], int]:
    keys: list[str | None] = []
    damaged = 0
    for post_id, page_id, link in zip(post_ids, page_ids, permalinks):
        if post_id and "_" in post_id and all(_DIGITS.match(p) for p in post_id.split("_", 1)):
            keys.append(post_id)
            continue
        if not (post_id and _DIGITS.match(post_id)):
            damaged += post_id is not None
            found = PERMALINK_POST_ID.search(link or "")
            post_id = (found.group(1) or found.group(2)) if found else None
        if post_id and page_id and _DIGITS.match(page_id):
            keys.append(f"{page_id}_{post_id}")
        else:
            keys.append(post_id)
    return keys, damaged


def _day_first_possible(values: list[str | None]) -> bool:
    """True when no value has a second number above 12, i.e. MM/DD and DD/MM both read the whole column."""
    seconds = [int(m.group(1)) for v in values if v and (m := re.match(r"\s*\d{1,2}/(\d{1,2})/", v))]
    return bool(seconds) and max(seconds) <= 12
