"""A hard limit on one DynamoDB attempt, whatever its socket does; both functions' stores use it.

botocore's connect and read timeouts bound each wait for bytes, not an attempt: an answer that
trickles a byte just inside the read timeout, again and again, would hold the request past any
deadline. An interval timer (SIGALRM) interrupts such an attempt where it blocks; botocore then
reports it as an HTTPClientError, which the store treats like any failed attempt.

Two shapes of the same limit: `hard_limit` around an attempt the caller makes itself (GetAccount's
store retries on its own, one send per call), and `PerAttemptLimit`, armed and disarmed by
callbacks for attempts that something else starts and ends inside one call (Sync's client, whose
botocore retries send up to three times per call).

Signals reach the main thread only, which is where Lambda's runtime (and `make run`'s) calls the
handler; anywhere else, or if something else in the process owns SIGALRM, the limit is not set
and the socket timeouts alone apply (docs/decisions.md).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType


class AttemptOverrunError(Exception):
    """An attempt ran past its limit."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise AttemptOverrunError


def _sigalrm_is_ours() -> bool:
    """Whether SIGALRM interrupts attempts in this process, installing the handler on first use.
    Installed once and left installed: putting the default back after every attempt cost more
    than the timer itself (~5 µs a call, docs/decisions.md). With no timer armed it never fires."""
    current = signal.getsignal(signal.SIGALRM)
    if current is _interrupt:
        return True
    if current != signal.SIG_DFL:
        return False  # someone else's handler: leave SIGALRM alone
    signal.signal(signal.SIGALRM, _interrupt)
    return True


class PerAttemptLimit:
    """A hard limit of `seconds` on each attempt inside a call that makes several (a botocore
    call and its retries). `attempt_started` and `attempt_ended` are the callbacks where an
    attempt starts and ends (a client's `before-send` and `response-received` events); they arm
    the timer only inside `with limit:` around the call, whose exit disarms it whatever happened
    (an answer refused while it is parsed never reaches `response-received`), so no timer
    outlives the call that set it. The pauses between attempts are not timed: the retry policy
    bounds them.

    One call at a time: the scope is the object's, as a store's calls are made one after the other."""

    __slots__ = ("_armed", "_open", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._open = False
        self._armed = False

    def __enter__(self) -> None:
        self._open = threading.current_thread() is threading.main_thread() and _sigalrm_is_ours()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._open = False
        self.attempt_ended()

    def attempt_started(self, **_: object) -> None:
        if self._open and threading.current_thread() is threading.main_thread():
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self._armed = True

    def attempt_ended(self, **_: object) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._armed = False


class hard_limit(PerAttemptLimit):  # noqa: N801 - used like a function: `with hard_limit(0.75): ...`
    """Run the block under a hard time limit of `seconds` (wall time): a PerAttemptLimit whose one
    attempt is the block itself."""

    __slots__ = ()

    def __enter__(self) -> None:
        super().__enter__()
        self.attempt_started()
