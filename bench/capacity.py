"""What a read costs in DynamoDB: item sizes and read request units by the service's own rules.

Reads are billed on the size of the whole stored item, not on what a projection returns, in 4 KB
units; an eventually consistent read is half a unit (docs: "Read request units and capacity
units"). GetItem and each key of a BatchGetItem count alone, a missing item still a minimum; a Query
counts the summed size of the items it read, rounded up once. The read path never asks for
strongly consistent reads (and a global secondary index cannot serve one).
"""

from __future__ import annotations

import base64
import math
from typing import Any

READ_UNIT_BYTES = 4096
EVENTUALLY_CONSISTENT = 0.5
# On-demand price per million read request units, Standard table class, eu-west-1 (Ireland):
# the AWS price list after the on-demand price cut of 2024-11-01 (US$0.283 before it). Not
# re-checked here; https://aws.amazon.com/dynamodb/pricing/on-demand/ has the current one.
READ_REQUEST_UNIT_PRICE_USD_PER_MILLION = 0.1415
PRICE_AS_OF = "2024-11-01"


def _number_size(text: str) -> int:
    """About one byte per two significant digits, plus one (leading and trailing zeros are free)."""
    mantissa = text.lstrip("+-").lower().split("e")[0]
    significant = len(mantissa.replace(".", "").strip("0")) or 1
    return math.ceil(significant / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    (kind, content), *_ = value.items()
    if kind == "S":
        return len(content.encode("utf-8"))
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(base64.b64decode(content))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(member.encode("utf-8")) for member in content)
    if kind == "NS":
        return sum(_number_size(member) for member in content)
    if kind == "BS":
        return sum(len(base64.b64decode(member)) for member in content)
    if kind == "L":
        return 3 + sum(1 + value_size(member) for member in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode("utf-8")) + value_size(member) for name, member in content.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, dict[str, Any]]) -> int:
    """Bytes of a stored item: attribute names plus values."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def read_units(sizes: list[int]) -> float:
    """Eventually consistent read units of one read covering items of these sizes (one GetItem
    or BatchGetItem key: one size, 0 for a missing item; a Query: every item it read)."""
    return max(1, math.ceil(sum(sizes) / READ_UNIT_BYTES)) * EVENTUALLY_CONSISTENT


def cost_per_million_requests_usd(read_units_per_request: float) -> float:
    return read_units_per_request * READ_REQUEST_UNIT_PRICE_USD_PER_MILLION
