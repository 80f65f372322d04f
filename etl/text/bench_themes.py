"""Throughput benchmark for classify_texts (called by `make bench`).

    python -m etl.text.bench_themes [N]

Synthetic posts are built from sentence fragments in the style of neighbourhood pages (incidents, questions,
announcements, replies, emoji, typos, street names and numbers that make many unique tokens), so the token
cache sees a realistic mix of repeated and new words. Generation is not timed.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from etl.text.themes import classify_texts, load_taxonomy
from wijkbeeld.settings import get_settings

_OPENINGS = [
    "Vannacht is er bij ons ingebroken", "Let op mensen", "Weet iemand", "Gisteravond", "Pas op",
    "Politie: in de wijk", "Gemeente:", "Wijkagent meldt", "Bij ons ook!!", "Heeft iemand", "Ik zag net",
    "Weer een", "Zaterdag", "Wie herkent", "Zijn er meer mensen", "Help!", "Top dat", "Balen,",
]
_MIDDLES = [
    "mijn fiets is gejat bij de {street}", "de schuur is opengebroken", "hangjongeren bij het winkelcentrum",
    "er wordt zo hard gereden in de {street}", "overal zwerfvuil en hondenpoep", "lachgas patronen in de goot",
    "een verdachte auto met {n} mannen", "buurtfeest op het plein", "koffieochtend in het buurthuis",
    "de lantaarnpaal doet het niet", "vuurwerk en harde knallen", "een containerbrand bij nr {n}",
    "oplichters aan de deur, nep agenten", "onze kat {name} is vermist", "getuigen gezocht, bel 0900-8844",
    "de buren hebben elke nacht keiharde muziek", "bewonersavond over de {street}", "de buurtpreventie loopt",
    "autoruit ingeslagen en navigatie weg", "iemand is mishandeld bij de snackbar", "het is echt heel gezellig",
    "niet veilig meer hier", "geen probleem hoor", "de stoep ligt al maanden open", "dronken mensen om 4 uur",
    "een pakketje van de stoep gepikt", "graffiti op de school", "heeeel irritant", "wat een mooie speeltuin",
]
_ENDINGS = ["😡", "😢", "👍", "❤️", "!!", "?", ".", "", " Bedankt!", " Wees alert.", " Graag delen",
            " https://example.org/x?y=1", " <b>update</b>", " groetjes"]
_STREETS = ["Lindelaan", "Kerkstraat", "Dorpsweg", "Molenstraat", "Beukenlaan", "Vlierstraat", "Esdoornlaan"]
_NAMES = ["Minoes", "Sammy", "Pip", "Max", "Tommie", "Bolletje", "Kees"]


def synthetic_posts(n: int, seed: int = 7) -> list[str]:
    """n synthetic posts (deterministic for a seed); about 1 in 40 is empty or None, some contain HTML/URLs."""
    rng = np.random.default_rng(seed)
    openings = rng.integers(0, len(_OPENINGS), n)
    middles = rng.integers(0, len(_MIDDLES), (n, 2))
    endings = rng.integers(0, len(_ENDINGS), n)
    numbers = rng.integers(1, 400, n)
    streets = rng.integers(0, len(_STREETS), n)
    names = rng.integers(0, len(_NAMES), n)
    kinds = rng.integers(0, 40, n)
    posts: list = []
    for i in range(n):
        if kinds[i] == 0:
            posts.append(None if i % 2 else "")
            continue
        fill = {"street": _STREETS[streets[i]], "n": numbers[i], "name": _NAMES[names[i]]}
        first = _MIDDLES[middles[i, 0]].format(**fill)
        text = f"{_OPENINGS[openings[i]]} {first}"
        if kinds[i] > 20:
            text += f", en {_MIDDLES[middles[i, 1]].format(**fill)}"
        posts.append(text + _ENDINGS[endings[i]] + f" #{numbers[i] * 7 + i % 1000}")
    return posts


def bench(n: int = 1_000_000) -> dict:
    """Time classify_texts on n synthetic posts (default settings: 2 worker processes for large n).

    Returns {'posts_per_s' (wall clock), 'n', 'seconds', 'cpu_seconds' (this process plus its finished
    workers), 'posts_per_cpu_s', 'with_theme'}. On a shared machine the wall-clock figure depends on what else
    runs; posts_per_cpu_s is the per-core speed, and 2 x that is the ceiling on an idle 2-core machine.
    """
    taxonomy = load_taxonomy(get_settings().themes_file)
    posts = synthetic_posts(n)
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    result = classify_texts(posts, taxonomy)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    return {
        "posts_per_s": n / seconds if seconds > 0 else float("inf"),
        "n": n,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "posts_per_cpu_s": n / cpu if cpu > 0 else float("inf"),
        "with_theme": int((result["themes"] != "").sum()),
    }


def _cpu_seconds() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(bench(count))
