"""Map data and folium maps that draw without internet access.

folium loads Leaflet, jQuery and Bootstrap from public CDNs by default; here the map uses only Leaflet, served by
the app itself from static/leaflet (Streamlit serves static/ at /app/static/ with enableStaticServing). No
background tiles: the wijk shapes are the map.
"""
from __future__ import annotations

import json
import math

import folium
import pandas as pd

from wijkbeeld import i18n
from wijkbeeld.safe import escape_html

LEAFLET_JS = "/app/static/leaflet/leaflet.js"
LEAFLET_CSS = "/app/static/leaflet/leaflet.css"

# Colour-blind-safe sequential scale (viridis: dark purple -> yellow), no red-green contrast; missing is a light
# grey drawn with a dashed outline so it cannot be read as a low value.
PALETTE = ["#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"]
MISSING_COLOUR = "#d9d9d9"


class OfflineMap(folium.Map):
    """A folium Map whose only script and stylesheet are Leaflet from the app's own static folder."""

    default_js = [("leaflet", LEAFLET_JS)]
    default_css = [("leaflet_css", LEAFLET_CSS)]


def colour_bins(values: pd.Series, n: int = len(PALETTE)) -> list[float]:
    known = values.dropna().astype(float)
    if known.empty:
        return []
    qs = sorted(set(known.quantile([i / n for i in range(n + 1)]).round(3)))
    return qs


def colour_for(value: float | None, bins: list[float]) -> str:
    if value is None or pd.isna(value) or not bins:
        return MISSING_COLOUR
    if len(bins) == 1:
        return PALETTE[len(PALETTE) // 2]
    for i in range(1, len(bins)):
        if value <= bins[i]:
            idx = round((i - 1) * (len(PALETTE) - 1) / max(1, len(bins) - 2))
            return PALETTE[min(idx, len(PALETTE) - 1)]
    return PALETTE[-1]


def feature_collection(frame: pd.DataFrame, *, code_col: str, name_col: str, value_col: str,
                       value_label: str, unit: str, reason_col: str | None = None, source: str = "",
                       period: str = "", lang: str | None = None) -> dict:
    """GeoJSON for the map. Every text property is HTML-escaped here, because Leaflet tooltips render HTML.
    Labels, unit and reasons come translated; 'onbekend' and the number format follow `lang`."""
    lang = lang or i18n.active_language()
    unknown, no_data = i18n.translate("onbekend", lang), i18n.translate("geen gegevens", lang)
    bins = colour_bins(frame[value_col])
    features = []
    for row in frame.itertuples(index=False):
        data = row._asdict()
        geometry = json.loads(data["geometry_geojson"]) if isinstance(data.get("geometry_geojson"), str) else None
        if not geometry or not _has_coordinates(geometry.get("coordinates")):
            continue  # an area too small for its source has no shape: it is listed in tables, not drawn
        value = data[value_col]
        known = value is not None and not pd.isna(value)
        reason = data.get(reason_col) if reason_col else None
        shown = f"{i18n.format_number(value, 1, lang)} {unit}" if known else f"{unknown} ({reason or no_data})"
        features.append({
            "type": "Feature",
            "id": data[code_col],
            "geometry": geometry,
            "properties": {
                "code": escape_html(data[code_col]),
                "naam": escape_html(data[name_col]),
                "waarde": escape_html(shown),
                "indicator": escape_html(value_label),
                "bron": escape_html(f"{source}, {period}" if period else source),
                "kleur": colour_for(value if known else None, bins),
            },
        })
    return {"type": "FeatureCollection", "features": features}


def _has_coordinates(coords) -> bool:
    if not coords:
        return False
    if isinstance(coords[0], (int, float)):
        return True
    return any(_has_coordinates(c) for c in coords)


def bounds_of(fc: dict) -> list[list[float]]:
    xs, ys = [], []

    def walk(coords):
        if not coords:
            return
        if isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for f in fc["features"]:
        walk(f["geometry"]["coordinates"])
    if not xs:
        return [[50.7, 3.3], [53.6, 7.3]]
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def choropleth(fc: dict, *, selected_code: str | None = None, height: int = 480) -> folium.Map:
    """A Leaflet map of the features, coloured by their 'kleur' property, the selection outlined."""
    fmap = OfflineMap(location=[52.1, 5.3], zoom_start=12, tiles=None, control_scale=True, prefer_canvas=False,
                      height=height)
    folium.GeoJson(
        fc,
        name="gebieden",
        style_function=lambda f: {
            "fillColor": f["properties"]["kleur"], "fillOpacity": 0.78,
            "color": "#000000" if f["id"] == selected_code else ("#666666" if f["properties"]["kleur"] == MISSING_COLOUR else "#ffffff"),
            "weight": 4 if f["id"] == selected_code else 1.2,
            "dashArray": "4 4" if f["properties"]["kleur"] == MISSING_COLOUR else None,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["naam", "indicator", "waarde", "bron"],
                                      aliases=["", "", "", i18n.translate("Bron")], labels=False, sticky=True),
    ).add_to(fmap)
    fmap.fit_bounds(bounds_of(fc))
    return fmap


def legend_rows(fc: dict) -> list[tuple[str, str]]:
    """(colour, label) pairs for a legend drawn with Streamlit widgets next to the map."""
    seen = {}
    for f in fc["features"]:
        seen.setdefault(f["properties"]["kleur"], f["properties"]["waarde"])
    return sorted(seen.items(), key=lambda kv: PALETTE.index(kv[0]) if kv[0] in PALETTE else math.inf)


def geojson_bytes(fc: dict) -> int:
    return len(json.dumps(fc, separators=(",", ":")).encode("utf-8"))
