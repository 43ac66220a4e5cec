"""Campaigns: the decisions of day D, checked after the dbt build and before anything is exported.

Suites:

- ``campaigns.decisions`` (``marts.fct_campaign_decisions`` for D): keys present, outcome in
  send/control/suppressed, one decision per customer x campaign x channel, a suppression reason on every
  suppressed row and on no other;
- ``campaigns.sends`` (the ``send`` rows, each with dbt's verdict of the channel rule for its customer, channel
  and kind of message as of D, ``intermediate.int_campaign_customer_channels_checked``; nothing about consent
  is restated here): no opted-out customer, contactable on the channel (consent and a usable contact), at most
  one marketing message per customer (service messages such as shipping notices do not count);
- ``campaigns.control_share`` (one row per campaign): the control share ``control / (send + control)``
  near the campaign's setting in the catalog, only for campaigns with at least
  ``control_share_min_candidates`` candidates; allowed deviation = max(``control_share_tolerance``,
  ``control_share_z`` x binomial standard error);
- ``campaigns.ledger`` (``ops.sends`` rows of D, present when D was already exported): the same checks
  as ``campaigns.sends`` on what was actually sent;
- ``campaigns.export_cells`` (one row per column of the day's send lists, counted in the warehouse before
  any file is written; no contact value leaves it): no cell that a spreadsheet would run as a formula in
  the columns fugou controls or validates (phone, e-mail, campaign, coupon), and - warning-level by
  default - none in the customers' names, which the export writes behind a leading ``'``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.expectations.row_conditions import Column

from . import Batch, Skip, make_suite

DECISIONS = "marts.fct_campaign_decisions"
LEDGER = "ops.sends"
OUTCOMES = ("send", "control", "suppressed")

# dbt's verdicts of the channel rule (macros/channel_rules.sql), one row per customer, channel and kind of
# message (is_service); a send with no verdict (unknown channel or customer, model missing) is unreachable
REACHABILITY = "intermediate.int_campaign_customer_channels_checked"
REACHABILITY_COLUMNS = ("customer_id", "channel", "is_service", "is_opted_out", "is_contactable")


def decisions_suite(warnings: Iterable[str] = ()):
    checks: dict[str, Any] = {
        f"{column}_present": gxe.ExpectColumnValuesToNotBeNull(column=column)
        for column in ("customer_id", "decision_date", "campaign_code", "channel", "outcome")
    }
    checks["outcome_known"] = gxe.ExpectColumnValuesToBeInSet(column="outcome", value_set=list(OUTCOMES))
    checks["one_decision_per_candidate"] = gxe.ExpectCompoundColumnsToBeUnique(
        column_list=["customer_id", "campaign_code", "channel"]
    )
    checks["suppressed_has_reason"] = gxe.ExpectColumnValuesToNotBeNull(
        column="suppression_reason", row_condition=Column("outcome") == "suppressed"
    )
    checks["reason_only_when_suppressed"] = gxe.ExpectColumnValuesToBeNull(
        column="suppression_reason", row_condition=Column("outcome").is_in(["send", "control"])
    )
    return make_suite("campaigns.decisions", checks, warnings)


def sends_suite(name: str = "campaigns.sends", warnings: Iterable[str] = (), marketing_known: bool = True):
    """``marketing_known=False`` (no catalog to tell service messages apart) leaves out the one-a-day check."""
    checks = {
        "no_opted_out_contact": gxe.ExpectColumnValuesToBeInSet(
            column="opted_out", value_set=[False],
            description="no customer who opted out (as of the day) is sent anything",
        ),
        "consented_for_channel": gxe.ExpectColumnValuesToBeInSet(
            column="consented", value_set=[True],
            description="every send goes to a customer consented and with a usable contact on its channel "
            "(per dbt)",
        ),
        "one_marketing_send_per_customer": gxe.ExpectColumnValuesToBeUnique(
            column="customer_id", row_condition=Column("is_marketing") == True,  # noqa: E712
            description="at most one marketing message per customer per day",
        ),
    }
    if not marketing_known:
        del checks["one_marketing_send_per_customer"]
    return make_suite(name, checks, warnings)


def control_share_suite(warnings: Iterable[str] = (), min_candidates: int = 0):
    return make_suite(
        "campaigns.control_share",
        {
            "control_share_near_setting": gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="allowed_deviation", column_B="deviation", or_equal=True,
                row_condition=Column("candidates") >= min_candidates,
                description=f"control share near the catalog's setting (campaigns with {min_candidates}+ "
                "candidates)",
            )
        },
        warnings,
    )


def export_cells_suite(warnings: Iterable[str] = ()):
    return make_suite(
        "campaigns.export_cells",
        {
            "no_formula_in_checked_cells": gxe.ExpectColumnValuesToBeInSet(
                column="formula_cells", value_set=[0], row_condition=Column("free_text") == False,  # noqa: E712
                description="no phone, e-mail, campaign or coupon cell of the day's send lists starts like a "
                "spreadsheet formula (= + - @ ...)",
            ),
            "no_formula_in_names": gxe.ExpectColumnValuesToBeInSet(
                column="formula_cells", value_set=[0], row_condition=Column("free_text") == True,  # noqa: E712
                description="no customer name starts like a spreadsheet formula (those that do are written "
                "with a leading ')",
            ),
        },
        warnings,
    )


def sends_frame(rows: pd.DataFrame, reachability: pd.DataFrame | None, service_codes: Iterable[str]) -> pd.DataFrame:
    """``rows`` (customer_id, campaign_code, channel) with dbt's verdict for the row's customer, channel and kind of
    message (:data:`REACHABILITY_COLUMNS`), looked up, never computed: ``opted_out``, ``consented`` (consent and a
    usable contact) and ``is_marketing`` (not a service message; a campaign the catalog does not name as service
    is judged as marketing, the stricter verdict). A row without a verdict (no row for it, or ``reachability``
    None: the model is missing) counts as not consented."""
    service = set(service_codes)
    frame = rows[["customer_id", "campaign_code", "channel"]].assign(
        is_service=lambda f: f["campaign_code"].isin(service)
    )
    verdicts = pd.DataFrame(columns=list(REACHABILITY_COLUMNS)) if reachability is None else reachability
    verdicts = verdicts[list(REACHABILITY_COLUMNS)].astype({"is_service": bool})
    frame = frame.merge(verdicts, on=["customer_id", "channel", "is_service"], how="left", validate="many_to_one")

    def flag(column: str) -> pd.Series:
        return frame[column].astype("boolean").fillna(False).astype(bool)

    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "campaign_code": frame["campaign_code"],
            "channel": frame["channel"],
            "opted_out": flag("is_opted_out"),
            "consented": flag("is_contactable"),
            "is_marketing": ~frame["is_service"],
        }
    )


def control_share_frame(decisions: pd.DataFrame, target_shares: Mapping[str, float], config: Mapping[str, Any]):
    """One row per campaign with a known target share: candidates (send + control), controls, the
    observed share, its deviation from the target and the deviation allowed."""
    eligible = decisions[decisions["outcome"].isin(["send", "control"])]
    rows = []
    for code, group in eligible.groupby("campaign_code", sort=True):
        if code not in target_shares or target_shares[code] is None or pd.isna(target_shares[code]):
            continue
        target = float(target_shares[code])
        n = len(group)
        controls = int((group["outcome"] == "control").sum())
        share = controls / n
        stderr = math.sqrt(target * (1 - target) / n)
        rows.append(
            {
                "campaign_code": code,
                "candidates": n,
                "controls": controls,
                "control_share": share,
                "target_share": target,
                "deviation": abs(share - target),
                "allowed_deviation": max(
                    float(config["control_share_tolerance"]), float(config["control_share_z"]) * stderr
                ),
            }
        )
    columns = ["campaign_code", "candidates", "controls", "control_share", "target_share", "deviation",
               "allowed_deviation"]
    return pd.DataFrame(rows, columns=columns)


def batches(
    day: str,
    decisions: pd.DataFrame | None,
    reachability: pd.DataFrame | None,
    catalog: pd.DataFrame | None,
    ledger: pd.DataFrame | None,
    config: Mapping[str, Any],
    warnings: Iterable[str] = (),
    export_cells: pd.DataFrame | None = None,
) -> list[Batch | Skip]:
    """Batches for day ``day``.

    ``decisions``: the decisions of the day (``None``: mart missing). ``reachability``: dbt's verdicts
    (:data:`REACHABILITY_COLUMNS`) of the day for the customers of the sends and the ledger (``None``: the
    model is missing, every send fails ``consented_for_channel``). ``catalog``: ``campaign_code``, ``control_share``
    (target, may be missing) and ``is_service`` (``None``: catalog missing). ``ledger``: ``ops.sends``
    rows of the day (``None`` or empty: not exported yet). ``export_cells``: per send-list column
    (``column_name``, ``cells``, ``formula_cells``, ``free_text``) of the day (``None``: the decisions or the
    exportable rows model are not built).
    """
    warnings = list(warnings)
    out: list[Batch | Skip] = []
    service_codes: list[str] = []
    service_unknown = catalog is None or "is_service" not in catalog.columns
    if not service_unknown:
        service_codes = catalog.loc[catalog["is_service"].astype("boolean").fillna(False).astype(bool),
                                    "campaign_code"].tolist()
    if decisions is None:
        out.append(Skip("campaigns.decisions", DECISIONS, f"table {DECISIONS} does not exist yet"))
        out.append(Skip("campaigns.sends", DECISIONS, f"table {DECISIONS} does not exist yet"))
        out.append(Skip("campaigns.control_share", DECISIONS, f"table {DECISIONS} does not exist yet"))
    else:
        where = f"{DECISIONS} where decision_date = {day}"
        out.append(Batch(decisions_suite(warnings), where, decisions, ["customer_id", "campaign_code"]))
        sends = sends_frame(decisions[decisions["outcome"] == "send"], reachability, service_codes)
        batch = Batch(
            sends_suite(warnings=warnings, marketing_known=not service_unknown),
            f"{where} and outcome = 'send'",
            sends,
            ["customer_id", "campaign_code", "channel"],
        )
        if service_unknown:
            batch.skipped_checks["one_marketing_send_per_customer"] = (
                "the campaign catalog (is_service) is missing: service messages cannot be told apart"
            )
        out.append(batch)
        if catalog is None or "control_share" not in catalog.columns:
            out.append(Skip("campaigns.control_share", "seeds.campaign_catalog",
                            "no control share setting in the campaign catalog"))
        else:
            targets = dict(zip(catalog["campaign_code"], catalog["control_share"], strict=True))
            shares = control_share_frame(decisions, targets, config)
            out.append(Batch(control_share_suite(warnings, int(config["control_share_min_candidates"])),
                             f"{where}, per campaign", shares, ["campaign_code", "control_share", "target_share"]))
    if ledger is not None and "outcome" in ledger.columns:
        ledger = ledger[ledger["outcome"] == "send"]
    if ledger is None or ledger.empty:
        out.append(Skip("campaigns.ledger", LEDGER, f"no {LEDGER} rows for {day} (not exported yet)"))
    else:
        batch = Batch(sends_suite("campaigns.ledger", warnings, not service_unknown), f"{LEDGER} of {day}",
                      sends_frame(ledger, reachability, service_codes), ["customer_id", "campaign_code", "channel"])
        if service_unknown:
            batch.skipped_checks["one_marketing_send_per_customer"] = "the campaign catalog is missing"
        out.append(batch)
    if export_cells is None:
        out.append(Skip("campaigns.export_cells", DECISIONS,
                        "the day's decisions or the exportable rows (intermediate.int_campaign_exportable_rows) "
                        "are missing"))
    else:
        out.append(Batch(export_cells_suite(warnings), f"send lists of {day}, per column", export_cells,
                         ["column_name", "cells"]))
    return out


# ------------------------------------------------------------------------------------------- reading

# the channel rule's verdicts as dbt computed them (int_campaign_customer_channels_checked: opted out,
# contactable per customer, channel and kind of message) for the customers a day's send checks look at
# ({wanted}: a query of their ids), not the whole customer file; nothing about consent is restated here
REACHABILITY_SQL = """
select customer_id, channel, is_service, is_opted_out, is_contactable
from {table}
where snapshot_date = $day
    and customer_id in ({wanted})
"""



def _exists(con, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, name]).fetchone()[0])


def export_cells_sql() -> str:
    """Per column of the day's send lists (the exportable rows dbt made): cells, cells a spreadsheet would run
    as a formula, and whether the column is free text from the customer file (names) rather than checked by
    fugou."""
    from fugou.export.cells import formula_prefix_sql
    from fugou.export.list_layout import CUSTOMER_TEXT_COLUMNS, SOURCE_COLUMNS
    from fugou.export.send_lists import EXPORTABLE

    counts = " union all ".join(
        f"select '{c}' as column_name, count({c}) as cells, "
        f"count(*) filter (where {formula_prefix_sql(c)}) as formula_cells, "
        f"{str(c in CUSTOMER_TEXT_COLUMNS).lower()} as free_text "
        "from sends" for c in SOURCE_COLUMNS)
    return f"""
with sends as (
    select {", ".join(f"cast({c} as varchar) as {c}" for c in SOURCE_COLUMNS)}
    from {EXPORTABLE}
    where decision_date = $day and outcome = 'send'
)
{counts}
order by column_name
"""


def read(con, day: str) -> tuple[pd.DataFrame | None, ...]:
    """What the suites check on ``day``: (decisions, reachability, catalog, ledger, export_cells); ``None`` for a
    table that does not exist yet. Reachability without its model stays ``None``: every send then counts as
    unreachable (the checks fail, never pass blind). The export cells are counted in the warehouse: no name,
    phone or e-mail is handed to Great Expectations."""
    from fugou.export.send_lists import EXPORTABLE

    decisions = catalog = ledger = reachability = export_cells = None
    if _exists(con, DECISIONS):
        decisions = con.execute(
            f"select * from {DECISIONS} where decision_date = ? order by customer_id, campaign_code, channel", [day]
        ).df()
    if _exists(con, "seeds.campaign_catalog"):
        present = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'seeds' "
            "and table_name = 'campaign_catalog'").fetchall()}
        cols = present & {"campaign_code", "control_share", "is_service"}
        catalog = con.execute(f"select {', '.join(sorted(cols))} from seeds.campaign_catalog").df()
    if _exists(con, LEDGER):
        ledger = con.execute(
            f"select customer_id, campaign_code, channel, outcome from {LEDGER} where send_date = ?", [day]
        ).df()
    wanted = []  # whose verdicts the checks need: the day's senders and the day's ledger
    if decisions is not None:
        wanted.append(f"select customer_id from {DECISIONS} where decision_date = $day and outcome = 'send'")
    if ledger is not None:
        wanted.append(f"select customer_id from {LEDGER} where send_date = $day")
    if _exists(con, REACHABILITY):
        reachability = con.execute(REACHABILITY_SQL.format(
            table=REACHABILITY,
            wanted=" union ".join(wanted) or "select cast(null as varchar) as customer_id where false",
        ), {"day": day}).df()
    if decisions is not None and _exists(con, EXPORTABLE):
        export_cells = con.execute(export_cells_sql(), {"day": day}).df()
    return decisions, reachability, catalog, ledger, export_cells
