"""Population per gemeente, wijk and buurt from CBS 'Kerncijfers wijken en buurten' (one table per year).

The inhabitants topic is found by its Key prefix `AantalInwoners_`: the numeric suffix differs per year
(`AantalInwoners_5` in 2020, other numbers in other years), so a full key is never hard-coded.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from etl.readers.base import Reject, ReadResult, SourceError
from etl.readers.cbs_odata import CbsTable, read_cbs_table, strip_keys

# Kerncijfers wijken en buurten, table id per reference year (CBS publishes a new table each year).
TABLE_YEARS: dict[str, int] = {
    "83765NED": 2017,
    "84286NED": 2018,
    "84583NED": 2019,
    "84799NED": 2020,
    "85039NED": 2021,
    "85318NED": 2022,
    "85618NED": 2023,
    "85984NED": 2024,
    "86165NED": 2025,
}
POPULATION_PREFIX = "AantalInwoners_"
GEMEENTENAAM_PREFIX = "Gemeentenaam_"
LEVEL_BY_PREFIX = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}
POPULATION_COLUMNS = {
    "area_code": "string",
    "level": "string",
    "area_name": "string",
    "gemeente_name": "string",
    "year": "int64",
    "population": "Int64",
    "source_table": "string",
}


def level_of_code(codes: pd.Series) -> pd.Series:
    """'GM0867' -> 'gemeente', 'WK086700' -> 'wijk', 'BU08670001' -> 'buurt'; NA for anything else."""
    text = strip_keys(codes)
    valid = text.str.match(r"^(GM\d{4}|WK\d{6}|BU\d{8})$").fillna(False).astype(bool)
    return text.str[:2].map(LEVEL_BY_PREFIX).where(valid).astype("string")


def _year_of(table: CbsTable) -> int | None:
    if table.table_id in TABLE_YEARS:
        return TABLE_YEARS[table.table_id]
    for text in (str(table.table_infos.get("Period") or ""), table.title):
        found = re.findall(r"\b(20\d{2}|19\d{2})\b", text)
        if len(set(found)) == 1:
            return int(found[0])
    return None


def _topic_with_prefix(table: CbsTable, prefix: str) -> str | None:
    keys = [k for k in table.topics()["Key"] if k.startswith(prefix)]
    return keys[0] if keys else None


def read_population(folder: Path | str) -> ReadResult:
    """Inhabitants per area from one cached Kerncijfers wijken en buurten table folder."""
    folder = Path(folder)
    table = read_cbs_table(folder)
    population_key = _topic_with_prefix(table, POPULATION_PREFIX)
    geo = table.dimensions("GeoDimension")
    if population_key is None or not geo:
        raise SourceError(
            folder,
            f"tabel {table.table_id} ('{table.title}') is geen Kerncijfers wijken en buurten: "
            f"onderwerp {POPULATION_PREFIX}* of regiodimensie ontbreekt",
        )
    data = table.data
    region = geo[0]
    notes: list[str] = []
    time = table.dimensions("TimeDimension")
    if time:
        years = pd.to_numeric(data[time[0]].str[:4], errors="coerce").astype("Int64")
        if years.nunique() > 1:
            notes.append(f"{folder.name}: tabel bevat meerdere jaren ({', '.join(map(str, sorted(years.dropna().unique())))})")
    else:
        year = _year_of(table)
        if year is None:
            raise SourceError(folder / "TableInfos.json", f"peiljaar van {table.table_id} onbekend (niet in TABLE_YEARS, geen jaar in Period/Title)")
        years = pd.Series(year, index=data.index, dtype="Int64")
    codes = data[region].astype("string")
    level = level_of_code(codes)
    names = codes.map(table.labels(region)).astype("string")
    name_key = _topic_with_prefix(table, GEMEENTENAAM_PREFIX)
    gemeente_name = data[name_key].astype("string") if name_key else pd.Series(pd.NA, index=data.index, dtype="string")
    names = names.fillna(gemeente_name.where(level == "gemeente"))
    population = data[population_key]
    if not pd.api.types.is_numeric_dtype(population):
        population = pd.to_numeric(population, errors="coerce")
    population = population.astype("Float64")

    country = codes.str.match(r"^NL\d{2}$").fillna(False).astype(bool)
    if country.any():
        notes.append(f"{folder.name}: {int(country.sum())} landtotaal-rij(en) (NL00) apart gehouden")
    problems = pd.Series(pd.NA, index=data.index, dtype="string")
    problems = problems.mask(((population % 1) != 0).fillna(False), "aantal inwoners is geen geheel getal")
    problems = problems.mask((population < 0).fillna(False), "negatief aantal inwoners")
    problems = problems.mask(years.isna(), "peiljaar onleesbaar")
    problems = problems.mask(level.isna() & ~country, "regiocode is geen GM/WK/BU-code")
    bad = problems.notna()
    rejects: list[Reject] = []
    if bad.any():
        positions = np.flatnonzero(bad.to_numpy())
        for locator, position in zip(table.locate(positions), positions):
            rejects.append(
                Reject.of(
                    folder, locator, f"{problems.iloc[position]} ({codes.iloc[position]})",
                    f"{region}={codes.iloc[position]}; {population_key}={data[population_key].iloc[position]}",
                )
            )
    keep = ~bad & ~country
    frame = pd.DataFrame(
        {
            "area_code": codes[keep],
            "level": level[keep],
            "area_name": names[keep],
            "gemeente_name": gemeente_name[keep],
            "year": years[keep].astype("int64"),
            "population": population[keep].round().astype("Int64"),
            "source_table": pd.Series(table.table_id, index=data.index[keep], dtype="string"),
        }
    ).reset_index(drop=True)
    unknown = int(frame["population"].isna().sum())
    notes.insert(
        0,
        f"{folder.name}: {table.table_id} '{table.title}', inwoners uit {population_key}; "
        f"{len(frame)} gebieden, {unknown} zonder inwonertal (geheim/onbekend, blijft leeg)",
    )
    return ReadResult(frame=frame, rejects=rejects, notes=notes, records_read=len(data))
