"""What every page shares: the warehouse connection, the gemeente/period/language choice kept in the URL,
banners, source captions and downloads. Pages call these; they never write and never build SQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from wijkbeeld import i18n
from wijkbeeld import queries as q
from wijkbeeld.auth import ROLE_LABELS, Access, current_access
from wijkbeeld.db import Warehouse, WarehouseMissing, get_warehouse
from wijkbeeld.i18n import LANGUAGES, activate, translate
from wijkbeeld.safe import escape_markdown, quote_input, to_csv_bytes, to_excel_bytes
from wijkbeeld.settings import Settings, get_settings

i18n.register({
    "Aanmeldinstellingen kloppen niet": "Sign-in settings are wrong",
    "Meld u aan met uw organisatie-account om Wijkbeeld te gebruiken.":
        "Sign in with your organisation account to use Wijkbeeld.",
    "Aanmelden": "Sign in",
    "Afmelden": "Sign out",
    "Aangemeld": "Signed in",
    "rol": "role",
    "U bent aangemeld als": "You are signed in as",
    "maar uw account heeft geen rol in Wijkbeeld. Vraag de beheerder om toegang.":
        "but your account has no role in Wijkbeeld. Ask the administrator for access.",
    "Deze pagina is niet beschikbaar voor de rol": "This page is not available for the role",
    "Het warehouse bevat geen gemeente.": "The warehouse contains no municipality.",
    "Periode": "Period",
    "Beleid": "Policy", "Analist": "Analyst", "Beheer": "Administration", "Politie": "Police",
    "Gemeente '{code}' komt niet voor; de eerste gemeente is gekozen.":
        "Municipality '{code}' does not exist; the first municipality was chosen.",
    "Periode '{key}' bestaat niet voor deze gemeente; de laatste 12 maanden zijn gekozen.":
        "Period '{key}' does not exist for this municipality; the last 12 months were chosen.",
    "Het warehouse is gebouwd voor schemaversie {found}, deze versie van Wijkbeeld leest versie {wanted}. "
    "Bouw het opnieuw: `python -m etl build` (of `make demo`).":
        "The warehouse was built for schema version {found}; this version of Wijkbeeld reads version {wanted}. "
        "Build it again: `python -m etl build` (or `make demo`).",
    "Alle gemeenten ({n})": "All municipalities ({n})",
    "Alle {n} gemeenten in het warehouse tegelijk (met een landelijk warehouse: heel Nederland). Kaarten en tabellen "
    "tonen de wijken van alle gemeenten; kies een gemeente om in te zoomen.":
        "All {n} municipalities in the warehouse at once (with a national warehouse: the whole country). Maps and "
        "tables show the districts of every municipality; choose a municipality to zoom in.",
})


@dataclass(frozen=True)
class ViewState:
    settings: Settings
    wh: Warehouse
    token: str              # changes when a new build is swapped in; part of every cache key
    gemeente: str
    gemeente_name: str
    is_demo: bool
    period: q.Period
    lang: str
    access: Access

    def t(self, text: str) -> str:
        return translate(text, self.lang)

    @property
    def is_national(self) -> bool:
        """The whole country (every gemeente in the warehouse) rather than one gemeente."""
        return self.gemeente == q.NATIONAL

    def can(self, permission: str) -> bool:
        return self.access.can(permission)


@st.cache_resource(show_spinner=False)
def _warehouse(path: str) -> Warehouse:
    return get_warehouse(path)


def cached_query(fn, token: str, **params):
    """Run a read-side query through st.cache_data, keyed by the build token and the (hashable) parameters."""
    return _cached(fn.__module__, fn.__name__, token, tuple(sorted(params.items())))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(module: str, name: str, token: str, params: tuple):
    import importlib

    fn = getattr(importlib.import_module(module), name)
    wh = _warehouse(str(get_settings().warehouse_path))
    return fn(wh, **dict(params))


def month_label(d: date) -> str:
    """In the language of the current run."""
    return i18n.month_label(d)


# The shared view (gemeente, period, language) carries across pages: the URL wins, else what this session chose
# last on any page (widget state itself is dropped when another page renders).
SHARED_VIEW = "_wijkbeeld_view"


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    if isinstance(value, str) and value:
        return value
    remembered = st.session_state.get(SHARED_VIEW, {}).get(name)
    return remembered if isinstance(remembered, str) and remembered else None


def _invalid(message: str) -> None:
    st.session_state.setdefault("_url_warnings", []).append(message)


def period_options(months: list[date]) -> dict[str, q.Period]:
    """Named windows: the last 12 months, each full calendar year, each quarter of the last two years."""
    if not months:
        return {}
    last = months[-1]
    options: dict[str, q.Period] = {}
    start12 = (pd.Timestamp(last) - pd.DateOffset(months=11)).date()
    options["12m"] = q.Period(max(start12, months[0]), last)
    years = sorted({m.year for m in months}, reverse=True)
    for y in years:
        in_year = [m for m in months if m.year == y]
        options[str(y)] = q.Period(in_year[0], in_year[-1])
    return options


def period_label(key: str, period: q.Period, lang: str) -> str:
    if key == "12m":
        return f"{translate('Laatste 12 maanden', lang)} ({period.label_in(lang)})"
    return f"{key} ({period.label_in(lang)})" if period.n_months < 12 else key


def _access_gate(lang: str, requires: str) -> Access | None:
    """Sign-in and role check; renders the sign-in or refusal itself and returns None when the page must stop."""
    try:
        access = current_access(st.user)
    except ValueError as err:  # a broken role mapping must not open the dashboard
        st.error(f"{translate('Aanmeldinstellingen kloppen niet', lang)}: {err}")
        return None
    if access.auth_configured and not access.signed_in:
        st.title("Wijkbeeld")
        st.info(translate("Meld u aan met uw organisatie-account om Wijkbeeld te gebruiken.", lang))
        if st.button(translate("Aanmelden", lang), type="primary"):
            st.login()
        return None
    if access.role is None:
        st.title("Wijkbeeld")
        st.error(f"{translate('U bent aangemeld als', lang)} {access.user_label}, "
                 + translate("maar uw account heeft geen rol in Wijkbeeld. Vraag de beheerder om toegang.", lang))
        if st.button(translate("Afmelden", lang)):
            st.logout()
        return None
    if not access.can(requires):
        st.title("Wijkbeeld")
        st.error(f"{translate('Deze pagina is niet beschikbaar voor de rol', lang)} {translate(ROLE_LABELS[access.role], lang)}.")
        return None
    with st.sidebar:
        if access.signed_in:
            st.caption(f"{translate('Aangemeld', lang)}: {access.user_label} · {translate('rol', lang)} {translate(ROLE_LABELS[access.role], lang)}")
            if st.button(translate("Afmelden", lang), key="logout"):
                st.logout()
    if not access.auth_configured:
        st.warning(translate("Open toegang: dit dashboard is zonder inloggen te zien voor iedereen op deze computer "
                             "(alleen localhost).", lang), icon=":material/lock_open:")
    return access


def _hand_over_to_navigation() -> None:
    """The first request after the server started, when it is a link to a page (/hotspots), runs that page's
    script on its own: Streamlit's pages/-folder mode, which stays on until some run calls st.navigation. Then
    dashboard.py (page config, translated navigation) never ran. Switch the mode off as st.navigation itself
    does, and run again: the rerun goes through dashboard.py to the same page (URL paths are file names)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def setup_page(title: str, requires: str = "aggregates") -> ViewState | None:
    """Access check, sidebar choices (from and into the URL), banners and the page title.
    Returns None when the page must stop (no access, no warehouse); the reason is already on screen."""
    _hand_over_to_navigation()
    settings = get_settings()
    lang = _param("lang") if _param("lang") in LANGUAGES else "nl"
    activate(lang)
    st.session_state.pop("_url_warnings", None)
    access = _access_gate(lang, requires)
    if access is None:
        return None
    try:
        wh = _warehouse(str(settings.warehouse_path))
        token = wh.version().token
    except WarehouseMissing as err:
        st.title(translate(title, lang))
        st.error(translate("Er is nog geen warehouse.", lang) + f" {err}")
        return None
    meta = cached_query(q.q_meta, token)
    if meta.get("schema_version") != settings.schema_version:
        st.title(translate(title, lang))
        st.error(translate("Het warehouse is gebouwd voor schemaversie {found}, deze versie van Wijkbeeld leest versie "
                           "{wanted}. Bouw het opnieuw: `python -m etl build` (of `make demo`).", lang)
                 .format(found=meta.get("schema_version"), wanted=settings.schema_version))
        return None
    gemeenten = cached_query(q.q_gemeenten, token)
    if gemeenten.empty:
        st.error(translate("Het warehouse bevat geen gemeente.", lang))
        return None
    codes = gemeenten["gemeente_code"].tolist()
    names = dict(zip(gemeenten["gemeente_code"], gemeenten["gemeente_name"]))
    default = 0
    if len(codes) > 1:  # every gemeente at once (the whole country, for a national warehouse) is a choice
        codes, default = [q.NATIONAL] + codes, 1
    wanted = _param("gm")
    if wanted and wanted not in codes:
        _invalid(translate("Gemeente '{code}' komt niet voor; de eerste gemeente is gekozen.", lang)
                 .format(code=quote_input(wanted)))
        wanted = None
    with st.sidebar:
        lang = st.radio(translate("Taal", lang), list(LANGUAGES), index=list(LANGUAGES).index(lang),
                        format_func=LANGUAGES.get, horizontal=True, key="lang_choice")
        activate(lang)
        names[q.NATIONAL] = translate("Alle gemeenten ({n})", lang).format(n=len(gemeenten))
        gemeente = st.selectbox(translate("Gemeente", lang), codes, index=codes.index(wanted) if wanted else default,
                                format_func=lambda c: f"{names[c]} ({c})", key="gm_choice")
        months = cached_query(q.q_months, token, gemeente=gemeente)
        options = period_options(months)
        wanted_period = _param("periode")
        keys = list(options)
        if wanted_period and wanted_period not in options:
            _invalid(translate("Periode '{key}' bestaat niet voor deze gemeente; de laatste 12 maanden zijn gekozen.",
                               lang).format(key=quote_input(wanted_period)))
            wanted_period = None
        if keys:
            period_key = st.selectbox(translate("Periode", lang), keys, index=keys.index(wanted_period) if wanted_period else 0,
                                      format_func=lambda k: period_label(k, options[k], lang), key="period_choice")
            period = options[period_key]
        else:
            period_key, period = "", q.Period(date.today().replace(day=1), date.today().replace(day=1))
    st.query_params.update({"gm": gemeente, "periode": period_key, "lang": lang})
    st.session_state[SHARED_VIEW] = {"gm": gemeente, "periode": period_key, "lang": lang}
    meta = cached_query(q.q_meta, token)
    is_demo = bool(meta.get("is_demo"))
    state = ViewState(settings, wh, token, gemeente, names[gemeente], is_demo, period, lang, access)
    st.title(state.t(title))
    if is_demo:
        # The small demo is one made-up gemeente; the national demo puts made-up figures on the real CBS division.
        text = (state.t("Demo: {name} is een verzonnen gemeente; alle cijfers en berichten zijn gegenereerd.")
                .format(name=escape_markdown(gemeenten["gemeente_name"].iloc[0])) if len(gemeenten) == 1
                else state.t("Demo: de gebiedsindeling is echt, maar alle cijfers en berichten zijn gegenereerd."))
        st.info(text, icon=":material/science:")
    if state.is_national:
        st.info(state.t("Alle {n} gemeenten in het warehouse tegelijk (met een landelijk warehouse: heel Nederland). "
                        "Kaarten en tabellen tonen de wijken van alle gemeenten; kies een gemeente om in te zoomen.")
                .format(n=len(gemeenten)), icon=":material/public:")
    for message in st.session_state.get("_url_warnings", []):
        st.warning(message)
    return state


def source_caption(state: ViewState, source: str, extra: str = "") -> None:
    st.caption(f"{state.t('Bron')}: {i18n.source_label(source, state.lang)}. {state.t('Periode')}: "
               f"{state.period.label_in(state.lang)}.{(' ' + extra) if extra else ''}")


def downloads(state: ViewState, frame: pd.DataFrame, name: str) -> None:
    c1, c2 = st.columns(2)
    stem = f"wijkbeeld_{name}_{state.gemeente}_{state.period.start:%Y%m}-{state.period.end:%Y%m}"
    # Deferred: the bytes are made only when the button is clicked, so several tables keep a page run short.
    c1.download_button(state.t("Download CSV"), lambda: to_csv_bytes(frame), file_name=f"{stem}.csv", mime="text/csv",
                       key=f"csv_{name}")
    c2.download_button(state.t("Download Excel"), lambda: to_excel_bytes(frame), file_name=f"{stem}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"xlsx_{name}")


def fmt_number(value, decimals: int = 1, missing: str | None = None) -> str:
    """1.234,5 in Dutch, 1,234.5 in English (the run's language); missing says 'onbekend' / 'unknown'."""
    return i18n.format_number(value, decimals, missing=missing)
