"""Dutch text normalisation shared by the theme, tone and learned classifiers.

Two levels:
- `clean_text` works on a whole post: non-text becomes '', HTML tags, entities and URLs go, case is folded.
- `normalize_token` works on one token: accents go ("geïrriteerd" -> "geirriteerd"), runs of three or more equal
  letters shrink ("heeeel" -> "heel", "zooo" -> "zo"), chat spellings map to the standard word ("nie" -> "niet").

Tokens are cheap to normalise once and expensive to normalise a million times, so callers cache per unique token
(`TokenCache`). Stemming uses the Snowball Dutch stemmer (snowballstemmer, STEMMER_ALGORITHM) through `stem`, also cached.
"""
from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Callable, Iterable

import snowballstemmer

# Posts longer than this are cut before tokenising: nobody writes a neighbourhood post this long, and a pasted
# document should not stall a batch. 200,000 characters is far above the 100 KB the classifier must survive.
MAX_TEXT_CHARS = 200_000

# Words (letters of any script, accents included), numbers, emoji/pictographs, and sentence punctuation that
# closes negation and phrase windows.
TOKEN_RE = re.compile(r"[^\W\d_]+|\d+|[\U0001F000-\U0001FAFF\u2600-\u27BF]|[.!?;]+")
_TAG_RE = re.compile(r"<[^>]{0,2000}>")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_RUN3_RE = re.compile(r"(\w)\1{2,}")
PUNCTUATION_CHARS = frozenset(".!?;")

# Chat and informal spellings seen on neighbourhood pages -> standard Dutch (one token to one token).
CHAT_SPELLINGS: dict[str, str] = {
    "nie": "niet", "nt": "niet", "gn": "geen", "ff": "even", "effe": "even", "efkes": "even",
    "gwn": "gewoon", "gewn": "gewoon", "idd": "inderdaad", "mss": "misschien", "wss": "waarschijnlijk",
    "egt": "echt", "eggt": "echt", "zn": "zijn", "mn": "mijn", "dr": "er",
    "wrm": "waarom", "wnr": "wanneer", "okee": "oke", "okay": "oke", "ok": "oke",
    "thx": "bedankt", "thnx": "bedankt", "tnx": "bedankt", "bedankd": "bedankt", "thanks": "bedankt",
    "merci": "bedankt", "dankje": "dankjewel", "dankuwel": "dankjewel", "dankjwl": "dankjewel",
    "pls": "alsjeblieft", "plz": "alsjeblieft", "aub": "alstublieft",
    "pliesie": "politie", "polisie": "politie", "polietie": "politie", "popo": "politie",
    "savonds": "avonds", "snachts": "nachts", "smorgens": "morgens", "smiddags": "middags",
    "autos": "auto", "tog": "toch", "kheb": "heb", "kzie": "zie", "tis": "is",
}


def clean_text(text: object) -> str:
    """One post -> lower-case plain text. None, NA, NaN and non-strings become ''."""
    if not isinstance(text, str):
        if text is None or (isinstance(text, float) and math.isnan(text)):
            return ""
        try:  # pandas.NA and numpy scalars: treat anything that is not a real string as missing text
            import pandas as pd

            if pd.isna(text):
                return ""
        except (TypeError, ValueError):
            pass
        text = str(text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "http" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    return text.lower()


def tokenize(text: str) -> list[str]:
    """Tokens of an already cleaned (lower-case) text."""
    return TOKEN_RE.findall(text)


def strip_accents(token: str) -> str:
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_token(token: str, vocabulary: Iterable[str] | Callable[[str], bool] = ()) -> str:
    """Normalise one lower-case token. `vocabulary` (known words) decides how letter runs shrink."""
    word = strip_accents(token)
    if _RUN3_RE.search(word):
        known = vocabulary if callable(vocabulary) else set(vocabulary).__contains__
        doubled = _RUN3_RE.sub(r"\1\1", word)
        single = _RUN3_RE.sub(r"\1", word)
        if known(doubled) or doubled in CHAT_SPELLINGS:
            word = doubled
        elif known(single) or single in CHAT_SPELLINGS:
            word = single
        else:
            word = doubled
    return CHAT_SPELLINGS.get(word, word)


# The original Snowball Dutch algorithm (called "dutch" before snowballstemmer 3.0, now "dutch_porter"). The newer
# "dutch" strips ge- anywhere and conflates too much for rule matching: getuigen -> tuig, gemeente and mening
# -> meen, gaten -> gaat, lastig -> last. Rules list participles explicitly, so the conservative stemmer wins.
STEMMER_ALGORITHM = "dutch_porter"
_STEMMER = snowballstemmer.stemmer(STEMMER_ALGORITHM)
_STEM_CACHE: dict[str, str] = {}


def stem(word: str) -> str:
    """Snowball Dutch stem of a normalised word, cached per unique word (stemming costs about 20 us)."""
    cached = _STEM_CACHE.get(word)
    if cached is None:
        cached = _STEMMER.stemWord(word) if len(word) > 2 and word.isalpha() else word
        if len(_STEM_CACHE) < 2_000_000:  # bound memory on pathological input
            _STEM_CACHE[word] = cached
    return cached


class TokenCache(dict):
    """dict raw-token -> computed value that fills itself: `cache[token]` computes once per unique token."""

    def __init__(self, compute: Callable[[str], object], max_size: int = 2_000_000):
        super().__init__()
        self._compute = compute
        self._max_size = max_size

    def __missing__(self, token: str):
        value = self._compute(token)
        if len(self) < self._max_size:
            self[token] = value
        return value
