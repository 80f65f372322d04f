"""Plausible, gap-free wijk and buurt polygons for the fictitious demo municipality.

Wijken are Voronoi cells of seed points clipped to the gemeente outline; each wijk is split into buurten by a
second Voronoi tessellation clipped to the wijk, so buurten nest exactly inside wijken and neighbours share
their borders. Everything is in RD New (EPSG:28992) metres.
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon


def gemeente_outline(center: tuple[float, float], radius_m: float, rng: np.random.Generator) -> Polygon:
    """A blob-shaped outline: a circle with a smooth random radius."""
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    wobble = 1 + 0.12 * np.sin(3 * angles + rng.uniform(0, 6)) + 0.07 * np.sin(5 * angles + rng.uniform(0, 6))
    xs = center[0] + radius_m * wobble * np.cos(angles)
    ys = center[1] + radius_m * wobble * np.sin(angles)
    return shapely.make_valid(Polygon(np.column_stack([xs, ys]).round(1)))


def _points_inside(poly: Polygon, n: int, rng: np.random.Generator, min_gap: float) -> list[Point]:
    minx, miny, maxx, maxy = poly.bounds
    points: list[Point] = []
    tries = 0
    while len(points) < n:
        tries += 1
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        gap = min_gap if tries < 5000 else min_gap / 3
        if poly.buffer(-gap / 3).contains(p) and all(p.distance(q) > gap for q in points):
            points.append(p)
    return points


def _voronoi_cells(poly: Polygon, points: list[Point]) -> list[Polygon]:
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=poly.buffer(poly.length))
    by_point = []
    parts = list(cells.geoms)
    for p in points:
        cell = next(c for c in parts if c.contains(p))
        clipped = cell.intersection(poly)
        if clipped.geom_type == "MultiPolygon":  # keep the part holding the seed
            clipped = max(clipped.geoms, key=lambda g: g.area)
        by_point.append(clipped)
    return by_point


def tessellate(outline: Polygon, buurten_per_wijk: list[int], rng: np.random.Generator) -> list[tuple[Polygon, list[Polygon]]]:
    """Return [(wijk polygon, [buurt polygons])] that tile the outline without gaps or overlaps."""
    n_wijken = len(buurten_per_wijk)
    spacing = np.sqrt(outline.area / n_wijken) * 0.6
    wijk_seeds = _points_inside(outline, n_wijken, rng, spacing)
    wijken = _voronoi_cells(outline, wijk_seeds)
    result = []
    for wijk, n_buurten in zip(wijken, buurten_per_wijk):
        if n_buurten == 1:
            result.append((wijk, [wijk]))
            continue
        seeds = _points_inside(wijk, n_buurten, rng, np.sqrt(wijk.area / n_buurten) * 0.5)
        buurten = _voronoi_cells(wijk, seeds)
        # Rebuild the wijk as the union of its buurten so the two levels share exact borders.
        result.append((shapely.union_all(buurten), buurten))
    return result
