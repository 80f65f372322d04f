"""Escaping and spreadsheet-formula neutralisation for hostile text."""
import io

import pandas as pd
from openpyxl import load_workbook

from wijkbeeld.safe import escape_html, escape_markdown, neutralise_cell, to_csv_bytes, to_excel_bytes


def test_escape_html_neutralises_tags_and_attributes():
    assert escape_html('<script>alert("x")</script>') == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert escape_html("<img src=x onerror=alert(1)>").startswith("&lt;img")
    assert escape_html(None) == "" and escape_html(pd.NA) == ""


def test_escape_markdown_shows_links_and_emphasis_literally():
    out = escape_markdown("[klik](javascript:alert(1)) **vet** <b>x</b>")
    assert "](" not in out.replace("\\]\\(", "")
    assert "\\*\\*vet\\*\\*" in out
    assert "<b>" not in out


def test_formula_cells_are_neutralised():
    for evil in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"):
        assert neutralise_cell(evil).startswith("'")
    assert neutralise_cell("gewoon") == "gewoon"
    assert neutralise_cell(3) == 3


def test_csv_and_excel_downloads_neutralise_every_text_cell():
    frame = pd.DataFrame({"tekst": ["=1+1", "ok"], "aantal": [1, 2]})
    csv = to_csv_bytes(frame).decode("utf-8-sig")
    assert "'=1+1" in csv and "\n=1+1" not in csv
    wb = load_workbook(io.BytesIO(to_excel_bytes(frame)))
    cell = wb.active["A2"]
    assert cell.value == "'=1+1" and cell.data_type == "s"
