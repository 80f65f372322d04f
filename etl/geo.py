"""Geometry helpers: coverage-preserving simplification, compact GeoJSON and PDOK OGC API Features paging.

Simplifying each polygon on its own opens gaps and slivers between neighbours. Here the polygons are first
made into a clean coverage (GEOS CoverageCleaner: overlaps merged, shared edges made identical) and then
simplified as a coverage (each shared edge simplified once), in RD New so the tolerance is in metres.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from etl.readers.base import SourceError

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"
PDOK_ITEMS_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1/collections/{collection}/items"
PDOK_PAGE_LIMIT = 1000
GEOJSON_DECIMALS = 6  # ~0.1 m: 5 decimals (~1 m) made rings of small buurten touch themselves


def _rd_geometries(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if gdf.crs is None:
        raise ValueError("GeoDataFrame heeft geen CRS; lees grenzen met read_boundaries()")
    geoms = np.asarray(gdf.to_crs(RD_NEW).geometry.values)
    geoms = np.where(shapely.is_missing(geoms), shapely.Polygon(), geoms)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    return geoms


def _round(geoms: np.ndarray, decimals: int) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def simplify_coverage(gdf: gpd.GeoDataFrame, tolerance_m: float, *, decimals: int = GEOJSON_DECIMALS,
                      clean: bool = True, gap_width_m: float | None = None) -> gpd.GeoDataFrame:
    """Simplify polygons that tile an area without opening gaps or overlaps between neighbours.

    Works in EPSG:28992 (tolerance in metres, roughly the square root of the largest triangle area removed)
    and returns EPSG:4326 with coordinates rounded to `decimals` (so writing GeoJSON at that precision
    changes nothing) and all other columns unchanged. Projection and rounding can make a ring touch itself;
    the result is therefore cleaned once more as a coverage in WGS84. `out.attrs['coverage_valid']` says
    whether the final polygons form a valid coverage. `clean=False` skips the first CoverageCleaner pass
    for input already known to be a valid coverage. Gaps narrower than `gap_width_m` (default: the
    tolerance; such slivers would not be visible anyway) are merged into the neighbour with the longest
    shared border.
    """
    geoms = _rd_geometries(gdf)
    if clean:
        width = tolerance_m if gap_width_m is None else gap_width_m
        geoms = shapely.coverage_clean(geoms, gap_width=width)
    simplified = shapely.coverage_simplify(geoms, tolerance_m, simplify_boundary=True)
    wgs = np.asarray(gpd.GeoSeries(simplified, crs=RD_NEW).to_crs(WGS84).values)
    wgs = _round(wgs, decimals)
    for _ in range(3):  # rounding after cleaning can re-touch a ring; converges in one or two passes
        filled = ~shapely.is_empty(wgs)
        if shapely.is_valid(wgs).all() and shapely.coverage_is_valid(wgs[filled]):
            break
        wgs = _round(shapely.coverage_clean(wgs, snapping_distance=0), decimals)
    filled = ~shapely.is_empty(wgs)
    out = gdf.copy().set_geometry(gpd.GeoSeries(wgs, crs=WGS84, index=gdf.index))
    out.attrs["coverage_valid"] = bool(shapely.is_valid(wgs).all() and shapely.coverage_is_valid(wgs[filled]))
    return out


def coverage_gaps(gdf: gpd.GeoDataFrame, gap_width_m: float = 1.0) -> dict[str, int]:
    """How far a polygon set is from a clean coverage, checked as stored (no repair): invalid polygons,
    polygons with overlapping/unmatched edges or gaps narrower than `gap_width_m`, and the number of holes
    in the union (a gap between neighbours shows up as a new hole)."""
    geoms = np.asarray(gdf.geometry.values)
    geoms = geoms[~shapely.is_missing(geoms)]
    geoms = geoms[~shapely.is_empty(geoms)]
    invalid = int((~shapely.is_valid(geoms)).sum())
    width = gap_width_m if gdf.crs is None or gdf.crs.is_projected else gap_width_m / 111_000.0
    bad_edges = shapely.coverage_invalid_edges(geoms, gap_width=width)
    try:
        union = shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:  # not a clean coverage: the general (slower) union
        union = shapely.union_all(shapely.make_valid(geoms))
    parts = shapely.get_parts(union)
    holes = int(shapely.get_num_interior_rings(parts).sum()) if len(parts) else 0
    return {
        "invalid_polygons": invalid,
        "polygons_with_invalid_edges": int((~shapely.is_empty(bad_edges)).sum()),
        "holes_in_union": holes,
    }


def write_geojson(gdf: gpd.GeoDataFrame, path: Path | str, *, decimals: int = GEOJSON_DECIMALS) -> Path:
    """Write WGS84 GeoJSON with rounded coordinates, atomically (temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    frame = gdf.to_crs(WGS84) if gdf.crs is not None and gdf.crs != WGS84 else gdf
    frame.to_file(tmp, driver="GeoJSON", engine="pyogrio", layer_options={"COORDINATE_PRECISION": decimals, "RFC7946": "YES"})
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------------------------------- PDOK


def pdok_items_url(year: int, collection: str) -> str:
    """OGC API Features items URL of the CBS wijken-en-buurten dataset on PDOK ('gemeenten'|'wijken'|'buurten')."""
    return PDOK_ITEMS_URL.format(year=year, collection=collection)


def _next_link(page: dict) -> str | None:
    for link in page.get("links") or []:
        if link.get("rel") == "next" and link.get("href"):
            return link["href"]
    return None


def _check_page(page: Any, where: str) -> list[dict]:
    if not isinstance(page, dict) or page.get("type") != "FeatureCollection" or not isinstance(page.get("features"), list):
        raise SourceError(where, "geen GeoJSON FeatureCollection (OGC API Features-pagina verwacht)")
    return page["features"]


def iter_pdok_pages(url: str, *, session, gemeentecode: str | None = None, limit: int = PDOK_PAGE_LIMIT,
                    timeout: float = 60.0, max_pages: int = 10_000) -> Iterable[tuple[str, dict]]:
    """Yield (url, page) following rel=next links. The first request carries f=json, limit and the optional
    gemeentecode filter; next links already hold the query."""
    params: dict[str, Any] | None = {"f": "json", "limit": limit}
    if gemeentecode:
        params["gemeentecode"] = gemeentecode
    seen: set[str] = set()
    current: str | None = url
    for _ in range(max_pages):
        if current is None:
            return
        if current in seen:
            raise SourceError(current, "rel=next verwijst naar een pagina die al gelezen is (lus)")
        seen.add(current)
        response = session.get(current, params=params, timeout=timeout)
        status = getattr(response, "status_code", 200)
        if status != 200:
            raise SourceError(current, f"HTTP {status}")
        try:
            page = response.json()
        except ValueError as exc:
            raise SourceError(current, f"antwoord is geen JSON ({exc})") from exc
        _check_page(page, current)
        yield current, page
        params = None
        current = _next_link(page)
    raise SourceError(url, f"meer dan {max_pages} pagina's; gestopt")


def read_pdok_features(url_or_pages, *, session=None, gemeentecode: str | None = None,
                       limit: int = PDOK_PAGE_LIMIT) -> gpd.GeoDataFrame:
    """Features from PDOK's OGC API (following rel=next) or from recorded pages (dicts or JSON file paths).

    `session` is anything with `get(url, params=..., timeout=...)` returning an object with `status_code`
    and `json()` (a requests.Session by default). Returns a GeoDataFrame in EPSG:4326 (OGC API Features
    serves CRS84 unless asked otherwise), properties as columns, feature ids in 'feature_id'."""
    features: list[dict] = []
    if isinstance(url_or_pages, str):
        if session is None:
            import requests

            session = requests.Session()
        for _, page in iter_pdok_pages(url_or_pages, session=session, gemeentecode=gemeentecode, limit=limit):
            features.extend(page["features"])
    else:
        for index, page in enumerate(url_or_pages):
            where = f"page {index + 1}"
            if isinstance(page, (str, Path)):
                where = str(page)
                try:
                    page = json.loads(Path(page).read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise SourceError(where, f"pagina niet leesbaar ({exc})") from exc
            features.extend(_check_page(page, where))
    if not features:
        return gpd.GeoDataFrame({"feature_id": []}, geometry=gpd.GeoSeries([], crs=WGS84))
    frame = gpd.GeoDataFrame.from_features(features, crs=WGS84)
    frame.insert(0, "feature_id", [f.get("id") for f in features])
    return frame
