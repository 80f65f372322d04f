"""The contract every reader follows.

A reader turns one source file (or one cached table folder) into a typed pandas frame plus a list of
rejected records, each with the reason it was rejected. A problem with the file as a whole (missing, empty,
not the format it claims to be) raises SourceError with one line that names the file and the problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

RAW_EXCERPT_CHARS = 500


class SourceError(Exception):
    """A whole input file cannot be used. str(err) is one line: '<file>: <problem>'."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class Reject:
    source_file: str
    record: str  # where in the file: 'line 12', 'data[3]', 'row 7', 'page 2 value[15]'
    reason: str  # Dutch or English, one sentence, says what was wrong
    raw: str | None = None  # an excerpt of the offending record (at most RAW_EXCERPT_CHARS)

    @staticmethod
    def of(source_file: Path | str, record: str, reason: str, raw: object = None) -> "Reject":
        excerpt = None if raw is None else str(raw)[:RAW_EXCERPT_CHARS]
        return Reject(str(source_file), record, reason, excerpt)


@dataclass
class ReadResult:
    frame: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # run-log lines, e.g. 'CRS inferred as EPSG:4326'
    records_read: int = 0  # records seen in the file, good and bad

    def rejects_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(r.source_file, r.record, r.reason, r.raw) for r in self.rejects],
            columns=["source_file", "record", "reason", "raw"],
        )


# Columns every post reader returns, in this order (extra columns are allowed after these).
POST_COLUMNS = {
    "platform": "string",        # 'facebook', 'whatsapp', 'csv', ...
    "post_key": "string",        # natural key within the platform (a stable id, or a content hash)
    "parent_key": "string",      # post_key of the post/comment this answers; NULL for top-level posts
    "page_ref": "string",        # page id or page name as the source gives it; NULL when unknown
    "kind": "string",            # 'post' | 'comment' | 'reply' | 'message'
    "created_at": "datetime64[ns, UTC]",
    "author_ref": "string",      # raw author id or name (pseudonymised before storage); NULL when absent
    "author_name": "string",     # raw display name (kept only for organisational accounts)
    "text": "string",            # raw text (redacted before storage)
    "permalink": "string",
    "reactions": "Int64",        # NULL when the source does not say, never 0 for unknown
    "comments": "Int64",
    "shares": "Int64",
    "exported_at": "datetime64[ns, UTC]",  # when the export was made: the newest export wins for counts
    "source_record": "string",   # locator in the file, as in Reject.record
}


def empty_posts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in POST_COLUMNS.items()})


def conform_posts(frame: pd.DataFrame) -> pd.DataFrame:
    """Order and type the post columns; missing optional columns become NULL."""
    out = frame.copy()
    for column, dtype in POST_COLUMNS.items():
        if column not in out:
            out[column] = pd.Series(pd.NA, index=out.index, dtype=dtype)
        else:
            out[column] = out[column].astype(dtype)
    extra = [c for c in out.columns if c not in POST_COLUMNS]
    return out[list(POST_COLUMNS) + extra]
