"""Post readers: Graph API, DYI, Meta Business Suite, CrowdTangle, WhatsApp, plain CSV, and the dispatcher."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from etl.readers.base import POST_COLUMNS, ReadResult, SourceError
from etl.readers.crowdtangle import read_crowdtangle_csv
from etl.readers.facebook_dyi import read_dyi, repair_mojibake
from etl.readers.facebook_graph import _fields_careful, _fields_fast, read_graph_feed, read_graph_pages
from etl.readers.meta_business import read_meta_business_csv
from etl.readers.plain_csv import read_plain_csv
from etl.readers.posts import POST_FORMATS, detect_format, read_posts
from etl.readers.whatsapp import read_whatsapp

DATA = Path(__file__).resolve().parent / "data" / "posts"
BAD = DATA / "bad"


@pytest.fixture(scope="module")
def real_dir() -> Path:
    path = Path(__file__).resolve().parents[2] / "shared" / "real"
    if not path.exists():
        pytest.skip("shared real data folder not present")
    return path


def assert_post_frame(result: ReadResult) -> pd.DataFrame:
    frame = result.frame
    assert list(frame.columns[: len(POST_COLUMNS)]) == list(POST_COLUMNS)
    for column, dtype in POST_COLUMNS.items():
        assert str(frame[column].dtype) == str(pd.Series(dtype=dtype).dtype), column
    assert frame["post_key"].notna().all()
    assert not frame["post_key"].duplicated().any()
    assert frame["created_at"].notna().all()
    assert set(frame["kind"].dropna()) <= {"post", "comment", "reply", "message"}
    assert len(frame) + len(result.rejects) <= result.records_read  # dropped system lines and duplicates are not rejects
    return frame


# ---------------------------------------------------------------------------------------------------- Graph API

def test_graph_real_feed(real_dir):
    result = read_graph_feed(real_dir / "facebook-graph" / "page_feed_p1.json")
    frame = assert_post_frame(result)
    assert len(frame) == 5 and result.records_read == 5 and not result.rejects
    first = frame.iloc[0]
    assert first["post_key"] == "19292868552_10158349356748553"
    assert first["page_ref"] == "19292868552"
    assert first["kind"] == "post"
    assert first["created_at"] == pd.Timestamp("2021-07-09 19:09:52", tz="UTC")
    assert first["text"].startswith("Singaporean logistics company Ninja Van")
    assert (first["reactions"], first["comments"], first["shares"]) == (125, 13, 10)
    assert (first["reactions_like"], first["reactions_love"], first["reactions_wow"]) == (119, 6, 0)
    assert pd.isna(first["reactions_care"])  # not requested in that response: unknown, not zero
    assert first["permalink"] == "https://www.facebook.com/19292868552/posts/10158349356748553/"
    assert pd.isna(first["author_ref"])  # no `from` in the response
    assert list(frame["reactions"]) == [125, 131, 143, 178, 179]
    assert list(frame["media_type"]) == ["photo", "link", "photo", "photo", "video"]
    assert "iCook 愛料理" in frame.iloc[4]["text"]
    assert frame["exported_at"].nunique() == 1


def test_graph_real_comments_with_replies(real_dir):
    result = read_graph_feed(real_dir / "facebook-graph" / "comments_p1.json")
    frame = assert_post_frame(result).set_index("post_key")
    assert len(frame) == 10 and not result.rejects
    assert list(frame["kind"]).count("reply") == 4
    post = "19292868552_10158407654328553"
    top = frame[frame["kind"] == "comment"]
    assert (top["parent_key"] == post).all()
    assert (frame["page_ref"] == "19292868552").all()
    # Replies point at the comment their permalink names; reply counts match the parents' comment_count.
    replies = frame[frame["kind"] == "reply"]
    assert replies["parent_key"].value_counts().to_dict() == {
        "10158407654328553_10158407903973553": 2,
        "10158407654328553_10158407835073553": 1,
        "10158407654328553_10158410332078553": 1,
    }
    for parent, n in replies["parent_key"].value_counts().items():
        assert frame.loc[parent, "comments"] == n
    assert frame["author_ref"].isna().all()
    assert frame.loc["10158407654328553_10158407903973553", "text"].endswith("Facebook for Developers")


def test_graph_nested_comments_and_derived_keys():
    result = read_graph_feed(DATA / "graph_feed_nl.json", exported_at="2024-05-02T12:00:00")
    frame = assert_post_frame(result)
    assert result.records_read == 8 and len(frame) == 8
    assert list(frame["kind"]) == ["post", "post", "post", "comment", "reply", "reply", "comment", "comment"]
    rows = frame.set_index("source_record")
    post = rows.loc["data[0]"]
    assert (post["reactions"], post["shares"], post["comments"]) == (12, 4, 5)
    assert (post["reactions_like"], post["reactions_love"], post["reactions_sad"], post["reactions_care"]) == (3, 1, 6, 0)
    assert pd.isna(post["reactions_haha"])
    assert post["author_ref"] == "104123456789012" and post["author_name"] == "Buurtpreventie Lindenhof"
    assert (frame["exported_at"] == pd.Timestamp("2024-05-02 12:00", tz="UTC")).all()
    comment = rows.loc["data[0].comments.data[0]"]
    assert (comment["post_key"], comment["parent_key"], comment["kind"]) == ("2001_3001", "104123456789012_2001", "comment")
    assert comment["author_ref"] == "555001" and comment["page_ref"] == "104123456789012"
    # A reply without id hangs under its comment, keyed by a content hash; identical comments stay apart.
    reply = rows.loc["data[0].comments.data[0].comments.data[1]"]
    assert reply["parent_key"] == "2001_3001" and reply["post_key"].startswith("h") and reply["kind"] == "reply"
    assert rows.loc["data[0].comments.data[1]", "post_key"] != rows.loc["data[0].comments.data[2]", "post_key"]
    # Photo-only post: kept with NULL text; shares absent while shares were requested -> 0; unknown stays NULL.
    photo = rows.loc["data[1]"]
    assert pd.isna(photo["text"]) and photo["reactions"] == 40 and photo["shares"] == 0
    assert pd.isna(rows.loc["data[2]", "reactions"]) and pd.isna(rows.loc["data[2]", "comments"])
    assert "🔑" in rows.loc["data[2]", "text"]
    assert frame.loc[frame["kind"] != "post", "shares"].isna().all()
    # Derived keys are stable from run to run.
    again = read_graph_feed(DATA / "graph_feed_nl.json")
    assert list(again.frame["post_key"]) == list(frame["post_key"])


def test_graph_comments_without_ids_use_edge_object():
    result = read_graph_feed(DATA / "graph_comments_noid.json")
    frame = assert_post_frame(result)
    assert (frame["parent_key"] == "104123456789012_2001").all()
    assert (frame["page_ref"] == "104123456789012").all()
    assert (frame["kind"] == "comment").all()
    assert frame["post_key"].nunique() == 3
    assert list(frame["reactions"]) == [2, 0, 0] and list(frame["comments"]) == [0, 1, 0]
    assert frame["shares"].isna().all()
    assert any("without id" in note for note in result.notes)


def test_graph_page_ref_and_exported_at_defaults(tmp_path):
    path = tmp_path / "feed.json"
    shutil.copy(DATA / "graph_feed_nl.json", path)
    os.utime(path, (1_714_560_000, 1_714_560_000))
    default = read_graph_feed(path).frame
    assert (default["exported_at"] == pd.Timestamp(1_714_560_000, unit="s", tz="UTC")).all()
    named = read_graph_feed(path, page_ref="Buurtpreventie Lindenhof").frame
    assert (named["page_ref"] == "Buurtpreventie Lindenhof").all()


def test_graph_pages_concatenate_and_keep_newest_duplicate(tmp_path):
    first, second = tmp_path / "p1.json", tmp_path / "p2.json"
    shutil.copy(DATA / "graph_feed_nl.json", first)
    shutil.copy(DATA / "graph_feed_p2.json", second)
    os.utime(first, (1_714_560_000, 1_714_560_000))
    os.utime(second, (1_714_563_600, 1_714_563_600))
    result = read_graph_pages([first, second])
    frame = assert_post_frame(result)
    assert len(frame) == 9 and result.records_read == 10
    kept = frame.set_index("post_key").loc["104123456789012_2003"]
    assert kept["reactions"] == 9 and kept["source_file"] == "p2.json"
    assert any("more than once" in note for note in result.notes)
    # Rejects name the page they come from.
    mixed = read_graph_pages([first, BAD / "graph_bad_records.json"])
    assert len(mixed.frame) == 10 and len(mixed.rejects) == 6
    assert all(r.source_file.endswith("graph_bad_records.json") for r in mixed.rejects)
    assert set(mixed.frame["source_file"]) == {"p1.json", "graph_bad_records.json"}


def test_graph_bad_records_are_rejected_with_locators():
    result = read_graph_feed(BAD / "graph_bad_records.json")
    frame = assert_post_frame(result)
    assert list(frame["post_key"]) == ["104123456789012_2101", "104123456789012_2108"]
    assert frame.iloc[1]["comments"] == 4
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {"data[1]", "data[2]", "data[3]", "data[4]", "data[5]", "data[6]"}
    assert "geen geldige tijd" in reasons["data[1]"]
    assert "negatief" in reasons["data[2]"]
    assert "ontbreekt" in reasons["data[4]"]
    assert "2004" in reasons["data[5]"]
    assert "geheel getal" in reasons["data[6]"]
    assert all(r.source_file.endswith("graph_bad_records.json") for r in result.rejects)
    assert result.records_read == 8


def test_graph_truncated_json_is_a_source_error():
    with pytest.raises(SourceError) as err:
        read_graph_feed(BAD / "graph_truncated.json")
    assert "graph_truncated.json" in str(err.value) and "JSON" in str(err.value)


def test_graph_error_response_and_wrong_shapes(tmp_path):
    cases = {
        "error.json": ({"error": {"message": "Invalid OAuth access token.", "code": 190}}, "OAuth"),
        "nodata.json": ({"paging": {}}, "data"),
        "string.json": ("hallo", "str"),
        "datadict.json": ({"data": {"id": "1"}}, "list"),
    }
    for name, (doc, word) in cases.items():
        path = tmp_path / name
        path.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(SourceError, match=word) as err:
            read_graph_feed(path)
        assert name in str(err.value)
    with pytest.raises(SourceError, match="not found"):
        read_graph_feed(tmp_path / "missing.json")
    (tmp_path / "empty.json").write_bytes(b"  \n")
    with pytest.raises(SourceError, match="empty"):
        read_graph_feed(tmp_path / "empty.json")


def test_graph_utf16_without_bom(tmp_path):
    path = tmp_path / "feed16.json"
    path.write_bytes((DATA / "graph_feed_nl.json").read_text(encoding="utf-8").encode("utf-16-le"))
    frame = read_graph_feed(path).frame
    assert len(frame) == 8 and "🔑" in frame.set_index("source_record").loc["data[2]", "text"]


def test_graph_empty_last_page_gives_empty_frame(tmp_path):
    path = tmp_path / "last.json"
    path.write_text('{"data": [], "paging": {"cursors": {"before": "a", "after": "b"}}}', encoding="utf-8")
    result = read_graph_feed(path)
    assert len(assert_post_frame(result)) == 0 and result.records_read == 0


def test_graph_huge_message_rejected_not_hanging(tmp_path):
    big = "x" * 10_500_000
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"data": [
        {"id": "1_1", "created_time": "2024-05-01T10:00:00+0000", "message": big},
        {"id": "1_2", "created_time": "2024-05-01T10:00:00+0000", "message": "klein"},
    ]}), encoding="utf-8")
    result = read_graph_feed(path)
    assert list(result.frame["post_key"]) == ["1_2"]
    assert result.rejects[0].record == "data[0]" and "bytes" in result.rejects[0].reason
    assert len(result.rejects[0].raw) <= 500


_graph_value = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.sampled_from(["2024-05-01T10:00:00+0000", "9999-01-01T00:00:00+0000", "1_2", "photo"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "message", "created_time", "from", "reactions", "summary", "total_count", "data",
                         "comments", "shares", "count", "like", "reactions_love", "permalink_url", "parent", "name",
                         "attachments", "media_type", "like_count"]),
        children, max_size=5),
    max_leaves=20,
)
_graph_record = st.dictionaries(
    st.sampled_from(["id", "message", "created_time", "from", "reactions", "comments", "shares", "like", "care",
                     "reactions_love", "permalink_url", "attachments", "like_count", "comment_count"]),
    _graph_value, max_size=8)


@hyp_settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.builds(lambda data: {"data": data}, st.lists(_graph_record | _graph_value, max_size=5)),
                 _graph_value))
def test_graph_property_never_crashes(tmp_path, doc):
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        result = read_graph_feed(path)
    except SourceError as err:
        assert "fuzz.json" in str(err)
        return
    assert_post_frame(result)
    assert {r.record for r in result.rejects}.isdisjoint(set(result.frame["source_record"]))


@hyp_settings(max_examples=40, deadline=None)
@given(st.lists(_graph_record, max_size=6))
def test_graph_fast_and_careful_extraction_agree(records):
    fast = _fields_fast(records)
    if fast is not None:  # the fast path either gives the careful answer or steps aside
        assert fast == _fields_careful(records)


# ---------------------------------------------------------------------------------------------------- DYI

def test_dyi_posts_repair_mojibake_and_keep_photo_posts():
    result = read_dyi(DATA / "dyi" / "your_posts_1.json", page_ref="Buurtpreventie Lindenhof")
    frame = assert_post_frame(result)
    assert len(frame) == 3 and not result.rejects
    assert frame.iloc[0]["text"] == "Café De Hoek: fietsen weer gestolen 😡 Wie heeft iets gezien? Tip: bel 0900-8844."
    assert frame.iloc[0]["title"] == "Renée Jansen heeft een bericht geplaatst in Buurtpreventie Lindenhof."
    assert frame.iloc[0]["created_at"] == pd.Timestamp(1651501292, unit="s", tz="UTC")
    assert pd.isna(frame.iloc[1]["text"])  # photo without words: kept
    assert frame.iloc[2]["text"] == "Al correct: café, één, 👍 – blijft zo."  # correct text is left alone
    assert (frame["kind"] == "post").all() and (frame["page_ref"] == "Buurtpreventie Lindenhof").all()
    assert frame["author_ref"].isna().all() and frame["reactions"].isna().all()


def test_dyi_comments_and_newer_layout():
    comments = assert_post_frame(read_dyi(DATA / "dyi" / "comments.json"))
    assert list(comments["kind"]) == ["comment", "comment"]
    assert comments.iloc[0]["text"] == "Bij ons ook! Ik heb aangifte gedaan 👮"
    assert comments.iloc[0]["author_ref"] == "Renée Jansen"
    assert comments.iloc[0]["page_ref"] == "Buurtpreventie Lindenhof" and pd.isna(comments.iloc[1]["page_ref"])
    assert comments["parent_key"].isna().all()
    newer = assert_post_frame(read_dyi(DATA / "dyi" / "your_posts__check_ins__photos_and_videos_1.json"))
    assert newer.iloc[0]["text"] == "Nieuwe indeling van het DYI-bestand ✅"


def test_repair_mojibake_leaves_correct_text():
    assert repair_mojibake("CafÃ© ð\x9f\x98\x80") == "Café 😀"
    for text in ("Café", "één 👍", "plain", "Ø€"):
        assert repair_mojibake(text) == text
    assert repair_mojibake(None) is None


def test_dyi_bad_records_are_rejected():
    result = read_dyi(BAD / "dyi_bad_comments.json")
    assert list(result.frame["text"]) == ["goed"]
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {"comments_v2[1]", "comments_v2[2]", "comments_v2[3]", "comments_v2[4]"}
    assert "ontbreekt" in reasons["comments_v2[3]"] and "unix" in reasons["comments_v2[2]"]
    assert result.records_read == 5


def test_dyi_wrong_shapes(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"profile_v2": {"name": "x"}}', encoding="utf-8")
    with pytest.raises(SourceError, match="x.json.*no DYI"):
        read_dyi(path)
    path.write_text('[{"timestamp": 1651501292, "data": [{"post": "ab', encoding="utf-8")
    with pytest.raises(SourceError, match="invalid JSON"):
        read_dyi(path)


def test_dyi_huge_comment_rejected(tmp_path):
    path = tmp_path / "comments.json"
    path.write_text(json.dumps({"comments_v2": [
        {"timestamp": 1651502000, "data": [{"comment": {"timestamp": 1651502000, "comment": "y" * 10_500_000, "author": "A"}}]},
        {"timestamp": 1651502001, "data": [{"comment": {"timestamp": 1651502001, "comment": "kort", "author": "A"}}]},
    ]}), encoding="utf-8")
    result = read_dyi(path)
    assert list(result.frame["text"]) == ["kort"]
    assert result.rejects[0].record == "comments_v2[0]" and "bytes" in result.rejects[0].reason


# ---------------------------------------------------------------------------------------------------- Meta Business Suite

def test_meta_business_utf8_bom_33_columns():
    result = read_meta_business_csv(DATA / "meta_business_utf8bom.csv", exported_at="2024-06-01")
    frame = assert_post_frame(result)
    assert list(frame["post_key"]) == ["104123456789012_2001", "104123456789012_2005", "104123456789012_2006"]
    assert frame["reactions"].tolist()[:2] == [12, 230] and pd.isna(frame.iloc[2]["reactions"])
    assert frame.iloc[1]["text"] == "Inbrekers op camera\n\nBeelden van de deurbel aan de Eikenlaan. Herkent u deze man?"
    assert frame.iloc[2]["text"] == "Buurtborrel 2 juni"  # only Title filled
    assert pd.isna(frame.iloc[2]["comments"]) and pd.isna(frame.iloc[2]["shares"])  # blank is unknown, not 0
    assert frame.iloc[1]["reach"] == 10402
    # 05/14/2024 21:45 Amsterdam summer time = 19:45 UTC (MM/DD, as Meta writes it).
    assert frame.iloc[1]["created_at"] == pd.Timestamp("2024-05-14 19:45", tz="UTC")
    assert (frame["page_ref"] == "104123456789012").all() and (frame["kind"] == "post").all()


def test_meta_business_utf16_sep_line_34_columns_and_newer_counts(tmp_path):
    older = read_meta_business_csv(DATA / "meta_business_utf8bom.csv", exported_at="2024-06-01").frame
    newer = assert_post_frame(read_meta_business_csv(DATA / "meta_business_utf16.csv", exported_at="2024-07-01"))
    assert list(newer["source_record"]) == ["line 3", "line 4"]  # line 1 is 'sep=,'
    both = pd.concat([older, newer]).sort_values("exported_at").drop_duplicates("post_key", keep="last")
    assert both.set_index("post_key").loc["104123456789012_2001", "reactions"] == 19
    assert "privébericht 🙂" in newer.iloc[1]["text"]


def test_meta_business_utf16_without_bom_and_bad_rows():
    result = read_meta_business_csv(BAD / "meta_business_utf16_nobom.csv")
    frame = assert_post_frame(result)
    assert any("UTF-16" in note for note in result.notes)
    assert list(frame["post_key"]) == ["104123456789012_2001", "104123456789012_2004"]  # Excel-damaged id repaired
    reasons = {r.record: r.reason for r in result.rejects}
    assert reasons == {"line 4": "Publish time is geen geldige datum/tijd", "line 5": "reactions is negatief"}


def test_meta_business_missing_columns_named():
    with pytest.raises(SourceError) as err:
        read_meta_business_csv(BAD / "meta_business_missing_cols.csv")
    message = str(err.value)
    assert "meta_business_missing_cols.csv" in message and "Publish time" in message and "Shares" in message


# ---------------------------------------------------------------------------------------------------- CrowdTangle

def test_crowdtangle_zones_thousands_and_keys():
    result = read_crowdtangle_csv(DATA / "crowdtangle_historical.csv")
    frame = assert_post_frame(result)
    assert list(frame["post_key"]) == ["104987654321098_5123456789012345", "104987654321098_612345678901234",
                                       "104987654321098_5199999999999999"]
    assert list(frame["created_at"]) == [pd.Timestamp("2022-01-15 19:05", tz="UTC"),
                                         pd.Timestamp("2022-07-02 07:30", tz="UTC"),
                                         pd.Timestamp("2022-07-03 08:00", tz="UTC")]
    first = frame.iloc[0]
    assert first["interactions"] == 1234 and first["reactions_like"] == 1001
    assert first["reactions"] == 1001 + 10 + 5 + 3 + 7 + 4 + 1
    assert first["reactions"] + first["comments"] + first["shares"] == first["interactions"]
    assert pd.isna(frame.iloc[2]["text"]) and frame.iloc[1]["media_type"] == "native video"


def test_crowdtangle_bad_rows():
    result = read_crowdtangle_csv(BAD / "crowdtangle_bad_rows.csv")
    assert list(result.frame["text"]) == ["goed"]
    reasons = {r.record: r.reason for r in result.rejects}
    assert "geen geldige" in reasons["line 3"] and "tijdzone" in reasons["line 4"] and "negatief" in reasons["line 5"]


# ---------------------------------------------------------------------------------------------------- WhatsApp

def test_whatsapp_ios_dutch():
    result = read_whatsapp(DATA / "whatsapp" / "ios_nl.txt", page_ref="Buurtpreventie Lindenhof", exported_at="2022-11-01")
    frame = assert_post_frame(result).set_index("source_record")
    assert list(frame.index) == ["line 4", "line 6", "line 7", "line 8", "line 11", "line 12"]
    assert (frame["kind"] == "message").all() and (frame["platform"] == "whatsapp").all()
    assert frame.loc["line 4", "text"] == "Welkom allemaal! Meld hier verdachte situaties.\nBij spoed altijd eerst 112 bellen."
    assert frame.loc["line 4", "created_at"] == pd.Timestamp("2022-05-02 14:25:10", tz="UTC")
    assert pd.isna(frame.loc["line 7", "text"]) and frame.loc["line 7", "has_media"]
    assert frame.loc["line 8", "author_ref"] == "+31 6 12345678"  # direction marks stripped
    assert frame.loc["line 11", "created_at"] == pd.Timestamp("2022-10-30 00:30", tz="UTC")  # repeated hour: CEST
    assert "toegevoegd" in frame.loc["line 12", "text"]  # a member's own words are not a system line
    assert not frame["text"].fillna("").str.contains("versleuteld|verwijderd|beveiligingscode").any()


def test_whatsapp_android_dutch_two_and_four_digit_years():
    result = read_whatsapp(DATA / "whatsapp" / "android_nl.txt", page_ref="Buurt Noord")
    frame = assert_post_frame(result)
    assert list(frame["source_record"]) == ["line 4", "line 7", "line 8", "line 9", "line 10", "line 14"]
    assert frame.iloc[0]["text"] == "Fietsendief gesignaleerd bij de Jumbo!\nRode jas, zwarte pet.\nWie ziet hem?"
    assert frame.iloc[0]["created_at"] == pd.Timestamp("2021-08-18 07:20", tz="UTC")
    assert frame.iloc[5]["created_at"] == pd.Timestamp("2026-08-18 07:15", tz="UTC")
    assert frame.iloc[2]["text"] == "Politie is gebeld"  # '<Dit bericht is bewerkt>' removed
    # Identical messages in the same minute stay apart, and keys are reproducible.
    assert frame["post_key"].nunique() == 6
    again = read_whatsapp(DATA / "whatsapp" / "android_nl.txt", page_ref="Buurt Noord").frame
    assert list(again["post_key"]) == list(frame["post_key"])
    other_group = read_whatsapp(DATA / "whatsapp" / "android_nl.txt", page_ref="Buurt Zuid").frame
    assert not set(other_group["post_key"]) & set(frame["post_key"])


def test_whatsapp_other_locale_is_a_clear_source_error():
    with pytest.raises(SourceError) as err:
        read_whatsapp(BAD / "whatsapp_us_locale.txt", page_ref="x")
    assert "whatsapp_us_locale.txt" in str(err.value) and "locale" in str(err.value) and "US" in str(err.value)


def test_whatsapp_bad_dates_and_orphan_lines():
    result = read_whatsapp(BAD / "whatsapp_bad_dates.txt", page_ref="x")
    assert list(result.frame["text"]) == ["Goed bericht"]
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {"line 1", "line 2"} and "bestaat niet" in reasons["line 2"]


def test_whatsapp_huge_line_rejected_quickly(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("01-03-2022 10:00 - Piet: begin\n" + "z" * 10_500_000 + "\n01-03-2022 10:01 - Piet: daarna\n",
                    encoding="utf-8")
    result = read_whatsapp(path, page_ref="x")
    assert list(result.frame["text"]) == ["daarna"]
    assert result.rejects[0].record == "line 1" and "bytes" in result.rejects[0].reason


def test_whatsapp_zip_export(tmp_path):
    path = tmp_path / "WhatsApp Chat - Buurt.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(DATA / "whatsapp" / "ios_nl.txt", "_chat.txt")
    frame = read_whatsapp(path, page_ref="Buurt").frame
    assert len(frame) == 6


def _zip_chat(path: Path, chat: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_chat.txt", chat)
    return path


def test_whatsapp_zip_beyond_the_size_cap_is_refused(tmp_path, monkeypatch):
    import etl.readers.whatsapp as whatsapp

    chat = b"01-05-2024 10:00 - Piet: " + b"a" * 200 + b"\n"
    monkeypatch.setattr(whatsapp, "MAX_CHAT_BYTES", 50 * len(chat))
    fits = _zip_chat(tmp_path / "fits.zip", chat * 50)
    assert len(read_whatsapp(fits, page_ref="Buurt").frame) == 50
    path = _zip_chat(tmp_path / "WhatsApp Chat - Buurt.zip", chat * 51)
    with pytest.raises(SourceError) as caught:
        read_whatsapp(path, page_ref="Buurt")
    message = str(caught.value)
    assert "WhatsApp Chat - Buurt.zip" in message and "inflates to" in message and "\n" not in message


def test_whatsapp_zip_that_lies_about_its_size_or_is_corrupt_is_a_source_error(tmp_path):
    chat = b"01-05-2024 10:00 - Piet: " + b"a" * 2000 + b"\n"
    lying = bytearray(_zip_chat(tmp_path / "lying.zip", chat * 100).read_bytes())
    central = lying.rindex(b"PK\x01\x02")
    lying[central + 24:central + 28] = (100).to_bytes(4, "little")  # declares 100 bytes, holds 200 KB
    (tmp_path / "lying.zip").write_bytes(bytes(lying))
    corrupt = bytearray(_zip_chat(tmp_path / "corrupt.zip", chat * 100).read_bytes())
    corrupt[40:60] = b"\xff" * 20  # inside the deflate stream
    (tmp_path / "corrupt.zip").write_bytes(bytes(corrupt))
    for name in ("lying.zip", "corrupt.zip"):
        with pytest.raises(SourceError) as caught:
            read_whatsapp(tmp_path / name, page_ref="Buurt")
        assert name in str(caught.value) and "broken zip" in str(caught.value) and "\n" not in str(caught.value)


# ---------------------------------------------------------------------------------------------------- plain CSV

def test_plain_csv():
    result = read_plain_csv(DATA / "plain_posts.csv")
    frame = assert_post_frame(result)
    assert list(frame["post_key"][:2]) == ["p1", "c1"]
    assert frame.iloc[1]["parent_key"] == "p1" and frame.iloc[1]["kind"] == "comment"
    assert frame.iloc[1]["text"] == "Ik heb hem ook gezien.\nHij reed richting het station."
    assert frame.iloc[0]["created_at"] == pd.Timestamp("2024-05-01 10:00", tz="UTC")  # naive = Amsterdam
    assert frame.iloc[2]["created_at"] == pd.Timestamp("2024-05-02 08:00", tz="UTC")  # explicit offset kept
    assert frame.iloc[2]["reactions"] == 1204 and pd.isna(frame.iloc[0]["shares"])
    assert frame.iloc[2]["post_key"] != frame.iloc[3]["post_key"]
    assert list(frame["source_record"]) == ["line 2", "line 3", "line 5", "line 6"]


def test_plain_csv_cp1252():
    result = read_plain_csv(BAD / "plain_cp1252.csv")
    frame = assert_post_frame(result)
    assert frame.iloc[0]["text"] == "Café De Hoek heeft weer last van fietsendiefstal – wie weet meer?"
    assert frame.iloc[0]["author_ref"] == "José Jansen"
    assert any("cp1252" in note for note in result.notes)


def test_plain_csv_bad_rows_and_missing_columns():
    result = read_plain_csv(BAD / "plain_bad_rows.csv")
    assert list(result.frame["text"]) == ["Goede regel", "Nog een goede regel"]
    reasons = {r.record: r.reason for r in result.rejects}
    assert set(reasons) == {"line 3", "line 4", "line 5", "line 6"}
    assert "geldige" in reasons["line 3"] and "negatief" in reasons["line 4"]
    assert "velden" in reasons["line 5"] and "geheel getal" in reasons["line 6"]
    with pytest.raises(SourceError) as err:
        read_plain_csv(BAD / "plain_missing_cols.csv")
    assert "plain_missing_cols.csv" in str(err.value) and "time, text, author" in str(err.value)


def test_plain_csv_missing_columns_error_is_one_line_whatever_the_header(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text('"pa\nge","mo\r\nment","' + "x" * 500 + '"\nBuurt,2024-05-01 12:00,hallo\n', encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        read_plain_csv(path)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message and "posts.csv" in message
    assert "missing required columns: page, time, text, author" in message and "pa ge, mo ment" in message
    assert len(message) < len(str(path)) + 200  # a long column name is cut


def test_plain_csv_huge_field_rejected(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("page,time,text,author\nW,2024-05-01 10:00,\"" + "q" * 10_500_000 + "\",A\nW,2024-05-01 10:01,kort,A\n",
                    encoding="utf-8")
    result = read_plain_csv(path)
    assert list(result.frame["text"]) == ["kort"]
    assert result.rejects[0].record == "line 2" and "bytes" in result.rejects[0].reason


# ---------------------------------------------------------------------------------------------------- dispatcher

@pytest.mark.parametrize("relative, expected", [
    ("graph_feed_nl.json", "facebook_graph"),
    ("graph_comments_noid.json", "facebook_graph"),
    ("dyi/your_posts_1.json", "facebook_dyi"),
    ("dyi/comments.json", "facebook_dyi"),
    ("meta_business_utf8bom.csv", "meta_business_csv"),
    ("meta_business_utf16.csv", "meta_business_csv"),
    ("bad/meta_business_utf16_nobom.csv", "meta_business_csv"),
    ("crowdtangle_historical.csv", "crowdtangle_csv"),
    ("whatsapp/ios_nl.txt", "whatsapp"),
    ("whatsapp/android_nl.txt", "whatsapp"),
    ("plain_posts.csv", "plain_csv"),
    ("bad/plain_cp1252.csv", "plain_csv"),
])
def test_detect_format(relative, expected):
    assert detect_format(DATA / relative) == expected


def test_read_posts_dispatches_and_names_undetectable_files(tmp_path, real_dir):
    result = read_posts(real_dir / "facebook-graph" / "page_feed_p1.json")
    assert len(result.frame) == 5 and result.notes[0] == "format facebook_graph (detected)"
    assert len(read_posts(DATA / "whatsapp" / "ios_nl.txt", page_ref="Buurt").frame) == 6
    assert set(POST_FORMATS) == {"facebook_graph", "facebook_dyi", "meta_business_csv", "crowdtangle_csv",
                                 "whatsapp", "plain_csv"}
    for name, content in {"notes.txt": "boodschappen: melk, brood\n", "table.csv": "a,b\n1,2\n",
                          "other.json": '{"hello": 1}'}.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        with pytest.raises(SourceError, match="cannot tell") as err:
            read_posts(path)
        assert name in str(err.value)
    with pytest.raises(SourceError, match="page_ref"):
        read_posts(DATA / "whatsapp" / "ios_nl.txt")
    feed = tmp_path / "feed"
    feed.mkdir()
    shutil.copy(DATA / "graph_feed_nl.json", feed / "feed_001.json")
    shutil.copy(DATA / "graph_feed_p2.json", feed / "feed_002.json")
    assert len(read_posts(feed).frame) == 9
    with pytest.raises(SourceError, match="folder"):
        read_posts(DATA / "whatsapp")
    with pytest.raises(SourceError, match="unknown post format"):
        read_posts(DATA / "plain_posts.csv", fmt="myspace")


# ---------------------------------------------------------------------------------------------------- properties

_fuzz = hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["", "N/A", "-3", "1,234", "2024-05-01 10:00", "05/14/2024 21:45", "2022-01-15 20:05:00 CET", '"', "\n"])


def _outcome(read, path):
    try:
        result = read(path)
    except SourceError as err:
        assert path.name in str(err)
        return None
    assert_post_frame(result)
    assert all(r.source_file.endswith(path.name) for r in result.rejects)
    return result


@_fuzz
@given(st.lists(st.lists(_cell, min_size=4, max_size=6), max_size=6))
def test_plain_csv_property(tmp_path, rows):
    path = tmp_path / "fuzz.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["page", "time", "text", "author", "reactions"])
        writer.writerows(rows)
    _outcome(read_plain_csv, path)


@_fuzz
@given(st.lists(st.lists(_cell, min_size=11, max_size=11), max_size=5), st.sampled_from(["utf-8-sig", "utf-16"]))
def test_meta_business_property(tmp_path, rows, encoding):
    path = tmp_path / "fuzz.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Post ID", "Page ID", "Page name", "Title", "Description", "Publish time", "Permalink",
                     "Post type", "Reactions", "Comments", "Shares"])
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    _outcome(read_meta_business_csv, path)


@_fuzz
@given(st.lists(st.lists(_cell, min_size=9, max_size=9), max_size=5))
def test_crowdtangle_property(tmp_path, rows):
    path = tmp_path / "fuzz.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Page Name", "Facebook Id", "Post Created", "Total Interactions", "Likes", "Comments",
                         "Shares", "Message", "URL"])
        writer.writerows(rows)
    _outcome(read_crowdtangle_csv, path)


_wa_line = st.one_of(
    st.builds(lambda d, m, y, h, mi, who, text: f"{d}-{m}-{y} {h}:{mi} - {who}: {text}",
              st.integers(0, 35), st.integers(0, 14), st.sampled_from(["21", "2022", "1999", "0"]),
              st.integers(0, 25), st.sampled_from(["00", "59", "61"]), st.sampled_from(["Piet", "", "‪+31 6‬"]),
              _cell),
    st.builds(lambda d, text: f"\u200e[{d}-05-2022 16:21:32] Groep: \u200e{text}", st.integers(1, 31),
              st.sampled_from(["afbeelding weggelaten", "Dit bericht is verwijderd.", "X heeft Y toegevoegd"])),
    _cell,
)


@_fuzz
@given(st.lists(_wa_line, max_size=12))
def test_whatsapp_property(tmp_path, lines):
    path = tmp_path / "fuzz.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    _outcome(lambda p: read_whatsapp(p, page_ref="Buurt"), path)


_json_leaf = st.none() | st.booleans() | st.integers(-5, 2 * 10**10) | st.floats(allow_nan=False) | _cell


@_fuzz
@given(st.lists(st.dictionaries(st.sampled_from(["timestamp", "data", "title", "attachments", "comment", "post", "author"]),
                                st.recursive(_json_leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(
                                    st.sampled_from(["comment", "post", "timestamp", "author"]), c, max_size=3),
                                    max_leaves=8), max_size=4), max_size=5),
       st.sampled_from([None, "comments_v2", "group_posts_v2"]))
def test_dyi_property(tmp_path, items, wrapper):
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(items if wrapper is None else {wrapper: items}), encoding="utf-8")
    _outcome(read_dyi, path)


@_fuzz
@given(st.binary(max_size=300))
def test_read_posts_property_on_arbitrary_bytes(tmp_path, blob):
    path = tmp_path / "fuzz.bin"
    path.write_bytes(blob)
    try:
        result = read_posts(path, page_ref="Buurt")
    except SourceError as err:
        assert "fuzz.bin" in str(err)
        return
    assert_post_frame(result)


def test_times_after_the_export_or_before_the_platform_are_rejected(tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"data": [
        {"id": "1_1", "created_time": "2100-01-01T00:00:00+0000", "message": "uit de toekomst"},
        {"id": "1_2", "created_time": "2024-05-01T23:00:00+0000", "message": "uur voor de export: goed"},
    ]}), encoding="utf-8")
    result = read_graph_feed(feed, exported_at="2024-05-01T22:00:00")
    assert list(result.frame["post_key"]) == ["1_2"]  # within the day of slack for time-zone mix-ups
    assert result.rejects[0].record == "data[0]" and "exporteren" in result.rejects[0].reason
    chat = tmp_path / "chat.txt"
    chat.write_text("01-01-1900 10:00 - Piet: uit 1900\n01-01-2100 10:00 - Piet: uit 2100\n"
                    "01-05-2024 10:00 - Piet: gewoon\n", encoding="utf-8")
    result = read_whatsapp(chat, page_ref="Buurt", exported_at="2026-01-01")
    assert list(result.frame["text"]) == ["gewoon"]
    reasons = {r.record: r.reason for r in result.rejects}
    assert "2009" in reasons["line 1"] and "exporteren" in reasons["line 2"]
