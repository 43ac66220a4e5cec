"""The day's send lists: ``exports/<D>/<campaign>__<channel>.csv`` + ``manifest.json``, and the sends ledger.

:func:`export_send_lists` writes the rows of the restricted dbt model ``intermediate.int_campaign_exportable_rows``
of day D (built by dbt for D just before): the ``send`` decisions of D that pass the channel rule (consent,
a usable contact, opt-outs: ``macros/channel_rules.sql``), each with the name and the channel's contact, and the
``control`` decisions without contacts. It decides and checks nothing itself (dbt is the only rule engine):
a ``send`` decision without an exportable row is only counted (``not_exportable``).
A list holds only what its channel needs (no customer_id, no segment, nothing about the control group), with
Chinese headers and the message already written (:mod:`fugou.export.list_layout`), plus a 客户运营平台 list of
买家会员名 per campaign when the customer file has them.

Every cell is quoted and spreadsheet-safe (:mod:`fugou.export.cells`: a name starting with ``=`` is written
``'=...``); phone numbers are digit strings (``macros/contacts.sql``: a number that is not usable never gets
here, its send is suppressed as ``invalid_contact_for_channel``). Rows are in dbt's ``list_position`` order,
amounts written with two decimals, UTF-8 with a byte order mark and ``\\n`` line ends, and the
manifest is written with sorted keys and no time stamp: identical decisions give byte-identical files.

The sends ledger ``ops.sends`` gets one row per exported send (outcome ``send``, ``export_file`` set) and
one per control-group member (outcome ``control``, ``export_file`` null): caps, cool-downs and once-only
gifts of later days count the ``send`` rows (what actually left); the evaluation reads both.

Rerun rule (a day whose lists already exist, from ``manifest.json`` or ledger rows of D):

- the new ledger rows are identical (same customers, campaigns, channels, outcomes, coupons): the files
  are rewritten byte-identically and the ledger rows replaced by the same rows (status ``rewritten``);
- they differ and ``force`` is false: nothing is touched, the exported list stays the record of what was
  sent, and the result says so (status ``kept``, with how many ledger rows would be added / removed);
- they differ and ``force`` is true: files and ledger rows of D are replaced (status ``replaced``).

Replacement is atomic: the files are written to a temporary folder beside ``exports/<D>`` and swapped in
inside the transaction that deletes and re-inserts D's ledger rows; any failure rolls the ledger back and
leaves the previous folder in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from fugou.dates import parse_day
from fugou.export.list_layout import SOURCE_COLUMNS, crowd_bytes, list_bytes, manifest_columns
from fugou.settings import DBT_PROJECT_DIR, Paths, paths
from fugou.warehouse import connect, transaction

log = logging.getLogger(__name__)

CATALOG_SEED = DBT_PROJECT_DIR / "seeds" / "campaign_catalog.csv"
MANIFEST = "manifest.json"

LEDGER_COLUMNS = ("send_date", "customer_id", "campaign_code", "channel", "outcome", "coupon_code",
                  "coupon_amount", "is_service", "is_promotional", "export_file", "catalog_version",
                  "exported_at")

EXPORTABLE = "intermediate.int_campaign_exportable_rows"

#: what a ledger row needs of an exportable row
_LEDGER_FIELDS = ("customer_id", "campaign_code", "channel", "outcome", "coupon_code", "coupon_amount", "is_service",
                  "is_promotional")

# the day's exportable rows, as dbt made them (send rows with contacts and texts, control rows without)
_PLAN_SQL = f"""
select {", ".join(dict.fromkeys((*_LEDGER_FIELDS, *SOURCE_COLUMNS, "list_position", "message_chars")))}
from {EXPORTABLE}
where decision_date = $day
order by campaign_code, channel, customer_id
"""

# send decisions of the day, to count those without an exportable row
_SENDS_SQL = """
select count(*) from marts.fct_campaign_decisions where decision_date = $day and outcome = 'send'
"""


class ExportError(RuntimeError):
    """The send lists of a day cannot be exported (e.g. dbt has not built that day)."""


@dataclass(frozen=True)
class _Row:
    customer_id: str
    campaign_code: str
    channel: str
    outcome: str
    coupon_code: str | None
    coupon_amount: Decimal | None
    is_service: bool
    is_promotional: bool
    values: dict[str, Any]  # the row as dbt made it, for the list's cells

    @property
    def file_name(self) -> str:
        return f"{self.campaign_code}__{self.channel}.csv"

    def ledger_key(self) -> tuple[str, ...]:
        return (self.customer_id, self.campaign_code, self.channel, self.outcome, self.coupon_code or "",
                _amount(self.coupon_amount))


def catalog_version(seed: Path = CATALOG_SEED) -> str:
    """sha256 of the campaign catalog seed: the version of the rules a list was made with."""
    return hashlib.sha256(seed.read_bytes()).hexdigest()


def _amount(value: Decimal | float | None) -> str:
    return "" if value is None else f"{Decimal(str(value)):.2f}"


def _fingerprint(keys: list[tuple[str, ...]]) -> str:
    text = "\n".join("|".join(k) for k in sorted(keys))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _view_sql(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    row = con.execute(
        "select sql from duckdb_views() where schema_name = ? and view_name = ?", [schema, name]
    ).fetchone()
    return row[0] if row else None


def _check_built_for(con: duckdb.DuckDBPyConnection, day: str) -> None:
    """The exportable rows (a view) and the contacts view it reads are compiled with dbt's snapshot_date, and
    the audience table it reads the opt-outs from is built for one day: all must be D's."""
    tables = {r[0] for r in con.execute(
        "select table_schema || '.' || table_name from information_schema.tables").fetchall()}
    if "marts.fct_campaign_decisions" not in tables:
        raise ExportError("marts.fct_campaign_decisions does not exist: run dbt build for the day first")
    for schema, view in (("intermediate", "int_campaign_exportable_rows"), ("staging", "stg_shop__customer_contacts")):
        sql = _view_sql(con, schema, view)
        if sql is None or f"'{day}'" not in sql:
            raise ExportError(
                f"{schema}.{view} was not built for {day} (dbt views are as of the last build's "
                f"snapshot_date): run dbt build for {day} before exporting its send lists"
            )
    other_day = con.execute(
        "select count(*) from intermediate.int_campaign_audience_prepared where snapshot_date <> $day", {"day": day}
    ).fetchone()[0] if "intermediate.int_campaign_audience_prepared" in tables else 1
    if other_day:
        raise ExportError(f"intermediate.int_campaign_audience_prepared is not built for {day}: run dbt build for "
                          f"{day} before exporting its send lists")
    built = con.execute(
        "select count(*) from marts.fct_customer_snapshot where snapshot_date = $day", {"day": day}
    ).fetchone()[0]
    any_customer = con.execute("select count(*) from marts.fct_customer_snapshot").fetchone()[0]
    if built == 0 and any_customer > 0:
        raise ExportError(f"no customer snapshot for {day}: run dbt build for {day} before exporting")


def _plan(con: duckdb.DuckDBPyConnection, day: str) -> list[_Row]:
    cursor = con.execute(_PLAN_SQL, {"day": day})
    names = [d[0] for d in cursor.description]
    rows = []
    for record in cursor.fetchall():
        values = dict(zip(names, record, strict=True))
        rows.append(_Row(*(values[f] for f in _LEDGER_FIELDS), values=values))
    return rows


def _existing(con: duckdb.DuckDBPyConnection, day: str, folder: Path) -> tuple[str | None, list[tuple]]:
    """(fingerprint of what was exported for the day, or None; its ledger keys)."""
    rows = con.execute(
        "select customer_id, campaign_code, channel, outcome, coalesce(coupon_code, ''), coupon_amount "
        "from ops.sends where send_date = $day", {"day": day}
    ).fetchall()
    keys = [(*r[:5], _amount(r[5])) for r in rows]
    manifest = folder / MANIFEST
    if manifest.exists():
        return json.loads(manifest.read_text(encoding="utf-8"))["decisions_fingerprint"], keys
    return (_fingerprint(keys) if keys else None), keys


def _insert_ledger(con: duckdb.DuckDBPyConnection, records: list[tuple]) -> None:
    """Bulk insert through an Arrow table (executemany is slow for large lists)."""
    import pyarrow as pa

    columns = list(zip(*records, strict=True))
    types = [pa.date32(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(), pa.decimal128(14, 2),
             pa.bool_(), pa.bool_(), pa.string(), pa.string(), pa.timestamp("us")]
    days = [dt.date.fromisoformat(v) for v in columns[0]]
    arrays = [pa.array(days, type=types[0])] + [
        pa.array(list(values), type=kind) for values, kind in zip(columns[1:], types[1:], strict=True)
    ]
    ledger_batch = pa.Table.from_arrays(arrays, names=list(LEDGER_COLUMNS))  # noqa: F841 (read by duckdb)
    con.register("ledger_batch", ledger_batch)
    try:
        con.execute(f"insert into ops.sends ({', '.join(LEDGER_COLUMNS)}) "
                    f"select {', '.join(LEDGER_COLUMNS)} from ledger_batch")
    finally:
        con.unregister("ledger_batch")


def _swap_in(tmp: Path, final: Path) -> None:
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.rename(final, old)
    try:
        os.rename(tmp, final)
    except BaseException:
        if old is not None:
            os.rename(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_send_lists(day: str, p: Paths | None = None, *, force: bool = False) -> dict[str, Any]:
    """Write the send lists and manifest of ``day`` and record them in ``ops.sends`` (see module doc).

    Returns ``{"day", "status" (exported | rewritten | kept | replaced), "export_dir", "files" {name: rows},
    "sends", "control", "not_exportable", "catalog_version", "decisions_fingerprint"}`` and, when kept,
    ``"would_add"`` / ``"would_remove"`` (ledger rows that differ).
    """
    day = parse_day(day).isoformat()
    p = p or paths()
    folder = p.exports / day
    version = catalog_version()
    con = connect(p.warehouse)
    try:
        _check_built_for(con, day)
        ledger_rows = _plan(con, day)
        send_decisions = con.execute(_SENDS_SQL, {"day": day}).fetchone()[0]
        new_keys = [r.ledger_key() for r in ledger_rows]
        fingerprint = _fingerprint(new_keys)
        previous, previous_keys = _existing(con, day, folder)
        result: dict[str, Any] = {
            "day": day,
            "export_dir": str(folder),
            "catalog_version": version,
            "decisions_fingerprint": fingerprint,
            "sends": sum(1 for r in ledger_rows if r.outcome == "send"),
            "control": sum(1 for r in ledger_rows if r.outcome == "control"),
            "not_exportable": send_decisions - sum(1 for r in ledger_rows if r.outcome == "send"),
        }
        if result["not_exportable"]:
            log.warning("%d send decision(s) of %s have no exportable row (%s): not exported", result["not_exportable"],
                        day, EXPORTABLE)
        if previous is None:
            status = "exported"
        elif previous == fingerprint:
            status = "rewritten"
        elif force:
            status = "replaced"
        else:
            new_set, old_set = set(new_keys), set(previous_keys)
            log.warning("send lists of %s were already exported and today's decisions differ: keeping the "
                        "exported lists (to replace them, rerun with --force-exports: "
                        "`fugou run --date %s --force-exports`, or `fugou backfill --start ... --end ... "
                        "--force-exports` for a range)", day, day)
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8")) \
                if (folder / MANIFEST).exists() else {"files": []}
            return {**result, "status": "kept",
                    "files": {f["file"]: f["rows"] for f in manifest["files"]},
                    "would_add": len(new_set - old_set), "would_remove": len(old_set - new_set)}

        by_file: dict[str, list[_Row]] = {}
        for row in ledger_rows:
            if row.outcome == "send":
                by_file.setdefault(row.file_name, []).append(row)

        p.exports.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{day}-{os.getpid()}-", dir=p.exports))
        try:
            files = []
            for name in sorted(by_file):
                rows = by_file[name]
                data = list_bytes(rows[0].channel, [r.values for r in rows])
                (tmp / name).write_bytes(data)
                parts = [r.values.get("sms_parts") or 0 for r in rows]
                files.append({"file": name, "campaign_code": rows[0].campaign_code, "channel": rows[0].channel,
                              "rows": len(rows), "sha256": hashlib.sha256(data).hexdigest(),
                              "longest_message_chars": max((r.values.get("message_chars") or 0) for r in rows),
                              **({"sms": sum(parts)} if rows[0].channel == "sms" else {})})
            for campaign in sorted({r.campaign_code for r in ledger_rows if r.outcome == "send"}):
                sent = [r.values for r in ledger_rows if r.outcome == "send" and r.campaign_code == campaign]
                data = crowd_bytes(sent)
                if data is not None:
                    name = f"{campaign}__crowd.txt"
                    (tmp / name).write_bytes(data)
                    files.append({"file": name, "campaign_code": campaign, "channel": "taobao_crowd",
                                  "rows": data.count(b"\n"), "sha256": hashlib.sha256(data).hexdigest()})
            manifest = {
                "snapshot_date": day,
                # the lists of day D go out the next morning; the campaigns' date rules are about that day
                "delivery_date": (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat(),
                "catalog_version": version,
                "decisions_fingerprint": fingerprint,
                "files": files,
                "sends": result["sends"],
                "control": result["control"],
                "columns": manifest_columns(),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
            exported_at = dt.datetime.now()
            records = [
                (day, r.customer_id, r.campaign_code, r.channel, r.outcome, r.coupon_code, r.coupon_amount,
                 r.is_service, r.is_promotional, f"{day}/{r.file_name}" if r.outcome == "send" else None,
                 version, exported_at)
                for r in ledger_rows
            ]
            with transaction(con):
                con.execute("delete from ops.sends where send_date = $day", {"day": day})
                if records:
                    _insert_ledger(con, records)
                _swap_in(tmp, folder)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        log.info("send lists of %s %s: %d sends in %d files, %d control", day, status, result["sends"],
                 len(files), result["control"])
        return {**result, "status": status, "files": {f["file"]: f["rows"] for f in files}}
    finally:
        con.close()
