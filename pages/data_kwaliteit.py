"""Data en kwaliteit: sources, freshness, rejected records, the build log, indicator definitions, methods and privacy."""
import pandas as pd
import streamlit as st
from wijkbeeld.safe import quote_input

from wijkbeeld import q_quality as qq
from wijkbeeld.auth import ROLE_LABELS
from wijkbeeld.q_quality import deferred_downloads as downloads
from wijkbeeld.safe import escape_markdown
from wijkbeeld.ui import cached_query, fmt_number, setup_page

state = setup_page("Data en kwaliteit")
if state is None:
    st.stop()
t = state.t
admin = state.can("data_admin")

builds = cached_query(qq.q_builds, state.token)
fresh = qq.freshness(builds)
stand = (f"Stand: bouw {escape_markdown(fresh['build_id'])} van {fresh['built_local']}" if fresh
         else "Stand: onbekend (het warehouse bevat geen bouwgegevens)")


def meta_caption(extra: str = "") -> None:
    # These tables describe the whole warehouse, not the chosen period.
    st.caption(f"Bron: {qq.SOURCE_META}. {stand}; geldt voor het hele warehouse, niet alleen de gekozen periode."
               + (f" {extra}" if extra else ""))


if fresh:
    c1, c2, c3 = st.columns(3)
    c1.metric(t("Laatst bijgewerkt"), fresh["built_local"])
    c2.metric(t("Ouderdom"), f"{fresh['age_days']} {t('dagen')}")
    c3.metric(t("Soort gegevens"), t("demo (verzonnen)") if bool(builds.iloc[0]["is_demo"]) else t("echte bronnen"))
else:
    st.warning(t("Het warehouse bevat geen bouwgegevens (meta_schema is leeg); versheid en bronnen zijn onbekend."))

# --- Sources -----------------------------------------------------------------------------------------------------
st.subheader(t("Bronnen"))
sources = cached_query(qq.q_sources, state.token)
if sources.empty:
    st.info(t("Er zijn geen bronbestanden vastgelegd in dit warehouse."))
else:
    sources_shown = qq.sources_table(sources, full_paths=admin).rename(columns=t)
    st.dataframe(sources_shown, hide_index=True, width="stretch")
    meta_caption("Periode: wat de bron zelf opgeeft; voor berichten het eerste en laatste opgeslagen bericht; leeg "
                 "met een toelichting als de bron geen periode heeft. Records gelezen = alles wat in het bestand stond, "
                 "geladen = wat na controle in het warehouse kwam, dubbel = records die met een eerdere versie zijn "
                 "samengevoegd. " + ("" if admin else "Volledige paden en controlegetallen alleen voor de rol Beheer."))
    downloads(state, sources_shown, "bronnen")

# --- Rejected records ------------------------------------------------------------------------------------------
st.subheader(t("Afgewezen records"))
summary = cached_query(qq.q_reject_summary, state.token)
if summary.empty:
    st.success(t("Bij de laatste bouw is geen enkel record afgewezen."))
    meta_caption("Het warehouse bevat alleen de laatste bouw; eerdere bouwen staan in hun eigen bouwverslag.")
else:
    per_reason = summary.rename(columns={"build_id": "Bouw", "file": "Bestand", "reason": "Reden", "records": "Aantal"})[
        ["Bouw", "Bestand", "Reden", "Aantal"]].rename(columns=t)
    st.markdown(f"**{fmt_number(int(summary['records'].sum()), 0)} records afgewezen**, per bestand en reden:")
    st.dataframe(per_reason, hide_index=True, width="stretch")
    meta_caption()
    downloads(state, per_reason, "afgewezen_per_reden")
    rejects = cached_query(qq.q_rejected_records, state.token, include_raw=admin)
    rejects_shown = qq.rejects_table(rejects).rename(columns=t)
    total = int(rejects["total"].iloc[0]) if len(rejects) else 0
    with st.expander(f"{t('Alle afgewezen records')} ({fmt_number(len(rejects), 0)} van {fmt_number(total, 0)})"):
        st.dataframe(rejects_shown, hide_index=True, width="stretch")
        meta_caption("Het uittreksel is vóór opslag geredigeerd en alleen zichtbaar voor de rol Beheer." if admin else
                     "Het ruwe uittreksel van elk record is alleen zichtbaar voor de rol Beheer.")
        downloads(state, rejects_shown, "afgewezen_records")

# --- Build log -----------------------------------------------------------------------------------------------------
st.subheader(t("Bouwlogboek"))
if not admin:
    st.info(f"{t('Het bouwlogboek is alleen zichtbaar voor de rol')} {ROLE_LABELS['beheer']}.")
else:
    levels = list(qq.LOG_LEVELS)
    wanted = st.query_params.get("log")
    if wanted and wanted not in levels:
        st.warning(f"Logniveau '{quote_input(wanted)}' bestaat niet; alle regels worden getoond.")
        wanted = None
    level = st.selectbox(t("Niveau"), levels, index=levels.index(wanted) if wanted else 0, key="quality_log_level")
    st.query_params.update({"log": level})
    log = cached_query(qq.q_build_log, state.token, level=None if level == "alle" else level)
    if log.empty:
        st.info(t("Geen logregels van dit niveau."))
    else:
        log_shown = log.rename(columns={"build_id": "Bouw", "seq": "Volgnummer", "logged_at": "Tijd", "level": "Niveau",
                                        "message": "Melding"}).rename(columns=t)
        st.dataframe(log_shown, hide_index=True, width="stretch")
        downloads(state, log_shown, "bouwlogboek")
    meta_caption()

# --- Definitions -----------------------------------------------------------------------------------------------------
st.subheader(t("Definities van indicatoren"))
indicators = qq.indicators_table(cached_query(qq.q_indicator_definitions, state.token)).rename(columns=t)
st.dataframe(indicators, hide_index=True, width="stretch",
             column_config={t("Definitie"): st.column_config.TextColumn(width="large")})
meta_caption("Eigen indicatoren van het dashboard en de enquête-indicatoren uit dim_indicator.")
downloads(state, indicators, "indicatoren")

st.markdown(f"**{t('Misdrijfgroepen (CBS)')}**")
crime = cached_query(qq.q_crime_groups, state.token)
if crime.empty:
    st.info(t("Het warehouse bevat geen misdrijfsoorten (geen politiecijfers geladen)."))
else:
    crime_shown = qq.crime_groups_table(crime).rename(columns=t)
    st.dataframe(crime_shown, hide_index=True, width="stretch")
    st.caption(f"Bron: CBS/Politie, codes van SoortMisdrijf (dim_crime_type). {stand}. Alleen de soorten die in de "
               "geladen cijfers voorkomen; 'Totaal misdrijven' (0.0.0) wordt nooit bij de soorten opgeteld.")
    downloads(state, crime_shown, "misdrijfgroepen")

# --- Methods ------------------------------------------------------------------------------------------------------------
st.subheader(t("Methoden"))
for title, text in qq.methods():
    st.markdown(f"**{title}.** {text}")

# --- Privacy ------------------------------------------------------------------------------------------------------------
st.subheader(t("Privacy"))
facts = qq.privacy_facts(builds)
st.markdown("**Pseudoniemen.** " + qq.PSEUDONYM_DESCRIPTION)
if facts["fingerprint"]:
    st.markdown(f"Vingerafdruk van de sleutel van deze bouw: **{escape_markdown(facts['fingerprint'])}**. Dezelfde "
                "vingerafdruk betekent dezelfde sleutel, dus vergelijkbare pseudoniemen tussen bouwen; uit de "
                "vingerafdruk is de sleutel niet terug te vinden.")
else:
    st.markdown("Vingerafdruk van de sleutel: onbekend (deze bouw laadde geen berichten of legde geen sleutel vast).")
if facts["is_demo"]:
    st.caption("Demo: de pseudoniemen zijn gemaakt met de openbare demosleutel; die beschermt niemand en mag nooit "
               "voor echte gegevens worden gebruikt.")

st.markdown("**Redactie van tekst.** " + qq.REDACTION_DESCRIPTION)
placeholders = qq.redaction_placeholders()
if placeholders:
    placeholders_shown = pd.DataFrame({t("Aanduiding"): list(placeholders), t("Wat is vervangen"): list(placeholders.values())})
    st.dataframe(placeholders_shown, hide_index=True, width="stretch")
    st.caption("Bron: de redactieregels van de bouw (etl/text/redact.py), zoals ze in deze versie van Wijkbeeld staan.")
    downloads(state, placeholders_shown, "redactie")

if facts["retention_months"] is not None:
    st.markdown(f"**Bewaartermijn.** Berichten ouder dan {facts['retention_months']} maanden worden niet opgeslagen. "
                f"Voor deze bouw is gerekend vanaf {facts['reference_date']:%d-%m-%Y}: berichten van vóór "
                f"{facts['cutoff']:%d-%m-%Y} staan niet in het warehouse. Cijfers over berichten gaan daardoor nooit verder "
                "terug dan de bewaartermijn.")
else:
    st.markdown("**Bewaartermijn.** Onbekend: het warehouse bevat geen bouwgegevens.")

st.markdown("**Rollen.** Wat iemand ziet, hangt af van de rol bij het aanmelden:")
roles_shown = qq.roles_table(state.access.role).rename(columns=t)
st.dataframe(roles_shown, hide_index=True, width="stretch")
st.caption(f"Bron: wijkbeeld/auth.py (rollen en rechten) en meta_schema. {stand}.")
downloads(state, roles_shown, "rollen")
