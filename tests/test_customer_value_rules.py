"""Predicted customer value: when a fit is due, what a shop without enough repeat buyers gets, and the
scoring formulas at their edges (hand-made values; the CDNOW checks are in test_customer_value_model)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from dbt_helpers import build, make_warehouse, order, query
from scipy.special import hyp2f1

from fugou.value.daily import FIT_COLUMNS, SCORE_COLUMNS, fit_if_due, fit_reason, score_patterns
from fugou.value.scoring import (
    discounted_expected_purchases,
    expected_purchases,
    hyp2f1_series,
    probability_alive,
)

CDNOW = {"r": 0.2426, "alpha": 30.895, "a": 0.7929, "b": 2.4259}  # days
DAY = dt.date(2025, 3, 31)


@pytest.mark.parametrize(("earlier", "usable", "refit_now", "expected"), [
    ([], False, False, "first"),
    ([], False, True, "on_demand"),
    ([dt.date(2025, 3, 30)], True, True, "on_demand"),
    ([dt.date(2025, 3, 30)], False, False, "no_usable_fit"),
    ([dt.date(2025, 3, 24)], True, False, "cadence"),          # 7 days: due
    ([dt.date(2025, 3, 25)], True, False, None),               # 6 days: not yet
    ([dt.date(2025, 3, 1), dt.date(2025, 3, 25)], True, False, None),  # the latest fit counts
])
def test_when_a_fit_is_due(earlier, usable, refit_now, expected):
    assert fit_reason(DAY, earlier, usable, refit_days=7, refit_now=refit_now) == expected


def settings(**extra):
    return {"snapshot_date": DAY, "refit_days": 7, "refit_now": False, "min_repeat_buyers": 200,
            "fit_max_iterations": 500, "horizon_months": 12, "monthly_discount_rate": 0.01, **extra}


def test_too_few_repeat_buyers_is_recorded_without_fitting():
    patterns = pd.DataFrame({"frequency": [0, 1, 3], "recency_days": [0, 10, 40], "age_days": [50, 60, 90],
                             "customers": [500, 150, 49]})
    no_fits = pd.DataFrame({"fit_date": [], "purchase_status": []})
    row = fit_if_due(settings(), patterns, pd.DataFrame(), no_fits).iloc[0]
    assert list(row.index) == list(FIT_COLUMNS)
    assert (row["customers"], row["repeat_buyers"], row["purchase_status"], row["spend_status"]) == \
        (699, 199, "too_few_repeat_buyers", "too_few_repeat_buyers")
    assert row["r"] is None and "199 repeat buyer(s)" in row["message"] and "at least 200" in row["message"]
    # one more repeat buyer is enough to try; a recent fit means nothing is due
    earlier = pd.DataFrame({"fit_date": [DAY - dt.timedelta(days=1)], "purchase_status": ["converged"]})
    assert fit_if_due(settings(), patterns, pd.DataFrame(), earlier).empty


def test_no_fit_no_scores():
    patterns = pd.DataFrame({"frequency": [1], "recency_days": [5], "age_days": [9], "customers": [3]})
    scores = score_patterns(patterns, None, horizon_months=12, monthly_discount_rate=0.01)
    assert scores.empty and list(scores.columns) == list(SCORE_COLUMNS)


def test_probability_alive_edges():
    # one purchase only: alive by the model's assumption (drop-out happens right after a purchase)
    assert probability_alive([0], [0], [400], **CDNOW)[0] == 1.0
    # bought again on the scoring day: 1 / (1 + a / (b + x - 1))
    assert probability_alive([2], [100], [100], **CDNOW)[0] == pytest.approx(1 / (1 + 0.7929 / (2.4259 + 1)))
    # the longer the silence after the last purchase, the less likely alive
    alive = probability_alive([5, 5, 5], [100, 100, 100], [100, 200, 400], **CDNOW)
    assert alive[0] > alive[1] > alive[2] > 0


def direct(x, t_x, T, t, r, alpha, a, b):
    """FHL 2005 eq. 10 as printed (pymc-marketing's form)."""
    z = t / (alpha + T + t)
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
                                              * hyp2f1(r + x, b + x, a + b + x - 1, z))
    return numerator / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))


@pytest.mark.parametrize(("x", "t_x", "T", "t"), [(0, 0, 30, 90), (1, 10, 300, 365), (7, 250, 270, 90),
                                                   (20, 600, 700, 365)])
def test_expected_purchases_equal_the_printed_formula(x, t_x, T, t):
    got = expected_purchases([x], [t_x], [T], t, **CDNOW)[0]
    assert got == pytest.approx(direct(np.float64(x), t_x, T, t, **CDNOW), rel=1e-9)


def test_a_customer_with_hundreds_of_purchases_gets_a_finite_prediction():
    # the printed form's 2F1(r + x, b + x; ...) overflows for such a customer: Euler's form does not
    value = expected_purchases([400], [700], [700], 365, **CDNOW)[0]
    assert np.isfinite(value) and 150 < value < 250  # ~ 400 purchases in 700 days, still buying: ~ 0.57/day


#: a fit at the Poisson limit, as a shop whose 40 days show no drop-out gets (fitted on the seller-export
#: test's shop): r / alpha is the purchase rate, a near 0 means hardly anyone drops out
POISSON_LIMIT = {"r": 48598.819401, "alpha": 1155330.564385, "a": 0.001189, "b": 4696.387935}


def test_a_fit_without_drop_out_predicts_the_poisson_rate():
    # scipy's hyp2f1 returns NaN for its large negative first parameter: the series takes over
    x, t_x, T = np.array([0, 1, 5.0]), np.array([0, 38, 33.0]), np.array([38, 38, 39.0])
    for t in (90, 365):
        rate = (POISSON_LIMIT["r"] + x) / (POISSON_LIMIT["alpha"] + T)
        assert expected_purchases(x, t_x, T, t, **POISSON_LIMIT) == pytest.approx(rate * t, rel=1e-5)
    assert probability_alive(x, t_x, T, **POISSON_LIMIT) == pytest.approx(1.0, abs=1e-6)


def test_the_series_equals_scipy_where_scipy_answers():
    A, B, C = np.array([-3.7, 0.4, 2.5]), np.array([-0.2, 1.3, 0.7]), np.array([4.1, 9.0, 30.0])
    z = np.array([0.3, 0.8, 0.95])
    assert hyp2f1_series(A, B, C, z) == pytest.approx(hyp2f1(A, B, C, z), rel=1e-12)


def test_undiscounted_value_telescopes_to_the_horizon():
    args = ([3], [100], [200])
    total = discounted_expected_purchases(*args, months=12, monthly_discount_rate=0.0, **CDNOW)[0]
    assert total == pytest.approx(expected_purchases(*args, 360, **CDNOW)[0], rel=1e-12)
    assert discounted_expected_purchases(*args, months=12, monthly_discount_rate=0.05, **CDNOW)[0] < total


def test_a_shop_with_too_few_repeat_buyers_gets_no_predicted_value(tmp_path):
    orders = [order(f"o{i}", f"c{i}", "2025-01-10", 100) for i in range(30)]
    orders += [order(f"r{i}", f"c{i}", "2025-02-10", 80) for i in range(5)]   # 5 repeat buyers
    home = make_warehouse(tmp_path / "home", orders=orders)
    build(home, "2025-03-31", select=["+fct_customer_value"])
    fits = query(home, "select fit_reason, customers, repeat_buyers, purchase_status, spend_status, r, message "
                       "from marts.fct_customer_value_fits")
    assert fits == [{"fit_reason": "first", "customers": 30, "repeat_buyers": 5,
                     "purchase_status": "too_few_repeat_buyers", "spend_status": "too_few_repeat_buyers", "r": None,
                     "message": "5 repeat buyer(s) by 2025-03-31, the value models need at least 200 "
                                "(var value_min_repeat_buyers): no predicted value until there are enough"}]
    assert query(home, "select count(*) as n from marts.fct_customer_value") == [{"n": 0}]
    assert query(home, "select count(*) as n from intermediate.int_customer_value_pattern_scores") == [{"n": 0}]
    # the run's summary says why
    from fugou.cli.summary import day_overview

    assert day_overview("2025-03-31", home).value == (
        "none (5 repeat buyer(s) by 2025-03-31, the value models need at least 200 (var value_min_repeat_buyers): "
        "no predicted value until there are enough)")
    # the next day tries again (no usable fit yet), still without enough repeat buyers
    build(home, "2025-04-01", select=["marts.value", "intermediate.value"], data_tests=False)
    assert [r["fit_reason"] for r in query(home, "select fit_reason from marts.fct_customer_value_fits "
                                                 "order by fit_date")] == ["first", "no_usable_fit"]


# --- the marts gate ------------------------------------------------------------------------------------

def fit_frame(purchase_status: str, spend_status: str, message: str | None, in_use: str | None) -> pd.DataFrame:
    return pd.DataFrame([{"fit_date": pd.Timestamp("2024-03-10"), "fit_reason": "cadence",
                          "purchase_status": purchase_status, "spend_status": spend_status, "message": message,
                          "customers": 5000, "repeat_buyers": 900, "purchase_in_use": pd.Timestamp(in_use) if in_use
                          else pd.NaT, "spend_in_use": pd.Timestamp(in_use) if in_use else pd.NaT}])


def gate(fugou_home, batches):
    from fugou import quality

    (fugou_home.home / "fugou.toml").write_text("[quality]\ndata_docs = false\n")
    return quality.check_batches("marts", "2024-03-10", batches, fugou_home, docs=False)


def suites():
    from fugou import quality

    return quality.load_suites().customer_value


def test_the_gate_warns_when_a_fit_did_not_converge_and_names_the_fit_in_use(fugou_home):
    from fugou.quality.gate import quality_config

    warnings = quality_config(fugou_home)["warning"]
    frame = fit_frame("not_converged", "converged", "purchase model: STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT",
                      "2024-03-03")
    result = gate(fugou_home, suites().fit_batches("2024-03-10", frame, warnings))
    assert result.passed  # a warning: the run goes on with the last good parameters
    purchase = next(c for c in result.checks if c.check == "customer_value.fit.purchase_model_usable")
    spend = next(c for c in result.checks if c.check == "customer_value.fit.spend_model_usable")
    assert (purchase.status, purchase.severity, spend.status) == ("failed", "warning", "passed")
    text = result.summary()
    assert "ITERATIONS REACHED LIMIT" in text and "the scores use the fit of 2024-03-03" in text


def test_the_gate_warns_a_shop_with_too_few_repeat_buyers(fugou_home):
    from fugou.quality.gate import quality_config

    message = "5 repeat buyer(s) by 2024-03-10, the value models need at least 200"
    frame = fit_frame("too_few_repeat_buyers", "too_few_repeat_buyers", message, None)
    result = gate(fugou_home, suites().fit_batches("2024-03-10", frame, quality_config(fugou_home)["warning"]))
    assert result.passed and len(result.warnings) == 2
    assert message in result.summary() and "no predicted value until a fit converges" in result.summary()
    # and the scores are not checked (there are none), said so
    skipped = suites().score_batches("2024-03-10", pd.DataFrame([{}]), has_usable_fit=False)
    assert skipped[0].reason == "no usable fit up to 2024-03-10: no predicted value"


def scores_frame(**changes) -> pd.DataFrame:
    row = {"score_rows": 3, "scored_customers": 3, "snapshot_customers": 3, "min_p_alive": 0.1, "max_p_alive": 1.0,
           "min_expected_orders": 0.0, "orders_365_below_90": 0, "min_money": 0.0, "min_decile": 1,
           "max_decile": 10, "missing_scores": 0}
    return pd.DataFrame([{**row, **changes}])


@pytest.mark.parametrize(("changes", "failed"), [
    ({}, set()),
    ({"score_rows": 2, "scored_customers": 2}, {"one_row_per_customer"}),
    ({"scored_customers": 2}, {"customers_distinct"}),
    ({"max_p_alive": 1.0001}, {"p_alive_at_most_1"}),
    ({"min_p_alive": -0.01}, {"p_alive_at_least_0"}),
    ({"orders_365_below_90": 1}, {"orders_365d_not_below_90d"}),
    ({"min_money": -0.01}, {"money_non_negative"}),
    ({"max_decile": 11}, {"decile_at_most_10"}),
    ({"missing_scores": 1}, {"scores_present"}),
])
def test_the_gate_checks_the_days_scores(fugou_home, changes, failed):
    result = gate(fugou_home, suites().score_batches("2024-03-10", scores_frame(**changes), has_usable_fit=True))
    assert {c.check.removeprefix("customer_value.scores.") for c in result.checks if c.status == "failed"} == failed
    assert result.passed is not failed


def test_a_machine_without_a_c_compiler_still_fits(tmp_path):
    """pytensor without a compiler (PYTENSOR_FLAGS=cxx=): the fit runs on its Python backend."""
    import os
    import subprocess
    import sys

    code = ("import pandas as pd\n"
            "from fugou.value.fitting import fit_purchase_model\n"
            "rows = pd.DataFrame({'frequency': [0, 1, 2, 5], 'recency': [0, 30, 90, 200], 'T': [100, 120, 150, 250],"
            " 'customers': [50, 20, 10, 5]})\n"
            "fit = fit_purchase_model(rows)\n"
            "print(fit.converged, fit.iterations > 0)\n")
    env = {**os.environ, "PYTENSOR_FLAGS": f"cxx=,compiledir={tmp_path}"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "True True", out.stderr[-2000:]
