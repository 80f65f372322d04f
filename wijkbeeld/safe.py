"""Hostile-text handling for everything the dashboard shows or hands out.

Post text, page and area names, file contents and URL parameters are written by anyone. They are escaped for
the context they reach (Markdown, HTML tooltips, Plotly labels, a warning quoting the URL) and neutralised
before they reach a spreadsheet (CSV/Excel downloads). docs/security.md says which function goes where.
"""
from __future__ import annotations

import html
import io
import re
import unicodedata

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Every ASCII punctuation character except & < > (those become HTML entities). CommonMark reads a
# backslash-escaped punctuation character as that character, so nothing in the text can start Markdown or
# Streamlit syntax: links, images, emphasis, headings, lists, tables, :red[...] and :material/icon:, $maths$.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-%'-/:;=?@\[-`{-~])")
# GitHub-flavoured Markdown turns bare addresses into links after escapes are resolved (www.x, http://x,
# mailto:, name@host): a WORD JOINER (U+2060, invisible, no line break) after the trigger keeps them text.
WORD_JOINER = "\u2060"
_AUTOLINK_TRIGGER = re.compile(r"(?i)(www(?=\.)|(?:https?|mailto|xmpp)(?=:)|@(?=\w))")


def escape_html(value: object) -> str:
    """Text for an HTML context: &, <, >, quotes escaped. None/NA become an empty string."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def escape_plotly(value: object) -> str:
    """Text for plotly labels, hover texts and tick labels. Plotly reads a small HTML subset (<b>, <br>,
    <a href>) and decodes only a few entities (&amp; &lt; &gt; and numeric ones, not &quot;), so only & < > are
    escaped: escape_html would show a resident's quote as '&quot;'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=False)


def escape_markdown(value: object) -> str:
    """Text for st.markdown / captions / headers / alerts: shows literally what the resident wrote. Markdown
    punctuation is backslash-escaped and & < > become entities, so links, images, emphasis and HTML show as
    text; an invisible word joiner after 'www', a scheme or '@' stops bare addresses becoming links.
    (Not html.escape first: its '&#x27;' for an apostrophe would show literally once '#' is escaped.)"""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = _AUTOLINK_TRIGGER.sub(lambda m: m.group(1) + WORD_JOINER, str(value))
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Longest value from the URL (or another outside source) that a message quotes back to the reader.
QUOTED_INPUT_MAX_CHARS = 60


def quote_input(value: object, max_chars: int = QUOTED_INPUT_MAX_CHARS) -> str:
    """A value someone put in the URL, quoted back in a warning ("Wijk '...' bestaat niet"): control and
    bidi-format characters shown as U+FFFD (no right-to-left tricks), cut at max_chars with '…', and escaped
    for Markdown, so a crafted link shows a short literal text, not a clickable link or a page of 'AAAA'."""
    text = "" if value is None else str(value)
    cut = text[:max_chars] + ("…" if len(text) > max_chars else "")
    visible = "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in cut)
    return escape_markdown(visible)


def neutralise_cell(value: object) -> object:
    """Spreadsheet formula injection: a text cell starting with = + - @ (or tab/CR) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    # UTF-8 with BOM and ';' as Dutch Excel expects; cells neutralised against formula injection. Lines end in
    # CRLF so that a field holding a bare CR is quoted too: unquoted, Excel would start a new row at the CR and
    # read what follows (say '=HYPERLINK(...)') as a cell of its own, past the neutralising.
    return neutralise_frame(frame).to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n").encode("utf-8-sig")


# Excel keeps at most this many characters in a cell; a longer text makes it 'repair' the file on opening.
EXCEL_CELL_MAX_CHARS = 32_767


def excel_safe_cell(value: object) -> object:
    """A text cell Excel can hold: control characters XML cannot carry (vertical tab, NUL, ...) become U+FFFD
    (never dropped: dropping one could bring a formula starter to the front), and the text is cut at Excel's
    cell limit with '…'."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value if len(value) <= EXCEL_CELL_MAX_CHARS else value[: EXCEL_CELL_MAX_CHARS - 1] + "…"


def _text_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns
            if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]) or isinstance(frame[c].dtype, pd.CategoricalDtype)]


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "Wijkbeeld") -> bytes:
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(excel_safe_cell)
    out.columns = [excel_safe_cell(str(c)) for c in out.columns]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_frame(out).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()
