"""`python -m etl privacy redact IN.csv OUT.csv`: redact a CSV of texts with the function the build uses.

The input has the columns `id` and `text` (other columns are dropped; header names are matched without regard
to case or surrounding spaces). It may be UTF-8, UTF-8 with BOM, or Windows-1252 (Excel on Dutch Windows), and
comma-, semicolon- or tab-separated. The output is UTF-8, comma-separated, with exactly `id,text`.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path

import pandas as pd

from etl.readers.base import SourceError
from etl.text.redact import redact_series

REQUIRED_COLUMNS = ("id", "text")
_DELIMITERS = (",", ";", "\t")


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except OSError as err:
        raise SourceError(path, f"cannot read file ({err.strerror or type(err).__name__})") from None
    if not raw.strip():
        raise SourceError(path, "file is empty")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(path, "not UTF-8 or Windows-1252 text")


def _header_fields(first_line: str, delimiter: str) -> list[str]:
    return [field.strip().lower() for field in next(csv.reader([first_line], delimiter=delimiter), [])]


def _pick_delimiter(first_line: str) -> str:
    """The delimiter under which the header holds both required columns; else the one giving most columns."""
    for delimiter in _DELIMITERS:
        if set(REQUIRED_COLUMNS) <= set(_header_fields(first_line, delimiter)):
            return delimiter
    return max(_DELIMITERS, key=lambda d: len(_header_fields(first_line, d)))


def read_id_text(path: Path | str) -> pd.DataFrame:
    """The `id` and `text` columns of a CSV as strings (an empty field stays an empty string)."""
    path = Path(path)
    content = _decode(path)
    first_line = content.splitlines()[0] if content else ""
    delimiter = _pick_delimiter(first_line)
    found = _header_fields(first_line, delimiter)
    missing = [column for column in REQUIRED_COLUMNS if column not in found]
    if missing:
        names = " and ".join(f"'{column}'" for column in missing)
        shown = ", ".join(found) if any(found) else "none"
        raise SourceError(path, f"missing column {names} (found: {shown})")
    try:
        frame = pd.read_csv(
            io.StringIO(content),
            sep=delimiter,
            dtype="string",
            keep_default_na=False,
            na_filter=False,
        )
    except (pd.errors.ParserError, ValueError) as err:
        detail = " ".join(str(err).split())
        raise SourceError(path, f"not a readable CSV ({detail})") from None
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    return frame.loc[:, list(REQUIRED_COLUMNS)]


def redact_csv(in_path: Path | str, out_path: Path | str) -> int:
    """Write `id,text` with the text redacted; returns the number of rows written."""
    frame = read_id_text(in_path)
    frame["text"] = redact_series(frame["text"])
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".partial")
    try:
        frame.to_csv(partial, index=False, encoding="utf-8", lineterminator="\n")
        os.replace(partial, out_path)  # never leave a half-written file under the real name
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise SourceError(out_path, f"cannot write file ({err.strerror or type(err).__name__})") from None
    return len(frame)


def run_redact(args: argparse.Namespace) -> int:
    """Handler for `privacy redact`: exit code 0 on success, 2 with a one-line error on stderr otherwise."""
    try:
        rows = redact_csv(args.input, args.output)
    except SourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{rows} rijen geredigeerd -> {args.output}")
    return 0


def add_subparser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `privacy redact IN.csv OUT.csv`. The chosen handler is in `args.func` (returns an exit code)."""
    privacy = subparsers.add_parser(
        "privacy",
        help="privacyhulpmiddelen voor teksten van bewoners (AVG)",
        description="Privacyhulpmiddelen voor teksten van bewoners (AVG).",
    )
    actions = privacy.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)
    redact = actions.add_parser(
        "redact",
        help="vervang persoonsgegevens in een CSV met de kolommen id,text",
        description=(
            "Vervangt telefoonnummers, e-mailadressen, IBAN's, kentekens, adressen, profiellinks, @-vermeldingen "
            "en BSN's door plaatshouders zoals [telefoon], met dezelfde functie als de build. Invoer: CSV "
            "(UTF-8 of Windows-1252, gescheiden door komma, puntkomma of tab) met de kolommen id,text. "
            "Uitvoer: UTF-8 CSV met id,text."
        ),
    )
    redact.add_argument("input", type=Path, metavar="IN.csv", help="CSV met de kolommen id,text")
    redact.add_argument("output", type=Path, metavar="OUT.csv", help="waar de geredigeerde CSV komt")
    redact.set_defaults(func=run_redact)
    return privacy
