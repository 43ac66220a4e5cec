"""The SQL of the report's profile section (客户画像, PLAYBOOK section 7: who the customers of each segment
are), read against ``marts.fct_customer_profile_breakdowns`` of the published copy.

- ``profiles``: for the day, per RFM value segment (重要价值客户 ... 一般挽留客户: the mart's ``group_by =
  'rfm_segment'``) and for the attributes age band, province and spend level, each value's customers and
  share of the segment, with the display labels and orders, and the segment's own customers, orders, spend
  and average order value (from one attribute's rows: every attribute of a segment adds up to it).

The mart holds the latest built day only (it is rebuilt with dim_customers), so a report of an earlier day
finds no rows. :mod:`fugou.report.queries` wraps the query with the tables it reads.
"""

from __future__ import annotations

# the attributes the section compares, in display order, with their labels
PROFILE_ATTRIBUTES = {"age_band": "年龄段 age band", "province": "省份 province", "spend_level": "消费水平 spend level"}
SPEND_LEVEL_LABELS = {"high": "高消费 high", "medium": "中消费 medium", "low": "低消费 low"}
UNKNOWN_LABEL = "未知 unknown"

_ATTRIBUTE_LABEL = "case attribute " + " ".join(
    f"when '{code}' then '{label}'" for code, label in PROFILE_ATTRIBUTES.items()) + " end"
_ATTRIBUTE_ORDER = "case attribute " + " ".join(
    f"when '{code}' then {order}" for order, code in enumerate(PROFILE_ATTRIBUTES, start=1)) + " end"
_SPEND_LABEL = "case attribute_value " + " ".join(
    f"when '{code}' then '{label}'" for code, label in SPEND_LEVEL_LABELS.items()) + " end"
_ATTRIBUTE_LIST = ", ".join(f"'{code}'" for code in PROFILE_ATTRIBUTES)

PROFILES_SQL = f"""
    with day_rows as (
        select *
        from marts.fct_customer_profile_breakdowns
        where snapshot_date = (
            select max(snapshot_date) from marts.fct_customer_profile_breakdowns where snapshot_date <= $day
        )
            and group_by = 'rfm_segment'
            and attribute in ({_ATTRIBUTE_LIST})
    ),
    segments as (
        select
            group_value,
            sum(orders) as group_orders,
            sum(monetary_total) as group_monetary_total
        from day_rows
        where attribute = 'spend_level'
        group by group_value
    )
    select
        day_rows.group_value,
        day_rows.group_label,
        day_rows.group_order,
        day_rows.group_customers,
        segments.group_orders,
        segments.group_monetary_total,
        round(cast(segments.group_monetary_total as double) / nullif(segments.group_orders, 0), 2)
            as group_average_order_value,
        day_rows.attribute,
        {_ATTRIBUTE_LABEL} as attribute_label,
        {_ATTRIBUTE_ORDER} as attribute_order,
        day_rows.attribute_value,
        case
            when day_rows.attribute_value = 'unknown' then '{UNKNOWN_LABEL}'
            when day_rows.attribute = 'spend_level' then coalesce({_SPEND_LABEL}, day_rows.attribute_value)
            else day_rows.attribute_value
        end as value_label,
        day_rows.value_order,
        day_rows.customers,
        day_rows.share_of_group,
        day_rows.orders,
        day_rows.monetary_total,
        day_rows.average_order_value
    from day_rows
    left join segments on segments.group_value = day_rows.group_value
    order by day_rows.group_order, day_rows.group_value, attribute_order, day_rows.value_order,
        day_rows.attribute_value
    """
