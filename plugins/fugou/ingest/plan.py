"""Which landing partitions need loading: the scan of ``landing/`` and the manifest comparison."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from fugou.contract import ENTITY_ORDER
from fugou.dates import parse_day
from fugou.ingest.base import file_checksum, relative_path
from fugou.settings import Paths

DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# what a day folder may hold: delimited text (plain or gzip) and Parquet
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
SUFFIXES = (*TEXT_SUFFIXES, ".parquet")


def is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(".parquet")


@dataclass
class Partition:
    entity: str
    day: str
    files: dict[str, str]  # path relative to FUGOU_HOME -> sha256


@dataclass(frozen=True)
class LandingProblem:
    """Something in ``landing/`` that the load does not take: where, what is wrong, what to do."""

    path: str  # relative to FUGOU_HOME
    problem: str
    action: str


def _day_folder_problem(name: str) -> str | None:
    """Why ``name`` is not a day folder, or None when it is one."""
    if DAY_DIR.match(name):
        try:
            parse_day(name)
            return None
        except ValueError:
            return f"{name!r} is not a calendar day"
    parts = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", name)
    if parts:
        try:
            fixed = dt.date(*map(int, parts.groups())).isoformat()
            return f"{name!r} is not written YYYY-MM-DD (rename it {fixed})"
        except ValueError:
            return f"{name!r} is not a calendar day"
    return f"{name!r} is not a day folder (YYYY-MM-DD)"


def _leaves_home(path: Path, p: Paths) -> bool:
    if not path.is_symlink():
        return False
    try:
        path.resolve().relative_to(p.home.resolve())
        return False
    except ValueError:
        return True


def scan(p: Paths, day: dt.date) -> tuple[dict[str, list[tuple[str, list[Path]]]], list[LandingProblem]]:
    """The day folders up to ``day`` of every entity, with their files; and every problem in ``landing/``.

    Nothing is skipped silently: an unknown entity folder, a folder that is not a day, a file outside a
    day folder, a nested folder, a file of an unknown type and a link leading outside FUGOU_HOME are each
    a :class:`LandingProblem` (they block no valid day; the run lists them loudly). Day folders after
    ``day`` are left for their own run.
    """
    found: dict[str, list[tuple[str, list[Path]]]] = {name: [] for name in ENTITY_ORDER}
    problems: list[LandingProblem] = []

    def problem(path: Path, what: str, action: str) -> None:
        problems.append(LandingProblem(relative_path(path, p) if not path.is_symlink()
                                       else path.relative_to(p.home).as_posix(), what, action))

    if not p.landing.is_dir():
        return found, problems
    entities = ", ".join(ENTITY_ORDER)
    for root in sorted(p.landing.iterdir()):
        if _leaves_home(root, p):
            problem(root, "a link to a place outside FUGOU_HOME: not followed", "copy the files into landing instead")
            continue
        if root.name not in found or not root.is_dir():
            kind = "folder" if root.is_dir() else "file"
            problem(root, f"unknown {kind} {root.name!r} in landing/ (expected entity folders: {entities})",
                    "move its files to landing/<entity>/<YYYY-MM-DD>/")
            continue
        for sub in sorted(root.iterdir()):
            if _leaves_home(sub, p):
                problem(sub, "a link to a place outside FUGOU_HOME: not followed", "copy the files in instead")
                continue
            if not sub.is_dir():
                problem(sub, f"a file directly in landing/{root.name}/, outside a day folder",
                        f"move it to landing/{root.name}/<YYYY-MM-DD>/ (the day it holds)")
                continue
            why = _day_folder_problem(sub.name)
            if why:
                problem(sub, why, "rename the folder to the day its files hold, YYYY-MM-DD")
                continue
            if parse_day(sub.name) > day:
                continue
            files = []
            for f in sorted(sub.iterdir()):
                if _leaves_home(f, p):
                    problem(f, "a link to a file outside FUGOU_HOME: not followed", "copy the file in instead")
                elif f.is_dir():
                    problem(f, "a folder inside a day folder: its files are not read",
                            f"move its files up into {relative_path(sub, p)}/")
                elif not f.name.lower().endswith(SUFFIXES):
                    problem(f, f"unknown file type (taken: {', '.join(SUFFIXES)})",
                            "save it as CSV/TSV (optionally gzip) or Parquet, or remove it")
                else:
                    files.append(f)
            if files:
                found[root.name].append((sub.name, files))
    return found, problems


CHECKSUM_CACHE = ".cache/landing_checksums.json"  # under FUGOU_HOME


class Checksums:
    """SHA-256 of landing files, remembered by (size, mtime_ns, inode) in ``$FUGOU_HOME/.cache``, so a daily
    run does not re-hash years of unchanged partitions (a rewritten file changes its mtime or inode, so it
    is hashed again; the manifest still compares SHA-256 values)."""

    def __init__(self, p: Paths) -> None:
        self.path = p.home / CHECKSUM_CACHE
        try:
            self.known: dict[str, list[Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        self.seen: dict[str, list[Any]] = {}

    def __call__(self, path: Path, rel: str) -> str:
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        entry = self.known.get(rel)
        if entry is None or entry[:3] != stamp:
            entry = [*stamp, file_checksum(path)]
        self.seen[rel] = entry
        return entry[3]

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{uuid.uuid4().hex[:6]}.tmp")
            tmp.write_text(json.dumps({**self.known, **self.seen}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # a cache only: never fail a load over it
            pass


@dataclass
class Plan:
    """What a load does: ``todo`` (partitions to (re)load per entity), ``skipped`` (unchanged, per
    entity) and ``problems`` (what in landing/ is not taken)."""

    todo: dict[str, list[Partition]]
    skipped: dict[str, int]
    problems: list[LandingProblem]


def plan(con: duckdb.DuckDBPyConnection, p: Paths, day: dt.date, now: dt.datetime) -> Plan:
    """Compare the landing day folders up to ``day`` with the load manifest. A partition is (re)loaded
    when its files changed, or when rows of it were rejected only for lying in the future and its day
    has ended by ``now`` (they are taken now)."""
    retake = {
        (entity, pdate.isoformat())
        for entity, pdate in con.execute(
            "select distinct entity, partition_date from ops.rejected_rows "
            "where ends_with(reason, '_in_future') and partition_date < ?", [now.date()]
        ).fetchall()
    }
    loaded: dict[tuple[str, str], dict[str, str]] = {}
    for ent, pdate, source, checksum in con.execute(
        "select entity, partition_date, source_file, checksum from ops.load_manifest"
    ).fetchall():
        loaded.setdefault((ent, pdate.isoformat()), {})[source] = checksum
    todo: dict[str, list[Partition]] = {}
    skipped: dict[str, int] = {}
    checksum = Checksums(p)
    found, problems = scan(p, day)
    for name, parts in found.items():
        todo[name], skipped[name] = [], 0
        for pday, files in parts:
            current = {rel: checksum(f, rel) for f in files for rel in [relative_path(f, p)]}
            if loaded.get((name, pday)) == current and (name, pday) not in retake:
                skipped[name] += 1
            else:
                todo[name].append(Partition(name, pday, current))
    checksum.save()
    return Plan(todo, skipped, problems)

