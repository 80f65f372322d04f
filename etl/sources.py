"""The sources configuration: which files a build loads (a small TOML file a municipality can edit).

    is_demo = false
    pages = "pages.csv"            # page id, platform, name, wijk codes, launch date, owner type
    accounts = "accounts.csv"      # organisational accounts (gemeente, politie, corporatie, welzijn)
    [[boundaries]]   path = "..."  (GeoJSON, TopoJSON, GeoPackage, Shapefile)
    [[population]]   path = "..."  (CBS Kerncijfers wijken en buurten table folder)
    [[police_crime]] path = "..."  (47022NED / 47018NED / 47024NED folder or CSV download)
    [[survey]]       path = "..."  (Veiligheidsmonitor 85146NED folder or StatLine CSV)
    [[survey_respondents]] path = "...", gemeente_code = "GM0867", period = "2023"  (own wijk survey, CSV/Excel)
    [[posts]]        path = "...", format = "facebook_graph" | ..., page_id = "...", exported_at = "..."

Relative paths are resolved against the folder of the TOML file.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from etl.readers.base import SourceError

SOURCE_KINDS = ("boundaries", "population", "police_crime", "survey", "survey_respondents", "posts")


@dataclass(frozen=True)
class SourceEntry:
    kind: str
    path: Path
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SourcesConfig:
    config_path: Path
    is_demo: bool
    pages_csv: Path | None
    accounts_csv: Path | None
    entries: tuple[SourceEntry, ...]
    retention_reference_date: date | None = None
    retention_months: int | None = None

    def of_kind(self, kind: str) -> list[SourceEntry]:
        return [e for e in self.entries if e.kind == kind]


def load_sources(config_path: Path) -> SourcesConfig:
    config_path = Path(config_path)
    if not config_path.exists():
        raise SourceError(config_path, "bronnenbestand ontbreekt (maak de demo met `python -m etl demo` of zie data/sources.example.toml)")
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SourceError(config_path, f"geen geldige TOML: {err}") from err
    base = config_path.parent

    def resolve(value: str | None) -> Path | None:
        if not value:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (base / p)

    unknown = set(raw) - {"is_demo", "pages", "accounts", "retention_reference_date", "retention_months", *SOURCE_KINDS}
    if unknown:
        raise SourceError(config_path, f"onbekende sleutel(s): {', '.join(sorted(unknown))}")
    entries = []
    for kind in SOURCE_KINDS:
        items = raw.get(kind, [])
        if not isinstance(items, list):
            raise SourceError(config_path, f"[[{kind}]] moet een lijst van tabellen zijn")
        for i, item in enumerate(items):
            if "path" not in item:
                raise SourceError(config_path, f"[[{kind}]] nummer {i + 1} heeft geen path")
            options = {k: v for k, v in item.items() if k != "path"}
            entries.append(SourceEntry(kind, resolve(item["path"]), options))
    ref = raw.get("retention_reference_date")
    if isinstance(ref, str):
        ref = datetime.fromisoformat(ref).date()
    return SourcesConfig(
        config_path=config_path,
        is_demo=bool(raw.get("is_demo", False)),
        pages_csv=resolve(raw.get("pages")),
        accounts_csv=resolve(raw.get("accounts")),
        entries=tuple(entries),
        retention_reference_date=ref,
        retention_months=raw.get("retention_months"),
    )
