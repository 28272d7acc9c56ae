"""Epoch arithmetic of the read model's times (mvno_shared.clock)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mvno_shared.clock import epoch_millis, epoch_seconds, now_epoch_millis


@pytest.mark.parametrize(
    ("moment", "millis"),
    [
        (datetime(2030, 1, 1, tzinfo=UTC), 1_893_456_000_000),
        (datetime(2030, 1, 1, 0, 0, 0, 1_999, tzinfo=UTC), 1_893_456_000_001),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), 253_402_300_799_000),
        (datetime(2030, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), 1_893_456_000_000),
        (datetime(1969, 12, 31, 23, 59, 59, 999_500, tzinfo=UTC), -1),
    ],
)
def test_given_an_aware_moment_when_converted_then_whole_milliseconds_down(moment: datetime, millis: int) -> None:
    assert epoch_millis(moment) == millis
    assert epoch_seconds(moment) == millis // 1000


def test_given_the_wall_clock_when_read_then_it_is_epoch_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    assert before <= now_epoch_millis() <= time.time_ns() // 1_000_000
