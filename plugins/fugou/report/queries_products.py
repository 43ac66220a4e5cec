"""The SQL of the report's product section (产品角色, PLAYBOOK section 7), against ``marts.fct_product_seasons``
of the published copy (rebuilt by every run as of its day; roles are decided among a season's SKUs).

- ``product_roles``: for the last four season instances that started by the report's day, per product role
  (seed ``product_roles``: 引流款, 利润款, 潜力款, 边缘款), the SKUs, units and revenue, and the role's share of
  the season's revenue;
- ``product_roles_top``: the 15 SKUs of highest revenue of the latest complete season, with their role, units,
  buyers, repeat buyers, margin rate (or price band without costs).
"""

from __future__ import annotations

PRODUCT_ROLES_SQL = """
    with seasons as (
        select distinct season_start_date, sales_season_name_zh
        from marts.fct_product_seasons
        where season_start_date <= $day
        order by season_start_date desc
        limit 4
    ),
    per_role as (
        select
            products.season_start_date,
            products.product_role,
            count(*) as skus,
            sum(products.units) as units,
            sum(products.revenue) as revenue
        from marts.fct_product_seasons as products
        inner join seasons on seasons.season_start_date = products.season_start_date
        group by products.season_start_date, products.product_role
    )
    select
        strftime(per_role.season_start_date, '%Y-%m') || ' ' || seasons.sales_season_name_zh || '季' as season_label,
        per_role.season_start_date,
        per_role.product_role,
        roles.role_name_zh || ' ' || roles.role_name_en as role_label,
        roles.sort_order as role_order,
        per_role.skus,
        per_role.units,
        per_role.revenue,
        cast(per_role.revenue as double)
            / nullif(sum(cast(per_role.revenue as double)) over (partition by per_role.season_start_date), 0)
            as revenue_share
    from per_role
    inner join seasons on seasons.season_start_date = per_role.season_start_date
    left join seeds.product_roles as roles on roles.role_code = per_role.product_role
    order by per_role.season_start_date, roles.sort_order
"""

PRODUCT_ROLES_TOP_SQL = """
    select
        sku, product_name, category, product_role_zh, units, buyers, repeat_buyers, revenue, margin_rate,
        price_band, margin_basis, season_start_date, sales_season_name_zh
    from marts.fct_product_seasons
    where season_start_date = (
        select max(season_start_date) from marts.fct_product_seasons
        where is_season_complete and season_end_date <= $day
    )
    order by revenue desc, sku
    limit 15
"""
