"""The one fake Lambda context of the tests and the bench: the attributes Powertools reads, and the
time left as Lambda reports it (fixed, or from an injected clock for deadline tests)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

# What a test's request has left unless it says otherwise: as much as GetAccount's Timeout gives.
DEFAULT_REMAINING_MS = 10_000


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "2026/11/27/[$LATEST]test"
    remaining_ms: Callable[[], int] = lambda: DEFAULT_REMAINING_MS

    def __post_init__(self) -> None:
        self.invoked_function_arn = self.invoked_function_arn or (
            f"arn:aws:lambda:eu-west-1:123456789012:function:{self.function_name}"
        )
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms()


@dataclass
class FakeClock:
    """Time that passes only when told to: by a fault that "took" that long, or by a sleep."""

    elapsed_ms: float = 0.0

    def advance(self, seconds: float) -> None:
        self.elapsed_ms += seconds * 1000

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)


def clocked_context(timeout_ms: int, clock: FakeClock, function_name: str = "test-function") -> FakeLambdaContext:
    """An invocation of `timeout_ms` whose time left runs down with the clock."""
    return FakeLambdaContext(
        function_name=function_name, remaining_ms=lambda: max(int(timeout_ms - clock.elapsed_ms), 0)
    )


def sync_timeout_ms() -> int:
    """SyncFunction's Timeout in template.yaml."""
    from mvno_local.template import properties

    return int(properties("SyncFunction")["Timeout"]) * 1000


def sync_lambda_context(clock: FakeClock | None = None) -> FakeLambdaContext:
    """The context Lambda gives a Sync invocation as it starts: its whole Timeout left."""
    return clocked_context(sync_timeout_ms(), clock or FakeClock(), function_name="sync")


def get_account_timeout_ms() -> int:
    """GetAccountFunction's Timeout in template.yaml."""
    from mvno_local.template import properties

    return int(properties("GetAccountFunction")["Timeout"]) * 1000


def get_account_lambda_context(clock: FakeClock | None = None) -> FakeLambdaContext:
    """The context Lambda gives a GetAccount invocation as it starts: its whole Timeout left."""
    return clocked_context(get_account_timeout_ms(), clock or FakeClock(), function_name="get-account")
