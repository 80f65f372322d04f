"""Data en kwaliteit page: sources, rejects, build log, definitions, methods and privacy facts against the warehouse,
and in AppTest what role beheer sees that analist and beleid do not (raw excerpts, build log, full paths)."""
from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from wijkbeeld.crime_groups import CRIME_GROUPS
from wijkbeeld import q_quality as qq
from wijkbeeld.db import Warehouse
from wijkbeeld.stats import METHOD_EXPLANATIONS
from tests.page_harness import deferred  # noqa: E402,F401  (a fixture)
from tests.page_harness import run_page  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "pages" / "data_kwaliteit.py")
SECRET_EXCERPT = "GEHEIM-UITTREKSEL-4711 [naam] schreef iets"
LOG_MARKER = "TESTWAARSCHUWING: kolom ontbreekt"
SECRETS = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "test-cookie-secret-not-for-production"

[wijkbeeld.roles]
emails = { "b.beleid@gemeente.nl" = "beleid", "a.analist@gemeente.nl" = "analist", "c.beheer@gemeente.nl" = "beheer" }
"""


@pytest.fixture(scope="module")
def rejected_warehouse(demo_warehouse, tmp_path_factory) -> Path:
    """The demo warehouse plus three rejected records (two reasons, two files) and a warning in the build log."""
    path = tmp_path_factory.mktemp("quality") / "warehouse.duckdb"
    shutil.copy(demo_warehouse, path)
    with duckdb.connect(str(path)) as con:
        build_id = con.execute("SELECT build_id FROM meta_schema").fetchone()[0]
        con.executemany("INSERT INTO meta_rejected_record VALUES (?, ?, ?, ?, ?)", [
            (build_id, "/data/bron/posts/feed_009.json", "data[3]", "created_time ontbreekt", SECRET_EXCERPT),
            (build_id, "/data/bron/posts/feed_009.json", "data[7]", "created_time ontbreekt", None),
            (build_id, "/data/bron/enquete.csv", "regel 12", "percentage buiten 0-100", "wijk;onveilig;140"),
        ])
        con.execute("INSERT INTO meta_build_log VALUES (?, 9999, now(), 'warning', ?)", [build_id, LOG_MARKER])
    return path


@pytest.fixture(scope="module")
def wh(rejected_warehouse) -> Warehouse:
    return Warehouse(rejected_warehouse)


def _run(params: dict | None = None, user: dict | None = None) -> AppTest:
    return run_page(SCRIPT, params, user)


def _everything(at: AppTest, deferred: list) -> str:
    parts = [str(el.value) for kind in ("markdown", "caption", "info", "warning", "success", "error", "metric")
             for el in getattr(at, kind)]
    for frame in at.dataframe:
        parts.extend(str(v) for v in frame.value.to_numpy(dtype=object).ravel())
    parts.extend(fn().decode("utf-8-sig") for name, fn in deferred if name.endswith(".csv"))
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------ read-side module

def test_sources_match_meta_source_file_and_posts_get_their_span(wh, rejected_warehouse):
    sources = qq.q_sources(wh)
    with duckdb.connect(str(rejected_warehouse), read_only=True) as con:
        meta = con.execute("SELECT count(*), sum(records_read), sum(records_loaded) FROM meta_source_file").fetchone()
        span = con.execute("""SELECT source_file, CAST(min(created_at) AT TIME ZONE 'Europe/Amsterdam' AS DATE) AS first,
                                     CAST(max(created_at) AT TIME ZONE 'Europe/Amsterdam' AS DATE) AS last
                              FROM stg_posts__post GROUP BY source_file""").df().set_index("source_file")
    assert (len(sources), sources["records_read"].sum(), sources["records_loaded"].sum()) == meta
    posts = sources[sources["source_kind"] == "posts"].set_index("path")
    assert len(posts) == len(span)
    assert (pd.to_datetime(posts["period_from"]) == pd.to_datetime(span.loc[posts.index, "first"])).all()
    assert (posts["period_note"] == "eerste en laatste opgeslagen bericht").all()
    police = sources[sources["source_kind"] == "police_crime"].iloc[0]
    assert pd.Timestamp(police["period_from"]) == pd.Timestamp("2023-10-01") and pd.isna(police["period_note"])
    assert (sources.loc[sources["source_kind"] == "boundaries", "period_note"] == "grenzen: geen periode").all()
    limited = qq.sources_table(sources, full_paths=False)
    assert "SHA-256" not in limited and not limited["Bestand"].str.startswith("/").any()
    assert qq.sources_table(sources, full_paths=True)["Bestand"].str.startswith("/").all()


def test_raw_excerpts_are_only_read_with_permission(wh):
    summary = qq.q_reject_summary(wh)
    assert summary.set_index("reason")["records"].to_dict() == {"created_time ontbreekt": 2, "percentage buiten 0-100": 1}
    plain = qq.q_rejected_records(wh, include_raw=False)
    assert "raw_excerpt" not in plain and "Uittreksel (geredigeerd)" not in qq.rejects_table(plain)
    assert plain["total"].iloc[0] == 3 and set(plain["file"]) == {"posts/feed_009.json", "bron/enquete.csv"}
    full = qq.q_rejected_records(wh, include_raw=True)
    assert SECRET_EXCERPT in qq.rejects_table(full)["Uittreksel (geredigeerd)"].tolist()
    log = qq.q_build_log(wh, level="warning")
    assert log["message"].tolist() == [LOG_MARKER]
    assert len(qq.q_build_log(wh)) > len(log)


def test_definitions_cover_every_indicator_crime_kind_and_method(wh, rejected_warehouse):
    defs = qq.q_indicator_definitions(wh)
    with duckdb.connect(str(rejected_warehouse), read_only=True) as con:
        survey_keys = {r[0] for r in con.execute("SELECT indicator FROM dim_indicator").fetchall()}
        n_crime = con.execute("SELECT count(*) FROM dim_crime_type").fetchone()[0]
    assert survey_keys <= set(defs["indicator"])
    assert {"incidenten_per_1000", "berichten_per_1000", "onveilig_buurt"} <= set(defs["indicator"])
    assert defs["definition"].str.len().gt(40).all()
    assert "inwonerjaren" in defs.set_index("indicator").loc["incidenten_per_1000", "definition"]
    crime = qq.crime_groups_table(qq.q_crime_groups(wh))
    assert len(crime) == n_crime and set(crime["Groep"]) <= set(CRIME_GROUPS.values())
    shown = dict(qq.methods())
    assert len(shown) == len(METHOD_EXPLANATIONS) and set(shown.values()) == set(METHOD_EXPLANATIONS.values())
    assert all(title in qq.METHOD_TITLES.values() for title in shown)


def test_redaction_placeholders_come_from_the_etl_without_importing_it(monkeypatch):
    from etl.text.redact import REDACTION_PLACEHOLDERS

    # With the ETL module made unimportable, importing q_quality and reading the placeholders still works.
    monkeypatch.setitem(sys.modules, "etl.text.redact", None)
    importlib.reload(qq)
    qq.redaction_placeholders.cache_clear()
    assert qq.redaction_placeholders() == REDACTION_PLACEHOLDERS


def test_privacy_facts_of_the_build(wh):
    facts = qq.privacy_facts(qq.q_builds(wh))
    assert facts["fingerprint"].startswith("fp_") and facts["retention_months"] == 24
    assert facts["cutoff"] == (pd.Timestamp(facts["reference_date"]) - pd.DateOffset(months=24)).date()
    roles = qq.roles_table("analist").set_index("Rol")
    assert roles.loc["Analist", "Uw rol"] == "ja"
    assert "bouwlogboek" in roles.loc["Beheer", "Mag zien"] and "bouwlogboek" not in roles.loc["Analist", "Mag zien"]
    assert "tekst" not in roles.loc["Beleid", "Mag zien"]


# ------------------------------------------------------------------------------------------ page

def test_beheer_sees_excerpts_and_the_build_log(rejected_warehouse, monkeypatch, deferred):
    monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(rejected_warehouse))
    at = _run({"gm": "GM9999", "log": "warning"})               # no sign-in configured: the open role is beheer
    text = _everything(at, deferred)
    assert SECRET_EXCERPT in text and LOG_MARKER in text
    log = next(d.value for d in at.dataframe if "Melding" in d.value.columns)
    assert log["Melding"].tolist() == [LOG_MARKER]
    with duckdb.connect(str(rejected_warehouse), read_only=True) as con:
        built = con.execute("SELECT built_at FROM meta_schema").fetchone()[0]
    assert {m.label: m.value for m in at.metric}["Laatst bijgewerkt"] == \
        pd.Timestamp(built).tz_convert("Europe/Amsterdam").strftime("%d-%m-%Y %H:%M")
    assert "3 records afgewezen" in " ".join(m.value for m in at.markdown).replace("**", "")
    bad = _run({"log": "'; DROP TABLE meta_build_log;--"})
    assert any("bestaat niet" in w.value for w in bad.warning)
    assert bad.selectbox(key="quality_log_level").value == "alle"


@pytest.mark.parametrize("email", ["a.analist@gemeente.nl", "b.beleid@gemeente.nl"])
def test_other_roles_see_no_excerpts_log_or_paths(rejected_warehouse, monkeypatch, tmp_path, deferred, email):
    monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(rejected_warehouse))
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    monkeypatch.setenv("WIJKBEELD_SECRETS", str(secrets))
    at = _run({"gm": "GM9999", "log": "warning"}, {"is_logged_in": True, "email": email})
    text = _everything(at, deferred)
    assert "GEHEIM-UITTREKSEL" not in text and LOG_MARKER not in text and "wijk;onveilig;140" not in text
    assert "created_time ontbreekt" in text                    # the reasons stay visible
    assert "/data/bron/" not in text and "/demo/" not in text   # no server paths
    assert any("alleen zichtbaar voor de rol Beheer" in i.value for i in at.info)
    assert not any(s.key == "quality_log_level" for s in at.selectbox)


# ------------------------------------------------------------------------------------------ all gemeenten, English

def test_whole_country_shows_the_warehouse_sources_per_kind(country_env, deferred):
    at = _run({"gm": "NL00"})
    assert at.query_params["gm"] == "NL00"
    with duckdb.connect(str(country_env), read_only=True) as con:
        newest = con.execute("SELECT build_id FROM meta_build ORDER BY built_at DESC LIMIT 1").fetchone()[0]
        expected = dict(con.execute("""SELECT source_kind, sum(records_read) FROM meta_source_file
                                       WHERE build_id = ? GROUP BY ALL""", [newest]).fetchall())
        n_files = con.execute("SELECT count(*) FROM meta_source_file").fetchone()[0]
        n_builds = con.execute("SELECT count(*) FROM meta_build").fetchone()[0]
    summary = next(d.value for d in at.dataframe if "Bestanden" in d.value.columns).set_index(["Bouw", "Soort"])
    shown = {kind: summary.loc[(newest, qq.SOURCE_KIND_LABELS[kind]), "Records gelezen"] for kind in expected}
    assert shown == expected
    assert summary["Bestanden"].sum() == n_files
    assert any(e.label == f"Alle bronbestanden ({n_files})" for e in at.expander)
    history = next(d.value for d in at.dataframe if "Schemaversie" in d.value.columns)
    assert len(history) == n_builds and history["Bouw"].iloc[0] == newest


@pytest.mark.parametrize("gm", ["GM0340", "NL00"])
def test_english_page_leaves_only_etl_messages_in_dutch(country_env, gm):
    """Everything but the ETL's own reasons and log lines is English; those carry a note that they are data."""
    from tests.test_i18n import _data_strings, dutch_left

    at = _run({"gm": gm, "lang": "en"})
    with duckdb.connect(str(country_env), read_only=True) as con:
        etl_texts = [r[0] for r in con.execute("SELECT message FROM meta_build_log UNION SELECT reason FROM meta_rejected_record").fetchall()]
    assert etl_texts
    data = sorted(set(_data_strings(country_env)) | set(etl_texts), key=len, reverse=True)
    assert dutch_left(at, data) == {}
    assert any("they are not translated" in c.value for c in at.caption)
    assert at.subheader[0].value == "Sources" and any(m.label == "Last updated" for m in at.metric)


def test_definitions_and_tables_in_english(wh):
    defs = qq.q_indicator_definitions(wh, lang="en").set_index("indicator")
    assert defs.loc["incidenten_per_1000", "label"] == "Incidents per 1,000 inhabitants"
    assert "person-years" in defs.loc["incidenten_per_1000", "definition"]
    survey = defs.loc["rapportcijfer_veiligheid"]
    assert survey["label"] == "Rating of safety in the neighbourhood" and survey["unit"] == "rating (1-10)"
    assert survey["definition"].startswith("Survey indicator, expressed as a rating (1-10); higher is better.")
    assert qq.indicators_table(defs.reset_index(), "en")["Richting"].isin(["higher = worse", "higher = better"]).all()
    # Every method explanation and every redaction placeholder has English (keys are the current Dutch texts).
    from wijkbeeld import i18n

    dutch = list(METHOD_EXPLANATIONS.values()) + list(qq.redaction_placeholders().values())
    assert [text for text in dutch if i18n.translate(text, "en") == text] == []
    import wijkbeeld.ui  # noqa: F401  (the role labels' English lives there)

    roles = qq.roles_table("beheer", "en").set_index("Rol")
    assert roles.loc["Administration", "Uw rol"] == "yes" and "build log" in roles.loc["Administration", "Mag zien"]
    assert "Crime type" in qq.crime_groups_table(qq.q_crime_groups(wh), "en")
    sources = qq.sources_table(qq.q_sources(wh), full_paths=False, lang="en")
    assert "boundaries: no period" in set(sources["Toelichting periode"].dropna())


def test_english_rejects_and_log_keep_the_etl_text_with_a_note(rejected_warehouse, monkeypatch):
    from tests.test_i18n import _data_strings, dutch_left

    monkeypatch.setenv("WIJKBEELD_WAREHOUSE", str(rejected_warehouse))
    at = _run({"gm": "GM9999", "lang": "en", "log": "warning"})
    with duckdb.connect(str(rejected_warehouse), read_only=True) as con:
        etl_texts = [r[0] for r in con.execute("SELECT message FROM meta_build_log UNION SELECT reason FROM meta_rejected_record").fetchall()]
    data = sorted(set(_data_strings(rejected_warehouse)) | set(etl_texts), key=len, reverse=True)
    assert dutch_left(at, data) == {}
    assert "3 records rejected" in " ".join(m.value for m in at.markdown).replace("**", "")
    reasons = next(d.value for d in at.dataframe if "Aantal" not in d.value.columns and "Count" in d.value.columns)
    assert set(reasons["Reason"]) == {"created_time ontbreekt", "percentage buiten 0-100"}   # data, as stored
    assert sum("they are not translated" in c.value for c in at.caption) == 2                # rejects and log
    bad = _run({"lang": "en", "log": "nope"})
    assert any("Log level 'nope' does not exist" in w.value for w in bad.warning)
