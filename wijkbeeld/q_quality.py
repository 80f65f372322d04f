"""Data en kwaliteit: where every figure comes from, how fresh it is, what was rejected and why, how each indicator
and method is defined, and what is done to protect residents' privacy.

The rejected records' raw excerpts and the build log are for the data_admin permission only: the page must not call
`q_rejected_records(include_raw=True)` or `q_build_log` for other roles.

Language: every text this module makes follows a `lang` argument ('nl' default). Rejection reasons and build-log
messages are written into the warehouse by the ETL readers (mostly in Dutch, with file names and values inside);
they are data and are shown as stored, with ETL_TEXT_NOTE saying so in English.
"""
from __future__ import annotations

import ast
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path, PurePath

import pandas as pd

from wijkbeeld.crime_groups import CRIME_GROUPS
from wijkbeeld import i18n
from wijkbeeld import queries as q
from wijkbeeld.auth import PERMISSIONS, ROLE_LABELS, ROLES
from wijkbeeld.db import Warehouse

ROOT = Path(__file__).resolve().parents[1]

SOURCE_META = "Bouwgegevens van het warehouse (meta_build, meta_source_file, meta_rejected_record, meta_build_log)"
SOURCE_CRIME_TYPES = "CBS/Politie, codes van SoortMisdrijf (dim_crime_type)"
SOURCE_ROLES = "wijkbeeld/auth.py (rollen en rechten) en meta_schema"
SOURCE_REDACTION = "de redactieregels van de bouw (etl/text/redact.py), zoals ze in deze versie van Wijkbeeld staan"

SOURCE_KIND_LABELS = {
    "boundaries": "Grenzen van gemeente, wijken en buurten (CBS)",
    "population": q.SOURCE_CBS_POP,
    "police_crime": q.SOURCE_POLICE,
    "survey": q.SOURCE_SURVEY,
    "posts": q.SOURCE_POSTS,
    "pages": "Lijst van wijkpagina's",
    "accounts": "Lijst van organisatie-accounts",
}
# Rejected records listed on the page (the full count is always shown).
REJECTS_SHOWN = 500
LOG_LEVELS = ("alle", "info", "warning", "error")

METHOD_TITLES = {
    "rates": "Cijfers per 1.000 inwoners",
    "smoothing": "Gladstrijken bij kleine gebieden",
    "hotspots": "Hotspots: opvallende stijgingen",
    "survey_intervals": "Marges van enquêtecijfers",
    "difference": "Verschillen toetsen",
    "did": "Effect van een wijkpagina",
    "beleving_vs_registratie": "Beleving naast registratie",
}

PERMISSION_LABELS = {
    "aggregates": "totalen, kaarten en grafieken",
    "post_text": "geredigeerde tekst van berichten (voorbeelden)",
    "data_admin": "afgewezen records met ruwe uittreksels en het bouwlogboek",
}

# The dashboard's own indicators (dim_indicator holds the survey indicators).
DASHBOARD_INDICATORS = pd.DataFrame([
    ("incidenten_per_1000", "Incidenten per 1.000 inwoners", "per 1.000 inwoners per jaar", True, q.SOURCE_POLICE,
     "Geregistreerde misdrijven in de periode, gedeeld door het aantal inwonerjaren, maal 1.000. Inwonerjaren: per maand "
     "de bevolking van hetzelfde jaar, opgeteld en gedeeld door 12 (een jaar telt dus als de bevolking van dat jaar). "
     "Onbekend als de bron een aantal afschermt, niet alle maanden publiceert of er geen bevolkingscijfer is."),
    ("berichten_per_1000", "Berichten per 1.000 inwoners", "per 1.000 inwoners per jaar", False, q.SOURCE_POSTS,
     "Berichten en reacties op de wijkpagina('s) van de wijk, gedeeld door de inwonerjaren over alleen de maanden dat "
     "de pagina bestond, maal 1.000. Een pagina voor meer wijken telt voor elke wijk. Geen pagina: onbekend, niet nul."),
    ("onveilig_buurt", "% voelt zich weleens onveilig in de buurt", "% met 95%-interval", True, q.SOURCE_SURVEY,
     "Aandeel inwoners dat zich weleens onveilig voelt in de eigen buurt, uit de meest recente meting tot en met het "
     "einde van de periode, met het 95%-betrouwbaarheidsinterval (gepubliceerd, of Wilson voor eigen enquêtes). Bij te "
     "weinig respondenten tonen we geen cijfer."),
    ("thema_aandeel", "Aandeel berichten over een thema", "%", False, q.SOURCE_POSTS,
     "Berichten en reacties in de wijk met het thema, gedeeld door alle berichten en reacties in de wijk in dezelfde "
     "periode. Thema's worden automatisch met trefwoorden toegekend; een bericht kan meer thema's hebben."),
    ("deelnemers_per_1000", "Deelnemers per 1.000 inwoners", "per 1.000 inwoners", False, q.SOURCE_POSTS,
     "Aantal verschillende bewoners (pseudoniemen) dat in de periode schreef, gedeeld door de gemiddelde bevolking over "
     "de maanden dat de pagina bestond, maal 1.000. Deelnemers worden geteld, nooit getoond."),
    ("beantwoord_pct", "% bewonersberichten beantwoord door een organisatie", "%", False, q.SOURCE_POSTS,
     "Aandeel berichten van bewoners (geen reacties) waarop in de draad een account van gemeente, politie, corporatie "
     "of welzijn reageerde."),
    ("reactietijd", "Tijd tot eerste antwoord", "uren (mediaan en 90e percentiel)", True, q.SOURCE_POSTS,
     "Uren tussen het bericht van een bewoner en de eerste reactie van een organisatie-account in dezelfde draad, "
     "over de beantwoorde berichten."),
], columns=["indicator", "label", "unit", "higher_is_worse", "source", "definition"])

# Units of the survey indicators in dim_indicator, per code and language (single words such as 'cijfer' would be
# ambiguous as global translation keys).
SURVEY_UNITS = {
    "nl": {"%": "een percentage", "cijfer": "een rapportcijfer (1-10)", "schaalscore": "een schaalscore (0-10)"},
    "en": {"%": "a percentage", "cijfer": "a rating (1-10)", "schaalscore": "a scale score (0-10)"},
}
UNIT_LABELS_EN = {"cijfer": "rating (1-10)", "schaalscore": "scale score (0-10)"}

# What redaction does, in words: shown beside the list of placeholders read from the ETL (see redaction_placeholders).
REDACTION_DESCRIPTION = (
    "Voordat een bericht wordt opgeslagen, vervangen we alles wat naar een persoon wijst door een vaste aanduiding "
    "tussen blokhaken. De tekst blijft leesbaar voor thema's en toon, maar de persoon valt eruit. Wat een incident "
    "beschrijft blijft staan: tijden, datums, bedragen, zaaknummers van de politie, servicenummers, straatnamen "
    "zonder huisnummer."
)
PSEUDONYM_DESCRIPTION = (
    "Schrijvers worden niet bij naam opgeslagen. Elke schrijver krijgt een pseudoniem: een HMAC-SHA256 van platform en "
    "account met een geheime sleutel die alleen de beheerder kent en die nooit in het warehouse of een logboek staat. "
    "Zonder die sleutel is een pseudoniem niet terug te leiden naar een persoon en kan ook een geraden naam niet "
    "getoetst worden. Het dashboard telt pseudoniemen (aantal deelnemers), maar toont ze nergens en filtert nooit op "
    "een persoon. Namen van organisaties en links blijven alleen bewaard voor berichten van organisatie-accounts."
)
# Shown in English only: the ETL writes these texts into the warehouse, so they keep the readers' language.
ETL_TEXT_NOTE = ("Redenen en meldingen komen zoals de bouw ze in het warehouse schreef, in de taal van de lezer die ze "
                 "vond (meestal Nederlands), met bestandsnamen en waarden erin; ze worden niet vertaald.")

i18n.register({
    # Metrics, headers, messages
    "Laatst bijgewerkt": "Last updated",
    "Ouderdom": "Age",
    "{n} dagen": "{n} days",
    "Soort gegevens": "Kind of data",
    "demo (verzonnen)": "demo (fictitious)",
    "echte bronnen": "real sources",
    "Het warehouse bevat geen bouwgegevens (meta_schema is leeg); versheid en bronnen zijn onbekend.":
        "The warehouse has no build data (meta_schema is empty); freshness and sources are unknown.",
    "Er zijn geen bronbestanden vastgelegd in dit warehouse.": "No source files are recorded in this warehouse.",
    "Bij de laatste bouw is geen enkel record afgewezen.": "The last build rejected no records.",
    "Alle afgewezen records ({shown} van {total})": "All rejected records ({shown} of {total})",
    "Het bouwlogboek is alleen zichtbaar voor de rol {role}.": "The build log is only visible for the role {role}.",
    "Geen logregels van dit niveau.": "No log lines of this level.",
    "Logniveau '{value}' bestaat niet; alle regels worden getoond.":
        "Log level '{value}' does not exist; all lines are shown.",
    "alle": "all",
    "Het warehouse bevat geen misdrijfsoorten (geen politiecijfers geladen).":
        "The warehouse has no crime types (no police figures loaded).",
    "**{n} records afgewezen**, per bestand en reden:": "**{n} records rejected**, per file and reason:",
    "Bouwgeschiedenis": "Build history",
    "Alle bronbestanden ({n})": "All source files ({n})",
    # Column names
    "Soort": "Kind",
    "Bestand": "File",
    "Bestanden": "Files",
    "Record": "Record",
    "Reden": "Reason",
    "Aantal": "Count",
    "Periode van": "Period from",
    "Periode tot en met": "Period up to and including",
    "Toelichting periode": "Period note",
    "Ingelezen op": "Read on",
    "Records gelezen": "Records read",
    "Geladen": "Loaded",
    "Afgewezen": "Rejected",
    "Dubbel (samengevoegd)": "Duplicate (merged)",
    "Bouw": "Build",
    "Gebouwd op": "Built on",
    "Schemaversie": "Schema version",
    "Duur (s)": "Duration (s)",
    "Afgewezen records": "Rejected records",
    "Vingerafdruk sleutel": "Key fingerprint",
    "Nieuwste": "Newest",
    "SHA-256": "SHA-256",
    "Uittreksel (geredigeerd)": "Excerpt (redacted)",
    "Volgnummer": "Sequence",
    "Tijd": "Time",
    "Melding": "Message",
    "Indicator": "Indicator",
    "Sleutel": "Key",
    "Eenheid": "Unit",
    "Richting": "Direction",
    "Definitie": "Definition",
    "Groep": "Group",
    "Code": "Code",
    "Bijbehorend thema": "Related theme",
    "Aanduiding": "Placeholder",
    "Wat is vervangen": "What was replaced",
    "Rol": "Role",
    "Mag zien": "May see",
    "Uw rol": "Your role",
    # Subheaders
    "Bronnen": "Sources",
    "Bouwlogboek": "Build log",
    "Definities van indicatoren": "Indicator definitions",
    "Misdrijfgroepen (CBS)": "Crime groups (CBS)",
    "Methoden": "Methods",
    "Privacy": "Privacy",
    "Niveau": "Level",
    # Cell values
    "ja": "yes",
    "nee": "no",
    "demo": "demo",
    "echt": "real",
    "hoger = ongunstiger": "higher = worse",
    "hoger = gunstiger": "higher = better",
    "eerste en laatste opgeslagen bericht": "first and last stored message",
    "de bron geeft geen periode op": "the source states no period",
    "grenzen: geen periode": "boundaries: no period",
    "geen berichten opgeslagen": "no messages stored",
    # Sources
    SOURCE_META: "Build records of the warehouse (meta_build, meta_source_file, meta_rejected_record, meta_build_log)",
    SOURCE_CRIME_TYPES: "CBS/Police, codes of SoortMisdrijf (dim_crime_type)",
    SOURCE_ROLES: "wijkbeeld/auth.py (roles and permissions) and meta_schema",
    SOURCE_REDACTION: "the build's redaction rules (etl/text/redact.py), as they are in this version of Wijkbeeld",
    "Grenzen van gemeente, wijken en buurten (CBS)": "Boundaries of municipality, districts and neighbourhoods (CBS)",
    "Lijst van wijkpagina's": "List of district pages",
    "Lijst van organisatie-accounts": "List of organisation accounts",
    # Freshness and captions
    "Stand: bouw {build} van {when}": "As of: build {build} of {when}",
    "Stand: onbekend (het warehouse bevat geen bouwgegevens)": "As of: unknown (the warehouse has no build data)",
    "Bron: {source}. {stand}; geldt voor het hele warehouse, niet alleen de gekozen periode.":
        "Source: {source}. {stand}; applies to the whole warehouse, not only the chosen period.",
    "Bron: {source}. {stand}.": "Source: {source}. {stand}.",
    "Bron: {source}.": "Source: {source}.",
    "Periode: wat de bron zelf opgeeft; voor berichten het eerste en laatste opgeslagen bericht; leeg met een "
    "toelichting als de bron geen periode heeft. Records gelezen = alles wat in het bestand stond, geladen = wat na "
    "controle in het warehouse kwam, dubbel = records die met een eerdere versie zijn samengevoegd.":
        "Period: what the source itself states; for posts the first and last stored message; empty with a note when "
        "the source has no period. Records read = everything in the file, loaded = what reached the warehouse after "
        "checks, duplicate = records merged with an earlier version.",
    "Volledige paden en controlegetallen alleen voor de rol Beheer.":
        "Full paths and checksums only for the role Administration.",
    "Per bouw en soort bron: aantal bestanden en records, en de vroegste en laatste periode.":
        "Per build and kind of source: number of files and records, and the earliest and latest period.",
    "Eén rij per bouw in het warehouse (deze en eerdere, overgenomen bij het bouwen), nieuwste eerst.":
        "One row per build in the warehouse (this one and earlier ones, carried over when building), newest first.",
    "Dit gaat over de laatste bouw; eerdere bouwen staan in de bouwgeschiedenis op deze pagina.":
        "This is about the last build; earlier builds are in the build history on this page.",
    "Het uittreksel is vóór opslag geredigeerd en alleen zichtbaar voor de rol Beheer.":
        "The excerpt was redacted before storage and is only visible for the role Administration.",
    "Het ruwe uittreksel van elk record is alleen zichtbaar voor de rol Beheer.":
        "The raw excerpt of each record is only visible for the role Administration.",
    ETL_TEXT_NOTE: "Reasons and messages are shown as the build wrote them into the warehouse, in the language of the "
                   "reader that found them (mostly Dutch), with file names and values inside; they are not translated.",
    "Eigen indicatoren van het dashboard en de enquête-indicatoren uit dim_indicator.":
        "The dashboard's own indicators and the survey indicators from dim_indicator.",
    "Alleen de soorten die in de geladen cijfers voorkomen; 'Totaal misdrijven' (0.0.0) wordt nooit bij de soorten "
    "opgeteld.": "Only the types that occur in the loaded figures; 'Total crime' (0.0.0) is never added to the types.",
    # Privacy
    "Pseudoniemen": "Pseudonyms",
    "Redactie van tekst": "Redaction of text",
    "Bewaartermijn": "Retention period",
    "Rollen": "Roles",
    PSEUDONYM_DESCRIPTION:
        "Writers are not stored by name. Every writer gets a pseudonym: an HMAC-SHA256 of platform and account with a "
        "secret key that only the administrator knows and that is never in the warehouse or a log. Without that key a "
        "pseudonym cannot be traced back to a person, and a guessed name cannot be tested either. The dashboard counts "
        "pseudonyms (number of participants) but shows them nowhere and never filters on a person. Names of "
        "organisations and links are kept only for posts by organisation accounts.",
    REDACTION_DESCRIPTION:
        "Before a post is stored, everything that points to a person is replaced by a fixed placeholder in square "
        "brackets. The text stays readable for themes and tone, but the person drops out. What describes an incident "
        "stays: times, dates, amounts, police case numbers, service numbers, street names without a house number.",
    "Vingerafdruk van de sleutel van deze bouw: **{fingerprint}**. Dezelfde vingerafdruk betekent dezelfde sleutel, "
    "dus vergelijkbare pseudoniemen tussen bouwen; uit de vingerafdruk is de sleutel niet terug te vinden.":
        "Fingerprint of this build's key: **{fingerprint}**. The same fingerprint means the same key, so pseudonyms "
        "compare between builds; the key cannot be recovered from the fingerprint.",
    "Vingerafdruk van de sleutel: onbekend (deze bouw laadde geen berichten of legde geen sleutel vast).":
        "Key fingerprint: unknown (this build loaded no posts or recorded no key).",
    "Demo: de pseudoniemen zijn gemaakt met de openbare demosleutel; die beschermt niemand en mag nooit voor echte "
    "gegevens worden gebruikt.": "Demo: the pseudonyms were made with the public demo key; it protects nobody and must "
                                 "never be used for real data.",
    "Berichten ouder dan {months} maanden worden niet opgeslagen. Voor deze bouw is gerekend vanaf {reference}: "
    "berichten van vóór {cutoff} staan niet in het warehouse. Cijfers over berichten gaan daardoor nooit verder terug "
    "dan de bewaartermijn.": "Posts older than {months} months are not stored. For this build the count starts at "
                             "{reference}: posts from before {cutoff} are not in the warehouse. Figures about posts "
                             "therefore never go further back than the retention period.",
    "Onbekend: het warehouse bevat geen bouwgegevens.": "Unknown: the warehouse has no build data.",
    "Wat iemand ziet, hangt af van de rol bij het aanmelden:": "What someone sees depends on their role when signing in:",
    # Permissions (the role labels of wijkbeeld.auth have their English in wijkbeeld/ui.py)
    "totalen, kaarten en grafieken": "totals, maps and charts",
    "geredigeerde tekst van berichten (voorbeelden)": "redacted text of posts (examples)",
    "afgewezen records met ruwe uittreksels en het bouwlogboek": "rejected records with raw excerpts and the build log",
    # Indicator labels and units: the dashboard's own and dim_indicator's (etl/readers/veiligheidsmonitor.py)
    "Aandeel berichten over een thema": "Share of posts about a theme",
    "Deelnemers per 1.000 inwoners": "Participants per 1,000 inhabitants",
    "% bewonersberichten beantwoord door een organisatie": "% of resident posts answered by an organisation",
    "Tijd tot eerste antwoord": "Time to first answer",
    "per 1.000 inwoners per jaar": "per 1,000 inhabitants per year",
    "per 1.000 inwoners": "per 1,000 inhabitants",
    "% met 95%-interval": "% with 95% interval",
    "uren (mediaan en 90e percentiel)": "hours (median and 90th percentile)",
    # Definitions
    DASHBOARD_INDICATORS.at[0, "definition"]:
        "Registered crimes in the period, divided by the number of person-years, times 1,000. Person-years: per month "
        "the population of the same year, summed and divided by 12 (so a year counts as that year's population). "
        "Unknown when the source withholds a count, does not publish every month or there is no population figure.",
    DASHBOARD_INDICATORS.at[1, "definition"]:
        "Posts and comments on the district's page(s), divided by the person-years over only the months the page "
        "existed, times 1,000. A page for several districts counts for each district. No page: unknown, not zero.",
    DASHBOARD_INDICATORS.at[2, "definition"]:
        "Share of inhabitants who sometimes feel unsafe in their own neighbourhood, from the most recent measurement "
        "up to the end of the period, with the 95% confidence interval (as published, or Wilson for own surveys). With "
        "too few respondents no figure is shown.",
    DASHBOARD_INDICATORS.at[3, "definition"]:
        "Posts and comments in the district with the theme, divided by all posts and comments in the district in the "
        "same period. Themes are assigned automatically by keywords; a post can have several themes.",
    DASHBOARD_INDICATORS.at[4, "definition"]:
        "Number of different residents (pseudonyms) who wrote in the period, divided by the average population over "
        "the months the page existed, times 1,000. Participants are counted, never shown.",
    DASHBOARD_INDICATORS.at[5, "definition"]:
        "Share of resident posts (not comments) that got a reply in the thread from an account of the municipality, "
        "police, a housing association or a welfare organisation.",
    DASHBOARD_INDICATORS.at[6, "definition"]:
        "Hours between a resident's post and the first reply by an organisation account in the same thread, over the "
        "answered posts.",
    "Enquête-indicator, uitgedrukt als {unit}; {direction}. ": "Survey indicator, expressed as {unit}; {direction}. ",
    "hoger is ongunstiger": "higher is worse",
    "hoger is gunstiger": "higher is better",
    "Metingen {first}–{last}; {known} waarden bekend, {missing} leeg (te weinig respondenten of niet gepubliceerd).":
        "Measurements {first}–{last}; {known} values known, {missing} empty (too few respondents or not published).",
    "Dit warehouse bevat (nog) geen metingen van deze indicator.":
        "This warehouse holds no measurements of this indicator (yet).",
    # Methods (titles here, explanations: wijkbeeld.stats.METHOD_EXPLANATIONS)
    "Cijfers per 1.000 inwoners": "Figures per 1,000 inhabitants",
    "Gladstrijken bij kleine gebieden": "Smoothing for small areas",
    "Hotspots: opvallende stijgingen": "Hotspots: notable increases",
    "Marges van enquêtecijfers": "Margins of survey figures",
    "Verschillen toetsen": "Testing differences",
    "Effect van een wijkpagina": "Effect of a district page",
    "Beleving naast registratie": "Perception beside registration",
    "**{title}.** {text}": "**{title}.** {text}",
})

# English of wijkbeeld.stats.METHOD_EXPLANATIONS (keys: the Dutch text, so an edited explanation falls back to Dutch
# until its English is updated here; tests check every current explanation has English). The same English as
# wijkbeeld/q_compare.py registers for the explanations it shows, so both pages read alike.
i18n.register({
    'Aantallen delen we door het aantal inwoners van hetzelfde jaar en tonen we per 1.000 inwoners; is er voor '
    'een jaar nog geen inwonertal, dan gebruiken we het laatst bekende en zeggen we dat erbij. Gebieden met '
    'minder dan 200 inwoners krijgen geen plaats in een ranglijst, omdat een paar incidenten daar het cijfer al '
    'sterk verschuift. Ontbrekende of afgeschermde aantallen blijven leeg en tellen nooit als nul.':
        'We divide counts by the number of inhabitants of the same year and show them per 1,000 inhabitants; when a '
        'year has no population figure yet, we use the latest known one and say so. Areas with fewer than 200 '
        'inhabitants get no place in a ranking, because a few incidents already shift the figure strongly there. '
        'Missing or withheld counts stay empty and never count as zero.',
    'Bij kleine gebieden schommelen cijfers sterk door toeval. Het gladgestreken cijfer trekt elk gebiedscijfer '
    'naar het gemeentelijk gemiddelde, sterker naarmate het gebied kleiner is (empirisch Bayes, Marshall 1991). '
    'Zo zie je welke verschillen groot genoeg zijn om niet alleen toeval te zijn.':
        "In small areas figures swing strongly by chance. The smoothed figure pulls each area's figure towards the "
        'municipal average, more strongly the smaller the area (empirical Bayes, Marshall 1991). That shows which '
        'differences are large enough not to be chance alone.',
    'Per gebied en soort incident vergelijken we de laatste drie maanden met wat de eigen geschiedenis van '
    'minstens 24 maanden voorspelt, rekening houdend met seizoenen en het huidige niveau. Een stijging wordt '
    'alleen gemarkeerd als die na correctie voor het aantal tegelijk getoetste gebieden (Benjamini-Hochberg, q = '
    '0,10) nog opvalt; gebieden met te weinig geschiedenis worden niet getoetst en dat staat erbij.':
        "Per area and kind of incident we compare the last three months with what the area's own history of at least "
        '24 months predicts, taking seasons and the current level into account. A rise is flagged only when it still '
        'stands out after correcting for the number of areas tested at the same time (Benjamini-Hochberg, q = 0.10); '
        'areas with too little history are not tested, and the page says so.',
    'Enquêtecijfers zijn schattingen op basis van een steekproef; de marge geeft aan waar het echte percentage '
    'met 95% zekerheid ligt. Voor eigen enquêtes berekenen we de marge met de Wilson-methode, rekening houdend '
    'met weging; cijfers van de Veiligheidsmonitor tonen we met hun gepubliceerde marges. Bij minder dan 30 '
    'respondenten tonen we geen cijfer.':
        'Survey figures are estimates from a sample; the margin shows where the true percentage lies with 95% '
        'certainty. For own surveys we compute the margin with the Wilson method, taking weighting into account; '
        'Safety Monitor figures are shown with their published margins. With fewer than 30 respondents we show no '
        'figure.',
    'Een verschil tussen twee gebieden of jaren noemen we alleen significant als het 95%-interval van dat '
    'verschil nul niet bevat. Dat interval leiden we af uit de marges van beide cijfers, dus overlappende marges '
    'betekenen niet automatisch dat er geen verschil is.':
        'We call a difference between two areas or years significant only when the 95% interval of that difference '
        'does not contain zero. That interval is derived from the margins of both figures, so overlapping margins do '
        'not automatically mean there is no difference.',
    'Om het effect van een wijkpagina te schatten vergelijken we de verandering in wijken met een pagina, van '
    'vóór tot na de start, met dezelfde verandering in wijken die (nog) geen pagina hadden (verschil-in-'
    'verschillen, met aparte vergelijkingen per startmoment). De marge komt uit het herhaald opnieuw trekken van '
    'hele wijken. Omdat wijken niet geloot zijn, is dit een aanwijzing en geen bewijs.':
        'To estimate the effect of a district page we compare the change in districts with a page, from before to '
        'after the launch, with the same change in districts that did not (yet) have a page (difference-in-'
        'differences, with separate comparisons per launch moment). The margin comes from repeatedly resampling whole'
        ' districts. Because districts were not chosen at random, this is an indication, not proof.',
    'We zetten per gebied het percentage mensen dat zich wel eens onveilig voelt naast het aantal geregistreerde '
    'incidenten per 1.000 inwoners, beide uitgedrukt als afstand tot het gemiddelde van de gebieden. Alleen als '
    'het verschil tussen die twee groter is dan de onzekerheid van beide cijfers samen, noemen we een gebied '
    "'voelt onveiliger' of 'voelt veiliger' dan de cijfers; anders 'in lijn'.":
        'Per area we set the percentage of people who sometimes feel unsafe beside the number of registered incidents'
        ' per 1,000 inhabitants, both expressed as the distance to the average of the areas. Only when the difference'
        " between the two is larger than the uncertainty of both figures together do we say an area 'feels less safe'"
        " or 'feels safer' than the figures; otherwise 'in line'.",
})

# English of etl/text/redact.py REDACTION_PLACEHOLDERS descriptions (keys: the Dutch text, as above).
i18n.register({
    "Telefoonnummer: mobiel, vast of buitenlands (servicenummers als 112, 0800 en 0900 blijven staan)":
        "Phone number: mobile, landline or foreign (service numbers such as 112, 0800 and 0900 stay)",
    "E-mailadres": "E-mail address",
    "Bankrekeningnummer (IBAN)": "Bank account number (IBAN)",
    "Kenteken van een voertuig": "Vehicle registration number",
    "Adres: straat met huisnummer, of postcode met huisnummer": "Address: street with house number, or postcode with "
                                                                 "house number",
    "Link naar een persoonlijk profiel (Facebook, Instagram, WhatsApp, X, TikTok, LinkedIn, Telegram)":
        "Link to a personal profile (Facebook, Instagram, WhatsApp, X, TikTok, LinkedIn, Telegram)",
    "Naam van een persoon: @-vermelding, getagde naam of bekende deelnemer aan het gesprek":
        "Name of a person: @-mention, tagged name or known participant in the conversation",
    "Burgerservicenummer (BSN, gecontroleerd met de elfproef)":
        "Citizen service number (BSN, checked with the eleven test)",
})

Q_BUILD = """
SELECT build_id, built_at, is_demo, schema_version, pseudonym_key_fingerprint, retention_months, reference_date,
       seconds, records_rejected
FROM meta_build ORDER BY built_at DESC
"""

# Posts files carry no period of their own: the first and last stored message of each file stand in (after
# retention, so a file can look shorter than it was).
Q_SOURCES = """
WITH post_span AS (
    SELECT source_file, min(created_at) AS first_at, max(created_at) AS last_at FROM fct_post GROUP BY source_file
)
SELECT f.build_id, b.built_at, f.source_kind, f.path, f.sha256,
       f.records_read, f.records_loaded, f.records_rejected, f.duplicates_merged,
       f.period_start, f.period_end,
       CAST(ps.first_at AT TIME ZONE 'Europe/Amsterdam' AS DATE) AS posts_first,
       CAST(ps.last_at AT TIME ZONE 'Europe/Amsterdam' AS DATE) AS posts_last
FROM meta_source_file f
LEFT JOIN meta_build b USING (build_id)
LEFT JOIN post_span ps ON f.source_kind = 'posts' AND ps.source_file = f.path
ORDER BY b.built_at DESC NULLS LAST, f.source_kind, f.path
"""

Q_REJECT_SUMMARY = """
SELECT r.build_id, b.built_at, r.source_file, r.reason, count(*) AS records
FROM meta_rejected_record r LEFT JOIN meta_build b USING (build_id)
GROUP BY ALL ORDER BY b.built_at DESC NULLS LAST, records DESC, r.source_file, r.reason
"""

# Two fixed statements, so the raw excerpt is not even read for roles that may not see it.
Q_REJECTS = """
SELECT r.build_id, r.source_file, r.record, r.reason, count(*) OVER () AS total
FROM meta_rejected_record r LEFT JOIN meta_build b USING (build_id)
ORDER BY b.built_at DESC NULLS LAST, r.source_file, r.record LIMIT $limit
"""
Q_REJECTS_WITH_RAW = """
SELECT r.build_id, r.source_file, r.record, r.reason, r.raw_excerpt, count(*) OVER () AS total
FROM meta_rejected_record r LEFT JOIN meta_build b USING (build_id)
ORDER BY b.built_at DESC NULLS LAST, r.source_file, r.record LIMIT $limit
"""

Q_BUILD_LOG = """
SELECT build_id, seq, logged_at, level, message FROM meta_build_log
WHERE $level IS NULL OR level = $level
ORDER BY logged_at DESC, build_id, seq
"""

Q_SURVEY_INDICATORS = """
SELECT d.indicator, d.label, d.unit, d.higher_is_worse,
       count(s.value) AS values_known, count(*) FILTER (WHERE s.indicator IS NOT NULL AND s.value IS NULL) AS values_missing,
       min(s.period_start) AS first_period, max(s.period_start) AS last_period
FROM dim_indicator d LEFT JOIN fct_survey s USING (indicator)
GROUP BY ALL ORDER BY d.indicator
"""

Q_CRIME_TYPES = """
SELECT c.crime_group, c.crime_code, c.label, c.theme, t.label AS theme_label
FROM dim_crime_type c LEFT JOIN dim_theme t USING (theme)
ORDER BY c.crime_group, string_split(c.crime_code, '.')::INTEGER[]
"""



def _file_label(path: object) -> str:
    """The last two parts of a path: enough to recognise the file without showing the server's folders."""
    parts = PurePath(str(path)).parts
    return "/".join(parts[-2:]) if parts else ""


def _t(text: object, lang: str) -> object:
    return i18n.translate(text, lang) if isinstance(text, str) else text


def _translated(values: pd.Series, lang: str) -> pd.Series:
    """Fixed texts of this module in `lang`; missing stays missing."""
    return values if lang != "en" else values.map(lambda v: _t(v, lang)).astype("string")


def q_builds(wh: Warehouse) -> pd.DataFrame:
    return wh.query(Q_BUILD)


def builds_table(builds: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """The build history: one row per build the warehouse remembers, newest first."""
    built = pd.to_datetime(builds["built_at"], utc=True).dt.tz_convert("Europe/Amsterdam")
    kind = builds["is_demo"].astype("boolean").map({True: "demo", False: "echt"}).astype("string")
    return pd.DataFrame({
        "Bouw": builds["build_id"].array,
        "Gebouwd op": pd.array(built.dt.strftime("%d-%m-%Y %H:%M"), dtype="string"),
        "Schemaversie": builds["schema_version"].astype("Int64").array,
        "Duur (s)": builds["seconds"].astype("Float64").round(1).array,
        "Afgewezen records": builds["records_rejected"].astype("Int64").array,
        "Soort gegevens": _translated(kind, lang).array,
        "Vingerafdruk sleutel": builds["pseudonym_key_fingerprint"].astype("string").array,
    })


def q_sources(wh: Warehouse) -> pd.DataFrame:
    """Every source file of every build in the warehouse with its period, freshness and record counts."""
    out = wh.query(Q_SOURCES)
    out["kind_label"] = out["source_kind"].map(SOURCE_KIND_LABELS).fillna(out["source_kind"])
    out["file"] = out["path"].map(_file_label)
    derived = out["period_start"].isna() & out["posts_first"].notna()
    out["period_from"] = out["period_start"].where(~derived, out["posts_first"])
    out["period_to"] = out["period_end"].where(~derived, out["posts_last"])
    out["period_note"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[derived, "period_note"] = "eerste en laatste opgeslagen bericht"
    out.loc[out["period_from"].isna(), "period_note"] = "de bron geeft geen periode op"
    out.loc[out["period_from"].isna() & (out["source_kind"] == "boundaries"), "period_note"] = "grenzen: geen periode"
    out.loc[out["period_from"].isna() & (out["source_kind"] == "posts"), "period_note"] = "geen berichten opgeslagen"
    return out


def sources_table(sources: pd.DataFrame, *, full_paths: bool, lang: str = "nl") -> pd.DataFrame:
    built = pd.to_datetime(sources["built_at"], utc=True)
    out = pd.DataFrame({
        "Soort": _translated(sources["kind_label"].astype("string"), lang).array,
        "Bestand": (sources["path"] if full_paths else sources["file"]).array,
        "Periode van": _dates(sources["period_from"]),
        "Periode tot en met": _dates(sources["period_to"]),
        "Toelichting periode": _translated(sources["period_note"], lang).array,
        "Ingelezen op": built.dt.tz_convert("Europe/Amsterdam").dt.strftime("%d-%m-%Y %H:%M").array,
        "Records gelezen": sources["records_read"].astype("Int64").array,
        "Geladen": sources["records_loaded"].astype("Int64").array,
        "Afgewezen": sources["records_rejected"].astype("Int64").array,
        "Dubbel (samengevoegd)": sources["duplicates_merged"].astype("Int64").array,
        "Bouw": sources["build_id"].array,
    })
    if full_paths:
        out["SHA-256"] = sources["sha256"].array
    return out


def sources_summary(sources: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Per build (newest first) and kind of source: files, record counts and the span of their periods. A national
    warehouse has thousands of posts files; this is the readable view, the per-file list stays available."""
    frame = sources.assign(built=pd.to_datetime(sources["built_at"], utc=True),
                           period_from=pd.to_datetime(sources["period_from"]),
                           period_to=pd.to_datetime(sources["period_to"]))
    counts = ["records_read", "records_loaded", "records_rejected", "duplicates_merged"]
    grouped = frame.groupby(["build_id", "kind_label"], sort=False, dropna=False)
    out = grouped.agg(built=("built", "max"), files=("path", "size"), period_from=("period_from", "min"),
                      period_to=("period_to", "max"),
                      **{c: (c, "sum") for c in counts}, **{f"{c}_known": (c, "count") for c in counts})
    for column in counts:  # a sum over files of which one does not say is unknown, not an undercount
        out[column] = out[column].astype("Int64").where(out[f"{column}_known"] == out["files"])
    out = out.reset_index().sort_values(["built", "kind_label"], ascending=[False, True], na_position="last",
                                        kind="stable")
    return pd.DataFrame({
        "Bouw": out["build_id"].array,
        "Soort": _translated(out["kind_label"].astype("string"), lang).array,
        "Bestanden": out["files"].astype("Int64").array,
        "Periode van": _dates(out["period_from"]),
        "Periode tot en met": _dates(out["period_to"]),
        "Records gelezen": out["records_read"].astype("Int64").array,
        "Geladen": out["records_loaded"].astype("Int64").array,
        "Afgewezen": out["records_rejected"].astype("Int64").array,
        "Dubbel (samengevoegd)": out["duplicates_merged"].astype("Int64").array,
    })


def _dates(values: pd.Series) -> pd.array:
    return pd.array(pd.to_datetime(values).dt.strftime("%d-%m-%Y"), dtype="string")


def freshness(builds: pd.DataFrame, now: datetime | None = None) -> dict:
    """The newest build's time and its age in days; empty when the warehouse has no build row."""
    if builds.empty:
        return {}
    row = builds.iloc[0]
    built = pd.Timestamp(row["built_at"])
    built = built.tz_localize("UTC") if built.tzinfo is None else built
    now = pd.Timestamp(now or datetime.now(timezone.utc))
    return {"build_id": row["build_id"], "built_at": built, "age_days": max((now - built).days, 0),
            "built_local": built.tz_convert("Europe/Amsterdam").strftime("%d-%m-%Y %H:%M")}


def stand_text(fresh: dict, lang: str = "nl", escape=str) -> str:
    """'Stand: bouw X van <time>': what every warehouse-wide table on the page reflects (`escape` for the build id)."""
    if not fresh:
        return i18n.translate("Stand: onbekend (het warehouse bevat geen bouwgegevens)", lang)
    return i18n.translate("Stand: bouw {build} van {when}", lang).format(build=escape(fresh["build_id"]),
                                                                        when=fresh["built_local"])


def q_reject_summary(wh: Warehouse) -> pd.DataFrame:
    """Per build, file and reason: how many records were rejected."""
    out = wh.query(Q_REJECT_SUMMARY)
    out["file"] = out["source_file"].map(_file_label)
    return out


def reject_summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Reasons are ETL data (see ETL_TEXT_NOTE): shown as stored."""
    return pd.DataFrame({"Bouw": summary["build_id"].array, "Bestand": summary["file"].array,
                         "Reden": summary["reason"].array, "Aantal": summary["records"].astype("Int64").array})


def q_rejected_records(wh: Warehouse, *, include_raw: bool, limit: int = REJECTS_SHOWN) -> pd.DataFrame:
    """Rejected records (newest build first). The raw excerpt is only read with include_raw (data_admin)."""
    out = wh.query(Q_REJECTS_WITH_RAW if include_raw else Q_REJECTS, {"limit": int(limit)})
    out["file"] = out["source_file"].map(_file_label)
    return out


def rejects_table(rejects: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "Bouw": rejects["build_id"].array,
        "Bestand": rejects["file"].array,
        "Record": rejects["record"].array,
        "Reden": rejects["reason"].array,
    })
    if "raw_excerpt" in rejects:
        out["Uittreksel (geredigeerd)"] = rejects["raw_excerpt"].array
    return out


def q_build_log(wh: Warehouse, *, level: str | None = None) -> pd.DataFrame:
    """The build log, newest first; data_admin only."""
    out = wh.query(Q_BUILD_LOG, {"level": level})
    out["logged_at"] = pd.to_datetime(out["logged_at"], utc=True).dt.tz_convert("Europe/Amsterdam").dt.strftime("%d-%m-%Y %H:%M:%S")
    return out


def q_indicator_definitions(wh: Warehouse, lang: str = "nl") -> pd.DataFrame:
    """Survey indicators from dim_indicator (with how many values the warehouse holds) and the dashboard's own,
    with label, unit and definition in `lang`."""
    t = lambda text: i18n.translate(text, lang)  # noqa: E731
    survey = wh.query(Q_SURVEY_INDICATORS)
    direction = survey["higher_is_worse"].map({True: t("hoger is ongunstiger"), False: t("hoger is gunstiger")})
    unit_text = survey["unit"].map(SURVEY_UNITS[lang if lang in SURVEY_UNITS else "nl"]).fillna(survey["unit"])
    first = pd.to_datetime(survey["first_period"]).dt.year.astype("Int64")
    last = pd.to_datetime(survey["last_period"]).dt.year.astype("Int64")
    measured, empty = t("Metingen {first}–{last}; {known} waarden bekend, {missing} leeg (te weinig respondenten of niet "
                        "gepubliceerd)."), t("Dit warehouse bevat (nog) geen metingen van deze indicator.")
    intro = t("Enquête-indicator, uitgedrukt als {unit}; {direction}. ")
    definitions = [intro.format(unit=u, direction=d)
                   + (measured.format(first=f, last=la, known=k, missing=m) if pd.notna(f) else empty)
                   for u, d, f, la, k, m in zip(unit_text, direction, first, last, survey["values_known"],
                                                survey["values_missing"])]
    units = survey["unit"].map(UNIT_LABELS_EN).fillna(survey["unit"]) if lang == "en" else survey["unit"]
    survey_rows = pd.DataFrame({
        "indicator": survey["indicator"], "label": survey["label"].map(t), "unit": units,
        "higher_is_worse": survey["higher_is_worse"], "source": i18n.source_label(q.SOURCE_SURVEY, lang),
        "definition": pd.Series(definitions, index=survey.index, dtype="object"),
    })
    own = DASHBOARD_INDICATORS.assign(**{c: DASHBOARD_INDICATORS[c].map(t) for c in ("label", "unit", "definition")},
                                      source=DASHBOARD_INDICATORS["source"].map(lambda s: i18n.source_label(s, lang)))
    return pd.concat([own.assign(kind="dashboard"), survey_rows.assign(kind="enquête")], ignore_index=True)


def indicators_table(defs: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    direction = defs["higher_is_worse"].map({True: "hoger = ongunstiger", False: "hoger = gunstiger"})
    return pd.DataFrame({
        "Indicator": defs["label"].array,
        "Sleutel": defs["indicator"].array,
        "Eenheid": defs["unit"].array,
        "Richting": _translated(direction.astype("string"), lang).array,
        "Bron": defs["source"].array,
        "Definitie": defs["definition"].array,
    })


def q_crime_groups(wh: Warehouse) -> pd.DataFrame:
    """The CBS crime kinds in the warehouse per main group, with the matching post theme."""
    out = wh.query(Q_CRIME_TYPES)
    out["group_label"] = out["crime_group"].map(CRIME_GROUPS).fillna(out["crime_group"])
    return out


def crime_groups_table(crime: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Group and theme labels in `lang`; the CBS crime-type labels are data and stay as CBS wrote them. The
    crime-type column is named here: 'Soort misdrijf' means a crime group on another page's table."""
    return pd.DataFrame({
        "Groep": _translated(crime["group_label"].astype("string"), lang).array,
        "Code": crime["crime_code"].array,
        "Crime type" if lang == "en" else "Soort misdrijf": crime["label"].array,
        "Bijbehorend thema": _translated(crime["theme_label"].astype("string"), lang).fillna("—").array,
    })


def _module_literal(relative_path: str, name: str) -> object:
    """The literal assigned to `name` at the top level of a source file of this repository, or None.

    Reading the literal keeps one source of truth without importing the module (and what it imports)."""
    try:
        tree = ast.parse((ROOT / relative_path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == name and node.value is not None:
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                return None
    return None


@lru_cache(maxsize=1)
def method_explanations() -> dict[str, str]:
    """wijkbeeld.stats.METHOD_EXPLANATIONS, read from the source file: importing wijkbeeld.stats loads scipy (about
    a second on a cold start) for one dict of sentences. Falls back to the import if the literal cannot be read."""
    value = _module_literal("wijkbeeld/stats.py", "METHOD_EXPLANATIONS")
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    from wijkbeeld.stats import METHOD_EXPLANATIONS

    return dict(METHOD_EXPLANATIONS)


def methods(lang: str = "nl") -> list[tuple[str, str]]:
    """(title, explanation) for every method in wijkbeeld.stats.METHOD_EXPLANATIONS, in its order."""
    return [(i18n.translate(METHOD_TITLES.get(key, key.replace("_", " ").capitalize()), lang), i18n.translate(text, lang))
            for key, text in method_explanations().items()]


@lru_cache(maxsize=1)
def redaction_placeholders() -> dict[str, str]:
    """REDACTION_PLACEHOLDERS from etl/text/redact.py, read as a literal from the source file.

    Importing etl.text.redact would compile every redaction pattern (about 60 ms, pyarrow compute kernels) inside the
    dashboard for one dict; reading the literal keeps a single source of truth without that. Empty when the file or
    the constant cannot be found (the page then shows REDACTION_DESCRIPTION only)."""
    value = _module_literal("etl/text/redact.py", "REDACTION_PLACEHOLDERS")
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}



def roles_table(current_role: str | None, lang: str = "nl") -> pd.DataFrame:
    t = lambda text: i18n.translate(text, lang)  # noqa: E731
    return pd.DataFrame({
        "Rol": [t(ROLE_LABELS[r]) for r in ROLES],
        "Mag zien": ["; ".join(t(PERMISSION_LABELS.get(p, p)) for p in sorted(PERMISSIONS[r], key=list(PERMISSION_LABELS).index))
                     for r in ROLES],
        "Uw rol": [t("ja") if r == current_role else "" for r in ROLES],
    })


def privacy_facts(builds: pd.DataFrame) -> dict:
    """Key fingerprint, retention and its reference date of the newest build (None when unknown)."""
    if builds.empty:
        return {"fingerprint": None, "retention_months": None, "reference_date": None, "is_demo": None, "cutoff": None}
    row = builds.iloc[0]
    reference = pd.Timestamp(row["reference_date"]) if pd.notna(row["reference_date"]) else None
    months = int(row["retention_months"]) if pd.notna(row["retention_months"]) else None
    cutoff = (reference - pd.DateOffset(months=months)).date() if reference is not None and months is not None else None
    fingerprint = row["pseudonym_key_fingerprint"]
    return {"fingerprint": fingerprint if isinstance(fingerprint, str) and fingerprint else None,
            "retention_months": months, "reference_date": reference.date() if reference is not None else None,
            "is_demo": bool(row["is_demo"]), "cutoff": cutoff}


def deferred_downloads(state, frame: pd.DataFrame, name: str) -> None:
    """The shared download buttons (ui.downloads builds the files only when clicked)."""
    from wijkbeeld.ui import downloads

    downloads(state, frame, name)
