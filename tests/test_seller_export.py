"""A shop whose only data is its seller-center 订单报表, as downloaded (GBK, phones behind an Excel guard,
cut off at 00:30): imported, its last complete day runs through the real DAG and gives send lists with
the buyers' phones; the cut-off day is refused by the raw gate with what to run instead."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pytest
from test_import import TAOBAO_HEADER, taobao_line

from fugou.ingest.history import import_history
from fugou.orchestration.dag_runner import AirflowError, run_dag
from fugou.settings import Paths

pytestmark = pytest.mark.airflow

FIRST = dt.date(2024, 5, 1)
DAYS = 40  # 2024-05-01 .. 2024-06-09, 30 orders a day
LAST_COMPLETE = FIRST + dt.timedelta(days=DAYS - 1)
CUT_OFF = LAST_COMPLETE + dt.timedelta(days=1)  # downloaded at 00:30: one order of that day


def _export(folder: Path) -> tuple[Path, dict[str, str]]:
    rng = random.Random(5)
    lines, phones, n = [], {}, 0
    for d in range(DAYS):
        day = FIRST + dt.timedelta(days=d)
        for i in range(30):
            n += 1
            buyer = f"tb_buyer{rng.randrange(700)}"
            phones.setdefault(buyer, f"139{rng.randrange(10**8):08d}")
            paid = f"{day} {8 + i % 14:02d}:{i * 2 % 60:02d}:00"
            lines.append(taobao_line(f"88{n:08d}", buyer, f"买家{buyer[-3:]}", "浙江省 杭州市 西湖区 文三路",
                                     f"'{phones[buyer]}", paid, amount=f"{60 + i}.00"))
    lines.append(taobao_line("8899999999", "tb_buyer1", "买家1", "浙江省 杭州市", "'13900000001",
                             f"{CUT_OFF} 00:20:00"))
    path = folder / "ExportOrderList202406100030.csv"
    path.write_text(TAOBAO_HEADER + "\n" + "\n".join(lines) + "\n", encoding="gbk")
    return path, phones


def test_an_export_alone_gives_send_lists_and_its_cut_off_day_says_what_to_run(
        fugou_home: Paths, tmp_path: Path) -> None:
    export, phones = _export(tmp_path)
    result = import_history(export, p=fugou_home)
    assert (result["cut_off_day"], result["last_complete_day"]) == (CUT_OFF.isoformat(), LAST_COMPLETE.isoformat())
    assert result["customers"] == len(phones)

    run_dag(LAST_COMPLETE.isoformat(), fugou_home)
    sent: list[dict[str, str]] = []
    for file in sorted((fugou_home.exports / LAST_COMPLETE.isoformat()).glob("*.csv")):
        with file.open(encoding="utf-8-sig", newline="") as fh:
            sent += list(csv.DictReader(fh))
    phone_cells = [v for row in sent for k, v in row.items() if v and v.lstrip("'").isdigit() and len(v) >= 11]
    assert phone_cells, "the export gave no send list with a phone"
    # every phone is one of the buyers' own, without the export's Excel guard
    assert set(phone_cells) <= set(phones.values()) | {"13900000001"}

    with pytest.raises(AirflowError) as failure:
        run_dag(CUT_OFF.isoformat(), fugou_home)
    message = str(failure.value)
    assert "failed in task gate_raw" in message and "row_count_not_collapsing" in message
    assert f"downloaded before {CUT_OFF} had ended" in message
    assert f"`fugou run --date {LAST_COMPLETE}`" in message
