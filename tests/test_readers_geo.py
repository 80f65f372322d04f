"""Boundary reader, coverage simplification and PDOK paging."""
from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from etl.geo import coverage_gaps, iter_pdok_pages, pdok_items_url, read_pdok_features, simplify_coverage, write_geojson
from etl.readers.base import SourceError
from etl.readers.boundaries import boundaries_from_frame, read_boundaries

DATA = Path(__file__).resolve().parent / "data" / "geo"


@pytest.fixture(scope="session")
def real() -> Path:
    path = Path(__file__).resolve().parents[2] / "shared" / "real"
    if not path.exists():
        pytest.skip("shared/real is not beside the checkout")
    return path


@pytest.fixture(scope="session")
def wijken_2014(real):
    return read_boundaries(real / "cbs-gebiedsindelingen-2014" / "wijk_2014.topojson")


@pytest.fixture(scope="session")
def buurten_2014(real):
    return read_boundaries(real / "cbs-gebiedsindelingen-2014" / "buurt_2014.topojson")


def test_national_wijken_2014(wijken_2014):
    frame = wijken_2014.frame
    assert len(frame) == 2738 and set(frame["level"]) == {"wijk"}
    assert frame.crs.to_epsg() == 4326
    assert "CRS ontbreekt in wijk_2014.topojson; afgeleid als EPSG:4326" in wijken_2014.notes
    assert frame["code"].str.match(r"^WK\d{6}$").all()
    assert (frame["wijk_code"] == frame["code"]).all()
    waalwijk = frame[frame["gemeente_code"] == "GM0867"]
    assert sorted(waalwijk["code"]) == ["WK086700", "WK086701", "WK086702"]
    # RD New areas: Waalwijk is about 68 km2 in total
    assert 55e6 < waalwijk["area_m2"].sum() < 80e6


def test_national_buurten_2014_waalwijk(buurten_2014):
    frame = buurten_2014.frame
    assert len(frame) == 11691 and set(frame["level"]) == {"buurt"}
    waalwijk = frame[frame["gemeente_code"] == "GM0867"]
    assert len(waalwijk) == 23 and waalwijk["code"].str.startswith("BU0867").all()
    assert set(waalwijk["wijk_code"]) == {"WK086700", "WK086701", "WK086702"}
    assert (waalwijk["wijk_code"] == "WK" + waalwijk["code"].str[2:8]).all()
    # the source's misspelling is kept verbatim, not corrected
    assert "Buitengebeid Capelle" in set(waalwijk["name"])
    # collapsed polygons keep their code but have no area (unknown, not 0)
    empty = frame.geometry.is_empty
    assert frame.loc[empty, "area_m2"].isna().all() and frame.loc[~empty, "area_m2"].gt(0).all()
    assert frame.geometry.is_valid.all()


def test_simplified_wijken_sizes_and_no_gaps(wijken_2014, tmp_path):
    simplified = simplify_coverage(wijken_2014.frame, 100)
    assert simplified.attrs["coverage_valid"] and simplified.crs.to_epsg() == 4326
    national = write_geojson(simplified, tmp_path / "wijken.geojson")
    assert national.stat().st_size < 5_000_000
    one = write_geojson(simplified[simplified["gemeente_code"] == "GM0867"], tmp_path / "wijken_0867.geojson")
    assert one.stat().st_size < 300_000
    reread = gpd.read_file(national)
    gaps = coverage_gaps(reread, gap_width_m=1.0)
    assert gaps["invalid_polygons"] == 0 and gaps["polygons_with_invalid_edges"] == 0
    # what is left are real enclaves (holes the unsimplified, cleaned coverage has as well)
    assert gaps["holes_in_union"] <= 10
    assert coverage_gaps(wijken_2014.frame)["polygons_with_invalid_edges"] > 0  # the source itself is not clean


def test_simplified_waalwijk_buurten_keep_their_neighbours(buurten_2014):
    waalwijk = buurten_2014.frame[buurten_2014.frame["gemeente_code"] == "GM0867"].reset_index(drop=True)
    cleaned = simplify_coverage(waalwijk, 0)  # the same coverage cleaning, no simplification
    simplified = simplify_coverage(waalwijk, 50)
    assert coverage_gaps(simplified)["polygons_with_invalid_edges"] == 0

    def neighbours(frame):
        geoms = frame.to_crs(28992).geometry.values
        pairs = set()
        for i in range(len(geoms)):
            for j in range(i + 1, len(geoms)):
                if not geoms[i].is_empty and not geoms[j].is_empty:
                    shared = shapely.intersection(geoms[i].boundary, geoms[j].boundary).length
                    if shared > 1.0:
                        pairs.add((frame["code"].iloc[i], frame["code"].iloc[j]))
        return pairs

    before, after = neighbours(cleaned), neighbours(simplified)
    assert before and before <= after


def test_rd_geojson_without_crs_is_inferred():
    result = read_boundaries(DATA / "wijken_rd_zonder_crs.geojson")
    assert "CRS ontbreekt in wijken_rd_zonder_crs.geojson; afgeleid als EPSG:28992" in result.notes
    frame = result.frame
    assert frame["code"].tolist() == ["WK086700", "WK086701"]
    assert frame["name"].tolist() == ["Wijk 00 Waalwijk", "Wijk 01 Sprang-Capelle"]
    assert frame["area_m2"].round().tolist() == [2_000_000, 2_000_000]
    minx, miny, maxx, maxy = frame.total_bounds
    assert 4 < minx < 6 and 51 < miny < 52


def test_bad_features_are_rejected_with_reasons():
    result = read_boundaries(DATA / "grenzen_fouten.geojson")
    assert result.frame["code"].tolist() == ["BU08670000"]
    reasons = {r.record: r.reason for r in result.rejects}
    assert "geen (multi)polygoon" in reasons["feature[1]"]
    assert "geen gebiedscode" in reasons["feature[2]"]  # '-99997' means unknown
    assert "vaker" in reasons["feature[3]"]
    assert "geen GM/WK/BU-code" in reasons["feature[4]"]
    assert result.records_read == 5


def test_shapefile_and_geopackage_with_kaart_property_names(tmp_path):
    source = gpd.read_file(DATA / "wijken_rd_zonder_crs.geojson").set_crs(28992, allow_override=True)
    buurten = gpd.GeoDataFrame(
        {
            "BU_CODE": ["BU08670000", "BU08670001"],
            "BU_NAAM": ["Centrum", "Besoijen"],
            "WK_CODE": ["WK086700", "-99997"],
            "GM_CODE": ["GM0867", "GM0867"],
            "GM_NAAM": ["Waalwijk", "Waalwijk"],
        },
        geometry=[
            shapely.box(131000, 410000, 132000, 411000),
            shapely.box(132000, 410000, 133000, 411000),
        ],
        crs=28992,
    )
    shp = tmp_path / "buurt_2023.shp"
    buurten.to_file(shp, engine="pyogrio")
    frame = read_boundaries(shp).frame
    assert frame["code"].tolist() == ["BU08670000", "BU08670001"]
    assert frame["wijk_code"].tolist() == ["WK086700", "WK086700"]  # '-99997' -> derived from the code
    assert frame["gemeente_code"].tolist() == ["GM0867", "GM0867"]
    gpkg = tmp_path / "wijkenbuurten_2023.gpkg"
    buurten.to_file(gpkg, layer="buurten", engine="pyogrio")
    source.to_file(gpkg, layer="wijken", engine="pyogrio")
    wijken = read_boundaries(gpkg, level="wijk")
    assert wijken.frame["level"].tolist() == ["wijk", "wijk"]
    assert any("laag 'wijken'" in n for n in wijken.notes)
    assert read_boundaries(gpkg, level="buurt").frame["name"].tolist() == ["Centrum", "Besoijen"]


def test_topojson_with_json_suffix_and_broken_files(real, tmp_path):
    copy = tmp_path / "wijk.json"
    shutil.copy(real / "cbs-gebiedsindelingen-2014" / "wijk_2014.topojson", copy)
    assert len(read_boundaries(copy).frame) == 2738
    with pytest.raises(SourceError, match="ontbreekt"):
        read_boundaries(tmp_path / "nope.geojson")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(SourceError, match="broken.geojson"):
        read_boundaries(broken)
    far = tmp_path / "far.geojson"
    far.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"statcode":"GM0867"},'
        '"geometry":{"type":"Polygon","coordinates":[[[900000,900000],[900100,900000],[900100,900100],[900000,900000]]]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match="RD New of WGS84"):
        read_boundaries(far)


# ------------------------------------------------------------------------------------------- PDOK paging


class FakeResponse:
    def __init__(self, payload, status_code=200):
        self.payload, self.status_code = payload, status_code

    def json(self):
        if isinstance(self.payload, Exception):
            raise self.payload
        return self.payload


class FakeSession:
    """Replays recorded pages by URL and records what was asked."""

    def __init__(self, pages: dict[str, object]):
        self.pages, self.calls = pages, []

    def get(self, url, params=None, timeout=None):
        self.calls.append((url, params))
        payload = self.pages.get(url)
        return FakeResponse({}, 404) if payload is None else FakeResponse(payload)


def _recorded_pages():
    import json

    p1 = json.loads((DATA / "pdok_buurten_p1.json").read_text())
    p2 = json.loads((DATA / "pdok_buurten_p2.json").read_text())
    next_href = next(link["href"] for link in p1["links"] if link["rel"] == "next")
    return p1, p2, next_href


def test_pdok_follows_next_links_with_injected_session():
    p1, p2, next_href = _recorded_pages()
    url = pdok_items_url(2023, "buurten")
    session = FakeSession({url: p1, next_href: p2})
    frame = read_pdok_features(url, session=session, gemeentecode="GM0867")
    assert len(frame) == 4 and frame.crs.to_epsg() == 4326
    assert session.calls[0] == (url, {"f": "json", "limit": 1000, "gemeentecode": "GM0867"})
    assert session.calls[1] == (next_href, None)  # the next link already carries the query
    result = boundaries_from_frame(frame, "pdok:wijken-en-buurten-2023/buurten")
    assert result.frame["code"].tolist() == ["BU08670000", "BU08670001", "BU08670100", "BU08670101"]
    assert result.frame["wijk_code"].tolist() == ["WK086700", "WK086700", "WK086701", "WK086701"]
    assert (result.frame["area_m2"] - 1e6).abs().max() < 100


def test_pdok_recorded_pages_and_errors(tmp_path):
    frame = read_pdok_features([DATA / "pdok_buurten_p1.json", DATA / "pdok_buurten_p2.json"])
    assert frame["buurtcode"].tolist()[-1] == "BU08670101"
    p1, _, next_href = _recorded_pages()
    url = pdok_items_url(2023, "buurten")
    with pytest.raises(SourceError, match="HTTP 404"):
        read_pdok_features(url, session=FakeSession({url: p1}))  # second page fails
    looping = dict(p1, links=[{"rel": "next", "href": url}])
    with pytest.raises(SourceError, match="lus"):
        list(iter_pdok_pages(url, session=FakeSession({url: looping})))
    with pytest.raises(SourceError, match="FeatureCollection"):
        read_pdok_features([{"type": "Feature"}])


# ------------------------------------------------------------------------------------------- events


def test_incident_events_counted_per_buurt_and_wijk(tmp_path):
    from etl.readers.incident_events import read_incident_events

    buurten = boundaries_from_frame(
        read_pdok_features([DATA / "pdok_buurten_p1.json", DATA / "pdok_buurten_p2.json"]), "pdok"
    ).frame
    result = read_incident_events(DATA / "meldingen.csv", buurten)
    frame = result.frame.set_index(["area_code", "period_start", "crime_code"])
    assert frame.loc[("BU08670000", pd.Timestamp("2024-01-01"), "jongerenoverlast"), "count"] == 2
    assert frame.loc[("BU08670000", pd.Timestamp("2024-01-01"), "afval"), "count"] == 1
    assert frame.loc[("WK086701", pd.Timestamp("2024-02-01"), "jongerenoverlast"), "count"] == 1
    assert set(result.frame["period_type"]) == {"maand"} and result.frame["count"].dtype == "Int64"
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {"line 6", "line 7", "line 8", "line 9"}
    assert "buiten alle" in reasons["line 7"] and "onleesbaar" in reasons["line 6"]
    # RD New x/y columns work the same
    rd = tmp_path / "rd.csv"
    rd.write_text("datum;type;x;y\n2024-04-01;Afval;131500;410500\n", encoding="utf-8")
    assert read_incident_events(rd, buurten).frame["area_code"].tolist() == ["BU08670000", "WK086700"]
