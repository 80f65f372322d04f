"""Hostile-text handling for everything the dashboard shows or hands out.

Post text, page names and file contents are written by anyone. They are escaped before they reach HTML
(map tooltips and popups, summaries) and neutralised before they reach a spreadsheet (CSV/Excel downloads).
"""
from __future__ import annotations

import html
import io
import re

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_html(value: object) -> str:
    """Text for an HTML context: &, <, >, quotes escaped. None/NA become an empty string."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def escape_markdown(value: object) -> str:
    """Text for st.markdown / captions: HTML-escaped and every Markdown control character backslash-escaped,
    so links, images and emphasis written by a resident show literally."""
    text = escape_html(value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


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
    # UTF-8 with BOM and ';' as Dutch Excel expects; cells neutralised against formula injection.
    return neutralise_frame(frame).to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "Wijkbeeld") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_frame(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()
