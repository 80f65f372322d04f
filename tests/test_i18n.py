"""Every page in English shows no untranslated interface label, and in Dutch no English one."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from wijkbeeld import i18n
from wijkbeeld.pages_registry import PAGES

ROOT = Path(__file__).resolve().parents[1]
WIDGETS = ("selectbox", "radio", "multiselect", "button", "checkbox", "toggle", "slider", "select_slider",
           "number_input", "text_input", "date_input", "expander")


def _run(script: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    return at


def _labels(at: AppTest) -> list[str]:
    """Title, headers, subheaders, metric labels, widget labels and table column headers on screen."""
    labels = [e.value for e in (*at.title, *at.header, *at.subheader)]
    labels += [m.label for m in at.metric]
    for kind in WIDGETS:
        labels += [w.label for w in at.get(kind) if getattr(w, "label", None)]
    labels += [str(c) for frame in at.dataframe for c in frame.value.columns]
    return labels


def _translating() -> tuple[set[str], set[str]]:
    # Only pairs whose English differs count: 'Code' or 'Hotspots' are the same in both languages.
    import wijkbeeld.overview, wijkbeeld.q_compare, wijkbeeld.q_engagement, wijkbeeld.q_evaluation  # noqa: F401
    import wijkbeeld.q_hotspots, wijkbeeld.q_quality, wijkbeeld.q_themes, wijkbeeld.ui  # noqa: F401

    pairs = {nl: en for nl, en in i18n.EN.items() if nl != en}
    return set(pairs), set(pairs.values()) - set(pairs)


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
def test_page_in_english_has_no_untranslated_label(warehouse_env, script):
    at = _run(script, "en")
    assert not at.exception, [e.value for e in at.exception]
    dutch, _ = _translating()
    labels = _labels(at)
    assert len(labels) > 5
    untranslated = sorted({label for label in labels if label in dutch})
    assert not untranslated, untranslated
    assert at.title[0].value in i18n.EN.values()


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
def test_page_in_dutch_has_no_english_label(warehouse_env, script):
    at = _run(script, "nl")
    assert not at.exception, [e.value for e in at.exception]
    _, english = _translating()
    leaked = sorted({label for label in _labels(at) if label in english})
    assert not leaked, leaked


def test_translate_falls_back_to_dutch_and_only_translates_english():
    assert i18n.translate("Overzicht", "en") == "Overview"
    assert i18n.translate("Overzicht", "nl") == "Overzicht"
    assert i18n.translate("geen sleutel die bestaat", "en") == "geen sleutel die bestaat"


# ------------------------------------------------------------------------------------- no Dutch left in English

# Common Dutch words that are not English words: one of these in the English interface means a sentence, caption,
# legend or table cell was not translated. Data keep their language (area, page and account names, CBS crime
# labels, residents' post texts and the words in them that matched a theme, file names, the build's own log
# lines and rejection reasons); they are removed before the check.
DUTCH_MARKERS = {
    "de", "het", "een", "van", "niet", "voor", "met", "wordt", "worden", "geen", "naar", "bij", "uit", "dat",
    "deze", "dit", "maar", "ook", "nog", "zijn", "heeft", "hebben", "tussen", "onbekend", "inwoners", "berichten",
    "wijken", "buurten", "maanden", "jaar", "bewoners", "gemeente", "gemeenten", "periode", "bron", "welke",
    "wanneer", "omdat", "alleen", "minder", "te", "t/m", "per jaar", "reacties", "enquête", "misdrijven",
    "kiest", "kies", "toont", "zonder", "sinds", "waarom", "gemiddelde", "incidenten", "respondenten", "weinig",
}
_DATA_SQL = """
SELECT area_name FROM dim_area UNION SELECT page_name FROM dim_page UNION SELECT gemeente_name FROM dim_gemeente
UNION SELECT account_name FROM stg_posts__account UNION SELECT label FROM dim_crime_type
UNION SELECT text_redacted FROM fct_post UNION SELECT path FROM meta_source_file UNION SELECT source_file FROM fct_post
UNION SELECT message FROM meta_build_log UNION SELECT reason FROM meta_rejected_record
UNION SELECT DISTINCT unnest(CAST(json_extract_string(matched_terms, '$[*]') AS VARCHAR[])) FROM fct_post_theme
"""


def _data_strings(warehouse: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = [r[0] for r in con.execute(_DATA_SQL).fetchall() if r[0]]
    return sorted(set(found), key=len, reverse=True)


def dutch_left(at: AppTest, data: list[str]) -> dict[str, str]:
    """Dutch marker words in what the page shows (all element texts, plotly specs and tables; not the folium
    map's HTML, which maps tests check), mapped to a stretch of the text they were found in."""
    import re

    from tests.hostile import element_nodes, normalise, rendered_texts

    skip_types = {"component_instance"}
    texts = []
    for node in element_nodes(at._tree):
        if getattr(node, "type", None) in skip_types:
            continue
        texts += rendered_texts(_Only(node)) if hasattr(node, "proto") else []
    found: dict[str, str] = {}
    for text in texts:
        if text.startswith("$$ID-"):  # widget ids
            continue
        text = re.sub(r"https?://\S+|\?[\w=&%.-]+|[\w.+-]+@[\w.-]+", " ", normalise(text))  # links, e-mail
        for name in data:
            if name in text:
                text = text.replace(name, " ")
        for word in re.findall(r"(?<!\w)[a-zà-ÿ/]+(?: jaar)?(?!\w)", text.lower()):
            if word in DUTCH_MARKERS:
                found.setdefault(word, text.strip()[:160])
    return found


class _Only:
    """A one-node tree for rendered_texts."""

    def __init__(self, node):
        self._tree = _Leaf(node)


class _Leaf:
    def __init__(self, node):
        self.proto = node.proto
        self.type = getattr(node, "type", None)
        self.value = getattr(node, "value", None) if self.type in ("arrow_data_frame", "dataframe", "table") else None
        self.children = None


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
@pytest.mark.parametrize("gm", ["", "NL00"])
def test_page_in_english_shows_no_dutch_text(country_env, script, gm):
    """Everything the page writes in English mode, on a small country (one gemeente and the whole country)."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=90)
    at.query_params["lang"] = "en"
    if gm:
        at.query_params["gm"] = gm
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    left = dutch_left(at, _data_strings(country_env))
    assert not left, "\n".join(f"{word!r} in: {text}" for word, text in left.items())


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
@pytest.mark.parametrize("role", ["beleid", "politie"])
def test_signed_in_roles_see_english_too(country_env, tmp_path_factory, monkeypatch, script, role):
    """What a role sees differently (sign-in line, 'not for your role' notices, withheld examples) is English too."""
    from tests.hostile import ROLE_USERS, role_secrets

    monkeypatch.setenv("WIJKBEELD_SECRETS", str(role_secrets(tmp_path_factory)))
    at = AppTest.from_file(str(ROOT / script), default_timeout=90)
    at.user = ROLE_USERS[role]
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    left = dutch_left(at, _data_strings(country_env))
    assert not left, "\n".join(f"{word!r} in: {text}" for word, text in left.items())


ENGLISH_MARKERS = {"the", "and", "unknown", "district", "districts", "posts", "inhabitants", "municipality",
                   "municipalities", "survey", "source", "period", "crime", "without", "which", "per year", "where"}


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
def test_english_never_leaks_into_dutch_through_the_caches(country_env, script):
    """The same process serves both languages from one cache: a page in English, then in Dutch, shows Dutch."""
    import re

    from tests.hostile import element_nodes, normalise, rendered_texts

    for lang in ("en", "nl"):
        at = AppTest.from_file(str(ROOT / script), default_timeout=90)
        at.query_params.update({"lang": lang, "gm": "NL00"})
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    data = _data_strings(country_env)
    found = {}
    for node in element_nodes(at._tree):
        if getattr(node, "type", None) == "component_instance" or not hasattr(node, "proto"):
            continue
        for text in rendered_texts(_Only(node)):
            if text.startswith("$$ID-"):
                continue
            text = re.sub(r"https?://\S+|\?[\w=&%.-]+|[\w.+-]+@[\w.-]+", " ", normalise(text))
            for name in data:
                text = text.replace(name, " ")
            for word in re.findall(r"(?<!\w)[a-z]+(?: year)?(?!\w)", text.lower()):
                if word in ENGLISH_MARKERS:
                    found.setdefault(word, text.strip()[:160])
    assert not found, "\n".join(f"{word!r} in: {text}" for word, text in found.items())
