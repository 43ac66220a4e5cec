"""What a new user sees when something goes wrong: one clear line and a distinct exit status per kind of
failure (:class:`fugou.errors.ExitCode`), through the real ``fugou`` command (``main([...])`` or the installed
script in a subprocess), on real warehouses: hand-made ones (no dbt) for status, sql and explain; real
Airflow runs (``fugou run``) for a failed run and ``--force-exports``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from fugou import settings
from fugou.cli.commands import main
from fugou.errors import ExitCode
from fugou.ingest.mappings import BUILT_IN
from fugou.publish import publish
from fugou.settings import Paths
from fugou.warehouse import connect

FUGOU = Path(sys.executable).with_name("fugou")
D1, D2, NOT_BUILT = "2025-04-01", "2025-04-02", "2025-04-03"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def published(fugou_home: Paths) -> Paths:
    """Hand-made marts, published: c1 bought on D1 and D2, c2 on D2, c3 is only in the customer file."""
    con = connect(fugou_home.warehouse)
    try:
        con.execute("create schema marts")
        con.execute("create table marts.fct_customer_snapshot as select * from (values "
                    f"('c1', date '{D1}', 10.0), ('c1', date '{D2}', 12.5), ('c2', date '{D2}', 5.0)) "
                    "t(customer_id, snapshot_date, monetary)")
        con.execute("create table marts.dim_customers as select * from (values ('c1'), ('c2'), ('c3')) t(customer_id)")
    finally:
        con.close()
    publish(D2, fugou_home)
    return fugou_home


# --- 1. status tells skipped from failed from passed -------------------------------------------------------------

QUALITY_ROWS = [
    # (run_id, run_day, layer, severity, status, checked_at, how many)
    ("raw-old-day", "2025-03-01", "raw", "critical", "failed", "2025-03-02 01:00:00", 1),  # an older day
    ("raw-first", "2025-03-02", "raw", "critical", "failed", "2025-03-03 01:00:00", 1),  # rerun after a fix
    ("raw-rerun", "2025-03-02", "raw", "critical", "passed", "2025-03-03 02:00:00", 2),
    ("raw-rerun", "2025-03-02", "raw", "critical", "skipped", "2025-03-03 02:00:00", 1),
    ("marts-1", "2025-03-02", "marts", "critical", "passed", "2025-03-03 02:05:00", 1),
    ("marts-1", "2025-03-02", "marts", "warning", "failed", "2025-03-03 02:05:00", 1),
]


def _record_gate_results(con) -> None:
    n = 0
    for run_id, day, layer, severity, status, checked_at, count in QUALITY_ROWS:
        for _ in range(count):
            n += 1
            success = None if status == "skipped" else status == "passed"
            con.execute("insert into ops.quality_results (run_id, run_day, layer, suite, table_name, expectation, "
                        "severity, status, success, checked_at) values (?, ?, ?, 's', 't', ?, ?, ?, ?, ?)",
                        [run_id, day, layer, f"s.check_{n}", severity, status, success, checked_at])


def test_status_shows_skipped_checks_as_skipped_and_only_failures_as_failed(fugou_home: Paths, warehouse,
                                                                              capsys) -> None:
    _record_gate_results(warehouse)
    warehouse.close()
    code, out, err = run(capsys, "status")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    start = lines.index("quality gates (latest day, latest run of each gate):")
    assert lines[start + 1:lines.index("marts:")] == [
        "  marts  critical passed  1",
        "  marts  warning  FAILED  1",
        "  raw    critical passed  2",
        "  raw    critical skipped 1",
    ]
    assert out.count("FAILED") == 1  # the warning that failed; not the skipped check, the older day or first run


def test_status_exits_failed_while_the_latest_run_failed(fugou_home: Paths, warehouse, capsys) -> None:
    """For monitoring: `fugou status` exits 1 while the latest run recorded failed, 0 once a rerun succeeded."""
    warehouse.execute("insert into ops.runs (run_day, finished_at, status, detail) values "
                      "('2025-03-01', '2025-03-02 00:05:00', 'success', null), "
                      "('2025-03-02', '2025-03-03 00:04:00', 'failed', 'gate_raw: ...')")
    warehouse.close()
    code, out, _ = run(capsys, "status")
    assert code == ExitCode.FAILED
    assert out.splitlines()[-1] == ("the latest run, of 2025-03-02, did not succeed (failed): see its line under "
                                    "recent runs")
    con = connect(fugou_home.warehouse)
    con.execute("insert into ops.runs (run_day, finished_at, status, detail) values "
                "('2025-03-02', '2025-03-03 01:04:00', 'success', null)")
    con.close()
    assert run(capsys, "status")[0] == ExitCode.OK


def test_sql_on_the_warehouse_while_a_run_holds_it_says_so_in_one_line(fugou_home: Paths, warehouse,
                                                                         capsys) -> None:
    # `warehouse` is a read-write connection held by this process: another process cannot open the file
    script = "import sys; from fugou.cli.commands import main; sys.exit(main(['sql', '--warehouse', 'select 1']))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "FUGOU_HOME": str(fugou_home.home)})
    assert proc.returncode == ExitCode.FAILED and proc.stdout == ""
    assert proc.stderr.startswith(f"fugou sql: the warehouse {fugou_home.warehouse} is in use by a running fugou step")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# --- 2. a SQL typo: DuckDB's message on one line, exit BAD_SQL --------------------------------------------------


def test_a_sql_typo_prints_one_line_and_exits_bad_sql(published: Paths, capsys) -> None:
    code, out, err = run(capsys, "sql", "selec 1")
    assert (code, out, err) == (ExitCode.BAD_SQL, "", 'fugou sql: Parser Error: syntax error at or near "selec"\n')
    code, out, err = run(capsys, "sql", "--csv", "select nope from marts.fct_customer_snapshot")
    assert (code, out) == (5, "")
    assert err.startswith('fugou sql: Binder Error: Referenced column "nope" not found in FROM clause!')
    assert err.count("\n") == 1 and "Traceback" not in err
    # refused by the lock (not a typo): one line too, the general failure status
    code, out, err = run(capsys, "sql", "select * from read_csv('/etc/passwd')")
    assert (code, out) == (ExitCode.FAILED, "")
    assert err == ('fugou sql: Permission Error: Cannot access file "/etc/passwd" - file system operations are '
                   "disabled by configuration\n")


# --- 3. a reader that goes away early: no BrokenPipeError traceback ---------------------------------------------


def test_status_into_a_closed_pipe_ends_quietly_with_the_closed_pipe_status(fugou_home: Paths, warehouse) -> None:
    _record_gate_results(warehouse)
    warehouse.close()
    env = {**os.environ, "FUGOU_HOME": str(fugou_home.home)}
    # `fugou status | head -1` where head has gone before fugou writes: the pipe's read end is closed at once
    proc = subprocess.Popen([str(FUGOU), "status"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err.decode()) == (ExitCode.CLOSED_PIPE, "")
    # the same command with a reader that stays: all of it, exit 0
    done = subprocess.run([str(FUGOU), "status"], capture_output=True, text=True, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == f"warehouse: {fugou_home.warehouse}"


# --- 6, 7. help names the real mappings and the exit codes; --version ---------------------------------------------


def test_version_prints_the_package_version(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"fugou {version('fugou')}\n"


def test_help_lists_the_exit_codes_and_the_built_in_mappings(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.split("exit codes:\n")[1].splitlines() == [f"  {c.value:>3}  {c.meaning}" for c in ExitCode]
    assert len({c.value for c in ExitCode}) == len(ExitCode.__members__)  # every code means one thing
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    mapping_help = " ".join(capsys.readouterr().out.split())
    assert f"--mapping MAPPING column mapping: built in {', '.join(sorted(BUILT_IN))}, or the name of" in mapping_help
    assert "taobao_orders" in BUILT_IN and "e.g. taobao)" not in mapping_help
    with pytest.raises(SystemExit) as usage:
        main(["explain", "--customer", "c1"])  # --date missing: argparse's usage error
    assert usage.value.code == ExitCode.USAGE
    assert capsys.readouterr().err.endswith("error: the following arguments are required: --date\n")


# --- 8. explain: unknown customer and unbuilt day are different answers -------------------------------------------


def test_explain_tells_an_unknown_customer_from_a_day_not_built(published: Paths, capsys) -> None:
    code, out, err = run(capsys, "explain", "--customer", "C1", "--date", D2)
    assert (code, out) == (ExitCode.UNKNOWN_CUSTOMER, "")
    assert err == "fugou explain: customer C1 is not in the warehouse (check the id; ids are case-sensitive)\n"
    code, out, err = run(capsys, "explain", "--customer", "c1", "--date", NOT_BUILT)
    assert (code, out) == (ExitCode.DAY_NOT_BUILT, "")
    assert err == (f"fugou explain: day {NOT_BUILT} has not been built yet: run `fugou run --date {NOT_BUILT}` "
                   "or `fugou backfill`\n")
    assert (ExitCode.UNKNOWN_CUSTOMER, ExitCode.DAY_NOT_BUILT) == (3, 4)
    # a known customer without a paid order by that day: an answer, not an error
    for customer, day in (("c2", D1), ("c3", D2)):
        code, out, err = run(capsys, "explain", "--customer", customer, "--date", day)
        assert (code, err) == (0, "")
        assert out == f"customer {customer} on {day}\n  no snapshot row: the customer had no paid order by this day\n"


# --- 4, 5. `fugou run`: a failure ends in one line; --force-exports reaches the export ----------------------------

RUN_DAY, BROKEN_DAY = "2025-03-01", "2025-03-02"
EARLIER_EXPORT = "decisions of an earlier export"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """One day of orders, and send lists of that day exported before (by a run whose decisions differed)."""
    p = settings.paths(tmp_path_factory.mktemp("cli_errors") / "home")
    folder = p.landing_partition("orders", RUN_DAY)
    folder.mkdir(parents=True)
    (folder / "orders.csv").write_text("order_id,customer_id,paid_at,amount,status\n"
                                       f"o1,c1,{RUN_DAY} 10:00:00,120.50,completed\n"
                                       f"o2,c2,{RUN_DAY} 11:30:00,80.00,paid\n")
    exported = p.exports / RUN_DAY
    exported.mkdir(parents=True)
    (exported / "manifest.json").write_text(json.dumps(
        {"snapshot_date": RUN_DAY, "decisions_fingerprint": EARLIER_EXPORT, "files": [], "sends": 0, "control": 0}))
    return p


@pytest.fixture
def in_shop(shop: Paths, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.setenv("FUGOU_HOME", str(shop.home))
    settings._load_config.cache_clear()
    yield shop
    settings._load_config.cache_clear()


def _manifest(p: Paths) -> dict:
    return json.loads((p.exports / RUN_DAY / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.airflow
def test_run_keeps_exported_lists_naming_the_flag_and_force_exports_replaces_them(in_shop: Paths, capsys) -> None:
    code, out, err = run(capsys, "run", "--date", RUN_DAY)
    assert (code, err) == (0, ""), err
    assert (f"WARNING: the send lists of {RUN_DAY} were already exported and today's decisions differ (0 send(s) "
            f"would be added, 0 removed): the exported lists were kept. To replace them, rerun "
            f"`fugou run --date {RUN_DAY} --force-exports`.") in out.splitlines()
    assert _manifest(in_shop)["decisions_fingerprint"] == EARLIER_EXPORT  # kept
    log = in_shop.airflow_home / "runs" / f"{RUN_DAY}.log"
    assert f"to replace them, rerun `fugou run --date {RUN_DAY} --force-exports`" in log.read_text()

    code, out, err = run(capsys, "run", "--date", RUN_DAY, "--force-exports")
    assert (code, err) == (0, ""), err
    assert "--force-exports" not in out
    replaced = _manifest(in_shop)
    assert replaced["decisions_fingerprint"] != EARLIER_EXPORT and replaced["snapshot_date"] == RUN_DAY


@pytest.mark.airflow
def test_a_failed_run_ends_in_one_line_with_task_reason_log_and_next_step(in_shop: Paths, capsys) -> None:
    folder = in_shop.landing_partition("orders", BROKEN_DAY)
    folder.mkdir(parents=True)
    (folder / "broken.csv").write_text(f"order_id,customer_id,paid_at\no9,c9,{BROKEN_DAY} 08:00:00\n")
    code, out, err = run(capsys, "run", "--date", BROKEN_DAY)
    log = in_shop.airflow_home / "runs" / f"{BROKEN_DAY}.log"
    assert code == ExitCode.FAILED
    assert out.splitlines() == [f"running fugou_daily for {BROKEN_DAY} (Airflow, metadata DB under "
                                f"{in_shop.airflow_home}) ..."]
    assert err == (
        f"fugou run: day {BROKEN_DAY} failed in task ingest: landing/orders/{BROKEN_DAY}/broken.csv: missing "
        "required column(s) amount for orders (read with contract column names; headers found: order_id, "
        f"customer_id, paid_at). Full log: {log}. Next: fix or replace the landing file it names, then rerun "
        f"`fugou run --date {BROKEN_DAY}` (`fugou status` shows every day's state).\n")
    # the details are in the log: every task that did not run, after Airflow's own output
    details = log.read_text().split("==== fugou: why the run failed ====\n")[1]
    assert details.startswith(f"day {BROKEN_DAY} failed in task ingest: ingest: landing/orders/{BROKEN_DAY}/broken.csv")
    assert "tasks not done: ingest (failed), " in details and "publish (upstream_failed)" in details
