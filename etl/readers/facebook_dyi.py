"""Facebook "Download your information" (DYI) JSON: posts and comments of the account that downloaded it.

Files: `posts/your_posts_1.json` (a list of posts: `timestamp`, `data[{post}]`, `title`, `attachments`), the
newer `your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json` (same shape), group posts
(`{"group_posts_v2": [...]}`), and `comments.json` / group comments (`{"comments_v2": [...]}`,
`{"group_comments_v2": [...]}`, items `data[{comment{timestamp, comment, author, group}}]`, `title`).

Facebook writes these files with every UTF-8 byte escaped as its own \\u00XX, so after json.load 'é' reads
'Ã©' and emoji read 'ð\\x9f\\x98\\x80'. repair_mojibake undoes that per string and leaves correct text alone.
There are no post ids: post_key is a hash of (page_ref, kind, timestamp, author, text, title, occurrence).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from etl.readers.base import ReadResult, Reject, SourceError
from etl.readers.facebook_graph import (
    constant_times,
    EARLIEST_FACEBOOK,
    after_export,
    PLAUSIBLE_UNTIL,
    content_keys,
    finish,
    first_reason,
    gc_paused,
    int_counts,
    load_bytes,
    max_record_bytes,
    resolve_exported_at,
    text_too_long,
)

PLATFORM = "facebook"
_POST_LISTS = ("group_posts_v2", "status_updates_v2", "status_updates", "posts_v2", "posts")
_COMMENT_LISTS = ("comments_v2", "group_comments_v2", "comments")


def repair_mojibake(text: object) -> object:
    """'CafÃ© ð\\x9f\\x98\\x80' -> 'Café 😀'; text that is not UTF-8-read-as-Latin-1 comes back unchanged."""
    if text.__class__ is not str or text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def read_dyi(path: Path | str, *, page_ref: str | None = None, exported_at: object = None) -> ReadResult:
    """Posts ('post') and comments ('comment', parent unknown: NULL) from one DYI JSON file. page_ref defaults
    to the group named in a comment, else NULL. Post authors are not in the file (it is the account owner);
    comment authors are. The DYI `title` ('X heeft een bericht geplaatst in Y.') is kept in an extra column."""
    path = Path(path)
    raw = load_bytes(path)
    with gc_paused():
        try:
            doc = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as err:
            raise SourceError(path, f"not UTF-8 JSON (invalid byte at offset {err.start})") from None
        except json.JSONDecodeError as err:
            raise SourceError(path, f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}") from None
        except RecursionError:
            raise SourceError(path, "JSON nested too deeply") from None
        items, list_name, kind = _items(path, doc)
        return _read_items(path, items, list_name, kind, page_ref, resolve_exported_at(path, exported_at))


def _items(path: Path, doc: object) -> tuple[list, str, str]:
    if isinstance(doc, list):
        return doc, "", "post"
    if isinstance(doc, dict):
        for name in _COMMENT_LISTS:
            if isinstance(doc.get(name), list):
                return doc[name], name, "comment"
        for name in _POST_LISTS:
            if isinstance(doc.get(name), list):
                return doc[name], name, "post"
        raise SourceError(path, f"no DYI post or comment list (keys: {', '.join(list(doc)[:10])})")
    raise SourceError(path, f"expected a DYI list or object, found JSON {type(doc).__name__}")


def _read_items(path: Path, items: list, list_name: str, kind: str, page_ref: str | None, exported) -> ReadResult:
    limit = max_record_bytes()
    rejects: list[Reject] = []
    records, locators = [], []
    for i, item in enumerate(items):
        locator = f"{list_name}[{i}]"
        if item.__class__ is not dict:
            rejects.append(Reject.of(path, locator, "record is geen JSON-object", item))
            continue
        records.append(item)
        locators.append(locator)
    n = len(records)
    if kind == "comment":
        inner = [_comment_node(r) for r in records]
        stamps = [c.get("timestamp", r.get("timestamp")) for c, r in zip(inner, records)]
        texts = [c.get("comment") for c in inner]
        authors = [c.get("author") for c in inner]
        groups = [c.get("group") for c in inner]
    else:
        stamps = [r.get("timestamp") for r in records]
        texts = [_post_text(r.get("data")) for r in records]
        authors = [None] * n
        groups = [None] * n
    titles = [r.get("title") for r in records]
    texts = [repair_mojibake(t) if t.__class__ is str else None for t in texts]
    authors = [repair_mojibake(a) if a.__class__ is str else None for a in authors]
    titles = [repair_mojibake(t) if t.__class__ is str else None for t in titles]
    groups = [repair_mojibake(g) if g.__class__ is str else None for g in groups]
    pages = [page_ref] * n if page_ref is not None else groups

    seconds, bad_stamp, negative_stamp = int_counts([s if s.__class__ in (int, float) else None for s in stamps])
    stamp_missing = np.array([s is None for s in stamps], dtype=bool)
    stamp_not_number = np.array([s is not None and s.__class__ not in (int, float) for s in stamps], dtype=bool)
    numeric = pd.array(seconds, dtype="Int64")
    in_range = (numeric >= 0) & (numeric < int(PLAUSIBLE_UNTIL.timestamp()))
    created = pd.to_datetime(pd.Series(numeric).where(in_range.fillna(False)), unit="s", utc=True).dt.as_unit("ns")
    too_early = (created < EARLIEST_FACEBOOK).fillna(False).to_numpy(dtype=bool)
    no_content = np.array([t is None and a is None and ti is None for t, a, ti in zip(texts, authors, titles)], dtype=bool)
    reasons = first_reason(
        [
            (stamp_missing, "timestamp ontbreekt"),
            (stamp_not_number | bad_stamp | negative_stamp | ~in_range.fillna(True).to_numpy(dtype=bool),
             "timestamp is geen geldige unix-tijd"),
            (too_early, "timestamp ligt voor 2004-02-04 (vóór Facebook bestond)"),
            (after_export(created, exported), "timestamp ligt na het moment van exporteren"),
            (text_too_long(texts, limit), f"tekst groter dan {limit} bytes"),
            (no_content & (kind == "comment"), "reactie zonder tekst of auteur"),
        ],
        n,
    )
    keys = content_keys([pages, [kind] * n, stamps, authors, texts, titles])
    columns = {
        "platform": [PLATFORM] * n,
        "post_key": keys,
        "parent_key": [None] * n,
        "page_ref": pages,
        "kind": [kind] * n,
        "created_at": pd.DatetimeIndex(created),
        "author_ref": authors,
        "author_name": authors,
        "text": texts,
        "exported_at": constant_times(exported, n),
        "source_record": locators,
        "title": titles,
        "source_file": [path.name] * n,
    }
    return finish(path, columns, reasons, records, locators, len(items), [], rejects)


def _comment_node(item: dict) -> dict:
    data = item.get("data")
    if data.__class__ is list:
        for entry in data:
            if entry.__class__ is dict and entry.get("comment").__class__ is dict:
                return entry["comment"]
    return {}


def _post_text(data: object) -> str | None:
    """The `post` entries of a DYI post's data list, joined (a post has at most one in practice)."""
    if data.__class__ is not list:
        return None
    parts = [d["post"] for d in data if d.__class__ is dict and d.get("post").__class__ is str and d["post"]]
    return "\n".join(parts) if parts else None
