"""The data-access module against botocore's own Stubber and faults at its transport: exact requests
(projections, one round trip), item parsing, attempts within the deadline, and how throttling,
unreachability and unreadable answers become ReadModelUnavailableError."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.stub import ANY, Stubber

from get_account.deadline import Deadline, unlimited
from get_account.errors import CorruptRecordError, OutOfTimeError, ReadModelUnavailableError, TokenRefusal
from get_account.records import CustomerRecord, Principal, StoredAccount
from get_account.store import CallLimits, DynamoReadModelReader
from mvno_shared import schema
from mvno_shared.attempt_timer import AttemptOverrunError
from mvno_shared.views import View
from support.dynamodb_faults import dynamodb_response

TABLE = "accounts"
INDEX = "by-number"
TOKEN_HASH = "ab" * 32
ACCOUNT_ID = "1234567890abcdef12345678"
TOKEN_PK = {"pk": {"S": f"token#{TOKEN_HASH}"}}
ACCOUNT_PK = {"pk": {"S": f"account#{ACCOUNT_ID}"}}

TOKEN_ITEM = {
    **TOKEN_PK,
    "kind": {"S": "token"},
    "employee": {"S": "e" * 24},
    "customer": {"S": "c" * 24},
    "accessLevel": {"S": "RESELLER"},
    "expiresAt": {"N": "1893456000000"},
}
ACCOUNT_ITEM = {
    **ACCOUNT_PK,
    "kind": {"S": "account"},
    "version": {"N": "4"},
    "customer": {"S": "c" * 24},
    "state": {"S": "ACTIVE"},
    "viewCustomer": {"S": '{"_id":"1234567890abcdef12345678"}'},
    "viewResellerExtra": {"S": '"notes":"n"'},
}


@cache
def _session() -> Any:
    # One session for the module: its loaders parse the service model once, not per test.
    return botocore.session.get_session()


@pytest.fixture
def client(aws_environment: None) -> Any:
    # One send per attempt, as GetAccount's own client (get_account.wiring) makes.
    return _session().create_client("dynamodb", config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def sent(client: Any) -> list[dict[str, Any]]:
    """The parameters of every call made on the client, in order."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(dict(params))

    client.meta.events.register("provide-client-params.dynamodb", record)
    return calls


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def store(client: Any, sleeps: list[float]) -> DynamoReadModelReader:
    # One attempt per call: a stubbed or injected failure is seen as the last attempt would see it.
    return DynamoReadModelReader(
        client, TABLE, INDEX, CallLimits(attempt_seconds=0.75, attempts=1), sleep=sleeps.append
    )


def projection_names(params: dict[str, Any]) -> set[str]:
    names: dict[str, str] = params["ExpressionAttributeNames"]
    return {names[placeholder.strip()] for placeholder in params["ProjectionExpression"].split(",")}


def test_given_token_and_account_when_read_together_then_one_batch_get_with_both_keys(
    store: DynamoReadModelReader, stubber: Stubber, sent: list[dict[str, Any]]
) -> None:
    stubber.add_response(
        "batch_get_item",
        {"Responses": {TABLE: [ACCOUNT_ITEM, TOKEN_ITEM]}, "UnprocessedKeys": {}},
        {
            "RequestItems": {
                TABLE: {
                    "Keys": [TOKEN_PK, ACCOUNT_PK],
                    "ProjectionExpression": ANY,
                    "ExpressionAttributeNames": ANY,
                }
            }
        },
    )

    principal, account = store.token_and_account(TOKEN_HASH, ACCOUNT_ID, unlimited())

    assert len(sent) == 1
    assert projection_names(sent[0]["RequestItems"][TABLE]) == {
        *("pk", "kind", "revoked", "employee", "customer", "accessLevel", "expiresAt"),
        *("version", "state", "viewCustomer", "viewResellerExtra", "viewAdminExtra", "secretGroups"),
    }
    assert principal == Principal("e" * 24, "c" * 24, "RESELLER", 1893456000000)
    assert account == StoredAccount(
        account_id=ACCOUNT_ID,
        customer="c" * 24,
        state="ACTIVE",
        version=4,
        customer_view='{"_id":"1234567890abcdef12345678"}',
        reseller_extra='"notes":"n"',
        admin_extra="",
        secret_groups=(),
    )


def test_given_unprocessed_keys_when_batch_read_then_retried_with_backoff(
    store: DynamoReadModelReader, stubber: Stubber, sleeps: list[float]
) -> None:
    leftover = {TABLE: {"Keys": [ACCOUNT_PK], "ProjectionExpression": "#a0", "ExpressionAttributeNames": {"#a0": "pk"}}}
    stubber.add_response("batch_get_item", {"Responses": {TABLE: [TOKEN_ITEM]}, "UnprocessedKeys": leftover})
    stubber.add_response("batch_get_item", {"Responses": {TABLE: [ACCOUNT_ITEM]}}, {"RequestItems": leftover})

    principal, account = store.token_and_account(TOKEN_HASH, ACCOUNT_ID, unlimited())

    assert isinstance(principal, Principal)
    assert account is not None
    assert len(sleeps) == 1


def test_given_keys_never_processed_when_batch_read_then_unavailable(
    store: DynamoReadModelReader, stubber: Stubber, sleeps: list[float]
) -> None:
    leftover = {TABLE: {"Keys": [TOKEN_PK, ACCOUNT_PK]}}
    for _ in range(3):
        stubber.add_response("batch_get_item", {"Responses": {TABLE: []}, "UnprocessedKeys": leftover})

    with pytest.raises(ReadModelUnavailableError):
        store.token_and_account(TOKEN_HASH, ACCOUNT_ID, unlimited())
    assert sleeps == [0.025, 0.05]


@pytest.mark.parametrize(
    ("view", "views"),
    [
        (View.CUSTOMER, {"viewCustomer"}),
        (View.RESELLER, {"viewCustomer", "viewResellerExtra"}),
        (View.ADMIN, {"viewCustomer", "viewResellerExtra", "viewAdminExtra"}),
    ],
)
def test_given_cached_principal_when_account_read_then_get_item_projects_only_the_views_it_sees(
    store: DynamoReadModelReader,
    stubber: Stubber,
    sent: list[dict[str, Any]],
    view: View,
    views: set[str],
) -> None:
    stubber.add_response("get_item", {"Item": ACCOUNT_ITEM})

    store.account(ACCOUNT_ID, view, unlimited())

    [request] = sent
    assert request["Key"] == ACCOUNT_PK
    assert projection_names(request) == {"kind", "customer", "state", "version", "secretGroups"} | views


def test_given_number_when_queried_then_index_is_used_and_pages_are_followed(
    store: DynamoReadModelReader, stubber: Stubber, sent: list[dict[str, Any]]
) -> None:
    second = {**ACCOUNT_ITEM, "version": {"N": "5"}, "state": {"S": "DELETING"}}
    stubber.add_response("query", {"Items": [ACCOUNT_ITEM], "LastEvaluatedKey": ACCOUNT_PK})
    stubber.add_response("query", {"Items": [second]})

    accounts = store.accounts_with_number("+4512345678", View.CUSTOMER, unlimited())

    assert [(account.state, account.version) for account in accounts] == [("ACTIVE", 4), ("DELETING", 5)]
    first_request, second_request = sent
    assert (first_request["TableName"], first_request["IndexName"]) == (TABLE, INDEX)
    assert first_request["ExpressionAttributeValues"] == {":number": {"S": "+4512345678"}}
    assert "ExclusiveStartKey" not in first_request
    assert second_request["ExclusiveStartKey"] == ACCOUNT_PK


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (None, TokenRefusal.UNKNOWN),
        ({**TOKEN_PK, "kind": {"S": "token"}, "revoked": {"BOOL": True}}, TokenRefusal.REVOKED),
        ({**TOKEN_ITEM, "accessLevel": {"S": "GOD_MODE"}}, Principal("e" * 24, "c" * 24, "GOD_MODE", 1893456000000)),
        ({k: v for k, v in TOKEN_ITEM.items() if k != "expiresAt"}, Principal("e" * 24, "c" * 24, "RESELLER", None)),
        ({k: v for k, v in TOKEN_ITEM.items() if k != "customer"}, TokenRefusal.MALFORMED),
        ({**TOKEN_ITEM, "expiresAt": {"S": "tomorrow"}}, TokenRefusal.MALFORMED),
        ({**TOKEN_ITEM, "kind": {"S": "account"}}, TokenRefusal.UNKNOWN),
    ],
)
def test_given_stored_token_item_when_read_then_principal_or_refusal(
    store: DynamoReadModelReader, stubber: Stubber, item: dict[str, Any] | None, expected: object
) -> None:
    stubber.add_response("get_item", {} if item is None else {"Item": item})

    assert store.token(TOKEN_HASH, unlimited()) == expected


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (None, None),
        ({"pk": {"S": "customer#x"}, "kind": {"S": "tombstone"}, "version": {"N": "2"}}, None),
        ({"pk": {"S": "customer#x"}, "kind": {"S": "customer"}}, CustomerRecord(None)),
        ({"pk": {"S": "customer#x"}, "kind": {"S": "customer"}, "parentReseller": {"S": "r"}}, CustomerRecord("r")),
    ],
)
def test_given_customer_item_when_read_then_record_or_none(
    store: DynamoReadModelReader, stubber: Stubber, item: dict[str, Any] | None, expected: CustomerRecord | None
) -> None:
    stubber.add_response("get_item", {} if item is None else {"Item": item})

    assert store.customer("x", unlimited()) == expected


def test_given_tombstone_when_account_read_then_none(store: DynamoReadModelReader, stubber: Stubber) -> None:
    tombstone = {**ACCOUNT_PK, "kind": {"S": schema.KIND_TOMBSTONE}, "version": {"N": "9"}, "purgeAt": {"N": "1"}}
    stubber.add_response("get_item", {"Item": tombstone})

    assert store.account(ACCOUNT_ID, View.ADMIN, unlimited()) is None


def test_given_account_without_view_when_read_then_corrupt_record(
    store: DynamoReadModelReader, stubber: Stubber
) -> None:
    stubber.add_response("get_item", {"Item": {k: v for k, v in ACCOUNT_ITEM.items() if k != "viewCustomer"}})

    with pytest.raises(CorruptRecordError):
        store.account(ACCOUNT_ID, View.CUSTOMER, unlimited())


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ProvisionedThroughputExceededException", 400),
        ("ThrottlingException", 400),
        ("RequestLimitExceeded", 400),
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
    ],
)
def test_given_throttling_or_server_error_when_read_then_unavailable(
    store: DynamoReadModelReader, stubber: Stubber, code: str, status: int
) -> None:
    stubber.add_client_error("get_item", service_error_code=code, http_status_code=status)

    with pytest.raises(ReadModelUnavailableError):
        store.token(TOKEN_HASH, unlimited())


def test_given_a_request_error_when_read_then_it_is_not_disguised_as_unavailable(
    store: DynamoReadModelReader, stubber: Stubber
) -> None:
    stubber.add_client_error("get_item", service_error_code="ResourceNotFoundException", http_status_code=400)

    with pytest.raises(ClientError):
        store.token(TOKEN_HASH, unlimited())


def test_given_unreachable_endpoint_when_read_then_unavailable(client: Any, store: DynamoReadModelReader) -> None:
    def refuse_connection(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")

    client.meta.events.register("before-send.dynamodb.GetItem", refuse_connection)

    with pytest.raises(ReadModelUnavailableError):
        store.token(TOKEN_HASH, unlimited())


# Attempts, deadline and unreadable answers, at botocore's transport (before-send).


class Transport:
    """Answers each send with the next scripted outcome (an answer, or an exception to raise)."""

    def __init__(self, client: Any, *outcomes: AWSResponse | Exception) -> None:
        self.outcomes = list(outcomes)
        self.sends: list[str] = []
        client.meta.events.register("before-send.dynamodb", self._send)

    def _send(self, request: Any, **_: Any) -> AWSResponse:
        self.sends.append(request.headers["X-Amz-Target"].decode().split(".")[-1])
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def limits_seen() -> list[float]:
    return []


@pytest.fixture
def retrying_store(client: Any, sleeps: list[float], limits_seen: list[float]) -> DynamoReadModelReader:
    """The store as GetAccount builds it: two attempts per call, each under its limit (recorded)."""

    def attempt_limit(seconds: float) -> AbstractContextManager[None]:
        limits_seen.append(seconds)
        return nullcontext()

    limits = CallLimits(attempt_seconds=0.75, attempts=2, retry_pause_seconds=0.025)
    return DynamoReadModelReader(client, TABLE, INDEX, limits, sleep=sleeps.append, attempt_limit=attempt_limit)


UNREADABLE = {
    "a proxy's page": b"<html><body>502 Bad Gateway</body></html>",
    "an empty body": b"",
    "truncated JSON": b'{"Item": {"pk": {"S": "acc',
    "JSON that is not an object": b"[]",
    "a string": b'"ok"',
    "an object of the wrong shape": b'{"Item": [], "Items": 3, "Responses": []}',
    "an object with the wrong member types": b'{"Item": {"pk": 5}, "Items": [5], "Responses": {"accounts": [5]}}',
}
STORE_CALLS: dict[str, Callable[[DynamoReadModelReader], object]] = {
    "BatchGetItem token and account": lambda store: store.token_and_account(TOKEN_HASH, ACCOUNT_ID, unlimited()),
    "GetItem token": lambda store: store.token(TOKEN_HASH, unlimited()),
    "GetItem account": lambda store: store.account(ACCOUNT_ID, View.ADMIN, unlimited()),
    "GetItem customer": lambda store: store.customer("c" * 24, unlimited()),
    "Query number": lambda store: store.accounts_with_number("+4512345678", View.ADMIN, unlimited()),
}


@pytest.mark.parametrize("call", list(STORE_CALLS))
@pytest.mark.parametrize("body", list(UNREADABLE))
def test_given_an_unreadable_2xx_answer_to_any_store_call_when_read_then_unavailable_after_a_retry(
    client: Any, retrying_store: DynamoReadModelReader, call: str, body: str
) -> None:
    transport = Transport(client, dynamodb_response(200, UNREADABLE[body]))

    with pytest.raises(ReadModelUnavailableError):
        STORE_CALLS[call](retrying_store)
    assert len(transport.sends) == 2


@pytest.mark.parametrize(
    ("call", "empty_answer", "expected"),
    [
        ("GetItem token", b"{}", TokenRefusal.UNKNOWN),
        ("GetItem account", b" { } ", None),
        ("GetItem customer", b"{}", None),
        ("Query number", b'{"Count":0,"Items":[],"ScannedCount":0}', []),
        (
            "BatchGetItem token and account",
            b'{"Responses":{"accounts":[]},"UnprocessedKeys":{}}',
            (TokenRefusal.UNKNOWN, None),
        ),
    ],
)
def test_given_a_readable_empty_answer_when_read_then_nothing_found_not_unavailable(
    client: Any, retrying_store: DynamoReadModelReader, call: str, empty_answer: bytes, expected: object
) -> None:
    Transport(client, dynamodb_response(200, empty_answer))

    assert STORE_CALLS[call](retrying_store) == expected


def test_given_a_dropped_connection_when_read_then_one_retry_after_a_pause_answers(
    client: Any, retrying_store: DynamoReadModelReader, sleeps: list[float], limits_seen: list[float]
) -> None:
    dropped = ConnectionClosedError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")
    transport = Transport(
        client, dropped, dynamodb_response(200, b'{"Item": {"pk": {"S": "customer#x"}, "kind": {"S": "customer"}}}')
    )

    assert retrying_store.customer("x", unlimited()) == CustomerRecord(None)
    assert transport.sends == ["GetItem", "GetItem"]
    assert sleeps == [0.025]
    assert limits_seen == [0.75, 0.75]  # each attempt under its own limit


@pytest.mark.parametrize(
    "failure",
    [
        ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com"),
        HTTPClientError(error=AttemptOverrunError()),
        AttemptOverrunError(),
    ],
)
def test_given_every_attempt_times_out_when_read_then_unavailable_after_two_attempts(
    client: Any, retrying_store: DynamoReadModelReader, failure: Exception
) -> None:
    transport = Transport(client, failure)

    with pytest.raises(ReadModelUnavailableError):
        retrying_store.token(TOKEN_HASH, unlimited())
    assert len(transport.sends) == 2


def test_given_a_server_error_when_read_then_retried_once_then_unavailable(
    client: Any, retrying_store: DynamoReadModelReader
) -> None:
    body = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"oops"}'
    transport = Transport(client, dynamodb_response(500, body))

    with pytest.raises(ReadModelUnavailableError):
        retrying_store.token(TOKEN_HASH, unlimited())
    assert len(transport.sends) == 2


def test_given_throttling_when_read_then_unavailable_at_once_without_a_retry(
    client: Any, retrying_store: DynamoReadModelReader, sleeps: list[float]
) -> None:
    body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}'
    transport = Transport(client, dynamodb_response(400, body))

    with pytest.raises(ReadModelUnavailableError):
        retrying_store.token(TOKEN_HASH, unlimited())
    assert len(transport.sends) == 1
    assert sleeps == []


class Remaining:
    """Lambda's time left, run down by hand."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_given_too_little_time_for_the_retry_when_an_attempt_fails_then_out_of_time_with_the_failure_as_cause(
    client: Any, retrying_store: DynamoReadModelReader
) -> None:
    # Given time for one attempt (750 ms + the 250 ms margin) but not for a retry (775 + 250)
    timed_out = ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")
    transport = Transport(client, timed_out)
    deadline = Deadline(Remaining(1024), margin_ms=250)

    # When
    with pytest.raises(OutOfTimeError) as out_of_time:
        retrying_store.token(TOKEN_HASH, deadline)

    # Then
    assert len(transport.sends) == 1
    assert out_of_time.value.__cause__ is timed_out


def test_given_less_time_than_one_attempt_when_read_then_out_of_time_before_sending(
    client: Any, retrying_store: DynamoReadModelReader
) -> None:
    transport = Transport(client, dynamodb_response(200, b"{}"))

    with pytest.raises(OutOfTimeError):
        retrying_store.token(TOKEN_HASH, Deadline(Remaining(999), margin_ms=250))
    assert transport.sends == []


def test_given_unprocessed_keys_and_no_time_for_another_round_when_batch_read_then_out_of_time_without_sleeping(
    client: Any, retrying_store: DynamoReadModelReader, sleeps: list[float]
) -> None:
    leftover = json.dumps({"Responses": {TABLE: []}, "UnprocessedKeys": {TABLE: {"Keys": [TOKEN_PK]}}}).encode()
    remaining = Remaining(1000)
    transport = Transport(client, dynamodb_response(200, leftover))

    # 1000 ms covers the first round (750 + 250) but not a 25 ms pause and another round
    with pytest.raises(OutOfTimeError):
        retrying_store.token_and_account(TOKEN_HASH, ACCOUNT_ID, Deadline(remaining, margin_ms=250))
    assert transport.sends == ["BatchGetItem"]
    assert sleeps == []
