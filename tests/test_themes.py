"""Theme classifier: taxonomy validation, labelled examples per theme, bad input, CLI, quality on the test half,
and the optional learned model."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from etl.readers.base import SourceError
from etl.text import themes as themes_mod
from etl.text.themes import TaxonomyError, classify_texts, explain, load_taxonomy, split_themes
from etl.themes_cli import add_subparser, evaluate, main, read_csv_robust

ROOT = Path(__file__).resolve().parents[1]
THEMES_FILE = ROOT / "data" / "themes.yml"
DATA = Path(__file__).resolve().parent / "data"
DEV_FILE = DATA / "labelled_posts_dev.csv"
TEST_FILE = DATA / "labelled_posts_test.csv"

REQUIRED_KEYS = {
    "veiligheid": ["inbraak", "diefstal", "vernieling", "geweld", "jongerenoverlast", "drugs_drank", "verkeer",
                   "afval_verloedering", "vuurwerk_brand", "oplichting", "verdacht"],
    "leefbaarheid": ["openbare_ruimte", "burenoverlast"],
    "gemeenschap": ["activiteit", "participatie", "buurtpreventie", "vermist_gevonden", "getuigenoproep"],
}


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(THEMES_FILE)


def themes_of(text, taxonomy) -> set[str]:
    return split_themes(classify_texts([text], taxonomy)["themes"].tolist())[0]


# ------------------------------------------------------------------------------------------- taxonomy


def test_shipped_taxonomy_has_every_required_theme_in_its_group(taxonomy):
    groups = {theme.key: theme.group for theme in taxonomy.themes}
    for group, keys in REQUIRED_KEYS.items():
        for key in keys:
            assert groups.get(key) == group, key
    for theme in taxonomy.themes:
        assert theme.label and theme.description and (theme.terms or theme.phrases)


def _write_taxonomy(tmp_path, mutate) -> Path:
    raw = yaml.safe_load(THEMES_FILE.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "themes.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("mutate, fragments", [
    (lambda raw: raw["themes"][0].pop("terms"), ["theme 'inbraak'", "field 'terms' is missing"]),
    (lambda raw: raw["themes"][1].pop("description"), ["theme 'diefstal'", "'description'"]),
    (lambda raw: raw["themes"][2].__setitem__("group", "sport"), ["theme 'vernieling'", "field 'group'", "sport"]),
    (lambda raw: raw["themes"][3]["terms"].append("hard rijden"), ["theme 'geweld'", "field 'terms'", "space"]),
    (lambda raw: raw["themes"][4]["terms"].append("ho*"), ["theme 'jongerenoverlast'", "at least 3"]),
    (lambda raw: raw["themes"][5]["terms"].append("dr*gs"), ["theme 'drugs_drank'", "in the middle"]),
    (lambda raw: raw["themes"][6]["phrases"].append("... te hard"), ["theme 'verkeer'", "field 'phrases'", "..."]),
    (lambda raw: raw["themes"][6]["terms"].append("km/u"), ["theme 'verkeer'", "'km/u'", "never match"]),
    (lambda raw: raw["themes"][7]["exclusions"].append("a* + zwerf"), ["afval_verloedering", "field 'exclusions'"]),
    (lambda raw: raw["themes"][8].__setitem__("key", "inbraak"), ["theme 'inbraak'", "used twice"]),
    (lambda raw: raw["themes"][9].__setitem__("key", "Vuurwerk Brand"), ["field 'key'"]),
    (lambda raw: raw["themes"][10].__setitem__("colour", "red"), ["theme 'oplichting'", "unknown field"]),
    (lambda raw: raw["themes"][11].__setitem__("terms", "verdacht"), ["theme 'verdacht'", "field 'terms'", "list"]),
    (lambda raw: raw.__setitem__("themes", []), ["non-empty list 'themes'"]),
])
def test_taxonomy_errors_name_theme_and_field(tmp_path, mutate, fragments):
    path = _write_taxonomy(tmp_path, mutate)
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_taxonomy_file_problems(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("themes: [\n  - key: x\n  label", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        load_taxonomy(broken)


def test_edited_taxonomy_changes_results(tmp_path):
    def add_theme(raw):
        raw["themes"].append({"key": "ganzen", "label": "Ganzen", "group": "leefbaarheid",
                              "description": "Overlast van ganzen", "terms": ["gans", "ganzen*"],
                              "phrases": ["sissende vogels"], "exclusions": ["ganzenbord"]})

    taxonomy = load_taxonomy(_write_taxonomy(tmp_path, add_theme))
    result = classify_texts(["De ganzenpoep ligt overal", "Ganzenbord spelen in het buurthuis",
                             "Sissende vogels bij de vijver"], taxonomy)
    assert ["ganzen" in t.split(";") for t in result["themes"]] == [True, False, True]


# -------------------------------------------------------------------------------- labelled examples

EXAMPLES = [
    # (text, theme that must be found, word that must explain it)
    ("Vannacht is er bij de overburen ingebroken, deur geforceerd", "inbraak", "ingebroken"),
    ("Poging tot inbraak bij de bakker, ruit van de achterdeur vernield", "inbraak", "poging tot inbraak"),
    ("Er zijn deze maand al vier inbraken in de schuren geweest", "inbraak", "inbraken"),
    ("Woninginbraak aan de Parklaan, sieraden weg", "inbraak", "woninginbraak"),
    ("Alweer fietsendiefstal bij de bibliotheek", "diefstal", "fietsendiefstal"),
    ("Mijn step is gejat voor de supermarkt", "diefstal", "gejat"),
    ("Zakkenrollers actief op de weekmarkt", "diefstal", "zakkenrollers"),
    ("Twee fietsen gestolen uit de stalling onder de flat", "diefstal", "gestolen"),
    ("Het hek van de moestuin is helemaal kapotgetrapt", "vernieling", "kapotgetrapt"),
    ("Vandalen hebben de ruiten van de sporthal ingegooid", "vernieling", "ingegooid"),
    ("Graffiti op het transformatorhuisje bij het fietspad", "vernieling", "graffiti"),
    ("Steekpartij bij de snackbar vannacht", "geweld", "steekpartij"),
    ("Schietpartij in de Bloemstraat, veel politie", "geweld", "schietpartij"),
    ("Mijn buurjongen is op straat mishandeld door drie mannen", "geweld", "mishandeld"),
    ("Overval op de tankstation aan de ringweg", "geweld", "overval"),
    ("De hangjongeren zitten weer bij de school", "jongerenoverlast", "hangjongeren"),
    ("Groepje jongens gooit met stenen naar de bus", "jongerenoverlast", "groepje jongens"),
    ("Wat een wietlucht in het portiek", "drugs_drank", "wietlucht"),
    ("Drugsafval gedumpt bij de sloot", "drugs_drank", "drugsafval"),
    ("Lachgascilinders overal op het parkeerterrein", "drugs_drank", "lachgascilinders"),
    ("Dronken kerels die om 3 uur zingen op straat", "drugs_drank", "dronken"),
    ("Er wordt openlijk gedeald op het pleintje", "drugs_drank", "gedeald"),
    ("Ze rijden hier veel te hard langs de school", "verkeer", "te hard"),
    ("Parkeeroverlast bij het voetbalveld elke zondag", "verkeer", "parkeeroverlast"),
    ("Aanrijding op de rotonde, fietser gewond", "verkeer", "aanrijding"),
    ("Zwerfvuil en hondenpoep overal langs de singel", "afval_verloedering", "zwerfvuil"),
    ("Iemand heeft een matras gedumpt bij de glasbak", "afval_verloedering", "gedumpt"),
    ("Geluidsoverlast van de bovenburen, elke nacht boren", "burenoverlast", "geluidsoverlast"),
    ("De buren maken elke nacht herrie", "burenoverlast", "buren herrie"),
    ("Containerbrand in de Esdoornlaan", "vuurwerk_brand", "containerbrand"),
    ("Al weken vuurwerk en harde knallen bij de flat", "vuurwerk_brand", "vuurwerk"),
    ("Auto in brand gestoken op het plein", "vuurwerk_brand", "in brand"),
    ("Pas op voor WhatsApp-fraude: 'hoi mam, nieuw nummer'", "oplichting", "fraude"),
    ("Nep-agent aan de deur bij mijn oma", "oplichting", "nep"),
    ("Babbeltruc bij een oudere meneer, portemonnee weg", "oplichting", "babbeltruc"),
    ("Phishing sms namens de bank, niet klikken", "oplichting", "phishing"),
    ("Wie herkent deze man op de camerabeelden?", "verdacht", "wie herkent"),
    ("Verdachte auto met drie mannen al een uur in de straat", "verdacht", "verdachte"),
    ("Straatverlichting in de steeg doet het al weken niet", "openbare_ruimte", "straatverlichting"),
    ("Losliggende stoeptegels voor de apotheek", "openbare_ruimte", "losliggende"),
    ("De nieuwe speeltuin aan de vijver is prachtig", "openbare_ruimte", "speeltuin"),
    ("Gezellige burendag gehad met soep en spelletjes", "activiteit", "burendag"),
    ("Koffieochtend elke dinsdag in het wijkcentrum", "activiteit", "koffieochtend"),
    ("Brandweer open dag zaterdag bij de kazerne", "activiteit", "open dag"),
    ("De gemeente doet een leefbaarheidsonderzoek, vul de enquete in", "participatie", "leefbaarheidsonderzoek"),
    ("Wijkschouw met de wijkagent en de corporatie op donderdag", "participatie", "wijkschouw"),
    ("Bewonersavond over de nieuwe flats", "participatie", "bewonersavond"),
    ("Ons buurtpreventieteam zoekt versterking", "buurtpreventie", "buurtpreventieteam"),
    ("Meld je aan voor de WhatsApp-buurtpreventie", "buurtpreventie", "buurtpreventie"),
    ("De buurtwacht loopt vanavond een extra ronde", "buurtpreventie", "buurtwacht"),
    ("Onze kater is sinds zondag vermist", "vermist_gevonden", "vermist"),
    ("Sleutelbos gevonden bij de bushalte", "vermist_gevonden", "gevonden"),
    ("Politie zoekt getuigen van de mishandeling bij het station", "getuigenoproep", "getuigen"),
    ("Heeft u iets gezien? Bel 0900-8844 of Meld Misdaad Anoniem", "getuigenoproep", "8844"),
]


@pytest.mark.parametrize("text, theme, word", EXAMPLES)
def test_theme_examples_and_their_explanation(taxonomy, text, theme, word):
    why = explain(text, taxonomy)
    assert theme in why, why
    assert word in why[theme], why


@pytest.mark.parametrize("text, not_theme", [
    ("Brandweer open dag zaterdag, kinderen mogen in de brandweerauto", "vuurwerk_brand"),
    ("Hard werken vandaag, maar wel voldaan", "verkeer"),
    ("Geweldige avond gehad bij de buren", "geweld"),
    ("Zonnebrand niet vergeten, het wordt 30 graden", "vuurwerk_brand"),
    ("Graffiti workshop in het jongerencentrum", "vernieling"),
    ("De afvalstoffenheffing gaat volgend jaar omhoog", "afval_verloedering"),
    ("Activiteiten voor jongeren in de zomervakantie", "jongerenoverlast"),
    ("Snoeien van de brandnetels langs het pad", "vuurwerk_brand"),
    ("Hangjongeren bij de speeltuin", "openbare_ruimte"),
])
def test_exclusions_and_look_alikes(taxonomy, text, not_theme):
    assert not_theme not in themes_of(text, taxonomy)


def test_several_themes_or_none(taxonomy):
    result = classify_texts([
        "Hangjongeren hebben het bushokje vernield en laten overal troep achter",
        "Weet iemand een goede loodgieter?",
        "bij ons ook!!",
    ], taxonomy)
    assert {"jongerenoverlast", "vernieling", "afval_verloedering"} <= set(result["themes"][0].split(";"))
    assert result["themes"][1] == "" and result["matched"][1] == "{}"
    assert result["themes"][2] == ""
    # themes come in taxonomy order
    order = taxonomy.keys
    first = result["themes"][0].split(";")
    assert first == sorted(first, key=order.index)
    assert list(json.loads(result["matched"][0])) == first


def test_normalisation_handles_informal_writing(taxonomy):
    assert "inbraak" in themes_of("INGEBROKEN bij de buren!!!", taxonomy)
    assert "jongerenoverlast" in themes_of("zooooo irritant die hangjongerennnn", taxonomy)
    assert "vermist_gevonden" in themes_of("Onze kat is vermíst 😿", taxonomy)
    assert "drugs_drank" in themes_of("<p>Er wordt <b>gedeald</b> &amp; geblowd</p>", taxonomy)


# ------------------------------------------------------------------------------------------ bad input


def test_never_crashes_on_bad_input(taxonomy):
    long_text = ("Inbraak in de schuur. " + "bla " * 100) * 250
    assert len(long_text) > 100_000
    texts = [None, "", "   ", "😡😡😡", "😍", long_text, np.nan, pd.NA, 12345,
             "Someone stole my bike, echt balen 😤", "<script>alert('x')</script>", "&&&<<<>>>",
             "a" * 5000, "\x00\x01 gestolen", "مرحبا inbraak"]
    result = classify_texts(texts, taxonomy)
    assert len(result) == len(texts)
    assert list(result.columns) == ["themes", "matched", "tone"]
    assert result["tone"].dtype == np.int8
    assert result["themes"].tolist()[:5] == ["", "", "", "", ""]
    assert result["matched"][0] == "{}"
    assert result["tone"][3] == -1 and result["tone"][4] == 1
    assert "inbraak" in result["themes"][5]
    assert "diefstal" in result["themes"][9]
    assert "inbraak" in result["themes"][14]
    for value in result["matched"]:
        assert isinstance(json.loads(value), dict)


def test_accepts_series_with_na_generators_and_empty_input(taxonomy):
    series = pd.Series(["Fiets gejat", None, "Buurtfeest!"], dtype="string")
    result = classify_texts(series, taxonomy)
    assert result["themes"].tolist() == ["diefstal", "", "activiteit"]
    generated = classify_texts((t for t in ["Fiets gejat", "Buurtfeest!"]), taxonomy)
    assert generated["themes"].tolist() == ["diefstal", "activiteit"]
    empty = classify_texts([], taxonomy)
    assert len(empty) == 0 and list(empty.columns) == ["themes", "matched", "tone"]


def test_parallel_path_gives_the_same_result(taxonomy, monkeypatch):
    texts = [f"Fiets {i} gejat bij de school" if i % 3 else f"Gezellig buurtfeest {i}!" for i in range(1500)]
    texts[7] = None
    sequential = classify_texts(texts, taxonomy, processes=1)
    monkeypatch.setattr(themes_mod, "PARALLEL_MIN_POSTS", 100)
    monkeypatch.setattr(themes_mod, "PARALLEL_CHUNK_POSTS", 400)
    monkeypatch.setattr(themes_mod.os, "cpu_count", lambda: 2)
    parallel = classify_texts(texts, taxonomy, processes=2)
    pd.testing.assert_frame_equal(sequential, parallel)


# ------------------------------------------------------------------------------------------- evaluate


def test_evaluate_counts_per_theme_and_aligns_on_id():
    truth = pd.DataFrame({"id": ["a", "b", "c", "d"], "themes": ["inbraak", "inbraak;verdacht", "", "verkeer"],
                          "tone": [-1, -1, 0, 1]})
    pred = pd.DataFrame({"id": ["d", "c", "b", "a"], "themes": ["", "verdacht", "inbraak;verdacht", "inbraak"],
                         "tone": [1, 0, 0, -1]})
    result = evaluate(truth, pred)
    assert result["per_theme"]["inbraak"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2, "predicted": 2}
    assert result["per_theme"]["verdacht"]["precision"] == 0.5
    assert result["per_theme"]["verkeer"]["recall"] == 0.0
    assert result["micro_precision"] == pytest.approx(3 / 4)  # tp 3 (a, b, b), fp 1 (c)
    assert result["micro_recall"] == pytest.approx(3 / 4)     # fn 1 (d)
    assert result["macro_f1"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert result["tone_accuracy"] == pytest.approx(3 / 4)
    assert result["exact_match"] == pytest.approx(2 / 4)


def test_evaluate_without_tone_and_mismatched_rows():
    result = evaluate(pd.DataFrame({"themes": ["a", ""]}), pd.DataFrame({"themes": ["a", ""]}))
    assert result["micro_f1"] == 1.0 and result["tone_accuracy"] is None
    with pytest.raises(ValueError, match="no prediction"):
        evaluate(pd.DataFrame({"id": ["1", "2"], "themes": ["a", "b"]}), pd.DataFrame({"id": ["1"], "themes": ["a"]}))


# ------------------------------------------------------------------------------------------------ CLI


def _write_csv(path: Path, rows: list[list[str]], encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_cli_classify_reads_any_encoding(tmp_path, capsys, encoding):
    source = _write_csv(tmp_path / "in.csv", [["id", "text"], ["1", "Fiets gejat bij café De Zwaan 😡"
                                              if encoding != "cp1252" else "Fiets gejat bij café De Zwaan"],
                                              ["2", "Weet iemand een loodgieter?"], ["3", ""]], encoding)
    target = tmp_path / "out.csv"
    assert main(["classify", str(source), str(target), "--themes", str(THEMES_FILE)]) == 0
    out = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert list(out.columns) == ["id", "themes", "tone"]
    assert out.to_dict("records") == [{"id": "1", "themes": "diefstal", "tone": "-1"},
                                      {"id": "2", "themes": "", "tone": "0"},
                                      {"id": "3", "themes": "", "tone": "0"}]
    assert "3 posts classified" in capsys.readouterr().out


def test_cli_missing_column_names_file_and_column(tmp_path, capsys):
    source = _write_csv(tmp_path / "posts.csv", [["id", "bericht"], ["1", "tekst"]])
    assert main(["classify", str(source), str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert "posts.csv" in err and "column 'text' is missing" in err
    with pytest.raises(SourceError, match="column 'themes' is missing"):
        read_csv_robust(source, ["id", "themes"])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        read_csv_robust(empty, ["id"])


def test_cli_evaluate_prints_scores_and_table(tmp_path, capsys):
    source = _write_csv(tmp_path / "labelled.csv", [
        ["id", "text", "themes", "tone"],
        ["1", "Fiets gejat bij de school", "diefstal", "-1"],
        ["2", "Gezellig buurtfeest zaterdag!", "activiteit", "1"],
        ["3", "Weet iemand een loodgieter?", "", "0"],
    ])
    assert main(["evaluate", str(source)]) == 0
    out = capsys.readouterr().out
    assert "micro: precision 1.000  recall 1.000  F1 1.000" in out
    assert "macro F1: 1.000" in out and "tone accuracy: 1.000" in out
    assert "diefstal" in out and "support" in out


def test_add_subparser_wires_the_themes_command(tmp_path):
    import argparse

    parser = argparse.ArgumentParser(prog="etl")
    add_subparser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["themes", "train", "x.csv", "--model", str(tmp_path / "m.joblib")])
    assert args.themes_command == "train" and callable(args.func)
    with pytest.raises(SystemExit):
        parser.parse_args(["themes"])


# -------------------------------------------------------------------------------------------- quality


def test_quality_on_held_out_test_half(taxonomy):
    """Rules were tuned on the dev half only; these are the targets on the test half."""
    frame = read_csv_robust(TEST_FILE, ["id", "text", "themes", "tone"])
    assert len(frame) >= 200
    predicted = classify_texts(frame["text"].tolist(), taxonomy)
    predicted.insert(0, "id", frame["id"].to_numpy())
    result = evaluate(frame[["id", "themes", "tone"]], predicted)
    assert result["micro_f1"] >= 0.85, result["micro_f1"]
    assert result["macro_f1"] >= 0.80, result["macro_f1"]
    assert result["tone_accuracy"] >= 0.75, result["tone_accuracy"]


def test_labelled_sets_are_well_formed(taxonomy):
    dev = read_csv_robust(DEV_FILE, ["id", "text", "themes", "tone"])
    test = read_csv_robust(TEST_FILE, ["id", "text", "themes", "tone"])
    assert len(dev) + len(test) >= 400
    assert set(dev["text"]).isdisjoint(set(test["text"]))
    for frame in (dev, test):
        assert frame["id"].is_unique
        assert set(frame["tone"]) <= {"-1", "0", "1"}
        used = set().union(*split_themes(frame["themes"].tolist()))
        assert used == set(taxonomy.keys)  # every theme occurs, no unknown keys
        assert (frame["themes"] == "").sum() >= 20  # posts without a theme


# ---------------------------------------------------------------------------------------- learned model


@pytest.fixture()
def small_labelled(tmp_path) -> Path:
    rows = [["id", "text", "themes"]]
    for i in range(10):
        rows.append([f"k{i}", f"Wat een knetterboel {i} weer bij nummer {i + 3}, elke avond die knetterboel", "burenoverlast"])
        rows.append([f"f{i}", f"Fiets {i} gestolen bij het station, slot doorgeknipt", "diefstal"])
        rows.append([f"a{i}", f"Gezellige koffieochtend nummer {i} in het buurthuis", "activiteit"])
    rows += [[f"n{i}", f"Weet iemand een loodgieter {i}?", ""] for i in range(5)]
    rows.append(["r1", "Een zeldzaam thema", "geweld"])
    return _write_csv(tmp_path / "labelled.csv", rows)


def test_learned_model_trains_reports_and_combines_with_rules(tmp_path, small_labelled, taxonomy):
    from etl.text.learned import load_model, report_paths, train

    model_path = tmp_path / "models" / "themes.joblib"
    report = train(small_labelled, model_path, folds=3)
    assert model_path.is_file()
    report_json, report_txt = report_paths(model_path)
    saved = json.loads(report_json.read_text(encoding="utf-8"))
    assert set(saved["per_theme"]) == {"activiteit", "burenoverlast", "diefstal"}
    for row in saved["per_theme"].values():
        assert set(row) == {"precision", "recall", "f1", "support"}
    assert saved["themes_without_model"] == ["geweld"]
    assert saved["folds"] == 3 and 0.0 <= saved["micro_f1"] <= 1.0
    assert "burenoverlast" in report_txt.read_text(encoding="utf-8") and "precision" in report["text"]

    model = load_model(model_path)
    texts = ["Alweer een knetterboel hier vanavond", "Mijn fiets is gestolen", None]
    assert "burenoverlast" not in themes_of(texts[0], taxonomy)  # the rules do not know the word
    combined = classify_texts(texts, taxonomy, model=model)
    assert "burenoverlast" in combined["themes"][0].split(";")
    assert json.loads(combined["matched"][0])["burenoverlast"][0].startswith("model:")
    assert "diefstal" in combined["themes"][1]
    assert combined["tone"].dtype == np.int8


def test_learned_model_errors(tmp_path):
    from etl.text.learned import load_model, train

    with pytest.raises(ValueError, match="not found"):
        load_model(tmp_path / "nope.joblib")
    too_few = _write_csv(tmp_path / "few.csv", [["text", "themes"], ["a", "inbraak"], ["b", ""]])
    with pytest.raises(ValueError, match="no theme has"):
        train(too_few, tmp_path / "m.joblib")


def test_cli_train_writes_model(tmp_path, small_labelled, capsys):
    model_path = tmp_path / "cli_model.joblib"
    assert main(["train", str(small_labelled), "--model", str(model_path), "--folds", "2"]) == 0
    assert model_path.is_file()
    assert "Cross-validation (2 folds" in capsys.readouterr().out
