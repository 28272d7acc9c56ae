"""The data-access module against botocore's own Stubber: exact requests (projections, one round
trip), item parsing, and how throttling and unreachability become ReadModelUnavailableError."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import ANY, Stubber

from get_account.errors import CorruptRecordError, ReadModelUnavailableError, TokenRefusal
from get_account.records import CustomerRecord, Principal, StoredAccount
from get_account.store import DynamoReadModelReader
from mvno_shared import schema
from mvno_shared.views import View

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


@pytest.fixture
def client(aws_environment: None) -> Any:
    # One attempt: a stubbed or injected failure is seen as the last retry would see it.
    return botocore.session.get_session().create_client("dynamodb", config=Config(retries={"max_attempts": 1}))


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
    return DynamoReadModelReader(client, TABLE, INDEX, sleep=sleeps.append)


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

    principal, account = store.token_and_account(TOKEN_HASH, ACCOUNT_ID)

    assert len(sent) == 1
    assert projection_names(sent[0]["RequestItems"][TABLE]) == {
        *("pk", "kind", "revoked", "employee", "customer", "accessLevel", "expiresAt"),
        *("version", "state", "viewCustomer", "viewResellerExtra", "viewAdminExtra"),
    }
    assert principal == Principal("e" * 24, "c" * 24, "RESELLER", 1893456000000)
    assert account == StoredAccount(
        customer="c" * 24,
        state="ACTIVE",
        version=4,
        customer_view='{"_id":"1234567890abcdef12345678"}',
        reseller_extra='"notes":"n"',
        admin_extra="",
    )


def test_given_unprocessed_keys_when_batch_read_then_retried_with_backoff(
    store: DynamoReadModelReader, stubber: Stubber, sleeps: list[float]
) -> None:
    leftover = {TABLE: {"Keys": [ACCOUNT_PK], "ProjectionExpression": "#a0", "ExpressionAttributeNames": {"#a0": "pk"}}}
    stubber.add_response("batch_get_item", {"Responses": {TABLE: [TOKEN_ITEM]}, "UnprocessedKeys": leftover})
    stubber.add_response("batch_get_item", {"Responses": {TABLE: [ACCOUNT_ITEM]}}, {"RequestItems": leftover})

    principal, account = store.token_and_account(TOKEN_HASH, ACCOUNT_ID)

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
        store.token_and_account(TOKEN_HASH, ACCOUNT_ID)
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

    store.account(ACCOUNT_ID, view)

    [request] = sent
    assert request["Key"] == ACCOUNT_PK
    assert projection_names(request) == {"kind", "customer", "state", "version"} | views


def test_given_number_when_queried_then_index_is_used_and_pages_are_followed(
    store: DynamoReadModelReader, stubber: Stubber, sent: list[dict[str, Any]]
) -> None:
    second = {**ACCOUNT_ITEM, "version": {"N": "5"}, "state": {"S": "DELETING"}}
    stubber.add_response("query", {"Items": [ACCOUNT_ITEM], "LastEvaluatedKey": ACCOUNT_PK})
    stubber.add_response("query", {"Items": [second]})

    accounts = store.accounts_with_number("+4512345678", View.CUSTOMER)

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

    assert store.token(TOKEN_HASH) == expected


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

    assert store.customer("x") == expected


def test_given_tombstone_when_account_read_then_none(store: DynamoReadModelReader, stubber: Stubber) -> None:
    tombstone = {**ACCOUNT_PK, "kind": {"S": schema.KIND_TOMBSTONE}, "version": {"N": "9"}, "purgeAt": {"N": "1"}}
    stubber.add_response("get_item", {"Item": tombstone})

    assert store.account(ACCOUNT_ID, View.ADMIN) is None


def test_given_account_without_view_when_read_then_corrupt_record(
    store: DynamoReadModelReader, stubber: Stubber
) -> None:
    stubber.add_response("get_item", {"Item": {k: v for k, v in ACCOUNT_ITEM.items() if k != "viewCustomer"}})

    with pytest.raises(CorruptRecordError):
        store.account(ACCOUNT_ID, View.CUSTOMER)


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
        store.token(TOKEN_HASH)


def test_given_a_request_error_when_read_then_it_is_not_disguised_as_unavailable(
    store: DynamoReadModelReader, stubber: Stubber
) -> None:
    stubber.add_client_error("get_item", service_error_code="ResourceNotFoundException", http_status_code=400)

    with pytest.raises(ClientError):
        store.token(TOKEN_HASH)


def test_given_unreachable_endpoint_when_read_then_unavailable(client: Any, store: DynamoReadModelReader) -> None:
    def refuse_connection(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")

    client.meta.events.register("before-send.dynamodb.GetItem", refuse_connection)

    with pytest.raises(ReadModelUnavailableError):
        store.token(TOKEN_HASH)
