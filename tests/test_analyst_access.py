"""The analysts' shell cannot reach contacts or the file system, and the published copy can be moved.

A hand-made warehouse (a customer with a phone in ``raw.customers``, marts with a day-partitioned one)
published by the real ``publish``; every escape attempt goes through the real ``fugou sql`` command."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from fugou.cli.commands import main
from fugou.publish import publish
from fugou.publish.access import open_published
from fugou.settings import Paths, paths
from fugou.warehouse import connect

D1, D2 = "2025-04-01", "2025-04-02"
PHONE = "13912345678"


@pytest.fixture
def published(fugou_home: Paths) -> Paths:
    con = connect(fugou_home.warehouse)
    try:
        con.execute("insert into raw.customers (customer_id, name, phone, _partition_date, _source_file, "
                    "_source_line, _loaded_at) values ('c1', '张三', ?, ?, 'f', 2, now())", [PHONE, D1])
        con.execute("create schema marts")
        con.execute("create table marts.fct_customer_snapshot as select * from (values "
                    f"('c1', date '{D1}', 10.0), ('c1', date '{D2}', 12.5)) t(customer_id, snapshot_date, monetary)")
        con.execute("create table marts.dim_customers as select 'c1' as customer_id, 'active' as lifecycle_stage")
    finally:
        con.close()
    publish(D2, fugou_home)
    return fugou_home


def sql(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(["sql", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_marts_and_their_parquet_can_be_queried(published: Paths, capsys) -> None:
    code, out, _ = sql(capsys, "--csv", "select snapshot_date, monetary from marts.fct_customer_snapshot order by 1")
    assert code == 0
    assert out.splitlines() == ["snapshot_date,monetary", f"{D1},10.0", f"{D2},12.5"]
    day_file = published.parquet / "fct_customer_snapshot" / f"snapshot_date={D2}" / "data.parquet"
    relative = day_file.relative_to(published.home)
    for query in (f"select count(*) from read_parquet('{day_file}')",
                  f"select count(*) from read_parquet('{relative}')"):
        code, out, _ = sql(capsys, "--csv", query)
        assert (code, out.splitlines()[1]) == (0, "1")
    code, out, _ = sql(capsys, "--csv", "describe marts.dim_customers")
    assert code == 0 and "lifecycle_stage" in out


ESCAPES = {
    # read a file outside the published marts
    "read_passwd": ("select * from read_csv('/etc/passwd')", "disabled by configuration"),
    "read_home": ("select * from read_text('warehouse.duckdb')", "disabled by configuration"),
    "read_traversal": ("select * from read_csv('parquet/../../../../etc/passwd')", "disabled by configuration"),
    # write a file, anywhere (even into the published folder)
    "copy_out": ("copy (select 1) to '/tmp/fugou-escape.csv'", "COPY statements are not allowed"),
    "copy_in_parquet": ("copy (select 1) to 'parquet/x.csv'", "COPY statements are not allowed"),
    "export": ("export database '/tmp/fugou-escape'", "not allowed"),
    # attach the warehouse (names and phones)
    "attach": ("attach '{warehouse}' as w (read_only)", "ATTACH statements are not allowed"),
    "attach_fn": ("select * from read_text('{warehouse}')", "disabled by configuration"),
    # extensions and settings
    "install": ("install httpfs", "not allowed"),
    "load": ("load httpfs", "not allowed"),
    "unlock": ("set enable_external_access = true", "SET statements are not allowed"),
    "pragma_unlock": ("pragma enable_external_access=true", "SET statements are not allowed"),
    "profile_to_file": ("pragma profiling_output='/tmp/fugou-escape.json'", "SET statements are not allowed"),
    "create": ("create table marts.x as select 1", "CREATE statements are not allowed"),
    "two_statements": ("select 1; copy (select 1) to '/tmp/fugou-escape.csv'", "COPY statements are not allowed"),
}


@pytest.mark.parametrize("attempt", sorted(ESCAPES))
def test_every_escape_attempt_is_refused_with_a_message(published: Paths, capsys, attempt: str) -> None:
    query, answer = ESCAPES[attempt]
    code, out, err = sql(capsys, query.format(warehouse=published.warehouse))
    assert code == 1, out
    assert answer in err, err
    assert "Traceback" not in err and PHONE not in out + err
    assert not Path("/tmp/fugou-escape.csv").exists() and not Path("/tmp/fugou-escape").exists()
    assert not (published.parquet / "x.csv").exists()


@pytest.mark.parametrize("statement", [
    "set enable_external_access = true", "set allowed_directories = ['/']", "set lock_configuration = false",
    "set profiling_output = '/tmp/fugou-escape.json'", "set extension_directory = '/tmp'",
])
def test_every_connection_for_analysts_has_its_settings_locked(published: Paths, statement: str) -> None:
    """The report and explain use the same connection without the statement check: the lock holds there."""
    con = open_published(published)
    try:
        with pytest.raises(duckdb.InvalidInputException, match="the configuration has been locked"):
            con.execute(statement)
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"attach '{published.warehouse}' as w (read_only)")
        with pytest.raises(duckdb.PermissionException):
            con.execute("copy (select 1) to '/tmp/fugou-escape.csv'")
    finally:
        con.close()


def test_the_warehouse_shell_is_locked_too(published: Paths, capsys) -> None:
    code, out, _ = sql(capsys, "--warehouse", "--csv", "select count(*) from raw.customers")
    assert (code, out.splitlines()[1]) == (0, "1")
    code, _, err = sql(capsys, "--warehouse", "copy raw.customers to '/tmp/fugou-escape.csv'")
    assert code == 1 and "not allowed" in err
    code, _, err = sql(capsys, "--warehouse", "select * from read_csv('/etc/passwd')")
    assert code == 1 and "disabled by configuration" in err
    assert not Path("/tmp/fugou-escape.csv").exists()


def test_a_moved_or_copied_home_reads_its_own_parquet(published: Paths, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    copy = paths(tmp_path / "elsewhere")
    shutil.copytree(published.home, copy.home)
    # the original changes (or goes): the copy must not notice
    shutil.rmtree(published.parquet)
    con = open_published(copy)
    try:
        assert con.execute("select count(*), sum(monetary)::double from marts.fct_customer_snapshot").fetchone() \
            == (2, 22.5)
    finally:
        con.close()
    # any DuckDB client started in the copied home reads it too
    monkeypatch.chdir(copy.home)
    con = duckdb.connect("analytics.duckdb", read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_customer_snapshot").fetchone() == (2,)
    finally:
        con.close()
