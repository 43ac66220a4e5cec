"""The report's predicted-value sections: charts (Vega-Lite specs) and tables (HTML).

Predicted value (``marts.fct_customer_value.predicted_value``) is a customer's expected spend over the
next ``value_horizon_months`` months, discounted ``value_monthly_discount_rate`` a month: the expected
purchases of the purchase model (BG/NBD) times the expected spend per purchase of the spend model
(Gamma-Gamma), in yuan. PLAYBOOK: win-back money goes to the customers whose predicted value is worth
the coupon, so the report shows

- :func:`value_by_stage` / :func:`value_by_stage_table`: per lifecycle stage, the spread of the day's
  predicted value (p10-p90 line, p25-p75 bar, median tick, mean diamond) beside the stage's total, with
  the mean P(alive) and the dates of the fits the predictions come from;
- :func:`worth_waking` / :func:`worth_waking_table`: per stage, the customers worth waking (not active,
  P(alive) at least ``value_worth_waking_min_p_alive``: dbt's ``is_worth_waking``) and their predicted
  value, and the 20 of highest predicted value by customer_id (never a name or a phone).

The rows come from :mod:`fugou.report.queries_value`; the thresholds named in the descriptions are read
from ``dbt_project.yml`` (:func:`value_settings`), where the marts read them.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import altair as alt
import yaml

from fugou.report.charts import LABEL_AXIS, STAGE_COLOURS, WIDTH, Rows, _data, _ordered, _spec
from fugou.report.payback import _table, _yuan
from fugou.transform.cli import dbt_vars

log = logging.getLogger(__name__)

# the dbt vars the descriptions quote, with dbt_project.yml's defaults when it cannot be read
VALUE_VARS = {"value_horizon_months": 12, "value_monthly_discount_rate": 0.01, "value_worth_waking_min_p_alive": 0.5}
OTHER_STAGE_COLOUR = "#4c78a8"
YUAN_AXIS = alt.Axis(format=",.0f")


def value_settings() -> dict[str, str]:
    """The value vars of ``dbt_project.yml`` as the descriptions print them: ``value_horizon_months``
    (12), ``value_discount`` (1%) and ``value_min_p_alive`` (50%)."""
    values: dict[str, Any] = dict(VALUE_VARS)
    try:
        found = dbt_vars()
        values.update({k: found[k] for k in VALUE_VARS if k in found})
    except (OSError, yaml.YAMLError, AttributeError) as exc:  # a broken file must not stop the report
        log.warning("report: dbt_project.yml vars unreadable, the descriptions use the defaults: %s", exc)
    return {"value_horizon_months": f"{int(values['value_horizon_months'])}",
            "value_discount": f"{float(values['value_monthly_discount_rate']) * 100:g}%",
            "value_min_p_alive": f"{float(values['value_worth_waking_min_p_alive']) * 100:g}%"}


def _stage_colour(rows: Rows) -> alt.Color:
    """Stage colours by the seed's stage order (active green ... churned grey), whatever stages are shown."""
    labels = _ordered(rows, "stage_label", "stage_order")
    order = {row["stage_label"]: row["stage_order"] for row in rows}
    colours = [STAGE_COLOURS[order[name] - 1] if 1 <= order[name] <= len(STAGE_COLOURS) else OTHER_STAGE_COLOUR
               for name in labels]
    return alt.Color("stage_label:N", sort=labels, title="生命周期 stage",
                     scale=alt.Scale(domain=labels, range=colours), legend=None)


def _stage_axis(rows: Rows, title: str | None = "生命周期 stage") -> alt.Y:
    return alt.Y("stage_label:N", sort=_ordered(rows, "stage_label", "stage_order"), title=title, axis=LABEL_AXIS)


# ---- predicted value by stage ------------------------------------------------------------------


def stage_rows(rows: Rows) -> Rows:
    """The per-stage rows of the ``value_by_stage`` query (its all-stages total row left out)."""
    return [row for row in rows if not row["is_total"]]


def value_by_stage(rows: Rows) -> dict[str, Any]:
    """Per lifecycle stage: the spread of predicted value (p10-p90 line, p25-p75 bar, median tick, mean
    diamond) and, beside it, the stage's total predicted value (bars with the amount)."""
    data = stage_rows(rows)
    y = _stage_axis(data)
    colour = _stage_colour(data)
    tooltip = [alt.Tooltip("stage_label:N", title="stage"),
               alt.Tooltip("customers:Q", title="customers", format=","),
               alt.Tooltip("total_value:Q", title="total predicted value (元)", format=",.2f"),
               alt.Tooltip("mean_value:Q", title="mean (元)", format=",.2f"),
               alt.Tooltip("p10_value:Q", title="p10 (元)", format=",.2f"),
               alt.Tooltip("p25_value:Q", title="p25 (元)", format=",.2f"),
               alt.Tooltip("median_value:Q", title="median (元)", format=",.2f"),
               alt.Tooltip("p75_value:Q", title="p75 (元)", format=",.2f"),
               alt.Tooltip("p90_value:Q", title="p90 (元)", format=",.2f"),
               alt.Tooltip("mean_p_alive:Q", title="mean P(alive)", format=".1%")]
    spread = alt.Chart().transform_filter("isValid(datum.median_value)").encode(y=y)
    whisker = spread.mark_rule(color="#666", strokeWidth=1.5).encode(
        x=alt.X("p10_value:Q", title="每位客户的预测价值 predicted value per customer (元): p10 – p90, p25 – p75",
                axis=YUAN_AXIS),
        x2="p90_value:Q", tooltip=tooltip)
    box = spread.mark_bar(size=16).encode(x="p25_value:Q", x2="p75_value:Q", color=colour, tooltip=tooltip)
    median = spread.mark_tick(color="white", thickness=2, size=16).encode(x="median_value:Q", tooltip=tooltip)
    mean = spread.mark_point(shape="diamond", filled=True, color="#222", size=60).encode(
        x="mean_value:Q", tooltip=tooltip)
    distribution = alt.layer(whisker, box, median, mean).properties(width=WIDTH - 240, height=alt.Step(36))
    totals = alt.Chart().transform_filter("isValid(datum.total_value)").encode(
        y=alt.Y("stage_label:N", sort=_ordered(data, "stage_label", "stage_order"), axis=None),
        x=alt.X("total_value:Q", title="总预测价值 total (元)", axis=YUAN_AXIS))
    total_bars = totals.mark_bar(size=16).encode(color=colour, tooltip=tooltip)
    total_labels = totals.mark_text(align="left", dx=3, fontSize=11).encode(
        text=alt.Text("total_value:Q", format=",.0f"))
    total = alt.layer(total_bars, total_labels).properties(width=200, height=alt.Step(36))
    return _spec(alt.hconcat(distribution, total, data=_data(data)).resolve_scale(y="shared"))


def _pct(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{float(value):.{digits}%}"


def _dates(first: Any, last: Any) -> str:
    return str(first) if first == last else f"{first} – {last}"


def fit_note(rows: Rows) -> str:
    """Which fits the day's predictions come from (one paragraph of HTML)."""
    total = next((row for row in rows if row["is_total"]), rows[0])
    purchase = ("购买模型 purchase model (BG/NBD) fitted on "
                + _dates(total["purchase_fit_date"], total["last_purchase_fit_date"]))
    if total["spend_fit_date"] is None:
        spend = "消费模型 spend model (Gamma-Gamma): no converged fit, so no predicted value"
    else:
        spend = "消费模型 spend model (Gamma-Gamma) fitted on " + _dates(total["spend_fit_date"],
                                                                         total["last_spend_fit_date"])
    unvalued = (total["customers"] or 0) - (total["valued_customers"] or 0)
    extra = f"; {unvalued:,} customer(s) without a predicted value" if unvalued else ""
    return f'<p class="fit-note" data-note="value_fits">{html.escape(f"{purchase}; {spend}{extra}.")}</p>'


def value_by_stage_table(rows: Rows) -> str:
    """The numbers per stage and over all stages, and the fit dates."""
    overall = next((row for row in rows if row["is_total"]), None)
    grand = float(overall["total_value"]) if overall and overall["total_value"] else 0.0
    body = []
    for row in rows:
        share = float(row["total_value"]) / grand if grand and row["total_value"] is not None else None
        body.append(("total" if row["is_total"] else "stage", [
            row["stage_label"], f"{int(row['customers']):,}", _yuan(row["total_value"]), _pct(share),
            _yuan(row["mean_value"]), _yuan(row["p10_value"]), _yuan(row["median_value"]), _yuan(row["p90_value"]),
            _pct(row["mean_p_alive"]), f"{int(row['worth_waking']):,}"]))
    head = ["阶段 stage", "客户 customers", "总预测价值 total", "占比 share of total", "平均 mean", "P10",
            "中位数 median", "P90", "平均存活概率 mean P(alive)", "值得唤醒 worth waking"]
    return _table(head, body, "value_by_stage") + fit_note(rows)


# ---- worth waking ------------------------------------------------------------------------------


def worth_waking(rows: Rows) -> dict[str, Any]:
    """Per stage (active left out): the customers worth waking (bars with the count) and their total
    predicted value (bars with the amount); the tooltip adds the stage's customers and the mean P(alive)."""
    for row in rows:
        row["share"] = row["customers"] / row["stage_customers"] if row["stage_customers"] else None
    y = _stage_axis(rows)
    colour = _stage_colour(rows)
    tooltip = [alt.Tooltip("stage_label:N", title="stage"),
               alt.Tooltip("customers:Q", title="worth waking", format=","),
               alt.Tooltip("stage_customers:Q", title="of the stage's customers", format=","),
               alt.Tooltip("share:Q", title="share of the stage", format=".1%"),
               alt.Tooltip("total_value:Q", title="total predicted value (元)", format=",.2f"),
               alt.Tooltip("mean_value:Q", title="mean predicted value (元)", format=",.2f"),
               alt.Tooltip("mean_p_alive:Q", title="mean P(alive)", format=".1%")]
    counts = alt.Chart().encode(y=y, x=alt.X("customers:Q", title="值得唤醒的客户 customers worth waking",
                                               axis=alt.Axis(tickMinStep=1, format=",d")))
    count_panel = alt.layer(
        counts.mark_bar(size=18).encode(color=colour, tooltip=tooltip),
        counts.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("customers:Q", format=",")),
    ).properties(width=300, height=alt.Step(36))
    values = alt.Chart().encode(
        y=alt.Y("stage_label:N", sort=_ordered(rows, "stage_label", "stage_order"), axis=None),
        x=alt.X("total_value:Q", title="其预测价值 their predicted value (元)", axis=YUAN_AXIS))
    value_panel = alt.layer(
        values.mark_bar(size=18, opacity=0.6).encode(color=colour, tooltip=tooltip),
        values.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("total_value:Q", format=",.0f")),
    ).properties(width=240, height=alt.Step(36))
    return _spec(alt.hconcat(count_panel, value_panel, data=_data(rows)).resolve_scale(y="shared"))


def worth_waking_table(rows: Rows) -> str:
    """The customers worth waking of highest predicted value (``worth_waking_top``: 20 at most)."""
    if not rows:
        return '<p class="table-note" data-note="worth_waking_top">无 · no customer is worth waking on this day.</p>'
    body = [("customer", [
        f"{rank}", str(row["customer_id"]), row["stage_label"], _pct(row["p_alive"]),
        "–" if row["expected_orders_365d"] is None else f"{float(row['expected_orders_365d']):.2f}",
        _yuan(row["predicted_value"]), "–" if row["value_decile"] is None else f"{int(row['value_decile'])}",
        "–" if row["days_since_last_order"] is None else f"{int(row['days_since_last_order']):,}"])
        for rank, row in enumerate(rows, start=1)]
    head = ["#", "客户 customer_id", "阶段 stage", "存活概率 P(alive)", "预计365天订单 expected orders, 365 days",
            "预测价值 predicted value", "价值十分位 decile (10 = top)", "距上次购买 days since last order"]
    return _table(head, body, "worth_waking_top")
