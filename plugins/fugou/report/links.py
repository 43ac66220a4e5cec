"""The report's links to the day's files: the send lists of ``exports/<D>/`` (each file its
``manifest.json`` lists, plus the manifest and the day's evaluation files) and the Great Expectations
Data Docs of ``quality/data_docs/``.

Every link is relative to ``reports/<D>/index.html`` (``../../exports/<D>/<file>``), never absolute:
``FUGOU_HOME`` can be moved, copied or zipped with the links still working. Only names that are plain
file names (no folder part, not hidden) are linked; a manifest that cannot be read is reported as such.
"""

from __future__ import annotations

import html
import json
from urllib.parse import quote

from fugou.settings import Paths

MANIFEST = "manifest.json"  # fugou.export.send_lists.MANIFEST (not imported: that module needs the warehouse)
UP = "../.."  # from reports/<D>/ back to FUGOU_HOME


def _href(*parts: str, folder: bool = False) -> str:
    return "/".join([UP, *(quote(part) for part in parts)]) + ("/" if folder else "")


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name \
        and not name.startswith(".")


def _a(href: str, text: str, kind: str) -> str:
    return f'<a href="{html.escape(href)}" data-link="{kind}">{html.escape(text)}</a>'


def send_list_links(day: str, p: Paths) -> str:
    """The send lists of ``day``: the folder, every file of its manifest (with its rows), the manifest
    and the evaluation files of the day."""
    folder = p.exports / day
    if not folder.is_dir():
        return (f'<span class="missing">发送名单 send lists: none for {html.escape(day)} '
                f"(no exports/{html.escape(day)}/)</span>")
    links = [_a(_href("exports", day, folder=True), f"exports/{day}/", "exports-folder")]
    manifest_file = folder / MANIFEST
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        files = [f for f in manifest.get("files", []) if isinstance(f, dict) and _plain_name(f.get("file"))]
    except FileNotFoundError:
        links.append('<span class="missing">no manifest.json</span>')
        files = []
    except (OSError, ValueError, AttributeError) as exc:
        links.append(f'<span class="missing">manifest.json unreadable: {html.escape(type(exc).__name__)}</span>')
        files = []
    for entry in files:
        rows = entry.get("rows")
        text = entry["file"]
        if isinstance(rows, int):
            text += f" ({rows:,} {'row' if rows == 1 else 'rows'})"
        links.append(_a(_href("exports", day, entry["file"]), text, "send-list"))
    if manifest_file.is_file():
        links.append(_a(_href("exports", day, MANIFEST), MANIFEST, "manifest"))
    if not files and manifest_file.is_file():
        links.append('<span class="missing">no send list today</span>')
    for evaluation in sorted(folder.glob("evaluation_*.csv")):
        links.append(_a(_href("exports", day, evaluation.name), evaluation.name, "evaluation"))
    return "发送名单 send lists: " + " · ".join(links)


def quality_links(p: Paths) -> str:
    """The Data Docs index of every gate run, when it has been rendered."""
    index = p.quality / "data_docs" / "index.html"
    if not index.is_file():
        return '<span class="missing">质量报告 Data Docs: not rendered yet (quality/data_docs/index.html)</span>'
    return "质量报告 quality: " + _a(_href("quality", "data_docs", "index.html"), "Data Docs (quality/data_docs)",
                                      "data-docs")


def files_html(day: str, p: Paths) -> str:
    """The links block of the header."""
    return (f'<div class="links"><div>{send_list_links(day, p)}</div>'
            f"<div>{quality_links(p)}</div></div>")

