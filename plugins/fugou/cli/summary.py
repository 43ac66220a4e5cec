"""The readable summary of a processed day: what was loaded, what goes out tomorrow (sends and control group
apart, per campaign), the predicted value (the fit in use, or why there is none), how far the evaluation has
come, and where every output is.

:func:`day_overview` gathers it (read-only, from the warehouse's ledger and marts; nothing is decided here)
and :func:`print_overview` prints it with ``rich`` (plain text when the output is not a terminal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb

from fugou.cli.status import landing_problems, print_landing_problems
from fugou.settings import Paths, paths


@dataclass
class CampaignLine:
    """One campaign and channel of the day: customers sent to and held out as control."""

    campaign_code: str
    campaign_name_zh: str
    channel: str
    sends: int
    control: int


@dataclass
class DayOverview:
    """What :func:`print_overview` shows."""

    day: str
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    customers: int | None = None
    campaigns: list[CampaignLine] = field(default_factory=list)
    # evaluation window (days) -> campaigns with at least one final row (the window has ended)
    final_campaigns: dict[int, int] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    # (path, problem, what to do) of what in landing/ the last load did not take
    landing_problems: list[tuple[str, str, str]] = field(default_factory=list)
    # predicted value: one line (the fit in use and the day's scores, or why there are none)
    value: str | None = None
    note: str | None = None

    @property
    def sends(self) -> int:
        return sum(c.sends for c in self.campaigns)

    @property
    def control(self) -> int:
        return sum(c.control for c in self.campaigns)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, table]).fetchone()[0])


def output_paths(day: str, p: Paths) -> dict[str, Path]:
    """Where a day's outputs are (those that exist)."""
    candidates = {
        "report": p.reports / day / "index.html",
        "send lists": p.exports / day,
        "data quality": p.quality / "data_docs" / "index.html",
        "analytics database": p.analytics,
        "marts as Parquet": p.parquet,
    }
    return {name: path for name, path in candidates.items() if path.exists()}


def day_overview(day: str, p: Paths | None = None) -> DayOverview:
    """The overview of ``day`` (see module doc); a warehouse that cannot be read gives a note."""
    p = p or paths()
    overview = DayOverview(day=day, outputs=output_paths(day, p))
    try:
        con = duckdb.connect(str(p.warehouse), read_only=True)
    except duckdb.Error:
        overview.note = f"the warehouse {p.warehouse} is missing or busy"
        return overview
    try:
        overview.landing_problems = landing_problems(con)
        for entity, loaded, rejected in con.execute(
                "select entity, sum(rows_loaded), sum(rows_rejected) from ops.load_manifest where partition_date = ? "
                "group by entity order by entity", [day]).fetchall():
            overview.loaded[entity], overview.rejected[entity] = int(loaded), int(rejected)
        if _exists(con, "marts", "fct_customer_snapshot"):
            overview.customers = int(con.execute(
                "select count(*) from marts.fct_customer_snapshot where snapshot_date = ?", [day]).fetchone()[0])
        names = "seeds.campaign_catalog" if _exists(con, "seeds", "campaign_catalog") else None
        name_sql = (f"coalesce((select any_value(campaign_name_zh) from {names} c "
                    "where c.campaign_code = s.campaign_code), s.campaign_code)") if names else "s.campaign_code"
        for code, name, channel, sends, control in con.execute(f"""
                select s.campaign_code, {name_sql}, s.channel,
                       count(*) filter (where s.outcome = 'send'), count(*) filter (where s.outcome = 'control')
                from ops.sends s where s.send_date = ? group by all order by 1, 3""", [day]).fetchall():
            overview.campaigns.append(CampaignLine(code, name, channel, int(sends), int(control)))
        overview.value = _value_line(con, day)
        if _exists(con, "marts", "fct_campaign_evaluation"):
            for window, campaigns in con.execute(
                    "select window_days, count(distinct campaign_code) from marts.fct_campaign_evaluation "
                    "where status = 'final' group by 1 order by 1").fetchall():
                overview.final_campaigns[int(window)] = int(campaigns)
    finally:
        con.close()
    return overview


def _value_line(con: duckdb.DuckDBPyConnection, day: str) -> str | None:
    """The predicted value of ``day`` in one line, read from the value marts (none before they exist)."""
    if not _exists(con, "marts", "fct_customer_value_fits"):
        return None
    latest = con.execute("select fit_date, purchase_status, message from marts.fct_customer_value_fits "
                         "where fit_date <= ? order by fit_date desc limit 1", [day]).fetchone()
    if latest is None:
        return "not fitted yet"
    fit_date, status, message = latest
    scored = con.execute("select count(*), count(*) filter (where is_worth_waking), max(purchase_fit_date) "
                         "from marts.fct_customer_value where snapshot_date = ?", [day]).fetchone() \
        if _exists(con, "marts", "fct_customer_value") else (0, 0, None)
    customers, waking, in_use = scored
    if not customers:
        return f"none ({message or status})"
    text = f"{customers:,} customers scored with the fit of {in_use}; {waking:,} silent ones worth waking"
    if status != "converged":
        text += f" (the latest fit, {fit_date}, is not usable: {message or status})"
    return text


def print_overview(overview: DayOverview, file: IO[str] | None = None) -> None:
    """Print ``overview`` as a few tables (rich; plain when not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file, highlight=False, soft_wrap=True)
    delivery = dt.date.fromisoformat(overview.day) + dt.timedelta(days=1)
    console.print(f"[bold]fugou: day {overview.day}[/bold] (messages go out on the morning of {delivery})")
    if overview.note:
        console.print(f"  {overview.note}")
    print_landing_problems(overview.landing_problems, lambda line: console.print(line, markup=False))
    if overview.loaded:
        parts = [f"{entity} {rows:,}" + (f" ({overview.rejected[entity]:,} rejected)"
                                         if overview.rejected.get(entity) else "")
                 for entity, rows in overview.loaded.items()]
        console.print("  loaded: " + ", ".join(parts))
    if overview.customers is not None:
        console.print(f"  customers in the day's snapshot: {overview.customers:,}")
    console.print(f"  to send: [bold]{overview.sends:,}[/bold] messages; held out as control groups (not sent): "
                  f"{overview.control:,}")
    if overview.campaigns:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column, justify in (("campaign", "left"), ("", "left"), ("channel", "left"), ("sends", "right"),
                                ("control", "right")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for c in overview.campaigns:
            table.add_row(c.campaign_code, c.campaign_name_zh, c.channel, f"{c.sends:,}", f"{c.control:,}")
        console.print(table)
    if overview.value:
        console.print(f"  predicted value: {overview.value}")
    if overview.final_campaigns:
        windows = ", ".join(f"{n} campaign(s) with final {w}-day results"
                            for w, n in sorted(overview.final_campaigns.items()))
        console.print(f"  evaluation: {windows}")
    else:
        console.print("  evaluation: no final results yet (a campaign is judged 10 and 30 days after its sends: "
                      "backfill at least 33 days to see them)")
    if overview.outputs:
        console.print("[bold]outputs[/bold]")
        for name, path in overview.outputs.items():
            console.print(f"  {name + ':':20} {path}")
