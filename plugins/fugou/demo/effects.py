"""Planted campaign effects in the demo shop: a known truth for the campaign evaluation to recover.

The demo generator (:mod:`fugou.demo`) calls :func:`plant_campaign_effects` as an augmenter right after
it has drawn every customer's organic orders. For each campaign of the config key
``demo.campaign_effects`` (``{campaign_code: extra probability}``, e.g. 满月礼 ``full_month_gift = 0.06``)
it predicts who the campaign engine will pick and adds responses for the treatment group only:

1. **Eligible** by the campaign's own catalog rule (``dbt_project/seeds/campaign_catalog.csv``). Supported:
   trigger ``days_after_first_order`` (满月礼 30, 百日礼 100, 精品推荐 15 days): the send day is the first
   order day + ``trigger_days``; the customer must still be of type ``new`` then (fewer orders up to and
   including the send day than var ``type_repeat_min_orders``) and in one of the campaign's
   ``lifecycle_stages`` (by the ``stage_*_max_days`` vars); the send day is inside the window.
2. **Treatment group** by the engine's control-group rule, replicated in DuckDB SQL
   (:func:`control_bucket_sql` = dbt macro ``fugou_hash_bucket`` over ``customer_id|campaign_code|salt``
   with var ``campaign_control_salt``): bucket ≥ ``control_share`` × 65536. The control group gets nothing.
3. **Converted** with the campaign's probability p (deterministic: the generator's ``rnd`` of the
   customer, the campaign and the seed): a treated customer with no order of its own in the
   ``demo.campaign_effect_window_days`` (10) days after the send gets one extra order on a day drawn
   uniformly in (send day, send day + 10], carrying the campaign's ``coupon_code`` and its
   ``coupon_amount`` off. Campaigns are planted in order of ``trigger_days`` so that a 满月礼 response
   makes the customer a repeat buyer before the 百日礼 rule is applied.

So the true lift of the 10-day response rate among the customers the engine sends to is
p × (1 − natural 10-day repurchase rate), slightly less since the generator gives planted orders the
usual outcomes (2% closed, 7% refunded), and the engine only sends to customers with consent and a
phone, not opted out, not capped (the suppressed ones are in neither group, so this does not bias the
comparison). A campaign with p = 0 (default 精品推荐 bestseller_pick) has no effect at all: its
evaluation must find none. Nothing here reads the warehouse: the prediction uses the generator's events,
so a customer whose order is later closed or refunded can differ from the engine's view (a few cases).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fugou.settings import DBT_PROJECT_DIR, setting
from fugou.transform.cli import dbt_vars

if TYPE_CHECKING:
    from fugou.demo.context import DemoContext

CATALOG_SEED = DBT_PROJECT_DIR / "seeds" / "campaign_catalog.csv"
SUPPORTED_TRIGGERS = ("days_after_first_order",)
#: seq of a planted order: PLANTED_SEQ_BASE + the campaign's position (generator: added orders 1000-4095;
#: other augmenters start at 1000)
PLANTED_SEQ_BASE = 3000
# random streams of the generator's rnd(key, sub_key, stream) not used by fugou.demo (1-46 there)
_STREAM_CONVERT = 901
_STREAM_DAY = 902


def catalog(seed: Path = CATALOG_SEED) -> dict[str, dict[str, str]]:
    """The campaign catalog seed, by campaign_code."""
    with seed.open(encoding="utf-8", newline="") as fh:
        return {row["campaign_code"]: row for row in csv.DictReader(fh)}


def configured_effects(home: Path | str | None = None) -> dict[str, float]:
    """``demo.campaign_effects`` of the operational config: ``{campaign_code: extra probability}``."""
    return {str(k): float(v) for k, v in setting("demo.campaign_effects", home).items()}


def control_bucket_sql(customer_id_sql: str, campaign_code_sql: str, salt: str | None = None) -> str:
    """DuckDB SQL of the engine's control-group bucket (0-65535) of a customer and campaign.

    Same formula as the dbt macro ``fugou_hash_bucket(customer_id || '|' || campaign_code || '|' || salt)``:
    the first four hex digits of the md5, read as a number. A customer is in the control group of a
    campaign when the bucket is below ``control_share`` × 65536.
    """
    salt = str(dbt_vars()["campaign_control_salt"]) if salt is None else salt
    quoted_salt = "'" + salt.replace("'", "''") + "'"
    hashed = f"lower(md5(cast({customer_id_sql} || '|' || {campaign_code_sql} || '|' || {quoted_salt} as varchar)))"
    digits = [f"(strpos('0123456789abcdef', substr({hashed}, {i + 1}, 1)) - 1) * {16 ** (3 - i)}"
              for i in range(4)]
    return "(" + " + ".join(digits) + ")"


def _stage_of(days: int, rules: Mapping[str, Any]) -> str:
    if days <= int(rules["stage_active_max_days"]):
        return "active"
    if days <= int(rules["stage_silent_max_days"]):
        return "silent"
    if days <= int(rules["stage_sleeping_max_days"]):
        return "sleeping"
    return "churned"


def _check_rule(code: str, row: Mapping[str, str], rules: Mapping[str, Any]) -> int:
    """The campaign's trigger day offset, after checking that its rule is one this module replicates."""
    if row["trigger"] not in SUPPORTED_TRIGGERS:
        raise ValueError(f"demo.campaign_effects: {code} has trigger {row['trigger']!r}; planted effects support "
                         f"only {SUPPORTED_TRIGGERS}")
    types = [t for t in (row.get("customer_types") or "").split("|") if t]
    if types != ["new"]:
        raise ValueError(f"demo.campaign_effects: {code} targets customer types {types}; supported: ['new']")
    trigger_days = int(row["trigger_days"])
    stages = [s for s in (row.get("lifecycle_stages") or "").split("|") if s]
    if stages and _stage_of(trigger_days, rules) not in stages:
        raise ValueError(f"demo.campaign_effects: {code} can never match (stage on day {trigger_days} "
                         f"is not in {stages})")
    return trigger_days


def plant_campaign_effects(ctx: DemoContext, effects: Mapping[str, float] | None = None,
                           window_days: int | None = None) -> dict[str, dict[str, int]]:
    """Augmenter of :func:`fugou.demo.generate`: add the planted responses to ``_order_events``.

    ``effects`` / ``window_days`` default to the config keys ``demo.campaign_effects`` and
    ``demo.campaign_effect_window_days``. Returns, per campaign, how many customers were eligible,
    treated (not control) and given an extra order.
    """
    effects = configured_effects() if effects is None else dict(effects)
    window_days = int(setting("demo.campaign_effect_window_days")) if window_days is None else int(window_days)
    rules = dbt_vars()
    rows = catalog()
    unknown = sorted(set(effects) - set(rows))
    if unknown:
        raise ValueError(f"demo.campaign_effects names campaigns not in the catalog: {unknown}")
    for code, p in effects.items():
        if not 0 <= p <= 1:
            raise ValueError(f"demo.campaign_effects.{code} = {p}: a probability must be in [0, 1]")

    plan = sorted((_check_rule(code, rows[code], rules), code) for code in effects)
    con, end = ctx.con, ctx.end
    summary: dict[str, dict[str, int]] = {}
    for position, (trigger_days, code) in enumerate(plan):
        row, p = rows[code], float(effects[code])
        seq = PLANTED_SEQ_BASE + position
        bucket = control_bucket_sql("'c' || lpad(cast(customer_key as varchar), 8, '0')", "'" + code + "'")
        coupon_code = row.get("coupon_code") or None
        coupon_value = float(row.get("coupon_amount") or 0) if coupon_code else None
        con.execute(f"""
            create or replace temp table _effect_candidates as
            with firsts as (
                select customer_key, min(order_day) as first_day
                from _order_events group by customer_key
            ),
            eligible as (
                select f.customer_key, f.first_day + {trigger_days} as send_day
                from firsts f
                join _order_events e
                    on e.customer_key = f.customer_key and e.order_day <= f.first_day + {trigger_days}
                where f.first_day + {trigger_days} <= date '{end.isoformat()}'
                group by f.customer_key, f.first_day
                having count(*) < {int(rules["type_repeat_min_orders"])}
            )
            select
                eligible.*,
                {bucket} >= {float(row["control_share"])} * 65536 as is_treated,
                rnd(customer_key, {seq}, {_STREAM_CONVERT}) < {p} as is_converted,
                send_day + 1 + least(floor(rnd(customer_key, {seq}, {_STREAM_DAY}) * {window_days}),
                                     {window_days - 1})::integer as response_day,
                exists (
                    select 1 from _order_events o
                    where o.customer_key = eligible.customer_key
                        and o.order_day > eligible.send_day
                        and o.order_day <= eligible.send_day + {window_days}
                ) as has_own_order
            from eligible
        """)
        con.execute(f"""
            insert into _order_events (customer_key, seq, order_day, origin, coupon_code, coupon_value)
            select customer_key, {seq}, response_day, 'campaign', $code, $value
            from _effect_candidates
            where is_treated and is_converted and not has_own_order and response_day <= date '{end.isoformat()}'
        """, {"code": coupon_code, "value": coupon_value})
        eligible, treated, planted = con.execute(f"""
            select count(*), count(*) filter (where is_treated),
                   count(*) filter (where is_treated and is_converted and not has_own_order
                                    and response_day <= date '{end.isoformat()}')
            from _effect_candidates
        """).fetchone()
        summary[code] = {"eligible": eligible, "treated": treated, "planted_orders": planted}
        con.execute("drop table _effect_candidates")
    return summary

