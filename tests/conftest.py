"""Shared pytest fixtures: an isolated FUGOU_HOME per test, and a warehouse connection in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fugou import settings
from fugou.settings import Paths


@pytest.fixture
def fugou_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A fresh, empty FUGOU_HOME for one test (env var set, config cache cleared)."""
    home = tmp_path / "fugou_home"
    home.mkdir()
    monkeypatch.setenv("FUGOU_HOME", str(home))
    settings._load_config.cache_clear()
    yield settings.paths(home)
    settings._load_config.cache_clear()


@pytest.fixture
def warehouse(fugou_home: Paths) -> Iterator:
    """A read-write connection to the test's warehouse, with fugou's raw/ops tables created."""
    from fugou.warehouse import connect

    con = connect(fugou_home.warehouse)
    yield con
    con.close()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``runs_long`` first (stable otherwise): with two workers, one starts the longest test while
    the other runs the rest, instead of one long test finishing alone at the end."""
    def rank(item: pytest.Item) -> int:
        return 0 if item.get_closest_marker("runs_long") else 1 if item.get_closest_marker("airflow") else 2

    items.sort(key=rank)  # then the Airflow tests, then the rest
    # a module whose tests share a module-scoped fixture (a built warehouse) runs on one worker: with
    # `--dist loadgroup` an unmarked test is scheduled alone, and each worker would build the fixture again
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        defs = getattr(item, "_fixtureinfo", None)
        scopes = {d.scope for ds in (defs.name2fixturedefs.values() if defs else ()) for d in ds}
        if scopes & {"module", "package", "session"}:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
