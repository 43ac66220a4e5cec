"""The dbt unit tests (``unit_tests:`` in the models' yml: the rules decided in dbt, on hand-made rows): they
run in development and CI, like here, and not in the daily run or a backfill (their inputs are static:
running them on every day's build would only cost time; ``dbt_project/selectors.yml``)."""

from __future__ import annotations

import re

from fugou.settings import Paths
from fugou.transform.cli import run_dbt
from fugou.warehouse import connect

UNIT_TESTS = {
    "int_customer_days_classified::lifecycle_type_and_tier_boundaries",
    "int_customer_days_classified::rfm_scores_share_ties_and_split_at_the_mean",
    "int_campaign_evaluation_periods::lift_interval_from_pooled_counts",
    "fct_campaign_decisions::one_marketing_message_a_day_gifts_first",
}


def test_every_unit_test_passes(fugou_home: Paths) -> None:
    connect(fugou_home.warehouse).close()  # the raw and ops tables the models read
    # the models under test and their parents, empty: a unit test reads its inputs' column types from them
    run_dbt(["build", "--empty", "--select", "+int_customer_days_classified", "+int_campaign_evaluation_periods",
             "+fct_campaign_decisions", "--exclude", "resource_type:test", "resource_type:unit_test"],
            variables={"snapshot_date": "2024-03-10"}, p=fugou_home)
    out = run_dbt(["test", "--select", "test_type:unit"], variables={"snapshot_date": "2024-03-10"}, p=fugou_home)
    passed = set(re.findall(r"PASS (\S+::\S+)", out))
    assert passed == UNIT_TESTS
    assert re.search(r"PASS=4 WARN=0 ERROR=0 SKIP=0", out)
