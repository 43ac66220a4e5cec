"""What a crashed run leaves behind, found and removed before the next run starts.

Every step that writes a file first writes it under a temporary name that carries the writer's process id,
then renames it into place; a process killed in between (``kill -9``, a power cut, Airflow's task timeout)
leaves that temporary file or folder behind. Several hold contacts (a half-exported day of send lists, a
decoded copy of a GBK customer file), the others are half-written copies of the marts. They are:

==============================================  ==============================================
``exports/.tmp-<day>-<pid>-*/``                  send lists being written (contacts)
``exports/.old-<day>-<pid>``                     the previous lists of a day being replaced (contacts)
``exports/<day>/.evaluation_<w>d.csv.tmp-<pid>``  an evaluation file being written
``.analytics.<pid>.duckdb`` (and ``.wal``)       the analysts' copy being built
``parquet/<mart>/.write.<pid>/``, ``.data.<pid>.parquet``  mart Parquet being written
``reports/<day>/.index.<pid>.html``              the report page being written
``tmp/import_<pid>_*/``, ``tmp/<pid>-*.utf8.csv``  history-import scratch, decoded landing copies (contacts)
==============================================  ==============================================

:func:`remove_leftovers` deletes those whose process is no longer running (a live process's files are
its own business: a leftover of a process id that has been reused is removed by a later run).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from fugou.settings import Paths, paths

log = logging.getLogger(__name__)

_DAY = r"\d{4}-\d{2}-\d{2}"
#: (folder relative to FUGOU_HOME, a glob for its sub-folders or "", name pattern with the writer's pid)
LEFTOVERS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("exports", "", re.compile(rf"^\.tmp-{_DAY}-(?P<pid>\d+)-")),
    ("exports", "", re.compile(rf"^\.old-{_DAY}-(?P<pid>\d+)$")),
    ("exports", "*", re.compile(r"^\.evaluation_\d+d\.csv\.tmp-(?P<pid>\d+)$")),
    ("", "", re.compile(r"^\.analytics\.(?P<pid>\d+)\.duckdb(\.wal)?$")),
    ("parquet", "*", re.compile(r"^\.write\.(?P<pid>\d+)$")),
    ("parquet", "*", re.compile(r"^\.data\.(?P<pid>\d+)\.parquet$")),
    ("reports", "*", re.compile(r"^\.index\.(?P<pid>\d+)\.html$")),
    ("tmp", "", re.compile(r"^import_(?P<pid>\d+)_")),
    ("tmp", "", re.compile(r"^(?P<pid>\d+)-[0-9a-f]+\.utf8\.csv$")),
)


def _running(pid: int) -> bool:
    if pid == os.getpid():  # a run starting now has nothing in flight yet
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def find_leftovers(p: Paths | None = None) -> list[Path]:
    """The leftovers of crashed runs under ``FUGOU_HOME`` (see module doc), sorted."""
    p = p or paths()
    found: list[Path] = []
    for folder, sub, pattern in LEFTOVERS:
        base = p.home / folder if folder else p.home
        if not base.is_dir():
            continue
        for parent in ([base] if not sub else [d for d in base.glob(sub) if d.is_dir()]):
            for entry in parent.iterdir():
                match = pattern.match(entry.name)
                if match and not _running(int(match.group("pid"))):
                    found.append(entry)
    return sorted(found)


def remove_leftovers(p: Paths | None = None) -> list[str]:
    """Delete the leftovers of crashed runs; returns them relative to ``FUGOU_HOME`` (logged as a warning)."""
    p = p or paths()
    removed = []
    for entry in find_leftovers(p):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.relative_to(p.home).as_posix())
    if removed:
        log.warning("removed what a crashed run left behind: %s", ", ".join(removed))
    return removed
