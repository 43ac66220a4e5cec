"""Products and what customers buy again: ``marts.fct_product_seasons`` and the repurchase marts, and the
items the day's campaign decisions name.

Three suites, on one-row frames of aggregates the runner computes in DuckDB:

- ``products.seasons``: every SKU-season has units, at most as many repeat buyers as buyers, a role of seed
  ``product_roles``, a margin rate at most 1 and a volume rank of at least 1;
- ``products.repurchase``: shares, rates and confidences in [0, 1], lifts not negative, repeat buyers not
  more than buyers, second-order customers not more than those eligible;
- ``products.items``: on day D, no send of a campaign whose catalog row says ``item_required`` lacks its
  item (the message would name nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

import great_expectations.expectations as gxe
import pandas as pd

from . import Batch, Skip, make_suite

SEASONS = "marts.fct_product_seasons"
REPURCHASE = ("marts.fct_repurchase_products", "marts.fct_repurchase_first_purchases", "marts.fct_category_pairs")
DECISIONS = "marts.fct_campaign_decisions"

SEASONS_SQL = f"""
select
    count(*) as season_rows,
    count(*) filter (where units <= 0 or units is null) as rows_without_units,
    count(*) filter (where repeat_buyers > buyers) as repeat_above_buyers,
    count(*) filter (where product_role is null
                     or product_role not in (select role_code from seeds.product_roles)) as unknown_roles,
    count(*) filter (where margin_rate > 1) as margin_rate_above_1,
    coalesce(min(volume_rank), 1) as min_volume_rank
from {SEASONS}
"""

REPURCHASE_SQL = """
select
    (select count(*) from marts.fct_repurchase_products
     where repurchase_rate not between 0 and 1 or repeat_buyers > buyers) as bad_product_rows,
    (select count(*) from marts.fct_repurchase_first_purchases
     where second_order_share not between 0 and 1 or second_order_customers > eligible_customers)
        as bad_first_purchase_rows,
    (select count(*) from marts.fct_category_pairs
     where support not between 0 and 1 or confidence not between 0 and 1 or lift < 0) as bad_pair_rows
"""

ITEMS_SQL = f"""
select count(*) as sends_without_item
from {DECISIONS} as decisions
inner join seeds.campaign_catalog as catalog
    on catalog.campaign_code = decisions.campaign_code
where decisions.decision_date = $day
    and decisions.outcome = 'send'
    and coalesce(catalog.item_required, false)
    and decisions.item_sku is null
    and decisions.item_category is null
"""


def _zero(column: str, description: str) -> gxe.ExpectColumnValuesToBeBetween:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0, description=description)


def batches(day: str, seasons: pd.DataFrame | None, repurchase: pd.DataFrame | None,
            items: pd.DataFrame | None, warnings: Iterable[str] = ()) -> list[Batch | Skip]:
    """Each frame is the one row of its query above (``None``: a table it reads does not exist yet)."""
    out: list[Batch | Skip] = []
    if seasons is None:
        out.append(Skip("products.seasons", SEASONS, f"table {SEASONS} does not exist yet"))
    else:
        checks = {
            "units_positive": _zero("rows_without_units", "every SKU-season sold at least one piece"),
            "repeat_buyers_within_buyers": _zero("repeat_above_buyers", "repeat buyers are some of the buyers"),
            "roles_known": _zero("unknown_roles", "every role is one of seed product_roles"),
            "margin_rate_at_most_1": _zero("margin_rate_above_1", "a margin cannot exceed the revenue"),
            "volume_rank_from_1": gxe.ExpectColumnValuesToBeBetween(column="min_volume_rank", min_value=1),
        }
        out.append(Batch(make_suite("products.seasons", checks, warnings), f"{SEASONS} (aggregates)", seasons, []))
    if repurchase is None:
        out.append(Skip("products.repurchase", ", ".join(REPURCHASE), "the repurchase marts do not exist yet"))
    else:
        checks = {
            "product_rates_valid": _zero("bad_product_rows", "repurchase rates in [0, 1], repeat buyers <= buyers"),
            "first_purchase_shares_valid": _zero("bad_first_purchase_rows",
                                                 "second-order shares in [0, 1], within the eligible"),
            "pair_measures_valid": _zero("bad_pair_rows", "support and confidence in [0, 1], lift >= 0"),
        }
        out.append(Batch(make_suite("products.repurchase", checks, warnings), "repurchase marts (aggregates)",
                         repurchase, []))
    if items is None:
        out.append(Skip("products.items", DECISIONS, f"table {DECISIONS} or the catalog's item_required missing"))
    else:
        checks = {"sends_name_their_item": _zero("sends_without_item",
                                                 "a send of an item_required campaign names its item")}
        out.append(Batch(make_suite("products.items", checks, warnings),
                         f"{DECISIONS} where decision_date = {day} (aggregates)", items, []))
    return out
