"""fugou's own page of a gate run, beside the GX Data Docs: plain HTML with inline styles and no script, at
a stable path per layer (``quality/data_docs/fugou/<layer>.html``, the latest run of that gate), and a
box at the top of the GX index (``quality/data_docs/index.html``) linking to them (:func:`write_gate_page`).

The page lists every check by its fugou name (``raw.orders.order_id_unique``) with its status, severity,
observed value, unexpected count and examples, and links to the GX validation page of each suite."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fugou.quality.results import CheckResult, GateResult

PAGES_DIR = "fugou"
STATE_FILE = "gates.json"  # the latest run of each gate, for the index box
_BOX_START, _BOX_END = "<!-- fugou:gates -->", "<!-- /fugou:gates -->"
_ORDER = {"error": 0, "failed": 1, "skipped": 2, "passed": 3}

STYLE = """
body { font-family: -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
       margin: 1.5rem; color: #212529; background: #fff; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: .875rem; }
th, td { border: 1px solid #dee2e6; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f1f3f5; }
.status { font-weight: 600; white-space: nowrap; }
.passed { color: #1e7b34; } .failed, .error, .blocking { color: #b02a37; } .skipped { color: #6c757d; }
.warning { color: #997404; }
code { font-size: .8rem; word-break: break-all; }
.muted { color: #6c757d; }
ul.failures li { margin-bottom: .3rem; }
@media (prefers-color-scheme: dark) {
  body { background: #1b1e21; color: #e9ecef; } th { background: #2b3035; } th, td { border-color: #495057; }
  .passed { color: #75b798; } .failed, .error, .blocking { color: #ea868f; } .warning { color: #ffda6a; }
  a { color: #8bb9fe; }
}
"""


def _e(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _verdict(result: GateResult) -> str:
    return "passed" if result.passed else "FAILED"


def _counts(result: GateResult) -> str:
    evaluated = sum(c.status != "skipped" for c in result.checks)
    return (f"{evaluated} expectations, {len(result.blocking_failures)} blocking failure(s), "
            f"{len(result.warnings)} warning(s), {len(result.skipped)} skipped")


def _status(check: CheckResult) -> str:
    label = check.status
    if check.status in ("failed", "error"):
        label += " (blocking)" if check.blocking else " (warning)"
    css = check.status if check.status != "failed" or check.blocking else "warning"
    return f'<span class="status {css}">{_e(label)}</span>'


def _unexpected(check: CheckResult) -> str:
    if check.unexpected_count is None:
        return ""
    text = f"{check.unexpected_count}"
    if check.element_count is not None:
        text += f" of {check.element_count}"
    if check.unexpected_percent is not None:
        text += f" ({float(check.unexpected_percent):.3g}%)"
    return _e(text)


def _examples(check: CheckResult) -> str:
    rows = ["{" + ", ".join(f"{k}={v}" for k, v in row.items()) + "}" for row in check.examples]
    parts = [f"<code>{_e(r)}</code>" for r in rows]
    if check.status in ("failed", "error") and check.remedy:
        parts.append(_e(check.remedy))
    if check.status == "skipped" and check.details:
        parts.append(_e(check.details))
    return "<br>".join(parts)


def _suite_section(suite: str, checks: list[CheckResult], gx_page: str | None) -> str:
    link = (f' <small>(<a href="../{_e(quote(gx_page))}">Great Expectations validation page</a>)</small>'
            if gx_page else "")
    head = (f'<h2 id="suite-{_e(_slug(suite))}">{_e(suite)} <small class="muted">{_e(checks[0].table)}</small>'
            f"{link}</h2>")
    rows = []
    for c in sorted(checks, key=lambda c: _ORDER.get(c.status, 9)):
        expected = "" if c.status in ("skipped", "error") else _e(c.details)
        observed = _e(c.observed_value) if c.status != "error" else _e(c.details)
        rows.append(
            f'<tr class="check {_e(c.status)}"><td>{_status(c)}</td><td><code>{_e(c.check)}</code></td>'
            f"<td>{_e(c.expectation_type)}</td><td>{_e(c.column)}</td><td>{_e(c.severity)}</td>"
            f"<td>{observed}</td><td>{_unexpected(c)}</td><td>{expected}</td><td>{_examples(c)}</td></tr>"
        )
    return (head + "\n<table><thead><tr><th>Status</th><th>Check</th><th>Expectation</th><th>Column</th>"
            "<th>Severity</th><th>Observed value</th><th>Unexpected rows</th><th>Expected</th>"
            "<th>Examples / notes</th></tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>")


def render_gate_page(result: GateResult, gx_pages: dict[str, str] | None = None) -> str:
    """The HTML page of one gate run; ``gx_pages`` maps a suite to its GX validation page (relative to
    the docs root)."""
    gx_pages = gx_pages or {}
    suites: dict[str, list[CheckResult]] = {}
    for check in result.checks:
        suites.setdefault(check.suite, []).append(check)
    problems = [c for c in result.checks if c.status in ("failed", "error")]
    failures = "".join(
        f'<li class="{"blocking" if c.blocking else "warning"}">[{"blocking" if c.blocking else "warning"}] '
        f'<a href="#suite-{_e(_slug(c.suite))}">{_e(c.describe())}</a></li>'
        for c in problems
    )
    title = f"Quality gate {result.layer} for {result.day}: {_verdict(result)}"
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">checked at {_e(result.checked_at)} UTC &middot; run {_e(result.run_id)} &middot; '
        f"{_e(_counts(result))}</p>",
        '<p><a href="../index.html">All validation runs (Great Expectations Data Docs)</a></p>',
        f'<h2>Failed expectations</h2><ul class="failures">{failures}</ul>' if problems
        else "<p class=\"passed\">No expectation failed.</p>",
        "<p>Suites: " + ", ".join(f'<a href="#suite-{_e(_slug(s))}">{_e(s)}</a>' for s in suites) + "</p>",
    ]
    body += [_suite_section(suite, checks, gx_pages.get(suite)) for suite, checks in suites.items()]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _state(docs: Path) -> dict[str, dict[str, Any]]:
    path = docs / PAGES_DIR / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _box(state: dict[str, dict[str, Any]]) -> str:
    items = []
    for layer, gate in state.items():
        failed = gate.get("failed") or []
        listed = ", ".join(f"<code>{_e(name)}</code>" for name in failed[:8]) + (" &hellip;" if len(failed) > 8 else "")
        items.append(
            f'<li><a href="{_e(gate["page"])}"><strong>{_e(layer)}</strong> gate for {_e(gate["day"])}</a>: '
            f'<span class="{"text-success" if gate["passed"] else "text-danger"}">'
            f'{"passed" if gate["passed"] else "FAILED"}</span> ({_e(gate["counts"])})'
            + (f"<br>failed: {listed}" if failed else "") + "</li>"
        )
    return (
        f'{_BOX_START}\n<div class="container-fluid pt-3 pl-5 pr-5 fugou-gates"><div class="alert alert-light border">'
        "<strong>fugou quality gates</strong> &ndash; the latest run of each gate, readable without JavaScript:"
        f'<ul class="mb-0">{"".join(items)}</ul></div></div>\n{_BOX_END}'
    )


def add_gates_box(index: Path, docs: Path) -> bool:
    """Put (or replace) the box linking to the gate pages at the top of the GX index; False if no index."""
    if not index.is_file():
        return False
    state = _state(docs)
    if not state:
        return False
    text = index.read_text(encoding="utf-8")
    text = re.sub(re.escape(_BOX_START) + r".*?" + re.escape(_BOX_END) + r"\n?", "", text, flags=re.DOTALL)
    box = _box(state) + "\n"
    anchor = re.search(r'<div[^>]*\bcontainer-fluid\b[^>]*>', text) or re.search(r"<body[^>]*>", text)
    if anchor is None:
        return False
    at = anchor.start() if anchor.group(0).startswith("<div") else anchor.end()
    index.write_text(text[:at] + box + text[at:], encoding="utf-8")
    return True


def write_gate_page(result: GateResult, docs: Path, gx_pages: dict[str, str] | None = None) -> Path:
    """Write ``<docs>/fugou/<layer>.html`` for ``result``, remember it for the index box and put the box
    on ``<docs>/index.html``; return the page's path."""
    folder = docs / PAGES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{_slug(result.layer)}.html"
    page.write_text(render_gate_page(result, gx_pages), encoding="utf-8")
    state = _state(docs)
    state[result.layer] = {
        "day": result.day,
        "checked_at": str(result.checked_at),
        "passed": result.passed,
        "counts": _counts(result),
        "failed": result.failed_checks(),
        "page": f"{PAGES_DIR}/{page.name}",
    }
    (folder / STATE_FILE).write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")
    add_gates_box(docs / "index.html", docs)
    return page
