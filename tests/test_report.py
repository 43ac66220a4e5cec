"""The daily report: render it from a small hand-made analytics.duckdb and check every chart's data.

The published copy is built by hand with the schemas and table names the marts really use, the seeds
read from ``dbt_project/seeds`` (so the Chinese campaign names are the catalog's), and the ops tables
with the warehouse's own DDL. Each chart's Vega-Lite spec is parsed back out of the HTML and its
inline rows compared with exact values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from fugou.report import SECTIONS, render_report
from fugou.settings import DBT_PROJECT_DIR, Paths
from fugou.warehouse import RAW_DDL

DAY = "2025-03-31"
D = dt.date.fromisoformat(DAY)

# R, F, monetary of the day's customers: two in cell (5, 5) with 300 and 500 -> average 400.00
SNAPSHOT = [
    # customer, r, f, monetary, tier, type, stage
    ("c1", 5, 5, 300.00, "regular", "fan", "active"),
    ("c2", 5, 5, 500.00, "regular", "fan", "active"),
    ("c3", 1, 1, 80.50, "regular", "new", "churned"),
    ("c4", 3, 2, 2000.00, "senior", "repeat", "silent"),
    ("c5", 2, 4, 25000.00, "supreme_vip", "loyal", "sleeping"),
]


# dim_customers for the cohort curves: customer, first order, second order, last order, paid orders
BUYERS = [
    # cohort 2024-12 (5 customers)
    ("k1", dt.date(2024, 12, 3), None, dt.date(2024, 12, 3), 1),                     # never ordered again
    ("k2", dt.date(2024, 12, 5), dt.date(2024, 12, 20), dt.date(2024, 12, 20), 2),   # second order in month 0
    ("k3", dt.date(2024, 12, 10), dt.date(2025, 2, 14), dt.date(2025, 2, 14), 2),    # month 2
    ("k4", dt.date(2024, 12, 15), dt.date(2025, 1, 10), dt.date(2025, 3, 1), 3),     # month 1
    # one day apart but in the next calendar month: month 1, not month 0
    ("k5", dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 3, 20), 4),
    # cohort 2025-03 (5 customers; 4 on 2025-03-19, of whom 2 had ordered again by then)
    ("m1", dt.date(2025, 3, 2), dt.date(2025, 3, 15), dt.date(2025, 3, 15), 2),
    ("m2", dt.date(2025, 3, 20), None, dt.date(2025, 3, 20), 1),                      # first order after 03-19
    ("m3", dt.date(2025, 3, 5), dt.date(2025, 3, 5), dt.date(2025, 3, 28), 3),       # two orders on the first day
    ("m4", dt.date(2025, 3, 10), dt.date(2025, 3, 25), dt.date(2025, 3, 25), 2),     # second order after 03-19
    ("m5", dt.date(2025, 3, 12), None, dt.date(2025, 3, 12), 1),
    ("old", dt.date(2024, 3, 15), dt.date(2024, 4, 1), dt.date(2024, 4, 1), 2),      # 13 months back: not shown
    ("nob", None, None, None, 0),                                                     # in the customer file only
]


def _day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


def _create_seeds(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema seeds")
    for seed in ("campaign_catalog", "lifecycle_stages", "member_tiers", "customer_types", "product_roles",
                 "suppression_reasons"):
        path = DBT_PROJECT_DIR / "seeds" / f"{seed}.csv"
        con.execute(f"create table seeds.{seed} as select * from read_csv('{path}', header = true, all_varchar = true)")
    for table, column in (("lifecycle_stages", "stage_order"), ("member_tiers", "tier_rank"),
                          ("campaign_catalog", "priority"), ("product_roles", "sort_order")):
        con.execute(f"alter table seeds.{table} alter {column} type integer")


def _create_customer_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        create table marts.fct_customer_snapshot (
            customer_id varchar, snapshot_date date, recency_days integer, frequency integer,
            monetary decimal(18, 2), r_score integer, f_score integer, m_score integer, rfm_segment varchar,
            member_tier varchar, customer_type varchar, lifecycle_stage varchar, previous_lifecycle_stage varchar)
    """)
    for cid, r, f, monetary, tier, ctype, stage in SNAPSHOT:
        con.execute("insert into marts.fct_customer_snapshot values (?, ?, 1, ?, ?, ?, ?, 3, 'x', ?, ?, ?, ?)",
                    [cid, D, f, monetary, r, f, tier, ctype, stage, stage])
    # a customer of the day before in cell (5, 5) must not count on the report's day
    con.execute("insert into marts.fct_customer_snapshot values "
                "('c1', ?, 1, 5, 9999, 5, 5, 5, 'x', 'vip', 'fan', 'active', 'active')", [_day(-1)])

    con.execute("""
        create table marts.fct_customer_daily_trends (
            snapshot_date date, lifecycle_stage varchar, customer_type varchar, customers bigint,
            new_customers bigint, orders bigint, revenue decimal(18, 2), cumulative_monetary decimal(18, 2))
    """)
    trends = [
        (_day(-1), "active", "new", 10, 2, 3, 120.00),
        (_day(-1), "active", "fan", 5, 0, 1, 60.00),
        (_day(-1), "silent", "repeat", 4, 0, 0, 0),
        (D, "active", "new", 11, 3, 4, 150.50),
        (D, "active", "fan", 6, 0, 2, 99.50),
        (D, "silent", "repeat", 3, 0, 0, 0),
        (D, "churned", "new", 7, 0, 0, 0),
        (_day(1), "active", "new", 99, 9, 9, 999.00),  # after the day: never shown
    ]
    con.executemany("insert into marts.fct_customer_daily_trends values (?, ?, ?, ?, ?, ?, ?, 0)", trends)

    con.execute("""
        create table marts.fct_customer_stage_changes (
            customer_id varchar, change_date date, change_kind varchar, from_value varchar, to_value varchar,
            direction varchar)
    """)
    changes = [
        ("a1", D, "lifecycle_stage", "active", "silent"),
        ("a2", _day(-29), "lifecycle_stage", "active", "silent"),   # first day of the 30-day window
        ("a3", _day(-30), "lifecycle_stage", "active", "silent"),   # one day too early
        ("a4", _day(-3), "lifecycle_stage", "silent", "active"),
        ("a5", _day(-3), "lifecycle_stage", None, "active"),
        ("a6", _day(-3), "member_tier", "regular", "senior"),       # a tier change: not a stage transition
        ("a7", _day(1), "lifecycle_stage", "active", "silent"),     # after the day
    ]
    con.executemany("insert into marts.fct_customer_stage_changes values (?, ?, ?, ?, ?, 'x')", changes)

    con.execute("""
        create table marts.dim_customers (
            customer_id varchar, as_of_date date, is_buyer boolean, first_order_date date, second_order_date date,
            last_order_date date, frequency integer, monetary decimal(18, 2), customer_type varchar,
            lifecycle_stage varchar)
    """)
    con.executemany("insert into marts.dim_customers values (?, ?, ?, ?, ?, ?, ?, 0, 'x', 'x')",
                    [(cid, D, frequency > 0, first, second, last, frequency)
                     for cid, first, second, last, frequency in BUYERS])


JAN, FEB, MAR = ((dt.date(2025, m, 1), dt.date(2025, m, days)) for m, days in ((1, 31), (2, 28), (3, 31)))
# the monthly roll-up of the evaluation (fct_campaign_evaluation_by_campaign), as published on DAY:
# (period, campaign, window, last send, contacted, control, redeemers, coupons sent, coupon cost,
#  incremental revenue and its interval, ROI and its interval (= those / coupon cost),
#  contacted responders, control responders, lift and its interval)
MONEY = [
    # 满月礼 10 days: January and February final (February the latest), March provisional (its last send
    # is on the day: windows open); 30 days: February final (last send 2025-02-28 + 30 = 2025-03-30)
    (FEB, "full_month_gift", 10, dt.date(2025, 2, 28), 900, 100, 60, 4500, 300, 1500.0, 300.0, 2700.0,
     5.0, 1.0, 9.0, 180, 10, 0.10, 0.04, 0.16),
    (FEB, "full_month_gift", 30, dt.date(2025, 2, 28), 900, 100, 90, 4500, 450, 2250.0, -450.0, 4950.0,
     5.0, -1.0, 11.0, 270, 25, 0.05, -0.04, 0.14),
    (JAN, "full_month_gift", 10, dt.date(2025, 1, 31), 800, 90, 50, 4000, 250, 999.0, 199.0, 1799.0,
     3.996, 0.796, 7.196, 160, 9, 0.10, 0.03, 0.17),
    (MAR, "full_month_gift", 10, D, 700, 70, 40, 3500, 200, 888.0, -112.0, 1888.0,
     4.44, -0.56, 9.44, 98, 7, 0.04, -0.04, 0.12),
    # 清货: a coupon cost but no control group - shown, without revenue or ROI
    (FEB, "clearance", 30, dt.date(2025, 2, 20), 40, 0, 4, 600, 60, None, None, None, None, None, None,
     8, 0, None, None, None),
    # 爆款推广 with a 45-day window: February's last send closes after the day (provisional), January is final
    (FEB, "hot_item_promo", 45, dt.date(2025, 2, 20), 50, 5, 5, 400, 40, 10.0, -5.0, 25.0,
     0.25, -0.125, 0.625, 10, 1, 0.0, -0.3, 0.3),
    (JAN, "hot_item_promo", 45, dt.date(2025, 1, 31), 60, 6, 6, 480, 48, 96.0, 0.0, 192.0,
     2.0, 0.0, 4.0, 12, 1, 0.0333, -0.25, 0.3),
    # 上新通知 has no coupon: incremental revenue, no ROI
    (FEB, "new_arrival_sms", 30, dt.date(2025, 2, 25), 30, 3, 0, 0, 0, 60.0, -20.0, 140.0,
     None, None, None, 6, 0, 0.2, -0.1, 0.4),
    # 发货通知: no coupon, no control group - nothing to weigh
    (FEB, "shipping_notice", 30, dt.date(2025, 2, 25), 30, 0, 0, 0, 0, None, None, None, None, None, None,
     3, 0, None, None, None),
]


def _money_row(period: tuple[dt.date, dt.date], code: str, window: int, last_send: dt.date, contacted: int,
               control: int, *rest: Any) -> tuple:
    """One by-campaign row: status as the mart computes it on DAY, rates from the counts."""
    start, end = period
    money, (responders, control_responders, *lift) = rest[:9], rest[9:]
    status = "final" if end <= D and last_send + dt.timedelta(days=window) <= D else "provisional"
    return (start, end, code, window, status, last_send, contacted, control, *money, responders,
            control_responders, responders / contacted, control_responders / control if control else None, *lift)


# fct_shop_kpis as published on DAY (a Monday): the week starting on the day is partial
SHOP_KPIS = [  # grain, start, end, complete, repurchase, frequency, spend, wake-up, unsubscribe
    ("week", _day(-14), _day(-8), True, 0.21, 1.3, 180.0, 0.05, 0.01),
    ("week", _day(-7), _day(-1), True, 0.23, 1.4, 175.5, 0.06, 0.012),
    ("week", D, _day(6), False, 0.02, 1.0, 90.0, 0.004, 0.001),
    ("month", dt.date(2025, 2, 1), dt.date(2025, 2, 28), True, 0.24, 1.45, 185.0, 0.065, 0.014),
    ("month", dt.date(2025, 3, 1), D, True, 0.25, 1.5, 190.0, 0.07, 0.015),
    ("month", dt.date(2025, 4, 1), dt.date(2025, 4, 30), False, 0.99, 9.9, 999.0, 0.99, 0.99),  # after the day
]


def _create_campaign_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        create table marts.fct_campaign_decisions (
            customer_id varchar, decision_date date, campaign_code varchar, channel varchar, outcome varchar,
            suppression_reason varchar)
    """)
    decisions = [("d1", D, "full_month_gift", "sms", "send", None),
                 ("d2", D, "full_month_gift", "sms", "control", None),
                 ("d3", D, "full_month_gift", "sms", "suppressed", "opted_out"),
                 ("d4", D, "clearance", "sms", "suppressed", "fatigue_cap"),
                 ("d5", _day(-1), "clearance", "sms", "send", None)]
    con.executemany("insert into marts.fct_campaign_decisions values (?, ?, ?, ?, ?, ?)", decisions)

    con.execute("""
        create table marts.fct_campaign_evaluation (
            send_date date, campaign_code varchar, channel varchar, window_days integer, window_end_date date,
            status varchar, contacted_customers bigint, control_customers bigint, response_rate double,
            natural_repurchase_rate double, absolute_lift double, absolute_lift_ci_low double,
            absolute_lift_ci_high double)
    """)
    evaluations = [  # send day offset, campaign, window, contacted, control, rates, lift and interval
        # full_month_gift 10d: an older closed window, the latest closed one (ends on the day itself), and
        # one still open on the day (ends the day after)
        (-20, "full_month_gift", 10, 90, 10, 0.20, 0.10, 0.10, 0.01, 0.19),
        (-10, "full_month_gift", 10, 180, 20, 0.25, 0.10, 0.15, 0.02, 0.28),
        (-9, "full_month_gift", 10, 50, 5, 0.50, 0.00, 0.50, 0.10, 0.90),
        (-30, "full_month_gift", 30, 100, 12, 0.30, 0.25, 0.05, -0.02, 0.12),
        # a campaign with an empty control group: no lift, not charted
        (-30, "clearance", 30, 40, 0, 0.10, None, None, None, None),
    ]
    con.executemany(
        "insert into marts.fct_campaign_evaluation values (?, ?, 'sms', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(_day(off), code, window, _day(off + window), "final" if off + window <= 0 else "provisional",
          contacted, control, rate, natural, lift, low, high)
         for off, code, window, contacted, control, rate, natural, lift, low, high in evaluations])

    con.execute("""
        create table marts.fct_campaign_evaluation_by_campaign (
            period_grain varchar, period_start date, period_end date, campaign_code varchar, channel varchar,
            window_days integer, status varchar, last_send_date date, contacted_customers bigint,
            control_customers bigint, coupon_redeemers bigint, coupon_value_sent decimal(18, 2),
            coupon_cost decimal(18, 2), incremental_revenue double, incremental_revenue_ci_low double,
            incremental_revenue_ci_high double, roi double, roi_ci_low double, roi_ci_high double,
            contacted_responders bigint, control_responders bigint, response_rate double,
            natural_repurchase_rate double, absolute_lift double, absolute_lift_ci_low double,
            absolute_lift_ci_high double)
    """)
    con.executemany(
        "insert into marts.fct_campaign_evaluation_by_campaign values "
        "('month', ?, ?, ?, 'sms', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_money_row(*row) for row in MONEY])
    con.execute("insert into marts.fct_campaign_evaluation_by_campaign (period_grain, period_start, period_end, "
                "campaign_code, channel, window_days, status, last_send_date, control_customers, coupon_cost, roi) "
                "values ('week', '2025-02-24', '2025-03-02', 'full_month_gift', 'sms', 10, 'final', '2025-02-28', "
                "5, 1, 99)")

    con.execute("""
        create table marts.fct_shop_kpis (
            period_grain varchar, period_start date, period_end date, is_complete boolean, repurchase_rate double,
            purchase_frequency double, spend_per_customer double, wake_up_rate double, unsubscribe_rate double)
    """)
    con.executemany("insert into marts.fct_shop_kpis values (?, ?, ?, ?, ?, ?, ?, ?, ?)", SHOP_KPIS)


def _create_value_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Predicted value of two of the day's customers and the fit it comes from (test_report_value checks
    the predicted-value sections in detail)."""
    con.execute("""
        create table marts.fct_customer_value (
            customer_id varchar, snapshot_date date, lifecycle_stage varchar, p_alive double,
            expected_orders_365d double, predicted_value decimal(14, 2), value_decile integer,
            is_worth_waking boolean, purchase_fit_date date, spend_fit_date date)
    """)
    con.executemany("insert into marts.fct_customer_value values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [("c1", D, "active", 0.9, 2.0, 800.00, 10, False, _day(-7), _day(-7)),
                     ("c4", D, "silent", 0.7, 1.0, 400.00, 1, True, _day(-7), _day(-7))])
    con.execute("""
        create table marts.fct_customer_value_fits (
            fit_date date, purchase_status varchar, spend_status varchar, message varchar)
    """)
    con.execute("insert into marts.fct_customer_value_fits values (?, 'converged', 'converged', null)", [_day(-7)])


def _create_product_marts(con: duckdb.DuckDBPyConnection) -> None:
    """The winter before D (complete: three items) and the spring of D (under way: one item)."""
    con.execute("""
        create table marts.fct_product_seasons (
            sku varchar, product_name varchar, category varchar, sales_season_name_zh varchar,
            season_start_date date, season_end_date date, is_season_complete boolean, units bigint, buyers bigint,
            repeat_buyers bigint, revenue decimal(18, 2), margin_rate double, price_band varchar,
            margin_basis varchar, product_role varchar, product_role_zh varchar)
    """)
    summer, autumn = dt.date(2024, 12, 1), dt.date(2025, 3, 1)
    con.executemany("insert into marts.fct_product_seasons values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        ("T1", "经典款T恤", "T恤", "冬", summer, dt.date(2025, 2, 28), True, 60, 50, 5, 3000.00, 0.3, "low", "cost",
         "traffic", "引流款"),
        ("D1", "修身款连衣裙", "连衣裙", "冬", summer, dt.date(2025, 2, 28), True, 20, 20, 1, 5000.00, 0.62, "high",
         "cost", "profit", "利润款"),
        ("S1", "经典款袜子", "袜子", "冬", summer, dt.date(2025, 2, 28), True, 5, 5, 0, 100.00, 0.25, "low", "cost",
         "edge", "边缘款"),
        ("M1", "经典款毛衣", "毛衣", "春", autumn, dt.date(2025, 5, 31), False, 3, 3, 0, 450.00, 0.6, "mid", "cost",
         "edge", "边缘款"),
    ])


def _create_repurchase_marts(con: duckdb.DuckDBPyConnection) -> None:
    """A few rows of each repurchase mart (test_report_repurchase checks the repurchase sections in detail)."""
    con.execute("""
        create table marts.fct_repurchase_first_purchases (
            item_level varchar, category varchar, sku varchar, window_label varchar, window_days integer,
            snapshot_date date, first_customers integer, eligible_customers integer, second_order_customers integer,
            second_order_share double, median_days_to_second_order double)
    """)
    con.executemany("insert into marts.fct_repurchase_first_purchases "
                    "values ('category', ?, null, ?, ?, ?, 4, ?, ?, ?, ?)",
                    [("茶叶", "30d", 30, D, 4, 1, 0.25, 12.0), ("茶叶", "ever", None, D, 4, 2, 0.5, 20.0)])
    con.execute("""
        create table marts.fct_repurchase_products (
            sku varchar, category varchar, snapshot_date date, buyers integer, repeat_buyers integer,
            repurchase_rate double, median_days_between double, mean_days_between double)
    """)
    con.execute("insert into marts.fct_repurchase_products values ('T01', '茶叶', ?, 4, 1, 0.25, 30.0, 30.0)", [D])
    con.execute("""
        create table marts.fct_category_pairs (
            category_a varchar, category_b varchar, snapshot_date date, customers integer, customers_a integer,
            customers_b integer, customers_both integer, support double, confidence double, lift double)
    """)
    con.executemany("insert into marts.fct_category_pairs values (?, ?, ?, 10, ?, ?, 2, 0.2, ?, ?)",
                    [("茶叶", "茶具", D, 4, 5, 0.5, 1.0), ("茶具", "茶叶", D, 5, 4, 0.4, 1.0)])


# fct_customer_profile_breakdowns (test_report_profiles checks the profile section in detail): group_by,
# group, its label and order, its customers, attribute, value, value order, customers, orders, spend
PROFILE_BREAKDOWNS = [
    ("rfm_segment", "important_value", "重要价值客户", 1, 2, "age_band", "25-29", 2, 2, 6, 3000.00),
    ("rfm_segment", "important_value", "重要价值客户", 1, 2, "province", "浙江", 1, 2, 6, 3000.00),
    ("rfm_segment", "important_value", "重要价值客户", 1, 2, "spend_level", "high", 1, 2, 6, 3000.00),
    ("rfm_segment", "general_win_back", "一般挽留客户", 8, 3, "age_band", "unknown", 999, 3, 3, 150.00),
    ("rfm_segment", "general_win_back", "一般挽留客户", 8, 3, "province", "浙江", 1, 3, 3, 150.00),
    ("rfm_segment", "general_win_back", "一般挽留客户", 8, 3, "spend_level", "low", 3, 3, 3, 150.00),
    ("customer_type", "fan", "粉丝客户", 4, 2, "age_band", "25-29", 2, 2, 6, 3000.00),  # not a segment
]
PROFILE_COLUMNS = (
    "snapshot_date date, group_by varchar, group_value varchar, group_label varchar, group_order integer, "
    "attribute varchar, attribute_value varchar, value_order integer, customers bigint, group_customers bigint, "
    "share_of_group double, orders hugeint, monetary_total decimal(18, 2), average_order_value decimal(14, 2)")


def create_profile_marts(con: duckdb.DuckDBPyConnection, breakdowns: list[tuple] = PROFILE_BREAKDOWNS,
                         day: dt.date = D) -> None:
    """marts.fct_customer_profile_breakdowns of ``day`` with these rows (shares and averages computed)."""
    con.execute("drop table if exists marts.fct_customer_profile_breakdowns")
    con.execute(f"create table marts.fct_customer_profile_breakdowns ({PROFILE_COLUMNS})")
    con.executemany(
        "insert into marts.fct_customer_profile_breakdowns values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(day, group_by, group, label, order, attribute, value, value_order, customers, group_customers,
          customers / group_customers, orders, money, round(money / orders, 2))
         for group_by, group, label, order, group_customers, attribute, value, value_order, customers, orders, money
         in breakdowns])


def _create_ops(con: duckdb.DuckDBPyConnection) -> None:
    ops_ddl = RAW_DDL[RAW_DDL.index("create table if not exists ops.load_manifest"):]
    con.execute("create schema ops")
    con.execute(ops_ddl)
    sends = [("s1", "full_month_gift", "sms", "send"), ("s2", "full_month_gift", "sms", "send"),
             ("s3", "full_month_gift", "sms", "send"), ("s4", "full_month_gift", "sms", "control"),
             ("s5", "member_special_email", "email", "send"), ("s6", "member_special_sms", "sms", "send"),
             ("s7", "member_gift_churned_repeat", "sms", "send"), ("s8", "member_gift_sleeping_loyal", "sms", "send")]
    con.executemany("insert into ops.sends values (?, ?, ?, ?, ?, null, null, false, true, null, 'v1', now())",
                    [(D, cid, code, channel, outcome) for cid, code, channel, outcome in sends])
    con.execute("insert into ops.sends values (?, 'old', 'full_month_gift', 'sms', 'send', null, null, false, true, "
                "null, 'v1', now())", [_day(-1)])
    results = [  # run_id, run_day, layer, severity, status, checked_at hour
        ("r1", D, "raw", "critical", "failed", 1),   # an earlier run of the day: superseded by r2
        ("r2", D, "raw", "critical", "passed", 2), ("r2", D, "raw", "critical", "passed", 2),
        ("r2", D, "raw", "warning", "skipped", 2),
        ("m1", D, "marts", "critical", "passed", 3), ("m1", D, "marts", "warning", "failed", 3),
        ("o1", _day(-1), "raw", "critical", "failed", 1),
    ]
    con.executemany(
        "insert into ops.quality_results (run_id, run_day, layer, suite, table_name, expectation, severity, status, "
        "success, checked_at) values (?, ?, ?, 's', 't', 'e', ?, ?, ? = 'passed', ? + to_hours(?))",
        [(run, day, layer, sev, status, status, dt.datetime.combine(day, dt.time()), hour)
         for run, day, layer, sev, status, hour in results])


def build_analytics(path: Path, *, marts: bool = True) -> None:
    """A published copy with known rows (``marts=False``: only seeds and ops, as before any build)."""
    con = duckdb.connect(str(path))
    try:
        _create_seeds(con)
        con.execute("create schema marts")
        if marts:
            _create_customer_marts(con)
            _create_campaign_marts(con)
            _create_value_marts(con)
            create_profile_marts(con)
            _create_repurchase_marts(con)
            _create_product_marts(con)
        _create_ops(con)
        con.execute("create table main.published as select cast(? as date) as snapshot_date, "
                    "timestamp '2025-04-01 02:00:00' as published_at", [D])
    finally:
        con.close()


SEND_LISTS = {"full_month_gift__sms.csv": 3, "member_special_email__email.csv": 1}


def write_day_files(p: Paths) -> None:
    """The day's send lists with their manifest, an evaluation file, and the Data Docs index."""
    folder = p.exports / DAY
    folder.mkdir(parents=True)
    for name, count in SEND_LISTS.items():
        (folder / name).write_text("phone,name\n" + "13800000000,x\n" * count, encoding="utf-8")
    (folder / "evaluation_10d.csv").write_text("send_date\n", encoding="utf-8")
    manifest = {"snapshot_date": DAY, "files": [{"file": name, "rows": count, "channel": name.split("__")[1][:-4]}
                                                for name, count in SEND_LISTS.items()]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    docs = p.quality / "data_docs"
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<html></html>", encoding="utf-8")


def chart_specs(page: str) -> dict[str, dict[str, Any]]:
    """Every embedded Vega-Lite spec of the page, by chart key."""
    found = re.findall(r'<script type="application/json" class="vega-spec" data-chart="(\w+)"[^>]*>(.*?)</script>',
                       page, flags=re.S)
    return {key: json.loads(body) for key, body in found}


def rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["data"]["values"]


def render_day(home: Path) -> tuple[Paths, Path, str]:
    """The published copy and the day's files in ``home``, and the report of DAY rendered from them
    (shared with test_report_outcomes)."""
    p = Paths(home)
    build_analytics(p.analytics)
    write_day_files(p)
    out = render_report(DAY, p)
    return p, out, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, Path, str]:
    return render_day(tmp_path_factory.mktemp("report_home"))


def test_writes_the_days_report(rendered: tuple[Paths, Path, str]) -> None:
    p, out, page = rendered
    assert out == p.reports / DAY / "index.html"
    assert f"<span class=\"day\">{DAY}</span>" in page
    assert sorted(chart_specs(page)) == sorted(s.key for s in SECTIONS)


def test_page_is_self_contained(rendered: tuple[Paths, Path, str]) -> None:
    _, _, page = rendered
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "window.vegaEmbed=" in page  # the vega-embed bundle is inlined
    for spec in chart_specs(page).values():
        text = json.dumps(spec)
        assert '"url"' not in text
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")


def test_header_figures_and_gates(rendered: tuple[Paths, Path, str]) -> None:
    _, _, page = rendered

    def figure(name: str) -> str:
        match = re.search(rf'data-figure="{re.escape(name)}"><div class="value">([^<]*)</div>', page)
        assert match, name
        return match.group(1)

    assert figure("customers") == "5"
    assert figure("orders") == "6"
    assert figure("revenue") == "¥250.00"
    assert figure("new customers") == "3"
    assert figure("sends") == "7"
    assert figure("control") == "1"
    assert '<span class="gate ok">raw: 2/3 passed, 1 skipped</span>' in page
    assert '<span class="gate warn">marts: 1/2 passed, 1 warnings</span>' in page


def test_rf_grid_average_spend(rendered: tuple[Paths, Path, str]) -> None:
    spec = chart_specs(rendered[2])["rf_grid"]
    cells = {(r["r_score"], r["f_score"]): r for r in rows(spec)}
    assert cells[(5, 5)]["customers"] == 2
    assert cells[(5, 5)]["avg_monetary"] == 400.00
    assert cells[(2, 4)]["avg_monetary"] == 25000.00
    assert sum(r["customers"] for r in rows(spec)) == 5
    assert spec["layer"][0]["encoding"]["color"]["field"] == "avg_monetary"


def test_sends_by_campaign_with_chinese_names(rendered: tuple[Paths, Path, str]) -> None:
    data = rows(chart_specs(rendered[2])["sends"])
    by_label = {(r["campaign_label"], r["channel"]): (r["sends"], r["control"]) for r in data}
    assert by_label[("满月礼", "sms")] == (3, 1)
    # 会员专场 has one variant per channel: the name alone is unambiguous
    assert by_label[("会员专场", "email")] == (1, 0)
    # two 会员礼 variants on SMS: the code tells them apart
    assert by_label[("会员礼（member_gift_churned_repeat）", "sms")] == (1, 0)
    assert by_label[("会员礼（member_gift_sleeping_loyal）", "sms")] == (1, 0)
    assert sum(r["sends"] for r in data) == 7


def test_decisions_by_outcome(rendered: tuple[Paths, Path, str]) -> None:
    data = rows(chart_specs(rendered[2])["decisions"])
    got = sorted((r["campaign_label"], r["outcome"], r["customers"]) for r in data)
    # the reasons' Chinese wording from the seed suppression_reasons, beside their codes
    assert got == [("清货促销 / 反季 / 福袋", "suppressed: 营销短信频次上限 fatigue_cap", 1),
                   ("满月礼", "control", 1), ("满月礼", "send", 1), ("满月礼", "suppressed: 已退订 opted_out", 1)]


def test_lift_latest_closed_window_with_interval(rendered: tuple[Paths, Path, str]) -> None:
    data = rows(chart_specs(rendered[2])["lift"])
    got = {(r["campaign_label"], r["window_days"]): r for r in data}
    assert sorted(got) == [("满月礼", 10), ("满月礼", 30)]  # no provisional row, no lift-less campaign
    ten = got[("满月礼", 10)]
    assert ten["send_date"] == str(_day(-10))
    assert (ten["absolute_lift"], ten["absolute_lift_ci_low"], ten["absolute_lift_ci_high"]) == (0.15, 0.02, 0.28)
    assert ten["contacted_customers"] == 180
    assert got[("满月礼", 30)]["absolute_lift_ci_low"] == -0.02


def test_money_latest_final_and_provisional_month_per_campaign(rendered: tuple[Paths, Path, str]) -> None:
    spec = chart_specs(rendered[2])["money"]
    got = {(r["campaign_label"], r["window_days"], r["month"]): r for r in rows(spec)}
    # January 满月礼 10d is final but older than February; no week rows; no 发货通知 (neither coupon nor control)
    assert {key: row["is_final"] for key, row in got.items()} == {
        ("满月礼", 10, "2025-02"): True, ("满月礼", 10, "2025-03"): False, ("满月礼", 30, "2025-02"): True,
        ("清货促销 / 反季 / 福袋", 30, "2025-02"): True,
        ("爆款推广", 45, "2025-01"): True, ("爆款推广", 45, "2025-02"): False,  # February's 45-day windows are open
        ("上新通知", 30, "2025-02"): True}
    ten = got[("满月礼", 10, "2025-02")]
    assert ten["period_start"] == "2025-02-01"
    assert ten["campaign_row"] == "满月礼 · 短信 SMS · 10天"
    assert ten["row_label"] == "满月礼 · 短信 SMS · 10天 · 2025-02 已定"
    assert got[("满月礼", 10, "2025-03")]["status_name"] == "暂定 provisional (so far)"
    assert (ten["coupon_value_sent"], ten["coupon_cost"], ten["coupon_redeemers"]) == (4500.0, 300.0, 60)
    assert (ten["incremental_revenue"], ten["incremental_revenue_ci_low"], ten["incremental_revenue_ci_high"]) == (
        1500.0, 300.0, 2700.0)
    assert (ten["roi"], ten["roi_ci_low"], ten["roi_ci_high"]) == (5.0, 1.0, 9.0)
    clearance = got[("清货促销 / 反季 / 福袋", 30, "2025-02")]
    assert clearance["coupon_cost"] == 60.0 and clearance["incremental_revenue"] is None and clearance["roi"] is None
    no_coupon = got[("上新通知", 30, "2025-02")]
    assert no_coupon["roi"] is None and no_coupon["incremental_revenue"] == 60
    # in catalog priority order, a campaign's months in time order
    assert [(r["campaign_code"], r["window_days"], r["month"]) for r in rows(spec)] == [
        ("full_month_gift", 10, "2025-02"), ("full_month_gift", 10, "2025-03"), ("full_month_gift", 30, "2025-02"),
        ("clearance", 30, "2025-02"), ("hot_item_promo", 45, "2025-01"), ("hot_item_promo", 45, "2025-02"),
        ("new_arrival_sms", 30, "2025-02")]
    amounts, roi = spec["hconcat"]
    assert amounts["layer"][0]["transform"][0]["fold"] == ["coupon_cost", "incremental_revenue"]
    assert amounts["layer"][0]["encoding"]["opacity"]["field"] == "status_name"
    assert [layer["encoding"]["x"].get("field") for layer in roi["layer"][1:]] == ["roi_ci_low", "roi", "roi", "roi"]
    # final ROI points filled, provisional ones hollow
    points = {json.dumps(layer["transform"][-1]): layer["mark"] for layer in roi["layer"][2:4]}
    assert points['{"filter": "datum.is_final"}']["filled"] is True
    assert points['{"filter": "!datum.is_final"}']["filled"] is False


def test_every_chart_compiles_to_vega(rendered: tuple[Paths, Path, str]) -> None:
    """Each spec is valid Vega-Lite all the way down (expressions included), as the page's vega-embed sees it."""
    vl_convert = pytest.importorskip("vl_convert")
    for key, spec in chart_specs(rendered[2]).items():
        assert vl_convert.vegalite_to_vega(spec)["$schema"].startswith("https://vega.github.io/schema/vega/"), key


def test_every_chart_is_valid_against_the_vega_lite_schema(rendered: tuple[Paths, Path, str]) -> None:
    """The report builds its specs without altair's validation (1.6 s a report): it is done here instead."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    schema = load_schema()
    specs = chart_specs(rendered[2])
    assert len(specs) >= 10
    for key, spec in specs.items():
        assert validate_jsonschema(spec, schema, raise_error=False) is None, key


def test_stage_trends(rendered: tuple[Paths, Path, str]) -> None:
    data = rows(chart_specs(rendered[2])["stage_trends"])
    on_day = {r["stage_name"]: r["customers"] for r in data if r["snapshot_date"] == DAY}
    assert on_day == {"活跃期": 17, "沉默期": 3, "流失期": 7}
    assert max(r["snapshot_date"] for r in data) == DAY  # nothing after the report's day


def test_stage_transitions_last_30_days(rendered: tuple[Paths, Path, str]) -> None:
    data = rows(chart_specs(rendered[2])["stage_transitions"])
    got = {(r["from_name"], r["to_name"]): r["customers"] for r in data}
    assert got == {("活跃期", "沉默期"): 2, ("沉默期", "活跃期"): 1, ("首次购买", "活跃期"): 1}


def test_member_tiers_every_tier_in_order(rendered: tuple[Paths, Path, str]) -> None:
    data = rows(chart_specs(rendered[2])["member_tiers"])
    assert [(r["tier_name"], r["customers"]) for r in data] == [
        ("普通会员", 3), ("高级会员", 1), ("VIP会员", 0), ("至尊VIP会员", 1)]


def test_shop_kpis_up_to_the_day_with_the_partial_week_flagged(rendered: tuple[Paths, Path, str]) -> None:
    spec = chart_specs(rendered[2])["shop_kpis"]
    data = rows(spec)
    assert len(data) == 5 * 5  # three weeks and two months, nothing starting after the day
    periods = {(r["period_grain"], r["period_start"]): r for r in data if r["kpi"] == "repurchase_rate"}
    assert periods[("month", "2025-03-01")]["value"] == 0.25
    # the week starting on the day is not over: hollow, on the dashed tail with the last complete week
    partial = periods[("week", DAY)]
    assert (partial["is_complete"], partial["in_tail"], partial["measured_through"]) == (False, True, DAY)
    assert partial["period_state"] == f"至今 so far (to {DAY})"
    assert periods[("week", str(_day(-7)))]["in_tail"] and not periods[("week", str(_day(-14)))]["in_tail"]
    assert periods[("month", "2025-03-01")]["is_complete"]  # March ends on the day: complete
    assert not any(r["in_tail"] for r in data if r["period_grain"] == "month")
    assert {r["kpi"]: r["value"] for r in data if r["period_start"] == DAY}["unsubscribe_rate"] == 0.001
    # solid line over complete periods only, dashed over the tail, labelled points for the partial ones
    line, points, tail, hollow, label = spec["spec"]["layer"]
    assert line["transform"] == [{"filter": "datum.is_complete"}] and "strokeDash" not in line["mark"]
    assert points["mark"]["filled"] is True and points["transform"] == [{"filter": "datum.is_complete"}]
    assert tail["transform"] == [{"filter": "datum.in_tail"}] and tail["mark"]["strokeDash"] == [4, 3]
    assert hollow["mark"]["filled"] is False and hollow["transform"] == [{"filter": "!datum.is_complete"}]
    assert label["encoding"]["text"] == {"value": "至今 so far"} and label["transform"] == hollow["transform"]


def test_missing_marts_show_no_data_notes(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    build_analytics(p.analytics, marts=False)
    page = render_report(DAY, p).read_text(encoding="utf-8")
    assert set(chart_specs(page)) == {"sends"}  # the sends ledger is an ops table: there before any mart
    assert page.count('class="no-data"') == len(SECTIONS) - 1
    assert "marts.fct_campaign_evaluation is not published yet" in page


def test_empty_day_and_no_published_copy(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    build_analytics(p.analytics)
    page = render_report("2020-01-01", p).read_text(encoding="utf-8")
    assert chart_specs(page) == {}
    assert page.count("has no rows for this day") == len(SECTIONS)
    assert 'data-figure="customers"><div class="value">0</div>' in page

    nothing = Paths(tmp_path / "empty")
    page = render_report(DAY, nothing).read_text(encoding="utf-8")
    assert page.count("analytics.duckdb is not published yet") == len(SECTIONS)


def test_windows_come_from_the_config(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    build_analytics(p.analytics)
    (tmp_path / "fugou.toml").write_text("[report]\ntrend_days = 1\ntransition_days = 4\n", encoding="utf-8")
    page = render_report(DAY, p).read_text(encoding="utf-8")
    specs = chart_specs(page)
    assert {r["snapshot_date"] for r in rows(specs["stage_trends"])} == {DAY}
    assert specs["stage_trends"]["mark"]["type"] == "bar"  # one day: bars, not an invisible area
    transitions = {(r["from_name"], r["to_name"]): r["customers"] for r in rows(specs["stage_transitions"])}
    assert transitions == {("活跃期", "沉默期"): 1, ("沉默期", "活跃期"): 1, ("首次购买", "活跃期"): 1}
    assert "last 4 days" in page


def test_product_roles_show_each_seasons_revenue_by_role_and_the_last_complete_seasons_top_items(tmp_path):
    _, _, page = render_day(tmp_path)
    shares = {(r["season_label"], r["role_label"]): round(r["revenue_share"], 4)
              for r in rows(chart_specs(page)["product_roles"])}
    winter, spring = "2024-12 冬季", "2025-03 春季"
    assert shares == {(winter, "引流款 traffic builder"): 0.3704, (winter, "利润款 profit maker"): 0.6173,
                      (winter, "边缘款 marginal item"): 0.0123, (spring, "边缘款 marginal item"): 1.0}
    table = page.split('data-table="product_roles_top"')[1].split("</table>")[0]
    # the winter (complete) by revenue; the spring item is not in it
    assert table.index("修身款连衣裙") < table.index("经典款T恤") < table.index("经典款袜子")
    assert "经典款毛衣" not in table
    assert "<td>62.0%</td>" in table and "<td>利润款</td>" in table
