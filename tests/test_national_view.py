"""All gemeenten at once (gm=NL00, the whole country for a national warehouse): every query scopes the same way,
the choice is offered only when there is more than one gemeente, and the Overzicht shows every wijk of every
gemeente with figures that match the warehouse."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.page_harness import frame_with, run_page
from wijkbeeld.safe import escape_markdown

ROOT = Path(__file__).resolve().parents[1]
OVERZICHT = str(ROOT / "pages" / "overzicht.py")
SCOPED = re.compile(r"\((?:[a-z]+\.)?gemeente_code = \$gm OR \$gm = 'NL00'\)")


def test_every_query_with_a_gemeente_parameter_also_answers_for_all_gemeenten():
    unscoped = []
    for path in sorted((ROOT / "wijkbeeld").glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "$gm" in line and not line.lstrip().startswith("#") and "= $gm" in line and not SCOPED.search(line):
                unscoped.append(f"{path.name}:{number}: {line.strip()}")
    assert not unscoped, unscoped


def test_one_gemeente_offers_no_national_choice(warehouse_env):
    at = run_page(OVERZICHT, {"gm": "NL00"})
    assert at.query_params["gm"] != "NL00"
    assert any("NL00" in w.value for w in at.warning)
    assert "NL00" not in at.selectbox(key="gm_choice").options[0]


def test_national_choice_is_offered_but_not_the_default(country_env, country_gemeenten):
    at = run_page(OVERZICHT)
    options = at.selectbox(key="gm_choice").options
    assert options[0].startswith("Alle gemeenten (3)") and "NL00" in options[0]
    assert at.query_params["gm"] == country_gemeenten[0]


def test_overzicht_for_all_gemeenten_lists_every_wijk_with_its_gemeente(country_env):
    at = run_page(OVERZICHT, {"gm": "NL00", "indicator": "incidenten"})
    assert at.query_params["gm"] == "NL00"
    table = frame_with(at, "Gemeente")
    with duckdb.connect(str(country_env), read_only=True) as con:
        wijken = con.execute("SELECT w.wijk_code, g.gemeente_name FROM dim_wijk w JOIN dim_gemeente g USING (gemeente_code)"
                             ).df()
        months = [r[0] for r in con.execute(
            "SELECT DISTINCT month FROM fct_incident_month ORDER BY month DESC LIMIT 12").fetchall()]
        incidents = con.execute(
            "SELECT f.area_code AS wijk_code, sum(f.incident_count) AS n FROM fct_incident_month f "
            "JOIN dim_crime_type c USING (crime_code) WHERE f.level = 'wijk' AND c.crime_group <> 'overlast' "
            "AND f.month BETWEEN ? AND ? GROUP BY ALL", [min(months), max(months)]).df()
    assert sorted(table["Code"]) == sorted(wijken["wijk_code"])
    assert dict(zip(table["Code"], table["Gemeente"])) == dict(zip(wijken["wijk_code"], wijken["gemeente_name"]))
    shown = table.dropna(subset=["Misdrijven"]).set_index("Code")["Misdrijven"]
    expected = incidents.set_index("wijk_code")["n"]
    assert len(shown) > 10
    assert all(int(shown[c]) == int(expected[c]) for c in shown.index)
    # One summary line per wijk would be thousands for the country: the top of the indicator, and it says so.
    summaries = [m.value for m in at.markdown if m.value.startswith("- **")]
    assert 0 < len(summaries) <= 15 < len(table)
    assert any("wijken met de hoogste waarde" in c.value for c in at.caption)
    # Wijk names repeat across gemeenten: the choice names the gemeente too.
    wijk_options = at.selectbox(key="wijk_choice").options
    assert all(re.search(r"\(.+\)$", o) for o in wijk_options[1:])


@pytest.mark.parametrize("national", [False, True])
def test_a_wijk_of_any_gemeente_can_be_chosen_in_the_national_view(country_env, country_gemeenten, national):
    second = country_gemeenten[1]  # not the default gemeente
    gm = "NL00" if national else second
    with duckdb.connect(str(country_env), read_only=True) as con:
        code, name, gemeente = con.execute(
            "SELECT w.wijk_code, w.wijk_name, g.gemeente_name FROM dim_wijk w JOIN dim_gemeente g USING (gemeente_code) "
            "WHERE w.gemeente_code = ? ORDER BY 1 LIMIT 1", [second]).fetchone()
    at = run_page(OVERZICHT, {"gm": gm, "wijk": code})
    assert at.query_params["wijk"] == code
    assert any(name in s.value for s in at.subheader)
    if gm == "NL00":
        assert any(escape_markdown(gemeente) in c.value for c in at.caption)
