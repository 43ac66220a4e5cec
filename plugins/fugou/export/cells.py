"""Spreadsheet-safe cells for every file the operator opens in Excel or WPS (OWASP "CSV injection").

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or their full-width forms ``＝ ＋ － ＠``), or
with a tab, carriage return or line feed, can be run as a formula when the file is opened. Such a cell is
written with a leading single quote (``'=HYPERLINK(...)``), which the spreadsheet shows as text; the
writers also quote every cell. Two kinds of cell are left as they are because they cannot be a formula:
plain numbers that fugou formats itself (``-0.012000`` is a negative lift, not a formula) and empty cells.
Phone numbers never need it: only digit strings leave the warehouse (``macros/contacts.sql``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

#: first characters that make a spreadsheet read a cell as a formula (or hide one after a line break)
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula (see module doc)."""
    return bool(text) and text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text)


def safe_cell(text: str) -> str:
    """``text`` as a cell that a spreadsheet shows as text: a leading ``'`` when it looks like a formula."""
    return "'" + text if is_formula_like(text) else text


#: UTF-8 byte order mark: Excel and WPS on a Chinese Windows PC read a CSV without it as GBK (张 -> 寮)
UTF8_BOM = b"\xef\xbb\xbf"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A UTF-8 CSV with a byte order mark (``\\n`` line ends, every cell quoted and made safe) of already
    formatted text cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([safe_cell(c) for c in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return UTF8_BOM + buffer.getvalue().encode("utf-8")


def formula_prefix_sql(column: str) -> str:
    """A SQL condition true when ``column`` (text) would be neutralised by :func:`safe_cell`."""
    firsts = ", ".join("'" + p.replace("'", "''") + "'" for p in FORMULA_PREFIXES)
    return (f"(left({column}, 1) in ({firsts}) "
            f"and not regexp_full_match({column}, '{_PLAIN_NUMBER.pattern}'))")
