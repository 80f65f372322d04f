"""Police-registered crime and nuisance per wijk/buurt (Politie open data, published through CBS).

Tables: 47022NED (misdrijven per maand, wijk en buurt), 47018NED (per jaar), 47024NED (geregistreerde
overlast; dimension `Overlast`, topic `GeregistreerdeOverlast_*`) and, at gemeente level, 47013NED. Read either
as a cached OData table folder (see cbs_odata) or as the data.politie.nl / StatLine CSV download.

The total row ('0.0.0 Totaal misdrijven', or a nuisance category titled 'Totaal ...') is never kept: adding it
to its parts would double every count. How many total rows were set aside is written to `notes`.
A CSV download names buurten instead of coding them; `match_area_names` links names to boundary codes only
where exactly one boundary carries that name, and reports the rest instead of guessing.

Records are rejected, never loaded, when their region code has a shape no CBS/Politie table uses ('XX999', 'WK12',
'GM12345'), and when they repeat the key (region, crime code, period) of an earlier record in the same file: the
first record counts, each later one becomes a reject naming the key and where the first one is.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from wijkbeeld.crime_groups import SOORT_MISDRIJF_TITLES, TOTAL_CODE
from etl.readers.base import Reject, ReadResult, SourceError
from etl.readers.cbs_odata import (
    CbsTable,
    implausible_years,
    month_starts,
    parse_cbs_number,
    parse_periods,
    plausible_years_text,
    read_cbs_csv,
    read_cbs_table,
    read_code_list_csv,
    strip_keys,
    unparsable_numbers,
)

POLICE_COLUMNS = {
    "area_code": "string",
    "period_start": "datetime64[ns]",
    "period_type": "string",         # 'maand' | 'jaar'
    "crime_code": "string",          # SoortMisdrijf key ('1.1.1') or nuisance key
    "crime_label": "string",         # title from the table's own code list
    "count": "Int64",                # NA when withheld or null, never 0 for unknown
    "source_table": "string",
    "area_name": "string",           # title of the region (CSV downloads: the only region information)
    "source_record": "string",       # locator in the source ('TypedDataSet_002.json value[15]', 'line 12')
}
CRIME_DIMENSIONS = ("SoortMisdrijf", "Overlast", "SoortOverlast")
COUNT_TOPIC_PREFIXES = ("GeregistreerdeMisdrijven", "GeregistreerdeOverlast")
KNOWN_TABLES = {
    "47022NED": "misdrijven per maand, wijk en buurt",
    "47018NED": "misdrijven per jaar, wijk en buurt",
    "47024NED": "geregistreerde overlast per wijk en buurt",
    "47013NED": "misdrijven per gemeente",
}
# Region codes the police tables use: Nederland (NL00 in the wijk/buurt tables, NL01 in 47013NED), landsdelen
# LD01-LD04 plus LDG4 ('West-Nederland, exclusief G4'), provinces PV20-PV31, regionale eenheden RE01-RE10, each
# level's 99 ('Niet in te delen'), gemeenten, wijken and buurten. LDG4, ..99 and RE are in the RegioS list of the
# published 47013NED metadata.
AREA_CODE_PATTERN = (
    r"^(NL0[01]|LD0[1-4]|LDG4|LD99|PV2\d|PV3[01]|PV99|RE0[1-9]|RE10|RE99|GM\d{4}|WK\d{6}|BU\d{8})$"
)
AREA_CODE_SHAPES = (
    "NL00/NL01, LD01-LD04, LDG4, PV20-PV31, RE01-RE10, LD99/PV99/RE99, GM + 4 cijfers, WK + 6 cijfers of BU + 8 cijfers"
)
# A region label of two capitals and digits only ('WK12', 'XX999') is a code, however broken: no wijk or buurt is
# called that, so a CSV download with such a label is checked as a code rather than matched as a name.
CODE_LIKE_LABEL = r"^[A-Z]{2}\d+$"
# Not even the whole country registers ten million crimes of one kind in one period: a bigger number is a broken export
# (1e300 from a tool's float, 10^20 from a typo) and would overflow the Int64 count.
MAX_COUNT = 10_000_000
_MONTHS_NL = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}


def empty_police_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in POLICE_COLUMNS.items()})


def _by_unique(values: pd.Series, func) -> pd.DataFrame | pd.Series:
    """Apply an expensive parse to the distinct values only, then spread back (periods repeat a lot)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = func(pd.Series(uniques)).reset_index(drop=True)
    with_na = pd.concat([parsed, parsed.iloc[:0].reindex([len(parsed)])])  # row for NA inputs
    out = with_na.iloc[np.where(codes < 0, len(parsed), codes)]
    out.index = values.index
    return out


def _period_frame(values: pd.Series) -> pd.DataFrame:
    """CBS period codes or StatLine labels ('2024', '2024 maart', '2024 maart*') -> start and type."""
    def parse(unique: pd.Series) -> pd.DataFrame:
        text = unique.astype("string").str.strip().str.rstrip("*").str.strip()
        parsed = parse_periods(text)
        label = text.str.extract(r"^(?P<year>\d{4}) (?P<month>[a-z]+)$")
        month = label["month"].map(_MONTHS_NL)
        from_label = month_starts(label["year"], month)
        use_label = parsed["period_start"].isna() & from_label.notna()
        parsed.loc[use_label, "period_start"] = from_label[use_label]
        parsed.loc[use_label, "period_type"] = "maand"
        return parsed

    return _by_unique(values, parse)


def impossible_area_codes(codes: pd.Series) -> pd.Series:
    """True where a region code is given but has a shape no police table uses ('XX999', 'WK12', 'GM12345').
    A missing code is not impossible (the row may name its region instead)."""
    valid = _by_unique(codes, lambda u: u.astype("string").str.match(AREA_CODE_PATTERN).astype("boolean"))
    return (codes.notna() & ~valid.astype("boolean").fillna(False)).astype(bool)


def first_of_key(parts: list[pd.Series]) -> np.ndarray:
    """For each row, the position of the first row with the same values in all `parts` (its own position when
    it is the first). Each part is factorised and the codes folded into one compact key, so this stays a few
    hash passes over integer arrays at millions of rows. Parts must not hold NA."""
    n = len(parts[0]) if parts else 0
    key = np.zeros(n, dtype="int64")
    for part in parts:
        codes, uniques = pd.factorize(part)
        key, _ = pd.factorize(key * (len(uniques) + 1) + (codes + 1))  # re-compacted: never overflows
    if n == 0:
        return np.zeros(0, dtype="int64")
    # factorize numbers keys in order of first appearance, so the k-th first occurrence is where key k starts
    first_rows = np.flatnonzero(~pd.Series(key).duplicated().to_numpy())
    return first_rows[key]


def _count_text(frame: pd.DataFrame, positions: np.ndarray) -> pd.Series:
    """A count as a reason shows it: the whole number, else the cell as written ('veel', '.'), else 'leeg'."""
    count = frame["count"].iloc[positions].astype("Float64").reset_index(drop=True)
    raw = frame["count_raw"].iloc[positions].astype("string").str.strip().reset_index(drop=True)
    whole = (count.notna() & (count.abs() < 2**53) & (count % 1 == 0)).fillna(False).astype(bool)
    shown = ("'" + raw + "'").mask(raw.isna() | (raw == ""), "leeg")
    return shown.mask(whole, count.where(whole).astype("Int64").astype("string"))


def _duplicate_keys(
    frame: pd.DataFrame, periods: pd.DataFrame, candidate: np.ndarray, bad: np.ndarray, locate
) -> pd.Series:
    """Records that repeat the key (region, crime code, period) of an earlier record -> their reject reason,
    indexed by row position. Only `candidate` rows (a usable key, not a total) take part; the first record of a
    key counts even when another check rejects it, so a later record never silently replaces a refused one."""
    rows = np.flatnonzero(candidate)
    sub = frame.iloc[rows]
    names = _by_unique(sub["area_name"], normalise_area_name)
    area_key = sub["area_code"].astype("string").fillna("naam:" + names)  # a region named, not coded
    first = first_of_key([area_key, sub["crime_code"].astype("string"),
                          periods["period_start"].iloc[rows], periods["period_type"].iloc[rows].astype("string")])
    repeat = first != np.arange(len(rows))
    here, there = rows[repeat], rows[first[repeat]]
    if here.size == 0:
        return pd.Series([], dtype="string", index=pd.Index([], dtype="int64"))

    def text(column: str, positions: np.ndarray) -> pd.Series:
        return frame[column].iloc[positions].astype("string").reset_index(drop=True)

    area = text("area_code", here).fillna("'" + text("area_name", here) + "' (naam)")
    key = "gebied " + area + ", soort " + text("crime_code", here) + ", periode " + text("period_code", here)
    where = pd.Series(locate(there), dtype="string") + np.where(bad[there], " (zelf afgewezen)", "")
    count_here, count_there = _count_text(frame, here), _count_text(frame, there)
    same = (count_here == count_there).to_numpy(dtype=bool)
    identical = "dubbel record: " + key + " staat al in " + where + " met hetzelfde aantal (" + count_here + ")"
    conflicting = (
        "tegenstrijdig dubbel record: " + key + " staat al in " + where + " met aantal " + count_there
        + ", hier " + count_here
    )
    tail = np.where(bad[there], "; geen van beide telt", "; alleen het eerste record telt")
    reasons = pd.Series(np.where(same, identical, conflicting), dtype="string") + tail
    reasons.index = pd.Index(here, dtype="int64")
    return reasons


def _finish(
    frame: pd.DataFrame,
    *,
    source: Path,
    source_table: str,
    known_codes: set[str],
    locate,
    raw_columns: list[str],
    raw: pd.DataFrame,
    locate_series=None,
) -> ReadResult:
    """Shared validation: drop totals (noted); reject unknown codes, impossible region codes, bad periods and
    counts, and records that repeat an earlier record's key."""
    notes: list[str] = []
    rejects: list[Reject] = []
    records = len(frame)
    total = (frame["crime_code"] == TOTAL_CODE) | _by_unique(
        frame["crime_label"], lambda u: u.astype("string").str.casefold().str.startswith("totaal")
    ).astype("boolean")
    total = total.fillna(False).astype(bool)
    if total.any():
        notes.append(
            f"{source.name}: {int(total.sum())} totaalrijen ({TOTAL_CODE} / 'Totaal ...') apart gehouden; "
            "totalen worden nooit bij de soorten opgeteld"
        )
    periods = _period_frame(frame["period_code"])
    unknown_crime = frame["crime_code"].isna() | ~frame["crime_code"].isin(known_codes)
    no_period = periods["period_start"].isna()
    implausible = implausible_years(periods["period_start"])
    quarter = periods["period_type"].isin(["kwartaal"]).fillna(False).astype(bool)
    no_region = frame["area_code"].isna() & frame["area_name"].isna()
    bad_area = impossible_area_codes(frame["area_code"])
    checks = [
        (
            unknown_crime,
            lambda r: f"onbekende soort misdrijf/overlast '{r['crime_raw']}' (niet in de codelijst van {source_table})",
        ),
        (no_period, lambda r: f"onleesbare periode '{r['period_code']}' (verwacht bijv. 2024MM03 of 2024JJ00)"),
        (
            implausible,
            lambda r: f"periode '{r['period_code']}' ligt buiten {plausible_years_text()} (tikfout of kapotte export)",
        ),
        (quarter, lambda r: f"kwartaalperiode '{r['period_code']}' wordt niet ondersteund (alleen maand en jaar)"),
        (frame["count_bad"], lambda r: f"aantal '{r['count_raw']}' is geen getal"),
        (
            pd.Series(~np.isfinite(frame["count"].astype("float64").fillna(0).to_numpy()), index=frame.index)
            | (frame["count"] > MAX_COUNT).fillna(False),
            lambda r: f"aantal {r['count_raw']} is onmogelijk groot",
        ),
        ((frame["count"] < 0).fillna(False).astype(bool), lambda r: f"negatief aantal {r['count']}"),
        (
            ((frame["count"] % 1) != 0).fillna(False).astype(bool),
            lambda r: f"aantal {r['count']} is geen geheel getal",
        ),
        (no_region, lambda r: "regio ontbreekt (geen code en geen naam)"),
        (
            bad_area,
            lambda r: f"onmogelijke gebiedscode: '{r['area_code']}' past bij geen CBS-regiocode (verwacht {AREA_CODE_SHAPES})",
        ),
    ]
    bad = pd.Series(False, index=frame.index)
    for mask, _ in checks:
        bad |= mask.fillna(True).astype(bool) & ~total & ~bad
    bad = bad.to_numpy(dtype=bool)
    key_bad = (unknown_crime | no_period | implausible | quarter | no_region | bad_area).fillna(True).astype(bool)
    # Only coded rows: two rows naming "Centrum" may be buurten of different gemeenten; the build matches names
    # to boundaries first and then merges what still repeats (and logs it).
    candidate = (~total.to_numpy(dtype=bool) & ~key_bad.to_numpy(dtype=bool)
                 & frame["area_code"].notna().to_numpy(dtype=bool))
    repeats = _duplicate_keys(frame, periods, candidate, bad, locate)
    duplicate = np.zeros(len(frame), dtype=bool)
    duplicate[repeats.index.to_numpy()] = True
    duplicate &= ~bad  # another check already explains the record: first failing check wins
    if duplicate.any():
        conflicting = int(repeats[duplicate[repeats.index.to_numpy()]].str.startswith("tegenstrijdig").sum())
        notes.append(
            f"{source.name}: {int(duplicate.sum())} dubbele records afgewezen ({conflicting} met een ander aantal); "
            "per gebied, soort en periode telt alleen het eerste record"
        )
    rejected = bad | duplicate
    if rejected.any():
        positions = np.flatnonzero(rejected)
        locators = locate(positions)
        sub = frame.iloc[positions]
        raw_sub = raw.iloc[positions][raw_columns]
        reasons = pd.Series("", index=sub.index, dtype="object")
        for mask, explain in reversed(checks):  # first failing check wins
            hit = mask.fillna(True).astype(bool).iloc[positions]
            if hit.any():
                reasons[hit.to_numpy()] = sub[hit.to_numpy()].apply(explain, axis=1).to_numpy()
        is_repeat = duplicate[positions]
        if is_repeat.any():
            reasons[is_repeat] = repeats.reindex(positions[is_repeat]).to_numpy(dtype=object)
        for locator, reason, (_, raw_row) in zip(locators, reasons, raw_sub.iterrows()):
            rejects.append(Reject.of(source, locator, reason, "; ".join(f"{k}={v}" for k, v in raw_row.items())))
    keep = pd.Series(~total.to_numpy(dtype=bool) & ~rejected, index=frame.index)
    kept_positions = np.flatnonzero(keep.to_numpy())
    out = pd.DataFrame(
        {
            "area_code": frame["area_code"].iloc[kept_positions].astype("string"),
            "period_start": periods["period_start"].iloc[kept_positions].astype("datetime64[ns]"),
            "period_type": periods["period_type"].iloc[kept_positions].astype("string"),
            "crime_code": frame["crime_code"].iloc[kept_positions].astype("string"),
            "crime_label": frame["crime_label"].iloc[kept_positions].astype("string"),
            "count": frame["count"].iloc[kept_positions].round().astype("Int64"),
            "source_table": pd.Series(source_table, index=frame.index[kept_positions], dtype="string"),
            "area_name": frame["area_name"].iloc[kept_positions].astype("string"),
            "source_record": pd.Series(
                locate_series(kept_positions).to_numpy() if locate_series else locate(kept_positions),
                index=frame.index[kept_positions], dtype="string",
            ),
        }
    ).reset_index(drop=True)
    return ReadResult(frame=out, rejects=rejects, notes=notes, records_read=records)


# ---------------------------------------------------------------------------------------------- table folder


def _police_dimensions(table: CbsTable) -> tuple[str, str, str, str]:
    props = table.data_properties
    dims = props.loc[props["Type"] == "Dimension", "Key"].tolist()
    crime_dim = next((d for d in CRIME_DIMENSIONS if d in dims), None)
    count_key = next((k for p in COUNT_TOPIC_PREFIXES if (k := table.topic_key(p))), None)
    geo = table.dimensions("GeoDimension")
    time = table.dimensions("TimeDimension")
    if crime_dim is None or count_key is None or not geo or not time:
        raise SourceError(
            table.folder,
            f"tabel {table.table_id} ('{table.title}') is geen politietabel: verwacht dimensie "
            f"{'/'.join(CRIME_DIMENSIONS)}, een regio- en periodedimensie en onderwerp "
            f"{'_* of '.join(COUNT_TOPIC_PREFIXES)}_* (zoals {', '.join(KNOWN_TABLES)})",
        )
    return crime_dim, geo[0], time[0], count_key


def _table_counts(table: CbsTable, count_key: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The count topic as Float64, its raw cells, and where it is no number. A typed data set gives a number or
    null (unknown); anything else in a count cell ('veel', '') is a corrupt cell. A typed topic is numeric
    already (text the API put in it is NA there, kept in table.non_numeric); a topic whose first cell was text
    came as strings and is parsed here, never cast blindly."""
    values = table.data[count_key]
    if not pd.api.types.is_numeric_dtype(values):
        text = values.astype("string")
        count = pd.to_numeric(text.str.strip(), errors="coerce").astype("Float64")
        return count, values, (text.notna() & count.isna()).astype(bool)
    odd = table.non_numeric.get(count_key, pd.Series([], dtype="string"))
    bad = np.zeros(len(values), dtype=bool)
    bad[odd.index.to_numpy(dtype="int64")] = True
    raw = values
    if odd.size:
        raw = values.astype(object)
        raw.iloc[odd.index.to_numpy(dtype="int64")] = odd.to_numpy(dtype=object)
    return values.astype("Float64"), raw, pd.Series(bad, index=values.index)


def _read_table(folder: Path) -> ReadResult:
    table = read_cbs_table(folder)
    crime_dim, geo_dim, time_dim, count_key = _police_dimensions(table)
    data = table.data
    crime_labels = table.labels(crime_dim)
    area_labels = table.labels(geo_dim)
    crime_code = data[crime_dim].astype("string")
    count, count_raw, count_bad = _table_counts(table, count_key)
    frame = pd.DataFrame(
        {
            "area_code": data[geo_dim].astype("string"),
            "period_code": data[time_dim].astype("string"),
            "crime_code": crime_code,
            "crime_raw": crime_code,
            "crime_label": _by_unique(crime_code, lambda u: u.map(crime_labels).astype("string")),
            "area_name": _by_unique(data[geo_dim].astype("string"), lambda u: u.map(area_labels).astype("string")),
            "count": count,
            "count_raw": count_raw,
            "count_bad": count_bad,
        }
    )
    frame["area_code"] = frame["area_code"].mask(frame["area_code"] == "")
    result = _finish(
        frame,
        source=folder,
        source_table=table.table_id,
        known_codes=set(crime_labels.index),
        locate=table.locate,
        locate_series=table.locate_series,
        raw_columns=[geo_dim, time_dim, crime_dim, count_key],
        raw=data,
    )
    result.notes.insert(0, f"{folder.name}: {table.table_id} '{table.title}', {table.pages} pagina('s), {len(data)} rijen")
    return result


# ---------------------------------------------------------------------------------------------- CSV download


def _find_column(frame: pd.DataFrame, patterns: tuple[str, ...]) -> str | None:
    for pattern in patterns:
        for column in frame.columns:
            if re.search(pattern, column, flags=re.IGNORECASE):
                return column
    return None


def _code_titles(code_list: Path | str | pd.DataFrame | None) -> pd.Series:
    """Key -> Title of the crime/nuisance code list; defaults to the SoortMisdrijf list of 47022NED."""
    if code_list is None:
        return pd.Series(SOORT_MISDRIJF_TITLES, dtype="string")
    codes = code_list if isinstance(code_list, pd.DataFrame) else read_code_list_csv(code_list)
    return pd.Series(codes["Title"].to_numpy(), index=strip_keys(codes["Key"]).to_numpy(), dtype="string")


def _normalise_label(values: pd.Series) -> pd.Series:
    return values.astype("string").str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()


def _labels_to_codes(labels: pd.Series, titles: pd.Series) -> pd.Series:
    """'1.2.3 Diefstal van brom-, snor-, fietsen' -> '1.2.3' via the code list's titles, or by its leading
    code when that code is in the list. Anything else stays NA (and is rejected as unknown)."""
    by_title = pd.Series(titles.index, index=_normalise_label(titles).to_numpy())
    by_title = by_title[~by_title.index.duplicated()]
    normalised = _normalise_label(labels)
    code = normalised.map(by_title).astype("string")
    leading = labels.astype("string").str.extract(r"^\s*(\d+(?:\.\d+)+)\s")[0].astype("string")
    leading = leading.where(leading.isin(titles.index))
    code = code.fillna(leading)
    # a bare code ('1.2.3') as the label
    bare = labels.astype("string").str.strip()
    return code.fillna(bare.where(bare.isin(titles.index)))


def _read_csv(path: Path, code_list) -> ReadResult:
    raw = read_cbs_csv(path)
    crime_col = _find_column(raw, (r"^soort misdrijf$", r"^soort overlast$", r"^overlast$", r"^soort"))
    period_col = _find_column(raw, (r"^perioden?$",))
    region_col = _find_column(raw, (r"^wijken en buurten$", r"^regio'?s$", r"^regio$", r"^gemeente"))
    code_col = _find_column(raw, (r"regiocode", r"\(code\)$"))
    count_col = _find_column(raw, (r"^geregistreerde misdrijven", r"^geregistreerde overlast", r"^misdrijven", r"^overlast \("))
    missing = [
        name for name, col in (("soort misdrijf/overlast", crime_col), ("Perioden", period_col),
                               ("Wijken en buurten/Regio's", region_col if code_col is None else code_col),
                               ("Geregistreerde misdrijven/overlast (aantal)", count_col))
        if col is None
    ]
    if missing:
        raise SourceError(
            path, f"geen politiedownload: kolommen ontbreken ({', '.join(missing)}); gevonden: {', '.join(raw.columns)}"
        )
    titles = _code_titles(code_list)
    source_table = (re.match(r"^(\d{5}[A-Z]{3})", path.name) or [None, "politie-csv"])[1]
    region = raw[region_col] if region_col else pd.Series(pd.NA, index=raw.index, dtype="string")
    if code_col is not None:
        area_code = strip_keys(raw[code_col])
    else:
        label = region.str.strip()
        looks_coded = (label.str.match(AREA_CODE_PATTERN) | label.str.match(CODE_LIKE_LABEL)).fillna(False)
        area_code = strip_keys(region).where(looks_coded)
    area_name = region.where(area_code.isna() | (code_col is not None))
    crime_code = _labels_to_codes(raw[crime_col], titles)
    frame = pd.DataFrame(
        {
            "area_code": area_code.astype("string"),
            "period_code": raw[period_col],
            "crime_code": crime_code,
            "crime_raw": raw[crime_col],
            "crime_label": crime_code.map(titles).astype("string").fillna(raw[crime_col]),
            "area_name": area_name.astype("string"),
            "count": parse_cbs_number(raw[count_col]),
            "count_raw": raw[count_col],
            "count_bad": unparsable_numbers(raw[count_col]),
        }
    )
    lines = raw.index.to_numpy()
    result = _finish(
        frame,
        source=path,
        source_table=source_table,
        known_codes=set(titles.index),
        locate=lambda positions: pd.Series(lines[np.asarray(positions, dtype="int64")]).astype("string").radd("line ").tolist(),
        raw_columns=list(raw.columns),
        raw=raw,
    )
    unnamed = int(result.frame["area_code"].isna().sum())
    if unnamed:
        result.notes.append(
            f"{path.name}: {unnamed} rijen noemen de regio bij naam, niet bij code; koppel ze met match_area_names()"
        )
    return result


def read_police_crime(path: Path | str, *, code_list: Path | str | pd.DataFrame | None = None) -> ReadResult:
    """Registered crime or nuisance counts from a table folder (47022NED/47018NED/47024NED/47013NED) or a
    CSV download. `code_list` (CSV 'Key;Title' or frame) names the categories of a CSV download; by default
    the SoortMisdrijf list of 47022NED. Table folders always use their own code list."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "bestand of tabelmap ontbreekt")
    if path.is_dir():
        return _read_table(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return _read_csv(path, code_list)
    raise SourceError(path, "verwacht een CBS-tabelmap of een CSV-download van data.politie.nl")


# ---------------------------------------------------------------------------------------------- names -> codes


def normalise_area_name(values: pd.Series) -> pd.Series:
    """Case, surrounding and repeated whitespace only: no fuzzy matching, a different name is a different area."""
    return values.astype("string").str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()


def match_area_names(
    frame: pd.DataFrame,
    boundaries: pd.DataFrame,
    *,
    gemeente_code: str | None = None,
    level: str | None = None,
    source_file: str | Path | None = None,
) -> ReadResult:
    """Give rows that name their region (area_code NA, area_name set) the code of the one boundary with that
    name. Names that match no boundary, or more than one, are rejected with the reason; rows that already
    have a code pass unchanged. `gemeente_code`/`level` narrow the boundaries first (names repeat across
    gemeenten: 'Centrum')."""
    candidates = boundaries
    if gemeente_code is not None and "gemeente_code" in candidates:
        candidates = candidates[(candidates["gemeente_code"] == gemeente_code) | (candidates["code"] == gemeente_code)]
    if level is not None and "level" in candidates:
        candidates = candidates[candidates["level"] == level]
    keys = normalise_area_name(candidates["name"])
    matches = pd.DataFrame({"key": keys.to_numpy(), "code": candidates["code"].astype("string").to_numpy()})
    matches = matches.dropna(subset=["key"])
    per_name = matches.groupby("key", sort=False)["code"].agg(["count", "first", lambda c: ", ".join(sorted(c)[:5])])
    per_name.columns = ["n", "code", "examples"]

    needs = frame["area_code"].isna() & frame["area_name"].notna()
    wanted = normalise_area_name(frame["area_name"])
    n = wanted.map(per_name["n"]).fillna(0).astype("int64")
    unique = needs & (n == 1)
    out = frame.copy()
    out.loc[unique, "area_code"] = wanted[unique].map(per_name["code"]).astype("string")

    source = str(source_file) if source_file else "match_area_names"
    scope = f" in {gemeente_code}" if gemeente_code else ""
    rejects: list[Reject] = []
    failed = needs & (n != 1)
    for idx in np.flatnonzero(failed.to_numpy()):
        row = frame.iloc[idx]
        count = int(n.iloc[idx])
        name = row["area_name"]
        if count == 0:
            reason = f"regionaam '{name}' komt bij geen enkele grens{scope} voor (andere indeling of jaar?); niet geraden"
        else:
            reason = (
                f"regionaam '{name}' past bij {count} grenzen{scope} "
                f"({per_name.loc[wanted.iloc[idx], 'examples']}); niet eenduidig"
            )
        locator = row["source_record"] if "source_record" in frame and pd.notna(row.get("source_record")) else f"row {idx}"
        rejects.append(Reject.of(source, locator, reason, name))
    names_total = int(wanted[needs].nunique())
    names_matched = int(wanted[unique].nunique())
    notes = [
        f"{names_matched} van {names_total} regionamen eenduidig gekoppeld aan een grenscode{scope}; "
        f"{int(failed.sum())} rijen afgewezen"
    ]
    return ReadResult(frame=out[~failed].reset_index(drop=True), rejects=rejects, notes=notes, records_read=len(frame))
