"""WhatsApp chat export (.txt, or the .zip WhatsApp makes with media) of a buurtpreventie group, Dutch locale.

iOS:      `[02-05-2022 16:21:32] Naam: tekst`   (media and system lines carry U+200E marks)
Android:  `18-08-2026 09:15 - Naam: tekst`       (older builds: two-digit years `18-08-21 09:15`)

Lines that do not start with a timestamp continue the message above them. Times are Europe/Amsterdam wall
clock, converted to UTC (a repeated autumn hour takes its first, summer-time, occurrence).

Dropped, not rejected (they are not messages): system lines (group created, joins, 'heeft ... toegevoegd',
security-code changes, 'Berichten en oproepen zijn end-to-end versleuteld', ...) and deleted messages
('Dit bericht is verwijderd'). Media placeholders (`<Media weggelaten>`, `afbeelding weggelaten`,
`<bijgevoegd: ...>`) are removed from the text, but a message that was only media is KEPT with NULL text and
has_media = True: in these groups a photo is often the alert itself ('wie kent deze man?'), so leaving it out
would undercount activity at exactly the moments that matter. Text steps skip NULL text.

post_key: hash of (page_ref, local time, author, text, occurrence index among identical messages).
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from etl.readers.base import ReadResult, Reject, SourceError
from etl.readers.facebook_graph import after_export, constant_times, content_keys, finish, first_reason, load_bytes, max_record_bytes, resolve_exported_at, text_too_long
from etl.readers.plain_csv import decode_text

PLATFORM = "whatsapp"
LOCAL_TZ = "Europe/Amsterdam"
# WhatsApp appeared in 2009: an earlier date is a typo or a broken export, not an old message.
EARLIEST_WHATSAPP = pd.Timestamp("2009-01-01", tz="UTC")
# A chat export is text: even years of a busy group stay far below this. A zipped chat that inflates beyond it
# is refused (a zip bomb would otherwise fill memory); the declared size is checked first, the inflated count too.
MAX_CHAT_BYTES = 200 * 1024 * 1024
_ZIP_CHUNK_BYTES = 1 << 20  # inflate in 1 MB steps so the cap is enforced while reading
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
# Header patterns: groups day, month, year, hour, minute, second, and the whole header (to cut it off).
_IOS = r"^((?:[\u200e\u200f]*)\[(\d{1,2})-(\d{1,2})-(\d{4}|\d{2}),? (\d{1,2}):(\d{2})(?::(\d{2}))?\] )"
_ANDROID = r"^((?:[\u200e\u200f]*)(\d{1,2})-(\d{1,2})-(\d{4}|\d{2}),? (\d{1,2}):(\d{2})(?::(\d{2}))? - )"
_HEADER_PREFIX = 48  # a header is at most ~35 characters: match on this prefix, never on a giant line
_AUTHOR = re.compile(r"^([^:\n]{1,120}?): (.*)$", re.DOTALL)
# Headers of other locales, recognised only to say clearly what is wrong with the file.
_OTHER_LOCALES = {
    "US (M/D/YY, h:mm AM)": re.compile(r"^\u200e?\[?\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}(?::\d{2})?[\s\u202f]?[AaPp]\.?[Mm]\.?\]? "),
    "D/M/YY, HH:MM": re.compile(r"^\u200e?\[?\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}(?::\d{2})?\]? "),
    "D.M.YY, HH:MM (Duits)": re.compile(r"^\u200e?\[?\d{1,2}\.\d{1,2}\.\d{2,4},? \d{1,2}:\d{2}(?::\d{2})?\]? "),
    "YYYY-MM-DD": re.compile(r"^\u200e?\[?\d{4}-\d{1,2}-\d{1,2},? \d{1,2}:\d{2}"),
}
_MEDIA_LINE = re.compile(
    r"^\s*(?:<Media weggelaten>|<bijgevoegd: [^>]*>|(?:afbeelding|foto|video|audio|GIF|sticker|document|kaartje|"
    r"contactkaart|spraakbericht)\s+weggelaten|\S+\.\w{2,5} \(bestand bijgevoegd\))\s*$",
    re.IGNORECASE,
)
_STRONG_SYSTEM = re.compile(r"end-to-end versleuteld|beveiligingscode", re.IGNORECASE)
_DELETED = re.compile(r"^\s*(?:Dit bericht is verwijderd|Je hebt dit bericht verwijderd)\.?\s*$", re.IGNORECASE)
_EDITED = re.compile(r"\s*<Dit bericht is bewerkt>\s*$")
_SYSTEM = re.compile(
    r"end-to-end versleuteld|beveiligingscode|heeft (?:je |u )?.*toegevoegd|heeft de groep .*aangemaakt|"
    r"heeft (?:deze )?groep .*aangemaakt|heeft deze groep aangemaakt|is lid geworden|neemt deel via|"
    r"lid geworden via|heeft de groep verlaten|is vertrokken|heeft .* verwijderd$|"
    r"heeft (?:het onderwerp|de groepsbeschrijving|de groepsafbeelding|het groepspictogram|de instellingen|"
    r"de groepsinstellingen)|is nu (?:een )?beheerder|geen beheerder meer|bent nu (?:een )?beheerder|"
    r"nummer gewijzigd|nieuw nummer|verdwijnende berichten|Wachten op dit bericht|"
    r"^Je hebt .* (?:toegevoegd|verwijderd|aangemaakt)|^Je bent toegevoegd",
    re.IGNORECASE,
)


def read_whatsapp(path: Path | str, *, page_ref: str, exported_at: object = None) -> ReadResult:
    """Messages (kind 'message') of one Dutch-locale WhatsApp export; page_ref names the group."""
    path = Path(path)
    if not page_ref:
        raise SourceError(path, "page_ref (the group name) is required for a WhatsApp export")
    raw = load_bytes(path)
    notes: list[str] = []
    if raw.startswith(b"PK\x03\x04"):
        raw, inner = _chat_from_zip(path, raw)
        notes.append(f"chat read from {inner} inside the zip")
    text, decode_notes = decode_text(path, raw)
    notes += decode_notes
    limit = max_record_bytes()
    exported = resolve_exported_at(path, exported_at)

    lines = pd.Series(text.split("\n"), dtype="string").str.removesuffix("\r")
    # Headers are matched on a short prefix of each line, so a giant line costs no regex time.
    prefix = lines.str.slice(0, _HEADER_PREFIX)
    ios = prefix.str.extract(_IOS)
    android = prefix.where(ios[0].isna()).str.extract(_ANDROID)
    found = ios.fillna(android)
    parts = found.iloc[:, 1:].set_axis(range(6), axis=1)  # day, month, year, hour, minute, second
    is_header = found[0].notna().to_numpy(dtype=bool)
    if not is_header.any():
        raise SourceError(path, _locale_problem(lines))
    n_ios, n_android = int(ios[0].notna().sum()), int(android[0].notna().sum())
    notes.append(f"WhatsApp {'iOS' if n_ios >= n_android else 'Android'}-indeling, {int(is_header.sum())} kopregels")

    message_id = np.cumsum(is_header)  # 0 = lines before the first header
    rejects: list[Reject] = []
    orphan = np.flatnonzero((message_id == 0) & lines.str.strip().fillna("").ne("").to_numpy())
    if orphan.size:
        rejects.append(Reject.of(path, f"line {orphan[0] + 1}", f"{orphan.size} regel(s) voor het eerste bericht horen bij geen bericht", lines.iloc[orphan[0]]))

    header_rows = np.flatnonzero(is_header)
    body = lines.copy()
    header_lengths = found[0].str.len()
    body[is_header] = [line[length:] for line, length in zip(lines[is_header].tolist(), header_lengths[is_header].tolist())]
    grouped = body[message_id > 0].groupby(message_id[message_id > 0], sort=True).agg("\n".join)
    heads = parts.iloc[header_rows].reset_index(drop=True)
    full = pd.Series(grouped.to_numpy(), dtype="string")

    split = full.str.extract(_AUTHOR)
    authors = split[0].str.strip(_MARKS + " ")
    content = split[1].where(split[0].notna(), full)
    has_author = split[0].notna().to_numpy(dtype=bool)

    # U+200E before the text marks iOS media and system lines.
    lrm_text = content.str.startswith("\u200e").fillna(False).to_numpy(dtype=bool)
    content = content.str.strip(_MARKS).str.replace(_EDITED, "", regex=True)
    deleted = content.str.fullmatch(_DELETED).fillna(False).to_numpy(dtype=bool)
    kept_lines = content.str.split("\n").map(lambda ls: [x for x in ls if not _MEDIA_LINE.match(x)], na_action="ignore")
    has_media = (kept_lines.str.len() < content.str.count("\n") + 1).fillna(False).to_numpy(dtype=bool)
    texts = kept_lines.map(lambda ls: "\n".join(ls).strip() or None, na_action="ignore")
    # Android system lines have no 'Name: '. iOS puts them under the group's name, text starting with U+200E.
    # A member who writes 'ik heb Piet toegevoegd' in a message of their own is not a system line.
    single_short = ~content.str.contains("\n").fillna(False).to_numpy(dtype=bool) & (content.str.len() < 300).fillna(False).to_numpy(dtype=bool)
    # System-line patterns are tried on short single lines only: they cannot match elsewhere, and on a
    # megabyte-long message their many alternatives would cost seconds.
    short_content = content.where(pd.Series(single_short, index=content.index))
    system_text = short_content.str.contains(_SYSTEM, regex=True).fillna(False).to_numpy(dtype=bool)
    strong_text = short_content.str.contains(_STRONG_SYSTEM, regex=True).fillna(False).to_numpy(dtype=bool)
    # 'Jan heeft het onderwerp gewijzigd naar "Buurt: Noord"' splits at the colon: the 'author' gives it away.
    author_is_event = authors.str.contains(r"\bheeft\b|\bis (?:lid|vertrokken|nu)\b|\"", regex=True).fillna(False).to_numpy(dtype=bool)
    full_system = full.where(pd.Series(single_short & author_is_event, index=full.index)).str.contains(_SYSTEM, regex=True).fillna(False).to_numpy(dtype=bool)
    system = ~has_author | (single_short & ~has_media & ((lrm_text & system_text) | strong_text | (author_is_event & full_system)))
    drop = system | deleted

    local = _local_times(heads)
    created = local.dt.tz_localize(LOCAL_TZ, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward")
    created = created.dt.tz_convert("UTC").dt.as_unit("ns")
    ambiguous_hours = int(_in_repeated_hour(local).sum())
    if ambiguous_hours:
        notes.append(f"{ambiguous_hours} berichten in het herhaalde uur van de wintertijdwissel: zomertijd aangenomen")
    notes.append(f"{int((system & ~deleted).sum())} systeemregels en {int(deleted.sum())} verwijderde berichten overgeslagen")
    if has_media.any():
        notes.append(f"{int((has_media & texts.isna().to_numpy()).sum())} berichten met alleen media behouden zonder tekst")

    keep = ~drop
    idx = np.flatnonzero(keep)
    locators = [f"line {header_rows[i] + 1}" for i in idx]
    text_list = texts.iloc[idx].astype(object).where(texts.iloc[idx].notna(), None).tolist()
    author_list = authors.iloc[idx].astype(object).where(authors.iloc[idx].notna(), None).tolist()
    local_keys = local.iloc[idx].dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).where(local.iloc[idx].notna(), None).tolist()
    n = len(idx)
    reasons = first_reason(
        [
            (created.iloc[idx].isna().to_numpy(), "datum/tijd in de kopregel bestaat niet"),
            ((created.iloc[idx] < EARLIEST_WHATSAPP).fillna(False).to_numpy(dtype=bool),
             "datum ligt voor 2009 (vóór WhatsApp bestond)"),
            (after_export(created.iloc[idx], exported), "datum ligt na het moment van exporteren"),
            (text_too_long(text_list, limit), f"bericht groter dan {limit} bytes"),
        ],
        n,
    )
    keys = content_keys([[page_ref] * n, local_keys, author_list, text_list])
    columns = {
        "platform": [PLATFORM] * n,
        "post_key": keys,
        "parent_key": [None] * n,
        "page_ref": [page_ref] * n,
        "kind": ["message"] * n,
        "created_at": pd.DatetimeIndex(created.iloc[idx]),
        "author_ref": author_list,
        "author_name": author_list,
        "text": text_list,
        "exported_at": constant_times(exported, n),
        "source_record": locators,
        "has_media": pd.array(has_media[idx], dtype="boolean"),
        "source_file": [path.name] * n,
    }
    raws = [f"{a}: {t}" if a else t for a, t in zip(author_list, text_list)]
    return finish(path, columns, reasons, raws, locators, len(full) + int(orphan.size > 0), notes, rejects)


def _local_times(heads: pd.DataFrame) -> pd.Series:
    year = heads[2].astype("string")
    year = year.where(year.str.len() == 4, "20" + year)
    stamp = (year + "-" + heads[1].str.zfill(2) + "-" + heads[0].str.zfill(2) + " " + heads[3].str.zfill(2) + ":"
             + heads[4] + ":" + heads[5].fillna("00"))
    return pd.to_datetime(stamp, format="%Y-%m-%d %H:%M:%S", errors="coerce")


def _in_repeated_hour(local: pd.Series) -> pd.Series:
    localized = local.dt.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="NaT")
    return localized.isna() & local.notna()


def _locale_problem(lines: pd.Series) -> str:
    sample = [s for s in lines.head(200).dropna().tolist() if s.strip()]
    for name, pattern in _OTHER_LOCALES.items():
        if any(pattern.match(s) for s in sample):
            return (f"WhatsApp export in another locale ({name}); only the Dutch layout is supported: "
                    "'DD-MM-YYYY HH:MM - Naam: tekst' (Android) or '[DD-MM-YYYY HH:MM:SS] Naam: tekst' (iOS)")
    return "no WhatsApp message lines found (expected 'DD-MM-YYYY HH:MM - Naam: tekst' or '[DD-MM-YYYY HH:MM:SS] Naam: tekst')"


def _chat_from_zip(path: Path, raw: bytes) -> tuple[bytes, str]:
    """The chat .txt inside an 'export with media' zip, inflated in chunks and never beyond MAX_CHAT_BYTES:
    the size the zip declares can lie (a zip bomb), so the inflated bytes are counted as well."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as err:
        raise SourceError(path, f"broken zip: {_one_line(err)}") from None
    names = [n for n in archive.namelist() if n.lower().endswith(".txt")]
    if not names:
        raise SourceError(path, "zip holds no .txt chat export")
    name = next((n for n in names if n.rsplit("/", 1)[-1] == "_chat.txt"), names[0])
    declared = archive.getinfo(name).file_size
    if declared > MAX_CHAT_BYTES:
        raise SourceError(path, f"chat {name!r} in the zip inflates to {declared} bytes, more than the "
                                f"{MAX_CHAT_BYTES} bytes a chat export may be")
    chunks: list[bytes] = []
    inflated = 0
    try:
        with archive.open(name) as member:
            while chunk := member.read(_ZIP_CHUNK_BYTES):
                inflated += len(chunk)
                if inflated > MAX_CHAT_BYTES:
                    raise SourceError(path, f"chat {name!r} in the zip inflates to more than {MAX_CHAT_BYTES} "
                                            "bytes (more than it declares): refused")
                chunks.append(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
            ValueError, zlib.error) as err:  # corrupt data, unsupported compression, encryption, truncation
        raise SourceError(path, f"broken zip: chat {name!r} cannot be inflated: {_one_line(err)}") from None
    return b"".join(chunks), name


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__
