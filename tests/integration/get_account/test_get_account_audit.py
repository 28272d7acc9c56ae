"""The audit trail of secret reads (docs/http-contract.md): one structured record per 200 whose body
holds a secret, naming who read which secret groups of which account, never a value; nothing for
a body without secrets or for a refusal. Data through Sync; records read from stdout, as Lambda
sends them to the log group."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from conftest import TableFixture
from mvno_shared import schema
from support import log_capture
from support.api_events import api_event, call_get_account
from support.event_files import change_event
from support.lambda_context import FakeLambdaContext
from support.read_model_seed import account_document, issue_token, secret_code, sync, upsert_account

secrets_never_logged_here = pytest.fixture(scope="module", autouse=True)(log_capture.guard_module)

CUSTOMER = "0000000000000000000000c1"
ACCOUNT_ID = "00000000000000000000a001"
NUMBER = "+4570000001"
ISO_MILLIS_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def sim(**fields: Any) -> dict[str, Any]:
    return {"simNumber": "8945020184621230000", "imsi": "238020000000000", "network": "TDC", **fields}


def codes() -> dict[str, str]:
    return {"pin1": secret_code(), "pin2": secret_code(), "puk1": secret_code(), "puk2": secret_code()}


def every_secret_group() -> dict[str, Any]:
    """Fields that put a secret in every one of the five groups."""
    return {
        "dataSharingSims": [{**sim(**codes()), "number": "+4511112222", "name": "Tablet"}],
        "mvnoSimNetworkChangeTo": sim(activationCode=f"LPA:1$smdp.example${secret_code()}"),
        # voicemail is returned only with feature.voicemail, no sipAccount and no PBX
        "feature": {"voicemail": True},
        "sipAccount": None,
        "pbx": 0,
    }


def read(
    account_id: str, token: str, context: FakeLambdaContext | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    event = api_event("get-account-by-id", account_id=account_id, bearer=token)
    response = call_get_account(event, context=context)
    return event, response


def audit_records(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith('{"audit":true')]


def values_in(document: Any) -> set[str]:
    """Every string a document holds, at any depth."""
    if isinstance(document, dict):
        return set().union(*(values_in(value) for value in document.values())) if document else set()
    if isinstance(document, list):
        return set().union(*(values_in(value) for value in document)) if document else set()
    return {document} if isinstance(document, str) else set()


@pytest.mark.parametrize("lookup", ["id", "number"])
def test_given_a_body_with_every_secret_group_when_read_then_one_audit_record_naming_them_and_no_value(
    read_model: TableFixture, capsys: pytest.CaptureFixture[str], lookup: str
) -> None:
    # Given
    document = upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER, **every_secret_group())
    token = issue_token("VIEWER", CUSTOMER)
    context = FakeLambdaContext()
    capsys.readouterr()

    # When
    event, response = read(ACCOUNT_ID if lookup == "id" else NUMBER, token, context)

    # Then
    assert response["statusCode"] == 200
    [line] = audit_records(capsys)
    record = json.loads(line)
    assert record == {
        "audit": True,
        "event": "secretRead",
        "time": record["time"],
        "requestId": event["requestContext"]["requestId"],
        "functionRequestId": context.aws_request_id,
        "employee": "e0e0e0e0e0e0e0e0e0e0e0e0",
        "principalCustomer": CUSTOMER,
        "accessLevel": "VIEWER",
        "accountId": ACCOUNT_ID,
        "secretGroups": [
            "mvnoSim",
            "dataSharingSims",
            "mvnoSimNetworkChangeTo",
            "smartWatch.smartWatchSim",
            "voicemail",
        ],
    }
    assert ISO_MILLIS_UTC.fullmatch(record["time"])
    # Never a value: no string of the account (codes, ICCIDs, names...) but its id and customer
    served = json.loads(response["body"])
    assert "activationCode" in served["mvnoSimNetworkChangeTo"]
    assert (values_in(record) & values_in(document)) <= {ACCOUNT_ID, CUSTOMER}
    assert log_capture.leaks([line]) == []


def test_given_a_body_without_secrets_when_read_then_no_audit_record(
    read_model: TableFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an account whose SIM carries no codes and that has no smart watch
    upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER, mvnoSim=sim(), smartWatch=None)
    token = issue_token("VIEWER", CUSTOMER)
    capsys.readouterr()

    # When
    _, response = read(ACCOUNT_ID, token)

    # Then
    assert response["statusCode"] == 200
    assert audit_records(capsys) == []


@pytest.mark.parametrize(
    ("account_id", "caller_customer", "status"),
    [
        (ACCOUNT_ID, "0000000000000000000000c9", 403),
        ("ffffffffffffffffffffffff", CUSTOMER, 404),
    ],
)
def test_given_a_refused_read_when_answered_then_no_audit_record(
    read_model: TableFixture, capsys: pytest.CaptureFixture[str], account_id: str, caller_customer: str, status: int
) -> None:
    upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER)
    token = issue_token("VIEWER", caller_customer)
    capsys.readouterr()

    _, response = read(account_id, token)

    assert response["statusCode"] == status
    assert audit_records(capsys) == []


def test_given_sync_when_an_account_is_stored_then_its_secret_groups_are_stored_with_the_views(
    read_model: TableFixture,
) -> None:
    upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER, **every_secret_group())
    upsert_account("00000000000000000000a002", CUSTOMER, "+4570000002", mvnoSim=sim(), smartWatch=None)

    with_secrets = read_model.item(schema.account_key(ACCOUNT_ID))
    without = read_model.item(schema.account_key("00000000000000000000a002"))

    assert with_secrets is not None
    assert without is not None
    assert with_secrets[schema.ACCOUNT_SECRET_GROUPS] == {
        "S": "mvnoSim,dataSharingSims,mvnoSimNetworkChangeTo,smartWatch.smartWatchSim,voicemail"
    }
    assert schema.ACCOUNT_SECRET_GROUPS not in without


def test_given_an_account_stored_before_sync_wrote_secret_groups_when_read_then_still_audited(
    read_model: TableFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the spec example stored as an older Sync stored it: views, but no secret groups
    sync(change_event("account-upserted", account=account_document(ACCOUNT_ID, CUSTOMER, NUMBER)))
    stored = read_model.item(schema.account_key(ACCOUNT_ID))
    assert stored is not None
    del stored[schema.ACCOUNT_SECRET_GROUPS]
    read_model.client.put_item(TableName=read_model.table_name, Item=stored)
    token = issue_token("OWNER", CUSTOMER)
    capsys.readouterr()

    # When
    _, response = read(ACCOUNT_ID, token)

    # Then: the groups are found in the stored view itself
    assert response["statusCode"] == 200
    [line] = audit_records(capsys)
    assert json.loads(line)["secretGroups"] == ["mvnoSim", "smartWatch.smartWatchSim"]
