"""Where fugou keeps its data and how it is configured.

Everything lives under one folder, ``FUGOU_HOME`` (default ``<repo>/data``). Operational settings
(ingest thresholds, column mappings, quality thresholds) come from ``config/fugou.toml`` in the
repository, overridden key by key by ``$FUGOU_HOME/fugou.toml`` when that file exists. Business rules
are not here: they are dbt vars and seeds (``dbt_project/``), read through :func:`fugou.transform.cli.dbt_vars`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DAGS_DIR = REPO_ROOT / "dags"
DEFAULT_CONFIG = REPO_ROOT / "config" / "fugou.toml"


@dataclass(frozen=True)
class Paths:
    """Every location under ``FUGOU_HOME``."""

    home: Path

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def analytics(self) -> Path:
        return self.home / "analytics.duckdb"

    @property
    def parquet(self) -> Path:
        return self.home / "parquet"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def quality(self) -> Path:
        return self.home / "quality"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def dbt_target(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def dbt_logs(self) -> Path:
        return self.home / "dbt" / "logs"

    def landing_partition(self, entity: str, day: str) -> Path:
        return self.landing / entity / day


OWNER_ONLY_UMASK = 0o077


def owner_only_files() -> None:
    """From now on, files and folders this process (and its dbt / Airflow subprocesses) creates are
    readable by their owner only (0600 / 0700), whatever the caller's umask: the warehouse, its WAL,
    quarantine files and send lists hold phone numbers (DESIGN.md "PII stays in one place")."""
    os.umask(OWNER_ONLY_UMASK)


def fugou_home() -> Path:
    """The data folder: ``$FUGOU_HOME`` or ``<repo>/data``."""
    return Path(os.environ.get("FUGOU_HOME") or REPO_ROOT / "data").resolve()


def paths(home: Path | str | None = None) -> Paths:
    """Paths under ``home`` (default: :func:`fugou_home`)."""
    return Paths(Path(home).resolve() if home else fugou_home())


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return -1.0


@cache
def _load_config(home: str, _versions: tuple[float, float] = (0.0, 0.0)) -> dict[str, Any]:
    """The merged configuration; ``_versions`` (the files' mtimes) makes an edited file reload."""
    with DEFAULT_CONFIG.open("rb") as fh:
        config = tomllib.load(fh)
    local = Path(home) / "fugou.toml"
    if local.exists():
        with local.open("rb") as fh:
            config = _merge(config, tomllib.load(fh))
    return config


def config(home: Path | str | None = None) -> dict[str, Any]:
    """The merged operational configuration (repo defaults + ``$FUGOU_HOME/fugou.toml``)."""
    root = paths(home).home
    return _load_config(str(root), (_mtime(DEFAULT_CONFIG), _mtime(root / "fugou.toml")))


def setting(dotted: str, home: Path | str | None = None) -> Any:
    """One configuration value by dotted key, e.g. ``setting("ingest.max_rejected_share")``."""
    node: Any = config(home)
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"configuration key {dotted!r} is not set (looked in {DEFAULT_CONFIG})")
        node = node[part]
    return node


def shop_timezone(home: Path | str | None = None) -> str:
    """The shop's time zone, ``[shop] timezone`` (an IANA name such as ``Asia/Shanghai``): it decides which
    calendar day a run processes, when a day has ended, and the DAG's schedule."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(setting("shop.timezone", home))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"[shop] timezone = {name!r} in fugou.toml is not a time zone: use an IANA name such as "
            "'Asia/Shanghai' or 'Asia/Hong_Kong'") from None
    return name
