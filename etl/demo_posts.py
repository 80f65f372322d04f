"""Posts and comments on the demo's wijk pages, written as Graph API page-feed JSON (one file per response page).

The text is synthetic Dutch in the register residents and officials use on such pages. Resident names are
invented; some messages deliberately carry personal details (phone numbers, e-mail, plates, addresses,
@mentions) so the build's redaction and pseudonymisation are exercised on every demo build.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ORG_ACCOUNTS = [
    ("200000000000001", "Gemeente Lindenwaard", "gemeente"),
    ("200000000000002", "Wijkagent Lindenwaard", "politie"),
    ("200000000000003", "Politie Lindenwaard-Zuid", "politie"),
    ("200000000000004", "Woonstichting De Linde", "corporatie"),
    ("200000000000005", "Welzijn Lindenwaard", "welzijn"),
]
CRIME_THEME = {"1.1.1 ": "inbraak", "1.2.3 ": "diefstal", "2.2.1 ": "vernieling"}

FIRST = ["Anja", "Bram", "Carla", "Dirk", "Esther", "Frank", "Gerda", "Hans", "Ilse", "Joost", "Karin", "Lars",
         "Marieke", "Niels", "Olga", "Pieter", "Ria", "Sander", "Tineke", "Ugur", "Vera", "Wim", "Yasmina", "Zeynep",
         "Ahmed", "Bianca", "Chantal", "Daan", "Fatima", "Gijs", "Henk", "Ingrid", "Jeroen", "Kees", "Linda", "Mo",
         "Noor", "Patrick", "Rachid", "Sanne", "Thijs", "Wendy", "Jolanda", "Bart", "Mehmet", "Priya", "Sven"]
LAST = ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
        "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
        "Yilmaz", "El Amrani", "Verbeek", "van den Berg", "Kok", "Schouten", "Koster", "Prins", "Kaya", "Willems"]
STREETS = ["Lindelaan", "Molenweg", "Havenkade", "Vlietstraat", "Kerkstraat", "Weidelaan", "Bloemhofplein",
           "Rietkraag", "Sluisdijk", "Meidoornstraat", "Zuiderpad", "Schoolstraat", "Boterbloemhof", "Dorpsstraat"]
PLACES = ["bij de speeltuin", "achter de supermarkt", "bij het winkelcentrum", "op het schoolplein", "bij de bushalte",
          "in het park", "bij de flat", "op het pleintje", "langs de vaart", "bij de sporthal", "achter de kerk"]
TIMES = ["vannacht", "gisteravond", "vanochtend", "rond 23:00", "om 02.30 uur", "afgelopen weekend", "zondagmiddag"]

# Resident messages per theme. {straat}, {plek}, {tijd}, {nr} are filled in.
RESIDENT = {
    "inbraak": [
        "Er is {tijd} ingebroken in de {straat}, achterdeur geforceerd. Let op jullie sloten!!",
        "Bij de buren is ingebroken terwijl ze op vakantie waren 😡 wie heeft iets gezien?",
        "Poging tot inbraak bij ons {tijd}, schuurdeur helemaal kapot. Politie is geweest.",
        "Weer een woninginbraak in de wijk, derde deze maand. Wat doet de politie hieraan?",
        "Inbrekers actief in de {straat}, ze proberen bij alle achterdeuren. Sluit alles goed af",
        "iemand heeft geprobeerd onze garage open te breken {tijd}... sporen op de deur",
        "Ingebroken bij de bakker op de hoek, ruit ingegooid en kassa weg",
    ],
    "diefstal": [
        "Mijn fiets is gejat {plek}, zwarte Gazelle met kinderzitje. Wie heeft hem gezien?",
        "Fietsendiefstal alweer {plek}. Ook al stond hij op slot met een kettingslot",
        "Pakketje gestolen van de stoep, bezorger had het voor de deur gezet 🙄",
        "Vannacht zijn bij drie auto's in de {straat} de spiegels en navigatie gestolen",
        "Let op je tas in de supermarkt, zakkenrollers actief bij de kassa",
        "Plantenbakken uit de voortuin meegenomen, wie doet nou zoiets",
        "e-bike weg uit de schuur, accu ook. Balen!!",
    ],
    "vernieling": [
        "Weer alles beklad met graffiti bij het {plek}. Zonde van het mooie nieuwe hek",
        "Bushokje {plek} is weer vernield, glas overal op straat",
        "Vandalen hebben {tijd} de bloembakken in de {straat} kapotgetrapt",
        "Autoruit ingeslagen {tijd}, niks weggenomen maar wel schade. Gewoon vernieling",
        "Lantaarnpaal omver gereden en niemand meldt het, de boel wordt kapot gemaakt hier",
    ],
    "geweld": [
        "Er was {tijd} een vechtpartij {plek}, iemand gewond afgevoerd",
        "Mijn zoon is bedreigd door een groep jongens {plek}, hij durft niet meer alleen te fietsen",
        "Straatroof bij de pinautomaat, oudere vrouw beroofd van haar tas. Schandalig",
        "Man mishandeld {plek} {tijd}, politie met meerdere wagens ter plaatse",
    ],
    "jongerenoverlast": [
        "Elke avond hangjongeren {plek}, harde muziek en geschreeuw tot diep in de nacht",
        "Groep jongeren op scooters die rondjes rijden door de {straat}, erg intimiderend",
        "Weer overlast van jongeren {plek}, ze laten alles achter en schelden mensen uit",
        "Die hangplek bij de sporthal wordt steeds erger, wanneer gaat de gemeente iets doen?",
        "jeugd hangt weer rond {plek}, vuurtjes stoken en blikjes overal",
    ],
    "drugs_drank": [
        "Er wordt gedeald {plek}, auto's die even stoppen en weer wegrijden. Iedereen ziet het",
        "Overal lachgaspatronen {plek}, ook die grote flessen. Levensgevaarlijk",
        "Sterke wietlucht in het portiek, elke avond weer. Ik word er misselijk van",
        "Dronken mensen die {tijd} lopen te schreeuwen in de {straat}",
        "drugsafval gevonden in de bosjes, zakjes en naalden. Pas op met kinderen!",
    ],
    "verkeer": [
        "Er wordt veel te hard gereden in de {straat}, dit is een 30 km zone! Wachten op een ongeluk",
        "Gevaarlijke situatie bij de school, ouders parkeren op de stoep en kinderen moeten de weg op",
        "Parkeeroverlast in de {straat}, busjes die de hele stoep blokkeren",
        "Weer een ongeluk op de kruising {plek}, er moet echt een drempel komen",
        "Scooters scheuren over het fietspad, iemand gaat een keer gewond raken",
        "Wie rijdt er toch elke nacht met 100 door de wijk? Levensgevaarlijk hardrijden",
    ],
    "afval_verloedering": [
        "Weer afval gedumpt naast de container {plek}, matras en zakken vuilnis 🤢",
        "Zwerfvuil overal langs de {straat}, wanneer wordt hier eens geveegd?",
        "Hondenpoep op het grasveld waar kinderen spelen, ruim het toch op mensen",
        "Containers puilen uit en het afval waait over straat. Wat een rommel",
        "De wijk verloedert, overal troep en kapotte stoeptegels",
    ],
    "burenoverlast": [
        "Buren hebben elk weekend tot 4 uur feest, harde bas door de muur. Wat kun je doen?",
        "Geluidsoverlast van de bovenburen, schreeuwen en deuren slaan. Iemand ervaring met buurtbemiddeling?",
        "Blaffende hond van de buren de hele dag als ze weg zijn",
    ],
    "vuurwerk_brand": [
        "Nu al zwaar vuurwerk {plek}, het is pas november. De hond is doodsbang",
        "Container in brand gestoken {tijd} {plek}, brandweer was er snel",
        "Cobra's en nitraten in de {straat}, ramen trillen. Dit is geen vuurwerk meer",
        "Autobrand {tijd} in de {straat}, waarschijnlijk aangestoken",
    ],
    "oplichting": [
        "Pas op: mijn moeder werd gebeld door een nep-agent die vroeg naar haar pinpas",
        "Ik kreeg een WhatsApp van 'mijn dochter' met een nieuw nummer, gelukkig niet ingetrapt. Fraude!",
        "Phishing sms van de 'bank' gaat rond, niet op de link klikken",
        "Twee mannen aan de deur met een babbeltruc, zogenaamd van de waterleiding. Niet binnenlaten!",
    ],
    "verdacht": [
        "Verdachte auto rijdt al een uur rondjes door de {straat}, donkere bestelbus. Iemand bekend?",
        "Twee mannen die bij de achterdeuren kijken {plek}. Verdacht! Politie gebeld",
        "Wie herkent deze man? Camerabeelden van onze deurbel van {tijd}",
        "Verdacht persoon loopt langs de auto's aan de deurklinken te trekken",
    ],
    "openbare_ruimte": [
        "Straatverlichting in de {straat} doet het al twee weken niet, erg donker 's avonds",
        "Stoeptegels liggen los {plek}, mijn moeder is bijna gevallen met de rollator",
        "Het groen wordt niet meer gemaaid, onkruid tot je knieën",
        "Speeltuin {plek} is kapot, schommel hangt er al maanden half",
        "Boom omgewaaid bij de {straat}, takken liggen nog op het fietspad",
    ],
    "activiteit": [
        "Wat een geslaagd buurtfeest zaterdag! Dank aan alle vrijwilligers 🎉",
        "Zijn er nog mensen die willen helpen met de burendag? Leuk om samen de wijk op te fleuren",
        "De koffieochtend in het buurthuis was heel gezellig, volgende keer weer!",
        "Rommelmarkt op het plein was super, leuk om zoveel buren te zien",
    ],
    "participatie": [
        "Goed dat er een wijkschouw komt, ik loop mee! Er is genoeg te zien hier",
        "Was gisteren op de bewonersavond, fijn dat we eindelijk gehoord worden",
        "Heeft iedereen de enquête over de wijk al ingevuld? Duurt maar 5 minuten",
        "Wanneer is de volgende wijktafel? Ik wil het graag over de verkeersveiligheid hebben",
    ],
    "buurtpreventie": [
        "Wie wil meedoen met de buurtpreventie? We lopen twee avonden per week een rondje",
        "Onze WhatsApp-buurtpreventie groep werkt goed, meld je aan als je in de {straat} woont",
        "Buurtwacht heeft gisteren drie open garagedeuren gevonden en bewoners gewaarschuwd. Top!",
    ],
    "vermist_gevonden": [
        "Onze kat Pip is sinds {tijd} vermist, rood-wit gestreept. Wie heeft hem gezien? 😢",
        "Sleutelbos gevonden {plek}, op te halen bij mij",
        "Hond gevonden zonder halsband {plek}, lief beestje. Wie mist hem?",
        "Kinderfietsje gevonden in de bosjes, van wie is deze?",
    ],
    None: [
        "Mooie foto van de wijk vanochtend 🌅",
        "Weet iemand een goede loodgieter in de buurt?",
        "Is de supermarkt morgen open met de feestdag?",
        "Gefeliciteerd met de nieuwe bakker op het plein!",
        "Heeft iemand nog een kinderwagen over?",
        "Wat een weer vandaag he",
    ],
}
# Short replies residents give under a post.
REPLIES_BY_TONE = [
    "Bij ons ook!!", "Wat erg 😢", "Goed dat je het meldt", "Dit is al maanden zo", "Eindelijk wordt er iets gedaan",
    "Schandalig gewoon", "Top initiatief!", "Heb het ook gezien", "Meld het bij de gemeente", "Dank voor het delen",
    "Echt heel fijn dat jullie dit doen", "Niet normaal meer hier", "Helemaal mee eens", "Ik kom ook!",
    "Politie komt toch niet", "Zelfde in onze straat", "Hopelijk vinden ze de dader", "Super, bedankt!",
]
# Official posts: (owner type, theme, text)
OFFICIAL = [
    ("politie", "getuigenoproep", "Getuigen gezocht: {tijd} is er ingebroken in een woning aan de {straat}. Heeft u iets gezien? Bel 0900-8844 of meld het anoniem."),
    ("politie", "getuigenoproep", "Wie herkent deze man? Hij wordt verdacht van een straatroof bij de pinautomaat. Tips via 0900-8844."),
    ("politie", "inbraak", "Let op: de afgelopen weken zijn er meer woninginbraken in de wijk. Sluit ramen en deuren, ook als u kort weg bent."),
    ("politie", "oplichting", "Waarschuwing: oplichters doen zich voor als agent en vragen om uw pinpas. De politie vraagt nooit om uw pincode!"),
    ("politie", "verkeer", "Vandaag controleren wij de snelheid in de {straat}. Helaas reden 23 bestuurders te hard."),
    ("politie", "drugs_drank", "Naar aanleiding van meldingen over drugshandel {plek} hebben wij extra gesurveilleerd."),
    ("gemeente", "participatie", "Doe mee met de wijkschouw op 12 maart! We lopen samen door de wijk en kijken wat beter kan."),
    ("gemeente", "participatie", "Bewonersavond in het buurthuis op donderdag om 19.30 uur. Thema: veiligheid in de wijk."),
    ("gemeente", "participatie", "Vul de enquête over leefbaarheid in uw wijk in en praat mee over de plannen."),
    ("gemeente", "afval_verloedering", "Grofvuil kunt u gratis laten ophalen. Zet het niet naast de container, dan krijgt u een boete."),
    ("gemeente", "openbare_ruimte", "Volgende week worden de stoepen in de {straat} vernieuwd. Excuses voor de overlast."),
    ("gemeente", "vuurwerk_brand", "Rond de jaarwisseling geldt een vuurwerkverbod in de hele wijk. Meld overlast via 14 0999."),
    ("gemeente", "jongerenoverlast", "De jongerenwerkers zijn in gesprek met de jongeren {plek}. Overlast? Meld het, dan kunnen we gericht handelen."),
    ("corporatie", "openbare_ruimte", "Onderhoud aan de portieken van de flats start maandag. De lift is een dag buiten gebruik."),
    ("corporatie", "burenoverlast", "Last van uw buren? Buurtbemiddeling helpt, gratis en vertrouwelijk."),
    ("welzijn", "activiteit", "Elke dinsdag koffieochtend in het buurthuis, iedereen is welkom! ☕"),
    ("welzijn", "activiteit", "Zaterdag buurtfeest op het plein met springkussen en muziek. Vrijwilligers gezocht!"),
    ("welzijn", "buurtpreventie", "Nieuwe vrijwilligers voor het buurtpreventieteam gezocht. Kom naar de informatieavond."),
]
OFFICIAL_REPLIES = {
    "gemeente": ["Bedankt voor uw melding. We hebben het doorgezet naar de afdeling beheer.",
                 "Dank u wel, we nemen contact met u op via een privébericht.",
                 "Goed dat u dit meldt! U kunt dit ook melden via de app Fixi of 14 0999."],
    "politie": ["Dank voor je melding. Doe aangifte via politie.nl of bel 0900-8844, dan kunnen wij er iets mee.",
                "Wij zijn op de hoogte en houden de situatie in de gaten. Zie je iets verdachts? Bel direct 112.",
                "Bedankt, de wijkagent komt langs."],
    "corporatie": ["Vervelend! Wilt u dit melden via onze website, dan sturen we een vakman."],
    "welzijn": ["Leuk! Kom gerust langs in het buurthuis."],
}
PERSONAL_DETAIL_SUFFIX = [
    " Bel me gerust op 06-{a}{b}", " Mail naar {first}.{lastslug}@voorbeeldmail.nl",
    " Het kenteken was {plate}", " Ik woon op {street} {house}", " Misschien weet @{first} {last} meer?",
    " Reageer via 0{area}-{c}", " Mijn nummer: +31 6 {a} {b}",
]
THEME_WEIGHTS_BY_CHARACTER = {
    "centrum": {"diefstal": 3, "drugs_drank": 2.5, "jongerenoverlast": 2, "geweld": 1.5, "afval_verloedering": 2},
    "oud": {"verkeer": 2, "openbare_ruimte": 2, "inbraak": 1.5},
    "gezin": {"verkeer": 3, "activiteit": 2, "inbraak": 1.5, "vermist_gevonden": 2},
    "naoorlogs": {"jongerenoverlast": 3, "afval_verloedering": 3, "vernieling": 2, "drugs_drank": 2, "burenoverlast": 2},
    "nieuwbouw": {"verkeer": 2.5, "activiteit": 1.5, "openbare_ruimte": 2},
}


def _iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


class _Writer:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.residents = [(f"{f} {l}", str(100000000000000 + i * 7919)) for i, (f, l) in
                          enumerate((FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]) for i in range(420))]

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def fill(self, template: str) -> str:
        return template.format(straat=self.pick(STREETS), plek=self.pick(PLACES), tijd=self.pick(TIMES),
                               nr=int(self.rng.integers(1, 80)))

    def personal_detail(self, author: str) -> str:
        first, last = author.split(" ", 1)
        other_first, other_last = self.pick(FIRST), self.pick(LAST)
        return self.pick(PERSONAL_DETAIL_SUFFIX).format(
            a=f"{int(self.rng.integers(1000, 9999))}", b=f"{int(self.rng.integers(1000, 9999))}",
            c=f"{int(self.rng.integers(100000, 999999))}", area=self.pick(["10", "20", "416", "73"]),
            first=other_first, last=other_last, lastslug=last.lower().replace(" ", ""),
            plate=self.pick(["12-ABC-3", "XZ-99-KL", "7-TRS-21", "GH-123-J"]),
            street=self.pick(STREETS), house=int(self.rng.integers(1, 140)))

    def reactions(self, base: float) -> dict:
        total = int(self.rng.poisson(base))
        shares = self.rng.dirichlet([6, 1.5, 0.5, 0.7, 1.2, 1.0, 0.4])
        counts = np.floor(shares * total).astype(int)
        counts[0] += total - counts.sum()
        names = ["like", "love", "haha", "wow", "sad", "angry", "care"]
        out = {"reactions": {"data": [], "summary": {"total_count": total, "viewer_reaction": "NONE"}}}
        for name, c in zip(names, counts):
            out[name] = {"data": [], "summary": {"total_count": int(c)}}
        return out


def write_page_feeds(out: Path, *, rng: np.random.Generator, pages: list, until: datetime,
                     surge_themes: dict[str, str | None], surge_from: datetime, page_size: int = 100) -> tuple[list, int]:
    """Write each page's feed as Graph API response pages. Returns ([(page_id, relative path)], record count)."""
    w = _Writer(rng)
    org_by_type = {}
    for ref, name, owner in ORG_ACCOUNTS:
        org_by_type.setdefault(owner, []).append((name, ref))
    post_files: list[tuple[str, str]] = []
    n_records = 0
    serial = 5_000_000_000  # post numbers are unique across pages, as Graph ids are
    for page_id, page_name, wijken, launch, owner in pages:
        character = wijken[0].character
        weights = {t: 1.0 for t in RESIDENT if t is not None}
        weights.update(THEME_WEIGHTS_BY_CHARACTER.get(character, {}))
        surge_theme = surge_themes.get(wijken[0].code)
        start = datetime(launch.year, launch.month, launch.day, 9, tzinfo=timezone.utc)
        days = (until - start).days
        posts = []
        # Activity is highest in the weeks after launch, then settles.
        n_posts = int(260 + days * 1.05)
        offsets = np.sort(rng.beta(0.9, 1.15, size=n_posts) * days)
        for i, offset in enumerate(offsets):
            created = start + timedelta(days=float(offset), hours=float(rng.uniform(0, 14)))
            if created > until:
                continue
            official = rng.random() < 0.16
            if official:
                otype, theme, template = OFFICIAL[int(rng.integers(len(OFFICIAL)))]
                author, author_id = w.pick(org_by_type[otype])
                text = w.fill(template)
                react_base = 14
            else:
                keys = list(weights)
                p = np.array([weights[k] for k in keys])
                if surge_theme and created >= surge_from:
                    p[keys.index(surge_theme)] *= 4
                theme = keys[int(rng.choice(len(keys), p=p / p.sum()))] if rng.random() > 0.12 else None
                author, author_id = w.pick(w.residents)
                text = w.fill(w.pick(RESIDENT[theme]))
                if rng.random() < 0.12:
                    text += w.personal_detail(author)
                react_base = 6
            serial += 1
            post_id = f"{page_id}_{serial}"
            comments = []
            n_comments = int(rng.poisson(1.3 if not official else 2.0))
            t = created
            for c in range(n_comments):
                t = t + timedelta(minutes=float(rng.exponential(180)))
                r_author, r_id = w.pick(w.residents)
                msg = w.pick(REPLIES_BY_TONE)
                if rng.random() < 0.05:
                    msg += w.personal_detail(r_author)
                comment = {"id": f"{serial}_{c + 1}", "created_time": _iso(t), "message": msg,
                           "from": {"name": r_author, "id": r_id}, "like_count": int(rng.poisson(1.2))}
                comments.append(comment)
            if not official and rng.random() < 0.45:
                # An official account answers a resident; response time in hours, skewed.
                otype = "politie" if theme in ("inbraak", "diefstal", "geweld", "drugs_drank", "verdacht", "oplichting") else (
                    "corporatie" if owner == "corporatie" and rng.random() < 0.5 else "gemeente")
                org_name, org_id = w.pick(org_by_type[otype])
                answer_at = created + timedelta(hours=float(rng.gamma(1.6, 5.0 if otype == "gemeente" else 3.0)))
                reply = {"id": f"{serial}_{n_comments + 1}", "created_time": _iso(answer_at),
                         "message": w.pick(OFFICIAL_REPLIES[otype]), "from": {"name": org_name, "id": org_id},
                         "like_count": int(rng.poisson(2))}
                if comments and rng.random() < 0.5:
                    comments[0]["comments"] = {"data": [reply], "summary": {"total_count": 1}}
                else:
                    comments.append(reply)
            comments.sort(key=lambda c: c["created_time"])
            total_comments = sum(1 + len(c.get("comments", {}).get("data", [])) for c in comments)
            post = {"id": post_id, "created_time": _iso(created), "message": text,
                    "from": {"name": author, "id": author_id},
                    "permalink_url": f"https://www.facebook.com/{page_id}/posts/{serial}",
                    "status_type": "mobile_status_update",
                    **w.reactions(react_base),
                    "comments": {"data": comments, "summary": {"order": "chronological", "total_count": total_comments,
                                                               "can_comment": True}}}
            shares = int(rng.poisson(2.5 if official else 0.4))
            if shares:
                post["shares"] = {"count": shares}
            posts.append(post)
            n_records += 1 + total_comments
        posts.sort(key=lambda p: p["created_time"], reverse=True)  # the Graph API returns newest first
        folder = out / "posts" / page_id
        folder.mkdir(parents=True, exist_ok=True)
        n_pages = max(1, -(-len(posts) // page_size))
        for p in range(n_pages):
            chunk = posts[p * page_size:(p + 1) * page_size]
            paging = {"cursors": {"before": f"b{p}", "after": f"a{p}"}}
            if p + 1 < n_pages:
                paging["next"] = (f"https://graph.facebook.com/v21.0/{page_id}/feed?limit={page_size}&after=a{p}"
                                  "&access_token=REDACTED")
            rel = f"posts/{page_id}/feed_{p + 1:03d}.json"
            (out / rel).write_text(json.dumps({"data": chunk, "paging": paging}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
            post_files.append((page_id, rel))
    return post_files, n_records
