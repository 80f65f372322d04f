"""Generic event lists (date, type, location) -> monthly counts per buurt and wijk, in the police frame shape.

For sources such as a gemeente's own meldingen (BOA, MOR/'Fixi' exports) or incident lists: each event is
placed in a buurt (and wijk) by point-in-polygon (geopandas.sjoin) and counted per month and type. Months
without events produce no row: whether that means zero depends on the coverage of the source, which the
reader cannot know.
"""
from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from etl.readers.base import Reject, ReadResult, SourceError
from etl.readers.cbs_odata import implausible_years, plausible_years_text
from etl.readers.police import POLICE_COLUMNS, empty_police_frame

DATE_COLUMNS = ("datum", "date", "datum_melding", "meldingsdatum", "created_at", "tijdstip", "datetime")
TYPE_COLUMNS = ("type", "soort", "categorie", "category", "soort_melding", "incidenttype", "onderwerp")
LAT_COLUMNS = ("lat", "latitude", "breedtegraad", "y_wgs84")
LON_COLUMNS = ("lon", "lng", "longitude", "lengtegraad", "x_wgs84")
X_COLUMNS = ("x", "rd_x", "x_rd", "xcoord", "x_coord", "x_coordinaat")
Y_COLUMNS = ("y", "rd_y", "y_rd", "ycoord", "y_coord", "y_coordinaat")


def _find(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lookup = {c.strip().casefold(): c for c in frame.columns}
    return next((lookup[n] for n in names if n in lookup), None)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise SourceError(path, "bestand ontbreekt")
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    if not text.strip():
        raise SourceError(path, "bestand is leeg")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype="string", keep_default_na=False)
    except Exception as exc:
        raise SourceError(path, f"niet leesbaar als CSV ({str(exc).splitlines()[0]})") from exc
    if frame.empty:
        raise SourceError(path, "bevat geen gebeurtenissen")
    return frame


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype("string").str.strip().str.replace(",", ".", regex=False), errors="coerce")


def _points(raw: pd.DataFrame, path: Path) -> tuple[gpd.GeoSeries, str]:
    lat, lon = _find(raw, LAT_COLUMNS), _find(raw, LON_COLUMNS)
    x, y = _find(raw, X_COLUMNS), _find(raw, Y_COLUMNS)
    if lat and lon:
        xs, ys, crs = _number(raw[lon]), _number(raw[lat]), "EPSG:4326"
    elif x and y:
        xs, ys = _number(raw[x]), _number(raw[y])
        # 'x'/'y' columns hold RD New unless the values are degrees (no number at all: every row is rejected
        # for its location anyway, so the choice does not matter)
        crs = "EPSG:4326" if _largest(xs) <= 180 and _largest(ys) <= 90 else "EPSG:28992"
    else:
        raise SourceError(path, f"geen locatiekolommen (lat/lon of RD x/y); gevonden: {', '.join(raw.columns)}")
    return gpd.GeoSeries(gpd.points_from_xy(xs, ys), index=raw.index, crs=crs), crs


def _largest(values: pd.Series) -> float:
    """Largest absolute value, 0 when there is none (max() of an all-NA column is NA, not a number)."""
    largest = values.abs().max()
    return 0.0 if pd.isna(largest) else float(largest)


def parse_event_dates(values: pd.Series) -> pd.Series:
    """ISO dates first ('2024-01-05' is 5 January), then Dutch day-first forms ('05-01-2024'); NaT otherwise."""
    text = values.astype("string").str.strip()
    when = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    rest = when.isna() & text.notna() & (text != "")
    if rest.any():
        when[rest] = pd.to_datetime(text[rest], errors="coerce", utc=True, dayfirst=True, format="mixed")
    return when


def read_incident_events(
    path: Path | str,
    boundaries: gpd.GeoDataFrame,
    *,
    date_column: str | None = None,
    type_column: str | None = None,
    source_table: str | None = None,
) -> ReadResult:
    """Events CSV -> monthly counts per buurt and per wijk (police frame columns; crime_code = event type).

    `boundaries` is a read_boundaries frame holding buurten (wijk counts follow from their wijk_code) and/or
    wijken (used directly for events that fall in no buurt polygon)."""
    path = Path(path)
    raw = _read_csv(path)
    date_col = date_column or _find(raw, DATE_COLUMNS)
    type_col = type_column or _find(raw, TYPE_COLUMNS)
    if date_col is None or date_col not in raw.columns or type_col is None or type_col not in raw.columns:
        raise SourceError(path, f"kolommen voor datum en type ontbreken; gevonden: {', '.join(raw.columns)}")
    points, crs = _points(raw, path)
    locator = "line " + pd.Series(np.arange(len(raw)) + 2, index=raw.index).astype("string")
    when = parse_event_dates(raw[date_col])
    kind = raw[type_col].astype("string").str.strip()

    reasons = pd.Series(pd.NA, index=raw.index, dtype="string")
    reasons = reasons.mask(when.isna(), "datum '" + raw[date_col].fillna("") + "' onleesbaar")
    reasons = reasons.mask(reasons.isna() & implausible_years(when),
                           "datum '" + raw[date_col].fillna("") + f"' ligt buiten {plausible_years_text()}")
    reasons = reasons.mask(reasons.isna() & (kind.isna() | (kind == "")), "type ontbreekt")
    reasons = reasons.mask(reasons.isna() & (points.x.isna() | points.y.isna()), "locatie ontbreekt of is geen getal")

    located = reasons.isna()
    pts = gpd.GeoDataFrame(geometry=points[located]).to_crs("EPSG:4326")
    area_index = {}
    for level in ("buurt", "wijk"):
        polygons = boundaries[(boundaries["level"] == level) & ~boundaries.geometry.is_empty]
        if polygons.empty:
            continue
        if pts.empty:  # nothing to place: an empty join result with the columns used below
            area_index[level] = pd.DataFrame({"code": pd.Series(dtype="string"), "wijk_code": pd.Series(dtype="string")})
            continue
        joined = gpd.sjoin(pts, polygons[["code", "wijk_code", "geometry"]].to_crs("EPSG:4326"), how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared border counts once
        area_index[level] = joined
    if not area_index:
        raise SourceError("boundaries", "geen buurt- of wijkgrenzen om gebeurtenissen aan toe te wijzen")
    buurt = area_index["buurt"]["code"] if "buurt" in area_index else pd.Series(pd.NA, index=pts.index, dtype="string")
    wijk = area_index["buurt"]["wijk_code"] if "buurt" in area_index else pd.Series(pd.NA, index=pts.index, dtype="string")
    if "wijk" in area_index:
        wijk = wijk.astype("string").fillna(area_index["wijk"]["code"].astype("string"))
    outside = buurt.isna() & wijk.isna()
    reasons.loc[outside[outside].index] = "punt ligt buiten alle buurt- en wijkgrenzen"

    bad = reasons.notna()
    rejects = [
        Reject.of(path, loc, reason, "; ".join(f"{k}={v}" for k, v in raw.loc[idx].items()))
        for idx, loc, reason in zip(raw.index[bad], locator[bad], reasons[bad])
    ]
    good = raw.index[~bad]
    month = when[good].dt.tz_convert(None).dt.to_period("M").dt.to_timestamp()
    events = pd.DataFrame(
        {"buurt": buurt.reindex(good).astype("string"), "wijk": wijk.reindex(good).astype("string"),
         "month": month, "label": kind[good], "code": kind[good].str.casefold()}
    )
    table = source_table or f"incidenten:{path.name}"
    if events.empty:
        notes = [f"{path.name}: geen van de {len(raw)} gebeurtenissen is bruikbaar (zie de afgewezen regels)"]
        return ReadResult(frame=empty_police_frame(), rejects=rejects, notes=notes, records_read=len(raw))
    frames = []
    for level in ("buurt", "wijk"):
        counted = events.dropna(subset=[level]).groupby([level, "month", "code"], as_index=False).agg(
            count=("label", "size"), crime_label=("label", "first"), first_line=("label", lambda s: s.index.min())
        )
        frames.append(
            pd.DataFrame(
                {
                    "area_code": counted[level],
                    "period_start": counted["month"].astype("datetime64[ns]"),
                    "period_type": "maand",
                    "crime_code": counted["code"],
                    "crime_label": counted["crime_label"],
                    "count": counted["count"],
                    "source_table": table,
                    "area_name": pd.NA,
                    "source_record": "line " + (counted["first_line"] + 2).astype("string") + " e.v.",
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.astype({c: t for c, t in POLICE_COLUMNS.items()})
    notes = [
        f"{path.name}: {len(good)} van {len(raw)} gebeurtenissen toegewezen (coördinaten {crs}); "
        "maanden zonder gebeurtenis hebben geen rij"
    ]
    return ReadResult(frame=frame[list(POLICE_COLUMNS)], rejects=rejects, notes=notes, records_read=len(raw))
