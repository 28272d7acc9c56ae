"""A request's time, as Lambda counts it: every call to the read model must fit in what is left,
less a margin kept to answer (docs/http-contract.md: the function answers every request itself, with a
503 `unavailable` when the read model is too slow, never with a timeout). No AWS here: the time
left is injected (`context.get_remaining_time_in_millis` in Lambda, a fake clock in tests)."""

from __future__ import annotations

from collections.abc import Callable

from get_account.errors import OutOfTimeError


class Deadline:
    __slots__ = ("_margin_ms", "_remaining_ms")

    def __init__(self, remaining_ms: Callable[[], int], margin_ms: int) -> None:
        self._remaining_ms = remaining_ms
        self._margin_ms = margin_ms

    def require(self, needed_ms: float) -> None:
        """Raise OutOfTimeError unless `needed_ms` still fit before the margin."""
        if self._remaining_ms() - self._margin_ms < needed_ms:
            raise OutOfTimeError


def unlimited() -> Deadline:
    """A deadline that never comes (tools and tests that call the reader outside Lambda)."""
    return Deadline(lambda: 2**62, 0)
