"""Keyed pseudonyms for authors (etl.text.pseudonym)."""
from __future__ import annotations

import hashlib
import hmac
import logging
import re

import numpy as np
import pandas as pd
import pytest

from etl.text.pseudonym import (
    DEMO_PSEUDONYM_KEY,
    PseudonymKeyError,
    is_demo_key,
    key_fingerprint,
    load_key,
    normalise_identity,
    pseudonymise,
)

KEY = b"test-key-0123456789abcdef"
OTHER_KEY = b"another-key-0123456789abcdef"
TOKEN = re.compile(r"^p_[0-9a-f]{16}$")
ENV = "WIJKBEELD_TEST_PSEUDONYM_KEY"


# ---- load_key ------------------------------------------------------------------------------------------------------
def _secrets(tmp_path, body: str):
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def test_key_from_environment_wins(monkeypatch, tmp_path):
    secrets = _secrets(tmp_path, '[privacy]\npseudonym_key = "from-secrets-0123456789"\n')
    monkeypatch.setenv(ENV, "  from-env-0123456789abcdef \n")
    assert load_key(ENV, secrets) == b"from-env-0123456789abcdef"


def test_key_from_secrets_toml(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV, raising=False)
    secrets = _secrets(tmp_path, 'other = 1\n[privacy]\npseudonym_key = "from-secrets-0123456789"\n')
    assert load_key(ENV, secrets) == b"from-secrets-0123456789"


def test_relative_secrets_path_is_read_from_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV, raising=False)
    _secrets(tmp_path, '[privacy]\npseudonym_key = "relative-0123456789abc"\n')
    monkeypatch.chdir(tmp_path)
    assert load_key(ENV) == b"relative-0123456789abc"


@pytest.mark.parametrize("body", [None, "[privacy]\n", '[privacy]\npseudonym_key = ""\n', "[other]\nx = 1\n"])
def test_no_key_is_a_clear_error(monkeypatch, tmp_path, body):
    monkeypatch.setenv(ENV, "   ")  # blank counts as not set
    secrets = tmp_path / "secrets.toml" if body is None else _secrets(tmp_path, body)
    with pytest.raises(PseudonymKeyError) as err:
        load_key(ENV, secrets)
    message = str(err.value)
    assert ENV in message and str(secrets) in message and "token_hex" in message


def test_demo_key_only_when_allowed_and_only_as_fallback(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv(ENV, raising=False)
    missing = tmp_path / "none.toml"
    with caplog.at_level(logging.WARNING):
        key = load_key(ENV, missing, allow_demo=True)
    assert key == DEMO_PSEUDONYM_KEY and is_demo_key(key)
    assert "DEMO" in caplog.text
    monkeypatch.setenv(ENV, "real-key-0123456789abcdef")
    assert load_key(ENV, missing, allow_demo=True) == b"real-key-0123456789abcdef"
    assert not is_demo_key(load_key(ENV, missing))


def test_key_value_never_appears_in_errors(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, "shortsecret")
    with pytest.raises(PseudonymKeyError) as err:
        load_key(ENV, tmp_path / "none.toml")
    assert "shortsecret" not in str(err.value) and "too short" in str(err.value)

    monkeypatch.delenv(ENV)
    secrets = _secrets(tmp_path, '[privacy]\npseudonym_key = "tinysecret"\n')
    with pytest.raises(PseudonymKeyError) as err:
        load_key(ENV, secrets)
    assert "tinysecret" not in str(err.value)

    broken = _secrets(tmp_path, '[privacy]\npseudonym_key = "unterminated-secret-value\n')
    with pytest.raises(PseudonymKeyError, match="not valid TOML") as err:
        load_key(ENV, broken)
    assert "unterminated-secret-value" not in str(err.value) and str(broken) in str(err.value)

    wrong_type = _secrets(tmp_path, "[privacy]\npseudonym_key = 12345678901234567890\n")
    with pytest.raises(PseudonymKeyError, match="must be a string") as err:
        load_key(ENV, wrong_type)
    assert "12345678901234567890" not in str(err.value)


# ---- key_fingerprint -------------------------------------------------------------------------------------------
def test_fingerprint_is_short_stable_and_key_specific():
    fingerprint = key_fingerprint(KEY)
    assert re.fullmatch(r"fp_[0-9a-f]{12}", fingerprint)
    assert key_fingerprint(KEY) == fingerprint
    assert key_fingerprint(OTHER_KEY) != fingerprint
    assert KEY.decode() not in fingerprint
    with pytest.raises(PseudonymKeyError):
        key_fingerprint("not-bytes")  # type: ignore[arg-type]


# ---- pseudonymise --------------------------------------------------------------------------------------------------
def test_tokens_have_the_documented_form_and_scheme():
    out = pseudonymise(pd.Series(["  Jan  Jansen "]), KEY, platform="Facebook")
    expected = "p_" + hmac.new(KEY, b"8:facebook|jan jansen", hashlib.sha256).hexdigest()[:16]
    assert out.iloc[0] == expected and TOKEN.match(out.iloc[0])


def test_stable_normalised_and_na_preserving():
    values = pd.Series(["Jan Jansen", "jan  jansen", "JAN JANSEN", None, "Piet", "Ｊａｎ Jansen"],
                       index=list("abcdef"), name="author_ref", dtype="string")
    out = pseudonymise(values, KEY, platform="facebook")
    assert out.index.equals(values.index) and out.name == "author_ref" and out.dtype == "string"
    assert out["a"] == out["b"] == out["c"] == out["f"]  # case, spaces and full-width letters do not matter
    assert pd.isna(out["d"]) and out["e"] != out["a"]
    assert out.equals(pseudonymise(values, KEY, platform="facebook"))


def test_tokens_depend_on_key_and_platform():
    values = pd.Series(["100001234567", "100001234567"])
    per_platform = pseudonymise(values, KEY, platform=pd.Series(["facebook", "whatsapp"]))
    assert per_platform.iloc[0] != per_platform.iloc[1]
    assert per_platform.iloc[0] == pseudonymise(values, KEY, platform="facebook").iloc[0]
    assert pseudonymise(values, OTHER_KEY, platform="facebook").iloc[0] != per_platform.iloc[0]


def test_many_rows_agree_with_the_one_by_one_definition():
    rng = np.random.default_rng(7)
    authors = pd.Series([f"user {i}" for i in rng.integers(0, 500, 20_000)], dtype="string")
    authors[rng.random(20_000) < 0.05] = pd.NA
    platform = pd.Series(np.where(rng.random(20_000) < 0.3, "whatsapp", "facebook"), dtype="string")
    out = pseudonymise(authors, KEY, platform=platform)
    assert out.isna().equals(authors.isna())
    sample = rng.choice(np.flatnonzero(authors.notna().to_numpy()), 50, replace=False)
    for i in sample:
        message = f"{len(platform[i])}:{platform[i]}|{normalise_identity(authors[i])}".encode()
        assert out[i] == "p_" + hmac.new(KEY, message, hashlib.sha256).hexdigest()[:16]
    pairs = pd.DataFrame({"a": authors, "p": platform, "t": out}).dropna()
    assert (pairs.groupby(["a", "p"])["t"].nunique() == 1).all()
    assert pairs.drop_duplicates(["a", "p"])["t"].is_unique


def test_object_and_integer_identities():
    out = pseudonymise(pd.Series([123, "123", None, "  "], dtype=object), KEY, platform="csv")
    assert out.iloc[0] == out.iloc[1] and pd.isna(out.iloc[2]) and pd.isna(out.iloc[3])


def test_bad_arguments():
    values = pd.Series(["a", "b"])
    with pytest.raises(PseudonymKeyError):
        pseudonymise(values, b"short", platform="facebook")
    with pytest.raises(ValueError, match="platform is missing"):
        pseudonymise(values, KEY, platform=pd.Series(["facebook", None]))
    with pytest.raises(ValueError, match="same index"):
        pseudonymise(values, KEY, platform=pd.Series(["facebook", "facebook"], index=[5, 6]))
    with pytest.raises(ValueError):
        pseudonymise(values, KEY, platform="  ")
    assert pseudonymise(pd.Series([None, None], dtype="string"), KEY, platform="x").isna().all()
    assert pseudonymise(pd.Series([], dtype="string"), KEY, platform="x").empty
