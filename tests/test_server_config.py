"""The server settings Wijkbeeld relies on, read the way Streamlit reads them (.streamlit/config.toml from the
working directory), and checked once against a running server: it listens on loopback only, serves Leaflet
from static/ and nothing outside it, and sets the XSRF cookie."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser import free_port

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {
    "server.address": "127.0.0.1",          # loopback only; anything wider goes through a reverse proxy with sign-in
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,              # True = CORS protection on (same origin only)
    "server.enableStaticServing": True,     # Leaflet from static/, no CDN
    "browser.gatherUsageStats": False,
    "client.showErrorDetails": "none",      # no tracebacks (paths, SQL) in the browser
    "client.toolbarMode": "viewer",         # no developer menu
    "server.runOnSave": False,
    "global.developmentMode": False,
}
MAX_UPLOAD_MB = 5


@pytest.fixture
def effective_config(monkeypatch):
    """streamlit.config as `streamlit run` in the repository would see it, without STREAMLIT_* overrides."""
    from streamlit import config

    for name in [n for n in os.environ if n.startswith("STREAMLIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)
    options = config.get_config_options(force_reparse=True)
    yield options
    config.get_config_options(force_reparse=True)


@pytest.mark.parametrize("name, value", list(EXPECTED.items()))
def test_effective_setting(effective_config, name, value):
    option = effective_config[name]
    assert option.value == value, f"{name} = {option.value!r} (from {option.where_defined}), expected {value!r}"


def test_settings_come_from_the_repositorys_config_file(effective_config):
    for name in ("server.address", "server.enableXsrfProtection", "browser.gatherUsageStats", "server.maxUploadSize"):
        assert Path(effective_config[name].where_defined) == ROOT / ".streamlit" / "config.toml", name


def test_upload_size_is_limited(effective_config):
    assert 0 < effective_config["server.maxUploadSize"].value <= MAX_UPLOAD_MB
    assert effective_config["server.maxMessageSize"].value <= 200


def test_config_file_is_valid_toml_with_no_unknown_sections():
    raw = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert set(raw) <= {"server", "browser", "client", "theme", "runner", "logger", "global"}
    assert raw["server"]["address"] in ("127.0.0.1", "localhost")


def test_secrets_stay_out_of_version_control():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".streamlit/secrets.toml" in ignored
    tracked = subprocess.run(["git", "ls-files", ".streamlit"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert all("secrets" not in name for name in tracked), tracked


def test_make_run_does_not_widen_the_address():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "server.address" not in makefile and "0.0.0.0" not in makefile


def _outside_address() -> str | None:
    """This machine's address on its default route, if it has one other than loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent for a UDP connect
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_a_plain_streamlit_run_listens_on_loopback_only(tmp_path):
    """`streamlit run dashboard.py` with only a port: the address comes from config.toml."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env["WIJKBEELD_WAREHOUSE"] = str(tmp_path / "no-warehouse-needed.duckdb")
    log = tmp_path / "streamlit.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get_or_none(f"{base}/_stcore/health") != 200:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)
        outside = _outside_address()
        if outside:
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((outside, port)) != 0, f"the server answers on {outside}:{port}"
        status, headers, body = _get(f"{base}/app/static/leaflet/leaflet.js")
        assert status == 200 and b"Leaflet" in body[:2000]
        for escape in ("/app/static/../dashboard.py", "/app/static/%2e%2e/dashboard.py", "/app/static/..%2fdashboard.py",
                       "/app/static/../.streamlit/config.toml"):
            status, _, body = _get(base + escape)
            assert status >= 400 or b"st.navigation" not in body, escape
        status, headers, _ = _get(f"{base}/_stcore/health")
        assert "_streamlit_xsrf" in " ".join(v for k, v in headers.items() if k.lower() == "set-cookie")
        # A state-changing request without the XSRF token is refused before anything else is looked at.
        forged = urllib.request.Request(f"{base}/_stcore/upload_file/some-session/some-file", data=b"x", method="PUT",
                                        headers={"Origin": "http://evil.example"})
        try:
            urllib.request.urlopen(forged, timeout=5)
            status = 200
        except urllib.error.HTTPError as err:
            status = err.code
        assert status == 403
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _get_or_none(url: str) -> int | None:
    try:
        return _get(url)[0]
    except OSError:
        return None
