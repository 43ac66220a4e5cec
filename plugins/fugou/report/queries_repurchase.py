"""The SQL of the report's repurchase sections (复购分析, PLAYBOOK section 7: what brings customers back),
read against the repurchase marts of the published copy (models/marts/repurchase, rebuilt in full on a
cadence, var analysis_refresh_days): each reads the latest refresh up to the report's day.

- ``repurchase_first``: the categories of the customers' first paid orders (``fct_repurchase_first_purchases``,
  level category): the :data:`TOP_FIRST_CATEGORIES` categories most customers started with, every window of
  each (var ``repurchase_second_order_windows`` and ``ever``), with the category's rank by its ``ever``
  share of customers who placed a second paid order (then by its customers, then by name);
- ``repurchase_products``: the :data:`TOP_PRODUCTS` skus with the most repeat buyers
  (``fct_repurchase_products``: customers who bought the sku again on a later day), then by repurchase rate;
- ``category_pairs``: the :data:`TOP_PAIRS` pairs of categories bought by the same customers of highest
  lift (``fct_category_pairs``, which keeps the pairs of at least var ``repurchase_pair_min_customers``
  customers), one line per pair: support and lift are the same both ways, the confidence of each direction
  is given.

:mod:`fugou.report.queries` wraps them with the tables they read.
"""

from __future__ import annotations

TOP_FIRST_CATEGORIES = 12
TOP_PRODUCTS = 15
TOP_PAIRS = 15

REPURCHASE_FIRST_SQL = f"""
    with day_rows as (
        select *
        from marts.fct_repurchase_first_purchases
        where snapshot_date = (
            select max(snapshot_date) from marts.fct_repurchase_first_purchases where snapshot_date <= $day
        )
            and item_level = 'category'
    ),
    categories as (
        select
            category,
            first_customers,
            second_order_customers as ever_second_order_customers,
            second_order_share as ever_share,
            median_days_to_second_order as ever_median_days
        from day_rows
        where window_label = 'ever'
        order by first_customers desc, category
        limit {TOP_FIRST_CATEGORIES}
    ),
    ranked as (
        select
            *,
            row_number() over (order by ever_share desc nulls last, first_customers desc, category) as category_rank
        from categories
    )
    select
        ranked.category_rank,
        day_rows.category,
        day_rows.window_label,
        day_rows.window_days,
        coalesce(day_rows.window_days, 100000) as window_order,
        day_rows.first_customers,
        day_rows.eligible_customers,
        day_rows.second_order_customers,
        day_rows.second_order_share,
        day_rows.median_days_to_second_order,
        ranked.ever_second_order_customers,
        ranked.ever_share,
        ranked.ever_median_days
    from day_rows
    inner join ranked on ranked.category = day_rows.category
    order by ranked.category_rank, window_order
    """

REPURCHASE_PRODUCTS_SQL = f"""
    select
        row_number() over (order by repeat_buyers desc, repurchase_rate desc, sku) as product_rank,
        sku,
        category,
        buyers,
        repeat_buyers,
        repurchase_rate,
        median_days_between,
        mean_days_between
    from marts.fct_repurchase_products
    where snapshot_date = (select max(snapshot_date) from marts.fct_repurchase_products where snapshot_date <= $day)
        and repeat_buyers > 0
    order by product_rank
    limit {TOP_PRODUCTS}
    """

# every pair is in the mart both ways (the threshold is on the customers with both): one line per pair,
# A the first by name, with the confidence of each direction
CATEGORY_PAIRS_SQL = f"""
    with day_pairs as (
        select * from marts.fct_category_pairs
        where snapshot_date = (select max(snapshot_date) from marts.fct_category_pairs where snapshot_date <= $day)
    )
    select
        row_number() over (order by ab.lift desc, ab.customers_both desc, ab.category_a, ab.category_b)
            as pair_rank,
        ab.category_a,
        ab.category_b,
        ab.customers,
        ab.customers_a,
        ab.customers_b,
        ab.customers_both,
        ab.support,
        ab.confidence as confidence_a_to_b,
        ba.confidence as confidence_b_to_a,
        ab.lift
    from day_pairs as ab
    left join day_pairs as ba on ba.category_a = ab.category_b and ba.category_b = ab.category_a
    where ab.category_a < ab.category_b
    order by pair_rank
    limit {TOP_PAIRS}
    """
