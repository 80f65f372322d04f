"""A real dashboard server: `streamlit run dashboard.py` on a free loopback port, ready once /_stcore/health answers.

One implementation for the load test (bench.loadtest) and the browser tests (tests.browser). Each caller passes
what differs: extra environment, Streamlit config options, where the log goes, how long start-up may take. bench
never imports tests; tests import this module.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 60.0
HEALTH_POLL_S = 0.3
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def usage(self) -> tuple[float | None, float | None]:
        """CPU seconds used so far and peak resident memory (MB) of the dashboard process (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            status = Path(f"/proc/{self.pid}/status").read_text()
            peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
            return cpu, peak
        except (OSError, StopIteration, IndexError, ValueError):
            return None, None


@contextlib.contextmanager
def dashboard_server(warehouse: Path, log_dir: Path, *, extra_env: dict[str, str] | None = None,
                     options: dict[str, str] | None = None, timeout: float = STARTUP_TIMEOUT_S) -> Iterator[Server]:
    """Start the dashboard on `warehouse` (WIJKBEELD_WAREHOUSE, then `extra_env` on top of this environment), with
    Streamlit config `options` as `--key value` flags; its output goes to log_dir/streamlit-<port>.log. Yields the
    Server once it is healthy; raises RuntimeError with the log's tail if it exits or `timeout` seconds pass.
    The process is terminated (killed after STOP_TIMEOUT_S) on exit."""
    port = free_port()
    env = {**os.environ, "WIJKBEELD_WAREHOUSE": str(warehouse), **(extra_env or {})}
    log_path = Path(log_dir) / f"streamlit-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             *[part for key, value in (options or {}).items() for part in (f"--{key}", value)]],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(f"dashboard startte niet: {log_path.read_text()[-2000:]}")
                time.sleep(HEALTH_POLL_S)
            yield Server(url, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT_S)
