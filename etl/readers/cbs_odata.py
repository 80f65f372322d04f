"""CBS / Politie open data (StatLine) in the two forms we get it in.

1. The OData v3 API cached on disk: a folder `<TableId>/` holding the raw API responses
   - `TableInfos.json`, `DataProperties.json`,
   - one code list per dimension named after the dimension key (`SoortMisdrijf.json`, `WijkenEnBuurten.json`,
     `Perioden.json`, `RegioS.json`, `Marges.json`, ...),
   - the data as `TypedDataSet.json` or as pages `TypedDataSet_001.json`, `TypedDataSet_002.json`, ...
   Each file is the API's JSON `{"odata.metadata": ..., "value": [...], "odata.nextLink": ...}`; a page that
   carries `odata.nextLink` promises a next page, so a missing page is detected, never silently skipped.
2. The semicolon separated CSV download from StatLine / data.politie.nl (UTF-8 BOM, CRLF, every value quoted,
   dimension labels instead of codes, numbers right-aligned with spaces, '.' for a withheld value).

CBS pads codes with trailing spaces ('WK036300  ', '1.1.1 '); everything returned here is stripped.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd

from etl.readers.base import SourceError

DIMENSION_TYPES = ("Dimension", "TimeDimension", "GeoDimension")
TOPIC_TYPE = "Topic"
DATA_FILE = "TypedDataSet.json"
PAGE_PATTERN = re.compile(r"^TypedDataSet_(\d{3,})\.json$")
# StatLine cell symbols: '.' unknown/withheld, 'x' secret, '?' unreliable -> NA. '-' means "nihil" (zero).
WITHHELD_SYMBOLS = frozenset({".", "x", "?", ""})
NIHIL_SYMBOL = "-"
# UTF-16 without a BOM is recognised by its NUL bytes: in the first UTF16_SNIFF_BYTES, more than this share of
# the bytes at odd (little endian) or even (big endian) positions is NUL, as for Latin text in UTF-16.
UTF16_SNIFF_BYTES = 4096
UTF16_NUL_SHARE = 0.6
# Whole numbers up to 2**53 are exact in a float and fit Int64; a bigger 'count' is a broken cell and stays Float64
MAX_EXACT_INTEGER = 2**53
# Plausible years for data about a wijk today: registrations, survey waves and events before 1990 or after next
# year are typos or broken exports (StatLine wijk/buurt tables start in the 2000s), not history or forecasts.
EARLIEST_PLAUSIBLE_YEAR = 1990
LATEST_PLAUSIBLE_YEAR_AHEAD = 1  # years after the current one still accepted (a wave published early)


@dataclass
class CbsTable:
    """One cached CBS OData table. `data` has its dimension keys stripped of CBS padding."""

    table_id: str
    title: str
    data_properties: pd.DataFrame
    code_lists: dict[str, pd.DataFrame]
    data: pd.DataFrame
    folder: Path
    table_infos: dict = field(default_factory=dict)
    page_files: list[str] = field(default_factory=list)
    page_rows: list[int] = field(default_factory=list)
    # numeric topic -> the cells that held something other than a number (text such as 'veel'), as text indexed
    # by row position; `data` holds NA there, so a reader that must not take them for 'unknown' can reject them
    non_numeric: dict[str, pd.Series] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return len(self.page_files)

    def locate(self, positions) -> list[str]:
        """Row positions in `data` -> 'TypedDataSet_002.json value[15]' locators for rejects."""
        return locators(self.page_files, self.page_rows, positions)

    def locate_series(self, positions) -> pd.Series:
        return locators(self.page_files, self.page_rows, positions, as_series=True)

    def dimensions(self, kind: str | None = None) -> list[str]:
        """Dimension keys, optionally only of one Type ('Dimension', 'TimeDimension', 'GeoDimension')."""
        props = self.data_properties
        mask = props["Type"].isin([kind] if kind else DIMENSION_TYPES)
        return props.loc[mask, "Key"].tolist()

    def topics(self) -> pd.DataFrame:
        return self.data_properties[self.data_properties["Type"] == TOPIC_TYPE]

    def topic_key(self, prefix: str) -> str | None:
        """The topic whose Key starts with `prefix` (CBS appends '_<n>' that differs between tables/years)."""
        keys = [k for k in self.topics()["Key"] if re.match(rf"{re.escape(prefix)}(_\d+)?$", k)]
        return keys[0] if keys else None

    def labels(self, dimension: str) -> pd.Series:
        """Key -> Title for one dimension's code list."""
        codes = self.code_lists.get(dimension)
        if codes is None:
            return pd.Series(dtype="string")
        return pd.Series(codes["Title"].to_numpy(), index=codes["Key"].to_numpy(), dtype="string")

    @property
    def source_file(self) -> Path:
        return self.folder


def locators(page_files: list[str], page_rows: list[int], positions, *, as_series: bool = False):
    """Vectorised 'file value[i]' strings (built in Arrow: a Python f-string per row costs seconds at 1M rows).
    A list, or with `as_series` a pandas string Series (no round trip through Python objects)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    positions = np.asarray(positions, dtype="int64")
    if positions.size == 0:
        return pd.Series([], dtype="string") if as_series else []
    ends = np.cumsum(page_rows)
    page = np.searchsorted(ends, positions, side="right")
    within = positions - np.concatenate([[0], ends])[page]
    files = pa.array(page_files, type=pa.string()).take(pa.array(page))
    text = pc.binary_join_element_wise(files, " value[", pc.cast(pa.array(within), pa.string()), "]", "")
    if as_series:
        return pd.Series(pd.array(text, dtype="string"))
    return text.to_pylist()


def _load_json(path: Path) -> dict | list:
    if not path.exists():
        raise SourceError(path, "bestand ontbreekt")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"kan niet gelezen worden ({exc.strerror})") from exc
    if not raw.strip():
        raise SourceError(path, "bestand is leeg")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"geen geldige JSON ({exc})") from exc


def _values(path: Path, payload: dict | list) -> list:
    """The API wraps rows in {"value": [...]}; some tools store the bare list."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("value"), list):
        return payload["value"]
    raise SourceError(path, "geen OData-antwoord: sleutel 'value' met een lijst ontbreekt")


def _table_infos(folder: Path) -> dict:
    path = folder / "TableInfos.json"
    payload = _load_json(path)
    if isinstance(payload, dict) and "value" not in payload:
        return payload  # re-serialised single record
    rows = _values(path, payload)
    if not rows or not isinstance(rows[0], dict):
        raise SourceError(path, "TableInfos bevat geen tabelbeschrijving")
    return rows[0]


def _frame_of_records(path: Path, rows: list) -> pd.DataFrame:
    if not all(isinstance(r, dict) for r in rows):
        raise SourceError(path, "'value' bevat records die geen object zijn")
    return pd.DataFrame.from_records(rows)


def strip_keys(series: pd.Series) -> pd.Series:
    """Strip CBS padding from a key column, keeping NA as NA."""
    return series.astype("string").str.strip()


def _data_properties(folder: Path) -> pd.DataFrame:
    path = folder / "DataProperties.json"
    rows = _values(path, _load_json(path))
    if not rows:
        raise SourceError(path, "DataProperties is leeg")
    props = _frame_of_records(path, rows)
    missing = {"Type", "Key"} - set(props.columns)
    if missing:
        raise SourceError(path, f"kolommen ontbreken: {', '.join(sorted(missing))}")
    for column in ("Title", "Description", "Unit", "ParentID", "Decimals"):
        if column not in props:
            props[column] = pd.NA
    props["Key"] = strip_keys(props["Key"])
    props["Type"] = props["Type"].astype("string")
    props["Title"] = props["Title"].astype("string").str.strip()
    return props


def _code_list(path: Path) -> pd.DataFrame:
    rows = _values(path, _load_json(path))
    codes = _frame_of_records(path, rows) if rows else pd.DataFrame(columns=["Key", "Title"])
    if "Key" not in codes or "Title" not in codes:
        raise SourceError(path, "codelijst zonder kolommen 'Key' en 'Title'")
    codes["Key"] = strip_keys(codes["Key"])
    codes["Title"] = codes["Title"].astype("string").str.strip()
    return codes


def _skip_of(next_link: str) -> int | None:
    values = parse_qs(urlparse(next_link).query).get("$skip")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def data_pages(folder: Path) -> list[Path]:
    """The data files in page order; raises when both or neither layout is present or pages have gaps."""
    single = folder / DATA_FILE
    numbered = sorted(
        ((int(m.group(1)), p) for p in folder.glob("TypedDataSet_*.json") if (m := PAGE_PATTERN.match(p.name))),
    )
    if single.exists() and numbered:
        raise SourceError(folder, f"zowel {DATA_FILE} als genummerde pagina's aanwezig; onduidelijk welke geldt")
    if single.exists():
        return [single]
    if not numbered:
        raise SourceError(folder / DATA_FILE, "bestand ontbreekt (ook geen TypedDataSet_001.json)")
    expected = list(range(1, len(numbered) + 1))
    found = [n for n, _ in numbered]
    if found != expected:
        missing = sorted(set(range(1, max(found) + 1)) - set(found))
        raise SourceError(folder / page_name(missing[0]), "pagina ontbreekt tussen de gedownloade pagina's")
    return [p for _, p in numbered]


def page_name(number: int) -> str:
    return f"TypedDataSet_{number:03d}.json"


def _read_pages(folder: Path, known_columns: list[str]) -> tuple[dict[str, list], list[str], list[int]]:
    """All data pages as column lists (no per-page DataFrame: 10,000-row pages add up quickly)."""
    pages = data_pages(folder)
    columns: dict[str, list] = {}
    counts: list[int] = []
    rows_so_far = 0
    total = 0
    for index, path in enumerate(pages):
        payload = _load_json(path)
        rows = _values(path, payload)
        next_link = payload.get("odata.nextLink") if isinstance(payload, dict) else None
        rows_so_far += len(rows)
        counts.append(len(rows))
        if next_link:
            # a page with nextLink promises the next page of the same query; a page without ends its query,
            # and the next file (if any) starts another query (fetch splits long region filters)
            if index == len(pages) - 1:
                target = page_name(index + 2) if path.name != DATA_FILE else page_name(2)
                raise SourceError(path, f"odata.nextLink wijst naar een volgende pagina ({target}) die niet op schijf staat")
            skip = _skip_of(next_link)
            if skip is not None and skip != rows_so_far:
                raise SourceError(path, f"odata.nextLink vraagt $skip={skip} maar de pagina's van deze query bevatten {rows_so_far} rijen")
        else:
            rows_so_far = 0
        if not rows:
            continue
        try:
            # OData rows all carry every column; the first row of each page names them
            # 'ID' is the API's row number: position in `data` says the same, so it is not kept
            names = [k for k in known_columns if k in rows[0]] + [k for k in rows[0] if k not in known_columns and k != "ID"]
            for name in names:
                values = [row.get(name) for row in rows]
                columns.setdefault(name, [None] * total).extend(values)
        except AttributeError:
            bad = next(i for i, row in enumerate(rows) if not isinstance(row, dict))
            raise SourceError(path, f"value[{bad}] is geen object") from None
        total += len(rows)
        for name, values in columns.items():  # a column missing from this page: None for its rows
            if len(values) < total:
                values.extend([None] * (total - len(values)))
    if total == 0:
        raise SourceError(pages[0], "tabel bevat geen rijen")
    return columns, [p.name for p in pages], counts


def _strip_codes(values: list) -> pd.Series:
    """Key column -> stripped strings; strips each distinct key once (keys repeat thousands of times)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    stripped = pd.Series(uniques, dtype="string").str.strip()
    taken = stripped.to_numpy(dtype=object, na_value=None)[np.where(codes < 0, 0, codes)] if len(uniques) else np.full(len(codes), None, dtype=object)
    taken[codes < 0] = None
    return pd.Series(taken, dtype="string")


def _type_columns(columns: dict[str, list], props: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Dimensions and text topics -> stripped strings; numeric topics -> Int64 (0 decimals) or Float64.

    Also returns, per numeric topic, the cells that held something that is no number (NA in the frame)."""
    out = {}
    non_numeric = {}
    kinds = dict(zip(props["Key"], props["Type"]))
    decimals = dict(zip(props["Key"], props["Decimals"]))
    for column, values in columns.items():
        kind = kinds.get(column)
        sample = next((v for v in values if v is not None), None)
        if kind in DIMENSION_TYPES or isinstance(sample, str):
            out[column] = _strip_codes(values)
            continue
        raw = pd.Series(values, dtype=object)
        numbers = pd.to_numeric(raw, errors="coerce").astype("Float64")
        odd = np.flatnonzero(numbers.isna().to_numpy(dtype=bool) & raw.notna().to_numpy(dtype=bool))
        non_numeric[column] = pd.Series(raw.iloc[odd].map(str).to_numpy(), index=odd, dtype="string")
        whole = numbers.dropna()
        # Int64 only when every value is whole and fits: a cell like 1e300 would otherwise wrap around silently
        integral = bool((whole == whole.round()).all()) and bool((whole.abs() < MAX_EXACT_INTEGER).all())
        if integral and (column == "ID" or str(decimals.get(column)).strip() in ("0", "0.0")):
            out[column] = numbers.round().astype("Int64")
        else:
            out[column] = numbers
    return pd.DataFrame(out), non_numeric


def read_cbs_table(folder: Path | str) -> CbsTable:
    """Read one cached OData v3 table folder. Raises SourceError naming the offending file."""
    folder = Path(folder)
    if not folder.exists():
        raise SourceError(folder, "tabelmap ontbreekt")
    if not folder.is_dir():
        raise SourceError(folder, "verwacht een tabelmap met OData-antwoorden (TableInfos.json, DataProperties.json, TypedDataSet*.json)")
    infos = _table_infos(folder)
    props = _data_properties(folder)
    code_lists: dict[str, pd.DataFrame] = {}
    for key in props.loc[props["Type"].isin(DIMENSION_TYPES), "Key"]:
        code_lists[key] = _code_list(folder / f"{key}.json")
    dims = props.loc[props["Type"].isin(DIMENSION_TYPES), "Key"].tolist()
    topics = props.loc[props["Type"] == TOPIC_TYPE, "Key"].tolist()
    columns, page_files, page_rows = _read_pages(folder, dims + topics)
    absent = [d for d in dims if d not in columns]
    if absent:
        raise SourceError(folder / page_files[0], f"dimensiekolommen ontbreken in de data: {', '.join(absent)}")
    data, non_numeric = _type_columns(columns, props)
    table_id = str(infos.get("Identifier") or folder.name).strip()
    return CbsTable(
        table_id=table_id,
        title=str(infos.get("Title") or "").strip(),
        data_properties=props,
        code_lists=code_lists,
        data=data,
        folder=folder,
        table_infos=infos,
        page_files=page_files,
        page_rows=page_rows,
        non_numeric=non_numeric,
    )


# ---------------------------------------------------------------------------------------------- CSV download


def _decode(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with BOM, or without when the NUL bytes give it away) or, for older
    StatLine downloads, Windows-1252. Anything else is a SourceError, never a UnicodeDecodeError."""
    if not path.exists():
        raise SourceError(path, "bestand ontbreekt")
    if path.is_dir():
        raise SourceError(path, "verwacht een CSV-bestand, kreeg een map")
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceError(path, "bestand is leeg")
    utf16 = _utf16_codec(raw)
    if utf16:
        try:
            text = raw.decode(utf16)
        except UnicodeDecodeError as err:
            raise SourceError(path, f"UTF-16-bestand is beschadigd of afgebroken (byte {err.start})") from None
        if not text.strip("\ufeff \r\n\t"):
            raise SourceError(path, "bestand is leeg")
        return text
    if b"\x00" in raw:
        raise SourceError(path, "binair bestand (NUL-bytes), geen CSV-download")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")  # older StatLine downloads
    except UnicodeDecodeError as err:
        raise SourceError(path, f"tekencodering onbekend: geen UTF-8, UTF-16 of Windows-1252 (byte {err.start})") from None


def _utf16_codec(raw: bytes) -> str | None:
    """'utf-16' when the file starts with a UTF-16 BOM; 'utf-16-le'/'-be' when, without BOM, most bytes at odd
    (even) positions are NUL, as ASCII text in UTF-16 is; else None."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = np.frombuffer(raw[:UTF16_SNIFF_BYTES], dtype=np.uint8)
    if head.size < 4:
        return None
    even_nul, odd_nul = np.mean(head[0::2] == 0), np.mean(head[1::2] == 0)
    if odd_nul > UTF16_NUL_SHARE and even_nul < 1 - UTF16_NUL_SHARE:
        return "utf-16-le"
    if even_nul > UTF16_NUL_SHARE and odd_nul < 1 - UTF16_NUL_SHARE:
        return "utf-16-be"
    return None


def read_cbs_csv(path: Path | str) -> pd.DataFrame:
    """Read a StatLine / data.politie.nl CSV download into a frame of stripped strings (NA for empty cells).

    Column names are kept as published (e.g. 'Geregistreerde misdrijven (aantal)'); use `parse_cbs_number`
    on value columns. The index is the line number of each record in the file (header = line 1), so
    rejects can point at 'line <n>'; `frame.attrs['source_file']` names the file.
    """
    path = Path(path)
    text = _decode(path)
    first = text.split("\n", 1)[0]
    if ";" not in first:
        raise SourceError(path, "geen puntkomma-gescheiden CBS-download (kopregel bevat geen ';')")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    header: list[str] | None = None
    body: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            if header is None:
                header = [h.strip() for h in row]
            elif any(cell.strip() for cell in row):
                body.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:  # e.g. a field beyond the csv module's size limit
        raise SourceError(path, f"regel {reader.line_num}: niet leesbaar als CSV ({err})") from None
    if not body:
        raise SourceError(path, "download bevat alleen een kopregel")
    width = len(header)
    ragged = next((i for i, r in enumerate(body) if len(r) != width), None)
    if ragged is not None:
        raise SourceError(path, f"regel {lines[ragged]}: {len(body[ragged])} velden, kopregel heeft er {width}")
    frame = pd.DataFrame(body, columns=header, index=pd.Index(lines, name="line"), dtype="string")
    frame = frame.apply(lambda s: s.str.strip()).replace("", pd.NA)
    frame.attrs["source_file"] = str(path)
    return frame


def read_code_list_csv(path: Path | str) -> pd.DataFrame:
    """A 'Key;Title' code list download (e.g. SoortMisdrijf of 47022NED) -> frame Key (stripped), Title."""
    path = Path(path)
    text = _decode(path)
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype="string", keep_default_na=False)
    if not {"Key", "Title"} <= set(frame.columns):
        raise SourceError(path, "codelijst zonder kolommen 'Key' en 'Title'")
    frame["Key"] = strip_keys(frame["Key"])
    frame["Title"] = frame["Title"].str.strip()
    return frame[frame["Key"] != ""].reset_index(drop=True)


def parse_cbs_number(values: pd.Series) -> pd.Series:
    """StatLine cell text -> Float64: '.', 'x', '?' and empty -> NA; '-' (nihil) -> 0; decimal comma allowed.

    Returns NA too for text that is not a number; callers compare with the input to report those.
    """
    text = values.astype("string").str.strip()
    withheld = text.isna() | text.isin(WITHHELD_SYMBOLS)
    cleaned = text.str.replace(",", ".", regex=False).mask(text == NIHIL_SYMBOL, "0")
    numbers = pd.to_numeric(cleaned.mask(withheld), errors="coerce").astype("Float64")
    return numbers


def unparsable_numbers(values: pd.Series) -> pd.Series:
    """True where the text is neither a StatLine symbol nor a number (a corrupt cell)."""
    text = values.astype("string").str.strip()
    symbolic = text.isna() | text.isin(WITHHELD_SYMBOLS)
    return ~symbolic & parse_cbs_number(values).isna()


# ---------------------------------------------------------------------------------------------- periods

_PERIOD = re.compile(r"^(?P<year>\d{4})(?P<kind>MM|JJ|KW|X0|HJ)(?P<n>\d{2})$")


def parse_periods(codes: pd.Series) -> pd.DataFrame:
    """CBS period codes -> period_start (first day), period_type ('maand'|'kwartaal'|'jaar'); NA when unparsable.

    '2024MM03' -> 2024-03-01 maand; '2024JJ00' -> 2024-01-01 jaar; '2024KW02' -> 2024-04-01 kwartaal;
    a bare '2024' (CSV downloads) -> jaar.
    """
    text = strip_keys(codes)
    parts = text.str.extract(r"^(?P<year>\d{4})(?:(?P<kind>MM|JJ|KW)(?P<n>\d{2}))?$")
    year = pd.to_numeric(parts["year"], errors="coerce")
    n = pd.to_numeric(parts["n"], errors="coerce")
    kind = parts["kind"].fillna("JJ").where(year.notna())
    month = pd.Series(np.nan, index=text.index)
    month = month.mask(kind == "MM", n).mask(kind == "JJ", 1).mask(kind == "KW", (n - 1) * 3 + 1)
    valid = year.notna() & month.between(1, 12) & ~((kind == "JJ") & (n.fillna(0) != 0))
    start = month_starts(year.where(valid), month.where(valid))
    period_type = kind.map({"MM": "maand", "JJ": "jaar", "KW": "kwartaal"}).where(valid).astype("string")
    return pd.DataFrame({"period_start": start, "period_type": period_type}, index=codes.index)


def month_starts(year: pd.Series, month: pd.Series) -> pd.Series:
    """Vectorised first-of-month timestamps (datetime64[ns]); NaT where year or month is missing."""
    years = pd.to_numeric(year, errors="coerce").astype("float64")
    ordinal = (years - 1970) * 12 + pd.to_numeric(month, errors="coerce") - 1
    ordinal = ordinal.astype("float64").to_numpy()
    # a year such as 9999 does not fit datetime64[ns] and would wrap around silently: NaT instead
    known = ~np.isnan(ordinal) & (years.to_numpy() > 1678) & (years.to_numpy() < 2262)
    months = np.full(len(ordinal), np.datetime64("NaT"), dtype="datetime64[M]")
    months[known] = ordinal[known].astype("int64").astype("datetime64[M]")
    return pd.Series(months.astype("datetime64[ns]"), index=year.index)


def latest_plausible_year() -> int:
    return pd.Timestamp.now(tz="UTC").year + LATEST_PLAUSIBLE_YEAR_AHEAD


def implausible_years(starts: pd.Series) -> pd.Series:
    """True where a known date lies outside EARLIEST_PLAUSIBLE_YEAR..latest_plausible_year(); NA dates -> False."""
    years = pd.to_datetime(starts).dt.year
    return ((years < EARLIEST_PLAUSIBLE_YEAR) | (years > latest_plausible_year())).fillna(False).astype(bool)


def plausible_years_text() -> str:
    return f"{EARLIEST_PLAUSIBLE_YEAR}-{latest_plausible_year()}"
