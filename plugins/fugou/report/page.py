"""The daily report ``reports/<D>/index.html``: key figures and charts of day D, from the published copy.

:func:`render_report` opens ``analytics.duckdb`` read-only (it never touches the pipeline's warehouse),
runs the queries of :mod:`fugou.report.queries`, turns each result into a Vega-Lite chart
(:mod:`fugou.report.charts`) and writes one self-contained HTML file: the specs, their data and the
Vega / Vega-Lite / vega-embed JavaScript are all inlined, so the page opens offline, from a mail
attachment or a file share. The JavaScript bundle comes from the ``vl-convert-python`` package (the
one Altair itself uses for ``chart.save(..., inline=True)``); it is built once per process.

The page opens with the operator's question, "did it pay?" (coupon cost, incremental revenue and ROI
per campaign, final and provisional months told apart; the funnel against the control group), then the
retention picture (cohort curves), the predicted value of the customers per lifecycle stage and the
ones worth waking (:mod:`fugou.report.charts_value`: alive by the purchase model but not buying lately),
the shop KPIs (the current week and month marked "so far") and the customer base. The header links the
day's send lists and the quality pages by relative paths only, and the fonts are a CJK stack (CSS and
every chart's config): nothing on the page reaches the network.

A chart whose table is not published yet, or has no rows for the day, shows a "no data yet" note
(with the reason when the section has a query for it: e.g. no usable fit of the value models); a query
that fails (e.g. a mart renamed a column) shows the error in its place and the rest of the report is
still written.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import os
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from fugou.publish.access import open_published
from fugou.report import charts, charts_value
from fugou.report.links import files_html
from fugou.report.queries import QUERIES
from fugou.report.sections import SECTIONS, Rows, Section
from fugou.settings import Paths, paths, setting

log = logging.getLogger(__name__)



EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}


# ---- reading ------------------------------------------------------------------------------------


class NotPublished(Exception):
    """A table the query needs is not in the published copy."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}


def _run(con: duckdb.DuckDBPyConnection | None, tables: set[str], key: str, params: dict[str, Any]) -> Rows:
    """Rows of query ``key`` as plain JSON values; :class:`NotPublished` when a table it needs is missing."""
    query = QUERIES[key]
    missing = [t for t in query.requires if t not in tables]
    if con is None or missing:
        raise NotPublished(", ".join(missing) if con is not None else "analytics.duckdb")
    used = {name: value for name, value in params.items() if re.search(rf"\${name}\b", query.sql)}
    cursor = con.execute(query.sql, used)
    names = [d[0] for d in cursor.description]
    return [{n: _jsonable(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()]


# settings of [report] that config/fugou.toml may leave out
REPORT_DEFAULTS = {"cohort_months": 12, "cohort_max_months": 12}


def _text_day(value: Any, day: str) -> str:
    """The day an analysis mart describes, for a description (the report's day when it holds none)."""
    return str(value)[:10] if value else day


def _report_settings(p: Paths) -> dict[str, int]:
    values = {"trend_days": int(setting("report.trend_days", p.home)),
              "transition_days": int(setting("report.transition_days", p.home))}
    for key, default in REPORT_DEFAULTS.items():
        try:
            values[key] = int(setting(f"report.{key}", p.home))
        except KeyError:
            values[key] = default
    return values


# ---- the JavaScript -----------------------------------------------------------------------------


@cache
def vega_javascript() -> str | None:
    """vega + vega-lite + vega-embed as one inline script (``window.vegaEmbed``), or None if unavailable.

    vl-convert assembles the bundle in about 3 s; it depends only on the vl-convert and Vega-Lite
    versions, so it is kept in the user's cache folder (``$XDG_CACHE_HOME/fugou``, else ``~/.cache/fugou``)
    under a name holding both, and assembled again when either changes or the file is missing."""
    try:
        from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

        vlc = import_vl_convert()
        vl_version = vl_version_for_vl_convert()
        cached = _cache_folder() / f"vega-bundle-{getattr(vlc, '__version__', 'x')}-{vl_version}.js"
        if cached.is_file():
            return cached.read_text(encoding="utf-8")
        bundle = vlc.javascript_bundle(vl_version=vl_version).replace("</script", "<\\/script")
    except (ImportError, RuntimeError, ValueError) as exc:
        log.warning("no offline Vega JavaScript (install vl-convert-python): %s", exc)
        return None
    try:  # written aside, then renamed: a reader never sees half a bundle
        cached.parent.mkdir(parents=True, exist_ok=True)
        aside = cached.with_name(f".{cached.name}.{os.getpid()}")
        aside.write_text(bundle, encoding="utf-8")
        aside.replace(cached)
    except OSError as exc:  # no writable cache: assemble it again next time
        log.info("could not keep the Vega bundle in %s: %s", cached.parent, exc)
    return bundle


def _cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fugou"


# ---- the page -----------------------------------------------------------------------------------


def _fmt_int(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def _fmt_money(value: Any) -> str:
    return "–" if value is None else f"¥{float(value):,.2f}"


def _one(con: duckdb.DuckDBPyConnection | None, tables: set[str], key: str, params: dict[str, Any]) -> dict:
    try:
        rows = _run(con, tables, key, params)
    except NotPublished:
        return {}
    except duckdb.Error as exc:
        log.warning("report query %s failed: %s", key, exc)
        return {}
    return rows[0] if rows else {}


def _gate_html(con: duckdb.DuckDBPyConnection | None, tables: set[str], params: dict[str, Any]) -> str:
    try:
        rows = _run(con, tables, "gate_status", params)
    except (NotPublished, duckdb.Error):
        rows = []
    if not rows:
        return '<span class="gate unknown">no gate results for this day</span>'
    parts = []
    for row in rows:
        css = "fail" if row["critical_failed"] else "warn" if row["warnings"] else "ok"
        label = f"{row['passed']}/{row['checks']} passed"
        for key, name in (("critical_failed", "critical failed"), ("warnings", "warnings"), ("skipped", "skipped")):
            if row[key]:
                label += f", {row[key]} {name}"
        parts.append(f'<span class="gate {css}">{html.escape(str(row["layer"]))}: {html.escape(label)}</span>')
    return " ".join(parts)


def _header(day: str, p: Paths, con: duckdb.DuckDBPyConnection | None, tables: set[str],
            params: dict[str, Any]) -> str:
    customers = _one(con, tables, "kpi_customers", params)
    orders = _one(con, tables, "kpi_orders", params)
    sends = _one(con, tables, "kpi_sends", params)
    figures = [
        ("客户 customers", _fmt_int(customers.get("customers"))),
        ("新客户 new customers", _fmt_int(orders.get("new_customers"))),
        ("订单 orders", _fmt_int(orders.get("orders"))),
        ("销售额 revenue", _fmt_money(orders.get("revenue"))),
        ("发送 sends", _fmt_int(sends.get("sends"))),
        ("对照组 control", _fmt_int(sends.get("control"))),
    ]
    cards = "".join(f'<div class="figure" data-figure="{html.escape(name.split(" ", 1)[1])}">'
                    f'<div class="value">{html.escape(value)}</div><div class="name">{html.escape(name)}</div></div>'
                    for name, value in figures)
    return (f'<header><h1>复购 fugou · 日报 daily report <span class="day">{html.escape(day)}</span></h1>'
            f'<div class="figures">{cards}</div>'
            f'<div class="gates">质量关卡 quality gates: {_gate_html(con, tables, params)}</div>'
            f"{files_html(day, p)}</header>")


def _table_html(section: Section, rows: Rows, con: duckdb.DuckDBPyConnection | None, tables: set[str],
                params: dict[str, Any]) -> str:
    """The section's table: from the chart's rows, or from its own query (whose failure leaves the chart)."""
    assert section.table is not None
    if section.table_query is None:
        return section.table([dict(row) for row in rows])
    try:
        return section.table(_run(con, tables, section.table_query, params))
    except NotPublished as missing:
        return f'<p class="no-data">暂无数据 · no table yet: {html.escape(str(missing))} is not published yet.</p>'
    except duckdb.Error as exc:
        log.warning("report table %s failed: %s", section.table_query, exc)
        return (f'<p class="no-data error">this table could not be read: '
                f"{html.escape(type(exc).__name__)}: {html.escape(str(exc).splitlines()[0])}</p>")


def _section_html(section: Section, index: int, con: duckdb.DuckDBPyConnection | None, tables: set[str],
                  params: dict[str, Any], fmt: dict[str, Any]) -> str:
    title = html.escape(section.title.format(**fmt))
    description = html.escape(section.description.format(**fmt))
    body: str
    try:
        rows = _run(con, tables, section.key, params)
        if rows:
            spec = section.draw([dict(row) for row in rows])
            spec_json = json.dumps(spec, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
            body = (f'<div class="chart" id="chart-{index}"></div>'
                    f'<script type="application/json" class="vega-spec" data-chart="{section.key}" '
                    f'data-target="chart-{index}">{spec_json}</script>')
            if section.table is not None:
                body += _table_html(section, rows, con, tables, params)
        else:
            reason = _one(con, tables, section.empty_note, params).get("note") if section.empty_note else None
            tables_read = html.escape(QUERIES[section.key].requires[0])
            body = (f'<p class="no-data">暂无数据 · no data yet: {tables_read} has no rows for this day'
                    + (f": {html.escape(str(reason))}.</p>" if reason else ".</p>"))
    except NotPublished as missing:
        body = f'<p class="no-data">暂无数据 · no data yet: {html.escape(str(missing))} is not published yet.</p>'
    except duckdb.Error as exc:
        log.warning("report chart %s failed: %s", section.key, exc)
        body = (f'<p class="no-data error">暂无数据 · this chart could not be read: '
                f"{html.escape(type(exc).__name__)}: {html.escape(str(exc).splitlines()[0])}</p>")
    return (f'<section id="{section.key}"><h2>{title}</h2><p class="description">{description}</p>'
            f"{body}</section>")


STYLE = """
body { font-family: $FONT;
       margin: 0 auto; max-width: 1100px; padding: 24px; color: #222; background: #fafafa; }
h1 { font-size: 26px; margin: 0 0 16px; } h1 .day { color: #c0392b; margin-left: 8px; }
h2 { font-size: 18px; margin: 0 0 4px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
.figure { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 10px 16px; min-width: 130px; }
.figure .value { font-size: 22px; font-weight: 600; } .figure .name { color: #666; font-size: 13px; }
.gates { font-size: 14px; } .gate { display: inline-block; padding: 2px 8px; border-radius: 4px; margin-right: 6px; }
.gate.ok { background: #e3f5e9; color: #1d6b38; } .gate.warn { background: #fdeeda; color: #8a4b00; }
.gate.fail { background: #fbe0de; color: #a8231a; } .gate.unknown { background: #eee; color: #555; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 16px 20px; margin: 18px 0; }
.description { color: #555; font-size: 13px; margin: 0 0 12px; }
.no-data { color: #777; font-style: italic; background: #f4f4f4; padding: 18px; border-radius: 4px; }
.no-data.error { color: #a33; }
.js-missing { background: #fdeeda; padding: 12px; border-radius: 4px; }
footer { color: #888; font-size: 12px; margin-top: 24px; }
.links { font-size: 14px; margin-top: 8px; line-height: 1.7; } .links .missing { color: #888; }
table.figures-table { border-collapse: collapse; font-size: 13px; margin-top: 12px; width: 100%; }
.figures-table th, .figures-table td { border-bottom: 1px solid #e3e3e3; padding: 4px 6px; text-align: left; }
.figures-table th { background: #f4f4f4; font-weight: 600; }
.figures-table tr.provisional td { color: #777; font-style: italic; }
.figures-table tr.paid td:last-child { color: #1d6b38; font-weight: 600; }
.figures-table tr.lost td:last-child { color: #a8231a; font-weight: 600; }
.figures-table tr.total td { font-weight: 600; border-top: 2px solid #ccc; }
.fit-note, .table-note { color: #555; font-size: 13px; margin: 8px 0 0; }
""".replace("$FONT", charts.FONT)  # the charts' CJK stack

LOADER = """
(function () {
  var options = %s;
  document.querySelectorAll('script.vega-spec').forEach(function (el) {
    var target = document.getElementById(el.getAttribute('data-target'));
    vegaEmbed(target, JSON.parse(el.textContent), options).catch(function (err) {
      target.textContent = 'chart failed to render: ' + err;
    });
  });
})();
"""


def render_html(day: str, p: Paths | None = None) -> str:
    """The report page of ``day`` as one self-contained HTML string."""
    p = p or paths()
    fmt = _report_settings(p)
    params: dict[str, Any] = {"day": dt.date.fromisoformat(day), **fmt}
    con = open_published(p) if p.analytics.exists() else None
    try:
        tables = _existing_tables(con) if con is not None else set()
        header = _header(day, p, con, tables, params)
        text = {**fmt, **charts_value.value_settings(), "day": day,
                **{key: _text_day(_one(con, tables, key, params).get("day"), day)
                   for key in ("repurchase_day", "profiles_day")}}
        sections = "".join(_section_html(s, i, con, tables, params, text) for i, s in enumerate(SECTIONS))
        published = _one(con, tables, "published", params)
    finally:
        if con is not None:
            con.close()
    javascript = vega_javascript()
    if javascript is None:
        scripts = ('<p class="js-missing">The charts need the Vega JavaScript, which comes with the Python '
                   "package vl-convert-python; it is not installed, so only the chart specs are embedded.</p>")
    else:
        scripts = (f"<script>{javascript}</script>"
                   f"<script>{LOADER % json.dumps(EMBED_OPTIONS)}</script>")
    source = f"{p.analytics}" + (f", published {published['published_at']}" if published.get("published_at") else "")
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>复购 fugou daily report {html.escape(day)}</title><style>{STYLE}</style></head><body>"
        f"{header}{sections}"
        f"<footer>Source: {html.escape(source)}. Campaign names from seeds.campaign_catalog.</footer>"
        f"{scripts}</body></html>"
    )


def render_report(day: str, p: Paths | None = None) -> Path:
    """Write ``reports/<day>/index.html`` (atomically) from the published copy and return its path."""
    p = p or paths()
    page = render_html(day, p)
    folder = p.reports / day
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "index.html"
    tmp = folder / f".index.{os.getpid()}.html"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
