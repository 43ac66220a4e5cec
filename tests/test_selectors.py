"""dbt_project/selectors.yml: what each run builds, read from dbt (nothing about it is kept in Python)."""

from __future__ import annotations

import pytest

from fugou.orchestration import backfill
from fugou.settings import Paths
from fugou.transform.session import dbt_session


@pytest.fixture(scope="module")
def selections(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    p = Paths(tmp_path_factory.mktemp("selectors"))
    with dbt_session(p) as dbt:
        return {name: set(dbt.ls(name)) for name in ("daily", backfill.CUSTOMER_FACTS, backfill.CAMPAIGN_DAY,
                                                     backfill.ONCE_AT_THE_END)}


def model(name: str) -> str:
    return f"model.fugou.{name}"


def test_daily_builds_every_model_seed_and_test(selections):
    daily = selections["daily"]
    assert {model("fct_customer_snapshot"), model("fct_campaign_decisions"), model("fct_shop_kpis"),
            "seed.fugou.campaign_catalog"} <= daily
    assert any(node.startswith("test.") for node in daily)
    # not the unit tests: hand-made rows, the same every day (tests/test_dbt_unit_tests.py runs them)
    assert not any(node.startswith("unit_test.") for node in set().union(*selections.values()))
    # the backfill's three selections together are a subset of the daily run
    assert set().union(*(selections[s] for s in (backfill.CUSTOMER_FACTS, backfill.CAMPAIGN_DAY,
                                                 backfill.ONCE_AT_THE_END))) <= daily


def test_backfill_customer_facts_is_the_customer_marts_and_their_parents(selections):
    facts = selections[backfill.CUSTOMER_FACTS]
    assert {model("fct_customer_snapshot"), model("dim_customers"), model("int_customer_days_classified"),
            model("stg_shop__orders"), "seed.fugou.member_tiers"} <= facts
    assert model("fct_campaign_decisions") not in facts and model("fct_shop_kpis") not in facts


def test_backfill_day_leaves_out_the_end_and_the_staging_tests(selections):
    day, once = selections[backfill.CAMPAIGN_DAY], selections[backfill.ONCE_AT_THE_END]
    assert {model("fct_campaign_decisions"), model("int_campaign_exportable_rows"), model("fct_customer_value"),
            model("fct_product_seasons"), model("stg_shop__orders")} <= day
    assert {model("fct_shop_kpis"), model("fct_campaign_evaluation"), model("fct_repurchase_products"),
            model("fct_campaign_occasions")} <= once
    assert not day & once
    staging_tests = {n for n in selections["daily"] if n.startswith("test.") and "stg_shop__" in n}
    assert staging_tests and not day & staging_tests
