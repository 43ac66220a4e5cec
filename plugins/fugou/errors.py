"""The ``fugou`` command's exit codes, and which exceptions are expected failures that it reports as one
message (not a traceback).

Exit codes (:class:`ExitCode`, listed by ``fugou --help``): 0 ok; 1 the run, the pipeline or the command
failed (or was refused: another run holds FUGOU_HOME, a day that has not ended, a statement that is not a
query), the message says why and what to do; 2 usage error (argparse); 3 unknown customer; 4 day not built
yet; 5 bad SQL (DuckDB's message); 130 interrupted (Ctrl-C); 141 stdout closed early (``fugou status | head``).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What ``fugou``'s exit status means (defined once, used by every command)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNKNOWN_CUSTOMER = 3
    DAY_NOT_BUILT = 4
    BAD_SQL = 5
    INTERRUPTED = 130
    CLOSED_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command whose reader went away

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "ok",
    ExitCode.FAILED: "the run or the command failed or was refused (the message says why; details in the log)",
    ExitCode.USAGE: "usage error (unknown option, missing argument)",
    ExitCode.UNKNOWN_CUSTOMER: "`fugou explain`: the customer is not in the warehouse",
    ExitCode.DAY_NOT_BUILT: "`fugou explain`: the day has not been built yet",
    ExitCode.BAD_SQL: "`fugou sql`: the query has an error (DuckDB's message)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitCode.CLOSED_PIPE: "stdout was closed before all output was written (e.g. `fugou status | head -1`)",
}


def exit_codes_help() -> str:
    """The exit codes as lines for ``fugou --help``."""
    return "exit codes:\n" + "\n".join(f"  {code.value:>3}  {code.meaning}" for code in ExitCode)


class UserError(Exception):
    """An expected failure whose message already says what is wrong and what to do; ``exit_code`` is the
    command's exit status."""

    exit_code: ExitCode = ExitCode.FAILED


class UnknownCustomer(UserError):
    """``fugou explain`` was asked about a customer id the warehouse does not know."""

    exit_code = ExitCode.UNKNOWN_CUSTOMER


class DayNotBuilt(UserError):
    """``fugou explain`` was asked about a day the warehouse holds no snapshot of."""

    exit_code = ExitCode.DAY_NOT_BUILT


class BadSql(UserError):
    """``fugou sql`` was given a query DuckDB cannot run (typo, unknown table or column)."""

    exit_code = ExitCode.BAD_SQL


_USER_ERRORS = {
    "IngestError", "QualityGateError", "AirflowError", "DbtError", "ExportError", "ValueError",
    "FileNotFoundError", "RunRefused", "ReadOnlyRefused",
}


def is_user_error(exc: BaseException) -> bool:
    """True for the errors whose message already says what is wrong and where."""
    return isinstance(exc, UserError) or type(exc).__name__ in _USER_ERRORS


def exit_code(exc: BaseException) -> ExitCode:
    """The exit status for an expected failure (:data:`ExitCode.FAILED` unless it names another)."""
    return exc.exit_code if isinstance(exc, UserError) else ExitCode.FAILED


def one_line(exc: BaseException) -> str:
    """What the command prints for an expected failure: the exception's ``summary`` (one line, the details
    being in a log file) when it has one, else its message."""
    summary = getattr(exc, "summary", None)
    return summary if isinstance(summary, str) and summary else str(exc)
