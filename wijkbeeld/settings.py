"""One typed settings object shared by the dashboard, the ETL and the tests.

Values come from defaults, overridden by environment variables (WIJKBEELD_*). Nothing else in the code
base should hard-code a path, threshold or privacy parameter.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    root: Path = ROOT
    # Warehouse the dashboard reads; builds write a sibling file and swap it in atomically.
    warehouse_path: Path = field(default_factory=lambda: _env_path("WIJKBEELD_WAREHOUSE", ROOT / "data" / "warehouse.duckdb"))
    # Where `python -m etl demo` writes the fictitious municipality in real source formats.
    demo_dir: Path = field(default_factory=lambda: _env_path("WIJKBEELD_DEMO_DIR", ROOT / "data" / "demo"))
    # Source configuration: which files to load (see data/sources.example.toml).
    sources_file: Path = field(default_factory=lambda: _env_path("WIJKBEELD_SOURCES", ROOT / "data" / "demo" / "sources.toml"))
    raw_cache_dir: Path = field(default_factory=lambda: _env_path("WIJKBEELD_RAW_CACHE", ROOT / "data" / "raw"))
    themes_file: Path = field(default_factory=lambda: _env_path("WIJKBEELD_THEMES", ROOT / "data" / "themes.yml"))
    # Optional learned theme model (`python -m etl themes train`); when present the build adds its themes to the rules'.
    themes_model_file: Path = field(default_factory=lambda: _env_path("WIJKBEELD_THEMES_MODEL", ROOT / "data" / "themes_model.joblib"))
    # Privacy: the pseudonym key is read from this environment variable (or Streamlit secrets), never stored.
    pseudonym_key_env: str = "WIJKBEELD_PSEUDONYM_KEY"
    retention_months: int = field(default_factory=lambda: _env_int("WIJKBEELD_RETENTION_MONTHS", 24))
    # Without permission to read post text (role beleid) a matched term is shown only when at least this many
    # messages in the selection matched it, so no single resident's wording is reproduced.
    min_messages_per_term_without_text: int = field(default_factory=lambda: _env_int("WIJKBEELD_MIN_TERM_MESSAGES", 5))
    # Honest numbers.
    min_population_for_ranking: int = field(default_factory=lambda: _env_int("WIJKBEELD_MIN_POPULATION", 200))
    min_respondents: int = field(default_factory=lambda: _env_int("WIJKBEELD_MIN_RESPONDENTS", 30))
    fdr_q: float = field(default_factory=lambda: _env_float("WIJKBEELD_FDR_Q", 0.10))
    hotspot_recent_months: int = 3
    hotspot_min_history_months: int = 24
    # Loading.
    max_reject_ratio: float = field(default_factory=lambda: _env_float("WIJKBEELD_MAX_REJECT_RATIO", 0.05))
    max_record_bytes: int = 1_000_000
    # Bump when the marts change shape: the dashboard refuses a warehouse built for another version.
    schema_version: int = 2

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)


def get_settings() -> Settings:
    """Fresh settings from the current environment (cheap; tests set env vars then call this)."""
    return Settings()
