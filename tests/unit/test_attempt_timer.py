"""The hard limit on one DynamoDB attempt (mvno_shared.attempt_timer, used by both functions'
stores): SIGALRM's handler installed once and left installed, a timer armed only for the attempt,
and someone else's handler left alone; and the same limit armed by callbacks, per attempt, inside
one call (Sync's client, whose botocore retries make the attempts). The limits here are a few
milliseconds against a block that would otherwise wait seconds: what is asserted is which way the
block ended, never how long it took."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

import pytest

from mvno_shared.attempt_timer import AttemptOverrunError, PerAttemptLimit, hard_limit


@pytest.fixture(autouse=True)
def default_sigalrm() -> Iterator[None]:
    """Each test starts from a process whose SIGALRM is untouched, and leaves it so."""
    previous = signal.signal(signal.SIGALRM, signal.SIG_DFL)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_given_an_attempt_that_blocks_past_its_limit_when_run_then_it_is_interrupted() -> None:
    with pytest.raises(AttemptOverrunError), hard_limit(0.01):
        time.sleep(5)


def test_given_an_attempt_that_ends_in_time_when_it_exits_then_no_timer_is_left_armed_and_the_handler_stays() -> None:
    with hard_limit(0.5):
        installed = signal.getsignal(signal.SIGALRM)
        armed = signal.getitimer(signal.ITIMER_REAL)[0]

    assert armed > 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    # Installed once, kept for the next attempts (restoring it each time cost more than the timer).
    assert signal.getsignal(signal.SIGALRM) is installed
    assert installed not in (signal.SIG_DFL, signal.SIG_IGN)


def test_given_attempts_one_after_another_when_the_second_blocks_then_it_is_interrupted_too() -> None:
    with hard_limit(0.5):
        pass

    with pytest.raises(AttemptOverrunError), hard_limit(0.01):
        time.sleep(5)


def test_given_someone_elses_sigalrm_handler_when_an_attempt_runs_then_no_timer_and_their_handler_is_kept() -> None:
    def theirs(signum: int, frame: FrameType | None) -> None:
        raise AssertionError("their alarm must not be set off by our attempt")

    signal.signal(signal.SIGALRM, theirs)

    with hard_limit(0.01):
        armed = signal.getitimer(signal.ITIMER_REAL)[0]

    assert armed == 0.0
    assert signal.getsignal(signal.SIGALRM) is theirs


def test_given_an_attempt_outside_the_main_thread_when_run_then_no_timer_is_armed() -> None:
    seen: list[float] = []

    def attempt() -> None:
        with hard_limit(0.5):
            seen.append(signal.getitimer(signal.ITIMER_REAL)[0])

    worker = threading.Thread(target=attempt)
    worker.start()
    worker.join()

    assert seen == [0.0]
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL


def armed() -> float:
    return signal.getitimer(signal.ITIMER_REAL)[0]


def test_given_a_call_whose_attempts_are_started_and_ended_by_callbacks_then_each_is_timed_and_none_after() -> None:
    # Given
    limit = PerAttemptLimit(0.5)
    seen: list[float] = []

    # When two attempts run inside one call, with a pause between them
    with limit:
        for _ in range(2):
            limit.attempt_started()
            seen.append(armed())
            limit.attempt_ended()
            seen.append(armed())

    # Then each attempt was timed, the pause was not, and nothing is armed after the call
    assert [left > 0 for left in seen] == [True, False, True, False]
    assert armed() == 0.0


def test_given_an_attempt_blocking_past_its_limit_in_a_call_then_it_is_interrupted_and_the_next_is_timed_too() -> None:
    limit = PerAttemptLimit(0.01)

    with limit:
        limit.attempt_started()
        with pytest.raises(AttemptOverrunError):
            time.sleep(5)
        limit.attempt_ended()
        limit.attempt_started()
        with pytest.raises(AttemptOverrunError):
            time.sleep(5)


def test_given_an_attempt_whose_end_is_never_reported_when_the_call_ends_then_its_timer_is_disarmed() -> None:
    # An answer refused while botocore parses it never reaches `response-received`.
    limit = PerAttemptLimit(0.5)

    with pytest.raises(ValueError, match="refused"), limit:  # noqa: PT012 - the attempt starts inside the call
        limit.attempt_started()
        raise ValueError("refused while parsed")

    assert armed() == 0.0


def test_given_attempts_outside_a_call_when_started_then_no_timer_is_armed() -> None:
    limit = PerAttemptLimit(0.5)
    with limit:
        pass

    limit.attempt_started()

    assert armed() == 0.0


def test_given_someone_elses_sigalrm_handler_when_a_call_runs_then_its_attempts_arm_no_timer() -> None:
    def theirs(signum: int, frame: FrameType | None) -> None:
        raise AssertionError("their alarm must not be set off by our attempt")

    signal.signal(signal.SIGALRM, theirs)
    limit = PerAttemptLimit(0.01)

    with limit:
        limit.attempt_started()
        seen = armed()

    assert seen == 0.0
    assert signal.getsignal(signal.SIGALRM) is theirs


def test_given_a_call_outside_the_main_thread_when_its_attempts_run_then_no_timer_is_armed() -> None:
    limit = PerAttemptLimit(0.5)
    seen: list[float] = []

    def call() -> None:
        with limit:
            limit.attempt_started()
            seen.append(armed())

    worker = threading.Thread(target=call)
    worker.start()
    worker.join()

    assert seen == [0.0]
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
