"""Data en kwaliteit: sources, freshness, rejected records, the build log, indicator definitions, methods and privacy.

Everything here describes the whole warehouse (every gemeente in it), whichever gemeente is chosen."""
import pandas as pd
import streamlit as st
from wijkbeeld.safe import quote_input

from wijkbeeld import q_quality as qq
from wijkbeeld.auth import ROLE_LABELS
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, downloads, fmt_number, setup_page

state = setup_page("Data en kwaliteit")
if state is None:
    st.stop()
t = state.t
lang = state.lang
admin = state.can("data_admin")
admin_role = t(ROLE_LABELS["beheer"])

builds = cached_query(qq.q_builds, state.token)
fresh = qq.freshness(builds)
stand = qq.stand_text(fresh, lang, escape=escape_markdown)


def meta_caption(extra: str = "") -> None:
    # These tables describe the whole warehouse, not the chosen period.
    st.caption(t("Bron: {source}. {stand}; geldt voor het hele warehouse, niet alleen de gekozen periode.")
               .format(source=t(qq.SOURCE_META), stand=stand) + (f" {extra}" if extra else ""))


def etl_text_note() -> None:
    """Reasons and log messages are ETL data in the readers' language: say so where English is expected."""
    if lang == "en":
        st.caption(t(qq.ETL_TEXT_NOTE))


if fresh:
    c1, c2, c3 = st.columns(3)
    c1.metric(t("Laatst bijgewerkt"), fresh["built_local"])
    c2.metric(t("Ouderdom"), t("{n} dagen").format(n=fresh["age_days"]))
    c3.metric(t("Soort gegevens"), t("demo (verzonnen)") if bool(builds.iloc[0]["is_demo"]) else t("echte bronnen"))
    with st.expander(t("Bouwgeschiedenis")):
        history = qq.builds_table(builds, lang).rename(columns=t)
        st.dataframe(history, hide_index=True, width="stretch")
        meta_caption(t("Eén rij per bouw in het warehouse (deze en eerdere, overgenomen bij het bouwen), nieuwste eerst."))
        downloads(state, history, "bouwgeschiedenis")
else:
    st.warning(t("Het warehouse bevat geen bouwgegevens (meta_schema is leeg); versheid en bronnen zijn onbekend."))

# --- Sources -----------------------------------------------------------------------------------------------------
st.subheader(t("Bronnen"))
sources = cached_query(qq.q_sources, state.token)
if sources.empty:
    st.info(t("Er zijn geen bronbestanden vastgelegd in dit warehouse."))
else:
    summary_shown = qq.sources_summary(sources, lang).rename(columns=t)
    st.dataframe(summary_shown, hide_index=True, width="stretch")
    meta_caption(t("Per bouw en soort bron: aantal bestanden en records, en de vroegste en laatste periode."))
    downloads(state, summary_shown, "bronnen_per_soort")
    # A national warehouse lists thousands of posts files: the per-file list is one click away.
    with st.expander(t("Alle bronbestanden ({n})").format(n=fmt_number(len(sources), 0))):
        sources_shown = qq.sources_table(sources, full_paths=admin, lang=lang).rename(columns=t)
        st.dataframe(sources_shown, hide_index=True, width="stretch")
        meta_caption(t("Periode: wat de bron zelf opgeeft; voor berichten het eerste en laatste opgeslagen bericht; leeg "
                       "met een toelichting als de bron geen periode heeft. Records gelezen = alles wat in het bestand "
                       "stond, geladen = wat na controle in het warehouse kwam, dubbel = records die met een eerdere "
                       "versie zijn samengevoegd.")
                     + ("" if admin else " " + t("Volledige paden en controlegetallen alleen voor de rol Beheer.")))
        downloads(state, sources_shown, "bronnen")

# --- Rejected records ------------------------------------------------------------------------------------------
st.subheader(t("Afgewezen records"))
summary = cached_query(qq.q_reject_summary, state.token)
if summary.empty:
    st.success(t("Bij de laatste bouw is geen enkel record afgewezen."))
    meta_caption(t("Dit gaat over de laatste bouw; eerdere bouwen staan in de bouwgeschiedenis op deze pagina."))
else:
    per_reason = qq.reject_summary_table(summary).rename(columns=t)
    st.markdown(t("**{n} records afgewezen**, per bestand en reden:").format(n=fmt_number(int(summary["records"].sum()), 0)))
    st.dataframe(per_reason, hide_index=True, width="stretch")
    meta_caption()
    etl_text_note()
    downloads(state, per_reason, "afgewezen_per_reden")
    rejects = cached_query(qq.q_rejected_records, state.token, include_raw=admin)
    rejects_shown = qq.rejects_table(rejects).rename(columns=t)
    total = int(rejects["total"].iloc[0]) if len(rejects) else 0
    with st.expander(t("Alle afgewezen records ({shown} van {total})").format(shown=fmt_number(len(rejects), 0),
                                                                             total=fmt_number(total, 0))):
        st.dataframe(rejects_shown, hide_index=True, width="stretch")
        meta_caption(t("Het uittreksel is vóór opslag geredigeerd en alleen zichtbaar voor de rol Beheer.") if admin else
                     t("Het ruwe uittreksel van elk record is alleen zichtbaar voor de rol Beheer."))
        downloads(state, rejects_shown, "afgewezen_records")

# --- Build log -----------------------------------------------------------------------------------------------------
st.subheader(t("Bouwlogboek"))
if not admin:
    st.info(t("Het bouwlogboek is alleen zichtbaar voor de rol {role}.").format(role=admin_role))
else:
    levels = list(qq.LOG_LEVELS)
    wanted = st.query_params.get("log")
    if wanted and wanted not in levels:
        st.warning(t("Logniveau '{value}' bestaat niet; alle regels worden getoond.").format(value=quote_input(wanted)))
        wanted = None
    level = st.selectbox(t("Niveau"), levels, index=levels.index(wanted) if wanted else 0, key="quality_log_level",
                         format_func=lambda k: t("alle") if k == "alle" else k)
    st.query_params.update({"log": level})
    log = cached_query(qq.q_build_log, state.token, level=None if level == "alle" else level)
    if log.empty:
        st.info(t("Geen logregels van dit niveau."))
    else:
        log_shown = log.rename(columns={"build_id": "Bouw", "seq": "Volgnummer", "logged_at": "Tijd", "level": "Niveau",
                                        "message": "Melding"}).rename(columns=t)
        st.dataframe(log_shown, hide_index=True, width="stretch")
        etl_text_note()
        downloads(state, log_shown, "bouwlogboek")
    meta_caption()

# --- Definitions -----------------------------------------------------------------------------------------------------
st.subheader(t("Definities van indicatoren"))
indicators = qq.indicators_table(cached_query(qq.q_indicator_definitions, state.token, lang=lang), lang).rename(columns=t)
st.dataframe(indicators, hide_index=True, width="stretch",
             column_config={t("Definitie"): st.column_config.TextColumn(width="large")})
meta_caption(t("Eigen indicatoren van het dashboard en de enquête-indicatoren uit dim_indicator."))
downloads(state, indicators, "indicatoren")

st.markdown(f"**{t('Misdrijfgroepen (CBS)')}**")
crime = cached_query(qq.q_crime_groups, state.token)
if crime.empty:
    st.info(t("Het warehouse bevat geen misdrijfsoorten (geen politiecijfers geladen)."))
else:
    crime_shown = qq.crime_groups_table(crime, lang).rename(columns=t)
    st.dataframe(crime_shown, hide_index=True, width="stretch")
    st.caption(t("Bron: {source}. {stand}.").format(source=t(qq.SOURCE_CRIME_TYPES), stand=stand) + " "
               + t("Alleen de soorten die in de geladen cijfers voorkomen; 'Totaal misdrijven' (0.0.0) wordt nooit bij "
                   "de soorten opgeteld."))
    downloads(state, crime_shown, "misdrijfgroepen")

# --- Methods ------------------------------------------------------------------------------------------------------------
st.subheader(t("Methoden"))
for title, text in qq.methods(lang):
    st.markdown(t("**{title}.** {text}").format(title=title, text=text))

# --- Privacy ------------------------------------------------------------------------------------------------------------
st.subheader(t("Privacy"))
facts = qq.privacy_facts(builds)
st.markdown(t("**{title}.** {text}").format(title=t("Pseudoniemen"), text=t(qq.PSEUDONYM_DESCRIPTION)))
if facts["fingerprint"]:
    st.markdown(t("Vingerafdruk van de sleutel van deze bouw: **{fingerprint}**. Dezelfde vingerafdruk betekent dezelfde "
                  "sleutel, dus vergelijkbare pseudoniemen tussen bouwen; uit de vingerafdruk is de sleutel niet terug "
                  "te vinden.").format(fingerprint=escape_markdown(facts["fingerprint"])))
else:
    st.markdown(t("Vingerafdruk van de sleutel: onbekend (deze bouw laadde geen berichten of legde geen sleutel vast)."))
if facts["is_demo"]:
    st.caption(t("Demo: de pseudoniemen zijn gemaakt met de openbare demosleutel; die beschermt niemand en mag nooit "
                 "voor echte gegevens worden gebruikt."))

st.markdown(t("**{title}.** {text}").format(title=t("Redactie van tekst"), text=t(qq.REDACTION_DESCRIPTION)))
placeholders = qq.redaction_placeholders()
if placeholders:
    # The placeholders themselves are what stored post texts contain, so they stay as they are.
    placeholders_shown = pd.DataFrame({t("Aanduiding"): list(placeholders),
                                       t("Wat is vervangen"): [t(v) for v in placeholders.values()]})
    st.dataframe(placeholders_shown, hide_index=True, width="stretch")
    st.caption(t("Bron: {source}.").format(source=t(qq.SOURCE_REDACTION)))
    downloads(state, placeholders_shown, "redactie")

if facts["retention_months"] is not None:
    st.markdown(t("**{title}.** {text}").format(title=t("Bewaartermijn"), text=t(
        "Berichten ouder dan {months} maanden worden niet opgeslagen. Voor deze bouw is gerekend vanaf {reference}: "
        "berichten van vóór {cutoff} staan niet in het warehouse. Cijfers over berichten gaan daardoor nooit verder "
        "terug dan de bewaartermijn.").format(months=facts["retention_months"],
                                               reference=f"{facts['reference_date']:%d-%m-%Y}",
                                               cutoff=f"{facts['cutoff']:%d-%m-%Y}")))
else:
    st.markdown(t("**{title}.** {text}").format(title=t("Bewaartermijn"),
                                                text=t("Onbekend: het warehouse bevat geen bouwgegevens.")))

st.markdown(t("**{title}.** {text}").format(title=t("Rollen"),
                                            text=t("Wat iemand ziet, hangt af van de rol bij het aanmelden:")))
roles_shown = qq.roles_table(state.access.role, lang).rename(columns=t)
st.dataframe(roles_shown, hide_index=True, width="stretch")
st.caption(t("Bron: {source}. {stand}.").format(source=t(qq.SOURCE_ROLES), stand=stand))
downloads(state, roles_shown, "rollen")
