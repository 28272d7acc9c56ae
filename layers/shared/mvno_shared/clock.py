"""Time as the read model stores it: epoch milliseconds (a token's `expiresAt`). One home for the
conversion, so the writer that stores an expiry and the reader that compares it cannot disagree."""

from __future__ import annotations

import time
from datetime import datetime


def epoch_millis(moment: datetime) -> int:
    """An aware datetime as epoch milliseconds."""
    return int(moment.timestamp() * 1000)


def now_epoch_millis() -> int:
    """The wall clock now, in epoch milliseconds (the read path's `now_ms`)."""
    return time.time_ns() // 1_000_000
