"""A text file as bytes: which encoding it is in (or a refusal when that is not clear), how many lines it
has, and a plain UTF-8 copy with one kind of line ending for the CSV reader when the file is not one.

Encodings: UTF-8 (with or without BOM) is taken as it is. Anything else is tried as GBK/GB18030 (what
the Chinese seller centres export) and accepted only when the decoded text reads as simplified Chinese:
at least :data:`GBK_CONFIDENCE` of its non-ASCII characters are common hanzi (GB2312 level 1) or
Chinese punctuation. Big5 or Shift-JIS bytes decode as GBK without an error but as nonsense characters
(that would end up in send lists), so such a file is refused with a message; the user names its
encoding (``fugou import --encoding big5``, or ``[ingest] encoding`` for landing files).
"""

from __future__ import annotations

import codecs
import gzip
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from fugou.ingest.base import IngestError

GBK_CONFIDENCE = 0.7  # share of non-ASCII characters that must be common simplified Chinese
SAMPLE_BYTES = 1 << 20
CHUNK = 1 << 22


def is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    return gzip.open(path, "rb") if is_gzip(path) else path.open("rb")


def _common_chinese_share(text: str) -> float:
    total = common = 0
    for ch in text:
        if ord(ch) < 128:
            continue
        total += 1
        try:
            lead = ch.encode("gb2312")[0]
        except UnicodeEncodeError:
            continue
        if 0xB0 <= lead <= 0xD7 or lead in (0xA1, 0xA3):  # level-1 hanzi, CJK and full-width punctuation
            common += 1
    return common / total if total else 1.0


def detect_encoding(path: Path, shown: str, declared: str | None = None) -> str:
    """``utf-8``, ``gb18030`` or the ``declared`` encoding; raise :class:`IngestError` when unsure."""
    if declared and declared.lower() not in ("auto", ""):
        try:
            return codecs.lookup(declared).name
        except LookupError:
            raise IngestError(f"{shown}: unknown text encoding {declared!r} (e.g. utf-8, gbk, big5)") from None
    with open_bytes(path) as fh:
        try:
            sample = fh.read(SAMPLE_BYTES)
        except (OSError, EOFError) as exc:
            raise IngestError(f"{shown}: cannot be read ({exc}): is it really a {'gzip' if is_gzip(path) else 'text'} "
                              "file?") from None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        text = ""
    if text and _common_chinese_share(text) >= GBK_CONFIDENCE:
        return "gb18030"
    raise IngestError(
        f"{shown}: its text encoding cannot be told with confidence: it is not UTF-8, and read as GBK it is not "
        f"Chinese text (Big5, Shift-JIS or another encoding?). Save it as UTF-8, or name the encoding: "
        f"`fugou import FILE --encoding big5` (history files) or `[ingest] encoding = \"big5\"` in "
        f"$FUGOU_HOME/fugou.toml (landing files)."
    )


@dataclass(frozen=True)
class LineCount:
    """Physical lines of a file: ``lines`` (the last one counted even without a newline), of which
    ``crlf`` end in CR LF and ``lf`` in a bare LF."""

    lines: int
    crlf: int
    lf: int

    @property
    def mixed_endings(self) -> bool:
        return self.crlf > 0 and self.lf > 0


def count_lines(path: Path) -> LineCount:
    """Count lines and line endings in one streaming pass over the (decompressed) bytes."""
    newlines = crlf = 0
    previous = b""
    last = b""
    with open_bytes(path) as fh:
        while chunk := fh.read(CHUNK):
            newlines += chunk.count(b"\n")
            crlf += chunk.count(b"\r\n") + (1 if previous == b"\r" and chunk[:1] == b"\n" else 0)
            previous = chunk[-1:]
            last = chunk[-1:]
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return LineCount(lines=lines, crlf=crlf, lf=newlines - crlf)


@contextmanager
def plain_utf8(path: Path, encoding: str, scratch: Path, shown: str) -> Iterator[tuple[Path, LineCount]]:
    """The file as plain UTF-8 text with one kind of line ending, and its line count.

    The file itself when it already is; otherwise a temporary copy under ``scratch`` (decompressed,
    decoded, line endings made LF when they were mixed), removed afterwards, whatever happens.
    """
    counted = count_lines(path)
    if encoding == "utf-8" and not is_gzip(path) and not counted.mixed_endings:
        yield path, counted
        return
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.utf8.csv"
    try:
        try:
            with (
                open_bytes(path) as raw,
                codecs.getreader(encoding)(raw, errors="strict") as src,
                target.open("w", encoding="utf-8", newline="") as dst,
            ):
                carry = ""
                while chunk := src.read(CHUNK):
                    if counted.mixed_endings:
                        chunk = carry + chunk
                        carry = chunk[-1:] if chunk.endswith("\r") else ""
                        chunk = (chunk[:-1] if carry else chunk).replace("\r\n", "\n")
                    dst.write(chunk)
                dst.write(carry)
        except UnicodeDecodeError as exc:
            raise IngestError(f"{shown}: not valid {encoding} text at byte {exc.start} of its "
                              f"{'decompressed ' if is_gzip(path) else ''}content: save it as UTF-8, or name its "
                              f"encoding (--encoding / [ingest] encoding)") from None
        yield target, counted
    finally:
        target.unlink(missing_ok=True)
