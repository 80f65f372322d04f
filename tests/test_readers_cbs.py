"""CBS OData table folders, StatLine CSV downloads, police crime, population and Veiligheidsmonitor readers."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from wijkbeeld import crime_groups
from etl.readers.base import SourceError
from etl.readers.cbs_odata import parse_cbs_number, parse_periods, read_cbs_csv, read_cbs_table, read_code_list_csv
from etl.readers.kwb import read_population
from etl.readers.police import match_area_names, read_police_crime

DATA = Path(__file__).resolve().parent / "data" / "cbs"
BAD = Path(__file__).resolve().parent / "data" / "bad"


@pytest.fixture(scope="session")
def real() -> Path:
    path = Path(__file__).resolve().parents[2] / "shared" / "real"
    if not path.exists():
        pytest.skip("shared/real is not beside the checkout")
    return path


def copy_table(tmp_path: Path, table_id: str) -> Path:
    target = tmp_path / table_id
    shutil.copytree(DATA / table_id, target)
    return target


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload), encoding="utf-8")


# ------------------------------------------------------------------------------------------- cbs_odata


def test_table_folder_reads_all_pages_and_strips_padding():
    table = read_cbs_table(DATA / "47022NED")
    assert table.table_id == "47022NED"
    assert table.title.startswith("Geregistreerde misdrijven")
    assert table.pages == 2 and table.page_rows == [40, 24]
    assert len(table.data) == 64
    assert set(table.data["WijkenEnBuurten"]) == {"GM0867", "WK086700", "BU08670000", "BU08670001"}
    assert "1.1.1" in set(table.data["SoortMisdrijf"])
    assert table.data["GeregistreerdeMisdrijven_1"].dtype == "Int64"
    assert table.code_lists["SoortMisdrijf"]["Key"].tolist()[:2] == ["0.0.0", "1.1.1"]
    assert table.topic_key("GeregistreerdeMisdrijven") == "GeregistreerdeMisdrijven_1"
    assert table.locate([0, 39, 40, 63]) == [
        "TypedDataSet_001.json value[0]",
        "TypedDataSet_001.json value[39]",
        "TypedDataSet_002.json value[0]",
        "TypedDataSet_002.json value[23]",
    ]


def test_missing_page_named_by_next_link(tmp_path):
    folder = copy_table(tmp_path, "47022NED")
    (folder / "TypedDataSet_002.json").unlink()
    with pytest.raises(SourceError) as err:
        read_cbs_table(folder)
    assert "TypedDataSet_001.json" in str(err.value) and "TypedDataSet_002.json" in str(err.value)


def test_gap_in_page_numbers_is_an_error(tmp_path):
    folder = copy_table(tmp_path, "47022NED")
    (folder / "TypedDataSet_002.json").rename(folder / "TypedDataSet_003.json")
    with pytest.raises(SourceError, match="TypedDataSet_002.json"):
        read_cbs_table(folder)


def test_next_link_skip_must_match_rows_on_disk(tmp_path):
    folder = copy_table(tmp_path, "47022NED")
    page = load(folder / "TypedDataSet_001.json")
    page["value"] = page["value"][:30]
    save(folder / "TypedDataSet_001.json", page)
    with pytest.raises(SourceError, match=r"\$skip=40"):
        read_cbs_table(folder)


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("DataProperties.json", None, "ontbreekt"),
        ("DataProperties.json", "", "leeg"),
        ("TableInfos.json", "{not json", "geen geldige JSON"),
        ("SoortMisdrijf.json", None, "ontbreekt"),
        ("Perioden.json", '{"value": "x"}', "'value'"),
    ],
)
def test_broken_files_name_the_file(tmp_path, name, content, problem):
    folder = copy_table(tmp_path, "47018NED")
    if content is None:
        (folder / name).unlink()
    else:
        (folder / name).write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read_cbs_table(folder)
    assert name in str(err.value) and problem in str(err.value)


def test_no_data_file_is_an_error(tmp_path):
    folder = copy_table(tmp_path, "47018NED")
    (folder / "TypedDataSet.json").unlink()
    with pytest.raises(SourceError, match="TypedDataSet"):
        read_cbs_table(folder)


def test_periods_monthly_and_yearly_in_one_column():
    parsed = parse_periods(pd.Series(["2024MM03", "2024JJ00", "2023KW04", "2024MM13", "2024XX01", None]))
    assert parsed["period_start"].tolist()[:3] == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-01-01"), pd.Timestamp("2023-10-01")]
    assert parsed["period_type"].tolist()[:3] == ["maand", "jaar", "kwartaal"]
    assert parsed["period_start"].iloc[3:].isna().all()


def test_statline_numbers():
    parsed = parse_cbs_number(pd.Series(["      4", "36,7", "20.8", ".", "-", "x", None]))
    assert parsed.iloc[:3].tolist() == [4.0, 36.7, 20.8]
    assert parsed.iloc[3] is pd.NA and parsed.iloc[5] is pd.NA and parsed.iloc[6] is pd.NA
    assert parsed.iloc[4] == 0.0  # '-' is CBS 'nihil'


def test_real_csv_download_shape(real):
    frame = read_cbs_csv(real / "politie" / "47018NED_fietsdiefstal_buurten_amsterdam_2024.csv")
    assert list(frame.columns) == ["Soort misdrijf", "Perioden", "Wijken en buurten", "Geregistreerde misdrijven (aantal)"]
    assert frame.index[0] == 2  # line numbers, header is line 1
    assert frame["Geregistreerde misdrijven (aantal)"].iloc[0] == "4"  # right-aligned padding stripped


def test_csv_that_is_not_a_statline_download(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match="x.csv"):
        read_cbs_csv(path)


# ------------------------------------------------------------------------------------------- police


def test_police_monthly_table():
    result = read_police_crime(DATA / "47022NED")
    frame = result.frame
    assert result.records_read == 64
    assert "0.0.0" not in set(frame["crime_code"])
    assert any("16 totaalrijen" in note for note in result.notes)
    assert len(frame) == 48 and not result.rejects
    assert set(frame["period_type"]) == {"maand", "jaar"}
    assert frame["period_start"].dtype == "datetime64[ns]"
    yearly = frame[frame["period_type"] == "jaar"]
    assert set(yearly["period_start"]) == {pd.Timestamp("2024-01-01")}
    withheld = frame[(frame["crime_code"] == "2.2.1") & (frame["area_code"] == "BU08670001")
                     & (frame["period_start"] == pd.Timestamp("2024-02-01")) & (frame["period_type"] == "maand")]
    assert len(withheld) == 1 and withheld["count"].isna().all()  # null stays NA, never 0
    assert frame.loc[frame["crime_code"] == "1.1.1", "crime_label"].iloc[0] == "1.1.1 Diefstal/inbraak woning"
    assert set(frame["source_table"]) == {"47022NED"}
    assert frame["count"].dtype == "Int64"


def test_police_yearly_and_nuisance_tables():
    yearly = read_police_crime(DATA / "47018NED")
    assert set(yearly.frame["period_type"]) == {"jaar"}
    assert set(yearly.frame["period_start"].dt.year) == {2022, 2023}
    nuisance = read_police_crime(DATA / "47024NED")
    assert set(nuisance.frame["crime_code"]) == {"F31", "F08", "F21"}  # 'Totaal overlast' set aside
    assert any("totaalrijen" in n for n in nuisance.notes)
    assert crime_groups.nuisance_theme("Overlast jeugd") == "jongerenoverlast"


def test_police_bad_rows_rejected_with_locator(tmp_path):
    folder = copy_table(tmp_path, "47022NED")
    page = load(folder / "TypedDataSet_002.json")
    page["value"][0]["SoortMisdrijf"] = "9.9.9 "
    page["value"][1]["Perioden"] = "2024MM13"
    page["value"][2]["GeregistreerdeMisdrijven_1"] = -3
    save(folder / "TypedDataSet_002.json", page)
    result = read_police_crime(folder)
    reasons = {r.record: r.reason for r in result.rejects}
    assert "onbekende soort" in reasons["TypedDataSet_002.json value[0]"]
    assert "2024MM13" in reasons["TypedDataSet_002.json value[1]"]
    assert "negatief" in reasons["TypedDataSet_002.json value[2]"]
    assert all(r.source_file.endswith("47022NED") for r in result.rejects)
    assert len(result.frame) == 48 - 3


def test_wrong_table_kind_is_refused():
    with pytest.raises(SourceError, match="geen politietabel"):
        read_police_crime(DATA / "84799NED")


def test_police_csv_with_labels_and_real_code_list(real, tmp_path):
    codes = read_code_list_csv(real / "politie" / "soortmisdrijf_codelijst.csv")
    assert len(codes) == 59 and codes["Key"].iloc[0] == "0.0.0"
    source = real / "politie" / "47018NED_fietsdiefstal_buurten_amsterdam_2024.csv"
    result = read_police_crime(source, code_list=real / "politie" / "soortmisdrijf_codelijst.csv")
    frame = result.frame
    assert len(frame) == result.records_read == 517 and not result.rejects
    assert set(frame["crime_code"]) == {"1.2.3"}
    assert set(frame["period_start"]) == {pd.Timestamp("2024-01-01")}
    assert frame["area_code"].isna().all() and frame["area_name"].notna().all()
    assert frame["count"].iloc[0] == 4 and frame["count"].dtype == "Int64"
    assert frame["source_record"].iloc[0] == "line 2"
    assert any("match_area_names" in n for n in result.notes)


def test_police_csv_withheld_unknown_and_total(tmp_path):
    path = tmp_path / "47018NED_test.csv"
    rows = [
        '"Soort misdrijf";"Perioden";"Wijken en buurten";"Geregistreerde misdrijven (aantal)"',
        '"Totaal misdrijven";"2024";"BU08670000";"      40"',
        '"1.1.1 Diefstal/inbraak woning";"2024";"BU08670000";"       ."',
        '"9.9.9 Ruimtereizen";"2024";"BU08670000";"       2"',
        '"1.2.3 Diefstal van brom-, snor-, fietsen";"2024 maart";"BU08670000";"       3"',
        '"1.2.3 Diefstal van brom-, snor-, fietsen";"2024 maart";"BU08670001";"     abc"',
    ]
    path.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    result = read_police_crime(path)
    frame = result.frame
    assert frame["crime_code"].tolist() == ["1.1.1", "1.2.3"]
    assert frame["count"].isna().tolist() == [True, False]  # '.' withheld -> NA
    assert frame["period_type"].tolist() == ["jaar", "maand"]
    assert frame["period_start"].iloc[1] == pd.Timestamp("2024-03-01")
    assert frame["area_code"].tolist() == ["BU08670000", "BU08670000"]
    assert {r.record: r.reason.split(" ")[0] for r in result.rejects} == {"line 4": "onbekende", "line 6": "aantal"}
    assert any("1 totaalrijen" in n for n in result.notes)


def test_police_csv_missing_columns(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text('"Perioden";"Regio\'s";"Iets anders"\n"2024";"Waalwijk";"1"\n', encoding="utf-8")
    with pytest.raises(SourceError, match="kolommen ontbreken"):
        read_police_crime(path)


def test_match_area_names_exact_only():
    frame = pd.DataFrame(
        {
            "area_code": pd.array([pd.NA, pd.NA, pd.NA, "BU00000001"], dtype="string"),
            "area_name": pd.array(["Centrum ", "Nergens", "Dorp", "Al gecodeerd"], dtype="string"),
            "source_record": pd.array(["line 2", "line 3", "line 4", "line 5"], dtype="string"),
        }
    )
    boundaries = pd.DataFrame(
        {
            "code": ["BU08670000", "BU08670005", "BU07970001"],
            "name": ["centrum", "Dorp", "Dorp"],
            "level": ["buurt"] * 3,
            "gemeente_code": ["GM0867", "GM0867", "GM0797"],
        }
    )
    result = match_area_names(frame, boundaries, source_file="x.csv")
    assert result.frame["area_code"].tolist() == ["BU08670000", "BU00000001"]
    reasons = {r.record: r.reason for r in result.rejects}
    assert "geen enkele grens" in reasons["line 3"]
    assert "2 grenzen" in reasons["line 4"] and "niet eenduidig" in reasons["line 4"]
    narrowed = match_area_names(frame, boundaries, gemeente_code="GM0867")
    assert "BU08670005" in narrowed.frame["area_code"].tolist()


def test_amsterdam_2024_names_mostly_unmatched_against_2014_boundaries(real):
    from etl.readers.boundaries import read_boundaries

    crime = read_police_crime(real / "politie" / "47018NED_fietsdiefstal_buurten_amsterdam_2024.csv")
    buurten = read_boundaries(real / "cbs-gebiedsindelingen-2014" / "buurt_2014.topojson").frame
    result = match_area_names(crime.frame, buurten, gemeente_code="GM0363", source_file="fiets.csv")
    assert len(result.rejects) > len(result.frame)  # most names belong to a later division: reported
    assert len(result.frame) + len(result.rejects) == 517
    assert result.frame["area_code"].str.startswith("BU0363").all()
    assert all("niet geraden" in r.reason or "niet eenduidig" in r.reason for r in result.rejects)


# ------------------------------------------------------------------------------------------- population


def test_population_by_key_prefix():
    result = read_population(DATA / "84799NED")
    frame = result.frame.set_index("area_code")
    assert frame.loc["GM0867", "level"] == "gemeente" and frame.loc["WK086700", "level"] == "wijk"
    assert frame.loc["BU08670001", "population"] == 4520
    assert pd.isna(frame.loc["BU08670002", "population"])  # null stays NA
    assert set(frame["year"]) == {2020}
    assert frame.loc["BU08670000", "area_name"] == "Centrum"
    assert frame.loc["GM0867", "gemeente_name"] == "Waalwijk"
    assert any("AantalInwoners_5" in n for n in result.notes)


def test_population_other_suffix_and_real_table_infos(real, tmp_path):
    folder = copy_table(tmp_path, "84799NED")
    shutil.copy(real / "cbs-kwb" / "84799NED_TableInfos.json", folder / "TableInfos.json")
    props = load(folder / "DataProperties.json")
    for entry in props["value"]:
        if entry["Key"] == "AantalInwoners_5":
            entry["Key"] = "AantalInwoners_12"
    save(folder / "DataProperties.json", props)
    for page in [folder / "TypedDataSet.json"]:
        payload = load(page)
        for row in payload["value"]:
            row["AantalInwoners_12"] = row.pop("AantalInwoners_5")
        save(page, payload)
    result = read_population(folder)
    assert result.frame["population"].sum() == 48650 + 21040 + 2310 + 4520
    assert set(result.frame["year"]) == {2020}


def test_population_rejects_and_wrong_table(tmp_path):
    folder = copy_table(tmp_path, "84799NED")
    payload = load(folder / "TypedDataSet.json")
    payload["value"][3]["AantalInwoners_5"] = -5
    payload["value"][4]["WijkenEnBuurten"] = "XX123"
    save(folder / "TypedDataSet.json", payload)
    result = read_population(folder)
    assert {r.record for r in result.rejects} == {"TypedDataSet.json value[3]", "TypedDataSet.json value[4]"}
    assert len(result.frame) == 3
    with pytest.raises(SourceError, match="geen Kerncijfers"):
        read_population(DATA / "47018NED")


# ------------------------------------------------------------------------------------------- Veiligheidsmonitor


def test_veiligheidsmonitor_table_margins_and_indicators():
    from etl.readers.veiligheidsmonitor import VM_INDICATORS, read_veiligheidsmonitor

    result = read_veiligheidsmonitor(DATA / "85146NED")
    frame = result.frame
    required = {"onveilig_buurt", "rapportcijfer_veiligheid", "rapportcijfer_leefbaarheid", "fysieke_verloedering",
                "sociale_overlast", "sociale_cohesie"}
    assert required <= set(VM_INDICATORS) and required <= set(frame["indicator"])
    for spec in VM_INDICATORS.values():
        assert spec["unit"] in {"%", "cijfer", "schaalscore"} and isinstance(spec["higher_is_worse"], bool)
    row = frame[(frame["area_code"] == "GM0867") & (frame["indicator"] == "onveilig_buurt")
                & (frame["period_start"] == pd.Timestamp("2021-01-01"))].iloc[0]
    assert (row["value"], row["lower"], row["upper"], row["respondents"]) == (16.0, 14.5, 17.5, 300)
    withheld = frame[(frame["area_code"] == "WK086701") & (frame["indicator"] == "sociale_cohesie")
                     & (frame["period_start"] == pd.Timestamp("2021-01-01"))]
    assert withheld["value"].isna().all()  # withheld stays NA
    assert frame["value"].dtype == "Float64" and frame["respondents"].dtype == "Int64"
    # 'VoeltZichWeleensOnveilig_1' (general) must not be taken for the neighbourhood question
    general = frame[frame["indicator"] == "onveilig_algemeen"]
    assert (general["value"] > 30).all()


def test_veiligheidsmonitor_other_key_suffixes(tmp_path):
    from etl.readers.veiligheidsmonitor import read_veiligheidsmonitor

    folder = copy_table(tmp_path, "85146NED")
    rename = {"VoeltZichWeleensOnveiligInBuurt_2": "VoeltZichWeleensOnveiligInBuurt_17",
              "SchaalscoreSocialeCohesie_7": "SchaalscoreSocialeCohesie_41"}
    props = load(folder / "DataProperties.json")
    for entry in props["value"]:
        entry["Key"] = rename.get(entry["Key"], entry["Key"])
    save(folder / "DataProperties.json", props)
    data = load(folder / "TypedDataSet.json")
    for row in data["value"]:
        for old, new in rename.items():
            row[new] = row.pop(old)
    data["value"][0]["VoeltZichWeleensOnveiligInBuurt_17"] = 140.0  # impossible percentage
    save(folder / "TypedDataSet.json", data)
    result = read_veiligheidsmonitor(folder)
    assert {"onveilig_buurt", "sociale_cohesie"} <= set(result.frame["indicator"])
    assert any("buiten het bereik" in r.reason and "onveilig_buurt" in r.reason for r in result.rejects)


def test_veiligheidsmonitor_wrong_table():
    from etl.readers.veiligheidsmonitor import read_veiligheidsmonitor

    with pytest.raises(SourceError, match="geen Veiligheidsmonitor"):
        read_veiligheidsmonitor(DATA / "47022NED")


def test_veiligheidsmonitor_real_statline_csv(real):
    from etl.readers.veiligheidsmonitor import read_veiligheidsmonitor

    result = read_veiligheidsmonitor(real / "veiligheidsmonitor" / "veiligheidsbeleving_provincies_2013-2017.csv")
    frame = result.frame
    assert not result.rejects and result.records_read == 65
    assert set(frame["period_start"].dt.year) == {2013, 2014, 2015, 2016, 2017}
    assert frame["area_code"].nunique() == 13  # Nederland + 12 provinces
    assert set(frame["area_code"]) >= {"NL01", "PV20", "PV31"}
    nl = frame[(frame["area_code"] == "NL01") & (frame["period_start"] == pd.Timestamp("2013-01-01"))].set_index("indicator")
    assert nl.loc["onveilig_buurt", "value"] == 18.8  # decimal comma
    assert nl.loc["onveilig_algemeen", "value"] == 36.7
    assert nl.loc["rapportcijfer_veiligheid", "value"] == 7.1
    assert frame["lower"].isna().all() and frame["respondents"].isna().all()  # not in this download: unknown
    assert any("genegeerd" in n for n in result.notes)


# ------------------------------------------------------------------------------------------- own survey


def test_survey_respondents_standardised():
    from etl.readers.survey_respondents import read_survey_respondents

    result = read_survey_respondents(DATA / "wijkenquete_respondenten.csv", gemeente_code="GM0867")
    frame = result.frame
    assert frame["area_code"].tolist() == ["WK086700", "WK086700", "WK086701", "WK086702"]
    assert frame["weight"].tolist() == [1.12, 0.87, 1.0, 0.95]
    assert frame["onveilig_buurt"].tolist()[:2] == [1.0, 0.0]
    assert pd.isna(frame["onveilig_buurt"].iloc[2])  # 'Weet niet' is not a 'nee'
    assert set(frame["period_start"]) == {pd.Timestamp("2023-01-01")}
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {"line 6", "line 7", "line 8", "line 9"}
    assert "weegfactor" in reasons["line 6"] and "geen WK/BU-code" in reasons["line 7"]
    assert "misschien" in reasons["line 8"] and "11" in reasons["line 9"]


def test_survey_excel_and_missing_columns(tmp_path):
    from etl.readers.survey_respondents import read_survey_respondents

    path = tmp_path / "peiling.xlsx"
    pd.DataFrame({"Wijkcode": ["WK086700", "WK086701"], "Score": ["7", "8"]}).to_excel(path, index=False)
    result = read_survey_respondents(path, indicator_columns={"Score": "rapportcijfer_leefbaarheid"}, period=2024)
    assert result.frame["rapportcijfer_leefbaarheid"].tolist() == [7.0, 8.0]
    assert result.frame["weight"].tolist() == [1.0, 1.0] and any("ongewogen" in n for n in result.notes)
    assert result.frame["source_record"].tolist() == ["row 2", "row 3"]
    with pytest.raises(SourceError, match="wijk- of buurtcode"):
        bad = tmp_path / "bad.csv"
        bad.write_text("naam;score\nx;7\n", encoding="utf-8")
        read_survey_respondents(bad)


# ------------------------------------------------------------------------------------------- crime groups


def test_crime_groups_cover_the_real_code_list(real):
    codes = read_code_list_csv(real / "politie" / "soortmisdrijf_codelijst.csv")
    kinds = [c for c in codes["Key"] if c != crime_groups.TOTAL_CODE]
    assert len(kinds) == 58
    assert {crime_groups.crime_group(c) for c in kinds} == set(crime_groups.CRIME_GROUPS)
    for code, title in zip(codes["Key"], codes["Title"]):
        if code != crime_groups.TOTAL_CODE:
            assert crime_groups.SOORT_MISDRIJF_TITLES[code] == title  # labels as published
    assert crime_groups.crime_group("1.1.1 ") == "vermogen"
    assert crime_groups.crime_theme("1.1.1") == "inbraak"
    assert crime_groups.crime_theme("2.2.1") == "vernieling"
    assert crime_groups.crime_theme("2.6.13") is None
    themes = {crime_groups.crime_theme(c) for c in kinds} - {None}
    assert themes <= set(crime_groups.THEMES)
    with pytest.raises(KeyError):
        crime_groups.crime_group("0.0.0")
    with pytest.raises(KeyError):
        crime_groups.crime_group("9.9.9")


# ------------------------------------------------------------------------------------------- bad input (trust)


@pytest.mark.parametrize("first_count", [40, "", "veel"], ids=["numeric column", "empty first", "text first"])
def test_police_table_text_and_empty_counts_are_rejected(tmp_path, first_count):
    """A typed data set holds a number or null per count; text or '' is a corrupt cell, rejected with its text,
    whether the first cell made the column numeric or text (that once crashed the cast). null stays unknown."""
    folder = copy_table(tmp_path, "47022NED")
    first = load(folder / "TypedDataSet_001.json")
    first["value"][0]["GeregistreerdeMisdrijven_1"] = first_count  # a total row: set aside, never checked
    save(folder / "TypedDataSet_001.json", first)
    page = load(folder / "TypedDataSet_002.json")
    for row, count in zip(page["value"], ["veel", "", None]):
        row["GeregistreerdeMisdrijven_1"] = count
    save(folder / "TypedDataSet_002.json", page)
    result = read_police_crime(folder)
    reasons = {r.record: r.reason for r in result.rejects}
    assert reasons == {"TypedDataSet_002.json value[0]": "aantal 'veel' is geen getal",
                       "TypedDataSet_002.json value[1]": "aantal '' is geen getal"}
    kept = result.frame.set_index("source_record")
    assert pd.isna(kept.loc["TypedDataSet_002.json value[2]", "count"])  # null: unknown, not rejected, not 0
    assert kept.loc["TypedDataSet_002.json value[3]", "count"] == 9
    assert result.frame["count"].dtype == "Int64" and len(result.frame) == 48 - 2


def test_police_implausible_years_and_huge_counts_are_rejected(tmp_path):
    from etl.readers.cbs_odata import EARLIEST_PLAUSIBLE_YEAR, latest_plausible_year

    folder = copy_table(tmp_path, "47022NED")
    page = load(folder / "TypedDataSet_002.json")
    page["value"][0]["Perioden"] = "1900JJ00"
    page["value"][1]["Perioden"] = f"{latest_plausible_year() + 1}MM02"
    page["value"][2]["Perioden"] = f"{EARLIEST_PLAUSIBLE_YEAR}MM03"  # the edges are plausible
    page["value"][3]["Perioden"] = f"{latest_plausible_year()}JJ00"
    page["value"][4]["GeregistreerdeMisdrijven_1"] = 1e300
    save(folder / "TypedDataSet_002.json", page)
    result = read_police_crime(folder)
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {f"TypedDataSet_002.json value[{i}]" for i in (0, 1, 4)}
    assert "'1900JJ00' ligt buiten" in reasons["TypedDataSet_002.json value[0]"]
    assert f"ligt buiten {EARLIEST_PLAUSIBLE_YEAR}-{latest_plausible_year()}" in reasons["TypedDataSet_002.json value[1]"]
    assert "onmogelijk groot" in reasons["TypedDataSet_002.json value[4]"]
    assert result.frame["period_start"].dt.year.between(EARLIEST_PLAUSIBLE_YEAR, latest_plausible_year()).all()


def test_police_csv_text_count_and_1900_rejected_with_reasons():
    result = read_police_crime(BAD / "police" / "csv_absurd_values.csv")
    reasons = {r.record: r.reason for r in result.rejects}
    assert "'1900 januari' ligt buiten" in reasons["line 4"]
    assert reasons["line 6"] == "aantal 'veel' is geen getal"
    assert "line 2" not in reasons and "line 2" in result.frame["source_record"].tolist()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_statline_csv_in_utf16_with_or_without_bom(tmp_path, codec):
    text = ('"Soort misdrijf";"Perioden";"Wijken en buurten";"Geregistreerde misdrijven (aantal)"\r\n'
            '"1.1.1 Diefstal/inbraak woning";"2024";"BU08670000";"      4"\r\n'
            '"1.2.3 Diefstal van brom-, snor-, fietsen";"2024";"Café-buurt";"      3"\r\n')
    expected = tmp_path / "download_utf8.csv"
    expected.write_text(text, encoding="utf-8")
    path = tmp_path / "download.csv"
    path.write_bytes(text.encode(codec))
    frame = read_cbs_csv(path)
    pd.testing.assert_frame_equal(frame, read_cbs_csv(expected), check_like=False, check_flags=False)
    assert frame["Wijken en buurten"].tolist() == ["BU08670000", "Café-buurt"]


@pytest.mark.parametrize("content, problem", [
    ('"Perioden";"Regio\'s"\r\n"2024";"x"\r\n'.encode("utf-16")[:-1], "UTF-16"),  # cut inside a character
    (b'"Perioden";"Regio\'s"\r\n"2024";"\x81\x8d\xff"\r\n', "tekencodering"),  # neither UTF-8 nor cp1252
    (b'"Perioden";"Regio\'s"\x00\x00\x01\x02\x03', "binair"),
])
def test_statline_csv_undecodable_is_a_source_error(tmp_path, content, problem):
    path = tmp_path / "download.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        read_cbs_csv(path)
    assert problem in str(caught.value) and "download.csv" in str(caught.value) and "\n" not in str(caught.value)


def test_veiligheidsmonitor_fractional_negative_respondents_and_far_waves(tmp_path):
    from etl.readers.cbs_odata import latest_plausible_year
    from etl.readers.veiligheidsmonitor import read_veiligheidsmonitor

    folder = copy_table(tmp_path, "85146NED")
    data = load(folder / "TypedDataSet.json")
    rows = data["value"]
    values = [i for i, r in enumerate(rows) if r["Marges"].strip() == "MW00000" and r["Respondenten_8"] is not None]
    rows[values[0]]["Respondenten_8"] = 0.5  # once crashed the Int64 cast
    rows[values[1]]["Respondenten_8"] = -45
    region, period = rows[values[2]]["RegioS"], rows[values[2]]["Perioden"]
    for row in rows:  # one whole wave (value and margins) moved far into the future
        if row["RegioS"] == region and row["Perioden"] == period:
            row["Perioden"] = f"{latest_plausible_year() + 73}JJ00"
    save(folder / "TypedDataSet.json", data)
    result = read_veiligheidsmonitor(folder)
    by_record: dict[str, set[str]] = {}
    for reject in result.rejects:
        by_record.setdefault(reject.record, set()).add(reject.reason.split(" (")[0])
    assert by_record == {
        f"TypedDataSet.json value[{values[0]}]": {"aantal respondenten is geen geheel getal"},
        f"TypedDataSet.json value[{values[1]}]": {"aantal respondenten is negatief of onmogelijk groot"},
        f"TypedDataSet.json value[{values[2]}]": {f"jaar van de meting ligt buiten 1990-{latest_plausible_year()}"},
    }
    frame = result.frame
    assert frame["respondents"].dtype == "Int64" and (frame["respondents"].dropna() >= 0).all()
    assert frame["period_start"].dt.year.max() <= latest_plausible_year()
    # no phantom rows: every row kept comes from a record of the file
    assert frame["source_record"].notna().all() and len(frame) + len(result.rejects) == len(read_veiligheidsmonitor(DATA / "85146NED").frame)


def test_survey_respondents_1900_and_repeated_respondents(tmp_path):
    from etl.readers.survey_respondents import read_survey_respondents

    path = tmp_path / "enquete.csv"
    path.write_text("respondent;wijk;jaar;Rapportcijfer veiligheid in de buurt\n"
                    "1;WK086700;2023;7\n2;WK086700;1900;8\n3;WK086700;2100;7\n1;WK086700;2023;6\n"
                    "1;WK086700;2021;6\n;WK086700;2023;5\n;WK086700;2023;5\n", encoding="utf-8")
    result = read_survey_respondents(path)
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {"line 3", "line 4", "line 5"}
    assert "jaar 1900 ligt buiten" in reasons["line 3"] and "jaar 2100 ligt buiten" in reasons["line 4"]
    assert "respondent '1' staat al eerder" in reasons["line 5"]
    # the same respondent in another wave (a panel) and rows without a number are kept
    assert result.frame["source_record"].tolist() == ["line 2", "line 6", "line 7", "line 8"]


# ------------------------------------------------------------------------------------------- incident events


@pytest.fixture(scope="module")
def buurten():
    from etl.readers.boundaries import read_boundaries

    return read_boundaries(Path(__file__).resolve().parent / "data" / "geo" / "pdok_buurten_p1.json").frame


@pytest.mark.parametrize("body", [
    "datum,soort,x,y\n2024-01-05,Overlast,,\n2024-02-05,Overlast,,\n",  # every coordinate empty (crashed)
    "datum,soort,lat,lon\ngisteren,Overlast,51.6828,5.0474\n2024-01-05,,51.6828,5.0474\n",  # nothing survives (crashed)
    "datum,soort,lat,lon\n1900-01-01,Overlast,51.6828,5.0474\n2100-01-01,Overlast,51.6828,5.0474\n",
])
def test_incident_events_with_no_usable_event_give_an_empty_result(tmp_path, buurten, body):
    from etl.readers.incident_events import read_incident_events
    from etl.readers.police import POLICE_COLUMNS

    path = tmp_path / "meldingen.csv"
    path.write_text(body, encoding="utf-8")
    result = read_incident_events(path, buurten)
    assert result.frame.empty and list(result.frame.columns) == list(POLICE_COLUMNS)
    assert [r.record for r in result.rejects] == ["line 2", "line 3"] and result.records_read == 2
    assert any("geen van de 2 gebeurtenissen" in n for n in result.notes)


def test_incident_events_reject_implausible_dates(buurten):
    from etl.readers.incident_events import read_incident_events

    result = read_incident_events(BAD / "events" / "absurd_values.csv", buurten)
    reasons = {r.record: r.reason for r in result.rejects}
    assert "'1900-01-01' ligt buiten" in reasons["line 3"] and "'2100-01-01' ligt buiten" in reasons["line 4"]
    assert set(result.frame["period_start"]) == {pd.Timestamp("2024-01-01")}
