"""One entry point for every post format: `read_posts(path, fmt=None, **kw)`.

With fmt=None the format is recognised from the file itself: JSON keys for the Graph API and DYI files, the
timestamp layout of the first lines for WhatsApp, and the header for the CSV exports. When nothing fits, a
SourceError names the file and lists the formats that can be passed explicitly.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from etl.readers.base import ReadResult, SourceError
from etl.readers.crowdtangle import read_crowdtangle_csv
from etl.readers.facebook_dyi import read_dyi
from etl.readers.facebook_graph import load_bytes, read_graph_feed, read_graph_pages
from etl.readers.meta_business import read_meta_business_csv
from etl.readers.plain_csv import decode_text, read_plain_csv
from etl.readers.whatsapp import read_whatsapp

POST_FORMATS: dict[str, Callable[..., ReadResult]] = {
    "facebook_graph": read_graph_feed,
    "facebook_dyi": read_dyi,
    "meta_business_csv": read_meta_business_csv,
    "crowdtangle_csv": read_crowdtangle_csv,
    "whatsapp": read_whatsapp,
    "plain_csv": read_plain_csv,
}

SNIFF_BYTES = 65_536
_WHATSAPP_HEAD = re.compile(
    r"^[\u200e\ufeff]*(?:\[\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4},? \d{1,2}:\d{2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4},? \d{1,2}:\d{2}"
    r"(?::\d{2})?(?:[\s\u202f]?[AaPp]\.?[Mm]\.?)? - )",
    re.MULTILINE,
)
_DYI_KEYS = ('"comments_v2"', '"group_comments_v2"', '"group_posts_v2"', '"status_updates', '"timestamp"')


def detect_format(path: Path | str) -> str:
    """Name of the post format of `path` (a key of POST_FORMATS); SourceError when it cannot tell."""
    path = Path(path)
    if not path.is_file():
        load_bytes(path)  # raises the SourceError that says what is wrong
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES + 1)
    if not head.strip():
        raise SourceError(path, "file is empty")
    whole = len(head) <= SNIFF_BYTES
    head = head[:SNIFF_BYTES]
    if head.startswith(b"PK\x03\x04"):
        return "whatsapp"  # WhatsApp's 'export chat with media' zip; the reader checks what is inside
    text, _ = decode_text(path, head if whole else _cut_safely(head))
    stripped = text.lstrip("\ufeff \t\r\n")
    if _WHATSAPP_HEAD.search("\n".join(stripped.split("\n")[:5])):  # before JSON: iOS lines start with '['
        return "whatsapp"
    if stripped[:1] in ("{", "["):
        return _json_format(path, stripped)
    # Loose signatures on purpose: an export missing a required column should reach its reader, whose
    # SourceError names the missing columns.
    header = _header_names(stripped)
    if {"post id", "page id"} <= header or {"post id", "publish time"} <= header:
        return "meta_business_csv"
    if "facebook id" in header and header & {"post created", "total interactions"}:
        return "crowdtangle_csv"
    if "page" in header and len(header & {"time", "text", "author"}) >= 2:
        return "plain_csv"
    raise SourceError(path, f"cannot tell the post format; pass fmt= one of {', '.join(POST_FORMATS)}")


def read_posts(path: Path | str, fmt: str | None = None, **kw) -> ReadResult:
    """Read a post export; fmt=None detects the format. Keyword arguments go to the format's reader
    (e.g. page_ref=..., exported_at=...); the detected or given format is added to the notes.

    A folder is read as the response pages of one Graph API feed (its *.json files, in name order, through
    read_graph_pages): one frame for all pages instead of one per 100-record page."""
    path = Path(path)
    if path.is_dir():
        pages = sorted(p for p in path.glob("*.json") if p.is_file())
        if not pages or (fmt or detect_format(pages[0])) != "facebook_graph":
            raise SourceError(path, "a folder is read only as Graph API response pages (*.json)")
        result = read_graph_pages(pages, **kw)
        result.notes.insert(0, f"format facebook_graph, {len(pages)} pages")
        return result
    name = fmt or detect_format(path)
    reader = POST_FORMATS.get(name)
    if reader is None:
        raise SourceError(path, f"unknown post format {name!r}; known: {', '.join(POST_FORMATS)}")
    if name == "whatsapp" and not kw.get("page_ref"):
        raise SourceError(path, "a WhatsApp export needs page_ref= (the name of the group)")
    result = reader(path, **kw)
    result.notes.insert(0, f"format {name}" + ("" if fmt else " (detected)"))
    return result


def _json_format(path: Path, head: str) -> str:
    if '"created_time"' in head or '"permalink_url"' in head:
        return "facebook_graph"
    if any(key in head for key in _DYI_KEYS):
        return "facebook_dyi"
    try:  # small or oddly ordered file: look at the parsed keys
        doc = json.loads(load_bytes(path).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise SourceError(path, "JSON that cannot be parsed: cannot tell the post format") from None
    if isinstance(doc, dict) and ("data" in doc or "error" in doc):
        return "facebook_graph"
    if isinstance(doc, dict) and any(isinstance(v, list) for v in doc.values()):
        return "facebook_dyi"
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "timestamp" in doc[0]:
        return "facebook_dyi"
    raise SourceError(path, f"JSON without Graph or DYI keys: cannot tell the post format; pass fmt= one of {', '.join(POST_FORMATS)}")


def _header_names(text: str) -> set[str]:
    lines = [line for line in text.split("\n")[:3] if line.strip()]
    if lines and lines[0].strip().lstrip('"').lower().startswith("sep="):
        lines = lines[1:]
    if not lines:
        return set()
    header = lines[0]
    separator = max((",", ";", "\t", "|"), key=header.count)
    return {name.strip().strip('"').strip().lower() for name in header.split(separator)}


def _cut_safely(head: bytes) -> bytes:
    """Drop a partial UTF-8/UTF-16 character at the end of the sniffed bytes."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1:2] == b"\x00" or head[:1] == b"\x00":
        return head[: len(head) - len(head) % 2]
    for cut in range(4):
        try:
            (head[: len(head) - cut] if cut else head).decode("utf-8")
            return head[: len(head) - cut] if cut else head
        except UnicodeDecodeError:
            continue
    return head
