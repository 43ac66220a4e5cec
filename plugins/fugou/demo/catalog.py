"""Reference data of the demo shop (a Taobao women's-apparel shop): what it sells, where its buyers
live, what they are called, when the platform promotions are, and how busy each hour is.

Pure data plus a few helpers that turn weights into cumulative tables; the generator itself
(:mod:`fugou.demo`) reads only these names. Everything here is fixed (independent of the seed).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

# --- the calendar --------------------------------------------------------------------------------

#: The shop's anniversary (店庆), month-day: the shop opened on this day; every year it is a spike day
#: opening the anniversary week (matches ``dbt_project/seeds/promotion_calendar.csv``: Apr 18-24).
SHOP_ANNIVERSARY = "04-18"

#: Platform and shop promotion days (month, day) → name. 618 runs June 1-18 with its peak on the 18th.
PROMOTION_DAYS: dict[tuple[int, int], str] = {
    (6, 18): "618",
    (11, 11): "double11",
    (12, 12): "double12",
}

#: Multiplier of the new-customer rate on special days (1.0 elsewhere).
SPIKE_FACTORS = {
    "618_run_up": 1.5,  # June 1-17
    "618": 6.0,  # June 18
    "double11_first_wave": 2.5,  # Nov 1, the first payment window of 双11 pre-sales
    "double11_wait": 0.8,  # Nov 2-10: buyers wait for the big day
    "double11": 12.0,  # Nov 11
    "double12_run_up": 1.5,  # Dec 10-11
    "double12": 4.0,  # Dec 12
    "anniversary": 3.0,  # the anniversary itself
    "anniversary_week": 1.3,  # the six days after it
    "juhuasuan": 1.6,  # 聚划算 days: Mar 21-23 (欢聚日) and Sep 6-9 (99划算节)
}

#: Repeat orders whose natural date falls shortly before a promotion are pulled onto it:
#: name → (days before it that are pulled, probability of being pulled).
PROMOTION_PULL = {
    "618": (17, 0.30),  # June 1-17 → June 18
    "double11": (21, 0.45),  # Oct 21 - Nov 10 → Nov 11
    "double12": (8, 0.25),  # Dec 4-11 → Dec 12
    "anniversary": (7, 0.20),
}

#: Price factor on promotion days (list price × factor, rounded to whole yuan).
PROMOTION_PRICE = {"618": 0.85, "double11": 0.80, "double12": 0.88, "anniversary": 0.90}

#: Spring Festival (春节) days: logistics stop, orders drop (to 50% the 10 days before,
#: 25% the week of the festival, 60% the week after). Years not listed get no dip.
SPRING_FESTIVAL = {
    2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05",
    2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22",
    2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06",
    2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03", 2031: "2031-01-23",
    2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19", 2035: "2035-02-08",
}

#: Day-of-week factor, Monday first (Sunday evenings are busiest).
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 0.97, 0.95, 1.08)


def promotion_of(day: dt.date) -> str | None:
    """The promotion held on ``day`` (``618``, ``double11``, ``double12``, ``anniversary``) or None."""
    if (day.month, day.day) in PROMOTION_DAYS:
        return PROMOTION_DAYS[(day.month, day.day)]
    if day.strftime("%m-%d") == SHOP_ANNIVERSARY:
        return "anniversary"
    return None


def anniversary_on(year: int) -> dt.date:
    month, day = (int(part) for part in SHOP_ANNIVERSARY.split("-"))
    return dt.date(year, month, day)


def spike_factor(day: dt.date) -> float:
    """How many times the usual number of new customers buy on ``day``."""
    md = (day.month, day.day)
    if md == (6, 18):
        return SPIKE_FACTORS["618"]
    if day.month == 6 and day.day < 18:
        return SPIKE_FACTORS["618_run_up"]
    if md == (11, 11):
        return SPIKE_FACTORS["double11"]
    if md == (11, 1):
        return SPIKE_FACTORS["double11_first_wave"]
    if day.month == 11 and 1 < day.day < 11:
        return SPIKE_FACTORS["double11_wait"]
    if md == (12, 12):
        return SPIKE_FACTORS["double12"]
    if md in ((12, 10), (12, 11)):
        return SPIKE_FACTORS["double12_run_up"]
    anniversary = anniversary_on(day.year)
    if day == anniversary:
        return SPIKE_FACTORS["anniversary"]
    if 0 < (day - anniversary).days <= 6:
        return SPIKE_FACTORS["anniversary_week"]
    if (day.month == 3 and 21 <= day.day <= 23) or (day.month == 9 and 6 <= day.day <= 9):
        return SPIKE_FACTORS["juhuasuan"]
    return 1.0


def spring_festival_factor(day: dt.date) -> float:
    """Orders dip around the Spring Festival (couriers stop)."""
    for year in (day.year, day.year + 1):
        festival = SPRING_FESTIVAL.get(year)
        if festival is None:
            continue
        offset = (day - dt.date.fromisoformat(festival)).days
        if -10 <= offset < 0:
            return 0.5
        if 0 <= offset < 7:
            return 0.25
        if 7 <= offset < 13:
            return 0.6
    return 1.0


def season_factor(day: dt.date) -> float:
    """Apparel sells more in autumn/winter (heavier, pricier items): peak mid-November, low mid-May."""
    return 1.0 + 0.3 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 320) / 365.25)


def pull_target(day: dt.date) -> tuple[dt.date, float] | None:
    """The promotion day a repeat order naturally due on ``day`` may be pulled onto, and how likely."""
    candidates = [
        ("618", dt.date(day.year, 6, 18)),
        ("double11", dt.date(day.year, 11, 11)),
        ("double12", dt.date(day.year, 12, 12)),
        ("anniversary", anniversary_on(day.year)),
    ]
    for name, target in candidates:
        window, probability = PROMOTION_PULL[name]
        if 0 < (target - day).days <= window:
            return target, probability
    return None


# --- what the shop sells -------------------------------------------------------------------------

#: category, SKU code prefix, season of the product, popularity, list prices (yuan) of its SKUs.
CATALOG: tuple[tuple[str, str, str, float, tuple[int, ...]], ...] = (
    ("羽绒服", "YRF", "winter", 1.0, (399, 499, 599, 699, 899)),
    ("棉服", "MF", "winter", 0.8, (229, 269, 329)),
    ("围巾", "WJ", "winter", 0.5, (59, 89, 129)),
    ("毛衣", "MY", "autumn", 1.0, (129, 159, 199, 239)),
    ("卫衣", "WY", "autumn", 0.9, (99, 129, 159)),
    ("风衣", "FY", "spring", 0.7, (259, 329, 429)),
    ("衬衫", "CS", "spring", 0.9, (89, 119, 149)),
    ("T恤", "TX", "summer", 1.3, (39, 59, 79, 99)),
    ("连衣裙", "LYQ", "summer", 1.2, (139, 179, 229, 289)),
    ("短裤", "DK", "summer", 0.7, (49, 69, 89)),
    ("防晒衣", "FSY", "summer", 0.5, (79, 119)),
    ("牛仔裤", "NZK", "all", 1.0, (119, 149, 189)),
    ("休闲裤", "XXK", "all", 0.7, (89, 129)),
    ("袜子", "WZ", "all", 0.4, (19, 29, 39)),
)

#: For each month, how strongly products of each season sell (buyers buy slightly ahead of the season).
MONTH_SEASON_WEIGHTS: dict[int, dict[str, float]] = {
    1: {"winter": 5, "spring": 1, "summer": 0.2, "autumn": 0.5, "all": 2},
    2: {"winter": 3, "spring": 3, "summer": 0.3, "autumn": 0.3, "all": 2},
    3: {"winter": 0.8, "spring": 5, "summer": 1, "autumn": 0.5, "all": 2},
    4: {"winter": 0.3, "spring": 5, "summer": 2, "autumn": 0.5, "all": 2},
    5: {"winter": 0.2, "spring": 3, "summer": 4, "autumn": 0.5, "all": 2},
    6: {"winter": 0.2, "spring": 0.8, "summer": 6, "autumn": 0.5, "all": 2},
    7: {"winter": 0.3, "spring": 0.5, "summer": 6, "autumn": 0.5, "all": 2},
    8: {"winter": 0.3, "spring": 0.5, "summer": 4, "autumn": 2, "all": 2},
    9: {"winter": 0.8, "spring": 0.5, "summer": 1.5, "autumn": 5, "all": 2},
    10: {"winter": 2.5, "spring": 0.5, "summer": 0.5, "autumn": 5, "all": 2},
    11: {"winter": 5, "spring": 0.3, "summer": 0.2, "autumn": 3, "all": 2},
    12: {"winter": 6, "spring": 0.5, "summer": 0.2, "autumn": 1, "all": 2},
}


#: the shop's cost per piece as a share of the list price, by category (the products file's unit_cost):
#: basics and accessories earn less per piece than outerwear and dresses
COST_SHARE: dict[str, float] = {
    "羽绒服": 0.45, "棉服": 0.5, "围巾": 0.35, "毛衣": 0.4, "卫衣": 0.5, "风衣": 0.42, "衬衫": 0.55,
    "T恤": 0.7, "连衣裙": 0.38, "短裤": 0.65, "防晒衣": 0.5, "牛仔裤": 0.6, "休闲裤": 0.55, "袜子": 0.75,
}
#: the style words of a category's SKUs, in SKU order (the products file's names: 轻薄款羽绒服 ...)
STYLES: tuple[str, ...] = ("经典款", "轻薄款", "修身款", "宽松款", "加厚款")


#: the first month of each product season (an all-season item's newest style comes two months before the end)
SEASON_FIRST_MONTH = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}


def launch_dates(first_day: dt.date, last_day: dt.date) -> dict[str, dt.date]:
    """Each SKU's launch (上架) day. A category's styles came a season apart before the window; its newest
    style is launched on the first day of the month before its season's last start in the window (an
    all-season item's two months before the window's last month), and sells from then on: 上新 has a new
    item to name at the season change."""
    launches = {}
    for sku, category, season, _, _ in sku_rows():
        index = int(sku[-2:]) - 1
        count = sum(1 for row in sku_rows() if row[1] == category)
        if index == count - 1 and count > 1:
            if season in SEASON_FIRST_MONTH:
                month = SEASON_FIRST_MONTH[season]
                year = last_day.year if (last_day.month, last_day.day) >= (month, 1) else last_day.year - 1
                launch = (dt.date(year, month, 1) - dt.timedelta(days=1)).replace(day=1)
            else:
                launch = (last_day.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
            launches[sku] = max(launch, first_day)
        else:
            launches[sku] = first_day - dt.timedelta(days=30 + 91 * (count - 2 - index))
    return launches


def product_rows(first_day: dt.date, last_day: dt.date) -> list[tuple[str, str, str, str, dt.date, float]]:
    """The products file: (sku, name, category, season, launch date, unit cost) of every SKU."""
    launches = launch_dates(first_day, last_day)
    return [(sku, f"{STYLES[(int(sku[-2:]) - 1) % len(STYLES)]}{category}", category, season, launches[sku],
             round(price * COST_SHARE[category], 2))
            for sku, category, season, price, _ in sku_rows()]


def sku_rows() -> list[tuple[str, str, str, int, float]]:
    """Every SKU: (sku, category, season, list price, popularity share within its category)."""
    rows = []
    for category, code, season, popularity, prices in CATALOG:
        for i, price in enumerate(prices, start=1):
            rows.append((f"{code}{i:02d}", category, season, price, popularity / len(prices)))
    return rows


def sku_month_table(first_day: dt.date, last_day: dt.date) -> list[tuple[int, float, str, str, str, int]]:
    """Per month of the window (key year * 12 + month - 1), the SKUs on sale that month (launched by its first
    day),
    with the lower edge of their share of [0, 1): (month key, cdf_lo, sku, category, season, list price)."""
    launches = launch_dates(first_day, last_day)
    table = []
    year, month = first_day.year, first_day.month
    while (year, month) <= (last_day.year, last_day.month):
        weights = MONTH_SEASON_WEIGHTS[month]
        weighted = [(row, row[4] * weights[row[2]]) for row in sku_rows()
                    if launches[row[0]] <= dt.date(year, month, 1)]
        total = sum(w for _, w in weighted)
        cumulative = 0.0
        for (sku, category, season, price, _), weight in weighted:
            table.append((year * 12 + month - 1, cumulative / total, sku, category, season, price))
            cumulative += weight
        year, month = year + month // 12, month % 12 + 1
    return table


#: Shop coupons on ordinary orders: code, value (yuan), minimum spend. Promotion days have their own.
SHOP_COUPONS = (("DP-5", 5, 49), ("DP-10", 10, 99), ("MJ-20", 20, 199))
PROMOTION_COUPONS = {
    "618": ("618-30", 30, 299),
    "double11": ("1111-50", 50, 399),
    "double12": ("1212-30", 30, 299),
    "anniversary": ("DQ-20", 20, 199),
}

# --- who buys ------------------------------------------------------------------------------------

#: Provinces weighted roughly like Taobao apparel buyers (coastal and populous first).
PROVINCES: tuple[tuple[str, float], ...] = (
    ("广东", 14), ("浙江", 10), ("江苏", 9), ("山东", 6), ("上海", 6), ("北京", 5), ("福建", 5),
    ("四川", 5), ("河南", 5), ("湖北", 4), ("湖南", 4), ("安徽", 3.5), ("河北", 3.5), ("辽宁", 2.5),
    ("陕西", 2.5), ("重庆", 2.5), ("广西", 2.5), ("江西", 2.5), ("云南", 2), ("天津", 1.5),
    ("山西", 1.5), ("黑龙江", 1.5), ("贵州", 1.5), ("吉林", 1), ("内蒙古", 1), ("甘肃", 0.8),
    ("海南", 0.8), ("新疆", 0.5), ("宁夏", 0.3), ("青海", 0.2), ("西藏", 0.1),
)

#: Common surnames with their rough frequency (%).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.8), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.2),
    ("赵", 2.0), ("吴", 1.8), ("周", 1.7), ("徐", 1.3), ("孙", 1.2), ("马", 1.1), ("朱", 1.0),
    ("胡", 0.95), ("郭", 0.9), ("何", 0.8), ("林", 0.8), ("高", 0.8), ("罗", 0.8), ("郑", 0.7),
    ("梁", 0.7), ("谢", 0.6), ("宋", 0.5), ("唐", 0.5), ("许", 0.5), ("韩", 0.45), ("冯", 0.45),
    ("邓", 0.45), ("曹", 0.4), ("彭", 0.4), ("曾", 0.4), ("肖", 0.35), ("田", 0.35), ("董", 0.35),
    ("袁", 0.3), ("潘", 0.3), ("蒋", 0.3), ("蔡", 0.3), ("余", 0.3), ("杜", 0.3), ("叶", 0.3),
    ("程", 0.3), ("苏", 0.3), ("魏", 0.3), ("吕", 0.3), ("丁", 0.3), ("任", 0.3), ("沈", 0.3),
    ("姚", 0.3),
)
GIVEN_CHARS_F = tuple("芳娜敏静丽艳婷雪琳晶颖慧倩洁玲霞燕萍红梅欣怡佳雨涵琪悦思诗瑶梦菲璐妍嘉可馨彤晓月")
GIVEN_CHARS_M = tuple("伟强磊军洋勇杰涛超明刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林博文阳昊然轩睿晨泽毅")

#: Mobile number prefixes (China Mobile / Unicom / Telecom).
PHONE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182",
    "183", "184", "185", "186", "187", "188", "189", "198", "199",
)
EMAIL_DOMAINS = ("163.com", "126.com", "sina.com", "foxmail.com", "139.com", "outlook.com")
EMAIL_NAMES = ("xiao", "lucky", "sunny", "amy", "momo", "coco", "lily", "yoyo", "tina", "jack", "leo")

#: Taobao buyer credit (买家信用), coarse tiers by credit points, lowest first:
#: 心 (4-250 points), 黄钻 (251-10,000), 皇冠 (10,001-500,000), 金冠 (500,001+); empty = fewer than
#: 4 points (a brand-new account shows no badge). 黄钻 and above count as high credit.
CREDIT_LEVELS = ("心", "黄钻", "皇冠", "金冠")
CREDIT_WEIGHTS = {
    "one_time": (("", 3), ("心", 32), ("黄钻", 46), ("皇冠", 17), ("金冠", 2)),
    "repeat": (("", 2), ("心", 26), ("黄钻", 48), ("皇冠", 21), ("金冠", 3)),
    "fan": (("", 1), ("心", 12), ("黄钻", 47), ("皇冠", 34), ("金冠", 6)),
}

#: Share of orders by hour of the day (shop local time); promotion days open with a midnight rush.
HOUR_WEIGHTS = (2.5, 1.2, 0.6, 0.3, 0.2, 0.3, 0.8, 2.0, 3.5, 4.8, 6.0, 5.8,
                5.2, 5.5, 5.8, 5.8, 5.5, 5.0, 4.8, 5.5, 7.0, 8.5, 8.0, 5.5)
PROMOTION_HOUR_WEIGHTS = (22.0, 6.0) + HOUR_WEIGHTS[2:]


def cumulative(weights: Sequence[float]) -> list[float]:
    """Upper edges (exclusive) of each weight's share of [0, 1); the last is exactly 1."""
    total = float(sum(weights))
    edges, running = [], 0.0
    for weight in weights:
        running += weight
        edges.append(running / total)
    edges[-1] = 1.0
    return edges
