"""Authentication through the handler: missing, unknown, revoked and expired tokens, the query
form, the order of checks, and the 503 / 500 answers. Data through Sync."""

from __future__ import annotations

import importlib
import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

import get_account.handler
from conftest import TableFixture
from get_account.wiring import get_account_dynamodb_client
from mvno_shared.observability import logger
from support import log_capture
from support.api_events import api_event, call_get_account, token_in
from support.lambda_context import FakeLambdaContext
from support.lambda_instance import fresh_instance
from support.read_model_seed import issue_token, revoke_token, upsert_account

secrets_never_logged_here = pytest.fixture(scope="module", autouse=True)(log_capture.guard_module)

CUSTOMER = "0000000000000000000000c1"
ACCOUNT_ID = "00000000000000000000a001"
NUMBER = "+4570000001"
BEARER_CHALLENGE = "Bearer"  # docs/http-contract.md: exactly this on every 401, no RFC 6750 attributes


def get(event: dict[str, Any]) -> dict[str, Any]:
    return call_get_account(event)


def message_of(response: dict[str, Any]) -> str:
    message: str = json.loads(response["body"])["message"]
    return message


@pytest.fixture
def account(read_model: TableFixture) -> None:
    upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER)


def test_given_no_token_when_read_then_401_invalid_token_with_bearer_challenge(account: None) -> None:
    response = get(api_event("get-account-no-token", account_id=ACCOUNT_ID))

    assert response["statusCode"] == 401
    assert message_of(response) == "invalid_token"
    assert response["headers"]["WWW-Authenticate"] == BEARER_CHALLENGE


def test_given_unknown_token_when_read_then_401_invalid_token(account: None) -> None:
    response = get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer="never-issued-token"))

    assert response["statusCode"] == 401
    assert message_of(response) == "invalid_token"
    assert response["headers"]["WWW-Authenticate"] == BEARER_CHALLENGE


def test_given_revoked_token_when_read_by_a_new_instance_then_401_invalid_token(account: None) -> None:
    token = issue_token("ADMIN", CUSTOMER)
    assert get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token))["statusCode"] == 200

    revoke_token(token)
    # A warm instance trusts what it cached for PRINCIPAL_CACHE_TTL_SECONDS (see the next test);
    # a new instance, as here, reads the revocation at once.
    fresh_instance()
    response = get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token))

    assert response["statusCode"] == 401
    assert message_of(response) == "invalid_token"
    assert response["headers"]["WWW-Authenticate"] == BEARER_CHALLENGE


def test_given_cache_disabled_when_token_revoked_then_next_read_refused(
    account: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRINCIPAL_CACHE_TTL_SECONDS", "0")
    fresh_instance()
    token = issue_token("ADMIN", CUSTOMER)
    assert get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token))["statusCode"] == 200

    revoke_token(token)

    assert get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token))["statusCode"] == 401


def test_given_revoked_token_when_issued_again_then_still_refused(account: None) -> None:
    token = issue_token("ADMIN", CUSTOMER)
    revoke_token(token)
    issue_token("ADMIN", CUSTOMER, token=token)

    assert get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token))["statusCode"] == 401


def test_given_expired_token_when_read_then_401_expired(account: None) -> None:
    token = issue_token("ADMIN", CUSTOMER, expires_at="2020-01-01T00:00:00.000Z")

    response = get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token))

    assert response["statusCode"] == 401
    assert message_of(response) == "expired"
    assert response["headers"]["WWW-Authenticate"] == BEARER_CHALLENGE


def test_given_token_without_expiry_when_read_then_served(account: None) -> None:
    token = issue_token("VIEWER", CUSTOMER, expires_at=None)

    assert get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token))["statusCode"] == 200


def test_given_token_in_query_string_when_read_then_served(account: None) -> None:
    event = api_event("get-account-query-token", account_id=NUMBER)
    issue_token("VIEWER", CUSTOMER, token=token_in(event))

    response = get(event)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["_id"] == ACCOUNT_ID


@pytest.mark.parametrize("account_id", ["not-an-id", ACCOUNT_ID, "ffffffffffffffffffffffff"])
def test_given_unknown_token_when_reading_anything_then_401_before_any_other_answer(
    account: None, account_id: str
) -> None:
    response = get(api_event("get-account-bad-id", account_id=account_id, bearer="never-issued-token"))

    assert response["statusCode"] == 401


def test_given_bad_id_event_file_when_invoked_with_valid_token_then_400(account: None) -> None:
    event = api_event("get-account-bad-id")
    issue_token("ADMIN", CUSTOMER, token=token_in(event))

    response = get(event)

    assert response["statusCode"] == 400
    assert message_of(response) == "id"


def test_given_a_read_when_logged_then_request_id_is_the_correlation_id(account: None) -> None:
    token = issue_token("VIEWER", CUSTOMER)
    event = api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token)

    get(event)

    [line] = [line for line in log_capture.captured_lines() if '"Account read"' in line][-1:]
    logged = json.loads(line)
    assert logged["correlation_id"] == event["requestContext"]["requestId"]
    assert (logged["status"], logged["accessLevel"], logged["lookup"]) == (200, "VIEWER", "id")


def emf_metric_names(out: str) -> list[list[str]]:
    """The metric names of each EMF line written, line by line."""
    emitted = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return [[metric["Name"] for metric in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]] for blob in emitted]


def test_given_reads_when_handled_then_one_metric_line_per_401_denial_and_not_found_and_none_for_a_served_read(
    account: None, capsys: pytest.CaptureFixture[str]
) -> None:
    token = issue_token("VIEWER", "0000000000000000000000c9")
    own = issue_token("VIEWER", CUSTOMER)
    capsys.readouterr()

    served = get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=own))
    after_served = emf_metric_names(capsys.readouterr().out)
    get(api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token))
    get(api_event("get-account-by-id", account_id="ffffffffffffffffffffffff", bearer=token))
    get(api_event("get-account-no-token"))

    # Served reads are Lambda's Invocations less these (README, "Metrics"): no line of their own.
    assert served["statusCode"] == 200
    assert after_served == []
    assert emf_metric_names(capsys.readouterr().out) == [["AccessDenied"], ["AccountNotFound"], ["Unauthenticated"]]


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_given_dynamodb_throttles_when_read_then_503_with_retry_after(aws_environment: None, code: str) -> None:
    with Stubber(get_account_dynamodb_client()) as throttled:
        throttled.add_client_error("batch_get_item", service_error_code=code, http_status_code=400)

        response = get(api_event("get-account-by-id", bearer="any-token"))

    assert response["statusCode"] == 503
    assert message_of(response) == "unavailable"
    assert response["headers"]["Retry-After"].isdigit()


def test_given_unexpected_failure_when_read_then_500_reveals_nothing(aws_environment: None) -> None:
    with Stubber(get_account_dynamodb_client()) as broken:
        broken.add_client_error(
            "batch_get_item",
            service_error_code="ResourceNotFoundException",
            service_message="Requested resource not found: Table: mvno-accounts-test not found",
            http_status_code=400,
        )

        response = get(api_event("get-account-by-id", bearer="any-token"))

    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {
        "code": 500,
        "message": "internal_error",
        "description": "An internal error occurred.",
    }
    assert "mvno-accounts" not in response["body"]


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture
def handler_imported_with_event_logging_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[Handler]:
    """The handler module as a Lambda would import it with POWERTOOLS_LOGGER_LOG_EVENT=true
    (Powertools reads the variable when the decorator is applied, i.e. at import)."""
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    yield importlib.reload(get_account.handler).lambda_handler
    monkeypatch.delenv("POWERTOOLS_LOGGER_LOG_EVENT")
    importlib.reload(get_account.handler)


@pytest.mark.parametrize("token_form", ["bearer", "query_token"])
def test_given_event_logging_switched_on_when_read_then_the_token_is_still_not_logged(
    aws_environment: None,
    handler_imported_with_event_logging_on: Handler,
    caplog: pytest.LogCaptureFixture,
    token_form: str,
) -> None:
    # Control: under that variable, a handler decorated without log_event=False logs the event.
    marker = f"not-a-secret-{secrets.token_hex(8)}"
    logger.inject_lambda_context(lambda event, context: None)({"marker": marker}, FakeLambdaContext())
    assert marker in caplog.text
    token = f"tok-{secrets.token_urlsafe(24)}"
    log_capture.forbid(token, anywhere=True)
    in_header = token_form == "bearer"
    event = api_event(
        "get-account-by-id", bearer=token if in_header else None, query_token=None if in_header else token
    )

    with Stubber(get_account_dynamodb_client()) as read_model:
        read_model.add_response("batch_get_item", {"Responses": {}, "UnprocessedKeys": {}})
        response = call_get_account(event, handler=handler_imported_with_event_logging_on)

    assert response["statusCode"] == 401
    assert "Account read refused" in caplog.text
    assert token not in caplog.text
