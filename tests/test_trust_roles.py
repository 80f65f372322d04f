"""Who sees what: role resolution, and page by page (every page in the registry) what a signed-in user of each
role, a signed-out visitor and a user without a role get to see, on a warehouse with hostile post text.

Post text is detected by content, not by widget: every string a run renders (markdown, captions, alerts,
metrics, widget options, dataframe cells, plotly specs, component arguments, download payloads) is searched for
any 30-character stretch of any stored post text longer than 25 characters.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.hostile import (RAW_PERSONAL_DETAILS, ROLE_USERS, admin_texts, hostile_warehouse, leaked, non_post_texts,
                           post_texts, role_secrets, run_page)
from wijkbeeld.auth import (PERMISSIONS, ROLE_LABELS, ROLES, Access, RoleMapping, auth_configured, current_access,
                            resolve_role, role_mapping, user_label)
from wijkbeeld.pages_registry import PAGES

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [p[0] for p in PAGES]

USERS = ROLE_USERS
NO_ROLE = {"is_logged_in": True, "email": "iemand@elders.nl", "groups": ["Domain Users"]}
SIGNED_OUT = {"is_logged_in": False}
REFUSED = "niet beschikbaar voor de rol"
# Parameters that try to open a view with post text or a higher role.
FORBIDDEN_PARAMS = {"voorbeelden": "1", "examples": "true", "toon": "berichten", "tekst": "ja", "posts": "1",
                    "view": "posts", "tab": "beheer", "rol": "beheer", "role": "beheer", "admin": "1", "debug": "1"}


# ------------------------------------------------------------------------------------------ role resolution

def _mapping(**roles) -> RoleMapping:
    return role_mapping({"wijkbeeld": {"roles": roles}})


def test_most_specific_rule_wins_email_then_group_then_domain_then_default():
    mapping = _mapping(default="beleid", emails={"A.Analist@Gemeente.nl": "analist"}, domains={"politie.nl": "politie"},
                       groups={"wb-beheer": "beheer"})
    assert resolve_role({"email": " a.analist@GEMEENTE.nl "}, mapping) == "analist"
    assert resolve_role({"email": "a.analist@gemeente.nl", "groups": ["wb-beheer"]}, mapping) == "analist"
    assert resolve_role({"email": "x@politie.nl", "groups": ["wb-beheer"]}, mapping) == "beheer"
    assert resolve_role({"email": "x@politie.nl"}, mapping) == "politie"
    assert resolve_role({"email": "x@elders.nl"}, mapping) == "beleid"
    assert resolve_role({}, mapping) == "beleid"


def test_without_default_an_unknown_user_has_no_role():
    mapping = _mapping(emails={"a@gemeente.nl": "analist"})
    assert resolve_role({"email": "b@gemeente.nl"}, mapping) is None
    assert resolve_role({"email": ""}, mapping) is None


def test_groups_most_powerful_match_wins_and_patterns_are_case_sensitive_wildcards():
    mapping = _mapping(groups={"wb-*": "analist", "wb-beheer": "beheer", "WB-BELEID": "beleid"})
    assert resolve_role({"groups": ["wb-analist", "wb-beheer"]}, mapping) == "beheer"
    assert resolve_role({"groups": "wb-x"}, mapping) == "analist"          # a single string claim
    assert resolve_role({"roles": ["wb-beheer"]}, mapping) == "beheer"      # providers that call it 'roles'
    assert resolve_role({"groups": ["wb-beleid"]}, mapping) == "analist"    # 'WB-BELEID' does not match lower case
    for odd in (5, {"wb-beheer": True}, None, [None, 3.5]):
        assert resolve_role({"groups": odd}, mapping) is None


def test_domain_rules_match_the_whole_domain_case_insensitively():
    mapping = _mapping(domains={"Politie.NL": "politie"})
    assert resolve_role({"email": "agent@politie.nl"}, mapping) == "politie"
    for email in ("agent@nep-politie.nl", "agent@politie.nl.evil.example", "politie.nl@evil.example", "agent@sub.politie.nl"):
        assert resolve_role({"email": email}, mapping) is None, email


def test_an_unverified_email_is_not_trusted_for_email_or_domain_rules():
    mapping = _mapping(emails={"a@gemeente.nl": "beheer"}, domains={"gemeente.nl": "analist"}, groups={"wb": "beleid"})
    assert resolve_role({"email": "a@gemeente.nl", "email_verified": False}, mapping) is None
    assert resolve_role({"email": "a@gemeente.nl", "email_verified": False, "groups": ["wb"]}, mapping) == "beleid"
    assert resolve_role({"email": "a@gemeente.nl", "email_verified": True}, mapping) == "beheer"


@pytest.mark.parametrize("roles", [
    {"default": "admin"}, {"emails": {"a@b.nl": "superuser"}}, {"groups": {"g": "Beheer"}}, {"open_role": "root"},
    {"emails": ["a@b.nl"]}, {"domains": "gemeente.nl"},
])
def test_a_broken_role_mapping_is_refused(roles):
    with pytest.raises(ValueError, match="wijkbeeld.roles"):
        role_mapping({"wijkbeeld": {"roles": roles}})


def test_permissions_grow_with_the_role():
    assert PERMISSIONS["beleid"] == {"aggregates"}
    assert PERMISSIONS["analist"] == PERMISSIONS["politie"] == {"aggregates", "post_text"}
    assert PERMISSIONS["beheer"] == {"aggregates", "post_text", "data_admin"}
    for lower, higher in zip(ROLES, ROLES[1:]):
        assert PERMISSIONS[lower] <= PERMISSIONS[higher]
    assert not Access(role=None, signed_in=True, auth_configured=True).can("aggregates")
    assert not Access(role="onbekend", signed_in=True, auth_configured=True).can("aggregates")


def test_access_states():
    secrets = {"auth": {"redirect_uri": "http://localhost/cb", "cookie_secret": "s"},
               "wijkbeeld": {"roles": {"emails": {"a@g.nl": "analist"}}}}
    assert current_access({"is_logged_in": False}, secrets) == Access(None, False, True)
    assert current_access({}, secrets).role is None
    signed_in = current_access({"is_logged_in": True, "email": "a@g.nl"}, secrets)
    assert (signed_in.role, signed_in.signed_in, signed_in.user_label) == ("analist", True, "a@g.nl")
    assert current_access({"is_logged_in": True, "email": "z@g.nl"}, secrets).role is None
    # No sign-in configured: the open role (default beheer, the person at the machine), flagged as open.
    open_access = current_access({"is_logged_in": False}, {})
    assert (open_access.role, open_access.auth_configured) == ("beheer", False)
    assert current_access(None, {"wijkbeeld": {"roles": {"open_role": "beleid"}}}).role == "beleid"


@pytest.mark.parametrize("auth", [{}, {"client_id": "x"}, {"redirect_uri": "http://localhost/cb"}, {"cookie_secret": "s"},
                                  {"redirect_uri": "", "cookie_secret": "s"}])
def test_an_incomplete_auth_section_closes_the_dashboard_instead_of_opening_it(auth):
    with pytest.raises(ValueError, match=r"\[auth\]"):
        auth_configured({"auth": auth})
    with pytest.raises(ValueError):
        current_access({"is_logged_in": True, "email": "a@b.nl"}, {"auth": auth})


# ------------------------------------------------------------------------------------------ pages per role

@pytest.fixture(scope="module")
def hostile(demo_sources, tmp_path_factory) -> Path:
    return hostile_warehouse(demo_sources, tmp_path_factory)


@pytest.fixture(scope="module")
def posts(hostile) -> list[str]:
    texts = post_texts(hostile)
    assert len(texts) > 1000
    return texts


@pytest.fixture(scope="module")
def allowed(hostile) -> list[str]:
    return non_post_texts(hostile)


@pytest.fixture(scope="module")
def admin_only(hostile) -> list[str]:
    texts = admin_texts(hostile)
    assert any("Nepgroep" in t for t in texts) and any("Afgewezen bericht" in t for t in texts)
    return texts


@pytest.fixture(scope="module")
def build_log(hostile) -> list[str]:
    return admin_texts(hostile, build_log=True)


@pytest.fixture(scope="module")
def secrets(tmp_path_factory) -> Path:
    return role_secrets(tmp_path_factory)


def _run(script: str, user: dict, params: dict | None = None, *, warehouse: Path, secrets: Path):
    run = run_page(script, user, warehouse=warehouse, secrets=secrets, params=params)
    assert not run.at.exception, [e.value for e in run.at.exception]
    return run


def _refused(at: AppTest) -> bool:
    return any(REFUSED in e.value for e in at.error)


def _has_data(at: AppTest) -> bool:
    return bool(at.dataframe or at.metric or at.get("plotly_chart") or at.get("arrow_table") or at.get("component_instance"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_what_each_role_sees_on_the_page(script, hostile, secrets, posts, allowed, admin_only, build_log):
    seen: dict[str, tuple[bool, list[str]]] = {}
    runs = {}
    admin_seen: dict[str, list[str]] = {}
    for role, user in USERS.items():
        run = runs[role] = _run(script, user, warehouse=hostile, secrets=secrets)
        refused = _refused(run.at)
        seen[role] = (refused, leaked(posts, run.texts, allowed=allowed))
        admin_seen[role] = leaked(admin_only if role != "beheer" else build_log, run.texts, window=25, allowed=allowed)
        for detail in RAW_PERSONAL_DETAILS:  # redaction happened before anything was stored
            assert not any(detail in t for t in run.texts), (role, detail)
        if not refused:
            assert any(f"rol {ROLE_LABELS[role]}" in c.value for c in run.at.sidebar.caption), role
            assert not any("Open toegang" in w.value for w in run.at.warning)
    assert not seen["beheer"][0], f"{script}: beheer may see every page"
    for role in ("beleid", "analist", "politie"):  # rejected records' raw excerpts: data_admin only
        assert admin_seen[role] == [], f"{script}: role {role} sees data_admin text: {admin_seen[role][:2]}"
    if "data_admin" in (ROOT / script).read_text(encoding="utf-8"):  # the page has parts for beheer only
        assert admin_seen["beheer"], f"{script}: beheer does not get the build log or rejected records"
    assert seen["beleid"][1] == [], f"{script}: role beleid sees post text: {seen['beleid'][1][:3]}"
    # analist and politie have the same permissions, so they see the same page and the same excerpts.
    assert seen["analist"] == seen["politie"]
    if seen["analist"][0]:  # a page beyond post_text (data_admin): closed to every role but beheer ...
        assert seen["beleid"][0]
        assert _has_data(runs["beheer"].at), f"{script}: beheer gets the page but no data or build information"
        for role in ("beleid", "analist", "politie"):  # ... also when its URL path is typed in the browser
            nav = run_page("dashboard.py", USERS[role], warehouse=hostile, secrets=secrets, cache=False).at
            nav.switch_page(script).run()
            assert not nav.exception and _refused(nav) and not _has_data(nav), (script, role)
    if seen["beleid"][0] and not seen["analist"][0]:  # a page for post text only: it must show some
        assert seen["analist"][1], f"{script} refuses beleid but shows analist no post text"


@pytest.mark.parametrize("script", SCRIPTS)
def test_signed_out_visitors_see_only_the_sign_in_prompt(script, hostile, secrets, posts, allowed):
    run = _run(script, SIGNED_OUT, {"gm": "GM9999", "wijk": "WK999900", **FORBIDDEN_PARAMS}, warehouse=hostile, secrets=secrets)
    at = run.at
    assert [b.label for b in at.button] == ["Aanmelden"]
    assert any("Meld u aan" in i.value for i in at.info)
    assert [t.value for t in at.title] == ["Wijkbeeld"]
    assert not _has_data(at) and not at.markdown and not at.selectbox and not at.radio and not at.caption
    assert run.downloads == [] and leaked(posts, run.texts, allowed=allowed) == []
    assert not any("Centrum" in t or "Lindenwaard" in t for t in run.texts), "area names are data too"


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_signed_in_user_without_a_role_is_refused(script, hostile, secrets):
    run = _run(script, NO_ROLE, warehouse=hostile, secrets=secrets)
    assert run.at.error and "geen rol" in run.at.error[0].value
    assert [b.label for b in run.at.button] == ["Afmelden"]
    assert not _has_data(run.at) and not run.at.markdown and not run.at.selectbox and run.downloads == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_url_parameters_cannot_open_post_text_for_role_beleid(script, hostile, secrets, posts, allowed):
    params = {"gm": "GM9999", "periode": "2026", "wijk": "WK999905", "thema": "inbraak", **FORBIDDEN_PARAMS}
    run = _run(script, USERS["beleid"], params, warehouse=hostile, secrets=secrets)
    assert leaked(posts, run.texts, allowed=allowed) == []
    assert not any(f"rol {ROLE_LABELS['beheer']}" in c.value for c in run.at.sidebar.caption)


def test_the_navigation_entry_point_shows_signed_out_visitors_only_the_sign_in_prompt(hostile, secrets):
    at = _run("dashboard.py", SIGNED_OUT, warehouse=hostile, secrets=secrets).at
    assert [b.label for b in at.button] == ["Aanmelden"]
    assert not _has_data(at) and not at.markdown


def test_an_identity_providers_user_label_cannot_inject_markup(hostile, secrets):
    """The e-mail/name from the identity provider is shown in the sidebar and in the refusal; it is text."""
    evil = {"is_logged_in": True, "email": "[klik](javascript:alert(1))<img src=x onerror=alert(1)>@elders.nl"}
    shown = " ".join(e.value for e in _run(SCRIPTS[0], evil, warehouse=hostile, secrets=secrets).at.error)
    assert "geen rol" in shown and "onbekende gebruiker" in shown
    assert "](javascript:" not in shown and "<img" not in shown, shown


@pytest.mark.parametrize("user, label", [
    ({"email": "a.analist@gemeente.nl", "name": "A"}, "a.analist@gemeente.nl"),
    ({"name": "José de Vries-Núñez"}, "José de Vries-Núñez"),
    ({"email": "x](javascript:alert(1))@evil.example"}, "onbekende gebruiker"),
    ({"email": "<b>x</b>@evil.example", "name": "**Beheerder**"}, "onbekende gebruiker"),
    ({"name": "[Beheer](http://evil.example)"}, "onbekende gebruiker"),
    ({}, "onbekende gebruiker"),
])
def test_user_labels_are_plain_text(user, label):
    assert user_label(user) == label


def test_without_sign_in_a_banner_says_the_dashboard_is_open(hostile, tmp_path):
    at = _run(SCRIPTS[0], {"email": "test@example.com"}, warehouse=hostile, secrets=tmp_path / "absent.toml").at
    banners = [w.value for w in at.warning if "Open toegang" in w.value]
    assert banners and "localhost" in banners[0]
    assert not any("Aangemeld" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("secrets_text", ['[auth]\nclient_id = "x"\n', '[auth\nredirect_uri = ',
                                          '[auth]\nredirect_uri = "http://x/cb"\ncookie_secret = "s"\n'
                                          '[wijkbeeld.roles]\ndefault = "superuser"\n'],
                         ids=["incomplete-auth", "not-toml", "unknown-role"])
def test_a_broken_sign_in_setup_shows_an_error_not_the_data(hostile, tmp_path, secrets_text):
    broken = tmp_path / "secrets.toml"
    broken.write_text(secrets_text, encoding="utf-8")
    at = _run(SCRIPTS[0], USERS["beheer"], warehouse=hostile, secrets=broken).at
    assert at.error and "Aanmeldinstellingen" in at.error[0].value
    assert not _has_data(at) and not at.markdown
