"""The demo shop's planted campaign effects (fugou.demo.effects) and the evaluation recovering them.

1. The DuckDB replica of the engine's control-group hash gives the same buckets as the dbt macro.
2. On a generated demo shop run through the real pipeline steps (import, dbt, send-list export) for a
   bounded range of send days, the evaluation recovers the planted 10-day lift of 满月礼 (and 百日礼)
   inside its 95% interval, and finds none (interval contains 0) for 精品推荐, planted with no effect.
   百日礼 (planted too) reaches too few customers in 8 days for an interval check (about 10 in control):
   only its direction and coupon redemptions are checked.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from fugou import settings
from fugou.dates import day_range
from fugou.demo.effects import catalog, control_bucket_sql
from fugou.transform import cli as dbt

END = dt.date(2025, 5, 31)
DAYS = 130  # the window starts END - 129: day 100 after a first order falls in the send days below
CUSTOMERS = 12000
SEED = 11
# strong planted effects so that the test has power with a small shop; 精品推荐 has none
EFFECTS = {"full_month_gift": 0.30, "hundred_day_gift": 0.30, "bestseller_pick": 0.0}
# every send day inside one calendar month (the monthly roll-up pools exactly them), 10-day windows
# closed by END
SEND_DAYS = day_range((END - dt.timedelta(days=17)).isoformat(), (END - dt.timedelta(days=10)).isoformat())
SALTED = ("{{ fugou_hash_bucket(dbt.concat(['customer_id', \"'|'\", 'campaign_code', \"'|'\", "
          "\"'\" ~ var('campaign_control_salt') ~ \"'\"])) }}")
PAIRS_SQL = ("select 'c' || lpad(cast(i as varchar), 8, '0') as customer_id, code as campaign_code "
             "from range(1, 1501) t(i) cross join (values ('full_month_gift'), ('hundred_day_gift'), "
             "('bestseller_pick'), ('member_special_sms')) c(code)")


def test_control_hash_replica_matches_the_engine_macro(fugou_home):
    from fugou.warehouse import connect

    connect(fugou_home.warehouse).close()
    out = dbt.run_dbt(["show", "--inline", f"select customer_id, campaign_code, {SALTED} as bucket from ({PAIRS_SQL})",
                       "--output", "json", "--limit", "-1", "--log-format", "text"], p=fugou_home)
    engine = {(r["customer_id"], r["campaign_code"]): r["bucket"]
              for r in json.loads(out[out.index("{"):out.rindex("}") + 1])["show"]}
    replica = dict(((c, k), b) for c, k, b in duckdb.sql(
        f"select customer_id, campaign_code, {control_bucket_sql('customer_id', 'campaign_code')} "
        f"from ({PAIRS_SQL})").fetchall())
    assert len(engine) == 6000
    assert replica == engine
    # the buckets are spread evenly (a 10% control share holds out about 10%)
    held_out = sum(1 for b in replica.values() if b < 0.10 * 65536) / len(replica)
    assert 0.08 < held_out < 0.12


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A demo shop with strong planted effects, sends exported for SEND_DAYS, evaluated as of END."""
    from fugou.demo import generate
    from fugou.export import export_send_lists
    from fugou.ingest.history import import_history

    home = tmp_path_factory.mktemp("planted") / "home"
    home.mkdir()
    effects = "\n".join(f"{code} = {p}" for code, p in EFFECTS.items())
    (home / "fugou.toml").write_text(f"[demo.campaign_effects]\n{effects}\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FUGOU_HOME", str(home))
        settings._load_config.cache_clear()
        p = settings.paths(home)
        generate(home / "demo", seed=SEED, customers=CUSTOMERS, days=DAYS, end_date=END)
        # the order lines and the item list too: 精品推荐 names an item of the customer's favourite category
        for entity in ("orders", "order_items", "products", "customers", "opt_outs"):
            import_history(home / "demo" / f"{entity}.csv", entity=entity, p=p)
        dbt.run_dbt(["seed"], p=p)
        for day in SEND_DAYS:
            # the day's decisions and the exportable rows the export writes (as of the day)
            dbt.run_dbt(["run", "--select", "+fct_campaign_decisions", "+int_campaign_exportable_rows"],
                        variables={"snapshot_date": day}, p=p)
            export_send_lists(day, p)
        dbt.run_dbt(["run", "--select", "+fct_campaign_evaluation", "+fct_campaign_evaluation_by_campaign"],
                    variables={"snapshot_date": END.isoformat()}, p=p)
        yield p
    settings._load_config.cache_clear()


def _month_row(p, campaign_code: str) -> dict:
    con = duckdb.connect(str(p.warehouse), read_only=True)
    try:
        cursor = con.execute(
            "select * from marts.fct_campaign_evaluation_by_campaign where campaign_code = ? and window_days = 10 "
            "and period_grain = 'month'", [campaign_code])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(("campaign", "min_contacted", "min_control"),
                         [("full_month_gift", 300, 30), ("hundred_day_gift", 150, 15)])
def test_planted_lift_is_recovered(shop, campaign, min_contacted, min_control):
    row = _month_row(shop, campaign)
    assert row["status"] == "final"
    assert row["send_days"] == len(SEND_DAYS)
    assert row["contacted_customers"] >= min_contacted and row["control_customers"] >= min_control
    # the lift planted in this sample: contacted customers whose only orders in the window are planted
    # ones (planted orders carry the campaign's coupon, organic ones never do; a planted order goes only
    # to a customer with no order of its own in the window) ...
    con = duckdb.connect(str(shop.warehouse), read_only=True)
    try:
        planted_responders = con.execute(
            "select count(*) from intermediate.int_campaign_responses_measured where campaign_code = ? "
            "and window_days = 10 and audience_group = 'contacted' and is_responder "
            "and coupon_orders = response_orders", [campaign]).fetchone()[0]
    finally:
        con.close()
    planted = planted_responders / row["contacted_customers"]
    # ... is close to the configured p × (1 - natural rate), less the generator's closed and refunded
    # orders (9% of all orders, planted ones included) ...
    nominal = EFFECTS[campaign] * (1 - row["natural_repurchase_rate"])
    assert planted <= nominal
    if campaign == "full_month_gift":  # the sample large enough to pin the planted share down
        assert 0.75 * nominal <= planted
    # ... and the evaluation's interval recovers it
    assert row["absolute_lift_ci_low"] <= planted <= row["absolute_lift_ci_high"], (planted, row)
    assert row["absolute_lift_ci_low"] > 0 and row["is_lift_significant"]
    # the planted orders carry the campaign's coupon
    assert row["coupon_redeemers"] >= 0.5 * planted * row["contacted_customers"]


def test_no_effect_campaign_shows_no_lift(shop):
    row = _month_row(shop, "bestseller_pick")
    assert row["contacted_customers"] >= 300 and row["control_customers"] >= 30
    assert row["absolute_lift_ci_low"] <= 0 <= row["absolute_lift_ci_high"], row
    assert not row["is_lift_significant"]


def test_engine_control_groups_follow_the_replicated_hash(shop):
    """Every 满月礼 / 百日礼 / 精品推荐 ledger row is in the group the planted-effect code predicted."""
    shares = {code: float(r["control_share"]) for code, r in catalog().items()}
    con = duckdb.connect(str(shop.warehouse), read_only=True)
    try:
        rows = con.execute(
            f"select campaign_code, outcome, {control_bucket_sql('customer_id', 'campaign_code')} as bucket "
            "from ops.sends where campaign_code in ('full_month_gift', 'hundred_day_gift', 'bestseller_pick')"
        ).fetchall()
        coupon_in_control = con.execute(
            "select count(*) from marts.fct_campaign_evaluation "
            "where campaign_code = 'full_month_gift' and control_coupon_orders > 0").fetchone()[0]
    finally:
        con.close()
    assert {r[0] for r in rows} == set(EFFECTS)
    assert all((outcome == "control") == (bucket < shares[code] * 65536) for code, outcome, bucket in rows)
    assert coupon_in_control == 0


def test_demo_files_carry_planted_coupon_orders(shop):
    orders = Path(shop.home) / "demo" / "orders.csv"
    counts = dict(duckdb.sql(
        f"select coupon_code, count(*) from read_csv('{orders}') where coupon_code in ('FG-MYL5', 'FG-BRL10') "
        "group by coupon_code").fetchall())
    assert counts.get("FG-MYL5", 0) > 100 and counts.get("FG-BRL10", 0) > 20
