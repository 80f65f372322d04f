"""Throughput of the privacy text steps on realistic synthetic posts.

    python -m etl.text.bench_redact [N]

The posts imitate a neighbourhood Facebook page: short messages about break-ins, parking, noise and lost cats,
most with times, dates, amounts or a street name (which must stay), and 20% with a personal detail (phone
number, e-mail, address, number plate, @mention, profile link, IBAN). About 50,000 distinct authors per
million posts. Everything is generated from a fixed seed, so runs are comparable.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from etl.text.pseudonym import DEMO_PSEUDONYM_KEY, pseudonymise
from etl.text.redact import redact_series

PERSONAL_SHARE = 0.20
AUTHORS_PER_MILLION = 50_000

_STREETS = ("Grotestraat", "Stationsstraat", "Burg. van Houtlaan", "Kerkweg", "Molenpad", "Prins Hendrikkade",
            "Van Goghstraat", "Nieuwe Markt", "Sint Jansplein", "Beatrixlaan", "Eikendreef", "Havenkade")

_BENIGN = (
    "Vannacht om {time} weer een inbraak in de {street}. Let op jullie spullen!",
    "Wie heeft er rond {time} harde knallen gehoord bij het {place}?",
    "Op {date} is er een bijeenkomst over veiligheid in de wijk, aanvang {time}.",
    "Fiets gestolen bij de {place}, waarde € {amount}. Aangifte gedaan.",
    "Al {n} keer deze maand auto's opengebroken in de {street}, dit moet stoppen",
    "Politie was vanavond in de {street}, iemand een idee wat er aan de hand was?",
    "Kat vermist sinds {date}, grijs met witte pootjes. Omgeving {place}.",
    "Zaterdag {date} buurtschoonmaak, {n} vrijwilligers gezocht! Start {time} uur.",
    "Hangjongeren bij de {place} tot {time}, veel lawaai en afval.",
    "Melding gedaan bij de politie via 0900-8844, registratienummer {case}.",
    "De gemeente zegt dat er {n}% minder inbraken waren in {year}.",
    "Heel fijn dat de straatverlichting in de {street} eindelijk gerepareerd is",
    "Bij nood altijd 112 bellen, voor de gemeente 14 0416.",
    "Wat een mooie avond, {n} graden om {time}!",
    "Parkeeroverlast bij de school, elke ochtend tussen {time} en {time2}.",
    "Vandaag nog {amount} euro boete gekregen voor fout parkeren, {n} minuten te lang",
)
_PERSONAL = (
    "Wie herkent deze man? Bel mij op {phone}, alvast bedankt.",
    "Verdachte auto met kenteken {plate} rijdt al dagen rond in de {street}",
    "Gevonden: sleutelbos bij {street_address}. Ophalen kan, mail naar {email}",
    "@{handle} heb jij de camerabeelden van {time} nog?",
    "Spullen terug voor de eigenaar, stuur een bericht via {profile}",
    "Inzamelingsactie voor de familie: {iban} t.n.v. Buurtvereniging",
    "Mijn buurman op {street_address} is ook bestolen, bel hem op {phone}",
    "Doorgeven aan {postcode_address}, dank je {mention}!",
    "Goed gezien {participant}! Ik heb het ook bij de wijkagent gemeld.",
)
_PLACES = ("speeltuin", "Albert Heijn", "station", "sporthal", "bushalte", "winkelcentrum", "kerk", "park")
_FIRST = ("jan", "piet", "anne", "sanne", "mohamed", "fatima", "kees", "lotte", "daan", "emma", "noah", "julia")
_LAST = ("de Vries", "Jansen", "Bakker", "Yılmaz", "van den Berg", "El Amrani", "Visser", "Smit", "de Boer", "Mulder")
POSTS_PER_THREAD = 8
NAMES_PER_THREAD = 3


def synthetic_posts(n: int, seed: int = 20240301) -> pd.DataFrame:
    """Columns text, platform, author_ref and names (the thread's participant names, one tuple shared by the
    thread's posts, as the build passes them) for n posts; PERSONAL_SHARE of them hold a personal detail."""
    rng = np.random.default_rng(seed)
    personal = rng.random(n) < PERSONAL_SHARE
    benign_pick = rng.integers(0, len(_BENIGN), n)
    personal_pick = rng.integers(0, len(_PERSONAL), n)
    small = rng.integers(2, 60, n)
    hours = rng.integers(0, 24, n)
    minutes = rng.integers(0, 60, n)
    days = rng.integers(1, 29, n)
    months = rng.integers(1, 13, n)
    numbers = rng.integers(10_000_000, 99_999_999, n)
    streets = rng.integers(0, len(_STREETS), n)
    places = rng.integers(0, len(_PLACES), n)
    firsts = rng.integers(0, len(_FIRST), n)
    plate_letters = np.array(list("BDFGHJKLNPRSTVXZ"))[rng.integers(0, 16, (n, 3))]
    threads = max(1, -(-n // POSTS_PER_THREAD))
    thread_names = [
        tuple(f"{_FIRST[f].capitalize()} {_LAST[l]}" for f, l in zip(first_ids, last_ids))
        for first_ids, last_ids in zip(
            rng.integers(0, len(_FIRST), (threads, NAMES_PER_THREAD)),
            rng.integers(0, len(_LAST), (threads, NAMES_PER_THREAD)),
        )
    ]
    texts = []
    for i in range(n):
        street = _STREETS[streets[i]]
        first = _FIRST[firsts[i]]
        fields = {
            "time": f"{hours[i]:02d}:{minutes[i]:02d}",
            "time2": f"{(hours[i] + 1) % 24:02d}.{minutes[i]:02d}",
            "date": f"{days[i]:02d}-{months[i]:02d}-2024",
            "street": street,
            "place": _PLACES[places[i]],
            "amount": f"{small[i] * 25},00",
            "n": small[i],
            "year": 2015 + small[i] % 10,
            "case": f"2024{numbers[i] % 1_000_000:06d}",
        }
        if personal[i]:
            fields.update(
                phone=("06-{0}", "06 {1} {2:04d}", "+31 6 {0}", "0416-{3:06d}")[small[i] % 4].format(
                    numbers[i], numbers[i] // 10_000, numbers[i] % 10_000, numbers[i] % 1_000_000
                ),
                plate=f"{small[i]:02d}-{''.join(plate_letters[i])}-{small[i] % 10}",
                street_address=f"{street} {small[i]}",
                email=f"{first}.{numbers[i] % 997}@gmail.com",
                handle=f"{first}_{numbers[i] % 100}",
                mention=f"@{first.capitalize()} de Vries",
                profile=f"facebook.com/{first}.{numbers[i] % 1000}",
                iban=f"NL91 ABNA 0{numbers[i] % 1000:03d} {numbers[i] % 10_000:04d} {small[i]:02d}",
                postcode_address=f"{5141 + small[i]} AB {small[i]}",
                participant=thread_names[i // POSTS_PER_THREAD][0].split(" ")[0],
            )
            texts.append(_PERSONAL[personal_pick[i]].format(**fields))
        else:
            texts.append(_BENIGN[benign_pick[i]].format(**fields))
    authors = max(1, round(n * AUTHORS_PER_MILLION / 1_000_000))
    author_ids = rng.integers(0, authors, n)
    return pd.DataFrame(
        {
            "text": pd.Series(texts, dtype="string"),
            "platform": pd.Series(np.where(author_ids % 10 == 0, "whatsapp", "facebook"), dtype="string"),
            "author_ref": pd.Series([f"10000{a:07d}" for a in author_ids], dtype="string"),
            "names": pd.Series([thread_names[i // POSTS_PER_THREAD] for i in range(n)], dtype=object),
        }
    )


def _timed(function, *args, **kwargs):
    """(result, wall seconds, CPU seconds of this process): on a shared machine the CPU time is the steadier."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench(n: int = 1_000_000) -> dict:
    """Time redact_series (without and with the thread's participant names, as the build calls it) and
    pseudonymise on n synthetic posts. Figures are rows per second on one core, from wall-clock time
    ('_per_s') and from this process's CPU time ('_cpu_per_s')."""
    posts = synthetic_posts(n)
    redacted, redact_wall, redact_cpu = _timed(redact_series, posts["text"])
    with_names, names_wall, names_cpu = _timed(redact_series, posts["text"], posts["names"])
    tokens, pseudonym_wall, pseudonym_cpu = _timed(
        pseudonymise, posts["author_ref"], DEMO_PSEUDONYM_KEY, platform=posts["platform"]
    )
    return {
        "rows": n,
        "share_changed": round(float((redacted != posts["text"]).mean()), 4),
        "redact_seconds": round(redact_wall, 3),
        "redact_per_s": round(n / redact_wall),
        "redact_cpu_per_s": round(n / redact_cpu),
        "share_changed_with_names": round(float((with_names != posts["text"]).mean()), 4),
        "redact_with_names_seconds": round(names_wall, 3),
        "redact_with_names_per_s": round(n / names_wall),
        "redact_with_names_cpu_per_s": round(n / names_cpu),
        "distinct_authors": int(posts["author_ref"].nunique()),
        "distinct_pseudonyms": int(tokens.nunique()),
        "pseudonymise_seconds": round(pseudonym_wall, 3),
        "pseudonymise_per_s": round(n / pseudonym_wall),
        "pseudonymise_cpu_per_s": round(n / pseudonym_cpu),
    }


if __name__ == "__main__":
    print(bench(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
