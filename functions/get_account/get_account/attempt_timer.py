"""A hard limit on one DynamoDB attempt, whatever its socket does.

botocore's connect and read timeouts bound each wait for bytes, not an attempt: an answer that
trickles a byte just inside the read timeout, again and again, would hold the request past any
deadline. An interval timer (SIGALRM) interrupts such an attempt where it blocks; botocore then
reports it as an HTTPClientError, which the store treats like any failed attempt.

Signals reach the main thread only, which is where Lambda's runtime (and `make run`'s) calls the
handler; anywhere else, or if something else in the process owns SIGALRM, the limit is not set
and the socket timeouts alone apply (docs/decisions.md).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any


class AttemptOverrunError(Exception):
    """An attempt ran past its limit."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise AttemptOverrunError


class hard_limit:  # noqa: N801 - used like a function: `with hard_limit(0.75): ...`
    """Run the block under a hard time limit of `seconds` (wall time)."""

    __slots__ = ("_armed", "_previous", "_seconds")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._armed = False
        self._previous: Any = None

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, _interrupt):
            return  # someone else's handler: leave SIGALRM alone
        self._previous = signal.signal(signal.SIGALRM, _interrupt)
        signal.setitimer(signal.ITIMER_REAL, self._seconds)
        self._armed = True

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
