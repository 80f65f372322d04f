"""Redaction of personal details in residents' posts (AVG / GDPR).

Every detail that points at a person is replaced by a typed placeholder ('[telefoon]', '[adres]', ...), so the
text stays readable for theme and tone analysis while the person drops out. Things that describe an incident
rather than a person stay: times, dates, amounts, police case numbers, public service numbers, years, street
names without a house number, percentages and ordinary numbers.

How it stays fast (the build redacts hundreds of thousands of posts per second):
- Redaction runs as a fixed sequence of passes, one per kind of detail. Each pass has a precise Python pattern
  and an RE2 'hint' without lookarounds that every match of the pattern contains.
- One RE2 scan in C++ (pyarrow) over the whole column drops the rows that match no hint at all; then each pass
  runs its own hint over what is left and its Python pattern only on the rows the hint selects. Times, dates,
  amounts and plain numbers trip no hint, so most posts never reach Python.
- The Python patterns start with a character class where they can (Python's re then skips non-candidate
  positions in C), use possessive quantifiers, and leave checks a regex does badly (BSN elfproef, the shape
  of a number plate) to a small callable that runs per match only.
- Known participant names (per row, e.g. everyone who wrote in the same thread) are prepared once per distinct
  name list and looked for with str.find in Arrow-lower-cased text; only rows that mention one are matched
  word by word.
`redact()` runs the same passes on one text without the hints; the tests check that both paths agree.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Placeholder -> Dutch description, shown on the dashboard's privacy page.
REDACTION_PLACEHOLDERS: dict[str, str] = {
    "[telefoon]": "Telefoonnummer: mobiel, vast of buitenlands (servicenummers als 112, 0800 en 0900 blijven staan)",
    "[e-mail]": "E-mailadres",
    "[iban]": "Bankrekeningnummer (IBAN)",
    "[kenteken]": "Kenteken van een voertuig",
    "[adres]": "Adres: straat met huisnummer, of postcode met huisnummer",
    "[profiel]": "Link naar een persoonlijk profiel (Facebook, Instagram, WhatsApp, X, TikTok, LinkedIn, Telegram)",
    "[naam]": "Naam van een persoon: @-vermelding, getagde naam of bekende deelnemer aan het gesprek",
    "[bsn]": "Burgerservicenummer (BSN, gecontroleerd met de elfproef)",
}

# --------------------------------------------------------------------------------------------------------------
# Building blocks. Separators are spelled out as explicit character classes (not \s) so that the Python patterns
# and the RE2 hints agree on what a separator is.
_NBSP = "\u00a0"
_BLANK = f"[ \t{_NBSP}]"
# Between the digits of a phone number: blanks, or one of - . / with optional blanks around it.
_PHONE_SEP = f"(?:{_BLANK}{{0,2}}[-./]{_BLANK}{{0,2}}|{_BLANK}{{1,2}})"
# A phone number must not run on into more digits ('06.30-07.30-08.30' is a timetable, not a number).
_NOT_CONTINUED = r"(?!\d|[.,:/-]\d)"

_TUSSENVOEGSELS = (
    "van", "de", "der", "den", "het", "'t", "ter", "ten", "te", "la", "le", "du", "da", "von", "v.d.", "vd",
)
_TUSSEN = "(?:" + "|".join(re.escape(t) for t in sorted(_TUSSENVOEGSELS, key=len, reverse=True)) + ")"
_TUSSEN_CAP = "(?:" + "|".join(re.escape(t[0].upper() + t[1:]) for t in _TUSSENVOEGSELS if t[0].isalpha()) + ")"

_UPPER = "A-ZÀ-ÖØ-Þ"
_CAP_WORD = f"[{_UPPER}][\\w'’-]*+"

# ---- profiles -------------------------------------------------------------------------------------------------
_URL_TAIL = r"""[^\s<>"'\])]*[^\s<>"'\]).,;:!?]"""
_FACEBOOK_NOT_PROFILE = (
    "groups|events|pages|hashtag|watch|marketplace|gaming|help|policies|privacy|legal|share|sharer|sharer.php|"
    "reel|reels|photo|photo.php|photos|story.php|permalink.php|login|ads|business|dialog|plugins|notes|media"
)
_PROFILE = (
    r"(?i:(?<![\w.-])(?:https?://)?(?:(?:www|m|mobile|web|touch|mbasic|business|[a-z]{2}-[a-z]{2})\.)?"
    r"(?:"
    r"(?:facebook|fb)\.com/groups/[^\s/]+/user/"  # a member inside a group
    rf"|(?:facebook|fb)\.com/(?!(?:{_FACEBOOK_NOT_PROFILE})(?![\w.-]))"
    r"|fb\.me/"
    r"|(?:instagram\.com|instagr\.am)/(?!(?:p|reel|reels|explore|tv|accounts)(?![\w.-]))"
    r"|wa\.me/|(?:api\.)?whatsapp\.com/send"
    r"|(?:twitter|x)\.com/(?!(?:i|search|hashtag|home|intent|share)(?![\w.-]))"
    r"|tiktok\.com/@|linkedin\.com/in/|t\.me/"
    rf"){_URL_TAIL})"
)
_PROFILE_HINT = (
    r"(?i:facebook\.com/|fb\.com/|fb\.me/|instagram\.com/|instagr\.am/|wa\.me/|whatsapp\.com/send|twitter\.com/"
    r"|x\.com/|tiktok\.com/@|linkedin\.com/in/|t\.me/)"
)

# ---- e-mail (also 'jan(at)gmail.com' and 'jan [at] gmail [dot] com') -----------------------------------------
_AT = r"(?:@|[ ]*(?i:[\[(][ ]*at[ ]*[\])])[ ]*)"
_DOT = r"(?:\.|[ ]*(?i:[\[(][ ]*dot[ ]*[\])])[ ]*)"
# The local part starts where a word starts (the lookbehind sits after the first character so that Python's re
# can skip to candidate characters quickly).
_EMAIL = (
    rf"[\w+-](?<![\w.+-][\w+-])(?:[\w.+-]*+(?<=\w))?{_AT}[\w-]++(?:{_DOT}[\w-]++)*{_DOT}[A-Za-z]{{2,24}}(?![\w-])"
)
_EMAIL_HINT = r"[^\s@]@|(?i:[\[(][ ]*at[ ]*[\])])"  # a mention has no character before its '@'

# ---- IBAN ---------------------------------------------------------------------------------------------------------
# Dutch IBANs have a fixed shape; other SEPA countries: country + check digits + groups of four. A group after the
# first must hold a digit, so a word after the number is not swallowed. Shape only, no mod-97: a mistyped IBAN is
# still somebody's account number.
_SEPA = (
    "AD|AT|BE|BG|CH|CY|CZ|DE|DK|EE|ES|FI|FR|GB|GI|GR|HR|HU|IE|IS|IT|LI|LT|LU|LV|MC|MT|NO|PL|PT|RO|SE|SI|SK|SM|VA"
)
# The regex finds the shape in any case; the callable checks the country and, for NL, the exact layout.
_IBAN = (
    r"[A-Za-z](?<![\w-][A-Za-z])[A-Za-z]\d{2}[ ]?[A-Za-z0-9]{4}"
    r"(?:[ ]?(?=[A-Za-z]{0,3}\d)[A-Za-z0-9]{4}){1,6}(?:[ ]?[A-Za-z0-9]{1,3})?(?![\w-])"
)
_SEPA_COUNTRIES = frozenset(_SEPA.split("|"))
_NL_IBAN = re.compile(r"NL\d{2}[A-Z]{4}\d{10}")


def _iban_if_account(match: re.Match) -> str:
    token = match.group()
    compact = token.replace(" ", "").upper()
    country = compact[:2]
    if (country == "NL" and _NL_IBAN.fullmatch(compact)) or country in _SEPA_COUNTRIES:
        return "[iban]"
    return token


_IBAN_HINT = r"[A-Za-z]{2}\d{2}[ ]?[A-Za-z0-9]{4}"

# ---- phone numbers (and dates, which the phone pass keeps whole) ----------------------------------------------
# National numbers have ten digits and start with 0; 0800/0900/0906/0909 are public service numbers and stay.
# International: +31 6 12345678, +31(0)6-..., 0031 6 ..., and other countries' numbers.
# A date (06-03-2024, 12/03/2024) is matched and kept as it is, so its digits never start or end a phone number.
_INTERNATIONAL_REST = rf"[1-9]\d{{0,2}}(?:{_BLANK}?\(0\))?(?:{_PHONE_SEP}?\d){{7,12}}"
_DATE_REST = r"(?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d(?!\d)"
_PHONE_OR_DATE = (
    r"[0-9(+](?<![0-9][0-9(+])"  # first character; never inside a longer number
    r"(?:"
    rf"(?P<keep>(?<=\d)\d?[-/.]{_DATE_REST})"
    rf"|(?<=\+){_BLANK}?{_INTERNATIONAL_REST}{_NOT_CONTINUED}"
    rf"|(?<=0)(?<![.,]0)0{_BLANK}?{_INTERNATIONAL_REST}{_NOT_CONTINUED}"
    rf"|(?<=\()(?!0[89]0\d)0(?:\d\){_PHONE_SEP}?\d(?:{_PHONE_SEP}?\d){{7}}"
    rf"|\d\d\){_PHONE_SEP}?\d(?:{_PHONE_SEP}?\d){{6}}"
    rf"|\d\d\d\){_PHONE_SEP}?\d(?:{_PHONE_SEP}?\d){{5}}){_NOT_CONTINUED}"
    # 0612345678, 06-12345678, 010 1234567, 0416-123456: unmistakable, whatever follows
    rf"|(?<=0)(?![89]0\d)(?:\d{{9}}|\d{_PHONE_SEP}\d{{8}}|\d\d{_PHONE_SEP}\d{{7}}|\d{{3}}{_PHONE_SEP}\d{{6}})(?!\d)"
    # 06 12 34 56 78, 0416 12 34 56: more separators, so it must not run on into more digits
    rf"|(?<=0)(?![89]0\d)(?![1-9][-/.]{_DATE_REST})\d(?:{_PHONE_SEP}?\d){{8}}{_NOT_CONTINUED}"
    # 010-123456, 06-1234567: area code and separator, but a digit short or over; still somebody's number
    rf"|(?<=0)(?![89]0\d)\d{{1,3}}{_PHONE_SEP}\d{{5,8}}(?!\d|[.,:/-]\d)"
    r")"
)
_PHONE_HINT = (
    rf"\d(?:[ \t{_NBSP}\-./()]{{0,5}}\d){{9}}"  # ten digits: every national number
    rf"|0\d{{1,3}}[ \t{_NBSP}\-./]{{1,5}}\d{{5}}"  # area code, separator, at least five digits
    rf"|\+{_BLANK}?[1-9]|(?:^|[^\d.,])00{_BLANK}?[1-9]"  # an international prefix
)

# ---- BSN: 9 digits (or 1234.56.782), checked with the elfproef in the callable --------------------------------
_BSN = r"\d(?<![\d.,/-]\d)(?:\d{8}|\d{3}\.\d{2}\.\d{3})(?!\d|[.,/-]\d)"
_BSN_HINT = r"\d{9}|\d{4}\.\d{2}\.\d{3}"
# A nine-digit number right after one of these words is a case or reference number, not a BSN.
_CASE_NUMBER_BEFORE = re.compile(
    r"(?i:(?:registratie|zaak|aangifte|melding|meldings|dossier|proces-verbaal|pv|bvh|referentie|kenmerk|order"
    r"|factuur|klant)[- ]?(?:nummer|nr)\.?[ ]*:?[ ]*)$"
)

# ---- number plates -----------------------------------------------------------------------------------------------
# All 14 side codes. With dashes: upper-case letters (any), or lower-case plate letters. Without dashes only the
# side codes that cannot be something else (not XX9999 like 'PL2000', not 9999XX which is a postcode), and only
# with the letters the RDW issues (consonants), so 'EURO24' or 'COVID1' stay. The regex finds the shape of a
# token; the callable checks the side code.
_SIDECODES = (
    "LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL", "DD-LLL-D",
    "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL", "D-LL-DDD", "DDD-LL-D",
)
_DASHED_SIDECODES = frozenset(_SIDECODES)
_DASHLESS_SIDECODES = frozenset(code.replace("-", "") for code in _SIDECODES[2:])
_PLATE_LETTERS = frozenset("BDFGHJKLNPRSTVXZ")
_PLATE_LETTERS_LOWER = frozenset(letter.lower() for letter in _PLATE_LETTERS)
_SHAPE = str.maketrans(
    {**{c: "L" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}, **{c: "D" for c in "0123456789"}}
)
_KENTEKEN = (
    r"[A-Za-z0-9](?<![\w-][A-Za-z0-9])"
    r"(?:[A-Za-z0-9]{0,2}-[A-Za-z0-9]{2,3}-[A-Za-z0-9]{1,3}|[A-Z0-9]{5})"
    r"(?![\w]|-\w)"
)


def _sidecode_regex(code: str, letter: str, sep: str) -> str:
    return sep.join(
        (f"{letter}{{{len(group)}}}" if group[0] == "L" else rf"\d{{{len(group)}}}") for group in code.split("-")
    )


_KENTEKEN_HINT = "|".join(
    [_sidecode_regex(code, "[A-Za-z]", "-") for code in _SIDECODES]
    + [_sidecode_regex(code, "[A-Z]", "") for code in _SIDECODES[2:]]
)


def _kenteken_if_plate(match: re.Match) -> str:
    token = match.group()
    letters = "".join(c for c in token if c.isalpha())
    if "-" in token:
        fits = token.translate(_SHAPE) in _DASHED_SIDECODES and (
            letters.isupper() or set(letters) <= _PLATE_LETTERS_LOWER
        )
    else:
        fits = token.translate(_SHAPE) in _DASHLESS_SIDECODES and set(letters) <= _PLATE_LETTERS
    return "[kenteken]" if fits else token


# ---- addresses -------------------------------------------------------------------------------------------------
# House number: 12, 4a, 12 A, 12-2, 12 bis, 12-II; not a time (21:30), decimal (3,5), or a quantity (2 uur).
_HOUSE_NUMBER = (
    r"[1-9]\d{0,4}(?![\d:]|[.,]\d)"
    r"(?:[ ]?-?[ ]?[A-Za-z](?![\w])|-\d{1,3}(?![\d:]|[.,]\d)|[ ]?(?:bis|hs|bg|[IVX]{1,3})(?![\w]))?(?!\w)"
    r"(?![ ]*(?:%|uur\b|u\b|jaar\b|keer\b|km\b|min\b|minuten\b|euro\b|procent\b))"
)
_POSTCODE = rf"[1-9]\d{{3}}(?:[ ]?[A-Z]{{2}}|[a-z]{{2}})(?![{_UPPER}\w])"
_NUMBER_WORD = r"(?:(?i:nr|no|nummer|huisnummer)\.?[ ]*)?"
_POSTCODE_ADDRESS = (
    rf"[1-9](?<![\w-][1-9])\d{{3}}(?:[ ]?[A-Z]{{2}}|[a-z]{{2}})(?![{_UPPER}\w])"
    rf"[ ]*,?[ ]*{_NUMBER_WORD}{_HOUSE_NUMBER}"
)
_POSTCODE_HINT = rf"\d{{4}}[ ]?[A-Za-z]{{2}}[ ]*,?[ ]*{_NUMBER_WORD}\d"

# Suffixes that make a street name. 'Strong' ones are street names whatever the case ('grotestraat 12') as long as
# something comes before them; the rest only in a word with a capital ('Kerkhof 3', 'Markt 12', not 'het hof 3').
_STRONG_SUFFIXES = ("straat", "laan", "weg", "plein", "singel", "gracht", "dreef", "kade", "steeg", "dijk")
_OTHER_SUFFIXES = (
    "hof", "pad", "markt", "ring", "baan", "wal", "haven", "park", "erf", "veld", "weide", "hoek", "plantsoen",
    "boulevard", "allee", "dam", "brink", "akker", "hoeve", "passage", "promenade", "zoom", "vaart", "kanaal",
    "oever", "kamp", "tuin", "gaarde", "wetering", "heuvel", "berg", "horst", "donk", "ven", "beemd", "hoven",
    "velden", "akkers", "linie", "poort", "stoep", "plaats", "rijn", "dal", "burg", "wijk", "bos", "hout", "weer",
)
_ALL_SUFFIXES = tuple(dict.fromkeys(_STRONG_SUFFIXES + _OTHER_SUFFIXES))


def _ends_with_one_of(suffixes: Iterable[str], before: str = "") -> str:
    """Lookbehinds (case-insensitive) for words ending in one of the suffixes; Python's lookbehind needs one
    width per group, so the suffixes are grouped by length."""
    by_length: dict[int, list[str]] = {}
    for suffix in suffixes:
        by_length.setdefault(len(suffix), []).append(suffix)
    return "(?:" + "|".join(f"(?<={before}(?i:{'|'.join(group)}))" for group in by_length.values()) + ")"


# The word is scanned possessively to its end, then its ending is checked: no backtracking inside a word.
_STRONG_ENDING = _ends_with_one_of(_STRONG_SUFFIXES, before=r"[^\W\d_]")  # at least one letter before it
_ANY_ENDING = _ends_with_one_of(_ALL_SUFFIXES)
_NUMBER_FOLLOWS = rf"(?={_BLANK}+{_NUMBER_WORD}[1-9])"  # checked first: most words are not followed by a number
_STREET_WORD = (
    "(?:"
    rf"[^\W\d_][\w'’-]*+{_NUMBER_FOLLOWS}{_STRONG_ENDING}"  # grotestraat, KERKWEG
    rf"|[{_UPPER}][\w'’-]*+{_NUMBER_FOLLOWS}{_ANY_ENDING}"  # Kerkhof, Molenpad, Markt, Straat
    ")"
)
_TITLES = (
    "Burgemeester|Burg|Dr|Dokter|Prof|Professor|Mr|Meester|Ds|Dominee|Pastoor|Past|Pater|Kapelaan|Kardinaal|Kard|"
    "Mgr|Monseigneur|Prins|Prinses|Koning|Koningin|Kon|Graaf|Gravin|Hertog|Hertogin|Jonkheer|Jhr|Generaal|Gen|"
    "Kapitein|Kolonel|Majoor|Admiraal|Sint|St|Ir|Ing|Wethouder|Weth|Zuster|Broeder|Frater|Onze Lieve Vrouwe"
)
_STREET_ADJECTIVES = (
    "Nieuwe|Oude|Grote|Kleine|Korte|Lange|Hoge|Lage|Brede|Smalle|Noord|Zuid|Oost|West|Binnen|Buiten|Achter|"
    "Voor|Boven|Beneden|Eerste|Tweede|Derde|Vierde|Heilige"
)
_INITIALS = rf"(?:[{_UPPER}]\.[ ]?)+[ ]*"
# What may come before the street word; every form starts with a capital, so lower-case words skip it at once.
_STREET_PREFIX = (
    f"(?=[{_UPPER}])(?:"
    rf"(?:(?:{_TITLES})\.?[ ]+|(?:{_TITLES})\.){{1,3}}(?:{_INITIALS})?(?:{_CAP_WORD}[ ]+(?={_TUSSEN}[ ]))?"
    rf"(?:{_TUSSEN}[ ]+){{0,3}}"  # Burg. van Houtlaan, Burgemeester Mr. P.J. de Kievietstraat
    rf"|{_CAP_WORD}[ ]+(?:{_TUSSEN}[ ]+){{1,3}}"  # Jan van Galenstraat, Johan de Wittlaan
    rf"|{_TUSSEN_CAP}[ ]+(?:{_TUSSEN}[ ]+){{0,2}}"  # Van Goghstraat, De Ruyterstraat, Van der Duinstraat
    rf"|(?:{_STREET_ADJECTIVES})[ ]+"  # Nieuwe Kerkstraat, Grote Markt
    ")"
)
_STREET_ADDRESS = (
    rf"(?<![\w'’-])(?:{_STREET_PREFIX})?{_STREET_WORD}{_BLANK}+{_NUMBER_WORD}{_HOUSE_NUMBER}"
    rf"(?:[ ]*,?[ ]*{_POSTCODE})?"
)
_STREET_HINT = rf"(?i:{'|'.join(_ALL_SUFFIXES)}){_BLANK}+{_NUMBER_WORD}\d"
# Street names without a known suffix ('Rietkraag 12') are caught where the sentence says it is an address.
_ADDRESS_CONTEXT = (
    r"(?P<lead>(?<!\w)(?i:woon|woont|wonen|woonde|wonend|woonachtig|adres|verhuisd[ ]+naar)[ ]*:?[ ]+"
    r"(?:(?i:op|aan|in|bij|naar)[ ]+)?(?:(?i:de|het|'t)[ ]+)?)"
    rf"{_CAP_WORD}(?:[ ]+(?:{_CAP_WORD}|{_TUSSEN})){{0,3}}{_BLANK}+{_NUMBER_WORD}{_HOUSE_NUMBER}"
    rf"(?:[ ]*,?[ ]*{_POSTCODE})?"
)
_ADDRESS_CONTEXT_HINT = r"(?i:woon|wonen|wonend|adres|verhuisd)"

# ---- mentions and tagged names ---------------------------------------------------------------------------------
_MENTION = (
    "@(?:"
    r"\[\d+(?::\d+)*:[^\]\n]{1,100}\]"  # Facebook's internal tag: @[100001234567:Jan Jansen]
    rf"|{_CAP_WORD}(?:[ ]+(?:{_TUSSEN}[ ]+)*{_CAP_WORD}){{0,2}}"  # @Jan de Vries
    r"|(?=[\w.]*[^\W\d_])[\w.]*\w"  # @jan_jansen, @jan.jansen (a handle holds a letter: '@21:30' is a time)
    ")"
)


def _elfproef(digits: str) -> bool:
    """The BSN check: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11 (and not all zeros)."""
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total % 11 == 0 and digits != "000000000"


def _phone_unless_date(match: re.Match) -> str:
    return match.group() if match.lastgroup == "keep" else "[telefoon]"


def _bsn_if_valid(match: re.Match) -> str:
    before = match.string[max(0, match.start() - 30) : match.start()]
    if _elfproef(match.group().replace(".", "")) and not _CASE_NUMBER_BEFORE.search(before):
        return "[bsn]"
    return match.group()


def _ascii_digits(pattern: str) -> str:
    """Python's \\d also matches other scripts' digits, RE2's does not: keep the two engines in step by spelling
    digits out as 0-9 (a letter class [^\\W\\d_] stays as it is)."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            token = pattern[i : i + 2]
            if token == "\\d" and not (in_class and pattern[max(0, i - 3) : i] == "^\\W"):
                out.append("0-9" if in_class else "[0-9]")
            else:
                out.append(token)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class and pattern[i - 1] not in "[^":
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def _compile(pattern: str) -> re.Pattern:
    return re.compile(_ascii_digits(pattern))


@dataclass(frozen=True)
class _Pass:
    """One kind of detail: a precise Python pattern, and an RE2 hint that every match of it contains."""

    name: str
    pattern: re.Pattern
    hint: str  # RE2 syntax (the tests check with pyarrow that every match of `pattern` contains a hint match)
    replacement: str | Callable[[re.Match], str]


# Passes run in this order; earlier ones remove what later ones could misread (a phone number in a wa.me link,
# the digits of an IBAN, the '@' of an e-mail address).
_PASSES: tuple[_Pass, ...] = (
    _Pass("profiel", _compile(_PROFILE), _PROFILE_HINT, "[profiel]"),
    _Pass("e-mail", _compile(_EMAIL), _EMAIL_HINT, "[e-mail]"),
    _Pass("iban", _compile(_IBAN), _IBAN_HINT, _iban_if_account),
    _Pass("telefoon", _compile(_PHONE_OR_DATE), _PHONE_HINT, _phone_unless_date),
    _Pass("bsn", _compile(_BSN), _BSN_HINT, _bsn_if_valid),
    _Pass("postcode", _compile(_POSTCODE_ADDRESS), _POSTCODE_HINT, "[adres]"),
    _Pass("adres", _compile(_STREET_ADDRESS), _STREET_HINT, "[adres]"),
    _Pass("adres-context", _compile(_ADDRESS_CONTEXT), _ADDRESS_CONTEXT_HINT, r"\g<lead>[adres]"),
    _Pass("kenteken", _compile(_KENTEKEN), _KENTEKEN_HINT, _kenteken_if_plate),
    _Pass("naam", _compile(_MENTION), "@", "[naam]"),
)
# A row that matches none of the hints cannot hold a detail (names aside): one RE2 scan finds those rows.
_ANY_HINT = "|".join(f"(?:{p.hint})" for p in _PASSES)


# ---- names -------------------------------------------------------------------------------------------------------
# Known participant names are matched word by word (no regex per name list: a build has a list per thread, and
# compiling a regex for each would cost more than all other redaction together).
_TUSSEN_SET = frozenset(_TUSSENVOEGSELS)
_TOKEN = re.compile(r"\w+")
_BLANK_GAP = re.compile(f"{_BLANK}+")


def _fold(text: str) -> str:
    """Letters that differ only in case compare equal (Python's lower(); 'Yılmaz' and 'Yilmaz' stay different)."""
    return text.lower()


def _arrow_variants(needle: str) -> tuple[str, ...]:
    """Arrow's utf8_lower maps İ to 'i' and a final Σ to 'σ' where Python gives 'i̇' and 'ς': look for both."""
    variants = {needle, needle.replace("i\u0307", "i"), needle.replace("ς", "σ")}
    return tuple(sorted(variants))


def _gap(separator: str) -> str:
    """What separates two words of a name: any run of blanks counts as one space; anything else must match."""
    return " " if _BLANK_GAP.fullmatch(separator) else separator


@dataclass(frozen=True)
class _KnownNames:
    full_names: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]  # first word -> (words, gaps)
    parts: dict[str, str]  # folded word -> the capital it must start with ('' when any case will do)


def _names_key(names: object) -> tuple:
    """Names as given per row (list, tuple, array, a single string, or NA) -> a hashable tuple."""
    if names is None or isinstance(names, float):  # None, NaN
        return ()
    if isinstance(names, str):
        return (names,)
    if isinstance(names, tuple):
        return names
    try:
        return tuple(names)
    except TypeError:  # pd.NA and other scalars
        return ()


@lru_cache(maxsize=262_144)
def _one_name(name: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]] | None, tuple[tuple[str, str], ...],
                                  frozenset[str]]:
    """One name -> (its words and gaps when it has two or more words; its (folded word, capital) parts; the
    folded words of which every mention holds one, in the spellings Python's and Arrow's lower-casing give)."""
    words = list(_TOKEN.finditer(name))
    folded = tuple(_fold(w.group()) for w in words)
    full = None
    if len(words) > 1:
        full = (folded, tuple(_gap(name[a.end() : b.start()]) for a, b in zip(words, words[1:])))
    parts = tuple(
        (fold, w.group()[0] if w.group()[0].isupper() else "")
        for w, fold in zip(words, folded)
        if len(w.group()) >= 2 and fold not in _TUSSEN_SET
    )
    needle_words = [fold for fold, _ in parts] + ([folded[0]] if full is not None else [])
    needles = frozenset(variant for word in needle_words for variant in _arrow_variants(word))
    return full, parts, needles


@lru_cache(maxsize=262_144)
def _known_names(names: tuple) -> _KnownNames | None:
    """Full names (two or more words) match in any case; single words (first name, surname, or a one-word
    name) only with their capital when they have one, so 'Roos' is redacted but the flower 'roos' is not.
    Tussenvoegsels and one-letter words on their own are never redacted."""
    full_names: dict[str, set] = {}
    parts: dict[str, str] = {}
    for name in names:
        if not isinstance(name, str):
            continue
        full, name_parts, _ = _one_name(name)
        if full is not None:
            full_names.setdefault(full[0][0], set()).add(full)
        for fold, capital in name_parts:
            parts[fold] = capital if parts.get(fold, capital) == capital else ""  # the looser rule wins
    if not full_names and not parts:
        return None
    ordered = {first: tuple(sorted(found, key=lambda f: -len(f[0]))) for first, found in full_names.items()}
    return _KnownNames(ordered, parts)


@lru_cache(maxsize=262_144)
def _name_needles(names: tuple) -> tuple[str, ...]:
    """Folded words of which every mention of these names holds one (first word of a full name, or a part)."""
    needles: frozenset[str] = frozenset()
    for name in names:
        if isinstance(name, str):
            needles = needles.union(_one_name(name)[2])
    return tuple(sorted(needles))


def _mentions_any(folded: str, needles: tuple[str, ...]) -> bool:
    """Does the folded text hold one of the needles as a whole word? No regex: this runs per row."""
    if not any(map(folded.__contains__, needles)):  # the common case, decided in C
        return False
    for needle in needles:
        start = folded.find(needle)
        while start != -1:
            end = start + len(needle)
            before = folded[start - 1] if start else " "
            after = folded[end] if end < len(folded) else " "
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                return True
            start = folded.find(needle, start + 1)
    return False


def _redact_names(text: str, names: tuple) -> str:
    """Replace the known names (and an '@' right before one) by '[naam]'; the longest full name wins."""
    needles = _name_needles(names)
    if not needles or not _mentions_any(_fold(text), needles):
        return text
    known = _known_names(names)
    return text if known is None else _replace_known_names(text, known)


def _replace_known_names(text: str, known: _KnownNames) -> str:
    words = list(_TOKEN.finditer(text))
    folded = [w.group().lower() for w in words]  # as _fold
    out, position, i = [], 0, 0
    while i < len(words):
        word = words[i]
        start = word.start()
        if start and text[start - 1] == "[":  # inside a placeholder that is already there
            i += 1
            continue
        length = 0
        for full, gaps in known.full_names.get(folded[i], ()):
            n = len(full)
            if i + n <= len(words) and all(folded[i + k] == full[k] for k in range(1, n)) and all(
                _gap(text[words[i + k].end() : words[i + k + 1].start()]) == gaps[k] for k in range(n - 1)
            ):
                length = n
                break
        if not length:
            capital = known.parts.get(folded[i])
            if capital is not None and (not capital or word.group()[0] == capital):
                length = 1
        end = words[i + length - 1].end() if length else 0
        if not length or text[end : end + 1] == "]":
            i += 1
            continue
        if start and text[start - 1] == "@":
            start -= 1
        out += (text[position:start], "[naam]")
        position = end
        i += length
    out.append(text[position:])
    return "".join(out)


# ---- public API ---------------------------------------------------------------------------------------------------

def _is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def redact(text: str | None, names: Iterable[str] = ()) -> str | None:
    """Replace personal details in one text by placeholders (see REDACTION_PLACEHOLDERS).

    `names` are names known to belong to people in the same thread (a single string counts as one name); they
    are replaced by '[naam]' in full and per part. A missing text (None/NA) gives None.
    """
    if _is_missing(text):
        return None
    result = str(text)
    for step in _PASSES:
        result = step.pattern.sub(step.replacement, result)
    return _redact_names(result, _names_key(names))


def _as_strings(texts: pd.Series, dtype: pd.StringDtype) -> pd.Series:
    """Object input as strings. Lone surrogates (possible in badly decoded JSON) cannot be stored as UTF-8:
    only then is each text re-encoded, with '?' for what cannot be encoded."""
    try:
        return texts.astype(dtype)
    except UnicodeEncodeError:
        fixed = texts.map(lambda v: v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v)
        return fixed.astype(dtype)


def _to_arrow(texts: pd.Series) -> pa.Array:
    arrow = pa.array(texts.array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    if arrow.type not in (pa.string(), pa.large_string()):
        arrow = arrow.cast(pa.large_string())
    return arrow


def _redact_names_per_row(arrow: pa.Array, names_per_row: pd.Series) -> pa.Array:
    """Known names, row by row, kept cheap: each distinct name list is prepared once (a thread's posts share
    one), texts are lower-cased in Arrow, Python only looks for the row's few name words with str.find, and
    the word-by-word matching runs only in the rows that mention one of them."""
    values = names_per_row.to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(values)  # tuples, strings, None: one preparation per distinct value
    except TypeError:  # unhashable lists or arrays: one per row
        codes, uniques = np.arange(len(values)), values
    keys = [_names_key(u) for u in uniques]
    needles = [_name_needles(key) for key in keys]
    has_needles = np.array([bool(n) for n in needles] + [False], dtype=bool)  # last: code -1 (no names)
    selected = has_needles[codes] & arrow.is_valid().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(selected)
    if rows.size == 0:
        return arrow
    lowered = pc.utf8_lower(arrow.take(pa.array(rows))).to_pylist()
    row_codes = codes[rows].tolist()
    hits = [
        i
        for i, (text, code) in enumerate(zip(lowered, row_codes))
        if any(map(text.__contains__, needles[code])) and _mentions_any(text, needles[code])  # 1st test in C
    ]
    if not hits:
        return arrow
    hit_rows = rows[hits]
    current = arrow.take(pa.array(hit_rows)).to_pylist()
    redacted = [_redact_names(text, keys[row_codes[i]]) for text, i in zip(current, hits)]
    mask = np.zeros(len(arrow), dtype=bool)
    mask[hit_rows] = True
    return pc.replace_with_mask(arrow, pa.array(mask), pa.array(redacted, type=arrow.type))


def redact_series(texts: pd.Series, names_per_row: pd.Series | None = None) -> pd.Series:
    """Vectorised `redact` over a column; the result has the same index and name, and NA stays NA.

    `names_per_row` (same index as `texts`) holds per row an iterable of known names, a single name, or NA.
    The result keeps the input's string dtype; other input (object) comes back as pandas' 'string' dtype.
    """
    if not isinstance(texts, pd.Series):
        raise TypeError("redact_series expects a pandas Series")
    out_dtype = texts.dtype if isinstance(texts.dtype, pd.StringDtype) else pd.StringDtype()
    arrow = _to_arrow(texts if isinstance(texts.dtype, pd.StringDtype) else _as_strings(texts, out_dtype))

    # Narrow down to the rows any pass could touch; each pass then runs on the rows its own hint selects. The hints
    # are read on the original text: a placeholder holds no digit and no '@', so a pass can never create a match
    # for a later one (the tests compare this path with `redact`).
    candidate = pc.match_substring_regex(arrow, _ANY_HINT).fill_null(False)
    rows = np.flatnonzero(candidate.to_numpy(zero_copy_only=False))
    if rows.size:
        subset = arrow.take(pa.array(rows))
        values = subset.to_pylist()
        for step in _PASSES:
            hit = pc.match_substring_regex(subset, step.hint).to_numpy(zero_copy_only=False)
            sub, replacement = step.pattern.sub, step.replacement
            for i in np.flatnonzero(hit).tolist():
                values[i] = sub(replacement, values[i])
        arrow = pc.replace_with_mask(arrow, candidate, pa.array(values, type=arrow.type))

    if names_per_row is not None:
        if not names_per_row.index.equals(texts.index):
            raise ValueError("names_per_row must have the same index as texts")
        arrow = _redact_names_per_row(arrow, names_per_row)
    return pd.Series(out_dtype.__from_arrow__(arrow), index=texts.index, name=texts.name)
