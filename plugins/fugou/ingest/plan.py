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
EXTENSIONS = (".csv", ".parquet")


@dataclass
class Partition:
    entity: str
    day: str
    files: dict[str, str]  # path relative to FUGOU_HOME -> sha256


def _scan(p: Paths, day: dt.date) -> dict[str, list[tuple[str, list[Path]]]]:
    found: dict[str, list[tuple[str, list[Path]]]] = {}
    for name in ENTITY_ORDER:
        root = p.landing / name
        parts: list[tuple[str, list[Path]]] = []
        if root.is_dir():
            for sub in sorted(root.iterdir()):
                if not (sub.is_dir() and DAY_DIR.match(sub.name)):
                    continue
                if parse_day(sub.name) > day:
                    continue
                files = sorted(f for f in sub.iterdir() if f.is_file() and f.suffix.lower() in EXTENSIONS)
                if files:
                    parts.append((sub.name, files))
        found[name] = parts
    return found


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


def plan(con: duckdb.DuckDBPyConnection, p: Paths, day: dt.date) -> tuple[dict[str, list[Partition]], dict[str, int]]:
    loaded: dict[tuple[str, str], dict[str, str]] = {}
    for ent, pdate, source, checksum in con.execute(
        "select entity, partition_date, source_file, checksum from ops.load_manifest"
    ).fetchall():
        loaded.setdefault((ent, pdate.isoformat()), {})[source] = checksum
    todo: dict[str, list[Partition]] = {}
    skipped: dict[str, int] = {}
    checksum = Checksums(p)
    for name, parts in _scan(p, day).items():
        todo[name], skipped[name] = [], 0
        for pday, files in parts:
            current = {rel: checksum(f, rel) for f in files for rel in [relative_path(f, p)]}
            if loaded.get((name, pday)) == current:
                skipped[name] += 1
            else:
                todo[name].append(Partition(name, pday, current))
    checksum.save()
    return todo, skipped

