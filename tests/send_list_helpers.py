"""Reading a send list back as the tests need it: rows keyed by the columns' machine names."""

from __future__ import annotations

import csv
import io

from fugou.export.cells import UTF8_BOM
from fugou.export.list_layout import CHANNEL_COLUMNS, header


def send_list_rows(data: bytes, channel: str) -> list[dict[str, str]]:
    """The rows of a ``channel`` list (its bytes), keyed by machine name; asserts the BOM and the Chinese
    headers of the channel, in order."""
    assert data.startswith(UTF8_BOM)  # Excel on a Chinese Windows PC reads the file as UTF-8
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    assert next(reader) == [header(channel, c) for c in CHANNEL_COLUMNS[channel]]
    return [dict(zip(CHANNEL_COLUMNS[channel], row, strict=True)) for row in reader]
