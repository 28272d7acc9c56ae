"""A DynamoDB that is slow, hangs, trickles, throttles or answers garbage, injected at botocore's
transport (`before-send`) of a client, with time passing on a fake clock (no test waits).

Each fault plays one attempt as the client's socket limits would end it: a wait for bytes past
the read timeout is a ReadTimeoutError after READ_TIMEOUT_S; an answer that trickles in within
the read timeout is cut by the attempt limit (mvno_shared.attempt_timer, shown on a real socket in
tests/integration/get_account/test_get_account_loopback.py) after ATTEMPT_LIMIT_S. A fault that
lets the attempt through passes the request on to the table (moto or dynalite) after its delay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from get_account.wiring import ATTEMPT_LIMIT_S, READ_TIMEOUT_S
from support.dynamodb_faults import THROTTLING, cut_by_attempt_limit, dynamodb_response, read_timed_out
from support.lambda_context import FakeClock

# A fault: given the operation and the attempt's number for it (1, 2, ...), what the transport
# does; returns an answer, None to let the table answer, or raises.
Fault = Callable[["Attempt"], AWSResponse | None]


@dataclass(frozen=True)
class Attempt:
    operation: str
    number: int  # of all attempts at this operation so far, from 1
    url: str
    clock: FakeClock


def slow(seconds: float) -> Fault:
    """The answer starts `seconds` late: past the read timeout, the attempt times out."""

    def fault(attempt: Attempt) -> AWSResponse | None:
        if seconds >= READ_TIMEOUT_S:
            read_timed_out(attempt.clock, READ_TIMEOUT_S, attempt.url)
        attempt.clock.advance(seconds)
        return None

    return fault


def hanging() -> Fault:
    """Connected, and nothing ever comes back."""
    return slow(float("inf"))


def trickling(total_seconds: float) -> Fault:
    """Bytes keep coming, each within the read timeout, for `total_seconds` in all."""

    def fault(attempt: Attempt) -> AWSResponse | None:
        if total_seconds >= ATTEMPT_LIMIT_S:
            cut_by_attempt_limit(attempt.clock, ATTEMPT_LIMIT_S)
        attempt.clock.advance(total_seconds)
        return None

    return fault


def garbled(body: bytes = b"<html>502 Bad Gateway</html>") -> Fault:
    """A 200 whose body cannot be parsed (a proxy's page, a truncated answer)."""

    def fault(attempt: Attempt) -> AWSResponse | None:
        return dynamodb_response(200, body)

    return fault


def throttled() -> Fault:
    def fault(attempt: Attempt) -> AWSResponse | None:
        return dynamodb_response(400, THROTTLING)

    return fault


def first_attempts_only(inner: Fault) -> Fault:
    """`inner` on every first attempt of a call; the retry goes through (odd attempt numbers)."""

    def fault(attempt: Attempt) -> AWSResponse | None:
        return inner(attempt) if attempt.number % 2 == 1 else None

    return fault


@dataclass
class FaultyTransport:
    """Faults by operation name (GetItem, BatchGetItem, Query; "*" for all) on one client."""

    clock: FakeClock
    faults: dict[str, Fault] = field(default_factory=dict)
    sends: dict[str, int] = field(default_factory=dict)

    def install(self, client: Any) -> FaultyTransport:
        client.meta.events.register("before-send.dynamodb", self._send, unique_id="test-faulty-transport")
        return self

    def _send(self, request: Any, **_: Any) -> AWSResponse | None:
        operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
        self.sends[operation] = self.sends.get(operation, 0) + 1
        fault = self.faults.get(operation) or self.faults.get("*")
        if fault is None:
            return None
        return fault(Attempt(operation, self.sends[operation], request.url, self.clock))
