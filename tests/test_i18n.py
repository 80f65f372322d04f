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
