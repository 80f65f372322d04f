"""A fetched raw cache gets a sources.toml that lists exactly the complete tables."""
import shutil
from pathlib import Path

from etl.cache_sources import GENERATED_MARK, write_cache_sources
from etl.sources import load_sources

DATA = Path(__file__).resolve().parent / "data"


def test_cache_sources_lists_complete_tables_only(tmp_path):
    for table in ("47022NED", "84799NED", "85146NED"):
        shutil.copytree(DATA / "cbs" / table, tmp_path / table)
    shutil.copytree(DATA / "cbs" / "47018NED", tmp_path / "47018NED.partial")  # an unfinished download
    (tmp_path / "pdok" / "wijken-en-buurten-2024").mkdir(parents=True)
    (tmp_path / "pdok" / "wijken-en-buurten-2024" / "wijken.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    target = write_cache_sources(tmp_path)
    config = load_sources(target)
    kinds = {(e.kind, e.path.name) for e in config.entries}
    assert kinds == {("police_crime", "47022NED"), ("population", "84799NED"), ("survey", "85146NED"),
                     ("boundaries", "wijken.geojson")}
    assert not config.is_demo


def test_an_edited_sources_file_is_left_alone(tmp_path):
    (tmp_path / "sources.toml").write_text("is_demo = false\n")
    target = write_cache_sources(tmp_path)
    assert target.name == "sources.fetched.toml"
    assert (tmp_path / "sources.toml").read_text() == "is_demo = false\n"
    assert GENERATED_MARK in target.read_text()


def test_the_example_sources_file_is_valid():
    config = load_sources(Path(__file__).resolve().parents[1] / "data" / "sources.example.toml")
    kinds = [e.kind for e in config.entries]
    assert {"boundaries", "population", "police_crime", "survey", "survey_respondents", "posts"} <= set(kinds)
    assert {e.options.get("format") for e in config.of_kind("posts")} == {"meta_business_csv", "whatsapp"}
