"""The ``fugou`` command and its sub-commands (:mod:`.commands`; status, explain, sql, quickstart)."""

from fugou.cli.commands import main

__all__ = ["main"]
