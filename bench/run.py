"""The fugou benchmark: generate a shop at a chosen scale, then measure every stage against the floor.

    python -m bench.run --orders 1000000 --repeat 3

What happens (everything under ``--out``, default ``bench/out/``, git-ignored):

1. **Shop**: ``fugou.demo.generate(orders=N)`` ending on ``--end-date`` (cached in ``shop_<N>/``), then
   split once (cached) into a history (orders paid before B = end - backfill_days, their items, every
   customer, opt-outs before B) and daily landing CSVs for the days B..end, like a shop that delivers
   one file per entity per day after its history import.
2. Per repetition, each stage in its own child process (``python -m bench.run --worker ...``), with
   wall time, CPU seconds of the whole process tree (``getrusage(RUSAGE_CHILDREN)`` around it: dbt and
   airflow subprocesses included) and peak RSS of the whole tree (psutil, polled every 0.2 s):
   - ``csv_read.<entity>``: DuckDB's own CSV read (types auto-detected) into a DuckDB file;
   - ``floor``: :mod:`bench.floor`, the day's RFM/stage/tier as one plain DuckDB script;
   - ``import.<entity>``: ``fugou.ingest.history.import_history`` of the history files into a fresh home;
   - ``backfill``: days B..end-1 (``fugou.orchestration.backfill.backfill`` when it exists, else the daily tasks
     called directly day after day), on the first ``--backfill-repeat`` repetitions;
   - ``daily.dag``: ``fugou.orchestration.dag_runner.run_dag(end)`` (the real DAG through ``airflow dags test``;
     stage ``dag`` instead of ``daily``: this one only, not the tasks one by one)
     on a copy of the state after the backfill;
   - ``task.<name>``: each DAG task of the same day called directly (``fugou.orchestration.pipeline``) on another
     copy; ``daily.tasks`` is their sum.
   - ``value.fit`` / ``value.score``: the predicted-value models of the last backfilled day, with and without
     a fit, on copies of the same state (:mod:`bench.value_stage`).
3. Once: the peer, lifetimes' ``summary_data_from_transaction_data`` (guarded by time and memory).

Results: ``<out>/results_<N>.json`` (every measurement) and ``<out>/results_<N>.md`` (median / min /
max per stage, ratios to the floor, the targets of issue 8, the slowest dbt nodes, the value model).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import inspect
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import value_stage

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "bench" / "out"
ENTITIES = ("orders", "order_items", "products", "customers", "opt_outs")
TASKS = ("ingest", "gate_raw", "build_models", "gate_marts", "export_send_lists", "export_evaluations",
         "publish", "report", "finish")
MARK = "BENCH_RESULT "
GIB = 1 << 30


# ---------------------------------------------------------------------------------------------
# the shop and its split into history + daily landing files


def make_shop(out: Path, orders: int, seed: int, end_date: str, days: int) -> Path:
    """Generate (once) the demo shop of ``orders`` orders; returns its folder."""
    from fugou.demo import generate

    shop = out / f"shop_{orders}"
    done = shop / ".generated.json"
    key = {"orders": orders, "seed": seed, "end_date": end_date, "days": days}
    if done.exists() and json.loads(done.read_text()).get("key") == key:
        return shop
    start = time.perf_counter()
    summary = generate(shop, seed=seed, orders=orders, end_date=end_date, days=days)
    done.write_text(json.dumps({"key": key, "seconds": time.perf_counter() - start, "summary": summary}))
    return shop


def split_shop(shop: Path, first_daily: str) -> Path:
    """History files (before ``first_daily``) and daily landing CSVs from it; cached. Returns the folder
    holding ``history/<entity>.csv`` and ``daily/<entity>/<day>/<entity>.csv``."""
    import duckdb

    target = shop / f"split_{first_daily}"
    if (target / ".done").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    (target / "history").mkdir(parents=True)
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    b = f"TIMESTAMP '{first_daily} 00:00:00'"

    def read(name: str) -> str:
        return f"read_csv('{shop / (name + '.csv')}', header=true, all_varchar=true)"

    con.execute(f"create table o as select *, cast(paid_at as timestamp) < {b} as _hist, "
                f"cast(cast(paid_at as timestamp) as date) as _day from {read('orders')}")
    con.execute(f"create table i as select i.*, o._hist, o._day from {read('order_items')} i "
                f"join o using (order_id)")
    con.execute(f"create table x as select *, cast(opted_out_at as timestamp) < {b} as _hist, "
                f"cast(cast(opted_out_at as timestamp) as date) as _day from {read('opt_outs')}")
    for name, table in (("orders", "o"), ("order_items", "i"), ("opt_outs", "x")):
        con.execute(f"copy (select * exclude (_hist, _day) from {table} where _hist) "
                    f"to '{target / 'history' / (name + '.csv')}' (header)")
        parts = target / "parts" / name
        parts.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy (select * exclude (_hist) from {table} where not _hist) to '{parts}' "
                    f"(format csv, header, partition_by (_day))")
        for d in sorted(parts.glob("_day=*")):
            day_dir = target / "daily" / name / d.name.split("=", 1)[1]
            day_dir.mkdir(parents=True)
            for i, f in enumerate(sorted(d.glob("*.csv"))):
                shutil.move(f, day_dir / (f"{name}.csv" if i == 0 else f"{name}_{i}.csv"))
    for name in ("customers", "products"):  # lists of a day, not of events: all in the history
        shutil.copy(shop / f"{name}.csv", target / "history" / f"{name}.csv")
    shutil.rmtree(target / "parts")
    con.close()
    (target / ".done").write_text("ok\n")
    return target


def place_daily(split: Path, home: Path) -> None:
    """Hard-link the daily landing files into ``home``'s landing folder."""
    for f in (split / "daily").rglob("*.csv"):
        dest = home / "landing" / f.relative_to(split / "daily")
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.link(f, dest)


def copy_home(src: Path, dst: Path) -> None:
    """A copy of a FUGOU_HOME (landing hard-linked: nothing writes landing files)."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("landing"))
    if (src / "landing").is_dir():
        shutil.copytree(src / "landing", dst / "landing", copy_function=os.link)


# ---------------------------------------------------------------------------------------------
# measuring one child process


def measure(label: str, args: list[str], home: Path | None, log_dir: Path) -> dict[str, Any]:
    """Run ``python -m bench.run --worker <args>`` and measure it (wall, tree CPU, tree peak RSS)."""
    import psutil

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if home:
        env["FUGOU_HOME"] = str(home)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{label}.log"
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "bench.run", "--worker", *args], cwd=REPO, env=env,
                                stdout=fh, stderr=subprocess.STDOUT)
        peak = 0
        stop = threading.Event()

        def poll() -> None:
            nonlocal peak
            try:
                root = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not stop.is_set():
                total = 0
                try:
                    for p in [root, *root.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):
                            total += p.memory_info().rss
                except psutil.Error:
                    pass
                peak = max(peak, total)
                stop.wait(0.2)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        code = proc.wait()
        stop.set()
        poller.join()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result: dict[str, Any] = {}
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith(MARK):
            result = json.loads(line[len(MARK):])
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").strip().splitlines()[-25:])
        raise RuntimeError(f"bench stage {label} failed (exit {code}); log {log}:\n{tail}")
    entry = {"stage": label, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
             "peak_rss_mib": round(peak / (1 << 20), 1),
             "load_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)], "result": result}
    print(f"  {label:<28} wall {wall:8.2f} s  cpu {cpu:8.2f} s  peak {peak / GIB:5.2f} GiB  "
          f"load {load_before:.1f}->{os.getloadavg()[0]:.1f}", flush=True)
    return entry


# ---------------------------------------------------------------------------------------------
# the worker (runs inside the measured child process)


def _backfill(start: str, end: str) -> dict[str, Any]:
    from fugou.settings import paths

    p = paths()
    try:
        from fugou.orchestration.backfill import backfill  # the lead's range backfill, when it exists
    except ImportError:
        backfill = None
    if backfill is not None:
        kwargs = {"p": p} if "p" in inspect.signature(backfill).parameters else {}
        result = backfill(start, end, **kwargs)
        return {"how": "fugou.orchestration.backfill.backfill", "result": _jsonable(result)}
    from fugou.dates import day_range

    days = [d if isinstance(d, str) else d.isoformat() for d in day_range(start, end)]
    timings = {}
    for day in days:
        t0 = time.perf_counter()
        for task in TASKS:
            _task(task, day, p)
        timings[day] = round(time.perf_counter() - t0, 3)
    return {"how": "sequential daily tasks", "days": len(days), "per_day_s": timings}


def _task(name: str, day: str, p: Any) -> Any:
    from fugou.orchestration import pipeline

    if name == "gate_raw":
        return pipeline.gate("raw", day, p)
    if name == "gate_marts":
        return pipeline.gate("marts", day, p)
    return getattr(pipeline, name)(day, p)


def _dbt_nodes(p: Any, top: int = 12) -> dict[str, Any]:
    """Slowest nodes of the last dbt invocation (``run_results.json``)."""
    path = p.dbt_target / "run_results.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    nodes = sorted(((r["execution_time"], r["unique_id"]) for r in data.get("results", [])), reverse=True)
    return {"elapsed_s": data.get("elapsed_time"), "nodes": len(nodes),
            "slowest": [[uid, round(t, 2)] for t, uid in nodes[:top]],
            "models_s": round(sum(t for t, u in nodes if u.startswith("model.")), 2),
            "tests_s": round(sum(t for t, u in nodes if u.startswith("test.")), 2),
            "seeds_s": round(sum(t for t, u in nodes if u.startswith("seed.")), 2)}


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NODE_LINE = re.compile(r"\d+ of \d+ (?:OK created sql \w+ model |PASS |WARN \d+ |OK loaded seed file )(\S+) \.+ "
                        r"\[\w+ in ([\d.]+)s\]")


def _dbt_log_nodes(p: Any, top: int = 12) -> dict[str, Any]:
    """Summed node times over every dbt invocation in this home's ``dbt.log*`` (e.g. all days of a backfill)."""
    totals: dict[str, float] = {}
    runs: dict[str, int] = {}
    invocations = 0
    for log in sorted(Path(p.dbt_logs).glob("dbt.log*"), reverse=True):
        for line in log.read_text(errors="replace").splitlines():
            if "Running with dbt=" in line:
                invocations += 1
            m = _NODE_LINE.search(_ANSI.sub("", line))
            if m:
                totals[m.group(1)] = totals.get(m.group(1), 0.0) + float(m.group(2))
                runs[m.group(1)] = runs.get(m.group(1), 0) + 1
    slowest = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return {"invocations": invocations, "nodes_s": round(sum(totals.values()), 1),
            "slowest": [[name, round(t, 1), runs[name]] for name, t in slowest]}


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def worker(argv: list[str]) -> None:
    kind, *rest = argv
    from fugou.settings import paths

    out: Any
    if kind == "csv_read":
        from bench.floor import csv_read

        path, db = rest
        Path(db).unlink(missing_ok=True)
        out = csv_read(path, db)
        Path(db).unlink(missing_ok=True)
    elif kind == "floor":
        from bench.floor import run_floor

        shop, day, target = rest
        out = run_floor(shop, day, target)
    elif kind == "import":
        from fugou.ingest.history import import_history

        path, entity = rest
        out = _jsonable(import_history(path, entity))
    elif kind == "task":
        name, day = rest
        p = paths()
        out = {"result": _jsonable(_task(name, day, p))}
        if name == "build_models":
            out["dbt"] = _dbt_nodes(p)
    elif kind == "dag":
        from fugou.orchestration.dag_runner import run_dag

        (day,) = rest
        out = {"log": str(run_dag(day).log)}
        out["dbt"] = _dbt_nodes(paths())
    elif kind == "airflow_setup":
        from fugou.orchestration.dag_runner import ensure_airflow

        ensure_airflow()
        out = {}
    elif kind == "backfill":
        start, end = rest
        out = _backfill(start, end)
        out["dbt_last"] = _dbt_nodes(paths())
        out["dbt_all"] = _dbt_log_nodes(paths())
    elif kind in ("value", "value_parse"):
        out = value_stage.worker(kind, rest)
    elif kind == "peer":
        from bench.peer_lifetimes import run_guarded

        shop, day, timeout_s, memory_gib = rest
        out = run_guarded(shop, day, timeout_s=float(timeout_s), memory_gib=float(memory_gib))
    else:
        raise SystemExit(f"unknown worker stage {kind}")
    print(MARK + json.dumps(out, default=str), flush=True)


# ---------------------------------------------------------------------------------------------
# the benchmark


def machine() -> dict[str, Any]:
    import duckdb
    import psutil

    versions = {"python": platform.python_version(), "duckdb": duckdb.__version__}
    from importlib.metadata import PackageNotFoundError, version

    for pkg in ("apache-airflow", "dbt-core", "dbt-duckdb", "great-expectations", "pandas", "lifetimes"):
        with contextlib.suppress(PackageNotFoundError):
            versions[pkg] = version(pkg)
    return {"nproc": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
            "platform": platform.platform(), "load_avg_at_start": os.getloadavg(), "versions": versions}


def run(orders: int, repeat: int, *, out: Path, seed: int, end_date: str, days: int, backfill_days: int,
        backfill_repeat: int, stages: set[str], peer_timeout: float, peer_memory_gib: float,
        keep: bool = False, base_home: Path | None = None) -> dict[str, Any]:
    dag_only = "dag" in stages and "daily" not in stages  # the daily run through the DAG, not task by task
    if dag_only:
        stages = stages | {"daily"}
    end = dt.date.fromisoformat(end_date)
    first_daily = (end - dt.timedelta(days=backfill_days)).isoformat()
    last_backfill = (end - dt.timedelta(days=1)).isoformat()
    work = out / f"run_{orders}"
    logs = work / "logs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    report: dict[str, Any] = {"orders": orders, "repeat": repeat, "end_date": end_date, "seed": seed,
                              "backfill": [first_daily, last_backfill], "machine": machine(),
                              "started": dt.datetime.now().isoformat(timespec="seconds"), "runs": []}
    print(f"shop of {orders} orders ...", flush=True)
    t0 = time.perf_counter()
    shop = make_shop(out, orders, seed, end_date, days)
    split = split_shop(shop, first_daily)
    report["shop"] = json.loads((shop / ".generated.json").read_text())
    report["prepare_s"] = round(time.perf_counter() - t0, 1)
    runs = report["runs"]
    base: Path | None = base_home  # given: the daily runs start from a copy of this state (never deleted)
    if base_home:
        report["base_home"] = str(base_home)
    for rep in range(1, repeat + 1):
        print(f"repetition {rep}/{repeat}", flush=True)
        rl = logs / f"rep{rep}"

        def m(label: str, args: list[str], home: Path | None = None, _rep: int = rep, _rl: Path = rl) -> dict:
            entry = measure(label, args, home, _rl)
            entry["rep"] = _rep
            runs.append(entry)
            _save(report, work.parent, orders)
            return entry

        if "csv_read" in stages:
            for e in ENTITIES:
                m(f"csv_read.{e}", ["csv_read", str(shop / f"{e}.csv"), str(work / "csv_read.duckdb")])
        if "floor" in stages:
            m("floor", ["floor", str(shop), end_date, str(work / "floor.parquet")])
        need_chain = bool(stages & {"import", "backfill", "daily", "value"})
        if not need_chain:
            continue
        home = work / f"rep{rep}"
        home.mkdir()
        if "import" in stages or base_home is None:
            for e in ENTITIES:  # orders first: items are placed on their order's day
                m(f"import.{e}", ["import", str(split / "history" / f"{e}.csv"), e], home)
        if base_home is not None:
            if rep == 1 and "daily" in stages:
                measure("airflow_setup", ["airflow_setup"], base_home, rl)  # one-off, not a stage
        elif rep == 1 or rep <= backfill_repeat:
            place_daily(split, home)
            if rep == 1 and "daily" in stages:
                measure("airflow_setup", ["airflow_setup"], home, rl)  # one-off, not a stage
            if "backfill" in stages and rep <= backfill_repeat:
                m("backfill", ["backfill", first_daily, last_backfill], home)
            elif rep == 1 and stages & {"daily", "value"}:  # the state they start from: earlier days built
                measure("backfill_untimed", ["backfill", first_daily, last_backfill], home, rl)
            if rep == 1:
                base = home
        if "daily" in stages and base is not None:
            dag_home, tasks_home = work / f"dag{rep}", work / f"tasks{rep}"
            copy_home(base, dag_home)
            m("daily.dag", ["dag", end_date], dag_home)
            if dag_only:
                if not keep:
                    shutil.rmtree(dag_home, ignore_errors=True)
                continue
            copy_home(base, tasks_home)
            total_wall = total_cpu = 0.0
            peak = 0.0
            for t in TASKS:
                e = m(f"task.{t}", ["task", t, end_date], tasks_home)
                total_wall += e["wall_s"]
                total_cpu += e["cpu_s"]
                peak = max(peak, e["peak_rss_mib"])
            runs.append({"stage": "daily.tasks", "rep": rep, "wall_s": round(total_wall, 3),
                         "cpu_s": round(total_cpu, 3), "peak_rss_mib": peak, "result": {}})
            if not keep:
                shutil.rmtree(dag_home, ignore_errors=True)
                shutil.rmtree(tasks_home, ignore_errors=True)
        if "value" in stages and base is not None:
            value_stage.run_stage(base, work, value_stage.value_day(end_date), rep, m, rl, keep)
        imp = [r for r in runs if r["rep"] == rep and r["stage"].startswith("import.")]
        if imp:
                runs.append({"stage": "import.total", "rep": rep, "wall_s": round(sum(r["wall_s"] for r in imp), 3),
                         "cpu_s": round(sum(r["cpu_s"] for r in imp), 3),
                         "peak_rss_mib": max(r["peak_rss_mib"] for r in imp), "result": {}})
        if "csv_read" in stages:
            cr = [r for r in runs if r["rep"] == rep and r["stage"].startswith("csv_read.")]
            runs.append({"stage": "csv_read.total", "rep": rep, "wall_s": round(sum(r["wall_s"] for r in cr), 3),
                         "cpu_s": round(sum(r["cpu_s"] for r in cr), 3),
                         "peak_rss_mib": max(r["peak_rss_mib"] for r in cr), "result": {}})
        if home != base and not keep:
            shutil.rmtree(home, ignore_errors=True)
        _save(report, work.parent, orders)
    if "peer" in stages:
        e = measure("peer.lifetimes", ["peer", str(shop), end_date, str(peer_timeout), str(peer_memory_gib)],
                    None, logs)
        e["rep"] = 1
        runs.append(e)
    if base is not None and base_home is None and not keep:
        shutil.rmtree(base, ignore_errors=True)
    report["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    report["load_avg_at_end"] = os.getloadavg()
    _save(report, work.parent, orders)
    print((work.parent / f"results_{orders}.md").read_text())
    return report


# ---------------------------------------------------------------------------------------------
# summary


def summarise(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per stage: n, wall median/min/max, cpu median/min/max, peak RSS max (MiB)."""
    by: dict[str, list[dict]] = {}
    for r in report["runs"]:
        by.setdefault(r["stage"], []).append(r)
    out = {}
    for stage, rows in by.items():
        walls, cpus = [r["wall_s"] for r in rows], [r["cpu_s"] for r in rows]
        out[stage] = {"n": len(rows), "wall_med": statistics.median(walls), "wall_min": min(walls),
                      "wall_max": max(walls), "cpu_med": statistics.median(cpus), "cpu_min": min(cpus),
                      "cpu_max": max(cpus), "peak_mib": max(r["peak_rss_mib"] for r in rows)}
    return out


def _targets(s: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    floor = s.get("floor")
    for daily in ("daily.dag", "daily.tasks"):
        if floor and daily in s:
            limit = 3 * floor["wall_med"] + 30
            got = s[daily]["wall_med"]
            lines.append(f"- {daily} within 3 x floor + 30 s: {got:.1f} s vs {limit:.1f} s -> "
                         f"{'met' if got <= limit else f'missed by {got / limit:.1f}x'}")
    if "backfill" in s and "daily.tasks" in s:
        limit = 10 * s["daily.tasks"]["wall_med"]
        got = s["backfill"]["wall_med"]
        lines.append(f"- backfill within 10 x daily run (tasks): {got:.1f} s vs {limit:.1f} s -> "
                     f"{'met' if got <= limit else f'missed by {got / limit:.1f}x'}")
    for a, b in (("import.total", "csv_read.total"), ("import.orders", "csv_read.orders")):
        if a in s and b in s:
            limit = 2 * s[b]["wall_med"]
            got = s[a]["wall_med"]
            lines.append(f"- {a} within 2 x {b}: {got:.1f} s vs {limit:.1f} s -> "
                         f"{'met' if got <= limit else f'missed by {got / limit:.1f}x'} "
                         f"(CPU: {s[a]['cpu_med']:.1f} s vs 2 x {s[b]['cpu_med']:.1f} s)")
    peak = max((v["peak_mib"] for v in s.values()), default=0)
    lines.append(f"- peak memory under 6 GiB: max {peak / 1024:.2f} GiB -> {'met' if peak < 6 * 1024 else 'missed'}")
    return lines


def markdown(report: dict[str, Any]) -> str:
    s = summarise(report)
    floor = s.get("floor", {}).get("wall_med")
    floor_cpu = s.get("floor", {}).get("cpu_med")
    mach = report["machine"]
    lines = [f"# {report['orders']:,} orders, {report['repeat']} repetitions", "",
             f"machine: {mach['nproc']} cores, {mach['memory_gib']} GiB, {mach['platform']}; "
             f"load average at start {tuple(round(x, 1) for x in mach['load_avg_at_start'])}"
             + (f", at end {tuple(round(x, 1) for x in report['load_avg_at_end'])}" if "load_avg_at_end" in report
                else ""),
             f"versions: {', '.join(f'{k} {v}' for k, v in mach['versions'].items())}",
             f"shop: {report['shop']['summary']['rows']}, window {report['shop']['summary']['window']}; "
             f"backfill days {report['backfill'][0]}..{report['backfill'][1]}, daily run {report['end_date']}", "",
             "| stage | n | wall median (min-max) s | CPU median s | peak RSS tree MiB | wall / floor | CPU / floor |",
             "|---|---|---|---|---|---|---|"]
    order = [*[f"csv_read.{e}" for e in ENTITIES], "csv_read.total",
             "floor", *[f"import.{e}" for e in ENTITIES], "import.total",
             "daily.dag", "daily.tasks", *[f"task.{t}" for t in TASKS], "backfill", *value_stage.STAGES,
             "peer.lifetimes"]
    for stage in [*order, *sorted(set(s) - set(order))]:
        if stage not in s:
            continue
        v = s[stage]
        ratio = f"{v['wall_med'] / floor:.1f}" if floor else ""
        cratio = f"{v['cpu_med'] / floor_cpu:.1f}" if floor_cpu else ""
        lines.append(f"| {stage} | {v['n']} | {v['wall_med']:.2f} ({v['wall_min']:.2f}-{v['wall_max']:.2f}) | "
                     f"{v['cpu_med']:.2f} | {v['peak_mib']:.0f} | {ratio} | {cratio} |")
    lines += ["", "Targets (medians):", *_targets(s), *value_stage.markdown_lines(report, floor)]
    peer = [r for r in report["runs"] if r["stage"] == "peer.lifetimes"]
    if peer:
        lines += ["", f"peer: {json.dumps(peer[0]['result'])}"]
    for stage, what in (("task.build_models", "build_models task"), ("daily.dag", "DAG run")):
        builds = [r for r in report["runs"] if r["stage"] == stage and r["result"].get("dbt")]
        if builds:
            els = [r["result"]["dbt"].get("elapsed_s") or 0 for r in builds]
            d = builds[-1]["result"]["dbt"]
            lines += ["", f"dbt build of the daily run ({what}): elapsed per repetition "
                          f"{', '.join(f'{e:.1f}' for e in els)} s; last: {d['nodes']} nodes, "
                          f"models {d['models_s']} s, tests {d['tests_s']} s, seeds {d['seeds_s']} s. Slowest nodes:"]
            lines += [f"  - {uid}: {t} s" for uid, t in d["slowest"]]
    bf = [r for r in report["runs"] if r["stage"] == "backfill"]
    if bf:
        res = bf[-1]["result"]
        inner = res.get("result") or {}
        days = len(inner.get("days") or []) or res.get("days") or 0
        lines += ["", f"backfill: {res.get('how')}, {days} day(s), wall {bf[-1]['wall_s']:.1f} s"]
        steps = inner.get("timings") or {}
        if steps:
            lines.append("  time by step (s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
        d = res.get("dbt_all") or {}
        if d.get("slowest"):
            lines.append(f"  dbt over the whole backfill ({d['invocations']} invocations, {d['nodes_s']} s in nodes); "
                         "slowest nodes summed (s, times run): "
                         + ", ".join(f"{name} {t} ({n})" for name, t, n in d["slowest"]))
        d = res.get("dbt_last") or {}
        if d.get("slowest"):
            lines.append(f"  last dbt invocation of the backfill: elapsed {d.get('elapsed_s', 0):.1f} s; slowest: "
                         + ", ".join(f"{uid} {t} s" for uid, t in d["slowest"][:5]))
    return "\n".join(lines) + "\n"


def _save(report: dict[str, Any], out: Path, orders: int) -> None:
    (out / f"results_{orders}.json").write_text(json.dumps(report, indent=1, default=str))
    try:
        (out / f"results_{orders}.md").write_text(markdown(report))
    except Exception as exc:  # noqa: BLE001 - a partial report must not stop the benchmark
        (out / f"results_{orders}.md").write_text(f"(summary not available yet: {exc})\n")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        worker(argv[1:])
        return
    ap = argparse.ArgumentParser(description="fugou benchmark: stages against the plain-DuckDB floor")
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--end-date", default="2025-06-30", help="last day of the shop = the day of the daily run")
    ap.add_argument("--days", type=int, default=730, help="days of order history")
    ap.add_argument("--backfill-days", type=int, default=30)
    ap.add_argument("--backfill-repeat", type=int, default=1, help="repetitions that also time the backfill")
    ap.add_argument("--stages", default="csv_read,floor,import,backfill,daily,value,peer",
                    help="comma-separated subset of csv_read,floor,import,backfill,daily,value,peer")
    ap.add_argument("--peer-timeout", type=float, default=900.0)
    ap.add_argument("--peer-memory-gib", type=float, default=6.0)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--keep", action="store_true", help="keep the FUGOU_HOMEs of the run")
    ap.add_argument("--base-home", type=Path, default=None,
                    help="an existing FUGOU_HOME (imported, days before --end-date built) the daily runs start "
                         "from; skips the backfill (e.g. the kept home of a failed or earlier run)")
    args = ap.parse_args(argv)
    stages = {s.strip() for s in args.stages.split(",") if s.strip()}
    args.out.mkdir(parents=True, exist_ok=True)
    run(args.orders, args.repeat, out=args.out.resolve(), seed=args.seed, end_date=args.end_date, days=args.days,
        backfill_days=args.backfill_days, backfill_repeat=args.backfill_repeat, stages=stages,
        peer_timeout=args.peer_timeout, peer_memory_gib=args.peer_memory_gib, keep=args.keep,
        base_home=args.base_home.resolve() if args.base_home else None)


if __name__ == "__main__":
    main()
