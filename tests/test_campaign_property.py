"""Properties of 60 consecutive days of decisions and exports on a small generated shop.

Customer snapshots of the 60 days are range-built once (``fugou.transform.cli.build`` with ``snapshot_start_date``);
then, day by day in date order, the day-dependent models (staging views, campaign models) are run and the
day's lists exported - as the DAG does. To stay within a few minutes on a busy 2-core machine the daily
loop runs in one child process with dbt's programmatic runner and a parsed manifest (dbt once per day
without re-parsing; never in the pytest process: dbt-core#11980 keeps the DuckDB file open).

Checked: no opted-out or unconsented contact exported, at most one marketing message (send or control)
per customer per day, promotional SMS at least ``campaign_promo_sms_cap_days`` apart, cool-downs and
once-only gifts hold, the control share is close to the catalog's, and reruns are byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import random
import subprocess
import sys
from collections import defaultdict
from typing import Any

import pytest
import yaml
from dbt_helpers import build, make_warehouse, order, query
from send_list_helpers import send_list_rows

from fugou.dates import day_range
from fugou.settings import DBT_PROJECT_DIR

START, END = "2025-05-01", "2025-06-29"   # includes 618 (06-01..06-18) and the summer season start
N_CUSTOMERS = 160
VARS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
CATALOG = {r["campaign_code"]: r for r in csv.DictReader(
    (DBT_PROJECT_DIR / "seeds" / "campaign_catalog.csv").open(encoding="utf-8"))}

DRIVER = r'''
import hashlib, json, os, sys
from fugou.transform.cli import dbt_env
from fugou.settings import DBT_PROJECT_DIR, paths
p = paths(sys.argv[1]); days = json.loads(sys.argv[2]); reruns = json.loads(sys.argv[3])
os.environ.update(dbt_env(p)); os.chdir(DBT_PROJECT_DIR)
from dbt.cli.main import dbtRunner
from fugou.export import export_send_lists
parsed = dbtRunner().invoke(["parse", "--quiet"])
runner = dbtRunner(manifest=parsed.result)
SELECT = ["+fct_campaign_decisions", "+int_campaign_exportable_rows", "--exclude", "fct_customer_snapshot",
          "int_customer_days_classified", "int_customer_states_accumulated"]
def day_run(day):
    res = runner.invoke(["run", "--quiet", "--select", *SELECT, "--vars", json.dumps({"snapshot_date": day})])
    if not res.success:
        raise SystemExit(f"dbt run failed for {day}: {res.exception}")
    return export_send_lists(day, p)
def digest(day):
    folder = p.exports / day
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}
out = {"days": {}, "reruns": {}}
for day in days:
    out["days"][day] = {"status": day_run(day)["status"], "files": digest(day)}
for day in reruns:
    out["reruns"][day] = {"status": day_run(day)["status"], "files": digest(day)}
print("RESULT " + json.dumps(out))
'''


#: the items of the shop (sku, category, season): the campaigns that name an item pick among them
ITEMS = [(f"{code}{n}", category, season) for code, category, season in (
    ("DJ", "羽绒服", "winter"), ("MY", "毛衣", "autumn"), ("CS", "衬衫", "spring"), ("TX", "T恤", "summer"),
    ("LY", "连衣裙", "summer"), ("NZ", "牛仔裤", "all")) for n in range(1, 4)]


def order_lines(orders: list[dict[str, Any]], seed: int = 8) -> list[dict[str, Any]]:
    """One or two lines per order, from their own random stream (the orders stay as they were drawn)."""
    rng = random.Random(seed)
    lines = []
    for o in orders:
        for sku, category, season in rng.sample(ITEMS, rng.choice([1, 1, 2])):
            lines.append({"order_id": o["order_id"], "sku": sku, "category": category, "season": season,
                          "quantity": 1, "unit_price": o["amount"]})
    return lines


def generate_shop(seed: int = 7) -> tuple[list, list, list]:
    """Small demo-like shop: 160 customers with 1-7 orders since 2024-03, contacts, consent, opt-outs."""
    rng = random.Random(seed)
    first, last = dt.date(2024, 3, 1), dt.date.fromisoformat(END)
    orders, customers, opt_outs = [], [], []
    for i in range(N_CUSTOMERS):
        cid = f"c{i:04d}"
        day = first + dt.timedelta(days=rng.randrange((last - first).days))
        n_orders = min(7, 1 + int(rng.expovariate(0.8)))
        for k in range(n_orders):
            if day > last:
                break
            shipped = day + dt.timedelta(days=rng.choice([0, 1, 2]))
            delivered = shipped + dt.timedelta(days=rng.choice([1, 2, 3, 4]))
            amount = rng.choice([39, 89, 129, 199, 329, 599, 1299, 2999])
            orders.append(order(f"o{i:04d}-{k}", cid, day.isoformat(), amount, status="completed",
                                shipped_at=f"{shipped} 10:00:00", delivered_at=f"{delivered} 16:00:00"))
            day += dt.timedelta(days=rng.choice([5, 20, 40, 80, 120, 200]))
        birthday = dt.date(1970 + rng.randrange(35), 1, 1) + dt.timedelta(days=rng.randrange(365))
        customers.append({
            "customer_id": cid, "name": f"买家{i}",
            "phone": f"139{i:08d}" if rng.random() < 0.9 else None,
            "email": f"buyer{i}@example.com" if rng.random() < 0.4 else None,
            "birthday": birthday.isoformat(), "sms_opt_in": rng.random() < 0.85,
            "email_opt_in": rng.random() < 0.6, "is_fan_group": rng.random() < 0.08,
            "credit_level": rng.choice(["", "心", "黄钻", "皇冠", "金冠"]),
        })
        if rng.random() < 0.15:
            when = dt.date(2025, 4, 15) + dt.timedelta(days=rng.randrange(75))
            opt_outs.append({"customer_id": cid, "channel": rng.choice(["sms", "all", "email", "phone"]),
                             "opted_out_at": f"{when} 09:30:00"})
    return orders, customers, opt_outs


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> dict[str, Any]:
    orders, customers, opt_outs = generate_shop()
    home = make_warehouse(tmp_path_factory.mktemp("campaign_sim"), orders=orders, customers=customers,
                          opt_outs=opt_outs, items=order_lines(orders))
    build(home, END, ("+fct_customer_snapshot", "resource_type:seed"), start=START)
    days = day_range(START, END)
    reruns = [days[29], days[-1]]
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(home.home), json.dumps(days), json.dumps(reruns)],
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))[7:])
    return {
        "home": home, "days": days, "reruns": reruns, "result": result, "customers": customers,
        "opt_outs": opt_outs,
        "ledger": query(home, "select * from ops.sends order by send_date, customer_id, campaign_code"),
        "decisions": query(home, "select * from marts.fct_campaign_decisions"),
    }


def test_every_day_exported_in_order(simulated):
    assert list(simulated["result"]["days"]) == simulated["days"]
    assert all(d["status"] == "exported" for d in simulated["result"]["days"].values())
    decided = {r["decision_date"].isoformat() for r in simulated["decisions"]}
    assert decided <= set(simulated["days"]) and len(decided) >= 45  # a small shop has quiet days
    sends = [r for r in simulated["ledger"] if r["outcome"] == "send" and not r["is_service"]]
    assert len(sends) >= 60  # the shop is busy enough for the properties to mean something


def test_no_opted_out_or_unconsented_contact_exported(simulated):
    home, customers = simulated["home"], {c["customer_id"]: c for c in simulated["customers"]}
    out_by_contact: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    for o in simulated["opt_outs"]:
        c = customers[o["customer_id"]]
        for contact in (c["phone"], c["email"]):
            if contact:
                out_by_contact[contact].append((dt.date.fromisoformat(o["opted_out_at"][:10]), o["channel"]))
    consent = {}
    for c in customers.values():
        if c["phone"]:
            consent[c["phone"]] = c["sms_opt_in"]
        if c["email"]:
            consent[c["email"]] = c["email_opt_in"]
    checked = 0
    for day in simulated["days"]:
        for path in sorted((home.exports / day).glob("*__*.csv")):
            channel = path.stem.split("__")[1]
            for row in send_list_rows(path.read_bytes(), channel):
                contact = row["email"] if channel == "email" else row["phone"]
                assert consent[contact], (day, path.name, contact)
                for when, opted_channel in out_by_contact.get(contact, []):
                    assert not (when <= dt.date.fromisoformat(day) and opted_channel in (channel, "all")), \
                        (day, path.name, contact)
                checked += 1
    assert checked > 0


def test_at_most_one_marketing_message_per_customer_per_day(simulated):
    per_day = defaultdict(int)
    for r in simulated["ledger"]:
        if not r["is_service"]:
            per_day[(r["send_date"], r["customer_id"])] += 1
    assert per_day and max(per_day.values()) == 1


def test_caps_cool_downs_and_once_only_hold(simulated):
    promo: dict[str, list[dt.date]] = defaultdict(list)
    by_campaign: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for r in simulated["ledger"]:  # cool-downs and once-only count control draws too, caps only sends
        by_campaign[(r["customer_id"], r["campaign_code"])].append(r["send_date"])
        if r["outcome"] != "send":
            continue
        if r["channel"] == "sms" and r["is_promotional"] and not r["is_service"]:
            promo[r["customer_id"]].append(r["send_date"])
    cap = VARS["campaign_promo_sms_cap_days"]
    for dates in promo.values():
        assert all((b - a).days >= cap for a, b in zip(dates, dates[1:], strict=False))
    for (_, code), dates in by_campaign.items():
        if CATALOG[code]["once_per_customer"] == "true":
            assert len(dates) == 1
        cool = int(CATALOG[code]["cool_down_days"])
        assert all((b - a).days >= cool for a, b in zip(dates, dates[1:], strict=False))
    assert any(r["suppression_reason"] == "fatigue_cap" for r in simulated["decisions"])


def test_control_share_close_to_catalog(simulated):
    drawn = [r for r in simulated["decisions"] if r["outcome"] in ("send", "control") and not r["is_service"]]
    share = sum(r["outcome"] == "control" for r in drawn) / len(drawn)
    expected = sum(r["control_share"] for r in drawn) / len(drawn)
    assert len(drawn) >= 100
    assert abs(share - expected) <= 0.06, (share, expected, len(drawn))
    ledger_control = sum(r["outcome"] == "control" for r in simulated["ledger"])
    assert ledger_control == sum(r["outcome"] == "control" for r in drawn)


def test_reruns_are_byte_identical(simulated):
    for day in simulated["reruns"]:
        rerun = simulated["result"]["reruns"][day]
        assert rerun["status"] == "rewritten"
        assert rerun["files"] == simulated["result"]["days"][day]["files"]
    manifest = json.loads((simulated["home"].exports / simulated["reruns"][0] / "manifest.json").read_text())
    for entry in manifest["files"]:
        data = (simulated["home"].exports / simulated["reruns"][0] / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
