"""GetAccount's DynamoDB client: the limits its worst case is computed from (get_account.wiring),
what botocore 1.44.8 makes of them, and a Timeout in template.yaml that fits them."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from get_account.deadline import unlimited
from get_account.store import CallLimits, DynamoReadModelReader
from get_account.wiring import (
    ANSWER_MARGIN_MS,
    ATTEMPT_LIMIT_S,
    BOTOCORE_RETRIES,
    CONNECT_TIMEOUT_S,
    PARAMETER_VALIDATION,
    READ_TIMEOUT_S,
    get_account_dynamodb_client,
)
from mvno_shared.views import View
from support.dynamodb_faults import dynamodb_response
from support.lambda_context import get_account_timeout_ms

API_GATEWAY_INTEGRATION_LIMIT_MS = 30_000
REPOSITORY = Path(__file__).resolve().parents[3]

INTERNAL_SERVER_ERROR = {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "oops"}


def sends_of_a_failing_get_item(client: Any) -> int:
    """How many times the client sends a GetItem that DynamoDB answers 500 every time."""
    sends = []

    def failing(request: Any, **_: Any) -> AWSResponse:
        sends.append(request)
        return dynamodb_response(500, INTERNAL_SERVER_ERROR)

    client.meta.events.register("before-send.dynamodb", failing)
    with pytest.raises(ClientError):
        client.get_item(TableName="t", Key={"pk": {"S": "x"}})
    return len(sends)


def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's backoff between its retries is not what is counted here."""
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda seconds: None)


@pytest.mark.parametrize(
    ("retries", "sends"),
    [
        ({"mode": "standard", "max_attempts": 3}, 4),  # retries after the first send: 4 sends
        ({"mode": "standard", "total_max_attempts": 3}, 3),  # sends, the first included
        ({"mode": "standard", "total_max_attempts": 1}, 1),
    ],
)
def test_given_botocore_retry_settings_when_a_call_keeps_failing_then_this_many_sends(
    aws_environment: None, monkeypatch: pytest.MonkeyPatch, retries: dict[str, Any], sends: int
) -> None:
    no_sleep(monkeypatch)
    client = botocore.session.get_session().create_client("dynamodb", config=Config(retries=retries))

    assert sends_of_a_failing_get_item(client) == sends


def test_given_get_accounts_client_when_a_call_keeps_failing_then_one_send_per_attempt(
    aws_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store makes the attempts (two, within the deadline); botocore must not add its own.
    no_sleep(monkeypatch)

    assert sends_of_a_failing_get_item(get_account_dynamodb_client()) == 1


def test_given_get_accounts_client_then_its_socket_timeouts_are_the_ones_the_arithmetic_uses(
    aws_environment: None,
) -> None:
    config = get_account_dynamodb_client().meta.config

    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
    assert ATTEMPT_LIMIT_S == CONNECT_TIMEOUT_S + READ_TIMEOUT_S
    # A few hundred milliseconds: what a read inside a region needs, not seconds.
    assert ATTEMPT_LIMIT_S < 1


def test_given_the_templates_timeout_then_an_attempt_fits_and_the_answer_beats_api_gateway() -> None:
    timeout_ms = get_account_timeout_ms()

    # A request that starts with its whole Timeout can always make its first attempt...
    assert timeout_ms - ANSWER_MARGIN_MS >= ATTEMPT_LIMIT_S * 1000
    # ...and is answered (503 at worst) before API Gateway gives up on the integration.
    assert timeout_ms - ANSWER_MARGIN_MS < API_GATEWAY_INTEGRATION_LIMIT_MS


def test_given_the_shared_layer_then_it_bundles_the_botocore_the_tests_run() -> None:
    # The limits above hold for this botocore; the functions must not run another (docs/decisions.md).
    pins = dict(
        line.split("==")
        for line in (REPOSITORY / "layers" / "shared" / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    )

    assert pins["botocore"] == botocore.__version__
    assert pins["urllib3"] == importlib.metadata.version("urllib3")


_FOUND_NOTHING = dynamodb_response(200, {})
# Readable empty answers of every operation the store sends (one page of a number query more).
_EMPTY_ANSWERS: dict[str, list[dict[str, Any]]] = {
    "GetItem": [{}],
    "BatchGetItem": [{"Responses": {"accounts": []}, "UnprocessedKeys": {}}],
    "Query": [
        {"Items": [], "Count": 0, "LastEvaluatedKey": {"pk": {"S": "account#x"}, "liveNumber": {"S": "+4511"}}},
        {"Items": [], "Count": 0},
    ],
}


def test_given_get_accounts_client_then_it_leaves_parameter_checks_to_dynamodb_and_every_request_it_sends_passes_them(
    aws_environment: None,
) -> None:
    # Given: GetAccount's client skips botocore's check of each request against the model (a
    # request the model forbids goes out; meta.config does not show the setting)...
    assert PARAMETER_VALIDATION is False
    own = get_account_dynamodb_client.__wrapped__()  # built as GetAccount builds it, not the cached one
    out: list[bytes] = []

    def found_nothing(request: Any, **_: Any) -> AWSResponse:
        out.append(request.body)
        return _FOUND_NOTHING

    own.meta.events.register("before-send.dynamodb", found_nothing)
    own.get_item(TableName="t", Key={"pk": {"S": "x"}}, ProjectionExpression=7)
    assert len(out) == 1
    # ...so every request shape the store builds goes through a client that does check.
    checking = botocore.session.get_session().create_client("dynamodb", config=Config(retries=BOTOCORE_RETRIES))
    with pytest.raises(ParamValidationError):
        checking.get_item(TableName="t", Key={"pk": {"S": "x"}}, ProjectionExpression=7)
    sent: list[str] = []
    pages = {operation: iter(answers * 8) for operation, answers in _EMPTY_ANSWERS.items()}

    def answer(request: Any, **_: Any) -> AWSResponse:
        operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
        sent.append(operation)
        return dynamodb_response(200, next(pages[operation]))

    checking.meta.events.register("before-send.dynamodb", answer)
    store = DynamoReadModelReader(checking, "accounts", "by-number", CallLimits(ATTEMPT_LIMIT_S))

    # When every read it makes is made, by every view (a ParamValidationError would fail here)
    store.token_and_account("ab" * 32, "1234567890abcdef12345678", unlimited())
    store.token("ab" * 32, unlimited())
    store.customer("c" * 24, unlimited())
    for view in View:
        store.account("1234567890abcdef12345678", view, unlimited())
        store.accounts_with_number("+4512345678", view, unlimited())

    # Then each went out, a number query's second page included
    assert sorted(set(sent)) == sorted(_EMPTY_ANSWERS)
    assert sent.count("Query") == 2 * len(View)
