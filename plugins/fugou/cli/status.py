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


#: how ``fugou status`` shows a check's status (``ops.quality_results.status``): only what failed is loud; a
#: skipped check (its table or column not there that day) is neither passed nor failed
GATE_STATUS = {"passed": "passed", "failed": "FAILED", "error": "ERROR", "skipped": "skipped"}

# checks per gate, severity and status, of the latest run (run_id) of each gate (layer) on the latest day
LATEST_GATE_RESULTS = """
    with latest_day as (select max(run_day) as run_day from ops.quality_results),
    latest_run as (
        select layer, arg_max(run_id, checked_at) as run_id
        from ops.quality_results where run_day = (select run_day from latest_day) group by layer
    )
    select layer, severity, status, count(*)
    from ops.quality_results join latest_run using (layer, run_id)
    where run_day = (select run_day from latest_day)
    group by all order by 1, 2, 3
"""


def print_status(limit: int = 10, p: Paths | None = None, out: Callable[[str], None] = print) -> bool:
    """Recent runs, loads, rejects, gate results and mart row counts. Returns False when the latest run
    recorded in ``ops.runs`` failed (``fugou status`` then exits 1, for monitoring), else True."""
    p = p or paths()
    con = _open(p)
    if con is None:
        out(f"no readable warehouse at {p.warehouse} (not created yet, or a run holds it)")
        return True
    try:
        latest = _rows(con, "select run_day, status from ops.runs order by finished_at desc limit 1")
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
            out("quality gates (latest day, latest run of each gate):")
            for layer, severity, status, n in _rows(con, LATEST_GATE_RESULTS):
                out(f"  {layer:6} {severity:8} {GATE_STATUS.get(status, status):7} {n}")
        out("marts:")
        for schema, table in _rows(
                con, "select table_schema, table_name from information_schema.tables "
                     "where table_schema = 'marts' order by table_name"):
            n = _rows(con, f'select count(*) from "{schema}"."{table}"')[0][0]
            out(f"  {schema}.{table}: {n} rows")
        if latest and latest[0][1] != "success":
            out(f"the latest run, of {latest[0][0]}, did not succeed ({latest[0][1]}): see its line under recent runs")
            return False
        return True
    finally:
        con.close()
