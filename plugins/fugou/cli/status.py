"""What happened: recent runs, loads, rejected rows, gate results and row counts."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from fugou.settings import Paths, paths


def landing_signature(p: Paths | None = None) -> str:
    """A fingerprint of every landing file (path, size, modification time): changes when data lands."""
    import hashlib

    p = p or paths()
    digest = hashlib.sha256()
    if p.landing.exists():
        for file in sorted(f for f in p.landing.rglob("*") if f.is_file()):
            stat = file.stat()
            digest.update(f"{file.relative_to(p.landing)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _open(p: Paths) -> duckdb.DuckDBPyConnection | None:
    if not p.warehouse.exists():
        return None
    try:
        return duckdb.connect(str(p.warehouse), read_only=True)
    except duckdb.IOException:
        return None


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def day_summary(day: str, p: Paths | None = None) -> dict[str, object]:
    """Rows loaded and rejected for ``day``'s partitions, customers in that day's snapshot, sends."""
    p = p or paths()
    con = _open(p)
    if con is None:
        return {"day": day, "warehouse": str(p.warehouse), "note": "warehouse not readable (missing or busy)"}
    try:
        loaded = _rows(con, "select entity, sum(rows_loaded), sum(rows_rejected) from ops.load_manifest "
                            "where partition_date = ? group by entity order by entity", [day])
        total_rejected = _rows(con, "select count(*) from ops.rejected_rows")[0][0]
        summary: dict[str, object] = {
            "day": day,
            "loaded": {e: int(r) for e, r, _ in loaded},
            "rejected": {e: int(x) for e, _, x in loaded},
            "rejected_rows_total": int(total_rejected),
            "warehouse": str(p.warehouse),
        }
        if _table_exists(con, "marts", "fct_customer_snapshot"):
            summary["customers_in_snapshot"] = int(_rows(
                con, "select count(*) from marts.fct_customer_snapshot where snapshot_date = ?", [day])[0][0])
        if _table_exists(con, "ops", "sends"):
            summary["sends"] = int(_rows(con, "select count(*) from ops.sends where send_date = ?", [day])[0][0])
        if p.analytics.exists():
            summary["analytics"] = str(p.analytics)
        summary["landing_problems"] = landing_problems(con)
        return summary
    finally:
        con.close()


def landing_problems(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(path, problem, what to do) of everything in landing/ that the last load did not take."""
    if not _table_exists(con, "ops", "landing_problems"):
        return []
    return [tuple(r) for r in _rows(con, "select path, problem, action from ops.landing_problems order by path")]


def print_landing_problems(problems: list[tuple[str, str, str]], out: Callable[[str], None] = print) -> None:
    """The loud block that lists what in landing/ was not taken."""
    if not problems:
        return
    out(f"WARNING: {len(problems)} item(s) in landing/ were NOT loaded:")
    for path, problem, action in problems:
        out(f"  {path}: {problem} -> {action}")


def print_day_summary(day: str, p: Paths | None = None, out: Callable[[str], None] = print) -> None:
    """Print :func:`day_summary` as a few readable lines (and what in landing/ was not taken, loudly)."""
    s = day_summary(day, p)
    out(f"day {s['day']}")
    for key in ("loaded", "rejected", "rejected_rows_total", "customers_in_snapshot", "sends",
                "warehouse", "analytics", "note"):
        if key in s:
            out(f"  {key.replace('_', ' ')}: {s[key]}")
    print_landing_problems(s.get("landing_problems") or [], out)  # type: ignore[arg-type]


def print_status(limit: int = 10, p: Paths | None = None, out: Callable[[str], None] = print) -> None:
    """Recent runs, loads, rejects, gate results and mart row counts."""
    p = p or paths()
    con = _open(p)
    if con is None:
        out(f"no readable warehouse at {p.warehouse} (not created yet, or a run holds it)")
        return
    try:
        out(f"warehouse: {p.warehouse}")
        print_landing_problems(landing_problems(con), out)
        out("recent runs:")
        for run_day, finished, status, detail in _rows(
                con, "select run_day, finished_at, status, detail from ops.runs order by finished_at desc limit ?",
                [limit]):
            out(f"  {run_day} {status:8} {finished:%Y-%m-%d %H:%M:%S} {detail or ''}")
        out("recent loads:")
        for entity, part, files, loaded, rejected in _rows(
                con, "select entity, partition_date, count(*), sum(rows_loaded), sum(rows_rejected) "
                     "from ops.load_manifest group by all order by partition_date desc, entity limit ?", [limit]):
            out(f"  {part} {entity:12} files={files} loaded={loaded} rejected={rejected}")
        out("rejected rows by reason:")
        for entity, reason, n in _rows(
                con, "select entity, reason, count(*) from ops.rejected_rows group by all order by 3 desc limit ?",
                [limit]):
            out(f"  {entity:12} {reason:28} {n}")
        if _table_exists(con, "ops", "quality_results"):
            out("quality gates (latest day):")
            for layer, severity, ok, n in _rows(
                    con, "select layer, severity, success, count(*) from ops.quality_results "
                         "where run_day = (select max(run_day) from ops.quality_results) group by all order by 1,2,3"):
                out(f"  {layer:6} {severity:8} {'passed' if ok else 'FAILED':6} {n}")
        out("marts:")
        for schema, table in _rows(
                con, "select table_schema, table_name from information_schema.tables "
                     "where table_schema = 'marts' order by table_name"):
            n = _rows(con, f'select count(*) from "{schema}"."{table}"')[0][0]
            out(f"  {schema}.{table}: {n} rows")
    finally:
        con.close()
