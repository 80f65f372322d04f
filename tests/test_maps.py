"""Map data: colours from a colour-blind-safe scale (missing is grey, never the lowest colour), tooltips escaped
and in the reader's language, shapes without coordinates left out, and a map that loads nothing from the internet."""
from __future__ import annotations

import json
import re

import pandas as pd

from wijkbeeld import maps

SQUARE = json.dumps({"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.01, 52.0], [5.01, 52.01], [5.0, 52.0]]]})
EMPTY = json.dumps({"type": "Polygon", "coordinates": []})


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["WK01", "WK02", "WK03", "WK04", "WK05"],
        "name": ["Centrum", "<img src=x onerror=alert(1)>", "Noord", "Oost", "Zuid"],
        "value": [1234.5, 10.0, None, 50.0, 99.0],
        "reason": [None, None, "geen enquête in deze wijk", None, None],
        "geometry_geojson": [SQUARE, SQUARE, SQUARE, SQUARE, EMPTY],
    })


def _fc(lang: str, frame: pd.DataFrame | None = None) -> dict:
    return maps.feature_collection(_frame() if frame is None else frame, code_col="code", name_col="name",
                                   value_col="value", value_label="Misdrijven <b>", unit="per 1.000",
                                   reason_col="reason", source="Politie", period="jan 2025", lang=lang)


def test_missing_is_grey_with_its_reason_and_the_scale_runs_dark_to_light():
    by_code = {f["id"]: f["properties"] for f in _fc("nl")["features"]}
    assert by_code["WK03"]["kleur"] == maps.MISSING_COLOUR
    assert by_code["WK03"]["waarde"] == "onbekend (geen enquête in deze wijk)"
    assert by_code["WK02"]["kleur"] == maps.PALETTE[0]      # lowest known value: darkest
    assert by_code["WK01"]["kleur"] == maps.PALETTE[-1]     # highest: yellow
    assert maps.MISSING_COLOUR not in maps.PALETTE


def test_tooltips_are_escaped_and_follow_the_language():
    nl = {f["id"]: f["properties"] for f in _fc("nl")["features"]}
    en = {f["id"]: f["properties"] for f in _fc("en")["features"]}
    assert nl["WK01"]["waarde"] == "1.234,5 per 1.000"
    assert en["WK01"]["waarde"] == "1,234.5 per 1.000"
    assert en["WK03"]["waarde"].startswith("unknown (")
    assert "<img" not in nl["WK02"]["naam"] and "&lt;img" in nl["WK02"]["naam"]
    assert nl["WK01"]["indicator"] == "Misdrijven &lt;b&gt;"


def test_an_area_without_a_shape_is_left_off_the_map():
    codes = [f["id"] for f in _fc("nl")["features"]]
    assert codes == ["WK01", "WK02", "WK03", "WK04"]
    assert maps.geojson_bytes(_fc("nl")) == len(json.dumps(_fc("nl"), separators=(",", ":")).encode())


def test_the_map_loads_only_the_apps_own_leaflet():
    html = maps.choropleth(_fc("nl"), selected_code="WK01").get_root().render()
    assert maps.LEAFLET_JS in html and maps.LEAFLET_CSS in html
    external = re.findall(r"""(?:src|href)=["'](https?:)?//[^"']+""", html)
    assert not external, external
