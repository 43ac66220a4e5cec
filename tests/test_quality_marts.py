"""The customer-facts, campaign and evaluation suites on hand-made mart frames: each kind of bad data
fails the right expectation, clean data passes, missing tables are skipped (and said so)."""

from __future__ import annotations

import pandas as pd
import pytest
from quality_frames import DAY, snapshot, snapshot_frames

from fugou import quality
from fugou.settings import Paths

S = quality.load_suites()


@pytest.fixture(autouse=True)
def _no_docs(fugou_home: Paths) -> None:
    (fugou_home.home / "fugou.toml").write_text("[quality]\ndata_docs = false\n")


def run(p: Paths, batches: list) -> quality.GateResult:
    return quality.check_batches("marts", DAY, batches, p, docs=False)


def check(result: quality.GateResult, name: str) -> quality.CheckResult:
    return next(c for c in result.checks if c.check == name)


# ------------------------------------------------------------------------------------ customer facts


ORDERS = S.customer_facts.Reconciliation(customers=3, orders=8, revenue=22100.5)


def facts(p: Paths, frame: pd.DataFrame, expected=ORDERS) -> quality.GateResult:
    cfg = quality.quality_config(p)
    frames = snapshot_frames(frame)
    return run(p, S.customer_facts.batches(DAY, frames, expected, cfg["customer_facts"], cfg["warning"]))


def test_clean_snapshot_passes(fugou_home):
    result = facts(fugou_home, snapshot())
    assert result.passed and not result.failed_checks()
    assert check(result, "customer_facts.totals.monetary_matches_revenue").status == "passed"


@pytest.mark.parametrize(
    ("column", "row", "value", "expectation"),
    [
        ("r_score", 0, 6, "customer_facts.snapshot.r_score_in_1_5"),
        ("f_score", 1, 0, "customer_facts.snapshot.f_score_in_1_5"),
        ("m_score", 2, None, "customer_facts.snapshot.m_score_present"),
        ("member_tier", 0, "gold", "customer_facts.snapshot.member_tier_known"),
        ("customer_type", 1, "vip", "customer_facts.snapshot.customer_type_known"),
        ("lifecycle_stage", 2, "dormant", "customer_facts.snapshot.lifecycle_stage_known"),
        ("recency_days", 0, -1, "customer_facts.snapshot.recency_non_negative"),
    ],
)
def test_bad_snapshot_value_fails_the_named_expectation(fugou_home, column, row, value, expectation):
    frame = snapshot()
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    result = facts(fugou_home, frame)
    assert result.failed_checks() == [expectation]
    failed = check(result, expectation)
    # only the broken row reaches Great Expectations, counted against the day's three rows
    assert failed.blocking and failed.unexpected_count == 1 and failed.element_count == 3
    assert failed.unexpected_percent == pytest.approx(100 / 3)
    assert failed.examples[0]["customer_id"] == f"c{row + 1}"


def test_duplicate_customer_fails_uniqueness_and_reconciliation(fugou_home):
    frame = pd.concat([snapshot(), snapshot().iloc[[0]]], ignore_index=True)
    result = facts(fugou_home, frame)
    assert sorted(result.failed_checks()) == [
        "customer_facts.snapshot.one_row_per_customer_per_day",
        "customer_facts.totals.customers_match_orders",
        "customer_facts.totals.frequency_matches_orders",
        "customer_facts.totals.monetary_matches_revenue",
    ]
    assert check(result, "customer_facts.snapshot.one_row_per_customer_per_day").unexpected_count == 2


def test_more_than_eight_segments_fails(fugou_home):
    frame = pd.concat([snapshot()] * 3, ignore_index=True)
    frame["customer_id"] = [f"c{i}" for i in range(9)]
    frame["rfm_segment"] = [f"s{i}" for i in range(9)]
    result = facts(fugou_home, frame, None)
    assert result.failed_checks() == ["customer_facts.totals.rfm_segments_at_most_8"]
    assert check(result, "customer_facts.totals.customers_match_orders").status == "skipped"


@pytest.mark.parametrize(("revenue", "passes"), [(22100.51, True), (22100.49, True), (22100.52, False)])
def test_revenue_reconciliation_tolerance(fugou_home, revenue, passes):
    expected = S.customer_facts.Reconciliation(customers=3, orders=8, revenue=revenue)
    result = facts(fugou_home, snapshot(), expected)
    assert result.failed_checks() == ([] if passes else ["customer_facts.totals.monetary_matches_revenue"])


def test_customer_count_and_orders_reconciliation(fugou_home):
    expected = S.customer_facts.Reconciliation(customers=4, orders=9, revenue=22100.5)
    result = facts(fugou_home, snapshot(), expected)
    assert sorted(result.failed_checks()) == [
        "customer_facts.totals.customers_match_orders",
        "customer_facts.totals.frequency_matches_orders",
    ]
    assert "observed 3 (expected = 4)" in result.summary()


def test_missing_snapshot_is_skipped_with_reason(fugou_home):
    result = facts(fugou_home, None)
    assert result.passed
    assert [c.check for c in result.skipped] == ["customer_facts.snapshot.*", "customer_facts.totals.*"]
    assert all("does not exist yet" in c.details for c in result.skipped)


# ------------------------------------------------------------------------------------------ campaigns

CATALOG = pd.DataFrame(
    {
        "campaign_code": ["shipping_notice", "full_month_gift", "member_special"],
        "control_share": [0.0, 0.10, 0.10],
        "is_service": [True, False, False],
    }
)


def decisions(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["customer_id", "campaign_code", "channel", "outcome", "suppression_reason"]
    ).assign(decision_date=pd.Timestamp(DAY))


CHANNELS = ("sms", "email", "phone")


def verdicts(ids=None, *, opted_out=(), unreachable=()) -> pd.DataFrame:
    """dbt's channel verdicts (int_campaign_customer_channels_checked) as the gate reads them: customers
    c1..c5 (or ``ids``) contactable on every channel for every kind of message, none opted out; ``opted_out``
    and ``unreachable`` (not contactable): (customer, channel) or (customer, channel, is_service) that dbt
    said otherwise of."""
    rows = []
    for cid in ids or [f"c{i}" for i in range(1, 6)]:
        for channel in CHANNELS:
            for is_service in (False, True):
                keys = {(cid, channel), (cid, channel, is_service)}
                out = bool(keys & set(opted_out))
                rows.append((cid, channel, is_service, out, not keys & set(unreachable)))
    return pd.DataFrame(rows, columns=list(S.campaigns.REACHABILITY_COLUMNS))


CLEAN = [
    ("c1", "full_month_gift", "sms", "send", None),
    ("c1", "shipping_notice", "sms", "send", None),  # a service message does not count
    ("c2", "full_month_gift", "sms", "control", None),
    ("c3", "member_special", "email", "send", None),
    ("c3", "full_month_gift", "sms", "suppressed", "lower_priority"),
    ("c4", "member_special", "sms", "suppressed", "opted_out"),
]


def campaigns(p: Paths, rows=CLEAN, people=None, catalog=CATALOG, ledger=None) -> quality.GateResult:
    cfg = quality.quality_config(p)
    return run(
        p,
        S.campaigns.batches(DAY, decisions(rows), people if people is not None else verdicts(), catalog, ledger,
                            cfg["campaigns"], cfg["warning"]),
    )


def test_clean_decisions_pass(fugou_home):
    result = campaigns(fugou_home, people=verdicts(opted_out=[("c4", "sms"), ("c3", "phone")]))
    assert result.passed and not result.failed_checks()
    assert check(result, "campaigns.sends.no_opted_out_contact").element_count == 3
    assert [c.check for c in result.skipped] == ["campaigns.ledger.*", "campaigns.export_cells.*"]


@pytest.mark.parametrize(
    ("people", "expectation", "example"),
    [
        (verdicts(opted_out=[("c1", "sms")]), "campaigns.sends.no_opted_out_contact", "c1"),
        (verdicts(opted_out=[("c3", "email")]), "campaigns.sends.no_opted_out_contact", "c3"),
        (verdicts(unreachable=[("c1", "sms")]), "campaigns.sends.consented_for_channel", "c1"),  # no consent
        (verdicts(unreachable=[("c3", "email")]), "campaigns.sends.consented_for_channel", "c3"),  # no e-mail
        (verdicts().query("customer_id != 'c3'"), "campaigns.sends.consented_for_channel", "c3"),  # no verdict
        (verdicts().query("channel != 'email'"), "campaigns.sends.consented_for_channel", "c3"),
    ],
)
def test_send_to_opted_out_or_non_consented_contact_fails(fugou_home, people, expectation, example):
    result = campaigns(fugou_home, people=people)
    assert result.failed_checks() == [expectation]
    failed = check(result, expectation)
    assert failed.blocking and failed.unexpected_count == (2 if example == "c1" else 1)
    assert failed.examples[0]["customer_id"] == example


def test_the_verdict_for_the_kind_of_message_applies(fugou_home):
    # dbt says c1 is out of marketing on SMS (e.g. an e-mail opt-out under opt_out_suppresses_all_marketing)
    # but may still get service messages there: the marketing send fails, the shipping notice does not
    result = campaigns(fugou_home, people=verdicts(opted_out=[("c1", "sms", False)]))
    assert result.failed_checks() == ["campaigns.sends.no_opted_out_contact"]
    assert check(result, "campaigns.sends.no_opted_out_contact").examples == [
        {"opted_out": True, "customer_id": "c1", "campaign_code": "full_month_gift", "channel": "sms"}
    ]


def test_without_verdicts_every_send_fails(fugou_home):
    # no verdict for the day's customers (the model was built for another day) or no model at all
    result = campaigns(fugou_home, people=pd.DataFrame(columns=list(S.campaigns.REACHABILITY_COLUMNS)))
    assert result.failed_checks() == ["campaigns.sends.consented_for_channel"]
    cfg = quality.quality_config(fugou_home)
    missing = run(fugou_home, S.campaigns.batches(DAY, decisions(CLEAN), None, CATALOG, None, cfg["campaigns"],
                                                  cfg["warning"]))
    assert missing.failed_checks() == ["campaigns.sends.consented_for_channel"]
    assert check(missing, "campaigns.sends.consented_for_channel").unexpected_count == 3


def test_two_marketing_sends_to_one_customer_fail(fugou_home):
    rows = [*CLEAN, ("c1", "member_special", "email", "send", None)]
    result = campaigns(fugou_home, rows)
    assert result.failed_checks() == ["campaigns.sends.one_marketing_send_per_customer"]
    assert check(result, "campaigns.sends.one_marketing_send_per_customer").unexpected_count == 2


def test_without_catalog_the_one_a_day_check_and_control_share_are_skipped(fugou_home):
    result = campaigns(fugou_home, catalog=None)
    assert result.passed
    assert {c.check for c in result.skipped} == {
        "campaigns.sends.one_marketing_send_per_customer", "campaigns.control_share.*", "campaigns.ledger.*",
        "campaigns.export_cells.*",
    }


@pytest.mark.parametrize(
    ("row", "expectation"),
    [
        (("c5", "member_special", "sms", "suppressed", None), "campaigns.decisions.suppressed_has_reason"),
        (("c5", "member_special", "sms", "control", "fatigue_cap"), "campaigns.decisions.reason_only_when_suppressed"),
        (("c5", "member_special", "sms", "maybe", None), "campaigns.decisions.outcome_known"),
        (("c3", "member_special", "email", "control", None), "campaigns.decisions.one_decision_per_candidate"),
    ],
)
def test_bad_decision_rows_fail_the_named_expectation(fugou_home, row, expectation):
    result = campaigns(fugou_home, [*CLEAN, row])
    assert expectation in result.failed_checks()


def share_rows(candidates: int, controls: int, code: str = "full_month_gift") -> list[tuple]:
    return [
        (f"x{i}", code, "sms", "control" if i < controls else "send", None) for i in range(candidates)
    ]


@pytest.mark.parametrize(
    ("candidates", "controls", "passes"),
    [
        (1000, 100, True),
        (1000, 137, True),  # 0.037 off, allowed max(0.03, 4 x sqrt(0.1 x 0.9 / 1000)) = 0.0379
        (1000, 139, False),  # 0.039 off
        (1000, 0, False),
        (1000, 500, False),
        (99, 0, True),  # fewer than control_share_min_candidates (100): not judged
    ],
)
def test_control_share_near_setting(fugou_home, candidates, controls, passes):
    frame = S.campaigns.control_share_frame(decisions(share_rows(candidates, controls)), {"full_month_gift": 0.1},
                                            quality.quality_config(fugou_home)["campaigns"])
    assert frame.loc[0, "allowed_deviation"] == pytest.approx(max(0.03, 4 * (0.1 * 0.9 / candidates) ** 0.5))
    assert frame.loc[0, "control_share"] == pytest.approx(controls / candidates)
    people = verdicts([f"x{i}" for i in range(candidates)])
    result = campaigns(fugou_home, share_rows(candidates, controls), people=people)
    share = check(result, "campaigns.control_share.control_share_near_setting")
    assert share.status == ("passed" if passes else "failed")
    assert share.severity == "warning" and result.passed  # warning-level by default: never blocks
    if not passes:
        assert share.examples[0]["campaign_code"] == "full_month_gift"


def test_control_share_can_be_made_blocking(fugou_home):
    (fugou_home.home / "fugou.toml").write_text("[quality]\ndata_docs = false\nwarning = []\n")
    people = verdicts([f"x{i}" for i in range(200)])
    result = campaigns(fugou_home, share_rows(200, 0), people=people)
    assert [c.check for c in result.blocking_failures] == ["campaigns.control_share.control_share_near_setting"]


def test_ledger_checks_only_sends_of_the_day(fugou_home):
    ledger = pd.DataFrame(
        [("c1", "full_month_gift", "sms", "send"), ("c1", "member_special", "email", "send"),
         ("c2", "full_month_gift", "sms", "control"), ("c2", "member_special", "sms", "control")],
        columns=["customer_id", "campaign_code", "channel", "outcome"],
    )
    result = campaigns(fugou_home, ledger=ledger, people=verdicts(opted_out=[("c2", "sms")]))
    assert result.failed_checks() == ["campaigns.ledger.one_marketing_send_per_customer"]
    assert check(result, "campaigns.ledger.no_opted_out_contact").element_count == 2


def test_an_opted_out_customer_in_the_ledger_fails(fugou_home):
    ledger = pd.DataFrame([("c1", "full_month_gift", "sms", "send"), ("c2", "member_special", "email", "send")],
                          columns=["customer_id", "campaign_code", "channel", "outcome"])
    result = campaigns(fugou_home, ledger=ledger, people=verdicts(opted_out=[("c2", "email")]))
    assert result.failed_checks() == ["campaigns.ledger.no_opted_out_contact"]
    assert check(result, "campaigns.ledger.no_opted_out_contact").examples[0]["customer_id"] == "c2"


# ----------------------------------------------------------------------------------------- evaluation


def evaluation() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "send_date": pd.to_datetime(["2024-02-01", "2024-02-01"]),
            "campaign_code": ["full_month_gift", "member_special"],
            "channel": ["sms", "sms"],
            "window_days": [10, 30],
            "status": ["final", "provisional"],
            "contacted_customers": [90, 10],
            "control_customers": [10, 0],
            "contacted_responders": [9, 10],
            "control_responders": [1, 0],
            "coupon_redeemers": [5, 0],
            "response_rate": [0.1, 1.0],
            "natural_repurchase_rate": [0.1, None],  # empty control group: no rate, no error
            "coupon_redemption_rate": [5 / 90, 0.0],
        }
    )


def evaluate(p: Paths, frame) -> quality.GateResult:
    cfg = quality.quality_config(p)
    return run(p, S.evaluation.batches(DAY, frame, {}, cfg["warning"]))


def test_clean_evaluation_passes(fugou_home):
    result = evaluate(fugou_home, evaluation())
    assert result.passed and not result.failed_checks() and not result.skipped
    assert check(result, "evaluation.campaigns.response_rate_in_0_1").element_count == 2


@pytest.mark.parametrize(
    ("column", "value", "expectation"),
    [
        ("response_rate", 1.01, "evaluation.campaigns.response_rate_in_0_1"),
        ("natural_repurchase_rate", -0.1, "evaluation.campaigns.natural_repurchase_rate_in_0_1"),
        ("contacted_responders", 91, "evaluation.campaigns.contacted_responders_within_group"),
        ("control_responders", 11, "evaluation.campaigns.control_responders_within_group"),
        ("coupon_redeemers", 91, "evaluation.campaigns.coupon_redeemers_within_group"),
        ("status", "open", "evaluation.campaigns.status_known"),
    ],
)
def test_bad_evaluation_fails_the_named_expectation(fugou_home, column, value, expectation):
    frame = evaluation()
    frame[column] = frame[column].astype(object)
    frame.loc[0, column] = value
    result = evaluate(fugou_home, frame)
    assert expectation in result.failed_checks()
    assert check(result, expectation).examples[0]["campaign_code"] == "full_month_gift"


def _evaluation_mart(frame: pd.DataFrame):
    import duckdb

    con = duckdb.connect()
    con.execute("create schema marts")
    con.register("frame", frame)
    con.execute("create table marts.fct_campaign_evaluation as select * from frame")
    return con


def test_evaluation_is_read_by_its_own_column_names():
    frame = evaluation().assign(snapshot_date=pd.to_datetime([DAY, "2024-03-09"]))
    con = _evaluation_mart(frame)
    day = S.evaluation.read(con, DAY)
    assert list(day["campaign_code"]) == ["full_month_gift"] and list(day.columns) == list(S.evaluation.COLUMNS)
    assert str(day["contacted_customers"].dtype) == "int64" and str(day["response_rate"].dtype) == "float64"


def test_renamed_evaluation_column_fails_loudly():
    frame = evaluation().assign(snapshot_date=pd.to_datetime([DAY] * 2)).rename(
        columns={"control_responders": "control_buyers"})
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['control_responders'\]"):
        S.evaluation.read(_evaluation_mart(frame), DAY)


def test_missing_evaluation_is_skipped(fugou_home):
    assert [c.details for c in evaluate(fugou_home, None).skipped] == [
        "table marts.fct_campaign_evaluation does not exist yet"
    ]


# ------------------------------------------------------------------------------------ products


CLEAN_SEASONS = {"season_rows": 12, "rows_without_units": 0, "repeat_above_buyers": 0, "unknown_roles": 0,
                 "margin_rate_above_1": 0, "min_volume_rank": 1}
CLEAN_REPURCHASE = {"bad_product_rows": 0, "bad_first_purchase_rows": 0, "bad_pair_rows": 0}


def products(p: Paths, seasons=None, repurchase=None, items=None) -> quality.GateResult:
    """The three aggregate rows, clean but for ``changes`` (a dict of columns, or "missing": no table)."""
    frames = []
    for changes, clean in ((seasons, CLEAN_SEASONS), (repurchase, CLEAN_REPURCHASE),
                           (items, {"sends_without_item": 0})):
        frames.append(None if changes == "missing" else pd.DataFrame([{**clean, **(changes or {})}]))
    return run(p, S.products.batches(DAY, *frames, quality.quality_config(p)["warning"]))


def test_clean_products_pass(fugou_home):
    result = products(fugou_home)
    assert result.passed and not result.failed_checks() and not result.skipped


@pytest.mark.parametrize(("frames", "expectation"), [
    ({"seasons": {"unknown_roles": 1}}, "products.seasons.roles_known"),
    ({"seasons": {"repeat_above_buyers": 2}}, "products.seasons.repeat_buyers_within_buyers"),
    ({"seasons": {"margin_rate_above_1": 1}}, "products.seasons.margin_rate_at_most_1"),
    ({"seasons": {"min_volume_rank": 0}}, "products.seasons.volume_rank_from_1"),
    ({"repurchase": {"bad_pair_rows": 1}}, "products.repurchase.pair_measures_valid"),
    ({"items": {"sends_without_item": 3}}, "products.items.sends_name_their_item"),
])
def test_bad_product_aggregates_fail_the_named_expectation(fugou_home, frames, expectation):
    result = products(fugou_home, **frames)
    assert result.failed_checks() == [expectation]


def test_missing_product_marts_are_skipped(fugou_home):
    result = products(fugou_home, seasons="missing", repurchase="missing")
    assert [c.details for c in result.skipped] == ["table marts.fct_product_seasons does not exist yet",
                                                   "the repurchase marts do not exist yet"]


# ------------------------------------------------------------------- the marts gate on a warehouse


def build_marts(con, *, names: tuple[str, str] = ("张三", "李四"), coupon_code: str = "FM10") -> None:
    """Hand-made marts for DAY: 2 customers, their paid orders, one decision each, and stand-ins for two dbt
    models: the channel verdicts (both customers reachable everywhere, none opted out; :func:`opt_out` changes
    that) and the restricted exportable rows (the send rows with name and contact)."""
    quoted_code = coupon_code.replace("'", "''")
    con.execute("create schema if not exists intermediate; create schema if not exists marts; "
                "create schema if not exists seeds")
    con.execute(f"""
        create table intermediate.int_orders_paid as
        select * from (values
            ('o1', 'c1', date '2024-03-01', 100.00, 0.00, null::date, false),
            ('o2', 'c1', date '{DAY}', 50.00, 20.00, date '{DAY}', false),       -- partial refund by D
            ('o3', 'c2', date '2024-03-05', 30.00, 30.00, date '2024-03-12', true),  -- refunded after D
            ('o4', 'c3', date '2024-03-02', 80.00, 80.00, date '2024-03-03', true),  -- fully refunded by D
            ('o5', 'c4', date '2024-03-11', 10.00, 0.00, null, false)             -- after D
        ) as t(order_id, customer_id, paid_date, amount, refund_amount, refund_date, is_full_refund)
    """)
    con.execute(f"""
        create table marts.fct_customer_snapshot as
        select * from (values
            ('c1', date '{DAY}', 0, 2, 130.00, 5, 5, 5, 'important_value', 'regular', 'repeat', 'active'),
            ('c2', date '{DAY}', 5, 1, 30.00, 3, 1, 1, 'general_develop', 'regular', 'new', 'active'),
            ('c1', date '2024-03-09', 8, 1, 100.00, 5, 5, 5, 'important_value', 'regular', 'new', 'active')
        ) as t(customer_id, snapshot_date, recency_days, frequency, monetary, r_score, f_score, m_score,
               rfm_segment, member_tier, customer_type, lifecycle_stage)
    """)
    con.execute(f"""
        create table marts.fct_campaign_decisions as
        select * from (values
            ('c1', date '{DAY}', 'full_month_gift', '满月礼', 'sms', 'send', null, '{quoted_code}', 10.00),
            ('c2', date '{DAY}', 'member_special', '会员专场', 'email', 'send', null, null, null)
        ) as t(customer_id, decision_date, campaign_code, campaign_name_zh, channel, outcome, suppression_reason,
               coupon_code, coupon_amount)
    """)
    con.execute("create table seeds.campaign_catalog as select * from (values ('full_month_gift', 0.1, false), "
                "('member_special', 0.1, false)) as t(campaign_code, control_share, is_service)")
    for line, (cid, name, phone, email) in enumerate([("c1", names[0], "13800000000", None),
                                                      ("c2", names[1], None, "c2@x.com")], start=2):
        con.execute(
            "insert into raw.customers (customer_id, name, phone, email, sms_opt_in, email_opt_in, _partition_date, "
            "_source_file, _source_line, _loaded_at) values (?, ?, ?, ?, true, true, '2024-03-01', 'f', ?, now())",
            [cid, name, phone, email, line],
        )
    con.execute(f"""
        create table intermediate.int_campaign_customer_channels_checked as
        select customer_id, date '{DAY}' as snapshot_date, channel, is_service, false as is_opted_out,
               true as is_contactable, true as is_reachable
        from (values ('c1'), ('c2')) as c(customer_id)
        cross join (values ('sms'), ('email'), ('phone')) as ch(channel)
        cross join (values (false), (true)) as k(is_service)
    """)
    con.execute("""
        create view intermediate.int_campaign_exportable_rows as
        select d.decision_date, d.customer_id, d.campaign_code, d.campaign_name_zh, d.channel, d.outcome,
               d.coupon_code, d.coupon_amount, false as is_service, false as is_promotional,
               c.name, c.phone, c.email, d.decision_date + 1 as delivery_date, null::varchar as platform_nick,
               null::varchar as offer_zh, d.coupon_amount as coupon_face_value, 0::decimal(14, 2) as coupon_threshold,
               null::date as coupon_valid_from, null::date as coupon_valid_until,
               '普通会员' as member_tier_name_zh, '95折' as member_discount_label_zh, null::date as last_order_date,
               null::integer as paid_orders, null::decimal(14, 2) as monetary, null::decimal(14, 2) as predicted_value,
               null::varchar as item_sku, null::varchar as item_name, null::varchar as item_category,
               null::varchar as message_subject,
               c.name || '，您好' as message, length(c.name) + 3 as message_chars, 1 as sms_parts,
               null::varchar as survey_questions, 1 as list_position
        from marts.fct_campaign_decisions as d
        left join raw.customers as c on c.customer_id = d.customer_id
    """)


def opt_out(con, customer: str, channel: str) -> None:
    """dbt's verdict (the stand-in model): the customer is opted out of ``channel`` as of DAY."""
    con.execute("update intermediate.int_campaign_customer_channels_checked set is_opted_out = true, "
                "is_reachable = false where customer_id = ? and channel = ?", [customer, channel])


def test_marts_gate_on_the_warehouse_reconciles_and_checks_contacts(fugou_home, warehouse):
    build_marts(warehouse)
    opt_out(warehouse, "c1", "email")  # another channel: no matter
    opt_out(warehouse, "c2", "phone")
    warehouse.close()
    result = quality.run_gate("marts", DAY, fugou_home)
    assert result.passed and not result.failed_checks()
    # reconciliation from the paid orders as of D: c1 (2 orders, 100 + 30), c2 (1 order, 30: refund later)
    assert json_of(check(result, "customer_facts.totals.monetary_matches_revenue").observed_value) == 160.0
    assert check(result, "customer_facts.totals.customers_match_orders").status == "passed"
    # (the predicted-value marts are not built here: skipped, said so)
    assert {c.check for c in result.skipped} == {"campaigns.ledger.*", "evaluation.campaigns.*",
                                                 "customer_value.fit.*", "customer_value.scores.*",
                                                 "products.seasons.*", "products.repurchase.*", "products.items.*"}


def test_marts_gate_counts_formula_cells_of_the_send_lists_without_showing_them(fugou_home, warehouse):
    # a customer named like a formula: written behind a ' by the export, reported as a warning
    build_marts(warehouse, names=('=HYPERLINK("http://x","点我")', "@SUM(1+1)"))
    warehouse.close()
    result = quality.run_gate("marts", DAY, fugou_home)
    assert result.passed
    names = check(result, "campaigns.export_cells.no_formula_in_names")
    # the name, and the message that starts with it (customer text: a warning, written behind a ')
    assert (names.status, names.severity, names.unexpected_count) == ("failed", "warning", 2)
    assert names.examples == [{"column_name": "message", "cells": 2, "formula_cells": 2},
                              {"column_name": "name", "cells": 2, "formula_cells": 2}]
    assert check(result, "campaigns.export_cells.no_formula_in_checked_cells").status == "passed"
    assert "HYPERLINK" not in str(result) and "SUM(1+1)" not in str(result)


def test_marts_gate_blocks_a_formula_in_a_column_fugou_checks(fugou_home, warehouse):
    build_marts(warehouse, coupon_code="=cmd|' /C calc'!A0")  # a catalog coupon code like a formula
    warehouse.close()
    with pytest.raises(quality.QualityGateError, match="campaigns.export_cells.no_formula_in_checked_cells"):
        quality.run_gate("marts", DAY, fugou_home)


def test_marts_gate_fails_on_an_opted_out_contact_and_stores_it(fugou_home, warehouse):
    build_marts(warehouse)
    opt_out(warehouse, "c2", "email")
    warehouse.close()
    with pytest.raises(quality.QualityGateError, match="campaigns.sends.no_opted_out_contact") as err:
        quality.run_gate("marts", DAY, fugou_home)
    assert err.value.result.failed_checks() == ["campaigns.sends.no_opted_out_contact"]
    assert "customer_id=c2" in str(err.value)
    from fugou.warehouse import connect

    con = connect(fugou_home.warehouse)
    rows = con.execute(
        "select expectation, status, unexpected_count, examples from ops.quality_results "
        "where layer = 'marts' and status = 'failed'"
    ).fetchall()
    con.close()
    assert rows == [("campaigns.sends.no_opted_out_contact", "failed", 1,
                     '[{"opted_out": true, "customer_id": "c2", "campaign_code": "member_special", '
                     '"channel": "email"}]')]


def json_of(text: str):
    import json

    return json.loads(text)


def test_marts_gate_reads_the_verdicts_of_the_day_only(fugou_home, warehouse):
    build_marts(warehouse)
    warehouse.execute("update intermediate.int_campaign_customer_channels_checked "
                      "set snapshot_date = date '2024-03-09'")  # the model was built for another day
    warehouse.close()
    with pytest.raises(quality.QualityGateError, match="campaigns.sends.consented_for_channel") as err:
        quality.run_gate("marts", DAY, fugou_home)
    assert err.value.result.failed_checks() == ["campaigns.sends.consented_for_channel"]
