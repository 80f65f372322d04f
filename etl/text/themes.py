"""Rule-based multi-label theme classifier for Dutch neighbourhood posts, plus tone in the same pass.

The taxonomy (data/themes.yml, editable by the gemeente; its header documents the syntax) lists per theme
terms, phrases and exclusions. `load_taxonomy` validates it; `classify_texts` labels posts:

    themes   'inbraak;verdacht' (taxonomy order) or '' when no theme matched
    matched  JSON object theme -> words in the post that triggered it (for "waarom dit thema"), '{}' when none
    tone     int8 -1 / 0 / 1 (see etl/text/tone.py)

How a word matches (all work on normalised tokens, see etl/text/normalize.py):
- a plain term matches the same word form, the same Snowball stem, or a compound that ends in the term
  (head of the word or of its stem: "fietsendiefstal" -> diefstal, "hangjongeren" -> hangjonger*)
- "=w" exact form only; "w*" prefix; "*w" suffix; "*w*" infix
- phrases match words in order within one sentence; "..." allows up to PHRASE_GAP other words
- exclusions remove the hits of a theme on the words an exclusion covers (see the YAML header)

Speed: everything that depends on a word alone (normalising, stemming, all pattern look-ups, tone role) is
computed once per unique token and cached, so a post costs one regex pass plus one dict look-up per token.
Large inputs are split over a process pool (PARALLEL_MIN_POSTS, default 2 workers).
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import yaml

from etl.text import tone as tone_mod
from etl.text.normalize import (
    CHAT_SPELLINGS,
    TOKEN_RE,
    TokenCache,
    clean_text,
    normalize_token,
    stem,
    strip_accents,
)

if TYPE_CHECKING:  # pragma: no cover
    from etl.text.learned import LearnedModel

REQUIRED_THEME_FIELDS = ("key", "label", "group", "description", "terms", "phrases", "exclusions")
ALLOWED_GROUPS = ("veiligheid", "leefbaarheid", "gemeenschap")
PHRASE_GAP = 3                # "..." in a phrase: at most this many other words in between
MIN_LITERAL_CHARS = 3         # shortest literal part of a wildcard or stem term
MIN_COMPOUND_HEAD = 4         # shortest term that also matches as the head of a compound
MIN_COMPOUND_MODIFIER = 3     # shortest modifier in front of such a head ("autobrand": "auto")
# Inputs at least this large are classified in a process pool; smaller ones are faster in-process.
PARALLEL_MIN_POSTS = 100_000
PARALLEL_CHUNK_POSTS = 50_000
DEFAULT_PROCESSES = 2

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_WORD_RE = re.compile(r"^(?:[^\W\d_]+|\d+)$")


class TaxonomyError(ValueError):
    """The taxonomy file cannot be used. The message names the file, the theme and the field."""


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    group: str
    description: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...]
    exclusions: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    groups: tuple[tuple[str, str], ...] = ()
    source: str = field(default="", compare=False)

    @property
    def keys(self) -> list[str]:
        return [theme.key for theme in self.themes]

    def theme(self, key: str) -> Theme:
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(key)


# ----------------------------------------------------------------------------------------------- loading


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read and validate a themes YAML file; any problem raises TaxonomyError naming theme and field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise TaxonomyError(f"{path}: cannot read the taxonomy ({err.strerror or err})") from err
    except yaml.YAMLError as err:
        raise TaxonomyError(f"{path}: not valid YAML ({err})") from err
    taxonomy = taxonomy_from_dict(raw, source=str(path))
    return taxonomy


def taxonomy_from_dict(raw: object, source: str = "<taxonomy>") -> Taxonomy:
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), list) or not raw["themes"]:
        raise TaxonomyError(f"{source}: expected a mapping with a non-empty list 'themes'")
    groups = raw.get("groups") or {g: g.capitalize() for g in ALLOWED_GROUPS}
    if not isinstance(groups, dict):
        raise TaxonomyError(f"{source}: 'groups' must be a mapping key -> label")
    unknown_groups = set(groups) - set(ALLOWED_GROUPS)
    if unknown_groups:
        raise TaxonomyError(f"{source}: unknown group(s) {sorted(unknown_groups)}; allowed: {', '.join(ALLOWED_GROUPS)}")
    themes: list[Theme] = []
    seen: set[str] = set()
    for index, item in enumerate(raw["themes"]):
        where = f"{source}: theme #{index + 1}"
        if not isinstance(item, dict):
            raise TaxonomyError(f"{where}: must be a mapping with fields {', '.join(REQUIRED_THEME_FIELDS)}")
        key = item.get("key")
        if isinstance(key, str) and key:
            where = f"{source}: theme '{key}'"
        for name in REQUIRED_THEME_FIELDS:
            if name not in item:
                raise TaxonomyError(f"{where}: field '{name}' is missing")
        unknown = set(item) - set(REQUIRED_THEME_FIELDS)
        if unknown:
            raise TaxonomyError(f"{where}: unknown field(s) {sorted(unknown)}")
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise TaxonomyError(f"{where}: field 'key' must be lower-case letters, digits and _ (got {key!r})")
        if key in seen:
            raise TaxonomyError(f"{where}: field 'key' is used twice")
        seen.add(key)
        for name in ("label", "description"):
            if not isinstance(item[name], str) or not item[name].strip():
                raise TaxonomyError(f"{where}: field '{name}' must be a non-empty text")
        if item["group"] not in ALLOWED_GROUPS:
            raise TaxonomyError(f"{where}: field 'group' must be one of {', '.join(ALLOWED_GROUPS)} (got {item['group']!r})")
        lists = {}
        for name in ("terms", "phrases", "exclusions"):
            value = item[name]
            if value is None:
                value = []
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise TaxonomyError(f"{where}: field '{name}' must be a list of non-empty texts")
            lists[name] = tuple(v.strip() for v in value)
        if not lists["terms"] and not lists["phrases"]:
            raise TaxonomyError(f"{where}: fields 'terms' and 'phrases' are both empty, the theme can never match")
        for term in lists["terms"]:
            problem = _word_pattern_problem(term, allow_alternatives=False)
            if problem:
                raise TaxonomyError(f"{where}: field 'terms': {term!r} {problem}")
        for name in ("phrases", "exclusions"):
            for text in lists[name]:
                parts = text.split(" + ") if name == "exclusions" else [text]
                for part in parts:
                    problem = _phrase_problem(part.strip())
                    if problem:
                        raise TaxonomyError(f"{where}: field '{name}': {text!r} {problem}")
        themes.append(Theme(key, item["label"].strip(), item["group"], " ".join(item["description"].split()),
                            lists["terms"], lists["phrases"], lists["exclusions"]))
    return Taxonomy(tuple(themes), tuple((str(k), str(v)) for k, v in groups.items()), source)


def _word_pattern_problem(word: str, allow_alternatives: bool) -> str | None:
    if not allow_alternatives and "|" in word:
        return "contains '|': alternatives are only allowed inside phrases"
    if " " in word.strip():
        return "contains a space: a term is one word, put word groups under 'phrases'"
    for alternative in word.split("|") if allow_alternatives else [word]:
        body = alternative[1:] if alternative.startswith("=") else alternative
        literal = body.strip("*")
        if not literal:
            return "has no letters"
        if "*" in literal:
            return "has '*' in the middle: use it only at the start and/or end"
        normal = strip_accents(literal.lower())
        if not _WORD_RE.match(normal):
            return ("mixes letters with digits or punctuation; the text is split into words of letters only "
                    "or digits only, so it would never match (write it as a phrase, e.g. 'km u')")
        if body != literal and len(normal) < MIN_LITERAL_CHARS:
            return f"wildcard needs at least {MIN_LITERAL_CHARS} letters"
        if alternative.startswith("=") and body != literal:
            return "combines '=' with '*'"
    return None


def _phrase_words(phrase: str) -> list[str]:
    """Words of a phrase; apostrophes and hyphens split words as the tokenizer does ("foto's" = "foto s")."""
    return phrase.replace("'", " ").replace("\u2019", " ").replace("-", " ").split()


def _phrase_problem(phrase: str) -> str | None:
    words = _phrase_words(phrase)
    if not words:
        return "is empty"
    if words[0] == "..." or words[-1] == "...":
        return "cannot start or end with '...'"
    for word in words:
        if word == "...":
            continue
        problem = _word_pattern_problem(word, allow_alternatives=True)
        if problem:
            return f"word {word!r} {problem}"
    return None


# --------------------------------------------------------------------------------------------- compiling

STEM, EXACT, PREFIX, SUFFIX, INFIX = "stem", "exact", "prefix", "suffix", "infix"


def _parse_word(word: str) -> tuple[str, str]:
    """'=jat' -> (EXACT, 'jat'); 'fiets*' -> (PREFIX, 'fiets'); 'inbraak' -> (STEM, 'inbraak')."""
    if word.startswith("="):
        return EXACT, normalize_token(strip_accents(word[1:].lower()))
    literal = normalize_token(strip_accents(word.strip("*").lower()))
    starts, ends = word.startswith("*"), word.endswith("*")
    if starts and ends:
        return INFIX, literal
    if ends:
        return PREFIX, literal
    if starts:
        return SUFFIX, literal
    return STEM, literal


EMPTY = None  # token info for a word that matters to nothing (the common case)
# Token info tuple: (normalised word, theme hits, phrase elements it fits, sequences anchored on it,
# tone (kind, polarity, multiplier) or None, is sentence punctuation).


@dataclass
class _Sequence:
    elements: list[tuple[int, int]]   # (element id, max words skipped before it)
    theme: int
    exclusion: int                    # -1 for a phrase, else index into _Compiled.exclusions
    part: int


class _Compiled:
    """Look-up tables built from a taxonomy; one per taxonomy (cached)."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.keys = taxonomy.keys
        self.n_themes = len(self.keys)
        self.exact: dict[str, set[int]] = {}
        self.stems: dict[str, set[int]] = {}
        self.heads: dict[str, set[int]] = {}
        self.prefix: dict[str, set[int]] = {}
        self.suffix: dict[str, set[int]] = {}
        self.infix: list[tuple[str, int]] = []
        self.sequences: list[_Sequence] = []
        self.exclusions: list[tuple[int, int]] = []  # (theme, number of parts)
        self._element_ids: dict[tuple[tuple[str, str], ...], int] = {}
        self._element_words: list[tuple[tuple[str, str], ...]] = []
        # Targets: 0..n_themes-1 are theme hits, n_themes + e is element e of some sequence.
        for t, theme in enumerate(taxonomy.themes):
            for term in theme.terms:
                self._add_word(term, t)
            for phrase in theme.phrases:
                self.sequences.append(_Sequence(self._sequence_elements(phrase), t, -1, 0))
            for exclusion in theme.exclusions:
                parts = [p.strip() for p in exclusion.split(" + ")]
                exclusion_id = len(self.exclusions)
                self.exclusions.append((t, len(parts)))
                for part_index, part in enumerate(parts):
                    self.sequences.append(_Sequence(self._sequence_elements(part), t, exclusion_id, part_index))
        self.known_words = self._known_words()
        self.lexicon = tone_mod.load_lexicon()
        self.known_words |= self.lexicon.known_words()
        # Each sequence is looked at only when its rarest-looking element (its anchor) occurs in a post, so
        # phrases full of "de", "op", "bij" cost nothing on posts that lack their content word.
        self.anchored: dict[int, list[int]] = {}
        for s, sequence in enumerate(self.sequences):
            anchor = max((e for e, _ in sequence.elements), key=self._element_specificity)
            self.anchored.setdefault(anchor, []).append(s)
        self.required = [frozenset(e for e, _ in sequence.elements) for sequence in self.sequences]

    def _element_specificity(self, element: int) -> int:
        """Shortest literal among the element's alternatives; wildcards count a little less than words."""
        return min(len(literal) - (kind != STEM and kind != EXACT) for kind, literal in self._element_words[element])

    def _add_word(self, word: str, target: int) -> None:
        kind, literal = _parse_word(word)
        if kind == EXACT:
            self.exact.setdefault(literal, set()).add(target)
        elif kind == STEM:
            self.exact.setdefault(literal, set()).add(target)
            self.stems.setdefault(stem(literal), set()).add(target)
            if len(literal) >= MIN_COMPOUND_HEAD:
                self.heads.setdefault(literal, set()).add(target)
                if len(stem(literal)) >= MIN_COMPOUND_HEAD:
                    self.heads.setdefault(stem(literal), set()).add(target)
        elif kind == PREFIX:
            self.prefix.setdefault(literal, set()).add(target)
        elif kind == SUFFIX:
            self.suffix.setdefault(literal, set()).add(target)
        else:
            self.infix.append((literal, target))

    def _sequence_elements(self, phrase: str) -> list[tuple[int, int]]:
        elements: list[tuple[int, int]] = []
        gap = 0
        for word in _phrase_words(phrase):
            if word == "...":
                gap = PHRASE_GAP
                continue
            alternatives = tuple(sorted(_parse_word(w) for w in word.split("|")))
            element = self._element_ids.get(alternatives)
            if element is None:
                element = len(self._element_ids)
                self._element_ids[alternatives] = element
                self._element_words.append(alternatives)
                for alt in word.split("|"):
                    self._add_word(alt, self.n_themes + element)
            elements.append((element, gap))
            gap = 0
        return elements

    def _known_words(self) -> set[str]:
        words = set(self.exact) | set(CHAT_SPELLINGS) | set(CHAT_SPELLINGS.values())
        words |= set(self.prefix) | set(self.suffix)
        return words

    # -- per unique token ------------------------------------------------------------------------

    def targets_of(self, norm: str) -> set[int]:
        found: set[int] = set()
        if not norm or not norm[0].isalnum():
            return found
        exact = self.exact.get(norm)
        if exact:
            found |= exact
        if not norm.isalpha():
            return found
        word_stem = stem(norm)
        hit = self.stems.get(word_stem)
        if hit:
            found |= hit
        n = len(norm)
        for candidate in (norm, word_stem) if word_stem != norm else (norm,):
            # compound heads: modifier of >= MIN_COMPOUND_MODIFIER letters + a known plain term
            for i in range(MIN_COMPOUND_MODIFIER, len(candidate) - MIN_COMPOUND_HEAD + 1):
                hit = self.heads.get(candidate[i:])
                if hit:
                    found |= {t for t in hit if t < self.n_themes}  # phrase words do not split compounds
            for k in range(MIN_LITERAL_CHARS, len(candidate) + 1):
                hit = self.suffix.get(candidate[-k:])
                if hit:
                    found |= hit
        for k in range(MIN_LITERAL_CHARS, n + 1):
            hit = self.prefix.get(norm[:k])
            if hit:
                found |= hit
        for literal, target in self.infix:
            if literal in norm:
                found.add(target)
        return found

    def token_info(self, raw: str):
        norm = normalize_token(raw, self.known_words.__contains__)
        targets = self.targets_of(norm)
        kind, polarity, multiplier = self.lexicon.lookup(norm)
        if not targets and kind == tone_mod.NONE:
            return EMPTY
        themes = tuple(sorted(t for t in targets if t < self.n_themes))
        elements = frozenset(t - self.n_themes for t in targets if t >= self.n_themes)
        anchored = tuple(sorted(s for e in elements for s in self.anchored.get(e, ())))
        tone_item = (kind, polarity, multiplier) if kind != tone_mod.NONE else None
        return (norm, themes, elements, anchored, tone_item, kind == tone_mod.BOUNDARY)




@lru_cache(maxsize=8)
def _compile(taxonomy: Taxonomy) -> _Compiled:
    return _Compiled(taxonomy)


# ---------------------------------------------------------------------------------------- classifying


class _Classifier:
    """Classifies posts with a compiled taxonomy and a per-token cache."""

    def __init__(self, taxonomy: Taxonomy):
        self.compiled = _compile(taxonomy)
        self.cache = TokenCache(self.compiled.token_info)
        self.json_cache: dict[tuple, str] = {}
        self.keys = self.compiled.keys
        self.tone_prior = [tone_mod.theme_tone_prior(theme.key, theme.group) for theme in taxonomy.themes]

    def classify(self, text: object) -> tuple[str, str, int]:
        cleaned = clean_text(text)
        if not cleaned:
            return "", "{}", 0
        cache = self.cache
        tokens = TOKEN_RE.findall(cleaned)
        infos = [cache[token] for token in tokens]
        hits: dict[int, list[tuple[tuple[int, ...], str]]] = {}
        tone_items = []
        has_polar = False
        present: set[int] = set()   # phrase elements that occur somewhere in this post
        candidates: list[int] = []  # sequences whose anchor occurs
        for position, info in enumerate(infos):
            if info is None:
                continue
            norm, themes, elements, anchored, tone_item, _ = info
            if themes:
                for theme in themes:
                    if theme in hits:
                        hits[theme].append(((position,), norm))
                    else:
                        hits[theme] = [((position,), norm)]
            if elements:
                present.update(elements)
                if anchored:
                    candidates.extend(anchored)
            if tone_item is not None:
                tone_items.append((position, *tone_item))
                if tone_item[1]:
                    has_polar = True
        if candidates:
            self._match_sequences(infos, present, candidates, hits)
        prior = 0.0
        for theme in hits:
            if self.tone_prior[theme] < prior:
                prior = self.tone_prior[theme]
        if prior or has_polar:
            tone_value = tone_mod.post_tone(tone_items, prior, tone_mod.is_official(cleaned, tokens))
        else:
            tone_value = 0
        if not hits:
            return "", "{}", tone_value
        ordered = sorted(hits)
        key = tuple((t, tuple(dict.fromkeys(label for _, label in hits[t]))) for t in ordered)
        matched = self.json_cache.get(key)
        if matched is None:
            matched = json.dumps({self.keys[t]: list(labels) for t, labels in key}, ensure_ascii=False)
            if len(self.json_cache) < 500_000:
                self.json_cache[key] = matched
        return ";".join(self.keys[t] for t in ordered), matched, tone_value

    def _match_sequences(self, infos, present: set[int], anchored: list[int], hits) -> None:
        """Add phrase hits, then drop hits covered by exclusions. Only sequences whose every element occurs
        in the post are scanned (a cheap subset test), and exclusions only for themes that have hits."""
        compiled = self.compiled
        required = compiled.required
        candidates = sorted({s for s in anchored if required[s] <= present})
        if not candidates:
            return
        phrase_ids = [s for s in candidates if compiled.sequences[s].exclusion < 0]
        for s in phrase_ids:
            sequence = compiled.sequences[s]
            for positions in self._scan(sequence, infos):
                label = " ".join(infos[p][0] for p in positions)
                hits.setdefault(sequence.theme, []).append((positions, label))
        if not hits:
            return
        exclusion_spans: dict[int, dict[int, list[tuple[int, ...]]]] = {}
        for s in candidates:
            sequence = compiled.sequences[s]
            if sequence.exclusion < 0 or sequence.theme not in hits:
                continue
            spans = self._scan(sequence, infos)
            if spans:
                exclusion_spans.setdefault(sequence.exclusion, {})[sequence.part] = spans
        for exclusion, parts in exclusion_spans.items():
            theme, n_parts = compiled.exclusions[exclusion]
            if theme not in hits or len(parts) < n_parts:
                continue
            covered = {p for spans in parts.values() for span in spans for p in span}
            kept = [hit for hit in hits[theme] if covered.isdisjoint(hit[0])]
            if kept:
                hits[theme] = kept
            else:
                del hits[theme]

    @staticmethod
    def _scan(sequence: "_Sequence", infos) -> list[tuple[int, ...]]:
        """All matches of one sequence: word positions, each match starting at a different position."""
        first = sequence.elements[0][0]
        rest = sequence.elements[1:]
        n = len(infos)
        found_spans: list[tuple[int, ...]] = []
        for start, info in enumerate(infos):
            if info is None or first not in info[2]:
                continue
            positions = [start]
            current = start
            for element, gap in rest:
                found = -1
                stop = current + 2 + gap
                for j in range(current + 1, stop if stop < n else n):
                    candidate = infos[j]
                    if candidate is None:
                        continue
                    if candidate[5]:  # sentence punctuation ends a phrase
                        break
                    if element in candidate[2]:
                        found = j
                        break
                if found < 0:
                    positions = None
                    break
                positions.append(found)
                current = found
            if positions is not None:
                found_spans.append(tuple(positions))
        return found_spans


@lru_cache(maxsize=8)
def _classifier(taxonomy: Taxonomy) -> _Classifier:
    return _Classifier(taxonomy)


def _classify_chunk(args: tuple[Taxonomy, list]) -> tuple[list[str], list[str], bytes]:
    taxonomy, texts = args
    classifier = _classifier(taxonomy)
    themes, matched, tones = [], [], np.empty(len(texts), dtype=np.int8)
    for i, text in enumerate(texts):
        t, m, tone_value = classifier.classify(text)
        themes.append(t)
        matched.append(m)
        tones[i] = tone_value
    return themes, matched, tones.tobytes()


def classify_texts(
    texts: Iterable[str | None],
    taxonomy: Taxonomy,
    model: "LearnedModel | None" = None,
    processes: int | None = None,
) -> pd.DataFrame:
    """One row per input text, in order: themes (str), matched (JSON str), tone (int8).

    With `model` (etl.text.learned.load_model) the themes are rules OR model: a theme the model predicts with
    probability >= model.threshold is added, with matched entry 'model:<probability>'. Tone is always lexical.
    `processes`: worker processes for large inputs (default DEFAULT_PROCESSES; 1 keeps it in-process).
    """
    items = texts.tolist() if isinstance(texts, (pd.Series, pd.Index, np.ndarray)) else list(texts)
    processes = DEFAULT_PROCESSES if processes is None else max(1, int(processes))
    processes = min(processes, os.cpu_count() or 1)
    fork_available = "fork" in _start_methods()
    if processes > 1 and fork_available and len(items) >= PARALLEL_MIN_POSTS:
        themes, matched, tones = _classify_parallel(items, taxonomy, processes)
    else:
        themes, matched, tone_bytes = _classify_chunk((taxonomy, items))
        tones = np.frombuffer(tone_bytes, dtype=np.int8)
    frame = pd.DataFrame({
        "themes": pd.array(themes, dtype="string"),
        "matched": pd.array(matched, dtype="string"),
        "tone": pd.array(tones, dtype="int8"),
    })
    if model is not None:
        from etl.text.learned import combine_with_model

        frame = combine_with_model(frame, items, model, taxonomy)
    return frame


_PARALLEL_INPUT: tuple[Taxonomy, list] | None = None  # read by forked workers (inherited, never pickled)


def _classify_range(bounds: tuple[int, int]) -> tuple[list[str], list[str], bytes]:
    assert _PARALLEL_INPUT is not None
    taxonomy, items = _PARALLEL_INPUT
    return _classify_chunk((taxonomy, items[bounds[0]:bounds[1]]))


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _classify_parallel(items: list, taxonomy: Taxonomy, processes: int) -> tuple[list[str], list[str], np.ndarray]:
    """Chunks over a 'fork' pool: workers inherit the posts and the compiled tables (nothing is pickled or
    re-imported, so a caller without an `if __name__ == "__main__"` guard is safe). Without fork (Windows)
    classify_texts stays in-process. Pass processes=1 from a program that runs threads of its own."""
    import multiprocessing

    global _PARALLEL_INPUT
    _classifier(taxonomy)  # compile once, before forking, so that every worker inherits the tables
    bounds = [(i, min(i + PARALLEL_CHUNK_POSTS, len(items))) for i in range(0, len(items), PARALLEL_CHUNK_POSTS)]
    themes: list[str] = []
    matched: list[str] = []
    tone_parts: list[np.ndarray] = []
    _PARALLEL_INPUT = (taxonomy, items)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for chunk_themes, chunk_matched, chunk_tones in pool.imap(_classify_range, bounds):
                themes.extend(chunk_themes)
                matched.extend(chunk_matched)
                tone_parts.append(np.frombuffer(chunk_tones, dtype=np.int8))
    finally:
        _PARALLEL_INPUT = None
    tones = np.concatenate(tone_parts) if tone_parts else np.empty(0, dtype=np.int8)
    return themes, matched, tones


def explain(text: str, taxonomy: Taxonomy) -> dict[str, list[str]]:
    """Theme -> triggering words for one post (what the dashboard shows under 'waarom dit thema')."""
    return json.loads(_classifier(taxonomy).classify(text)[1])


def split_themes(values: Sequence[object]) -> list[set[str]]:
    """'a;b' -> {'a', 'b'}; '' / None / NA -> set()."""
    result = []
    for value in values:
        if isinstance(value, str) and value.strip():
            result.append({part.strip() for part in value.split(";") if part.strip()})
        else:
            result.append(set())
    return result
