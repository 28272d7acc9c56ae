"""Data at rest and logs in template.yaml: one customer-managed key, retention everywhere."""

from __future__ import annotations

import json

import pytest

from mvno_local.template import logical_ids_of_type, properties, resource, template
from unit.infrastructure.template_facts import (
    as_list,
    get_att,
    parameter_value,
    ref,
    statements,
)

KEY = get_att("EncryptionKey")


def test_given_key_when_read_then_customer_managed_rotated_and_retained_with_the_table() -> None:
    # When
    key = resource("EncryptionKey")

    # Then
    assert logical_ids_of_type("AWS::KMS::Key") == ["EncryptionKey"]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"


def test_given_table_when_read_then_encrypted_with_the_key_recoverable_and_protected() -> None:
    # When
    table = resource("AccountsTable")

    # Then
    assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY}
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("queue_id", ["SyncQueue", "SyncDeadLetterQueue"])
def test_given_queue_when_read_then_encrypted_with_the_key(queue_id: str) -> None:
    assert properties(queue_id)["KmsMasterKeyId"] == KEY


def test_given_every_queue_when_read_then_none_is_left_unencrypted() -> None:
    queues = logical_ids_of_type("AWS::SQS::Queue")
    assert sorted(queues) == ["SyncDeadLetterQueue", "SyncQueue"]
    assert all(properties(queue).get("KmsMasterKeyId") == KEY for queue in queues)


def test_given_every_log_group_when_read_then_it_has_a_retention_of_a_year_or_more_and_the_key() -> None:
    # When
    log_groups = logical_ids_of_type("AWS::Logs::LogGroup")

    # Then
    assert len(log_groups) == 3
    for log_group in log_groups:
        group = properties(log_group)
        retention = parameter_value(group["RetentionInDays"])
        assert isinstance(retention, int), log_group
        assert retention >= 365, log_group
        assert group["KmsKeyId"] == KEY, log_group


def test_given_retention_parameter_when_read_then_no_allowed_value_is_under_a_year() -> None:
    parameter = template()["Parameters"]["LogRetentionInDays"]
    assert min(parameter["AllowedValues"]) >= 365


@pytest.mark.parametrize("function_id", ["GetAccountFunction", "SyncFunction"])
def test_given_function_when_read_then_it_logs_to_its_own_log_group_from_the_template(function_id: str) -> None:
    # When: Lambda would otherwise create an unencrypted group with no retention on first log line
    log_group = properties(function_id)["LoggingConfig"]["LogGroup"]

    # Then
    assert log_group["Ref"] in logical_ids_of_type("AWS::Logs::LogGroup")


def test_given_http_api_when_read_then_access_logs_go_to_a_template_log_group_without_tokens() -> None:
    # When
    access_logs = properties("HttpApi")["AccessLogSettings"]

    # Then
    assert access_logs["DestinationArn"] == get_att("HttpApiAccessLogGroup")
    fields = json.loads(access_logs["Format"])
    assert {"requestId", "status", "routeKey"} <= set(fields)
    # The token can arrive as ?token= or in the Authorization header: neither may be logged.
    logged = " ".join(fields.values()).lower()
    for leak in ("querystring", "$request.", "authorization", "$context.path"):
        assert leak not in logged


def test_given_key_policy_when_read_then_no_wildcard_principal_and_services_scoped_to_this_stack() -> None:
    # When
    policy = statements(properties("EncryptionKey")["KeyPolicy"])

    # Then
    by_principal = {json.dumps(statement["Principal"], sort_keys=True): statement for statement in policy}
    assert all(statement["Principal"] != "*" for statement in policy)
    logs = by_principal[json.dumps({"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}})]
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]
    # EventBridge sends to the encrypted queue as itself, so it needs a data key from this key.
    # (It has more statements: the bus's archive, tests/ops/test_ops_targets.py.)
    events = {
        statement["Sid"]: statement
        for statement in policy
        if statement["Principal"] == {"Service": "events.amazonaws.com"}
    }
    delivery = events["EventBridgeDeliversChangeEventsToEncryptedQueues"]
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= set(as_list(delivery["Action"]))
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": ref("AWS::AccountId")}


RETAINED = [*logical_ids_of_type("AWS::Logs::LogGroup"), *logical_ids_of_type("AWS::SQS::Queue")]


def test_given_the_template_when_read_then_it_holds_the_log_groups_and_both_queues_to_retain() -> None:
    assert {"SyncLogGroup", "GetAccountLogGroup", "HttpApiAccessLogGroup", "SyncQueue", "SyncDeadLetterQueue"} <= set(
        RETAINED
    )


@pytest.mark.parametrize("logical_id", RETAINED)
def test_given_audit_logs_or_queued_changes_when_the_stack_is_deleted_or_replaced_then_they_are_retained(
    logical_id: str,
) -> None:
    body = resource(logical_id)
    assert (body.get("DeletionPolicy"), body.get("UpdateReplacePolicy")) == ("Retain", "Retain")
