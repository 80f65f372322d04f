"""CBS gemeente/wijk/buurt boundaries from GeoJSON, TopoJSON, GeoPackage or Shapefile.

Property names differ per year and publisher (statcode/statnaam in the CBS gebiedsindelingen, buurtcode/
buurtnaam/wijkcode/gemeentecode on PDOK, BU_CODE/WK_NAAM/GM_NAAM in the wijk- en buurtkaart shapefiles);
'-99997' is CBS's 'unknown'. Files without a CRS get one inferred from their coordinate ranges (noted).
Invalid rings are repaired (GEOS 'structure' method: the polygon as drawn, collapsed parts dropped); a
boundary whose polygon collapsed entirely (tiny buurten in coarsely quantised files) is kept with an empty
geometry and NA area, so codes and names stay available for joins.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from etl.readers.base import Reject, ReadResult, SourceError

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"
UNKNOWN_VALUES = ("-99997", "-99999999", "-99997.0")
LEVEL_PREFIX = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}
PREFIX_LEVEL = {v: k for k, v in LEVEL_PREFIX.items()}
# Property names per role, most specific level first; matched case-insensitively.
CODE_FIELDS = {
    "buurt": ("buurtcode", "bu_code", "buurt_code"),
    "wijk": ("wijkcode", "wk_code", "wijk_code"),
    "gemeente": ("gemeentecode", "gm_code", "gemeente_code"),
}
NAME_FIELDS = {
    "buurt": ("buurtnaam", "bu_naam", "buurt_naam"),
    "wijk": ("wijknaam", "wk_naam", "wijk_naam"),
    "gemeente": ("gemeentenaam", "gm_naam", "gemeente_naam"),
}
GENERIC_CODE_FIELDS = ("statcode", "code", "identificatie")
GENERIC_NAME_FIELDS = ("statnaam", "naam", "name")
LEVEL_FIELDS = ("rubriek", "level", "soortregio")
BOUNDARY_COLUMNS = ["code", "name", "level", "gemeente_code", "wijk_code", "area_m2", "geometry"]
CODE_PATTERN = r"^(GM\d{4}|WK\d{6}|BU\d{8})$"


def empty_boundaries() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in BOUNDARY_COLUMNS[:-2]})
    frame["area_m2"] = pd.Series(dtype="Float64")
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84))


def _is_topojson(path: Path) -> bool:
    if path.suffix.lower() == ".topojson":
        return True
    if path.suffix.lower() != ".json":
        return False
    # the "type" member may come before or after the (large) arcs array
    with path.open("rb") as handle:
        head = handle.read(4096)
        handle.seek(max(0, path.stat().st_size - 4096))
        tail = handle.read()
    text = (head + b" " + tail).decode("utf-8", "ignore")
    return bool(re.search(r'"type"\s*:\s*"Topology"', text))


def _choose_layer(path: Path, level: str | None) -> tuple[str | None, list[str]]:
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception:  # not a multi-layer container; let read_file report the problem
        return None, []
    if len(layers) <= 1:
        return None, layers
    if level:
        wanted = [n for n in layers if re.search(rf"{level}(en)?", n, flags=re.IGNORECASE)]
        if wanted:
            return wanted[0], layers
    return layers[0], layers


def _read_raw(path: Path, level: str | None) -> tuple[gpd.GeoDataFrame, list[str]]:
    notes: list[str] = []
    if not path.exists():
        raise SourceError(path, "bestand ontbreekt")
    if path.is_file() and path.stat().st_size == 0:
        raise SourceError(path, "bestand is leeg")
    source = f"TopoJSON:{path}" if _is_topojson(path) else str(path)
    layer, layers = (None, []) if source.startswith("TopoJSON:") else _choose_layer(path, level)
    if layer is not None:
        notes.append(f"{path.name}: laag '{layer}' gelezen (beschikbaar: {', '.join(layers)})")
    try:
        frame = gpd.read_file(source, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises DataSourceError/DataLayerError/... with GDAL's message
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceError(path, f"geen leesbare grenzen (GeoJSON/TopoJSON/GeoPackage/Shapefile): {message}") from exc
    return frame, notes


def _infer_crs(frame: gpd.GeoDataFrame, path: Path) -> tuple[str, str]:
    minx, miny, maxx, maxy = frame.total_bounds
    if 2.5 <= minx and maxx <= 8.0 and 50.0 <= miny and maxy <= 54.0:
        crs = WGS84
    elif -10_000 <= minx and maxx <= 300_000 and 280_000 <= miny and maxy <= 625_000:
        crs = RD_NEW
    else:
        raise SourceError(
            path,
            f"CRS ontbreekt en coördinaten ({minx:.0f}, {miny:.0f}) - ({maxx:.0f}, {maxy:.0f}) passen niet bij "
            "RD New of WGS84 in Nederland",
        )
    return crs, f"CRS ontbreekt in {path.name}; afgeleid als {crs}"


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.Series | None:
    lookup = {str(c).casefold(): c for c in frame.columns}
    for name in names:
        if name in lookup:
            return _clean_text(frame[lookup[name]])
    return None


def _clean_text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text.isin(UNKNOWN_VALUES) | (text == ""))


def _coalesce(frame: pd.DataFrame, groups: list[tuple[str, ...]]) -> tuple[pd.Series, pd.Series]:
    """First non-null value across the field groups, and which group supplied it."""
    values = pd.Series(pd.NA, index=frame.index, dtype="string")
    source = pd.Series(pd.NA, index=frame.index, dtype="string")
    for label, names in groups:
        column = _column(frame, names)
        if column is None:
            continue
        take = values.isna() & column.notna()
        values = values.mask(take, column)
        source = source.mask(take, label)
    return values, source


def _standardise(
    raw: gpd.GeoDataFrame, path: Path, level: str | None
) -> tuple[pd.DataFrame, list[Reject], list[str], pd.Series]:
    notes: list[str] = []
    code_groups = [(lvl, CODE_FIELDS[lvl]) for lvl in ("buurt", "wijk", "gemeente")]
    code, code_level = _coalesce(raw, [("generic", GENERIC_CODE_FIELDS)] + code_groups)
    code = code.str.upper()
    # The name must belong to the same level as the code it sits beside.
    generic_name = _column(raw, GENERIC_NAME_FIELDS)
    name = pd.Series(pd.NA, index=raw.index, dtype="string")
    for lvl, names in NAME_FIELDS.items():
        column = _column(raw, names)
        if column is not None:
            name = name.mask(code_level == lvl, column)
    if generic_name is not None:
        name = name.fillna(generic_name)
    derived_level = code.str[:2].map(PREFIX_LEVEL).where(code.str.match(CODE_PATTERN).fillna(False).astype(bool))
    stated = _column(raw, LEVEL_FIELDS)
    if stated is not None:
        stated = stated.str.casefold().str.strip().where(lambda s: s.isin(list(LEVEL_PREFIX)))
        conflict = derived_level.notna() & stated.notna() & (derived_level != stated)
        if conflict.any():
            notes.append(f"{path.name}: {int(conflict.sum())} features met rubriek die niet bij de code past; code telt")
    level_values = derived_level.astype("string")

    gemeente = _column(raw, CODE_FIELDS["gemeente"])
    wijk = _column(raw, CODE_FIELDS["wijk"])
    # A parent code from the properties wins; otherwise it is derived from the code (BU08670001 -> WK086700).
    gemeente_code = ("GM" + code.str[2:6]).where(level_values.notna())
    if gemeente is not None:
        gemeente_code = gemeente.str.upper().where(gemeente.str.upper().str.match(r"^GM\d{4}$").fillna(False).astype(bool)).fillna(gemeente_code)
    wijk_code = ("WK" + code.str[2:8]).where(level_values.isin(["wijk", "buurt"]).fillna(False).astype(bool))
    if wijk is not None:
        from_props = wijk.str.upper().where(wijk.str.upper().str.match(r"^WK\d{6}$").fillna(False).astype(bool))
        wijk_code = from_props.where(level_values == "buurt").fillna(wijk_code)

    rejects: list[Reject] = []
    reasons = pd.Series(pd.NA, index=raw.index, dtype="string")
    reasons = reasons.mask(code.isna(), "geen gebiedscode in de eigenschappen (statcode/buurtcode/wijkcode/gemeentecode/BU_CODE...)")
    reasons = reasons.mask(code.notna() & level_values.isna(), "gebiedscode is geen GM/WK/BU-code")
    geom_types = raw.geometry.geom_type
    not_polygon = geom_types.notna() & ~geom_types.isin(["Polygon", "MultiPolygon"])
    reasons = reasons.mask(not_polygon & reasons.isna(), "geometrie is geen (multi)polygoon")
    duplicate = code.notna() & code.duplicated(keep="first")
    reasons = reasons.mask(duplicate & reasons.isna(), "gebiedscode komt vaker voor; eerste feature telt")
    if level is not None:
        other = level_values.notna() & (level_values != level) & reasons.isna()
        if other.any():
            notes.append(f"{path.name}: {int(other.sum())} features van ander niveau dan '{level}' overgeslagen")
        reasons = reasons.mask(other, "__skip__")
    for position in np.flatnonzero((reasons.notna() & (reasons != "__skip__")).to_numpy()):
        props = raw.drop(columns=raw.geometry.name).iloc[position].to_dict()
        rejects.append(Reject.of(path, f"feature[{position}]", reasons.iloc[position], json.dumps(props, default=str)))
    keep = reasons.isna()
    frame = pd.DataFrame(
        {
            "code": code,
            "name": name,
            "level": level_values,
            "gemeente_code": gemeente_code.astype("string"),
            "wijk_code": wijk_code.astype("string"),
        }
    )[keep]
    return frame, rejects, notes, keep


def read_boundaries(path: Path | str, *, level: str | None = None) -> ReadResult:
    """Boundaries as a GeoDataFrame in EPSG:4326: code, name, level, gemeente_code, wijk_code, area_m2
    (computed in RD New), geometry. `level` ('gemeente'|'wijk'|'buurt') picks the layer of a multi-layer
    file and keeps only features of that level."""
    path = Path(path)
    if level is not None and level not in LEVEL_PREFIX:
        raise ValueError(f"level moet gemeente, wijk of buurt zijn, niet {level!r}")
    raw, notes = _read_raw(path, level)
    result = boundaries_from_frame(raw, path, level=level)
    result.notes[1:1] = notes
    return result


def boundaries_from_frame(raw: gpd.GeoDataFrame, source: Path | str, *, level: str | None = None) -> ReadResult:
    """Standardise an already loaded boundary frame (e.g. from read_pdok_features) like read_boundaries."""
    path = Path(source)
    notes: list[str] = []
    if raw.empty:
        raise SourceError(path, "bevat geen features")
    # GDAL labels every GeoJSON as WGS84 (RFC 7946), also one written in RD New without a crs member.
    degrees_claimed = raw.crs is not None and raw.crs.is_geographic
    outside_degrees = degrees_claimed and float(np.nanmax(np.abs(raw.total_bounds))) > 180
    if raw.crs is None or outside_degrees:
        crs, note = _infer_crs(raw, path)
        raw = raw.set_crs(crs, allow_override=True)
        notes.append(note)
    frame, rejects, more_notes, keep = _standardise(raw, path, level)
    notes += more_notes
    geometry = np.asarray(raw.geometry.values)[keep.to_numpy()]
    geometry = np.where(shapely.is_missing(geometry), shapely.Polygon(), geometry)
    rd = np.asarray(gpd.GeoSeries(geometry, crs=raw.crs).to_crs(RD_NEW).values)
    invalid = ~shapely.is_valid(rd) & ~shapely.is_empty(rd)
    if invalid.any():
        rd[invalid] = shapely.make_valid(rd[invalid], method="structure", keep_collapsed=False)
        notes.append(f"{path.name}: {int(invalid.sum())} ongeldige polygonen hersteld (structure-methode)")
    empty = shapely.is_empty(rd)
    if empty.any():
        notes.append(
            f"{path.name}: {int(empty.sum())} gebieden zonder oppervlak (ingeklapt of leeg); code en naam blijven, "
            "geometrie leeg, oppervlakte onbekend"
        )
    area = pd.Series(shapely.area(rd), index=frame.index).astype("Float64").mask(pd.Series(empty, index=frame.index))
    wgs = np.asarray(gpd.GeoSeries(rd, crs=RD_NEW).to_crs(WGS84).values)
    # projecting can make a ring that touched itself in RD cross itself in lon/lat
    crossed = ~shapely.is_valid(wgs) & ~shapely.is_empty(wgs)
    wgs[crossed] = shapely.make_valid(wgs[crossed], method="structure", keep_collapsed=False)
    area = area.mask(pd.Series(shapely.is_empty(wgs), index=frame.index))
    wgs = gpd.GeoSeries(wgs, crs=WGS84, index=frame.index)
    result = gpd.GeoDataFrame(frame.assign(area_m2=area), geometry=wgs, crs=WGS84).reset_index(drop=True)
    counts = result["level"].value_counts()
    notes.insert(0, f"{path.name}: " + ", ".join(f"{int(counts.get(l, 0))} {l}" for l in LEVEL_PREFIX if counts.get(l, 0)))
    return ReadResult(frame=result[BOUNDARY_COLUMNS], rejects=rejects, notes=notes, records_read=len(raw))
