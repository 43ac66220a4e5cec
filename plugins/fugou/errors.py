"""Which exceptions are expected failures that the CLI reports as a message, not a traceback."""

from __future__ import annotations

_USER_ERRORS = {
    "IngestError", "QualityGateError", "AirflowError", "DbtError", "ExportError", "ValueError",
    "FileNotFoundError", "RunRefused", "ReadOnlyRefused",
}


def is_user_error(exc: BaseException) -> bool:
    """True for the errors whose message already says what is wrong and where."""
    return type(exc).__name__ in _USER_ERRORS
