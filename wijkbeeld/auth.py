"""Who may see what. Sign-in is Streamlit's built-in OpenID Connect (`st.login`), configured in
.streamlit/secrets.toml under [auth]; roles come from a mapping under [wijkbeeld.roles].

Roles and what they may see:
- beleid:  aggregates only, no post text anywhere (not in tables, examples, tooltips or downloads)
- analist: aggregates plus redacted post excerpts
- politie: as analist
- beheer:  everything, including the data and build pages (rejected records, build log)

Without sign-in configured (the demo on one machine) the dashboard is open to whoever can reach localhost and a
banner says so; the role then is `open_role` (default beheer: the person at the machine runs it).
"""
from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROLES = ("beleid", "analist", "politie", "beheer")
PERMISSIONS = {
    "beleid": frozenset({"aggregates"}),
    "analist": frozenset({"aggregates", "post_text"}),
    "politie": frozenset({"aggregates", "post_text"}),
    "beheer": frozenset({"aggregates", "post_text", "data_admin"}),
}
ROLE_LABELS = {"beleid": "Beleid", "analist": "Analist", "politie": "Politie", "beheer": "Beheer"}


@dataclass(frozen=True)
class RoleMapping:
    """[wijkbeeld.roles] in secrets.toml:

        [wijkbeeld.roles]
        default = "beleid"                       # signed-in users matching nothing below
        emails = { "a.analist@gemeente.nl" = "analist" }
        domains = { "politie.nl" = "politie", "waalwijk.nl" = "beleid" }
        groups = { "wijkbeeld-beheer" = "beheer" }   # matched against the token's `groups` claim
        open_role = "beheer"                     # role when no sign-in is configured
    """
    default: str | None = None
    emails: dict | None = None
    domains: dict | None = None
    groups: dict | None = None
    open_role: str = "beheer"


@dataclass(frozen=True)
class Access:
    role: str | None          # None: signed in but no role, or not signed in while sign-in is required
    signed_in: bool
    auth_configured: bool
    user_label: str = ""

    def can(self, permission: str) -> bool:
        return self.role is not None and permission in PERMISSIONS.get(self.role, frozenset())


def load_secrets(path: Path | None = None) -> dict:
    path = path or Path(os.environ.get("WIJKBEELD_SECRETS", Path(__file__).resolve().parents[1] / ".streamlit" / "secrets.toml"))
    if not Path(path).exists():
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def role_mapping(secrets: dict) -> RoleMapping:
    """[wijkbeeld.roles] checked: a table whose e-mail, domain and group rules are tables of known roles.
    Anything else raises ValueError, which the dashboard shows instead of opening."""
    raw = (secrets.get("wijkbeeld") or {}).get("roles") or {}
    if not isinstance(raw, dict):
        raise ValueError("secrets.toml [wijkbeeld.roles] moet een tabel zijn")
    for key in ("emails", "domains", "groups"):
        if not isinstance(raw.get(key) or {}, dict):
            raise ValueError(f"secrets.toml [wijkbeeld.roles] {key} moet een tabel zijn, zoals {key} = {{ \"...\" = \"analist\" }}")
    mapping = RoleMapping(default=raw.get("default"), emails=raw.get("emails") or {}, domains=raw.get("domains") or {},
                          groups=raw.get("groups") or {}, open_role=raw.get("open_role", "beheer"))
    for role in [mapping.default, mapping.open_role, *mapping.emails.values(), *mapping.domains.values(), *mapping.groups.values()]:
        if role is not None and role not in ROLES:
            raise ValueError(f"secrets.toml [wijkbeeld.roles]: onbekende rol '{role}' (kies uit {', '.join(ROLES)})")
    return mapping


def _claims(user: dict) -> list[str]:
    """The group claim as a list of strings; anything else an identity provider might send counts as none."""
    claims = user.get("groups")
    if claims is None:
        claims = user.get("roles")
    if isinstance(claims, str):
        return [claims]
    if isinstance(claims, (list, tuple)):
        return [str(g) for g in claims if isinstance(g, (str, int))]
    return []


def resolve_role(user: dict, mapping: RoleMapping) -> str | None:
    """The most specific match wins: e-mail, then group claim, then e-mail domain, then the default.
    Among several matching groups the most powerful role wins. An e-mail address the identity provider says
    it has not verified (`email_verified` false) is not used for the e-mail and domain rules."""
    email = str(user.get("email") or "").strip().lower()
    if user.get("email_verified") is False:
        email = ""
    emails = {str(k).strip().lower(): v for k, v in mapping.emails.items()}
    if email and email in emails:
        return emails[email]
    matched = [role for pattern, role in mapping.groups.items() for g in _claims(user) if fnmatch.fnmatchcase(g, pattern)]
    if matched:
        return max(matched, key=ROLES.index)
    domain = email.rsplit("@", 1)[-1] if "@" in email else ""
    domains = {str(k).strip().lower().lstrip("@"): v for k, v in mapping.domains.items()}
    if domain and domain in domains:
        return domains[domain]
    return mapping.default


AUTH_REQUIRED_KEYS = ("redirect_uri", "cookie_secret")


def auth_configured(secrets: dict) -> bool:
    """True when sign-in is configured. An [auth] section that is there but incomplete raises ValueError: a
    half-done sign-in setup must close the dashboard, not leave it open to everyone (fail closed)."""
    auth = secrets.get("auth")
    if auth is None:
        return False
    missing = [k for k in AUTH_REQUIRED_KEYS if not (isinstance(auth, dict) and auth.get(k))]
    if missing:
        raise ValueError(f"secrets.toml [auth] is onvolledig: {', '.join(missing)} ontbreekt")
    return True


def current_access(st_user=None, secrets: dict | None = None) -> Access:
    """Access for this session. `st_user` is st.user (a mapping with is_logged_in, email, groups ...)."""
    secrets = load_secrets() if secrets is None else secrets
    mapping = role_mapping(secrets)
    if not auth_configured(secrets):
        return Access(role=mapping.open_role, signed_in=False, auth_configured=False, user_label="open toegang")
    user = dict(st_user or {})
    if not user.get("is_logged_in"):
        return Access(role=None, signed_in=False, auth_configured=True)
    return Access(role=resolve_role(user, mapping), signed_in=True, auth_configured=True, user_label=user_label(user))


_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}")
_PLAIN_NAME = re.compile(r"[^\W_](?:[\w .'-]{0,78}[^\W_])?")


def user_label(user: dict) -> str:
    """How the signed-in user is named on screen (pages put it in Markdown). Claims come from the identity
    provider and a display name may be chosen by the user, so only a plain e-mail address or a plain name is
    shown; anything with Markdown or HTML in it becomes "onbekende gebruiker"."""
    for value in (user.get("email"), user.get("name")):
        text = str(value or "").strip()
        if _PLAIN_EMAIL.fullmatch(text) or _PLAIN_NAME.fullmatch(text):
            return text
    return "onbekende gebruiker"
