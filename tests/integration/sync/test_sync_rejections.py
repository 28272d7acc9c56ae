"""Bad input is rejected item by item, logged without secrets, and never overwrites good data."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from account_sync.handler import lambda_handler
from conftest import ReadModel
from mvno_shared import read_model as schema
from support.event_files import change_event, sqs_event
from support.golden import spec_example_account
from support.lambda_context import FakeLambdaContext

ACCOUNT_KEY = schema.account_key("1234567890abcdef12345678")
SECRETS = ("12345678", "1234567890")  # the example's PUK codes and voicemail pin


def _with(path: str, value: Any) -> dict[str, Any]:
    """The spec example with the dotted path set to value."""
    account = copy.deepcopy(spec_example_account())
    *parents, leaf = path.split(".")
    node: Any = account
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[leaf] = value
    return account


def rejection_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The structured fields of each `change event rejected` log line."""
    return [vars(record) for record in caplog.records if record.getMessage() == "change event rejected"]


SIM = {"simNumber": "8945020184621234567", "network": "TDC", "puk1": "12345678", "pin1": "1234"}

INVALID_ACCOUNTS = {
    "wrong type (string for boolean)": (_with("feature.roaming", "yes"), "detail.account.feature.roaming"),
    "wrong type (string for number)": (_with("pbx", "1"), "detail.account.pbx"),
    "bad id": (_with("customer", "not-a-hex-id"), "detail.account.customer"),
    "bad number": (_with("number", "4512345678"), "detail.account.number"),
    "unparseable date": (_with("startDate", "2020-20-20T00:00:00Z"), "detail.account.startDate"),
    "wrong type (string for a documented number)": (_with("topUp.data", "1GB"), "detail.account.topUp.data"),
    "custom over 4096 bytes": (_with("custom", {"blob": "x" * 4100}), "detail.account.custom"),
    "more than 3 dataSharingSims": (_with("dataSharingSims", [SIM] * 4), "detail.account.dataSharingSims"),
}


@pytest.mark.parametrize("case", list(INVALID_ACCOUNTS), ids=list(INVALID_ACCOUNTS))
def test_given_stored_account_when_invalid_upsert_arrives_then_only_it_fails_and_the_record_is_untouched(
    read_model: ReadModel, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a stored account
    lambda_handler(sqs_event(change_event("account-upserted", version=1)), FakeLambdaContext())
    before = read_model.item(ACCOUNT_KEY)
    account, failing_path = INVALID_ACCOUNTS[case]
    bad = change_event("account-upserted", version=2, account=account)
    good = change_event("customer-upserted", version=1)
    event = sqs_event(bad, good)
    caplog.clear()

    # When
    response = lambda_handler(event, FakeLambdaContext())

    # Then the bad record fails alone, the good one is applied, the account is as it was
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    assert read_model.item(ACCOUNT_KEY) == before
    assert read_model.item(schema.customer_key("1234567890abcdef12345678")) is not None
    # And one structured log line names the event and the failing path, and no secret value
    rejections = rejection_lines(caplog)
    assert len(rejections) == 1
    assert rejections[0]["event_id"] == bad["id"]
    assert rejections[0]["detail_type"] == "MvnoAccountUpserted"
    assert rejections[0]["failing_paths"] == [failing_path]
    everything_logged = json.dumps([vars(record) for record in caplog.records], default=str)
    assert not any(secret in everything_logged for secret in SECRETS)


@pytest.mark.parametrize(
    ("change", "failing_path"),
    [
        ({**change_event("customer-upserted"), "detail-type": "SimSwapped"}, "detail-type"),
        (change_event("account-deleted", accountId="1234"), "detail.accountId"),
        (change_event("account-deleted", version="2"), "detail.version"),
        (
            change_event("customer-upserted", customer={"_id": "1234567890abcdef12345678", "parentReseller": "x"}),
            "detail.customer.parentReseller",
        ),
        (change_event("token-issued", tokenHash="NOT-A-HASH"), "detail.tokenHash"),
        (change_event("token-issued", expiresAt="tomorrow"), "detail.expiresAt"),
        (change_event("token-revoked", tokenHash=None), "detail.tokenHash"),
    ],
    ids=["unknown detail-type", "bad account id", "string version", "bad parent", "bad hash", "bad expiry", "no hash"],
)
def test_given_invalid_event_of_any_type_when_synced_then_it_fails_naming_the_path(
    moto_read_model: ReadModel, change: dict[str, Any], failing_path: str, caplog: pytest.LogCaptureFixture
) -> None:
    # When
    event = sqs_event(change)
    response = lambda_handler(event, FakeLambdaContext())

    # Then
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    assert moto_read_model.all_items() == []
    [rejection] = rejection_lines(caplog)
    assert rejection["failing_paths"] == [failing_path]
    assert "NOT-A-HASH" not in json.dumps([vars(record) for record in caplog.records], default=str)


def test_given_body_that_is_not_json_when_synced_then_it_is_rejected(moto_read_model: ReadModel) -> None:
    event = sqs_event(change_event("customer-upserted"))
    event["Records"][0]["body"] = "{not json"
    response = lambda_handler(event, FakeLambdaContext())
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]


def test_given_outcomes_when_synced_then_metrics_count_each_kind(
    moto_read_model: ReadModel, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given
    newer, older = change_event("customer-upserted", version=2), change_event("customer-upserted", version=1)
    invalid = change_event("customer-deleted", customerId="x")

    # When one batch applies, duplicates, goes stale and rejects
    lambda_handler(sqs_event(newer, newer, older, invalid), FakeLambdaContext())

    # Then the EMF line carries each count and the lag
    emf = next(json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    assert emf["ChangesApplied"] == [1.0]
    assert emf["ChangesDuplicate"] == [1.0]
    assert emf["ChangesStale"] == [1.0]
    assert emf["ChangesRejected"] == [1.0]
    assert emf["SyncLag"][0] > 0
