"""The HTTP adapter: where the token and the id come from, and the one table of errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from get_account.deadline import Deadline
from get_account.errors import (
    AccessDeniedError,
    AccountNotFoundError,
    InvalidAccountIdError,
    InvalidTokenError,
    MissingTokenError,
    OutOfTimeError,
    ReadModelUnavailableError,
    ReadRefusedError,
    TokenExpiredError,
    TokenRefusal,
)
from get_account.http_api import caller_token
from get_account.reader import AccountReader, ReadTrace
from mvno_shared.observability import metrics
from support.api_events import api_event, call_http_adapter

_OUTCOME_METRICS = {
    "Unauthenticated",
    "InvalidAccountId",
    "AccountNotFound",
    "AccessDenied",
    "ReadModelUnavailable",
    "InternalError",
}
# The smallest body the contract allows: a view holds at least the account's id and customer.
MINIMAL_VIEW = '{"_id":"acc000000000000000000001","customer":"c0ffee000000000000000003"}'


class ScriptedReader(AccountReader):
    """Answers with a fixed body or raises a fixed error; remembers what it was asked."""

    def __init__(self, body: str = MINIMAL_VIEW, error: Exception | None = None) -> None:
        self.body = body
        self.error = error
        self.asked: list[tuple[str | None, str | None]] = []

    def read(self, token: str | None, raw_account_id: str | None, trace: ReadTrace, deadline: Deadline) -> str:
        self.asked.append((token, raw_account_id))
        if self.error is not None:
            raise self.error
        return self.body


@pytest.fixture(autouse=True)
def no_metrics_left_over() -> Iterator[None]:
    yield
    metrics.clear_metrics()


def respond(event: dict[str, Any], reader: ScriptedReader) -> dict[str, Any]:
    return call_http_adapter(reader, event)


def test_given_bearer_header_when_handled_then_token_and_id_reach_the_reader() -> None:
    reader = ScriptedReader(body=MINIMAL_VIEW)

    response = respond(api_event("get-account-by-id", bearer="tok-1"), reader)

    assert reader.asked == [("tok-1", "acc000000000000000000001")]
    assert response == {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": MINIMAL_VIEW,
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({"authorization": "Bearer abc"}, None, "abc"),
        ({"Authorization": "bearer abc"}, None, "abc"),
        ({"authorization": "  Bearer   abc  "}, None, "abc"),
        ({}, {"token": "q"}, "q"),
        ({"authorization": "Bearer h"}, {"token": "q"}, "h"),
        ({"authorization": "Basic dXNlcjpwdw=="}, {"token": "q"}, "q"),
        ({"authorization": "Basic dXNlcjpwdw=="}, None, None),
        ({"authorization": "Bearer "}, None, None),
        ({}, {"token": ""}, None),
        ({}, None, None),
    ],
)
def test_given_token_in_header_or_query_when_extracted_then_header_wins(
    headers: dict[str, str], query: dict[str, str] | None, expected: str | None
) -> None:
    event: dict[str, Any] = {"headers": headers}
    if query is not None:
        event["queryStringParameters"] = query
    assert caller_token(event) == expected


BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}  # docs/http-contract.md: exactly this, on every 401
ERRORS = [
    (MissingTokenError(), 401, "invalid_token", BEARER_CHALLENGE),
    (InvalidTokenError(TokenRefusal.UNKNOWN), 401, "invalid_token", BEARER_CHALLENGE),
    (InvalidTokenError(TokenRefusal.REVOKED), 401, "invalid_token", BEARER_CHALLENGE),
    (TokenExpiredError(), 401, "expired", BEARER_CHALLENGE),
    (InvalidAccountIdError(), 400, "id", {}),
    (AccountNotFoundError(), 404, "mvnoAccount", {}),
    (AccessDeniedError(), 403, "access_denied", {}),
    (ReadModelUnavailableError(), 503, "unavailable", {"Retry-After": "1"}),
    (OutOfTimeError(), 503, "unavailable", {"Retry-After": "1"}),
]


@pytest.mark.parametrize(("error", "status", "message", "extra_headers"), ERRORS)
def test_given_each_refusal_when_handled_then_its_status_message_and_headers(
    error: ReadRefusedError, status: int, message: str, extra_headers: dict[str, str]
) -> None:
    response = respond(api_event("get-account-by-id"), ScriptedReader(error=error))

    assert response["statusCode"] == status
    assert response["headers"] == {"Content-Type": "application/json", "Cache-Control": "no-store", **extra_headers}
    body = json.loads(response["body"])
    assert set(body) == {"code", "message", "description"}
    assert (body["code"], body["message"]) == (status, message)
    assert body["description"]


def test_every_refusal_has_an_answer() -> None:
    def below(cls: type[ReadRefusedError]) -> set[type[ReadRefusedError]]:
        subclasses = set(cls.__subclasses__())
        return subclasses.union(*(below(sub) for sub in subclasses))

    assert below(ReadRefusedError) == {type(error) for error, *_ in ERRORS}


def test_given_unexpected_error_when_handled_then_500_reveals_nothing(caplog: pytest.LogCaptureFixture) -> None:
    error = RuntimeError("boom at /var/task/get_account/store.py table=mvno-accounts")

    response = respond(api_event("get-account-by-id"), ScriptedReader(error=error))

    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {
        "code": 500,
        "message": "internal_error",
        "description": "An internal error occurred.",
    }
    assert "boom" not in response["body"]
    assert any(record.exc_info and record.exc_info[1] is error for record in caplog.records)


def emf_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def test_given_refusals_and_failures_when_handled_then_each_writes_one_metric_line_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for event, error in [
        ("get-account-denied", AccessDeniedError()),
        ("get-account-no-token", MissingTokenError()),
        ("get-account-by-id", RuntimeError("boom")),
    ]:
        respond(api_event(event), ScriptedReader(error=error))

    lines = emf_lines(capsys.readouterr().out)
    assert [[name for name in line if name in _OUTCOME_METRICS] for line in lines] == [
        ["AccessDenied"],
        ["Unauthenticated"],
        ["InternalError"],
    ]
    assert all(line[name] == [1.0] for line in lines for name in line if name in _OUTCOME_METRICS)
    assert metrics.metric_set == {}  # flushed with the answer: nothing waits for a later request


def test_given_a_served_read_when_handled_then_no_metric_line_and_nothing_left_to_flush(
    capsys: pytest.CaptureFixture[str],
) -> None:
    response = respond(api_event("get-account-by-id"), ScriptedReader())

    assert response["statusCode"] == 200
    assert emf_lines(capsys.readouterr().out) == []
    assert metrics.metric_set == {}
