"""Keyed pseudonyms for authors (AVG / GDPR).

An author's identity is replaced by 'p_' + 16 hex characters of HMAC-SHA256(key, platform, identity). The same
person on the same platform gets the same token in every build that uses the same key, so counts per author
stay possible; without the key nobody can go back from token to person, nor test a guessed name.

The key comes from the environment (WIJKBEELD_PSEUDONYM_KEY) or from `[privacy] pseudonym_key` in
.streamlit/secrets.toml. The demo may use DEMO_PSEUDONYM_KEY, which is public (it is in this file): pseudonyms
made with it protect nobody, so real data must never be loaded with it.

The key is never logged, printed or put into an error message; `key_fingerprint` gives a short, non-reversible
id for the run log so a reader can tell whether two builds used the same key.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tomllib
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# Public on purpose: only for the fictitious demo municipality. Never for real residents' data.
DEMO_PSEUDONYM_KEY = b"wijkbeeld-DEMO-pseudonym-key-PUBLIC-never-use-for-real-data"
MIN_KEY_BYTES = 16
TOKEN_PREFIX = "p_"
TOKEN_HEX_CHARS = 16
# Fingerprint: slow on purpose (PBKDF2) so a short fingerprint in a log does not help anyone guess a weak key.
_FINGERPRINT_SALT = b"wijkbeeld/pseudonym-key-fingerprint/v1"
_FINGERPRINT_ITERATIONS = 200_000

_HOW_TO_MAKE_A_KEY = 'make one with: python -c "import secrets; print(secrets.token_hex(32))"'


class PseudonymKeyError(RuntimeError):
    """No usable pseudonym key. The message says where the key was looked for, never what it was."""


def _checked(raw: str, where: str) -> bytes:
    key = raw.strip().encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"the pseudonym key in {where} is too short (at least {MIN_KEY_BYTES} characters); {_HOW_TO_MAKE_A_KEY}"
        )
    return key


def load_key(
    env_var: str = "WIJKBEELD_PSEUDONYM_KEY",
    secrets_path: Path = Path(".streamlit/secrets.toml"),
    *,
    allow_demo: bool = False,
) -> bytes:
    """The pseudonym key: the environment variable, else `[privacy] pseudonym_key` in the secrets TOML.

    Without either, raise PseudonymKeyError, unless `allow_demo` is set: then return DEMO_PSEUDONYM_KEY, a public
    key for the fictitious demo data only. A relative `secrets_path` is taken from the current directory, as
    Streamlit does.
    """
    from_env = os.environ.get(env_var, "")
    if from_env.strip():
        return _checked(from_env, f"environment variable {env_var}")
    secrets_path = Path(secrets_path)
    if secrets_path.is_file():
        try:
            with secrets_path.open("rb") as handle:
                secrets = tomllib.load(handle)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            # The decode error quotes no values, but keep only its position to be sure.
            raise PseudonymKeyError(f"{secrets_path}: not valid TOML ({type(err).__name__})") from None
        privacy = secrets.get("privacy")
        value = privacy.get("pseudonym_key") if isinstance(privacy, dict) else None
        if value is not None:
            if not isinstance(value, str):
                raise PseudonymKeyError(f"{secrets_path}: [privacy] pseudonym_key must be a string")
            if value.strip():
                return _checked(value, f"{secrets_path} [privacy] pseudonym_key")
    if allow_demo:
        log.warning("Using the public DEMO pseudonym key: fine for demo data, never for real residents' data.")
        return DEMO_PSEUDONYM_KEY
    raise PseudonymKeyError(
        f"no pseudonym key: set the environment variable {env_var} or [privacy] pseudonym_key in "
        f"{secrets_path}; {_HOW_TO_MAKE_A_KEY}"
    )


def is_demo_key(key: bytes) -> bool:
    return hmac.compare_digest(key, DEMO_PSEUDONYM_KEY)


def key_fingerprint(key: bytes) -> str:
    """A short, non-reversible id of the key for the run log, e.g. 'fp_1a2b3c4d5e6f'."""
    if not isinstance(key, bytes) or not key:
        raise PseudonymKeyError("key_fingerprint needs the key as non-empty bytes")
    digest = hashlib.pbkdf2_hmac("sha256", key, _FINGERPRINT_SALT, _FINGERPRINT_ITERATIONS)
    return "fp_" + digest.hex()[:12]


def normalise_identity(value: str) -> str:
    """Same person, same token: Unicode NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def _token(key: bytes, platform: str, identity: str) -> str:
    # Length-prefixed so that ('ab', 'c') and ('a', 'bc') can never give the same message.
    message = f"{len(platform)}:{platform}|{identity}".encode("utf-8")
    return TOKEN_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:TOKEN_HEX_CHARS]


def pseudonymise(values: pd.Series, key: bytes, *, platform: pd.Series | str) -> pd.Series:
    """Replace identities by stable tokens 'p_<16 hex>'; NA (and a blank identity) gives NA.

    `platform` is one name for all rows or a Series with the same index as `values`; the same identity on two
    platforms gets two tokens. HMACs are computed once per distinct (platform, identity) pair.
    Returns a 'string' Series with the index and name of `values`.
    """
    if not isinstance(values, pd.Series):
        raise TypeError("pseudonymise expects a pandas Series")
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"pseudonymise needs the key as bytes of at least {MIN_KEY_BYTES} bytes")
    n = len(values)
    value_codes, value_uniques = pd.factorize(values, use_na_sentinel=True)
    value_uniques = np.asarray(value_uniques, dtype=object)
    if isinstance(platform, pd.Series):
        if not platform.index.equals(values.index):
            raise ValueError("platform must have the same index as values")
        platform_codes, platform_uniques = pd.factorize(platform, use_na_sentinel=True)
        if ((platform_codes < 0) & (value_codes >= 0)).any():
            raise ValueError("platform is missing for rows that have an identity")
    else:
        if not isinstance(platform, str) or not platform.strip():
            raise ValueError("platform must be a non-empty string or a Series")
        platform_codes = np.zeros(n, dtype=np.int64)
        platform_uniques = np.array([platform], dtype=object)

    present = value_codes >= 0
    pair = platform_codes[present].astype(np.int64) * max(len(value_uniques), 1) + value_codes[present]
    unique_pairs, pair_codes = np.unique(pair, return_inverse=True)
    platform_names = [normalise_identity(str(p)) for p in platform_uniques]
    identities = {}  # normalise each distinct raw value once
    tokens = np.empty(len(unique_pairs), dtype=object)
    for i, code in enumerate(unique_pairs.tolist()):
        p_code, v_code = divmod(code, max(len(value_uniques), 1))
        identity = identities.get(v_code)
        if identity is None:
            identity = identities[v_code] = normalise_identity(str(value_uniques[v_code]))
        tokens[i] = _token(key, platform_names[p_code], identity) if identity else None  # blank = unknown

    result = np.full(n, None, dtype=object)
    result[present] = tokens[pair_codes]
    return pd.Series(result, index=values.index, name=values.name, dtype="string")
