"""The demo municipality: deterministic, fictitious, plausible, and in the real source formats."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import shapely
from shapely.geometry import shape

from etl import demo


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(folder)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def test_demo_is_deterministic(tmp_path, demo_sources):
    again = tmp_path / "again"
    demo.generate(again)
    assert _digest(again) == _digest(demo_sources.parent)


def test_demo_is_clearly_fictitious(demo_sources):
    gm = json.loads((demo_sources.parent / "boundaries" / "gemeenten.geojson").read_text())
    props = gm["features"][0]["properties"]
    assert "fictief" in props["gemeentenaam"]
    assert props["gemeentecode"] == "GM9999"


def test_demo_polygons_tile_without_gaps_or_overlaps(demo_sources):
    folder = demo_sources.parent / "boundaries"
    wijken = [shape(f["geometry"]) for f in json.loads((folder / "wijken.geojson").read_text())["features"]]
    buurten_fc = json.loads((folder / "buurten.geojson").read_text())["features"]
    buurten = [shape(f["geometry"]) for f in buurten_fc]
    outline = shape(json.loads((folder / "gemeenten.geojson").read_text())["features"][0]["geometry"])
    assert len(wijken) >= 8 and len(buurten) >= 25
    for level in (wijken, buurten):
        union = shapely.union_all(level)
        assert abs(sum(g.area for g in level) - union.area) < 1.0  # m²: no overlaps
        assert abs(union.area - outline.area) < 1.0                 # no gaps
        assert all(g.is_valid for g in level)
    # Buurten nest inside their wijk.
    by_code = {f["properties"]["wijkcode"]: shape(f["geometry"]) for f in
               json.loads((folder / "wijken.geojson").read_text())["features"]}
    for f in buurten_fc:
        wijk = by_code[f["properties"]["wijkcode"]]
        assert shape(f["geometry"]).difference(wijk).area < 1.0


def test_demo_has_enough_posts_pages_and_a_comparison_group(demo_sources):
    folder = demo_sources.parent
    records = 0
    for f in (folder / "posts").rglob("*.json"):
        for post in json.loads(f.read_text())["data"]:
            records += 1
            for c in post.get("comments", {}).get("data", []):
                records += 1 + len(c.get("comments", {}).get("data", []))
    assert records >= 5000
    pages = (folder / "pages.csv").read_text().splitlines()[1:]
    assert len(pages) >= 4
    served = {code for line in pages for code in line.split(",")[3].split(";")}
    wijken = json.loads((folder / "boundaries" / "wijken.geojson").read_text())["features"]
    assert len({f["properties"]["wijkcode"] for f in wijken} - served) >= 2


def test_demo_police_table_is_paged_odata_with_withheld_cells(demo_sources):
    folder = demo_sources.parent / "politie" / "47022NED"
    pages = sorted(folder.glob("TypedDataSet_*.json"))
    assert len(pages) >= 2
    first = json.loads(pages[0].read_text())
    assert "odata.nextLink" in first and "odata.nextLink" not in json.loads(pages[-1].read_text())
    rows = [r for p in pages for r in json.loads(p.read_text())["value"]]
    assert any(r["GeregistreerdeMisdrijven_1"] is None for r in rows)
    assert any(r["SoortMisdrijf"] == "0.0.0 " for r in rows)
    assert all(len(r["WijkenEnBuurten"]) == 10 for r in rows)  # padded as CBS does
    months = {r["Perioden"] for r in rows}
    assert len(months) == 36
