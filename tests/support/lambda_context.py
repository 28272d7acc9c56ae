"""A Lambda context with the attributes Powertools reads, and a time left that a fake clock runs
down (no test waits for a deadline). The one fake context of the tests and the bench."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from mvno_local.template import resource_properties


@dataclass
class FakeClock:
    """Time that passes only when told to: by a fault that "took" that long, or by a sleep."""

    elapsed_ms: float = 0.0

    def advance(self, seconds: float) -> None:
        self.elapsed_ms += seconds * 1000

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2026/11/27/[$LATEST]test"
    timeout_ms: int = 10_000
    clock: FakeClock = field(default_factory=FakeClock)

    def get_remaining_time_in_millis(self) -> int:
        return max(int(self.timeout_ms - self.clock.elapsed_ms), 0)


def get_account_timeout_ms() -> int:
    """GetAccountFunction's Timeout in template.yaml."""
    return int(resource_properties("GetAccountFunction")["Timeout"]) * 1000


def get_account_lambda_context(clock: FakeClock | None = None) -> FakeLambdaContext:
    """The context Lambda gives a GetAccount invocation as it starts: its whole Timeout left."""
    return FakeLambdaContext(
        function_name="get-account", timeout_ms=get_account_timeout_ms(), clock=clock or FakeClock()
    )
