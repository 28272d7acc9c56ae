"""Epoch times, the one home of their arithmetic for both functions: the read model stores token
expiry in epoch milliseconds and purge times (DynamoDB's TTL) in epoch seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def now_epoch_millis() -> int:
    """The wall clock in epoch milliseconds (what a stored `expiresAt` is compared with)."""
    return time.time_ns() // 1_000_000


def epoch_millis(moment: datetime) -> int:
    """An aware datetime in epoch milliseconds, whole milliseconds down (integer arithmetic, so
    the result does not depend on float rounding)."""
    return (moment - _EPOCH) // _MILLISECOND


def epoch_seconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(seconds=1)
