"""Column and value mappings: from a shop's file layout to the input contract (:mod:`fugou.contract`).

* **Taobao / Tmall 订单报表** (the seller centre's order report export, GBK CSV) is built in and
  recognised by its Chinese headers (订单编号 + 订单付款时间): see :data:`TAOBAO_ORDERS`. The same file
  also gives the buyers' contacts: :data:`TAOBAO_CUSTOMERS`, read alongside by
  :func:`fugou.ingest.history.import_history` (:data:`COMPANION_CUSTOMERS`).
* **Files already in the contract's column names** need no mapping.
* **Any other layout** is a named mapping in configuration (``config/fugou.toml`` or
  ``$FUGOU_HOME/fugou.toml``)::

      [mappings.my_erp]
      entity = "orders"
      [mappings.my_erp.columns]        # source header = contract column
      "单号" = "order_id"
      "客户" = "customer_id"
      "付款时间" = "paid_at"
      "金额" = "amount"
      [mappings.my_erp.transforms]     # optional: contract column = transform
      province = "first_token"          # first whitespace-separated token of the value
      phone = "excel_text"              # without a leading ' (Excel's keep-as-text guard)

  used as ``fugou import FILE --mapping my_erp``.

Values are cleaned on the way in: surrounding whitespace and tabs are cut and Excel-style wrappers
(``="123"``, common in Taobao exports) are removed; the ``excel_text`` transform also drops a leading
apostrophe (``'13812345678``: how the 订单报表 writes 联系手机). Status and channel values are translated by
:func:`status_code` and :func:`channel_code` (Chinese Taobao values, English codes and synonyms).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from fugou.contract import CHANNELS, STATUSES, entity
from fugou.settings import config

TRANSFORMS = {
    # contract column value from the mapped source value (SQL over the cleaned value ``v``)
    "first_token": "nullif(regexp_extract({v}, '^([^\\s\\x{{3000}}]+)', 1), '')",
    # without the leading apostrophe Excel uses to keep digits as text ('13812345678)
    "excel_text": "CASE WHEN starts_with({v}, '''') THEN nullif(trim(substr({v}, 2), ' \t'), '') ELSE {v} END",
}


@dataclass(frozen=True)
class Mapping:
    """How one source layout becomes one entity of the contract."""

    name: str
    entity: str
    columns: dict[str, str]  # source header -> contract column
    transforms: dict[str, str] = field(default_factory=dict)  # contract column -> TRANSFORMS key
    # contract column -> contract column it is a copy of (a source column that fills two contract columns)
    copies: dict[str, str] = field(default_factory=dict)
    detect_headers: tuple[str, ...] = ()  # all present in a header => this mapping applies

    def matches(self, headers: Iterable[str]) -> bool:
        present = {normalize_header(h) for h in headers}
        return bool(self.detect_headers) and all(h in present for h in self.detect_headers)


TAOBAO_ORDERS = Mapping(
    name="taobao_orders",
    entity="orders",
    columns={
        "订单编号": "order_id",
        "买家会员名": "customer_id",
        "买家实际支付金额": "amount",
        "订单状态": "status",
        "订单付款时间": "paid_at",
        "退款金额": "refund_amount",
        "发货时间": "shipped_at",
        "确认收货时间": "delivered_at",
        "收货地址": "province",
    },
    transforms={"province": "first_token"},
    detect_headers=("订单编号", "订单付款时间"),
)

# The buyers of the same 订单报表 as the customers entity, one row per order line (the history import
# keeps each buyer's latest paid order). Neither detected by headers nor selectable by name: a companion.
TAOBAO_CUSTOMERS = Mapping(
    name="taobao_customers",
    entity="customers",
    columns={
        "买家会员名": "customer_id",
        "收货人姓名": "name",
        "联系手机": "phone",
        "收货地址": "province",
    },
    transforms={"phone": "excel_text", "province": "first_token"},
    # the buyer's 买家会员名 is both the customer key and what 客户运营平台 targets
    copies={"platform_nick": "customer_id"},
)

BUILT_IN: dict[str, Mapping] = {TAOBAO_ORDERS.name: TAOBAO_ORDERS}

# orders mapping name -> the customers mapping the history import also reads from the same file
COMPANION_CUSTOMERS: dict[str, Mapping] = {TAOBAO_ORDERS.name: TAOBAO_CUSTOMERS}


def normalize_header(header: str) -> str:
    """A header as compared: without BOM, quotes, ``=`` wrappers and surrounding blanks."""
    return clean_value(header.replace("\ufeff", "")) or ""


def clean_value(value: str | None) -> str | None:
    """Python twin of :data:`CLEAN_SQL` (used for headers and small lookups)."""
    if value is None:
        return None
    v = value.strip(" \t\r\n")
    if v.startswith("="):
        v = v[1:].strip('"').strip(" \t")
    v = v.strip('"').strip(" \t")
    return v or None


# cleaned value of a varchar expression: blanks/tabs trimmed, ="..." unwrapped, '' -> NULL
CLEAN_SQL = (
    "nullif(trim(CASE WHEN starts_with(ltrim({x}, ' \t'), '=') "
    "THEN trim(ltrim(ltrim({x}, ' \t'), '='), '\" \t') ELSE {x} END, ' \t\r\n'), '')"
)


def mapping_by_name(name: str, home: Path | str | None = None) -> Mapping:
    """A built-in mapping or one from ``[mappings.<name>]`` of the configuration."""
    if name in BUILT_IN:
        return BUILT_IN[name]
    configured = config(home).get("mappings", {})
    if name not in configured:
        known = sorted({*BUILT_IN, *configured})
        raise ValueError(f"unknown mapping {name!r}: known mappings are {', '.join(known) or 'none'}")
    section = configured[name]
    ent = entity(section.get("entity", "orders"))
    columns = {normalize_header(src): dst for src, dst in section.get("columns", {}).items()}
    bad = sorted(set(columns.values()) - set(ent.columns))
    if bad:
        raise ValueError(f"mapping {name!r} maps to unknown {ent.name} columns: {', '.join(bad)}")
    transforms = dict(section.get("transforms", {}))
    unknown = sorted(set(transforms.values()) - set(TRANSFORMS))
    if unknown:
        raise ValueError(f"mapping {name!r} uses unknown transforms {unknown}; known: {sorted(TRANSFORMS)}")
    detect = tuple(normalize_header(h) for h in section.get("detect_headers", ()))
    return Mapping(name=name, entity=ent.name, columns=columns, transforms=transforms, detect_headers=detect)


def detect(headers: Iterable[str], entity_name: str, home: Path | str | None = None) -> Mapping | None:
    """The mapping a file with these headers needs: None when they already are contract names."""
    headers = [normalize_header(h) for h in headers]
    candidates = [*BUILT_IN.values()]
    for name in config(home).get("mappings", {}):
        candidates.append(mapping_by_name(name, home))
    for mapping in candidates:
        if mapping.entity == entity_name and mapping.matches(headers):
            return mapping
    return None


def source_columns(headers: Iterable[str], entity_name: str, mapping: Mapping | None) -> dict[str, str]:
    """contract column -> source header, for the headers present (first match wins)."""
    ent = entity(entity_name)
    out: dict[str, str] = {}
    for raw in headers:
        h = normalize_header(raw)
        target = mapping.columns.get(h) if mapping else (h.lower() if h.lower() in ent.columns else None)
        if target and target not in out:
            out[target] = raw
    for copy, original in (mapping.copies.items() if mapping else ()):
        if original in out and copy not in out:
            out[copy] = out[original]
    return out


def _norm(value: str) -> str:
    return re.sub(r"[\s,，、/()（）:：;；_\-]+", "", value.lower())


_STATUS_SYNONYMS: dict[str, str] = {
    # English (and Taobao API) codes
    "unpaid": "pending",
    "wait_buyer_pay": "pending",
    "trade_no_create_pay": "pending",
    "pay_pending": "pending",
    "wait_seller_send_goods": "paid",
    "seller_consigned_part": "shipped",
    "wait_buyer_confirm_goods": "shipped",
    "delivered": "completed",
    "trade_buyer_signed": "completed",
    "trade_finished": "completed",
    "finished": "completed",
    "success": "completed",
    "complete": "completed",
    "refund": "refunded",
    "trade_closed": "refunded",  # Taobao API: closed after a refund of the paid order
    "trade_closed_by_taobao": "closed",  # closed before payment
    "cancelled": "closed",
    "canceled": "closed",
    # Taobao / Tmall 订单报表 订单状态
    "等待买家付款": "pending",
    "买家已付款，等待卖家发货": "paid",
    "买家已付款": "paid",
    "等待卖家发货": "paid",
    "卖家部分发货": "shipped",
    "卖家已发货，等待买家确认": "shipped",
    "卖家已发货，等待买家确认收货": "shipped",
    "卖家已发货": "shipped",
    "等待买家确认收货": "shipped",
    "买家已签收": "completed",
    "交易成功": "completed",
    "交易完成": "completed",
    "退款成功": "refunded",
    "付款以后用户退款成功，交易自动关闭": "refunded",
    "交易关闭": "closed",
    "付款以前，卖家或买家主动关闭交易": "closed",
    "交易取消": "closed",
}
_STATUS = {_norm(k): v for k, v in {**{s: s for s in STATUSES}, **_STATUS_SYNONYMS}.items()}

_CHANNEL_SYNONYMS: dict[str, str] = {
    "短信": "sms",
    "text": "sms",
    "e-mail": "email",
    "mail": "email",
    "邮件": "email",
    "邮箱": "email",
    "电子邮件": "email",
    "电话": "phone",
    "call": "phone",
    "外呼": "phone",
    "全部": "all",
    "所有": "all",
    "any": "all",
}
_CHANNEL = {_norm(k): v for k, v in {**{c: c for c in CHANNELS}, **_CHANNEL_SYNONYMS}.items()}


def status_code(value: str | None) -> str | None:
    """Canonical status code of a source status value; None when unknown (or empty)."""
    v = clean_value(value)
    return _STATUS.get(_norm(v)) if v else None


def channel_code(value: str | None) -> str | None:
    """Canonical opt-out channel code; None when unknown (or empty)."""
    v = clean_value(value)
    return _CHANNEL.get(_norm(v)) if v else None
