"""From raw post records to what may be stored: dedupe, attribute to a page, tell officials from residents,
pseudonymise, redact, apply retention, classify themes and tone. Pure pandas; no database.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from etl.readers.base import Reject
from wijkbeeld.settings import Settings

STAGING_COLUMNS = ["post_id", "platform", "page_id", "parent_id", "kind", "created_at", "author_pseudonym",
                   "author_type", "org_name", "text_redacted", "permalink", "reactions", "comments", "shares",
                   "exported_at", "source_file"]


@dataclass
class PreparedPosts:
    posts: pd.DataFrame
    themes: pd.DataFrame
    tone: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    duplicates_by_source: dict[int, int] = field(default_factory=dict)
    loaded_by_source: dict[int, int] = field(default_factory=dict)
    key_fingerprint: str | None = None


def _resolve_pages(frame: pd.DataFrame, pages: pd.DataFrame) -> pd.Series:
    """page_ref may be a page id or a page name; map both to our page_id."""
    by_id = dict(zip(pages["page_id"], pages["page_id"]))
    by_name = dict(zip(pages["page_name"].str.casefold(), pages["page_id"]))
    ref = frame["page_ref"].astype("string")
    resolved = ref.map(by_id)
    resolved = resolved.fillna(ref.str.casefold().map(by_name))
    return resolved.astype("string")


def prepare_posts(raw: pd.DataFrame, *, pages: pd.DataFrame, accounts: pd.DataFrame, settings: Settings,
                  is_demo: bool, reference_date: date, retention_months: int) -> PreparedPosts:
    from etl.text.pseudonym import key_fingerprint, load_key, pseudonymise
    from etl.text.redact import redact_series
    from etl.text.themes import classify_texts, load_taxonomy

    log: list[str] = []
    rejects: list[Reject] = []
    frame = raw.copy()
    frame["post_id"] = (frame["platform"].astype("string") + ":" + frame["post_key"].astype("string"))
    # The same post through two exports, or twice through one: one row; the newest export's counts win.
    frame = frame.sort_values(["exported_at", "source_index"], ascending=[False, False], kind="stable", na_position="last")
    dup = frame.duplicated("post_id", keep="first")
    duplicates_by_source = frame.loc[dup, "source_index"].value_counts().to_dict()
    frame = frame[~dup]
    if dup.any():
        log.append(f"{int(dup.sum())} dubbele berichten samengevoegd (nieuwste export telt)")

    # Page attribution: a comment inherits its post's page.
    frame["page_id"] = _resolve_pages(frame, pages)
    unknown_page = frame["page_id"].isna()
    for source_file, record, ref in frame.loc[unknown_page, ["source_file", "source_record", "page_ref"]].itertuples(index=False):
        rejects.append(Reject.of(source_file, str(record), f"pagina onbekend: '{ref}' staat niet in de paginalijst"))
    frame = frame[~unknown_page]

    # Who wrote it: an organisational account (kept by name), the page itself, or a resident (pseudonym only).
    acc = accounts.assign(ref=accounts["account_ref"].astype("string"), name_cf=accounts["account_name"].str.casefold())
    type_by_ref = dict(zip(acc["ref"], acc["owner_type"]))
    name_by_ref = dict(zip(acc["ref"], acc["account_name"]))
    type_by_name = dict(zip(acc["name_cf"], acc["owner_type"]))
    name_by_name = dict(zip(acc["name_cf"], acc["account_name"]))
    author_ref = frame["author_ref"].astype("string")
    author_name_cf = frame["author_name"].astype("string").str.casefold()
    org_type = author_ref.map(type_by_ref).fillna(author_name_cf.map(type_by_name))
    org_name = author_ref.map(name_by_ref).fillna(author_name_cf.map(name_by_name))
    is_page = author_ref == frame["page_id"]
    page_owner = dict(zip(pages["page_id"], pages["owner_type"]))
    page_name = dict(zip(pages["page_id"], pages["page_name"]))
    org_type = org_type.where(~is_page.fillna(False), frame["page_id"].map(page_owner))
    org_name = org_name.where(~is_page.fillna(False), frame["page_id"].map(page_name))
    has_author = author_ref.notna() | frame["author_name"].notna()
    frame["author_type"] = org_type.astype("string").fillna(
        pd.Series(["bewoner" if h else "onbekend" for h in has_author], index=frame.index, dtype="string"))
    frame["org_name"] = org_name.astype("string")

    key = load_key(settings.pseudonym_key_env, settings.root / ".streamlit" / "secrets.toml", allow_demo=is_demo)
    identity = author_ref.fillna(frame["author_name"].astype("string"))
    frame["author_pseudonym"] = pseudonymise(identity, key, platform=frame["platform"].astype("string"))

    # Names of the residents who take part in each thread: redacted wherever they appear in the thread's text.
    resident = frame["author_type"] == "bewoner"
    thread = thread_roots(frame["post_key"].astype("string"), frame["parent_key"].astype("string"))
    # Unique (thread, name) pairs, sorted, then one tuple per thread: vectorised (a lambda per group was the
    # largest avoidable cost of a build with a million posts).
    pairs = pd.DataFrame({"thread": thread[resident], "name": frame.loc[resident, "author_name"].astype("string")})
    pairs = pairs.dropna().drop_duplicates().sort_values(["thread", "name"])
    names_by_thread = pairs.groupby("thread", sort=False)["name"].agg(tuple)
    names_per_row = thread.map(names_by_thread)
    names_per_row = names_per_row.where(names_per_row.notna(), None)
    frame["text_redacted"] = redact_series(frame["text"].astype("string"), names_per_row)

    # A resident's permalink leads straight to their profile: only organisational posts keep theirs.
    frame["permalink"] = frame["permalink"].where(frame["author_type"] != "bewoner")
    frame["parent_id"] = (frame["platform"].astype("string") + ":" + frame["parent_key"].astype("string")).astype("string")

    # Retention: posts older than the retention period are not stored (aggregates are rebuilt from what remains).
    cutoff = pd.Timestamp(reference_date, tz="UTC") - pd.DateOffset(months=retention_months)
    expired = frame["created_at"] < cutoff
    if expired.any():
        log.append(f"{int(expired.sum())} berichten ouder dan {retention_months} maanden (voor {cutoff.date()}) niet opgeslagen")
    frame = frame[~expired]

    posts = frame[STAGING_COLUMNS].reset_index(drop=True)
    taxonomy = load_taxonomy(settings.themes_file)
    model = None
    if settings.themes_model_file.exists():
        from etl.text.learned import load_model

        model = load_model(settings.themes_model_file)
        log.append(f"themamodel {settings.themes_model_file.name} gebruikt naast de regels")
    classified = classify_texts(posts["text_redacted"].astype(object).where(posts["text_redacted"].notna(), None).tolist(), taxonomy, model=model)
    themes = _explode_themes(posts["post_id"], classified)
    tone = pd.DataFrame({"post_id": posts["post_id"], "tone": classified["tone"].astype("int8").to_numpy()})
    loaded = frame["source_index"].value_counts().to_dict()
    return PreparedPosts(posts=posts, themes=themes, tone=tone, rejects=rejects, log=log,
                         duplicates_by_source=duplicates_by_source, loaded_by_source=loaded,
                         key_fingerprint=key_fingerprint(key))


def thread_roots(post_key: pd.Series, parent_key: pd.Series, max_depth: int = 5) -> pd.Series:
    """The top-level post each record belongs to (comments and replies climb their parents)."""
    parent_of = pd.Series(parent_key.to_numpy(), index=post_key.to_numpy()).dropna()
    parent_of = parent_of[~parent_of.index.duplicated()]
    root = post_key.copy()
    for _ in range(max_depth):
        up = root.map(parent_of)
        if up.isna().all():
            break
        root = up.fillna(root)
    return root


def _explode_themes(post_ids: pd.Series, classified: pd.DataFrame) -> pd.DataFrame:
    has = classified["themes"].astype(str) != ""
    if not has.any():
        return pd.DataFrame({"post_id": pd.Series(dtype="string"), "theme": pd.Series(dtype="string"),
                             "matched_terms": pd.Series(dtype="string")})
    sub = pd.DataFrame({"post_id": post_ids[has].to_numpy(), "themes": classified.loc[has, "themes"].to_numpy(),
                        "matched": classified.loc[has, "matched"].to_numpy()})
    sub["theme"] = sub["themes"].str.split(";")
    sub = sub.explode("theme", ignore_index=True)
    # matched is one JSON object per post; keep each theme's own terms.
    cache: dict[str, dict] = {}
    terms = []
    for matched, theme in zip(sub["matched"], sub["theme"]):
        parsed = cache.get(matched)
        if parsed is None:
            parsed = cache[matched] = json.loads(matched)
        terms.append(json.dumps(parsed.get(theme, []), ensure_ascii=False))
    sub["matched_terms"] = terms
    return sub[["post_id", "theme", "matched_terms"]]
