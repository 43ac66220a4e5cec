"""kill -9 during each step of a day, then the rerun (as an Airflow retry: from the step that died):
what the crash left behind is removed and named, and the day ends identical to an undisturbed run.

A small demo shop (deterministic) imported, plus a GBK customer file landing on the day (its decoded
copy is a leftover holding contacts). Every crash runs in a real subprocess killed with SIGKILL."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from fugou import demo
from fugou.ingest.history import import_history
from fugou.orchestration.leftovers import find_leftovers
from fugou.settings import Paths, paths

pytestmark = pytest.mark.xdist_group("crash")

DAY = "2025-06-30"
DRIVER = Path(__file__).with_name("crash_driver.py")
GBK_CUSTOMERS = "customer_id,name,phone\ncrash_1,张三,13900000001\ncrash_2,李四,13900000002\n"

# (first step of the run, how it dies, what it must leave behind: a pattern of find_leftovers' names)
CRASHES = [
    ("ingest", "call:fugou.ingest.reader:csv_headers", "tmp/"),
    ("ingest", "after:4:fugou.transform.cli:build", None),
    ("build", f"rename:exports/{DAY}", "exports/.tmp-"),
    ("export", f"rename:{DAY}/evaluation_10d.csv", "/.evaluation_10d.csv.tmp-"),
    ("evaluations", "rename:/data.parquet", "/.data."),
    ("publish", f"rename:snapshot_date={DAY}/data.parquet", "/.write."),
    ("publish", "rename:/analytics.duckdb", ".analytics."),
    ("publish", "rename:/index.html", "/.index."),
]


def _shop(root: Path) -> Paths:
    p = paths(root)
    files = root / "demo"
    demo.generate(files, seed=11, customers=250, days=120, end_date=DAY)
    for entity in ("orders", "customers", "opt_outs"):
        import_history(files / f"{entity}.csv", entity=entity, p=p)
    landing = p.landing_partition("customers", DAY)
    landing.mkdir(parents=True, exist_ok=True)
    (landing / "crm_update.csv").write_bytes(GBK_CUSTOMERS.encode("gbk"))
    return p


def _drive(p: Paths, first: str, kill: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FUGOU_HOME": str(p.home)}
    return subprocess.run([sys.executable, str(DRIVER), str(p.home), DAY, first, kill], env=env,
                          capture_output=True, text=True, timeout=900)


def _outcome(p: Paths) -> dict[str, object]:
    """Everything the day produced that must not depend on crashes: files, ledger, published marts."""
    files = {f.relative_to(p.exports).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
             for f in sorted(p.exports.rglob("*")) if f.is_file()}
    con = duckdb.connect(str(p.warehouse), read_only=True)
    try:
        ledger = con.execute("select * exclude (exported_at) from ops.sends order by all").fetchall()
        raw = con.execute("select customer_id, name, phone from raw.customers where customer_id like 'crash_%' "
                          "order by all").fetchall()
    finally:
        con.close()
    con = duckdb.connect(str(p.analytics), read_only=True)
    con.execute(f"set file_search_path = '{p.home}'")
    try:
        marts = {t: con.execute(f"select * from marts.{t} order by all").fetchall() for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()}
    finally:
        con.close()
    return {"files": files, "ledger": ledger, "raw": raw, "marts": marts,
            "report": (p.reports / DAY / "index.html").is_file()}


def _hidden_files(p: Paths) -> list[str]:
    """Any dot-file or folder a writer could have left where fugou writes the day's outputs."""
    found = [x for folder in (p.exports, p.parquet, p.reports, p.home / "tmp") if folder.exists()
             for x in folder.rglob(".*")]
    found += [x for x in p.home.glob(".analytics*")]
    return sorted(x.relative_to(p.home).as_posix() for x in found)


def _removed(run: subprocess.CompletedProcess) -> list[str]:
    """The leftovers a run said it removed: in a step's result, and in the warning logged before the step
    went on (a step killed after cleaning has no result)."""
    said = [name for line in run.stdout.splitlines() for name in json.loads(line).get("removed_leftovers", [])]
    marker = "removed what a crashed run left behind: "
    for line in run.stderr.splitlines():
        if marker in line:
            said += line.split(marker, 1)[1].split(", ")
    return said


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, object]:
    p = _shop(tmp_path_factory.mktemp("undisturbed"))
    done = _drive(p, "ingest", "none")
    assert done.returncode == 0, done.stderr[-3000:]
    return _outcome(p)


def test_kill_9_in_every_step_then_rerun_gives_the_same_day_and_leaves_nothing(reference, tmp_path) -> None:
    p = _shop(tmp_path / "crashing")
    said: list[str] = []
    for first, kill, leftover in CRASHES:
        crashed = _drive(p, first, kill)
        assert crashed.returncode == -9, (kill, crashed.stdout[-2000:], crashed.stderr[-3000:])
        left = [x.relative_to(p.home).as_posix() for x in find_leftovers(p)]
        if leftover is not None:
            assert any(leftover in name for name in left), (kill, left)
        said += _removed(crashed)
    rerun = _drive(p, "report", "none")  # the last crash died in the report step
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    said += _removed(rerun)
    # every leftover was named when it was removed, and nothing is left
    assert {name.split("/")[0] for name in said} >= {"tmp", "exports", "parquet", "reports"}
    assert any(name.startswith(".analytics.") for name in said)
    assert find_leftovers(p) == [] and _hidden_files(p) == []
    assert not (p.home / "tmp").exists() or not any((p.home / "tmp").iterdir())
    assert _outcome(p) == reference
