"""Every line of every landing file is accounted for, and nothing in landing/ is skipped silently:
unterminated quotes, mixed line endings, gzip/TSV/TXT files, misplaced files and folders, links out of
FUGOU_HOME, encodings that cannot be told, rows rejected only because their day had not ended."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
from warehouse_helpers import query, snapshot

from fugou import settings
from fugou.cli.status import print_status
from fugou.ingest import IngestError, load_pending
from fugou.ingest.history import import_history
from fugou.settings import Paths

HEADER = "order_id,customer_id,paid_at,amount"
DAY = "2024-03-10"


def lines(n: int, day: str = DAY, prefix: str = "o") -> list[str]:
    return [f"{prefix}{i},c{i % 50},{day} 10:{i % 60:02d}:00,{i}.00" for i in range(1, n + 1)]


def land(p: Paths, rel: str, data: bytes | str) -> Path:
    target = p.home / "landing" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return target


def manifest(p: Paths) -> list[tuple]:
    return query(p, "select source_file, rows_read, rows_loaded, rows_rejected from ops.load_manifest order by 1")


def test_an_unterminated_quote_fails_the_load_naming_its_line(fugou_home: Paths) -> None:
    rows = lines(2000)
    rows[999] = 'o1000,"c1000,2024-03-10 10:00:00,5.00'  # line 1001 opens a quote it never closes
    land(fugou_home, f"orders/{DAY}/orders.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    load_pending("2024-03-09", fugou_home)  # creates the warehouse, loads nothing
    before = snapshot(fugou_home)
    with pytest.raises(IngestError) as failure:
        load_pending(DAY, fugou_home)
    message = str(failure.value)
    assert message.startswith(f"landing/orders/{DAY}/orders.csv: 2001 lines, but only 1001 are accounted for")
    assert "line 1001 opens a quote that is never closed" in message
    assert snapshot(fugou_home) == before


def test_one_lf_line_in_a_crlf_file_loads_every_row_with_its_line(fugou_home: Paths) -> None:
    rows = lines(30)
    data = "\r\n".join([HEADER, *rows[:10]]) + "\r\n" + rows[10] + "\n" + "\r\n".join(rows[11:]) + "\r\n"
    land(fugou_home, f"orders/{DAY}/orders.csv", data)
    result = load_pending(DAY, fugou_home)
    assert result["orders"]["rows_loaded"] == 30 and result["orders"]["rows_rejected"] == 0
    assert query(fugou_home, "select order_id, _source_line, amount::double from raw.orders "
                             "where order_id in ('o11', 'o12', 'o30') order by _source_line") == [
        ("o11", 12, 11.0), ("o12", 13, 12.0), ("o30", 31, 30.0)]


def test_gzip_tsv_and_txt_files_are_read(fugou_home: Paths) -> None:
    land(fugou_home, f"orders/{DAY}/a.csv.gz", gzip.compress((HEADER + "\n" + "\n".join(lines(5, prefix="g")) + "\n")
                                                             .encode()))
    land(fugou_home, f"orders/{DAY}/b.tsv", "\n".join(x.replace(",", "\t") for x in [HEADER, *lines(3, prefix="t")]))
    land(fugou_home, f"orders/{DAY}/c.txt", "\n".join([HEADER, *lines(2, prefix="x")]) + "\n")
    result = load_pending(DAY, fugou_home)
    assert result["orders"]["rows_loaded"] == 10 and "landing_problems" not in result
    assert manifest(fugou_home) == [
        (f"landing/orders/{DAY}/a.csv.gz", 5, 5, 0),
        (f"landing/orders/{DAY}/b.tsv", 3, 3, 0),
        (f"landing/orders/{DAY}/c.txt", 2, 2, 0),
    ]


def test_every_file_balances_lines_read_loaded_and_rejected(fugou_home: Paths) -> None:
    rows = lines(40)
    rows[5] = "o6,c6,2024-03-10 10:05:00"  # a field short: malformed
    rows[9] = "o10,c10,not a time,10.00"  # unparseable paid_at
    text = HEADER + "\n" + "\n".join(rows[:20]) + "\n\n" + "\n".join(rows[20:]) + "\n"  # and a blank line
    land(fugou_home, f"orders/{DAY}/orders.csv", text)
    set_share(fugou_home, 0.5)
    load_pending(DAY, fugou_home)
    assert manifest(fugou_home) == [(f"landing/orders/{DAY}/orders.csv", 40, 38, 2)]
    assert query(fugou_home, "select source_line, reason from ops.rejected_rows order by 1") == [
        (7, "malformed_row"), (11, "unparseable_paid_at")]


def set_share(p: Paths, share: float, extra: str = "") -> None:
    (p.home / "fugou.toml").write_text(f"[ingest]\nmax_rejected_share = {share}\n{extra}", encoding="utf-8")
    settings._load_config.cache_clear()


def test_landing_mistakes_are_listed_and_block_no_valid_day(fugou_home: Paths, tmp_path: Path) -> None:
    good = land(fugou_home, f"orders/{DAY}/orders.csv", HEADER + "\n" + "\n".join(lines(3)) + "\n")
    body = HEADER + "\n" + "\n".join(lines(2, prefix="x")) + "\n"
    land(fugou_home, f"order/{DAY}/orders.csv", body)  # unknown entity folder
    land(fugou_home, "orders/2024-3-9/orders.csv", body)  # not written YYYY-MM-DD
    land(fugou_home, "orders/2024-13-45/orders.csv", body)  # not a day
    land(fugou_home, "orders/orders.csv", body)  # outside a day folder
    land(fugou_home, f"orders/{DAY}/more/orders.csv", body)  # nested folder
    land(fugou_home, f"orders/{DAY}/orders.xlsx", b"PK\x03\x04")  # unknown type
    outside = tmp_path / "passwd.csv"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (good.parent / "linked.csv").symlink_to(outside)  # a link out of FUGOU_HOME
    result = load_pending(DAY, fugou_home)
    assert result["orders"]["rows_loaded"] == 3
    listed = {x["path"]: x["problem"] for x in result["landing_problems"]}
    assert sorted(listed) == sorted([
        "landing/order",
        "landing/orders/2024-13-45",
        "landing/orders/2024-3-9",
        f"landing/orders/{DAY}/linked.csv",
        f"landing/orders/{DAY}/more",
        f"landing/orders/{DAY}/orders.xlsx",
        "landing/orders/orders.csv",
    ])
    assert listed["landing/orders/2024-3-9"] == "'2024-3-9' is not written YYYY-MM-DD (rename it 2024-03-09)"
    assert listed["landing/orders/2024-13-45"] == "'2024-13-45' is not a calendar day"
    assert "root:x" not in str(result)  # the link was not followed, nor its content echoed
    # kept for `fugou status` until the next load looks again
    assert query(fugou_home, "select count(*) from ops.landing_problems")[0][0] == 7
    shown: list[str] = []
    print_status(p=fugou_home, out=shown.append)
    assert shown[1] == "WARNING: 7 item(s) in landing/ were NOT loaded:"
    assert "  landing/order: unknown folder 'order' in landing/ (expected entity folders: orders, order_items, " \
           "products, customers, opt_outs) -> move its files to landing/<entity>/<YYYY-MM-DD>/" in shown


TRADITIONAL = "張詩怡"
JAPANESE = "山田太郎"


@pytest.mark.parametrize(("encoding", "name"), [("big5", TRADITIONAL), ("shift_jis", JAPANESE)])
def test_an_encoding_that_cannot_be_told_is_refused_and_can_be_named(
        fugou_home: Paths, encoding: str, name: str) -> None:
    text = "order_id,customer_id,paid_at,amount\n" + f"o1,{name},{DAY} 10:00:00,5.00\n" * 1
    land(fugou_home, f"orders/{DAY}/orders.csv", text.encode(encoding))
    with pytest.raises(IngestError, match=r"orders\.csv: its text encoding cannot be told with confidence"):
        load_pending(DAY, fugou_home)
    set_share(fugou_home, 0.05, f'encoding = "{encoding}"\n')
    load_pending(DAY, fugou_home)
    assert query(fugou_home, "select customer_id from raw.orders") == [(name,)]


def test_gbk_chinese_is_still_recognised(fugou_home: Paths) -> None:
    text = "order_id,customer_id,paid_at,amount\n" + f"o1,张诗怡,{DAY} 10:00:00,5.00\no2,王小明,{DAY} 11:00:00,6.00\n"
    land(fugou_home, f"orders/{DAY}/orders.csv", text.encode("gbk"))
    load_pending(DAY, fugou_home)
    assert query(fugou_home, "select customer_id from raw.orders order by 1") == [("张诗怡",), ("王小明",)]


def test_rows_rejected_only_for_their_future_time_are_taken_once_the_day_has_ended(
        fugou_home: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    land(fugou_home, f"orders/{DAY}/orders.csv",
         HEADER + "\n" + "\n".join(lines(30)) + f"\nlate,c1,{DAY} 18:00:00,9.00\n")
    monkeypatch.setattr("fugou.ingest.load.shop_now", lambda: dt.datetime(2024, 3, 10, 12, 0))
    load_pending(DAY, fugou_home)
    assert query(fugou_home, "select reason from ops.rejected_rows") == [("paid_at_in_future",)]
    monkeypatch.setattr("fugou.ingest.load.shop_now", lambda: dt.datetime(2024, 3, 11, 0, 30))
    result = load_pending(DAY, fugou_home)
    assert result["orders"]["rows_loaded"] == 31
    assert query(fugou_home, "select count(*) from raw.orders where order_id = 'late'") == [(1,)]
    assert query(fugou_home, "select count(*) from ops.rejected_rows") == [(0,)]
    # and then it is unchanged: no reload
    assert load_pending(DAY, fugou_home)["orders"]["skipped_unchanged"] == 1


def test_a_gzipped_big5_history_imports_once_its_encoding_is_named(fugou_home: Paths, tmp_path: Path) -> None:
    from fugou.cli.commands import main

    source = tmp_path / "history.csv.gz"
    source.write_bytes(gzip.compress(
        f"order_id,customer_id,paid_at,amount\no1,{TRADITIONAL},{DAY} 10:00:00,5.00\n".encode("big5")))
    with pytest.raises(IngestError, match="cannot be told with confidence"):
        import_history(source, p=fugou_home)
    assert main(["import", str(source), "--encoding", "big5"]) == 0
    assert query(fugou_home, "select customer_id, amount::double from raw.orders") == [(TRADITIONAL, 5.0)]


def test_quarantined_rows_are_readable_by_their_owner_only(fugou_home: Paths, tmp_path: Path) -> None:
    import os

    from fugou.cli.commands import main

    source = tmp_path / "bad.csv"
    source.write_text(HEADER + "\n" + "\n".join(["o1,c1,not a time,1.00", "o2,c2,2024-03-10 10:00:00,2.00"]) + "\n")
    previous = os.umask(0o022)  # a permissive caller
    try:
        assert main(["import", str(source)]) == 1  # half the rows rejected: refused, rows kept in quarantine
    finally:
        os.umask(previous)
    (quarantined,) = (fugou_home.home / "quarantine").iterdir()
    assert (fugou_home.home / "quarantine").stat().st_mode & 0o777 == 0o700
    assert quarantined.stat().st_mode & 0o777 == 0o600
