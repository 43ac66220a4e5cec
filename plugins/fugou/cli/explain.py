"""``fugou explain --customer ID --date D``: why did this customer get (or not get) a campaign?

Reads the published analytics copy (or, when there is none yet, the warehouse read-only): the
customer's snapshot row of day D with Chinese labels, every campaign decision of D for the customer
with its outcome and the suppression reason dbt recorded, and for each campaign of the catalog that did
not consider the customer that day, the catalog's conditions (trigger, audience, filters) next to the
customer's facts. It decides nothing itself: dbt is the only rule engine (DESIGN.md), so whether a
condition holds is read from the decisions, never re-computed here.

When there is nothing to explain, ``fugou explain`` says why in one line and exits non-zero
(:class:`fugou.errors.ExitCode`): a day with no snapshot at all has not been built (exit 4,
:class:`~fugou.errors.DayNotBuilt`); a customer id the warehouse does not know, on any day or in the
customer file, is unknown (exit 3, :class:`~fugou.errors.UnknownCustomer`). A known customer without a
snapshot row that day (no paid order by then) is an answer, not an error (exit 0).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from fugou.errors import DayNotBuilt, UnknownCustomer, UserError
from fugou.publish.access import open_published, open_warehouse_read_only
from fugou.settings import Paths, paths


def _open(p: Paths) -> duckdb.DuckDBPyConnection:
    """The published copy, else the warehouse (before the first publish): read-only and locked."""
    for target, opener in ((p.analytics, open_published), (p.warehouse, open_warehouse_read_only)):
        if target.exists():
            try:
                return opener(p)
            except duckdb.IOException:
                continue
    raise FileNotFoundError(f"no readable database under {p.home}: run the pipeline first")


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _label(con: duckdb.DuckDBPyConnection, table: str, code_col: str, zh_col: str, code: Any) -> str:
    if code is None:
        return "-"
    try:
        row = con.execute(f"select {zh_col} from seeds.{table} where {code_col} = ?", [code]).fetchone()
    except duckdb.Error:
        row = None
    return f"{code} ({row[0]})" if row else str(code)


#: the catalog columns that say who a campaign is for and when (seeds/_seeds__models.yml), shown as they are
CONDITION_COLUMNS = ("trigger", "trigger_days", "trigger_max_times", "customer_types", "lifecycle_stages",
                     "promo_types", "min_monetary", "high_value_only")


def _conditions(campaign: dict[str, Any]) -> str:
    """The catalog's conditions of ``campaign`` as written there (empty, null and false ones left out)."""
    shown = [f"{column} {campaign[column]}" for column in CONDITION_COLUMNS
             if campaign.get(column) not in (None, "", False)]
    return ", ".join(shown) or "no conditions in the catalog"


def _exists(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> bool:
    try:
        return con.execute(f"select exists ({sql})", params).fetchone()[0]
    except duckdb.CatalogException:  # the mart is not there (nothing built yet)
        return False


def missing_row_reason(con: duckdb.DuckDBPyConnection, customer_id: str, day: str) -> UserError | None:
    """Why the customer has no snapshot row of ``day``: :class:`DayNotBuilt` (no snapshot of the day at all),
    :class:`UnknownCustomer` (the id is nowhere in the marts), or None (a known customer, no paid order yet)."""
    if not _exists(con, "select 1 from marts.fct_customer_snapshot where snapshot_date = ?", [day]):
        return DayNotBuilt(f"day {day} has not been built yet: run `fugou run --date {day}` or `fugou backfill`")
    known = _exists(con, "select 1 from marts.fct_customer_snapshot where customer_id = ?", [customer_id]) \
        or _exists(con, "select 1 from marts.dim_customers where customer_id = ?", [customer_id])
    if not known:
        return UnknownCustomer(f"customer {customer_id} is not in the warehouse (check the id; ids are case-sensitive)")
    return None


def _predicted_value(con: duckdb.DuckDBPyConnection, customer_id: str, day: str) -> str:
    """The customer's predicted value on ``day`` (fct_customer_value), or why there is none."""
    try:
        rows = _dicts(con, "select * from marts.fct_customer_value where customer_id = ? and snapshot_date = ?",
                      [customer_id, day])
    except duckdb.CatalogException:
        return "none (the value marts are not built)"
    if not rows:
        return "none (no usable fit of the value models by this day: see marts.fct_customer_value_fits)"
    v = rows[0]
    return (f"{v['predicted_value']} yuan predicted lifetime value (decile {v['value_decile']} of 10), "
            f"P(alive) {v['p_alive']:.0%}, {v['expected_orders_365d']:.2f} expected orders in 365 days, "
            f"{v['expected_spend_per_order']} yuan per order; fit of {v['purchase_fit_date']}")


def explain(customer_id: str, day: str, p: Paths | None = None, *, strict: bool = False) -> str:
    """A readable account of the customer's facts and campaign decisions on ``day``.

    With no snapshot row to explain, the text says why (:func:`missing_row_reason`); ``strict`` (the
    command) raises :class:`DayNotBuilt` / :class:`UnknownCustomer` instead.
    """
    p = p or paths()
    con = _open(p)
    try:
        try:
            facts_rows = _dicts(con, "select * from marts.fct_customer_snapshot where customer_id = ? "
                                     "and snapshot_date = ?", [customer_id, day])
        except duckdb.CatalogException:  # no snapshot mart yet: nothing was built
            facts_rows = []
        lines = [f"customer {customer_id} on {day}"]
        if not facts_rows:
            reason = missing_row_reason(con, customer_id, day)
            if reason is not None and strict:
                raise reason
            lines.append(f"  no snapshot row: {reason or 'the customer had no paid order by this day'}")
            return "\n".join(lines)
        f = facts_rows[0]
        try:
            value_rows = _dicts(con, "select value_decile from marts.fct_customer_value where customer_id = ? "
                                     "and snapshot_date = ?", [customer_id, day])
        except duckdb.CatalogException:
            value_rows = []
        f["value_decile"] = value_rows[0]["value_decile"] if value_rows else None
        lines += [
            f"  first order {f['first_order_date']}, last order {f['last_order_date']} "
            f"({f['recency_days']} days ago), {f['frequency']} paid order(s), {f['monetary']} yuan net",
            f"  RFM scores R{f['r_score']} F{f['f_score']} M{f['m_score']}, segment "
            + _label(con, "rfm_segments", "segment_code", "segment_name_zh", f["rfm_segment"]),
            "  type " + _label(con, "customer_types", "type_code", "type_name_zh", f["customer_type"])
            + ", stage " + _label(con, "lifecycle_stages", "stage_code", "stage_name_zh", f["lifecycle_stage"])
            + f" (was {f.get('previous_lifecycle_stage') or '-'})"
            + ", tier " + _label(con, "member_tiers", "tier_code", "tier_name_zh", f["member_tier"])
            + f", day {f['days_since_first_order']} since the first order",
        ]
        lines.append("  predicted value: " + _predicted_value(con, customer_id, day))
        # the reasons' wording from the seed suppression_reasons (the shop's own words, if it changed them)
        decisions = _dicts(con, "select decisions.*, reasons.reason_name_zh, reasons.reason_name_en "
                                "from marts.fct_campaign_decisions as decisions "
                                "left join seeds.suppression_reasons as reasons "
                                "on reasons.reason_code = decisions.suppression_reason "
                                "where decisions.customer_id = ? and decisions.decision_date = ? "
                                "order by decisions.priority desc, decisions.campaign_code", [customer_id, day])
        lines.append("  campaign decisions:" if decisions else "  campaign decisions: none (no campaign matched)")
        for d in decisions:
            outcome = d["outcome"]
            if outcome == "suppressed":
                reason = d.get("suppression_reason")
                wording = " / ".join(w for w in (d.get("reason_name_zh"), d.get("reason_name_en")) if w) or reason
                outcome = f"suppressed: {reason} — {wording}"
            elif outcome == "control":
                outcome = "control group (eligible, deliberately not contacted, to measure the natural rate)"
            coupon = f", coupon {d['coupon_code']} {d['coupon_amount']}" if d.get("coupon_code") else ""
            # the item or category the message names (int_campaign_item_picks, by the catalog's item_rule)
            item = (f", item {d['item_name']} ({d['item_sku']})" if d.get("item_sku")
                    else f", category {d['item_category']}" if d.get("item_category") else "")
            lines.append(f"    {d['campaign_name_zh']} {d['campaign_code']} via {d['channel']}: "
                         f"{outcome}{coupon}{item}")
        considered = {d["campaign_code"] for d in decisions}
        catalog = _dicts(con, "select * from seeds.campaign_catalog order by priority desc", [])
        missing = [c for c in catalog if c["campaign_code"] not in considered]
        if missing:
            # dbt found no match (trigger, audience and filters, int_campaign_candidates): the catalog's
            # conditions beside the facts they are about, for the reader to compare; nothing judged here
            delivery = dt.date.fromisoformat(str(day)[:10]) + dt.timedelta(days=1)
            lines.append(
                f"  not a candidate that day (the catalog's conditions, whose day counts are about the delivery "
                f"day {delivery}; the customer on {day}: type {f['customer_type']}, "
                f"stage {f['lifecycle_stage']} (was {f.get('previous_lifecycle_stage') or '-'}), day "
                f"{f['days_since_first_order']} since the first order, {f['frequency']} paid order(s), "
                f"{f['monetary']} yuan net, M score {f['m_score']}, value decile {f.get('value_decile') or '-'}):")
        for c in missing:
            why = "disabled in the catalog" if not c.get("enabled") else _conditions(c)
            lines.append(f"    {c['campaign_name_zh']} {c['campaign_code']}: {why}")
        return "\n".join(lines)
    finally:
        con.close()
