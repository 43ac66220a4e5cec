"""Grain: one row per distinct purchase pattern (frequency, recency_days, age_days) of the day.

P(alive) and expected purchase days from the latest fit up to snapshot_date whose purchase model
converged (fct_customer_value_fits); no rows when there is none (no predictions rather than made-up
ones). The formulas: fugou.value.scoring (pymc-marketing's, checked against it in the tests).
"""

from fugou.value.daily import SCORE_COLUMNS, score_patterns, typed_select


def model(dbt, session):
    dbt.config(materialized="table")
    # (each ref on a line of its own: dbt finds a model's refs by reading its code)
    settings_relation = dbt.ref("int_customer_value_settings")
    fits_relation = dbt.ref("fct_customer_value_fits")
    patterns = dbt.ref("int_customer_value_purchase_patterns")
    settings = settings_relation.df().iloc[0].to_dict()
    day = str(settings["snapshot_date"])[:10]
    fits = (fits_relation
            .filter(f"fit_date <= date '{day}' and purchase_status = 'converged'")
            .order("fit_date desc").limit(1).df())
    frame = score_patterns(patterns.df(),
                           fits.iloc[0].to_dict() if len(fits) else None,
                           horizon_months=int(settings["horizon_months"]),
                           monthly_discount_rate=float(settings["monthly_discount_rate"]))
    session.register("int_customer_value_pattern_scores__frame", frame)
    return session.sql(typed_select(SCORE_COLUMNS, "int_customer_value_pattern_scores__frame"))
