"""The ``value`` stage of the benchmark: fitting and scoring the predicted customer value.

On copies of the state after the backfill, for the last backfilled day D (the latest day whose
upstream models, ``fct_customer_snapshot`` among them, are built), each in its own measured child process:

- ``value.fit``: ``dbt build --select intermediate.value marts.value`` (models and their data tests)
  with the var ``value_refit_now: true``, so ``fct_customer_value_fits`` fits BG/NBD and Gamma-Gamma;
- ``value.score``: the same build with the fit not due (var ``value_refit_days`` far beyond any
  earlier fit), so ``int_customer_value_pattern_scores`` and ``fct_customer_value`` score with the fit
  in force: what a daily run without a fit pays.

Before each, an untimed ``dbt parse`` with the same vars and day: changed ``--vars`` make dbt re-parse
the whole project, which a daily run (same vars every day) does not pay, so the measured builds
start, like a daily run, from a partial parse.

Recorded per build: dbt's ``run_results.json`` (the slowest nodes, and the time of every model of the
selection), whether this build wrote the day's fit, and the day's row of ``marts.fct_customer_value_fits``
(customers, repeat buyers, distinct purchase and spend patterns, fit seconds).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

SELECT = ("intermediate.value", "marts.value")
STAGES = ("value.fit", "value.score")
VARS: dict[str, dict[str, Any]] = {
    "value.fit": {"value_refit_now": True},
    "value.score": {"value_refit_now": False, "value_refit_days": 100_000},
}
# the nodes named in the results table, in pipeline order
NODES = ("int_customer_value_histories", "fct_customer_value_fits", "int_customer_value_pattern_scores",
         "fct_customer_value")
FIT_FIELDS = ("fit_date", "fit_reason", "customers", "repeat_buyers", "purchase_patterns", "spend_patterns",
              "purchase_status", "spend_status", "purchase_iterations", "spend_iterations", "fit_seconds",
              "library", "message")


def value_day(end_date: str) -> str:
    """The day the stage builds: the last backfilled day (the day before the daily run's)."""
    return (dt.date.fromisoformat(end_date) - dt.timedelta(days=1)).isoformat()


def run_stage(base: Path, work: Path, day: str, rep: int, m: Callable[..., dict[str, Any]], log_dir: Path,
              keep: bool) -> None:
    """Measure ``value.fit`` and ``value.score`` on fresh copies of ``base`` (``m`` records a stage)."""
    from bench.run import copy_home, measure

    for stage in STAGES:
        home = work / f"{stage.replace('.', '_')}{rep}"
        copy_home(base, home)
        variables = json.dumps(VARS[stage])
        parse = measure(f"{stage}.parse", ["value_parse", day, variables], home, log_dir)  # untimed warm-up
        entry = m(stage, ["value", day, variables], home)
        entry["result"]["parse_before_s"] = parse["wall_s"]
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# the worker (inside the measured child process)


def worker(kind: str, rest: list[str]) -> dict[str, Any]:
    from fugou.settings import paths
    from fugou.transform import cli as dbt

    day, variables = rest
    p = paths()
    if kind == "value_parse":
        dbt.run_dbt(["parse"], variables=json.loads(variables), p=p, snapshot_date=day)
        return {}
    before = fit_row(p.warehouse, day)
    dbt.build(day, select=list(SELECT), extra_vars=json.loads(variables), p=p)
    from bench.run import _dbt_nodes

    after = fit_row(p.warehouse, day)
    return {"day": day, "vars": json.loads(variables), "dbt": _dbt_nodes(p), "nodes_s": node_times(p),
            "fitted": after is not None and after != before, "fit": after,
            "scored_customers": _scored(p.warehouse, day)}


def node_times(p: Any) -> dict[str, float]:
    """Execution time (s) of every node of the last dbt invocation, by name (tests summed as ``tests``)."""
    path = Path(p.dbt_target) / "run_results.json"
    if not path.exists():
        return {}
    out: dict[str, float] = {"tests": 0.0}
    for r in json.loads(path.read_text()).get("results", []):
        uid, t = r["unique_id"], float(r["execution_time"])
        if uid.startswith("test."):
            out["tests"] += t
        else:
            out[uid.rsplit(".", 1)[-1]] = round(t, 3)
    out["tests"] = round(out["tests"], 3)
    return out


def fit_row(warehouse: Path, day: str) -> dict[str, Any] | None:
    """The row of ``marts.fct_customer_value_fits`` for ``day`` (the chosen columns), or None."""
    import duckdb

    if not Path(warehouse).exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(f"select {', '.join(FIT_FIELDS)} from marts.fct_customer_value_fits "
                          "where fit_date = cast(? as date)", [day])
        row = cur.fetchone()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    return json.loads(json.dumps(dict(zip(FIT_FIELDS, row, strict=True)), default=str)) if row else None


def _scored(warehouse: Path, day: str) -> int:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return int(con.execute("select count(*) from marts.fct_customer_value where snapshot_date = cast(? as date)",
                               [day]).fetchone()[0])
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# summary


def _med(values: list[float], digits: int = 2) -> str:
    if not values:
        return ""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def markdown_lines(report: dict[str, Any], floor_wall: float | None) -> list[str]:
    """The "value model" table of ``results_<N>.md`` (empty without the stage)."""
    runs = {s: [r for r in report["runs"] if r["stage"] == s and r.get("result")] for s in STAGES}
    if not any(runs.values()):
        return []
    day = next(r["result"]["day"] for rows in runs.values() for r in rows)
    lines = ["", f"Value model: `dbt build --select {' '.join(SELECT)}` (data tests included) for {day}, the last "
                 "backfilled day; value.fit with `value_refit_now: true`, value.score with the fit not due "
                 "(scoring only). Medians (min-max) over the repetitions; node times from dbt's run_results.json.",
             "", f"| | {' | '.join(STAGES)} |", "|---|" + "---|" * len(STAGES)]

    def row(label: str, get: Callable[[dict[str, Any]], float | None], digits: int = 2) -> None:
        cells = []
        for s in STAGES:
            vals = [v for v in (get(r) for r in runs[s]) if v is not None]
            cells.append(_med(vals, digits))
        lines.append(f"| {label} | {' | '.join(cells)} |")

    lines.append(f"| n | {' | '.join(str(len(runs[s])) for s in STAGES)} |")
    row("wall s (whole child process)", lambda r: r["wall_s"])
    if floor_wall:
        row("wall / floor", lambda r: r["wall_s"] / floor_wall, 1)
    row("CPU s", lambda r: r["cpu_s"])
    row("peak RSS MiB", lambda r: r["peak_rss_mib"], 0)
    row("dbt elapsed s", lambda r: (r["result"].get("dbt") or {}).get("elapsed_s"))
    for node in NODES:
        row(f"· {node} s", lambda r, node=node: r["result"]["nodes_s"].get(node))
    row("· data tests s (summed)", lambda r: r["result"]["nodes_s"].get("tests"))
    row("untimed dbt parse before it s", lambda r: r["result"].get("parse_before_s"))
    lines.append("| fit written by the build | " + " | ".join(
        "/".join("yes" if r["result"].get("fitted") else "no" for r in runs[s]) for s in STAGES) + " |")
    fits = [r["result"]["fit"] for r in runs["value.fit"] if r["result"].get("fit")]
    if fits:
        f = fits[-1]
        patterns = f["purchase_patterns"] or 0
        lines += ["", f"The fit of {f['fit_date']} ({f['fit_reason']}; purchase model {f['purchase_status']} in "
                      f"{f['purchase_iterations']} iterations, spend model {f['spend_status']} in "
                      f"{f['spend_iterations']}; {f['library']}): {f['customers']:,} customers, "
                      f"{f['repeat_buyers']:,} repeat buyers, {patterns:,} purchase patterns "
                      f"({f['customers'] / patterns:,.0f} customers a pattern), {f['spend_patterns']:,} spend "
                      f"patterns; fit_seconds {_med([x['fit_seconds'] for x in fits])}."
                      if patterns else f"The fit of {f['fit_date']}: {json.dumps(f)}"]
    scored = [r["result"].get("scored_customers") for r in runs["value.score"]]
    if scored:
        lines.append(f"Customers scored by value.score: {scored[-1]:,}.")
    return lines
