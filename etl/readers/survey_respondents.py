"""A gemeente's own wijk survey, one row per respondent (CSV or Excel).

Gemeenten run their own 'wijkenquête' or 'burgerpeiling' with questions like the Veiligheidsmonitor's. The
file holds per respondent a wijk (or buurt) code, a weight and the answers. This reader only standardises:
area_code, weight, period_start, respondent_key and one numeric column per indicator key (VM_INDICATORS).
Aggregation to estimates with intervals happens in wijkbeeld/stats.py.

Answer coding per indicator unit:
- '%' indicators are yes/no questions: 1.0 for yes ('ja', 'ja, weleens', 'yes', 1), 0.0 for no ('nee', 'nooit',
  0); the weighted mean times 100 is the percentage;
- 'cijfer' is a report mark 1-10; 'schaalscore' a scale score 0-10.
'weet niet', 'geen antwoord', 'n.v.t.' and empty cells are NA (a non-answer is never a 'no').
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from etl.readers.base import Reject, ReadResult, SourceError
from etl.readers.cbs_odata import EARLIEST_PLAUSIBLE_YEAR, latest_plausible_year, month_starts, plausible_years_text
from etl.readers.veiligheidsmonitor import UNIT_RANGES, VM_INDICATORS, indicator_for_title

AREA_COLUMNS = ("area_code", "wijkcode", "wijk_code", "buurtcode", "buurt_code", "wk_code", "bu_code", "gebiedscode", "wijk", "buurt")
WEIGHT_COLUMNS = ("weight", "weging", "weegfactor", "gewicht", "wgt")
PERIOD_COLUMNS = ("jaar", "year", "peiljaar", "meting", "afnamedatum", "datum", "date", "periode")
ID_COLUMNS = ("respondent", "respondent_id", "respondentnummer", "id", "volgnummer")
YES = {"ja", "j", "yes", "y", "1", "ja, weleens", "weleens", "wel eens", "ja, vaak", "vaak", "soms", "true"}
NO = {"nee", "n", "no", "0", "nooit", "nee, nooit", "zelden", "false"}
NON_ANSWERS = {"", "weet niet", "weet ik niet", "geen antwoord", "geen mening", "n.v.t.", "nvt", "onbekend", "-", "."}
CODE_PATTERN = r"^(WK\d{6}|BU\d{8})$"


def _read_any(path: Path, sheet: str | int | None) -> pd.DataFrame:
    if not path.exists():
        raise SourceError(path, "bestand ontbreekt")
    if path.stat().st_size == 0:
        raise SourceError(path, "bestand is leeg")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype="string")
        elif suffix in (".csv", ".txt"):
            text = path.read_bytes().decode("utf-8-sig", errors="replace")
            first = text.split("\n", 1)[0]
            sep = ";" if first.count(";") >= first.count(",") else ","
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype="string", keep_default_na=False)
        else:
            raise SourceError(path, "verwacht een CSV- of Excel-bestand met één rij per respondent")
    except SourceError:
        raise
    except Exception as exc:  # pandas/openpyxl parse errors
        raise SourceError(path, f"niet leesbaar als tabel ({str(exc).splitlines()[0]})") from exc
    if frame.empty:
        raise SourceError(path, "bevat geen respondenten")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _find(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lookup = {c.casefold(): c for c in frame.columns}
    return next((lookup[n] for n in names if n in lookup), None)


def _indicator_columns(frame: pd.DataFrame, mapping: dict[str, str] | None) -> dict[str, str]:
    """column -> indicator key: explicit mapping first, then columns named after a key, then question titles."""
    found: dict[str, str] = {}
    if mapping:
        missing = [c for c in mapping if c not in frame.columns]
        if missing:
            raise SourceError("indicator_columns", f"kolommen niet gevonden: {', '.join(missing)}")
        unknown = [k for k in mapping.values() if k not in VM_INDICATORS]
        if unknown:
            raise ValueError(f"onbekende indicatoren: {', '.join(unknown)}")
        return dict(mapping)
    for column in frame.columns:
        key = column.strip().casefold()
        indicator = key if key in VM_INDICATORS else indicator_for_title(column)
        if indicator and indicator not in found.values():
            found[column] = indicator
    return found


def _answers(values: pd.Series, unit: str) -> tuple[pd.Series, pd.Series]:
    """Coded answers and a mask of cells that are neither an answer nor a non-answer."""
    text = values.astype("string").str.strip().str.casefold().fillna("")
    non_answer = text.isin(NON_ANSWERS)
    if unit == "%":
        coded = pd.Series(np.nan, index=values.index).mask(text.isin(YES), 1.0).mask(text.isin(NO), 0.0)
    else:
        coded = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        low, high = UNIT_RANGES[unit]
        coded = coded.where(coded.between(low, high) | coded.isna())
        bad_range = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce").notna() & coded.isna()
        return coded.astype("Float64"), (coded.isna() & ~non_answer) | bad_range
    return coded.astype("Float64"), coded.isna() & ~non_answer


def read_survey_respondents(
    path: Path | str,
    *,
    indicator_columns: dict[str, str] | None = None,
    gemeente_code: str | None = None,
    period: str | int | None = None,
    sheet: str | int | None = None,
) -> ReadResult:
    """Respondent-level survey -> area_code, weight, period_start, respondent_key, <indicator keys>, source_record.

    `indicator_columns` maps file columns to VM_INDICATORS keys when their names are not recognised;
    `gemeente_code` ('GM0867') turns bare wijk numbers ('1', '01') into codes ('WK086701'); `period`
    ('2023') gives the wave year when the file has no year/date column."""
    path = Path(path)
    raw = _read_any(path, sheet)
    area_col = _find(raw, AREA_COLUMNS)
    if area_col is None:
        raise SourceError(path, f"geen kolom met wijk- of buurtcode ({', '.join(AREA_COLUMNS[:6])}, ...); gevonden: {', '.join(raw.columns)}")
    mapping = _indicator_columns(raw, indicator_columns)
    if not mapping:
        raise SourceError(path, "geen enkele kolom herkend als indicator (gebruik indicator_columns={kolom: indicator})")
    notes: list[str] = [f"{path.name}: indicatoren " + ", ".join(f"'{c}'->{k}" for c, k in mapping.items())]
    lines = pd.Series(np.arange(len(raw)) + 2, index=raw.index)  # header is line/row 1
    locator = ("row " if path.suffix.lower().startswith(".xls") else "line ") + lines.astype("string")

    area = raw[area_col].astype("string").str.strip().str.upper()
    if gemeente_code:
        number = area.str.extract(r"^(?:WIJK\s*)?(\d{1,2})$")[0]
        area = area.mask(number.notna(), "WK" + gemeente_code[2:6] + number.str.zfill(2))
    reasons = pd.Series(pd.NA, index=raw.index, dtype="string")
    reasons = reasons.mask(~area.str.match(CODE_PATTERN).fillna(False).astype(bool),
                           "wijk/buurt '" + raw[area_col].fillna("").astype("string") + "' is geen WK/BU-code")

    weight_col = _find(raw, WEIGHT_COLUMNS)
    if weight_col is None:
        weight = pd.Series(1.0, index=raw.index, dtype="Float64")
        notes.append(f"{path.name}: geen weegfactor; alle respondenten wegen 1 (ongewogen)")
    else:
        weight = pd.to_numeric(raw[weight_col].str.replace(",", ".", regex=False), errors="coerce").astype("Float64")
        reasons = reasons.mask(reasons.isna() & ~(weight > 0).fillna(False).astype(bool),
                               "weegfactor '" + raw[weight_col].fillna("").astype("string") + "' is geen positief getal")

    period_col = _find(raw, PERIOD_COLUMNS)
    if period is not None:
        if not str(period)[:4].isdigit():
            raise SourceError(path, f"period {period!r} begint niet met een jaartal (JJJJ)")
        year = pd.Series(int(str(period)[:4]), index=raw.index, dtype="Int64")
    elif period_col is not None:
        text = raw[period_col].astype("string").str.strip()
        year = pd.to_numeric(text.str.extract(r"(?:^|\D)([12]\d{3})(?:\D|$)")[0], errors="coerce").astype("Int64")
        reasons = reasons.mask(reasons.isna() & year.isna(), "jaar/datum '" + text.fillna("") + "' onleesbaar")
    else:
        raise SourceError(path, "geen jaar- of datumkolom; geef period='JJJJ' mee")
    implausible = ((year < EARLIEST_PLAUSIBLE_YEAR) | (year > latest_plausible_year())).fillna(False).astype(bool)
    reasons = reasons.mask(reasons.isna() & implausible,
                           "jaar " + year.astype("string").fillna("") + f" ligt buiten {plausible_years_text()}")
    if year.nunique() > 1:
        notes.append(f"{path.name}: meerdere metingen in één bestand: {', '.join(map(str, sorted(year.dropna().unique())))}")

    values: dict[str, pd.Series] = {}
    for column, indicator in mapping.items():
        coded, invalid = _answers(raw[column], VM_INDICATORS[indicator]["unit"])
        values[indicator] = coded
        reasons = reasons.mask(reasons.isna() & invalid,
                               f"antwoord op '{column}' (" + raw[column].fillna("").astype("string") + f") past niet bij {indicator}")
    id_col = _find(raw, ID_COLUMNS)
    if id_col is not None:
        # a respondent answers once per wave: a second row with the same number and year is a copy (a panel
        # member in the next wave is not); the first occurrence in the file is the one kept
        respondent = raw[id_col].astype("string").str.strip()
        repeated = pd.DataFrame({"respondent": respondent, "year": year}).duplicated(keep="first")
        repeated &= respondent.ne("").fillna(False).astype(bool)
        reasons = reasons.mask(reasons.isna() & repeated,
                               "respondent '" + respondent.fillna("") + "' staat al eerder in het bestand (zelfde meting)")
    bad = reasons.notna()
    rejects = [
        Reject.of(path, loc, reason, "; ".join(f"{k}={v}" for k, v in raw.loc[idx].items()))
        for idx, loc, reason in zip(raw.index[bad], locator[bad], reasons[bad])
    ]
    keep = ~bad
    frame = pd.DataFrame(
        {
            "area_code": area[keep],
            "weight": weight[keep],
            "period_start": month_starts(year[keep], pd.Series(1, index=raw.index[keep])),
            "respondent_key": (raw[id_col] if id_col else locator)[keep].astype("string"),
            **{k: v[keep] for k, v in values.items()},
            "source_record": locator[keep].astype("string"),
        }
    ).reset_index(drop=True)
    return ReadResult(frame=frame, rejects=rejects, notes=notes, records_read=len(raw))
