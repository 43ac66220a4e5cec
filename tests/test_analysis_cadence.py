"""The analysis marts' cadence (macros/analysis_cadence.sql): real dbt on a real DuckDB file.

The repurchase analysis and the profile breakdowns are rebuilt when the day they hold is
var analysis_refresh_days old or older, on their first build, on a rerun of their day or an earlier day,
and when var analysis_refresh_now is true; between refreshes they keep the rows of the last one. One
warehouse walks the days D, D+6, D+7, D+8 (refresh now), D+8 again and D+3 (an earlier day), with a
new order of a new customer landing on D+1: every mart shows it from the first refresh after D+1 on.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dbt_helpers import build, insert_raw, make_warehouse, order, query

from fugou.orchestration import pipeline

pytestmark = pytest.mark.xdist_group("analysis_cadence")

D = dt.date(2024, 6, 30)
ANALYSIS = ["+tag:analysis"]
# every model on the cadence, with a column that tells whether the new customer (c3) is counted
MARTS = {
    "intermediate.int_repurchase_item_days": "count(distinct customer_id)",
    "intermediate.int_repurchase_items_summarised": "max(case when item_level = 'category' then buyers end)",
    "marts.fct_repurchase_products": "max(buyers)",
    "marts.fct_repurchase_categories": "max(buyers)",
    "marts.fct_repurchase_first_purchases": "max(case when window_label = 'ever' then first_customers end)",
    "marts.fct_customer_profile_breakdowns":
        "sum(case when group_by = 'member_tier' and attribute = 'gender' then customers end)",
}


def at(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


def paid(offset: int) -> str:
    return f"{at(offset).isoformat()} 12:00:00"


def line(order_id: str) -> dict:
    return {"order_id": order_id, "sku": "A1", "category": "tea", "quantity": 1, "unit_price": "10.00"}


def held(home: Path) -> dict[str, tuple[set, int]]:
    """Each analysis model: the snapshot days it holds and its figure that counts the customers."""
    out = {}
    for table, figure in MARTS.items():
        days = {r["d"] for r in query(home, f"select distinct snapshot_date as d from {table}")}
        out[table] = (days, query(home, f"select {figure} as n from {table}")[0]["n"])
    return out


def everywhere(days: set, customers: int) -> dict[str, tuple[set, int]]:
    return {table: (days, customers) for table in MARTS}


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The warehouse after each step of the walk (what every analysis model holds)."""
    home = make_warehouse(
        tmp_path_factory.mktemp("cadence"),
        orders=[order("o1", "c1", paid(-40), 10), order("o2", "c1", paid(-10), 10),
                order("o3", "c2", paid(-20), 10)],
        items=[line("o1"), line("o2"), line("o3")],
    )
    steps: dict[str, dict] = {}

    def step(name: str, offset: int, **extra_vars) -> None:
        build(home, at(offset).isoformat(), ANALYSIS, extra_vars=extra_vars or None, data_tests=False)
        steps[name] = held(home)

    step("first build", 0)
    # a new customer's order, paid and landed on D+1
    insert_raw(home, orders=[order("o4", "c3", paid(1), 10)], items=[line("o4")])
    step("day 6", 6)
    step("day 7", 7, analysis_refresh_days=7)
    step("day 8 refresh now", 8, analysis_refresh_now=True)
    step("day 8 rerun", 8)
    step("day 3: an earlier day", 3)
    step("day 4, every day", 4, analysis_refresh_days=1)
    # the daily run's build with `fugou run --refresh-analysis` (5 days after the refresh of D+4)
    pipeline.build_models(f"{at(9).isoformat()}T12:00:00+08:00", home, refresh_analysis=True)
    steps["day 9, the run's refresh_analysis"] = held(home)
    return steps


def test_first_build_refreshes(walk: dict) -> None:
    assert walk["first build"] == everywhere({D}, 2)


def test_days_inside_the_cadence_keep_the_last_refresh(walk: dict) -> None:
    """D+6 (6 days after the refresh of D, var analysis_refresh_days 7): the tables keep D's rows; the
    order of D+1 is not counted yet."""
    assert walk["day 6"] == everywhere({D}, 2)


def test_the_cadence_day_refreshes(walk: dict) -> None:
    """D+7: the rows are 7 days old, a refresh is due; the table holds D+7 only, c3 counted."""
    assert walk["day 7"] == everywhere({at(7)}, 3)


def test_refresh_now_rerun_and_earlier_day_refresh(walk: dict) -> None:
    assert walk["day 8 refresh now"] == everywhere({at(8)}, 3)
    assert walk["day 8 rerun"] == everywhere({at(8)}, 3)
    # an earlier day than the one held: rebuilt as of D+3 (c3, paid on D+1, counts); the profile
    # breakdowns describe dim_customers' day, the latest snapshot built (D+8)
    expected = everywhere({at(3)}, 3) | {"marts.fct_customer_profile_breakdowns": ({at(8)}, 3)}
    assert walk["day 3: an earlier day"] == expected


def test_refresh_days_one_means_every_day(walk: dict) -> None:
    """D+4 after D+3 with var analysis_refresh_days 1 (the profile breakdowns: dim_customers' day, D+8)."""
    expected = everywhere({at(4)}, 3) | {"marts.fct_customer_profile_breakdowns": ({at(8)}, 3)}
    assert walk["day 4, every day"] == expected


def test_the_runs_refresh_analysis_reaches_dbt(walk: dict) -> None:
    """pipeline.build_models(refresh_analysis=True) (the DAG's param, `fugou run --refresh-analysis`)."""
    assert walk["day 9, the run's refresh_analysis"] == everywhere({at(9)}, 3)
