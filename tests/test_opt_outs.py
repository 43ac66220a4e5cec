"""Opt-outs (退订) are never lost: late or future time stamps, unknown channels, opt-outs by phone / e-mail,
contacts shared between customer ids, unreadable rows failing the load, and old warehouses catching up.

The dbt part is one shop, loaded through the real ingest from landing files and built with dbt for D
(module-scoped: one build); the decisions model (marts.fct_campaign_decisions, suppression_reason
``opted_out``) and the audience model (intermediate.int_campaign_audience_prepared, opted_out_* flags)
are asserted, not only the raw table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_helpers import build
from dbt_helpers import query as dbt_query
from warehouse_helpers import query, snapshot

from fugou import settings
from fugou.contract import ENTITIES
from fugou.export import export_send_lists
from fugou.ingest import IngestError, load_pending
from fugou.settings import Paths, paths
from fugou.warehouse import LINEAGE_COLUMNS, RAW_DDL, connect

DAY = "2024-03-10"
HEADER = "customer_id,phone,email,channel,opted_out_at"


def write(p: Paths, entity: str, day: str, text: str, name: str = "part.csv") -> Path:
    target = p.landing_partition(entity, day) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def set_config(p: Paths, text: str) -> None:
    (p.home / "fugou.toml").write_text(text, encoding="utf-8")
    settings._load_config.cache_clear()


# ---------------------------------------------------------------------------------------------
# ingest


def test_late_future_and_timeless_opt_outs_load_on_their_partition_day(fugou_home: Paths) -> None:
    write(fugou_home, "opt_outs", DAY, HEADER + "\n"
          "c1,,,sms,2024-03-09 21:30:00\n"      # yesterday's opt-out delivered today
          "c2,,,sms,2099-01-01 08:00:00\n"      # a wrong clock: in the future
          "c3,,,sms,\n"                          # no time: the partition day
          "c4,,,sms,yesterday\n")                # unreadable time: the partition day
    result = load_pending(DAY, fugou_home)
    assert (result["opt_outs"]["rows_loaded"], result["opt_outs"]["rows_rejected"]) == (4, 0)
    assert query(fugou_home, "select customer_id, channel, opted_out_at, _partition_date, _source_line "
                             "from raw.opt_outs order by 1") == [
        ("c1", "sms", dt.datetime(2024, 3, 9, 21, 30), dt.date(2024, 3, 10), 2),
        ("c2", "sms", dt.datetime(2099, 1, 1, 8, 0), dt.date(2024, 3, 10), 3),
        ("c3", "sms", dt.datetime(2024, 3, 10, 0, 0), dt.date(2024, 3, 10), 4),
        ("c4", "sms", dt.datetime(2024, 3, 10, 0, 0), dt.date(2024, 3, 10), 5),
    ]
    assert query(fugou_home, "select count(*) from ops.rejected_rows") == [(0,)]


def test_unknown_or_missing_channel_is_loaded_as_all(fugou_home: Paths) -> None:
    write(fugou_home, "opt_outs", DAY, "customer_id,channel,opted_out_at\n"
          "c1,短信退订,2024-03-10 08:00:00\nc2,,2024-03-10 09:00:00\nc3,邮件,2024-03-10 10:00:00\n")
    result = load_pending(DAY, fugou_home)
    assert (result["opt_outs"]["rows_loaded"], result["opt_outs"]["rows_rejected"]) == (3, 0)
    assert query(fugou_home, "select customer_id, channel from raw.opt_outs order by 1") == [
        ("c1", "all"), ("c2", "all"), ("c3", "email")]


def test_opt_outs_by_phone_or_email_only_load(fugou_home: Paths) -> None:
    write(fugou_home, "opt_outs", DAY, "phone,email,channel,opted_out_at\n"
          "+86 138-0000-9001,,sms,2024-03-10 08:00:00\n,A@X.cn,email,2024-03-10 09:00:00\n")
    assert load_pending(DAY, fugou_home)["opt_outs"]["rows_loaded"] == 2
    assert query(fugou_home, "select customer_id, phone, email, channel from raw.opt_outs order by _source_line") == [
        (None, "+86 138-0000-9001", None, "sms"), (None, None, "A@X.cn", "email")]


@pytest.mark.parametrize(("bad_line", "reason"), [
    (",,,sms,2024-03-10 08:00:00", "missing_customer_id_or_phone_or_email"),  # names nobody
    ("c9,,,sms,2024-03-10 08:00:00,surplus", "malformed_row"),  # a broken CSV line
])
def test_an_unreadable_opt_out_fails_the_load_naming_file_and_line(fugou_home: Paths, bad_line: str,
                                                                   reason: str) -> None:
    write(fugou_home, "orders", "2024-03-09", "order_id,customer_id,paid_at,amount\nx1,c1,2024-03-09 10:00:00,5\n")
    load_pending("2024-03-09", fugou_home)
    before = snapshot(fugou_home)
    set_config(fugou_home, "[ingest]\nmax_rejected_share = 1.0\n")  # whatever the share says
    lines = [f"c{i},,,sms,2024-03-10 08:00:00" for i in range(40)]
    lines.insert(20, bad_line)  # file line 22
    write(fugou_home, "opt_outs", DAY, HEADER + "\n" + "\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        load_pending(DAY, fugou_home)
    message = str(err.value)
    assert f"landing/opt_outs/{DAY}/part.csv: 1 of 41 rows cannot be read, line 22: {reason}" in message
    assert snapshot(fugou_home) == before
    assert query(fugou_home, "select count(*) from raw.opt_outs") == [(0,)]


def test_raw_ddl_is_generated_from_the_contract(fugou_home: Paths) -> None:
    con = connect(fugou_home.warehouse)
    try:
        for ent in ENTITIES.values():
            got = con.execute(
                "select column_name, data_type, is_nullable from duckdb_columns() where schema_name = 'raw' "
                "and table_name = ? order by column_index", [ent.name]).fetchall()
            expected = [(c, k.replace(" ", "").upper(), c not in ent.required) for c, k in ent.columns.items()]
            expected += [(c, k.upper(), False) for c, k in LINEAGE_COLUMNS]
            assert [(c, t.replace(" ", ""), n) for c, t, n in got] == expected
    finally:
        con.close()
    assert "customer_id varchar,\n    channel varchar not null" in RAW_DDL
    assert "create table if not exists ops.load_manifest" in RAW_DDL


def test_an_old_warehouse_catches_up_on_connect(fugou_home: Paths) -> None:
    con = duckdb.connect(str(fugou_home.warehouse))
    con.execute("create schema raw; create table raw.opt_outs (customer_id varchar not null, channel varchar not null, "
                "opted_out_at timestamp not null, _partition_date date not null, _source_file varchar not null, "
                "_source_line bigint not null, _loaded_at timestamp not null)")
    con.execute("insert into raw.opt_outs values ('c0', 'sms', '2024-03-01 08:00:00', '2024-03-01', 'old.csv', 2, "
                "'2024-03-01 09:00:00')")
    con.close()
    write(fugou_home, "opt_outs", DAY, "phone,channel,opted_out_at\n13800009001,sms,2024-03-10 08:00:00\n")
    assert load_pending(DAY, fugou_home)["opt_outs"]["rows_loaded"] == 1
    assert query(fugou_home, "select customer_id, phone, channel, _partition_date from raw.opt_outs order by 4") == [
        ("c0", None, "sms", dt.date(2024, 3, 1)), (None, "13800009001", "sms", dt.date(2024, 3, 10))]
    assert query(fugou_home, "select column_name, is_nullable from duckdb_columns() where table_name = 'opt_outs' "
                             "and column_name in ('customer_id', 'channel', 'email') order by 1") == [
        ("channel", False), ("customer_id", True), ("email", True)]


# ---------------------------------------------------------------------------------------------
# dbt: the decisions of D, from landing files through the real ingest

# the run of D decides the messages delivered on D + 1 (2025-03-14), 30 days after the first order: every
# customer below is due the SMS 满月礼 (full_month_gift)
D = "2025-03-13"
FIRST_ORDER = "2025-02-12"
CUSTOMERS = {  # customer_id -> (phone, email)
    "late": ("13800001001", ""), "future": ("13800001002", ""), "odd": ("13800001003", ""),
    "noclock": ("13800001004", ""),
    "p1": ("13800009001", ""), "p2": ("138 0000 9001", ""),          # both have the phone opted out by number
    "a": ("13800002001", ""), "b": ("13800002001", ""),               # b shares a's phone; a opts out of sms
    "e1": ("13800003001", "shared@x.cn"), "e2": ("13800003002", " Shared@X.cn "),  # e2 shares e1's e-mail
    "e3": ("13800003001", ""),                  # e3 shares e1's phone only: e1 is out of all marketing
    "free": ("13800004001", "free@x.cn"),
}
OPT_OUTS = HEADER + "\n" + "\n".join([
    "late,,,sms,2025-03-12 22:00:00",        # yesterday's opt-out in today's file
    "future,,,sms,2025-03-20 09:00:00",      # a future time stamp
    "odd,,,短信退订,2025-03-13 08:00:00",     # an unknown channel: all
    "noclock,,,sms,",                        # no time
    ",+86 138-0000-9001,,sms,2025-03-13 09:00:00",  # by phone only
    "a,,,sms,2025-03-13 10:00:00",
    "e1,,,email,2025-03-13 11:00:00",
]) + "\n"
SUPPRESSED = {"late", "future", "odd", "noclock", "p1", "p2", "a", "b", "e1", "e2", "e3"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict[str, Any]:
    home = paths(tmp_path_factory.mktemp("opt_out_shop") / "home")
    home.home.mkdir(parents=True)
    write(home, "orders", FIRST_ORDER, "order_id,customer_id,paid_at,amount,status\n" + "".join(
        f"o-{cid},{cid},{FIRST_ORDER} 12:00:00,120,completed\n" for cid in CUSTOMERS))
    write(home, "customers", FIRST_ORDER, "customer_id,name,phone,email,sms_opt_in,email_opt_in\n" + "".join(
        f"{cid},客户{cid},{phone},{email},true,{'true' if email else 'false'}\n"
        for cid, (phone, email) in CUSTOMERS.items()))
    write(home, "opt_outs", D, OPT_OUTS)
    loaded = load_pending(D, home)
    build(home, D, ("+fct_campaign_decisions", "+int_campaign_exportable_rows",
                    "int_campaign_customer_channels_checked", "resource_type:seed"))
    rows = dbt_query(home, "select * from marts.fct_campaign_decisions where decision_date = ? "
                           "and campaign_code = 'full_month_gift'", [D])
    audience = dbt_query(home, "select * from intermediate.int_campaign_audience_prepared")
    export = export_send_lists(D, home)
    sms = b"".join(f.read_bytes() for f in sorted((home.exports / D).glob("*__sms.csv"))).decode()
    return {"home": home, "loaded": loaded, "decisions": {r["customer_id"]: r for r in rows},
            "audience": {r["customer_id"]: r for r in audience}, "export": export, "sms": sms}


def test_every_opt_out_row_is_loaded(shop):
    assert (shop["loaded"]["opt_outs"]["rows_loaded"], shop["loaded"]["opt_outs"]["rows_rejected"]) == (7, 0)


@pytest.mark.parametrize("cid", sorted(SUPPRESSED))
def test_opted_out_customers_are_suppressed_on_d(shop, cid):
    row = shop["decisions"][cid]
    assert (row["outcome"], row["suppression_reason"]) == ("suppressed", "opted_out")


def test_late_and_future_opt_outs_apply_from_the_day_they_arrive(shop):
    audience = shop["audience"]
    assert (audience["late"]["opted_out_sms"], audience["future"]["opted_out_sms"]) == (True, True)
    assert audience["noclock"]["opted_out_sms"] is True


def test_unknown_channel_suppresses_sms(shop):
    odd = shop["audience"]["odd"]
    assert (odd["opted_out_sms"], odd["opted_out_email"], odd["opted_out_phone"]) == (True, True, True)


def test_an_opt_out_by_phone_suppresses_both_customer_ids_with_it(shop):
    audience = shop["audience"]
    assert (audience["p1"]["opted_out_sms"], audience["p2"]["opted_out_sms"]) == (True, True)
    assert (audience["p1"]["opted_out_email"], audience["p2"]["opted_out_email"]) == (False, False)


def test_an_opt_out_of_a_suppresses_b_with_the_same_phone(shop):
    b = shop["audience"]["b"]
    # a opted out of SMS, which (opt_out_suppresses_all_marketing) puts a's phone out for SMS and calls
    assert (b["opted_out_sms"], b["opted_out_email"], b["opted_out_phone"]) == (True, False, True)
    assert (shop["decisions"]["b"]["outcome"], shop["decisions"]["b"]["suppression_reason"]) == (
        "suppressed", "opted_out")


def test_an_email_opt_out_reaches_the_shared_email_and_the_shared_phone(shop):
    # opt_out_suppresses_all_marketing: e1's e-mail opt-out stops all marketing to e1's phone and e-mail,
    # under any customer id
    audience = shop["audience"]
    assert (audience["e2"]["opted_out_email"], audience["e2"]["opted_out_sms"]) == (True, False)
    e3 = audience["e3"]
    assert (e3["opted_out_sms"], e3["opted_out_email"], e3["opted_out_any"]) == (True, False, True)


def test_customers_without_an_opt_out_are_not_suppressed(shop):
    assert shop["decisions"]["free"]["outcome"] in ("send", "control")
    assert shop["decisions"]["free"]["suppression_reason"] is None
    assert set(shop["decisions"]) == {*SUPPRESSED, "free"}


def test_no_suppressed_phone_in_the_sms_list(shop):
    sent = [cid for cid, r in shop["decisions"].items() if r["outcome"] == "send"]
    assert set(sent) <= {"free"} and shop["sms"].count("\n") == 1 + len(sent)  # header + the sends
    for cid in SUPPRESSED:
        assert CUSTOMERS[cid][0] not in shop["sms"]
    assert "13800009001" not in shop["sms"] and "138 0000 9001" not in shop["sms"]


def test_no_phone_or_email_outside_the_restricted_models(shop):
    cols = dbt_query(shop["home"], "select table_schema, table_name, column_name from information_schema.columns "
                                   "where table_schema in ('staging', 'intermediate', 'marts') "
                                   "and column_name in ('phone', 'email')")
    # the restricted contacts model and the send-list rows made from it (a view, tagged restricted)
    assert {(c["table_schema"], c["table_name"]) for c in cols} == {
        ("staging", "stg_shop__customer_contacts"), ("intermediate", "int_campaign_exportable_rows")}
    shared = dbt_query(shop["home"], "select customer_id, channel "
                                     "from intermediate.int_campaign_opt_outs_shared_contacts order by 1, 2")
    # only (customer_id, channel) comes out; the opt-outs' own customers are among them (through their own phone)
    assert [(r["customer_id"], r["channel"]) for r in shared] == [
        ("a", "phone"), ("a", "sms"), ("b", "phone"), ("b", "sms"), ("e1", "email"), ("e1", "phone"), ("e1", "sms"),
        ("e2", "email"), ("e3", "phone"), ("e3", "sms"), ("future", "phone"), ("future", "sms"), ("late", "phone"),
        ("late", "sms"), ("noclock", "phone"), ("noclock", "sms"), ("odd", "phone"), ("odd", "sms"), ("p1", "sms"),
        ("p2", "sms")]


def test_the_exportable_rows_and_the_gate_verdicts_honour_shared_contacts(shop):
    """The send-list rows (int_campaign_exportable_rows) hold no opted-out customer, through a shared phone /
    e-mail included; the marts gate reads dbt's verdicts (int_campaign_customer_channels_checked), so a ledger
    send to a customer opted out through a shared phone fails it."""
    from fugou import quality

    rows = dbt_query(shop["home"], "select customer_id, outcome from intermediate.int_campaign_exportable_rows")
    assert {r["customer_id"] for r in rows if r["outcome"] == "send"} <= {"free"}
    verdicts = {(v["customer_id"], v["channel"], v["is_service"]): v for v in dbt_query(
        shop["home"], "select * from intermediate.int_campaign_customer_channels_checked")}
    assert verdicts[("b", "sms", True)]["is_opted_out"] is True  # a's phone, for any message
    assert verdicts[("e2", "email", True)]["is_opted_out"] is True  # e1's e-mail
    assert (verdicts[("e3", "sms", False)]["is_opted_out"], verdicts[("e3", "email", True)]["is_opted_out"]) == (
        True, False)
    assert verdicts[("free", "sms", False)]["is_reachable"] is True

    (shop["home"].home / "fugou.toml").write_text("[quality]\ndata_docs = false\n", encoding="utf-8")
    settings._load_config.cache_clear()
    result = quality.run_gate("marts", D, shop["home"])
    assert not [c for c in result.failed_checks() if c.startswith("campaigns.")]
    con = connect(shop["home"].warehouse)
    con.execute("insert into ops.sends (send_date, customer_id, campaign_code, channel, outcome, is_service, "
                "is_promotional, catalog_version, exported_at) values (?, 'b', 'full_month_gift', 'sms', 'send', "
                "false, false, 'test', now())", [D])
    con.close()
    try:
        with pytest.raises(quality.QualityGateError, match="campaigns.ledger.no_opted_out_contact"):
            quality.run_gate("marts", D, shop["home"])
    finally:
        con = connect(shop["home"].warehouse)
        con.execute("delete from ops.sends where customer_id = 'b'")
        con.close()
