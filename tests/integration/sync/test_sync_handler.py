"""Sync Lambda against the read model (moto, then dynalite), driven by the files in events/sync."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from account_sync.handler import lambda_handler
from account_sync.wiring import sync_dynamodb_client
from conftest import TableFixture
from mvno_shared import schema
from mvno_shared.levels import level_rank
from mvno_shared.views import View, compose_view
from support.event_files import change_event, load_event, sqs_event
from support.golden import golden_text, spec_example_account
from support.lambda_context import sync_lambda_context

SPEC_ACCOUNT_ID = "1234567890abcdef12345678"
SPEC_ACCOUNT = spec_example_account()


def handle(*changes: dict[str, Any]) -> list[str]:
    """Run the Sync handler on one batch; the ids of the messages it reported as failed."""
    event = sqs_event(*changes)
    response = lambda_handler(event, sync_lambda_context())
    return failed_message_ids(response)


def failed_message_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def account_upsert(version: int, **account_fields: Any) -> dict[str, Any]:
    return change_event("account-upserted", version=version, account={**SPEC_ACCOUNT, **account_fields})


def find_by_number(read_model: TableFixture, number: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = read_model.client.query(
        TableName=read_model.table_name,
        IndexName="by-number",
        KeyConditionExpression="#n = :n",
        ExpressionAttributeNames={"#n": schema.NUMBER_ATTR},
        ExpressionAttributeValues={":n": {"S": number}},
    )["Items"]
    return items


@pytest.mark.parametrize(
    ("event_file", "key", "kind"),
    [
        ("account-upserted", schema.account_key(SPEC_ACCOUNT_ID), schema.KIND_ACCOUNT),
        ("account-deleted", schema.account_key(SPEC_ACCOUNT_ID), schema.KIND_TOMBSTONE),
        ("customer-upserted", schema.customer_key(SPEC_ACCOUNT_ID), schema.KIND_CUSTOMER),
        ("customer-deleted", schema.customer_key(SPEC_ACCOUNT_ID), schema.KIND_TOMBSTONE),
        ("token-issued", schema.token_key(schema.token_hash("spec-example-admin-token")), schema.KIND_TOKEN),
        ("token-revoked", schema.token_key(schema.token_hash("spec-example-admin-token")), schema.KIND_TOKEN),
    ],
)
def test_given_each_detail_type_event_file_when_synced_then_its_record_is_stored(
    read_model: TableFixture, event_file: str, key: str, kind: str
) -> None:
    # Given
    event = load_event(f"sync/{event_file}.json")

    # When
    response = lambda_handler(event, sync_lambda_context())

    # Then
    assert response == {"batchItemFailures": []}
    stored = read_model.item(key)
    assert stored is not None
    assert stored[schema.KIND] == {"S": kind}


def test_given_mixed_batch_when_replayed_then_nothing_changes(read_model: TableFixture) -> None:
    # Given the mixed batch applied once
    batch = load_event("sync/mixed-batch.json")
    first = failed_message_ids(lambda_handler(batch, sync_lambda_context()))
    state_after_first = sorted(read_model.all_items(), key=lambda item: item["pk"]["S"])

    # When it is delivered again
    second = failed_message_ids(lambda_handler(batch, sync_lambda_context()))

    # Then the same two bad records fail and the table is byte for byte the same
    bad_ids = [record["messageId"] for record in batch["Records"][3:]]
    assert first == second == bad_ids
    assert sorted(read_model.all_items(), key=lambda item: item["pk"]["S"]) == state_after_first
    assert len(state_after_first) == 3


def test_given_deleted_account_when_older_upsert_arrives_late_then_it_stays_deleted(read_model: TableFixture) -> None:
    # Given
    assert handle(account_upsert(1), change_event("account-deleted", version=3)) == []

    # When
    assert handle(account_upsert(2)) == []

    # Then
    stored = read_model.item(schema.account_key(SPEC_ACCOUNT_ID))
    assert stored is not None
    assert stored[schema.KIND] == {"S": schema.KIND_TOMBSTONE}
    assert stored[schema.VERSION] == {"N": "3"}
    assert int(stored[schema.PURGE_AT_ATTR]["N"]) > 0
    assert find_by_number(read_model, SPEC_ACCOUNT["number"]) == []


def test_given_account_when_moved_and_renumbered_then_customer_and_number_index_follow_at_once(
    read_model: TableFixture,
) -> None:
    # Given
    assert handle(account_upsert(1)) == []
    assert len(find_by_number(read_model, "+4512345678")) == 1

    # When
    assert handle(account_upsert(2, customer="BBBBBBBBBBBBBBBBBBBBBBBB", number="+4587654321")) == []

    # Then
    stored = read_model.item(schema.account_key(SPEC_ACCOUNT_ID))
    assert stored is not None
    assert stored[schema.ACCOUNT_CUSTOMER] == {"S": "bbbbbbbbbbbbbbbbbbbbbbbb"}
    assert find_by_number(read_model, "+4512345678") == []
    assert [item["pk"]["S"] for item in find_by_number(read_model, "+4587654321")] == [
        schema.account_key(SPEC_ACCOUNT_ID)
    ]


def test_given_revoked_token_when_issued_again_then_it_stays_revoked(read_model: TableFixture) -> None:
    # Given
    assert handle(change_event("token-issued"), change_event("token-revoked")) == []

    # When
    assert handle(change_event("token-issued")) == []

    # Then
    token_hash = change_event("token-issued")["detail"]["tokenHash"]
    assert read_model.item(schema.token_key(token_hash)) == {
        "pk": {"S": schema.token_key(token_hash)},
        schema.KIND: {"S": schema.KIND_TOKEN},
        schema.TOKEN_REVOKED: {"BOOL": True},
    }


def test_given_token_issued_then_only_its_hash_and_principal_are_stored(read_model: TableFixture) -> None:
    # When
    assert handle(change_event("token-issued")) == []

    # Then
    detail = change_event("token-issued")["detail"]
    stored = read_model.item(schema.token_key(detail["tokenHash"]))
    assert stored is not None
    assert stored[schema.TOKEN_ACCESS_LEVEL] == {"S": "ADMIN"}
    assert stored[schema.TOKEN_CUSTOMER] == {"S": detail["customer"]}
    assert stored[schema.TOKEN_EXPIRES_AT] == {"N": "1893456000000"}  # 2030-01-01T00:00:00Z in ms
    # kept 35 days past expiry, so that its holder hears `expired` rather than `invalid_token`
    assert int(stored[schema.PURGE_AT_ATTR]["N"]) == 1893456000 + 35 * 86400


def test_given_spec_example_when_synced_then_stored_views_compose_to_the_golden_admin_view(
    read_model: TableFixture,
) -> None:
    # When
    assert handle(account_upsert(1)) == []

    # Then
    stored = read_model.item(schema.account_key(SPEC_ACCOUNT_ID))
    assert stored is not None
    customer_view, reseller_extra, admin_extra = (
        stored[name]["S"] if name in stored else ""
        for name in (schema.VIEW_CUSTOMER, schema.VIEW_RESELLER_EXTRA, schema.VIEW_ADMIN_EXTRA)
    )

    def view(level: str) -> str:
        return compose_view(customer_view, reseller_extra, admin_extra, View.for_rank(level_rank(level)))

    admin_view = view("ADMIN")
    golden = golden_text("spec_example_admin_view.json")
    assert admin_view == golden.rstrip("\n")
    viewer = json.loads(view("VIEWER"))
    reseller = json.loads(view("RESELLER"))
    restricted = {"socs", "socsOverride", "purchaseInfo", "socLimit", "notes"}
    assert viewer == {key: value for key, value in json.loads(golden).items() if key not in restricted}
    assert reseller == {key: value for key, value in json.loads(golden).items() if key not in restricted - {"notes"}}


def test_given_throttled_write_when_batch_synced_then_only_that_record_fails(read_model: TableFixture) -> None:
    # Given DynamoDB throttles the write of one customer record
    throttled_key = schema.customer_key("cccccccccccccccccccccccc")

    def throttle(params: dict[str, Any], **_: Any) -> None:
        # before-call sees the serialised request: its body is the PutItem's JSON
        if json.loads(params["body"])["Item"]["pk"]["S"] == throttled_key:
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}
            raise ClientError(cast(Any, error), "PutItem")

    # on the client Sync writes with (its own timeouts and retries)
    sync_dynamodb_client().meta.events.register("before-call.dynamodb.PutItem", throttle)
    changes = [
        account_upsert(1),
        change_event("customer-upserted", customer={"_id": "cccccccccccccccccccccccc"}),
        change_event("token-issued"),
    ]
    event = sqs_event(*changes)

    # When
    failed = failed_message_ids(lambda_handler(event, sync_lambda_context()))

    # Then
    assert failed == [event["Records"][1]["messageId"]]
    assert read_model.item(throttled_key) is None
    assert read_model.item(schema.account_key(SPEC_ACCOUNT_ID)) is not None
    assert read_model.item(schema.token_key(changes[2]["detail"]["tokenHash"])) is not None


def test_given_token_that_never_expires_when_synced_then_it_is_stored_without_purge_time(
    read_model: TableFixture,
) -> None:
    # Given a "never" expiry and a hash in upper case
    token_hash = schema.token_hash("never-expiring")
    change = change_event("token-issued", tokenHash=token_hash.upper(), expiresAt="9999-12-31T23:59:59Z")

    # When
    assert handle(change) == []

    # Then the hash is stored lower-case, the expiry kept, and nothing schedules its purge
    stored = read_model.item(schema.token_key(token_hash))
    assert stored is not None
    assert stored[schema.TOKEN_EXPIRES_AT] == {"N": "253402300799000"}
    assert schema.PURGE_AT_ATTR not in stored


def test_given_event_time_without_offset_when_synced_then_it_is_taken_as_utc(read_model: TableFixture) -> None:
    change = {**change_event("customer-upserted"), "time": "2026-11-27T10:00:00"}
    assert handle(change) == []
    assert read_model.item(schema.customer_key(SPEC_ACCOUNT_ID)) is not None


ADMIN_V1 = {"version": 1, "accessLevel": "ADMIN"}
VIEWER_V2 = {"version": 2, "accessLevel": "VIEWER"}


@pytest.mark.parametrize("one_batch", [False, True], ids=["one batch each", "both in one batch"])
@pytest.mark.parametrize("order", [(ADMIN_V1, VIEWER_V2), (VIEWER_V2, ADMIN_V1)], ids=["in order", "reversed"])
def test_given_two_versioned_grants_of_one_token_when_synced_in_either_order_then_the_newer_one_holds(
    read_model: TableFixture, order: tuple[dict[str, Any], dict[str, Any]], one_batch: bool
) -> None:
    # Given an ADMIN grant at version 1 and a VIEWER grant at version 2 of the same token
    grants = [change_event("token-issued", **grant) for grant in order]

    # When they arrive in this order
    if one_batch:
        assert handle(*grants) == []
    else:
        for grant in grants:
            assert handle(grant) == []

    # Then the token is a VIEWER: a late older grant never raises it back to ADMIN
    stored = read_model.item(schema.token_key(grants[0]["detail"]["tokenHash"]))
    assert stored is not None
    assert stored[schema.TOKEN_ACCESS_LEVEL] == {"S": "VIEWER"}
    assert stored[schema.VERSION] == {"N": "2"}


def test_given_a_grant_when_delivered_again_or_late_then_it_is_counted_duplicate_or_stale(
    read_model: TableFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given
    assert handle(change_event("token-issued", version=5)) == []
    capsys.readouterr()

    # When the same version and an older one arrive
    assert handle(change_event("token-issued", version=5), change_event("token-issued", version=4)) == []

    # Then
    emf = next(json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    assert (emf["ChangesDuplicate"], emf["ChangesStale"]) == ([1.0], [1.0])
    assert "ChangesApplied" not in emf


def outcome_counts(capsys: pytest.CaptureFixture[str]) -> dict[str, list[float]]:
    """The outcome metrics of the batches handled since the last call (EMF lines on stdout)."""
    emf = next(json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    names = ("ChangesApplied", "ChangesDuplicate", "ChangesStale")
    return {name: emf[name] for name in names if name in emf}


REVOKED_TOKEN_KEY = schema.token_key(change_event("token-revoked")["detail"]["tokenHash"])
REVOKED_TOKEN = {
    "pk": {"S": REVOKED_TOKEN_KEY},
    schema.KIND: {"S": schema.KIND_TOKEN},
    schema.TOKEN_REVOKED: {"BOOL": True},
}


@pytest.mark.parametrize(
    "before",
    [["token-issued", "token-revoked"], ["token-revoked"], ["token-revoked", "token-issued"]],
    ids=["revoked after its grant", "revoked before any grant", "granted after its revocation"],
)
def test_given_a_revoked_token_when_its_revocation_is_delivered_again_then_it_is_a_duplicate_and_stays_final(
    read_model: TableFixture, capsys: pytest.CaptureFixture[str], before: list[str]
) -> None:
    # Given a token revoked, whatever came before or after its revocation
    assert handle(*[change_event(name) for name in before]) == []
    capsys.readouterr()

    # When the revocation arrives again (a redelivery, a second backfill), then a grant of any version
    assert handle(change_event("token-revoked")) == []
    again = outcome_counts(capsys)
    assert handle(change_event("token-issued", version=2**63 - 1)) == []

    # Then it was counted a duplicate, not applied, and the token is as revoked as before
    assert again == {"ChangesDuplicate": [1.0]}
    assert outcome_counts(capsys) == {"ChangesStale": [1.0]}
    assert read_model.item(REVOKED_TOKEN_KEY) == REVOKED_TOKEN


def test_given_a_granted_token_when_revoked_then_the_revocation_is_applied_over_the_grant(
    read_model: TableFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given
    assert handle(change_event("token-issued")) == []
    capsys.readouterr()

    # When
    assert handle(change_event("token-revoked")) == []

    # Then
    assert outcome_counts(capsys) == {"ChangesApplied": [1.0]}
    assert read_model.item(REVOKED_TOKEN_KEY) == REVOKED_TOKEN


def test_given_revoked_token_when_a_newer_grant_arrives_then_it_stays_revoked(read_model: TableFixture) -> None:
    # Given
    assert handle(change_event("token-issued", version=1), change_event("token-revoked")) == []

    # When a grant of any higher version arrives
    assert handle(change_event("token-issued", version=2**63 - 1, accessLevel="ADMIN")) == []

    # Then
    token_hash = change_event("token-issued")["detail"]["tokenHash"]
    assert read_model.item(schema.token_key(token_hash)) == {
        "pk": {"S": schema.token_key(token_hash)},
        schema.KIND: {"S": schema.KIND_TOKEN},
        schema.TOKEN_REVOKED: {"BOOL": True},
    }


def test_given_a_token_stored_before_grants_had_versions_when_a_versioned_grant_arrives_then_it_replaces_it(
    read_model: TableFixture,
) -> None:
    # Given a token record written without a version (before this rule)
    token_hash = change_event("token-issued")["detail"]["tokenHash"]
    legacy = {
        "pk": {"S": schema.token_key(token_hash)},
        schema.KIND: {"S": schema.KIND_TOKEN},
        schema.TOKEN_EMPLOYEE: {"S": "0123457890abcdef12345678"},
        schema.TOKEN_CUSTOMER: {"S": "aaaaaaaaaaaaaaaaaaaaaaaa"},
        schema.TOKEN_ACCESS_LEVEL: {"S": "ADMIN"},
    }
    read_model.client.put_item(TableName=read_model.table_name, Item=legacy)

    # When
    assert handle(change_event("token-issued", version=1, accessLevel="VIEWER")) == []

    # Then
    stored = read_model.item(schema.token_key(token_hash))
    assert stored is not None
    assert (stored[schema.TOKEN_ACCESS_LEVEL], stored[schema.VERSION]) == ({"S": "VIEWER"}, {"N": "1"})
