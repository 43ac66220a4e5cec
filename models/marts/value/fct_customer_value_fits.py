"""Grain: one row per fit (a day on which the value models were fitted or found not fittable).

Fits BG/NBD (purchases) and Gamma-Gamma (spend per purchase) on the day's compressed purchase and spend
patterns when a fit is due: no fit before, no usable fit yet, var value_refit_now, or var
value_refit_days since the last one (fugou.value.daily.fit_reason). Incremental delete+insert by
fit_date: earlier fits are kept, so the scores of any day can be reproduced from the fit in force that
day; a rebuilt day whose fit is not due keeps the row it had.
"""

from fugou.value.daily import FIT_COLUMNS, fit_if_due, typed_select


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="delete+insert", unique_key="fit_date",
               on_schema_change="append_new_columns")
    # (each ref on a line of its own: dbt finds a model's refs by reading its code)
    settings_relation = dbt.ref("int_customer_value_settings")
    purchase_patterns = dbt.ref("int_customer_value_purchase_patterns")
    spend_patterns = dbt.ref("int_customer_value_spend_patterns")
    settings = settings_relation.df().iloc[0].to_dict()
    day = str(settings["snapshot_date"])[:10]
    if dbt.is_incremental:
        earlier = session.sql(
            f"select fit_date, purchase_status from {dbt.this} where fit_date < date '{day}'").df()
    else:
        earlier = session.sql("select cast(null as date) as fit_date, '' as purchase_status limit 0").df()
    frame = fit_if_due(settings, purchase_patterns.df(), spend_patterns.df(), earlier)
    session.register("fct_customer_value_fits__frame", frame)
    return session.sql(typed_select(FIT_COLUMNS, "fct_customer_value_fits__frame"))
