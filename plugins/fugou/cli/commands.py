"""The ``fugou`` command line. ``fugou --help`` lists the commands; ``fugou <command> --help`` explains one.

An expected failure ends in one line on stderr (``fugou <command>: what happened, where the details are,
what to do``), never a traceback, and a distinct exit status (:class:`fugou.errors.ExitCode`, listed by
``fugou --help``): 0 ok; 1 the run or the command failed or was refused; 2 usage error; 3 ``fugou explain``:
unknown customer; 4 ``fugou explain``: day not built yet; 5 ``fugou sql``: the query has an error;
130 interrupted; 141 stdout closed before all output was written (``fugou status | head -1``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from fugou.contract import ENTITY_ORDER
from fugou.errors import ExitCode, exit_codes_help
from fugou.settings import paths

ENTITIES = ENTITY_ORDER
# the commands that change FUGOU_HOME: they take its run lock (fugou.orchestration.guard.exclusive)
WRITERS = {"demo", "import", "run", "backfill", "quickstart"}


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate the demo shop's history files (and import them with --import)."""
    from fugou.demo import generate

    p = paths()
    out = Path(args.out) if args.out else p.home / "demo"
    started = time.monotonic()
    summary = generate(out, seed=args.seed, customers=args.customers, days=args.days,
                       end_date=args.end_date, orders=args.orders)
    _say(f"demo shop written to {out} in {time.monotonic() - started:.1f}s: {summary}")
    if args.do_import:
        _import_demo(out)
    return ExitCode.OK


def _import_demo(folder: Path) -> None:
    from fugou.ingest.history import import_history

    for entity in ENTITY_ORDER:
        for suffix in (".csv", ".parquet"):
            file = folder / f"{entity}{suffix}"
            if file.exists():
                _say(f"importing {file.name} ...")
                result = import_history(file, entity=entity)
                _say(f"  {entity}: {result}")


def cmd_import(args: argparse.Namespace) -> int:
    """Import a history file: split it into daily landing partitions and load them all."""
    from fugou.ingest.history import import_history

    for file in args.files:
        started = time.monotonic()
        result = import_history(Path(file), entity=args.entity, mapping=args.mapping, as_of=args.as_of,
                                encoding=args.encoding)
        _say(f"{file}: {result} ({time.monotonic() - started:.1f}s)")
        if result.get("cut_off_day"):  # an export downloaded just after midnight: its last day is partial
            cut, complete = result["cut_off_day"], result["last_complete_day"]
            _say(f"{file}: the last day, {cut}, ends at {result['last_paid_at'][11:16]} — it looks cut off at "
                 f"download; the last complete day is {complete}: run `fugou run --date {complete}`; {cut} will "
                 f"be completed by the next export (re-import it under the same file name: changed days are "
                 f"reloaded)")
    return ExitCode.OK


def _remove_leftovers() -> None:
    from fugou.orchestration.leftovers import remove_leftovers

    removed = remove_leftovers()
    if removed:
        _say(f"removed what a crashed run left behind: {', '.join(removed)}")


def cmd_run(args: argparse.Namespace) -> int:
    """Run the fugou_daily DAG for one shop day."""
    from fugou.orchestration.dag_runner import run_dag

    started = time.monotonic()
    _remove_leftovers()
    _say(f"running fugou_daily for {args.date} (Airflow, metadata DB under {paths().airflow_home}) ...")
    result = run_dag(args.date, allow_open_day=args.allow_open_day, force_exports=args.force_exports,
                     refit_value=args.refit_value, refresh_analysis=args.refresh_analysis)
    for warning in result.warnings:
        _say(f"WARNING: {warning}")
    _say(f"done in {time.monotonic() - started:.0f}s: all {result.tasks} tasks succeeded; log: {result.log}")
    _print_summary(args.date)
    return ExitCode.OK


def cmd_backfill(args: argparse.Namespace) -> int:
    """Process every day from --start to --end, oldest first."""
    from fugou.orchestration.backfill import backfill
    from fugou.orchestration.guard import check_day_has_ended

    check_day_has_ended(args.end, allow_open_day=args.allow_open_day)
    _remove_leftovers()
    backfill(args.start, args.end, force_exports=args.force_exports, progress=_say)
    return ExitCode.OK


def cmd_sql(args: argparse.Namespace) -> int:
    """Query the published analytics database (read-only: queries only, no file outside the published marts)."""
    import duckdb

    from fugou.cli.query import open_readonly, print_result, query_error, shell

    con = open_readonly(warehouse=args.warehouse)
    try:
        if args.query:
            try:
                print_result(con, " ".join(args.query), as_csv=args.csv)
            except duckdb.Error as exc:  # one line, and BAD_SQL for a query DuckDB cannot run
                raise query_error(exc) from None
        else:
            shell(con)
    finally:
        con.close()
    return ExitCode.OK


def cmd_status(args: argparse.Namespace) -> int:
    """Recent runs, loads, rejected rows, row counts and quality-gate results."""
    from fugou.cli.status import print_status

    return ExitCode.OK if print_status(limit=args.limit) else ExitCode.FAILED


def cmd_explain(args: argparse.Namespace) -> int:
    """Why did this customer get (or not get) a campaign on that day?"""
    from fugou.cli.explain import explain

    _say(explain(args.customer, args.date, strict=True))
    return ExitCode.OK


def cmd_quickstart(args: argparse.Namespace) -> int:
    """Demo data if there is none, import it, run the latest day, print a summary (``make run``)."""
    from fugou.cli.quickstart import quickstart

    quickstart(progress=_say)
    return ExitCode.OK


def _print_summary(day: str) -> None:
    from fugou.cli.summary import day_overview, print_overview

    print_overview(day_overview(day))


def _day(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {value!r}") from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fugou")
    except PackageNotFoundError:  # run from a source tree that was not installed
        return "unknown (not installed)"


def _mapping_help() -> str:
    from fugou.ingest.mappings import BUILT_IN

    return (f"column mapping: built in {', '.join(sorted(BUILT_IN))}, or the name of a [mappings.<name>] "
            "section of the config; auto-detected when omitted")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fugou",
        description="fugou (复购): daily old-customer marketing for an e-commerce shop.\n"
        "Data lives under $FUGOU_HOME (default ./data).",
        epilog=exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fugou {_version()}",
                        help="print the version of fugou and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="<command>")

    demo = sub.add_parser("demo", help="generate a deterministic demo shop (history files)",
                          description=cmd_demo.__doc__)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--customers", type=int, default=20_000)
    demo.add_argument("--days", type=int, default=730, help="days of history (default two years)")
    demo.add_argument("--orders", type=int, default=None, help="size the shop by order count instead")
    demo.add_argument("--end-date", type=_day, default=None, help="last day of history (default yesterday)")
    demo.add_argument("--out", default=None, help="folder for the files (default $FUGOU_HOME/demo)")
    demo.add_argument("--import", dest="do_import", action="store_true", help="import the files afterwards")
    demo.set_defaults(func=cmd_demo)

    imp = sub.add_parser("import", help="import a history file into daily landing partitions and load them",
                         description=cmd_import.__doc__)
    imp.add_argument("files", nargs="+", help="CSV/TSV (UTF-8 or GBK, optionally .gz) or Parquet files")
    imp.add_argument("--entity", choices=ENTITIES, default="orders")
    imp.add_argument("--mapping", default=None, help=_mapping_help())
    imp.add_argument("--as-of", type=_day, default=None, help="day a customer list is valid from")
    imp.add_argument("--encoding", default=None,
                     help="text encoding of the files (e.g. big5, shift_jis) when it is neither UTF-8 nor GBK")
    imp.set_defaults(func=cmd_import)

    run = sub.add_parser("run", help="run the daily DAG for one day (Airflow)", description=cmd_run.__doc__)
    run.add_argument("--date", type=_day, required=True, help="the shop day to process (an ended day)")
    run.add_argument("--allow-open-day", action="store_true",
                     help="process a day that has not ended yet in the shop's time zone (its orders are incomplete)")
    run.add_argument("--force-exports", action="store_true",
                     help="rewrite the day's send lists if they were already exported and the decisions changed "
                          "(default: keep them)")
    run.add_argument("--refit-value", action="store_true",
                     help="refit the predicted-value models (BG/NBD, Gamma-Gamma) on this day instead of waiting for "
                          "their weekly cadence (dbt var value_refit_days)")
    run.add_argument("--refresh-analysis", action="store_true",
                     help="rebuild the analysis marts (repurchase analysis, profile breakdowns) on this day instead of "
                          "waiting for their weekly cadence (dbt var analysis_refresh_days)")
    run.set_defaults(func=cmd_run)

    bf = sub.add_parser("backfill", help="process a range of past days, oldest first",
                        description=cmd_backfill.__doc__)
    bf.add_argument("--start", type=_day, required=True)
    bf.add_argument("--end", type=_day, required=True)
    bf.add_argument("--force-exports", action="store_true",
                    help="rewrite send lists that were already exported (default: keep them)")
    bf.add_argument("--allow-open-day", action="store_true",
                    help="let --end be a day that has not ended yet in the shop's time zone")
    bf.set_defaults(func=cmd_backfill)

    sql = sub.add_parser("sql", help="query the published analytics database (no query: a shell)",
                         description=cmd_sql.__doc__)
    sql.add_argument("query", nargs="*", help="SQL text; omit for an interactive shell")
    sql.add_argument("--csv", action="store_true", help="print the result as CSV (to keep it: > file.csv)")
    sql.add_argument("--warehouse", action="store_true",
                     help="read the pipeline warehouse instead (read-only; holds contacts: owner only)")
    sql.set_defaults(func=cmd_sql)

    st = sub.add_parser("status", help="recent runs, loads, rejects and gate results",
                        description=cmd_status.__doc__)
    st.add_argument("--limit", type=int, default=10)
    st.set_defaults(func=cmd_status)

    ex = sub.add_parser("explain", help="a customer's facts on a day and every campaign decision with its reason",
                        description=cmd_explain.__doc__)
    ex.add_argument("--customer", required=True)
    ex.add_argument("--date", type=_day, required=True)
    ex.set_defaults(func=cmd_explain)

    qs = sub.add_parser("quickstart", help="what `make run` does", description=cmd_quickstart.__doc__)
    qs.set_defaults(func=cmd_quickstart)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fugou`` command ``argv`` (default ``sys.argv[1:]``); returns its exit status (:class:`ExitCode`).

    A reader that goes away early (``fugou status | head -1``) ends the command quietly with
    :data:`ExitCode.CLOSED_PIPE`: the rest of the output is discarded (the Python docs' SIGPIPE recipe).
    """
    try:
        try:
            return int(_run(argv))
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        _discard_stdout()
        return int(ExitCode.CLOSED_PIPE)


def _discard_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered (flushed again at exit) goes nowhere, silently."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # stdout replaced by an object without a descriptor
        pass
    finally:
        os.close(devnull)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from fugou.settings import owner_only_files

    owner_only_files()  # whatever the command creates under FUGOU_HOME is readable by its owner only
    try:
        if args.command in WRITERS:  # one command at a time may change FUGOU_HOME
            from fugou.orchestration.guard import exclusive

            shown = " ".join(["fugou", *(sys.argv[1:] if argv is None else argv)])
            with exclusive(paths(), shown):
                return args.func(args)
        return args.func(args)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        raise
    except Exception as exc:  # one clear line, not a traceback, for expected failures
        from fugou.errors import exit_code, is_user_error, one_line

        if not is_user_error(exc):
            raise
        print(f"fugou {args.command}: {one_line(exc)}", file=sys.stderr)
        return exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())
