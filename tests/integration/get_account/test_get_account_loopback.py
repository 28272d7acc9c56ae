"""On a real socket (support.loopback_dynamodb): a DynamoDB endpoint on loopback that hangs,
trickles its answer or drops the connection mid-body. Socket timeouts end a hang, but not an
answer whose bytes keep coming within the read timeout: the attempt limit
(mvno_shared.attempt_timer) does. Real time passes here, so the limits are small (a few hundred
ms); no assertion is about how long anything took."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import botocore.session
import pytest
from botocore.config import Config

from get_account.deadline import Deadline
from get_account.errors import ReadModelUnavailableError, TokenRefusal
from get_account.store import CallLimits, DynamoReadModelReader
from mvno_shared.attempt_timer import hard_limit
from support.api_events import api_event, call_get_account
from support.lambda_instance import fresh_instance
from support.loopback_dynamodb import LoopbackDynamoDB, loopback_dynamodb

__all__ = ["loopback_dynamodb"]


def store_on(
    endpoint: str, attempt_limit: Callable[[float], AbstractContextManager[None]] = hard_limit
) -> DynamoReadModelReader:
    client = botocore.session.get_session().create_client(
        "dynamodb",
        endpoint_url=endpoint,
        config=Config(connect_timeout=0.1, read_timeout=0.2, retries={"total_max_attempts": 1}),
    )
    limits = CallLimits(attempt_seconds=0.3, attempts=2, retry_pause_seconds=0.01)
    return DynamoReadModelReader(client, "accounts", "by-number", limits, attempt_limit=attempt_limit)


def wall_clock_deadline(seconds: float) -> Deadline:
    end = time.monotonic() + seconds
    return Deadline(lambda: int((end - time.monotonic()) * 1000), margin_ms=0)


@pytest.mark.parametrize("mode", ["hang", "trickle", "drop mid-body"])
def test_given_a_loopback_dynamodb_that_never_answers_in_time_when_read_then_unavailable_after_two_attempts(
    aws_environment: None, loopback_dynamodb: tuple[LoopbackDynamoDB, str], mode: str
) -> None:
    # Given
    behaviour, endpoint = loopback_dynamodb
    behaviour.mode = mode

    # When / Then
    with pytest.raises(ReadModelUnavailableError):
        store_on(endpoint).token("ab" * 32, wall_clock_deadline(5))
    assert behaviour.connections == 2


def test_given_a_trickling_answer_and_no_attempt_limit_when_read_then_the_socket_timeouts_alone_wait_it_out(
    aws_environment: None, loopback_dynamodb: tuple[LoopbackDynamoDB, str]
) -> None:
    # The control for the trickle above: every byte comes within the 0.2 s read timeout, so only
    # the attempt limit ends that attempt; without it the call waits for the whole answer.
    behaviour, endpoint = loopback_dynamodb
    behaviour.mode = "trickle"

    assert store_on(endpoint, attempt_limit=lambda seconds: nullcontext()).token("ab" * 32, wall_clock_deadline(5)) == (
        TokenRefusal.UNKNOWN
    )
    assert behaviour.connections == 1


def test_given_the_handler_on_a_trickling_loopback_dynamodb_when_read_then_503(
    aws_environment: None, loopback_dynamodb: tuple[LoopbackDynamoDB, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given GetAccount as deployed (its own client, limits and attempt timer) against the endpoint
    behaviour, endpoint = loopback_dynamodb
    behaviour.mode = "trickle"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    fresh_instance()
    # A body that outlasts GetAccount's 0.75 s attempt limit
    behaviour.trickled_body = b"{" + b" " * 40 + b"}"

    # When
    response = call_get_account(api_event("get-account-by-id", bearer="any-token"))

    # Then
    assert response["statusCode"] == 503
    assert behaviour.connections == 2
