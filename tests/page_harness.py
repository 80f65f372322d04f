"""Shared by the page tests: run a page in AppTest, record what it offers for download, find a table."""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture
def downloaded(monkeypatch) -> list[pd.DataFrame]:
    """Every frame a run hands to ui.downloads: the content of its CSV and Excel files, however the bytes are made."""
    import wijkbeeld.ui as ui

    frames: list[pd.DataFrame] = []
    original = ui.downloads

    def record(state, frame, name):
        frames.append(frame)
        return original(state, frame, name)

    monkeypatch.setattr(ui, "downloads", record)
    return frames


@pytest.fixture
def deferred(monkeypatch) -> list:
    """Every deferred download (file name, callable) a run registers; calling the callable makes the bytes."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: list[tuple[str, object]] = []
    original = MediaFileManager.add_deferred

    def record(self, fn, mimetype, coordinates, file_name=None, **kw):
        seen.append((file_name or "", fn))
        return original(self, fn, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen


def download_texts(frames: list[pd.DataFrame]) -> list[str]:
    return [str(v) for f in frames for v in [*f.columns, *f.to_numpy(dtype=object).ravel()]]


def run_page(script: str, params: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(script, default_timeout=90)
    if user:
        at.user = user
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


# Sign-in configured with one beleid user, for the role checks of the page tests.
BELEID_SECRETS = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "test-cookie-secret-not-for-production"

[wijkbeeld.roles]
emails = { "b.beleid@gemeente.nl" = "beleid" }
"""


@pytest.fixture(scope="module")
def wh(demo_warehouse):
    from wijkbeeld.db import Warehouse

    return Warehouse(demo_warehouse)


@pytest.fixture(scope="module")
def con(demo_warehouse):
    import duckdb

    with duckdb.connect(str(demo_warehouse), read_only=True) as c:
        yield c
