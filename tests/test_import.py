"""import_history: history files (Taobao GBK export, contract CSV, Parquet) → daily partitions → raw."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import query, snapshot

from fugou import settings
from fugou.ingest import IngestError
from fugou.ingest.history import import_history
from fugou.settings import Paths


def landing_files(p: Paths, entity: str) -> list[str]:
    root = p.landing / entity
    return sorted(f.relative_to(root).as_posix() for f in root.rglob("*.parquet")) if root.is_dir() else []


TAOBAO_HEADER = ("订单编号,买家会员名,买家支付宝账号,买家应付货款,买家实际支付金额,订单状态,买家留言,收货人姓名,"
                 "收货地址 ,联系手机,订单创建时间,订单付款时间 ,宝贝标题 ,发货时间,确认收货时间,退款金额")
TAOBAO_ROWS = [
    '="3412345678901234",小明\t,="xm@alipay",99.00,89.50,交易成功,,王小明,浙江省 杭州市 西湖区 文三路1号,'
    '="13800000001",2024-03-09 21:00:00,2024-03-09 21:01:05,连衣裙,2024-03-10 09:00:00,2024-03-13 18:00:00,0.00',
    '="3412345678901235",阿花,="ah@alipay",20.00,20.00,"买家已付款，等待卖家发货",,李阿花,"广东省 深圳市 南山区",'
    '="13800000002",2024-03-10 07:59:00,2024-03-10 08:00:00,袜子,,,',
    '="3412345678901236",小明\t,="xm@alipay",300.00,300.00,交易关闭,,王小明,浙江省 杭州市,'
    '="13800000001",2024-03-10 10:00:00,2024-03-10 10:05:00,大衣,2024-03-10 12:00:00,,300.00',
    '="3412345678901237",路人,="lr@alipay",50.00,50.00,交易关闭,,路人甲,北京 北京市,'
    '="13800000003",2024-03-10 11:00:00,,帽子,,,',
]


def write_taobao(tmp_path: Path) -> Path:
    path = tmp_path / "ExportOrderList202403.csv"
    path.write_text(TAOBAO_HEADER + "\n" + "\n".join(TAOBAO_ROWS) + "\n", encoding="gbk")
    return path


def test_taobao_gbk_export_is_read_exactly(fugou_home: Paths, tmp_path: Path) -> None:
    source = write_taobao(tmp_path)
    result = import_history(source, p=fugou_home)
    assert (result["mapping"], result["encoding"], result["rows_read"]) == ("taobao_orders", "gb18030", 4)
    assert (result["days"], result["first_day"], result["last_day"]) == (2, "2024-03-09", "2024-03-10")
    rows = query(fugou_home, "select order_id, customer_id, paid_at, amount, status, refund_amount, shipped_at, "
                             "delivered_at, province, _partition_date, _source_file, _source_line "
                             "from raw.orders order by order_id")
    src = str(source)
    assert rows == [
        ("3412345678901234", "小明", dt.datetime(2024, 3, 9, 21, 1, 5), Decimal("89.50"), "completed",
         Decimal("0.00"), dt.datetime(2024, 3, 10, 9), dt.datetime(2024, 3, 13, 18), "浙江省",
         dt.date(2024, 3, 9), src, 2),
        ("3412345678901235", "阿花", dt.datetime(2024, 3, 10, 8), Decimal("20.00"), "paid", None, None, None,
         "广东省", dt.date(2024, 3, 10), src, 3),
        ("3412345678901236", "小明", dt.datetime(2024, 3, 10, 10, 5), Decimal("300.00"), "closed",
         Decimal("300.00"), dt.datetime(2024, 3, 10, 12), None, "浙江省", dt.date(2024, 3, 10), src, 4),
    ]
    # the closed order that was never paid is kept as not_paid, with its line
    assert query(fugou_home, "select source_file, source_line, reason from ops.rejected_rows") == [
        (src, 5, "not_paid")]
    assert landing_files(fugou_home, "orders") == [
        f"2024-03-09/{result_name(source)}", f"2024-03-10/{result_name(source)}"]


def result_name(source: Path) -> str:
    from fugou.ingest import file_checksum

    return f"{source.stem}__{file_checksum(source)[:12]}.parquet"


def write_history(tmp_path: Path, lines: list[str], name: str = "history.csv") -> Path:
    path = tmp_path / name
    path.write_text("order_id,customer_id,paid_at,amount\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


HISTORY = [
    "h1,c1,2023-12-31 23:59:59,10",
    "h2,c2,2024-01-01 00:00:00,20",
    "h3,c1,2024-01-01 12:00:00,30",
    "h4,c3,someday,40",  # line 5: cannot be placed in a day
    "h5,c3,2024-01-03 08:00:00,50",
    "h6,c2,2024-01-01 18:30:00,60",
]


def test_history_splits_into_days_with_exact_counts(fugou_home: Paths, tmp_path: Path) -> None:
    settings_text = "[ingest]\nmax_rejected_share = 0.2\n"
    (fugou_home.home / "fugou.toml").write_text(settings_text)
    settings._load_config.cache_clear()
    source = write_history(tmp_path, HISTORY)
    result = import_history(source, p=fugou_home)
    assert (result["days"], result["first_day"], result["last_day"], result["files_written"]) == (
        3, "2023-12-31", "2024-01-03", 3)
    assert result["load"]["orders"] == {"partitions": 3, "rows_loaded": 5, "rows_rejected": 1,
                                        "skipped_unchanged": 0}
    assert query(fugou_home, "select _partition_date, count(*), string_agg(order_id, ',' order by order_id) "
                             "from raw.orders group by 1 order by 1") == [
        (dt.date(2023, 12, 31), 1, "h1"), (dt.date(2024, 1, 1), 3, "h2,h3,h6"), (dt.date(2024, 1, 3), 1, "h5")]
    assert query(fugou_home, "select order_id, _source_line from raw.orders order by 1") == [
        ("h1", 2), ("h2", 3), ("h3", 4), ("h5", 6), ("h6", 7)]
    assert query(fugou_home, "select source_file, source_line, reason, column_name from ops.rejected_rows") == [
        (str(source), 5, "unparseable_paid_at", "paid_at")]


def test_reimporting_the_same_file_is_a_no_op(fugou_home: Paths, tmp_path: Path) -> None:
    source = write_history(tmp_path, [h for h in HISTORY if "someday" not in h])
    import_history(source, p=fugou_home)
    before, files = snapshot(fugou_home), landing_files(fugou_home, "orders")
    again = import_history(source, p=fugou_home)
    assert again["files_written"] == 0
    assert again["load"]["orders"] == {"partitions": 0, "rows_loaded": 0, "rows_rejected": 0, "skipped_unchanged": 3}
    assert snapshot(fugou_home) == before
    assert landing_files(fugou_home, "orders") == files


def test_a_changed_history_file_replaces_its_days(fugou_home: Paths, tmp_path: Path) -> None:
    good = [h for h in HISTORY if "someday" not in h]
    source = write_history(tmp_path, good)
    import_history(source, p=fugou_home)
    write_history(tmp_path, [*good[:-1], "h6,c2,2024-01-01 18:30:00,66"])  # h6 corrected
    result = import_history(source, p=fugou_home)
    assert result["load"]["orders"]["skipped_unchanged"] == 0
    assert query(fugou_home, "select amount from raw.orders where order_id = 'h6'") == [(Decimal("66.00"),)]
    assert query(fugou_home, "select count(*) from raw.orders") == [(5,)]
    assert len(landing_files(fugou_home, "orders")) == 3  # the old version's files are gone


def test_failed_import_leaves_landing_and_warehouse_unchanged(fugou_home: Paths, tmp_path: Path) -> None:
    first = write_history(tmp_path, ["k1,c1,2024-01-01 10:00:00,1"], name="first.csv")
    import_history(first, p=fugou_home)
    before, files = snapshot(fugou_home), landing_files(fugou_home, "orders")
    bad = write_history(tmp_path, ["b1,c1,2024-01-02 10:00:00,1", "b2,c1,2024-01-02 11:00:00,-1"], name="bad.csv")
    with pytest.raises(IngestError, match=r"bad.csv: 1 of 2 rows rejected .*line 3: negative_amount"):
        import_history(bad, p=fugou_home)
    assert snapshot(fugou_home) == before
    assert landing_files(fugou_home, "orders") == files
    assert len(list((fugou_home.home / "quarantine").glob("*.parquet"))) == 1


def test_items_customers_and_opt_outs(fugou_home: Paths, tmp_path: Path) -> None:
    import_history(write_history(tmp_path, [h for h in HISTORY if "someday" not in h]), p=fugou_home)
    (fugou_home.home / "fugou.toml").write_text("[ingest]\nmax_rejected_share = 0.5\n")
    settings._load_config.cache_clear()

    items = tmp_path / "items.csv"
    items.write_text("order_id,sku,category,quantity,unit_price,season\nh2,S1,dress,1,20,summer\n"
                     "h5,S2,hat,2,25,winter\nnobody,S3,hat,1,1,winter\n", encoding="utf-8")
    result = import_history(items, "order_items", p=fugou_home)
    assert result["load"]["order_items"]["rows_loaded"] == 2
    assert query(fugou_home, "select order_id, _partition_date from raw.order_items order by 1") == [
        ("h2", dt.date(2024, 1, 1)), ("h5", dt.date(2024, 1, 3))]
    assert query(fugou_home, "select entity, source_line, reason from ops.rejected_rows") == [
        ("order_items", 4, "unknown_order")]

    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,name,phone\nc1,甲,138\nc2,乙,139\n", encoding="gbk")
    result = import_history(customers, "customers", p=fugou_home)
    assert result["first_day"] == "2023-12-31"  # the earliest order day known
    assert query(fugou_home, "select customer_id, name, _partition_date from raw.customers order by 1") == [
        ("c1", "甲", dt.date(2023, 12, 31)), ("c2", "乙", dt.date(2023, 12, 31))]
    later = tmp_path / "customers_may.csv"
    later.write_text("customer_id,name\nc3,丙\n", encoding="utf-8")
    assert import_history(later, "customers", as_of="2024-05-01", p=fugou_home)["first_day"] == "2024-05-01"

    opt_outs = tmp_path / "opt_outs.parquet"
    duckdb.sql(f"copy (select * from (values ('c1', 'SMS', '2024-01-02 09:00:00'), ('c2', 'email', "
               f"'2024-02-01 10:00:00')) t(customer_id, channel, opted_out_at)) to '{opt_outs}' (format parquet)")
    result = import_history(opt_outs, "opt_outs", p=fugou_home)
    assert (result["days"], result["load"]["opt_outs"]["rows_loaded"]) == (2, 2)
    assert query(fugou_home, "select customer_id, channel, _partition_date, _source_line from raw.opt_outs "
                             "order by 1") == [
        ("c1", "sms", dt.date(2024, 1, 2), 1), ("c2", "email", dt.date(2024, 2, 1), 2)]


def test_configured_mapping(fugou_home: Paths, tmp_path: Path) -> None:
    (fugou_home.home / "fugou.toml").write_text(
        '[mappings.erp]\nentity = "orders"\n[mappings.erp.columns]\n'
        '"单号" = "order_id"\n"客户" = "customer_id"\n"付款时间" = "paid_at"\n"金额" = "amount"\n"地址" = "province"\n'
        '[mappings.erp.transforms]\nprovince = "first_token"\n', encoding="utf-8")
    settings._load_config.cache_clear()
    source = tmp_path / "erp.csv"
    source.write_text("单号;客户;付款时间;金额;地址\nE1;c1;2024/02/03 10:00;5.5;江苏省 南京市\n", encoding="utf-8")
    result = import_history(source, mapping="erp", p=fugou_home)
    assert result["mapping"] == "erp"
    assert query(fugou_home, "select order_id, customer_id, paid_at, amount, province from raw.orders") == [
        ("E1", "c1", dt.datetime(2024, 2, 3, 10), Decimal("5.50"), "江苏省")]
    with pytest.raises(ValueError, match="unknown mapping 'nope'"):
        import_history(source, mapping="nope", p=fugou_home)


def test_missing_required_column_names_file_and_column(fugou_home: Paths, tmp_path: Path) -> None:
    source = tmp_path / "no_amount.csv"
    source.write_text("order_id,customer_id,paid_at\nq1,c1,2024-01-01 10:00:00\n")
    with pytest.raises(IngestError, match=r"no_amount.csv: missing required column\(s\) amount"):
        import_history(source, p=fugou_home)
    assert landing_files(fugou_home, "orders") == []


# ---------------------------------------------------------------------------------------------
# the 订单报表 on its own: buyers with contacts, masked ids refused, a cut-off last day


def taobao_line(order: str, buyer: str, name: str, address: str, phone: str, paid: str,
                status: str = "交易成功", amount: str = "10.00") -> str:
    return (f'="{order}",{buyer},="{buyer}@alipay",{amount},{amount},{status},,{name},{address},{phone},'
            f'{paid or "2024-05-02 09:00:00"},{paid},商品,,,')


def write_export(tmp_path: Path, lines: list[str], name: str = "ExportOrderList.csv") -> Path:
    path = tmp_path / name
    path.write_text(TAOBAO_HEADER + "\n" + "\n".join(lines) + "\n", encoding="gbk")
    return path


EXPORT = [
    # line 2: 小明's later paid order (new phone, new name, moved to 江苏)
    taobao_line("9001", "小明", "王明", "江苏省 南京市 玄武区", "'13900000009", "2024-05-02 20:00:00"),
    # line 3: 小明's earlier order
    taobao_line("9002", "小明", "王小明", "浙江省 杭州市 西湖区", "'13812345678", "2024-05-01 10:00:00"),
    # line 4: 阿花, one order, phone in the ="..." wrapper
    taobao_line("9003", "阿花", "李阿花", "广东省 深圳市", '="13800000002"', "2024-05-01 11:00:00"),
    # line 5: never paid: no customer
    taobao_line("9004", "路人", "路人甲", "北京 北京市", "'13800000003", "", status="交易关闭"),
    # line 6: 小明's latest order by creation is not paid: it does not count
    taobao_line("9005", "小明", "假名", "上海 上海市", "'13000000000", "", status="交易关闭"),
]


def test_taobao_export_gives_each_buyer_the_contacts_of_the_latest_paid_order(fugou_home: Paths,
                                                                              tmp_path: Path) -> None:
    source = write_export(tmp_path, EXPORT)
    result = import_history(source, p=fugou_home)
    assert (result["mapping"], result["encoding"], result["customers"]) == ("taobao_orders", "gb18030", 2)
    assert result["load"]["customers"]["rows_loaded"] == 3
    rows = query(fugou_home, "select customer_id, name, phone, province, email, sms_opt_in, _partition_date, "
                             "_source_file, _source_line from raw.customers order by customer_id, _partition_date")
    src = str(source)
    assert rows == [
        # one version per buyer and order day, from that day's latest paid order; consent left unknown (NULL)
        ("小明", "王小明", "13812345678", "浙江省", None, None, dt.date(2024, 5, 1), src, 3),
        ("小明", "王明", "13900000009", "江苏省", None, None, dt.date(2024, 5, 2), src, 2),
        ("阿花", "李阿花", "13800000002", "广东省", None, None, dt.date(2024, 5, 1), src, 4),
    ]
    # 买家会员名 is also what Taobao's 客户运营平台 targets: the customers' platform_nick (send lists' crowd files)
    assert query(fugou_home, "select distinct customer_id, platform_nick from raw.customers order by 1") == [
        ("小明", "小明"), ("阿花", "阿花")]
    assert landing_files(fugou_home, "customers") == [f"2024-05-01/{result_name(source)}",
                                                      f"2024-05-02/{result_name(source)}"]
    assert query(fugou_home, "select entity, source_line, reason from ops.rejected_rows order by 2") == [
        ("orders", 5, "not_paid"), ("orders", 6, "not_paid")]


def test_taobao_export_carries_consent_and_email_of_an_earlier_customer_list(fugou_home: Paths,
                                                                             tmp_path: Path) -> None:
    import_history(write_export(tmp_path, EXPORT[:1]), p=fugou_home)  # orders first: the list's day
    consent = tmp_path / "consent.csv"
    consent.write_text("customer_id,phone,email,sms_opt_in\n小明,13812345678,xm@example.com,true\n", encoding="utf-8")
    import_history(consent, "customers", as_of="2024-05-01", p=fugou_home)
    later = write_export(tmp_path, EXPORT, name="ExportOrderList.csv")  # the same name: a newer version
    result = import_history(later, p=fugou_home)
    assert result["customers"] == 2
    assert query(fugou_home, "select customer_id, phone, email, sms_opt_in, _partition_date from raw.customers "
                             "order by customer_id, _partition_date") == [
        ("小明", "13812345678", "xm@example.com", True, dt.date(2024, 5, 1)),  # the list's own row is kept
        ("小明", "13900000009", "xm@example.com", True, dt.date(2024, 5, 2)),
        ("阿花", "13800000002", None, None, dt.date(2024, 5, 1)),
    ]


def test_taobao_export_imported_before_gets_its_buyers_on_reimport(fugou_home: Paths, tmp_path: Path) -> None:
    source = write_export(tmp_path, EXPORT)
    import_history(source, p=fugou_home)
    buyers = [fugou_home.landing / "customers" / day / result_name(source) for day in ("2024-05-01", "2024-05-02")]
    for file in buyers:
        file.unlink()  # as an importer without the buyers left it
    again = import_history(source, p=fugou_home)
    assert (again["customers"], [f.exists() for f in buyers]) == (2, [True, True])
    assert again["load"]["orders"]["partitions"] == 0  # the orders are unchanged
    assert import_history(source, p=fugou_home)["files_written"] == 0  # and now a no-op again


def test_masked_buyer_ids_are_refused_and_nothing_changes(fugou_home: Paths, tmp_path: Path) -> None:
    import_history(write_export(tmp_path, EXPORT, name="good.csv"), p=fugou_home)
    before = snapshot(fugou_home)
    files = (landing_files(fugou_home, "orders"), landing_files(fugou_home, "customers"))
    masked = write_export(tmp_path, [
        taobao_line("8001", "abc123", "甲", "浙江省 杭州市", "'13800000001", "2024-05-03 10:00:00"),
        taobao_line("8002", "t***1", "乙", "浙江省 杭州市", "'13800000002", "2024-05-03 11:00:00"),
        taobao_line("8003", "小***", "丙", "浙江省 杭州市", "'13800000003", "2024-05-03 12:00:00"),
    ], name="masked.csv")
    with pytest.raises(IngestError) as err:
        import_history(masked, p=fugou_home)
    message = str(err.value)
    assert str(masked) in message
    assert "2 of 3 rows have a masked buyer id" in message
    assert "first at line 3: 't***1'" in message
    assert "full buyer information (not desensitised/脱敏)" in message
    assert snapshot(fugou_home) == before
    assert (landing_files(fugou_home, "orders"), landing_files(fugou_home, "customers")) == files

    # any other file: a run of asterisks in customer_id is refused too
    other = write_history(tmp_path, ["m1,c1,2024-05-03 10:00:00,1", "m2,j**x,2024-05-03 11:00:00,1"])
    with pytest.raises(IngestError, match=r"history.csv: refused.*1 of 2 rows have a masked customer_id.*line 3"):
        import_history(other, p=fugou_home)
    assert snapshot(fugou_home) == before


def test_a_last_day_cut_off_at_download_is_named(fugou_home: Paths, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from fugou.cli.commands import main

    cut = write_export(tmp_path, [
        taobao_line("7001", "a1", "甲", "浙江省 杭州市", "'13800000001", "2024-05-01 23:40:00"),
        taobao_line("7002", "a2", "乙", "浙江省 杭州市", "'13800000002", "2024-05-02 22:10:00"),
        taobao_line("7003", "a3", "丙", "浙江省 杭州市", "'13800000003", "2024-05-03 00:25:00"),
    ], name="cut.csv")
    assert main(["import", str(cut)]) == 0
    out = capsys.readouterr().out
    assert (f"{cut}: the last day, 2024-05-03, ends at 00:25 — it looks cut off at download; the last complete "
            f"day is 2024-05-02: run `fugou run --date 2024-05-02`; 2024-05-03 will be completed by the next "
            f"export (re-import it under the same file name: changed days are reloaded)\n") in out
    again = import_history(cut, p=fugou_home)  # the no-op re-import says the same
    assert (again["files_written"], again["last_paid_at"], again["cut_off_day"], again["last_complete_day"]) == (
        0, "2024-05-03 00:25:00", "2024-05-03", "2024-05-02")

    complete = write_export(tmp_path, [
        taobao_line("6001", "b1", "甲", "浙江省 杭州市", "'13800000001", "2024-06-01 10:00:00"),
        taobao_line("6002", "b2", "乙", "浙江省 杭州市", "'13800000002", "2024-06-02 23:30:00"),
        taobao_line("6003", "b3", "丙", "浙江省 杭州市", "'13800000003", "2024-06-02 08:00:00"),
    ], name="complete.csv")
    result = import_history(complete, p=fugou_home)
    assert (result["last_paid_at"], result["cut_off_day"], result["last_complete_day"]) == (
        "2024-06-02 23:30:00", None, "2024-06-02")
    assert main(["import", str(complete)]) == 0
    assert "cut off" not in capsys.readouterr().out
