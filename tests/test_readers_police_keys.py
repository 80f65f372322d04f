"""Police reader: region codes of an impossible shape and repeated keys (region, crime code, period) are rejected
with a reason that names the record, never loaded (docs/security.md, 'still open' until these tests)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.readers.police import first_of_key, impossible_area_codes, read_police_crime

DATA = Path(__file__).resolve().parent / "data"
BAD_CSV = DATA / "bad" / "police" / "csv_area_codes_duplicates.csv"
KEY = ["area_code", "area_name", "crime_code", "period_start", "period_type"]


def table_copy(tmp_path: Path, table_id: str = "47022NED") -> Path:
    target = tmp_path / table_id
    shutil.copytree(DATA / "cbs" / table_id, target)
    return target


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload), encoding="utf-8")


def write_csv(path: Path, rows: list[str]) -> Path:
    header = '"Soort misdrijf";"Perioden";"Wijken en buurten";"Geregistreerde misdrijven (aantal)"'
    path.write_bytes(("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))
    return path


# ------------------------------------------------------------------------------------------- code shapes

VALID = ["NL00", "NL01", "LD01", "LD04", "LDG4", "LD99", "PV20", "PV25", "PV31", "PV99", "RE01", "RE10", "RE99",
         "GM0867", "GM0363", "WK086700", "BU08670000"]
IMPOSSIBLE = ["XX999", "WK12", "GM12345", "GM867", "WK0867000", "BU0867000", "NL02", "LD05", "LDG5", "PV19", "PV32",
              "RE00", "RE11", "wk086700", "WK 86700", "BU08670000X", "0867"]


def test_impossible_area_codes_by_shape():
    codes = pd.Series(VALID + IMPOSSIBLE + [None], dtype="string")
    flagged = impossible_area_codes(codes)
    assert flagged.dtype == bool
    assert flagged.tolist() == [False] * len(VALID) + [True] * len(IMPOSSIBLE) + [False]  # missing: no shape


def test_every_region_code_of_the_published_47013NED_list_is_valid(real_dir):
    """The RegioS code list in the real metadata download (Nederland, landsdelen incl. LDG4, provinces, RE units,
    '99 niet in te delen', 344 gemeenten) must all pass: whatever the police publish keeps loading."""
    text = (real_dir / "politie" / "47013NED_metadata.csv").read_text(encoding="utf-8-sig")
    section = text.split("\nRegioS;", 1)[1].split("\nPerioden;", 1)[0]
    keys = pd.Series(re.findall(r"^([A-Z]{2}[0-9A-Z]{2,8})\s*;", section, flags=re.M), dtype="string")
    assert len(keys) > 370 and {"NL01", "LDG4", "RE10", "PV99"} <= set(keys)
    assert not impossible_area_codes(keys).any(), keys[impossible_area_codes(keys)].tolist()


# ------------------------------------------------------------------------------------------- table folders


def test_impossible_codes_in_a_table_folder_are_rejected(tmp_path):
    folder = table_copy(tmp_path)
    page = load(folder / "TypedDataSet_002.json")
    page["value"][0]["WijkenEnBuurten"] = "GM12345   "
    page["value"][1]["WijkenEnBuurten"] = "WK12      "
    page["value"][2]["WijkenEnBuurten"] = "XX999     "
    save(folder / "TypedDataSet_002.json", page)
    result = read_police_crime(folder)
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {f"TypedDataSet_002.json value[{i}]" for i in range(3)}
    for i, code in enumerate(["GM12345", "WK12", "XX999"]):
        assert reasons[f"TypedDataSet_002.json value[{i}]"].startswith(f"onmogelijke gebiedscode: '{code}'")
    assert all(r.source_file.endswith("47022NED") for r in result.rejects)
    assert not impossible_area_codes(result.frame["area_code"]).any()
    assert len(result.frame) == 48 - 3


def test_repeated_keys_across_pages_keep_the_first_and_reject_the_rest(tmp_path):
    folder = table_copy(tmp_path)
    first_page = load(folder / "TypedDataSet_001.json")
    first_row = next(i for i, r in enumerate(first_page["value"]) if r["SoortMisdrijf"].strip() != "0.0.0")
    original = first_page["value"][first_row]
    total_row = first_page["value"][0]
    page = load(folder / "TypedDataSet_002.json")
    count = original["GeregistreerdeMisdrijven_1"]
    page["value"] += [
        {**original, "ID": 900, "WijkenEnBuurten": original["WijkenEnBuurten"].strip()},  # same key, same count
        {**original, "ID": 901, "GeregistreerdeMisdrijven_1": count + 5},  # same key, another count
        {**total_row, "ID": 902},  # a repeated total: set aside like every total, not a reject
    ]
    save(folder / "TypedDataSet_002.json", page)
    result = read_police_crime(folder)
    reasons = {r.record: r.reason for r in result.rejects}
    first = f"TypedDataSet_001.json value[{first_row}]"
    area, crime, period = original["WijkenEnBuurten"].strip(), original["SoortMisdrijf"].strip(), original["Perioden"]
    key = f"gebied {area}, soort {crime}, periode {period}"
    assert reasons == {
        "TypedDataSet_002.json value[24]": f"dubbel record: {key} staat al in {first} met hetzelfde aantal ({count}); "
                                           "alleen het eerste record telt",
        "TypedDataSet_002.json value[25]": f"tegenstrijdig dubbel record: {key} staat al in {first} met aantal {count}, "
                                           f"hier {count + 5}; alleen het eerste record telt",
    }
    assert result.records_read == 64 + 3 and len(result.frame) == 48
    kept = result.frame[(result.frame["area_code"] == area) & (result.frame["crime_code"] == crime)
                        & (result.frame["source_record"] == first)]
    assert kept["count"].tolist() == [count]  # the first wins, not the last
    assert not result.frame.duplicated(KEY).any()
    assert any("2 dubbele records afgewezen (1 met een ander aantal)" in n for n in result.notes)


def test_a_repeat_of_a_rejected_record_does_not_take_its_place(tmp_path):
    """The first record says 'veel' (rejected); a later one with a number for the same key is not loaded in its
    place: the file contradicts itself, both are rejected and the second reason says so."""
    folder = table_copy(tmp_path, "47018NED")
    data = load(folder / "TypedDataSet.json")
    row = next(i for i, r in enumerate(data["value"]) if r["SoortMisdrijf"].strip() != "0.0.0")
    data["value"][row]["GeregistreerdeMisdrijven_1"] = "veel"
    data["value"].append({**data["value"][row], "ID": 999, "GeregistreerdeMisdrijven_1": 7})
    save(folder / "TypedDataSet.json", data)
    result = read_police_crime(folder)
    reasons = {r.record: r.reason for r in result.rejects}
    last = f"TypedDataSet.json value[{len(data['value']) - 1}]"
    assert reasons[f"TypedDataSet.json value[{row}]"] == "aantal 'veel' is geen getal"
    assert reasons[last].startswith("tegenstrijdig dubbel record: ")
    assert f"staat al in TypedDataSet.json value[{row}] (zelf afgewezen) met aantal 'veel', hier 7" in reasons[last]
    assert reasons[last].endswith("; geen van beide telt")
    assert len(result.frame) == 8 - 1


def test_a_month_and_its_year_are_different_keys():
    result = read_police_crime(DATA / "cbs" / "47022NED")  # monthly and yearly rows of the same areas and codes
    assert not result.rejects and set(result.frame["period_type"]) == {"maand", "jaar"}


# ------------------------------------------------------------------------------------------- CSV downloads


def test_csv_corpus_file_codes_and_repeats():
    result = read_police_crime(BAD_CSV)
    reasons = {r.record: r.reason for r in result.rejects}
    assert sorted(reasons, key=lambda r: int(r.split()[1])) == ["line 3", "line 4", "line 5", "line 10", "line 11"]
    for line, code in (("line 3", "WK12"), ("line 4", "GM12345"), ("line 5", "XX999")):
        assert reasons[line].startswith(f"onmogelijke gebiedscode: '{code}' past bij geen CBS-regiocode")
    assert reasons["line 10"] == ("dubbel record: gebied GM0867, soort 1.1.1, periode 2024 staat al in line 2 "
                                  "met hetzelfde aantal (5); alleen het eerste record telt")
    assert reasons["line 11"] == ("tegenstrijdig dubbel record: gebied GM0867, soort 1.1.1, periode 2024 staat al in "
                                  "line 2 met aantal 5, hier 7; alleen het eerste record telt")
    # A name is no key: two rows naming "Centrum" may be buurten of two gemeenten; both load, the build decides.
    frame = result.frame
    assert result.records_read == 14 and len(frame) == 9
    assert frame["area_code"].dropna().tolist() == ["GM0867", "RE05", "LDG4", "NL00", "PV99", "GM0867", "GM0867"]
    assert frame.loc[frame["area_code"].isna(), "area_name"].tolist() == ["Centrum", "centrum"]
    assert frame.loc[frame["source_record"] == "line 2", "count"].tolist() == [5]
    assert not frame.dropna(subset=["area_code"]).duplicated(KEY).any()


def test_csv_with_a_code_column_checks_the_code(tmp_path):
    path = tmp_path / "47022NED_met_codes.csv"
    header = '"Soort misdrijf";"Wijken en buurten";"Regiocode";"Perioden";"Geregistreerde misdrijven (aantal)"'
    rows = ['"1.1.1 Diefstal/inbraak woning";"Centrum";"WK086700";"2024 januari";"12"',
            '"1.1.1 Diefstal/inbraak woning";"Centrum";"WK0867";"2024 januari";"12"',
            '"1.1.1 Diefstal/inbraak woning";"Centrum";"WK086700";"2024MM01";"12"']  # the same month, coded
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = read_police_crime(path)
    reasons = {r.record: r.reason for r in result.rejects}
    assert reasons["line 3"].startswith("onmogelijke gebiedscode: 'WK0867'")
    assert reasons["line 4"].startswith("dubbel record: gebied WK086700, soort 1.1.1, periode 2024MM01 staat al in line 2")
    assert result.frame["source_record"].tolist() == ["line 2"]


def test_names_that_are_no_codes_stay_names(tmp_path):
    """Buurt names with digits or capitals are names, not broken codes; only 'two capitals and digits' is a code."""
    names = ["Buurt 12", "A12", "De Pijp", "IJburg West", "KNSM-eiland", "GM-terrein", "Wk12 Oost"]
    path = write_csv(tmp_path / "namen.csv", [f'"1.1.1 Diefstal/inbraak woning";"2024";"{n}";"1"' for n in names])
    result = read_police_crime(path)
    assert not result.rejects
    assert result.frame["area_code"].isna().all() and result.frame["area_name"].tolist() == names


def test_real_download_loads_every_row(real_dir):
    """The recorded data.politie.nl download (517 buurten by name, no repeats): nothing newly rejected."""
    result = read_police_crime(real_dir / "politie" / "47018NED_fietsdiefstal_buurten_amsterdam_2024.csv",
                               code_list=real_dir / "politie" / "soortmisdrijf_codelijst.csv")
    assert result.records_read == len(result.frame) == 517 and not result.rejects


# ------------------------------------------------------------------------------------------- the key helper


def test_first_of_key_points_at_the_first_row_of_each_key():
    area = pd.Series(["A", "B", "A", "A", "B"], dtype="string")
    period = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-01-01", "2024-01-01"]))
    assert first_of_key([area, period]).tolist() == [0, 1, 2, 0, 1]
    assert first_of_key([area.iloc[:0], period.iloc[:0]]).tolist() == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["x", "y"]), st.integers(0, 2)), max_size=40))
def test_first_of_key_matches_a_plain_groupby(rows):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"]).astype({"a": "int64", "b": "string", "c": "int64"})
    got = first_of_key([frame["a"], frame["b"], frame["c"]])
    expected = frame.reset_index().groupby(["a", "b", "c"], sort=False)["index"].transform("min").to_numpy()
    np.testing.assert_array_equal(got, expected.astype("int64"))
