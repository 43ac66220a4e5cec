"""``[shop] timezone``: which calendar day a run processes and when a day has ended follow the shop's
configured time zone (the DAG's schedule is checked in test_dag.py)."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from fugou.dates import processing_day
from fugou.orchestration import guard
from fugou.settings import Paths, shop_timezone

# 20:00 UTC on 2024-03-09: already 2024-03-10 in Shanghai (04:00), still 2024-03-09 in Berlin (21:00)
INSTANT = "2024-03-09T20:00:00+00:00"


def _zone(p: Paths, name: str) -> None:
    (p.home / "fugou.toml").write_text(f'[shop]\ntimezone = "{name}"\n')


def test_default_zone_is_shanghai(fugou_home: Paths) -> None:
    assert shop_timezone() == "Asia/Shanghai"
    assert processing_day(INSTANT) == "2024-03-10"


def test_configured_zone_decides_the_day(fugou_home: Paths) -> None:
    _zone(fugou_home, "Europe/Berlin")
    assert shop_timezone() == "Europe/Berlin"
    assert processing_day(INSTANT) == "2024-03-09"
    # an explicit zone wins over the configuration
    assert processing_day(INSTANT, "Asia/Shanghai") == "2024-03-10"


def test_unknown_zone_is_one_clear_error(fugou_home: Paths) -> None:
    _zone(fugou_home, "Mars/Olympus")
    with pytest.raises(ValueError, match=r"\[shop\] timezone = 'Mars/Olympus'.*IANA name"):
        shop_timezone()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_day_has_ended_in_the_shops_zone(fugou_home: Paths, zone: str) -> None:
    """UTC+14 and UTC-11 are a calendar day apart most of the time: 'today' is the shop's."""
    _zone(fugou_home, zone)
    today = pendulum.now(zone).date()
    assert guard.shop_today() == today
    guard.check_day_has_ended((today - dt.timedelta(days=1)).isoformat())
    with pytest.raises(guard.RunRefused, match=zone):
        guard.check_day_has_ended(today.isoformat())
