"""Least privilege in template.yaml: what each function's role and the producers' policy allow."""

from __future__ import annotations

from typing import Any

import pytest

from account_sync.change_events import DETAIL_MODELS
from mvno_local.template import logical_ids_of_type, properties
from unit.infrastructure.template_facts import (
    Grant,
    as_list,
    dynamodb_actions_used_by,
    function_grants,
    function_role,
    get_att,
    ref,
    statements,
)

# Verbs of IAM actions that change a resource (the read-only verbs are Get, BatchGet, Query, Scan,
# Describe, List). Checked across every service, so a write through any service is caught.
_WRITE_VERBS = (
    "Put",
    "Update",
    "Delete",
    "Create",
    "BatchWrite",
    "TransactWrite",
    "Send",
    "Publish",
    "Restore",
    "Import",
    "Tag",
    "Untag",
    "Attach",
    "Detach",
    "Set",
    "Add",
    "Remove",
    "Start",
    "Invoke",
)

# The one write the platform needs from every function: its own log lines.
_LOG_WRITES = {"logs:CreateLogStream", "logs:PutLogEvents"}


def _is_write(action: str) -> bool:
    verb = action.split(":", 1)[1]
    return verb == "*" or verb.startswith(_WRITE_VERBS)


def _own_log_group(function_id: str) -> dict[str, Any]:
    log_group: dict[str, Any] = properties(function_id)["LoggingConfig"]["LogGroup"]
    return get_att(log_group["Ref"])


@pytest.mark.parametrize("function_id", ["GetAccountFunction", "SyncFunction"])
def test_given_function_when_role_read_then_only_explicit_actions_on_named_resources(function_id: str) -> None:
    # Given
    function = properties(function_id)

    # When
    grants = function_grants(function_id)

    # Then: no SAM policy templates or managed policies widen the role behind the template's back
    assert "Policies" not in function
    assert grants
    for grant in grants:
        assert "*" not in grant.action, f"{function_id} may {grant.action}"
        assert grant.resource != "*", f"{function_id} may {grant.action} on any resource"


def test_given_get_account_when_role_read_then_no_write_action_on_any_resource() -> None:
    # When
    grants = function_grants("GetAccountFunction")

    # Then
    writes = {(grant.action, str(grant.resource)) for grant in grants if _is_write(grant.action)}
    own_logs = str(_own_log_group("GetAccountFunction"))
    assert writes == {(action, own_logs) for action in _LOG_WRITES}


def test_given_get_account_when_role_read_then_it_gets_items_from_the_table_and_queries_only_the_index() -> None:
    # When
    dynamodb = [grant for grant in function_grants("GetAccountFunction") if grant.action.startswith("dynamodb:")]

    # Then: each action on the one resource it needs (no GetItem on the index, no Query on the table)
    table, number_index = str(get_att("AccountsTable")), str({"Fn::Sub": "${AccountsTable.Arn}/index/by-number"})
    assert {(grant.action, str(grant.resource)) for grant in dynamodb} == {
        ("dynamodb:GetItem", table),
        ("dynamodb:BatchGetItem", table),
        ("dynamodb:Query", number_index),
    }


def _calls(grants: list[Grant], action: str) -> list[Grant]:
    return [grant for grant in grants if grant.allows(action)]


def test_given_sync_when_role_read_then_it_cannot_put_events() -> None:
    # When
    grants = function_grants("SyncFunction")

    # Then
    assert _calls(grants, "events:PutEvents") == []
    assert _calls(grants, "sqs:SendMessage") == []
    assert [grant.action for grant in grants if grant.action.startswith(("events:", "sns:", "lambda:"))] == []


def test_given_sync_when_role_read_then_it_writes_only_the_table_and_consumes_only_its_queue() -> None:
    # When
    grants = function_grants("SyncFunction")

    # Then
    by_service: dict[str, set[str]] = {}
    for grant in grants:
        by_service.setdefault(grant.action.split(":")[0], set()).add(str(grant.resource))
    assert by_service["dynamodb"] == {str(get_att("AccountsTable"))}
    assert by_service["sqs"] == {str(get_att("SyncQueue"))}
    assert by_service["logs"] == {str(_own_log_group("SyncFunction"))}
    assert by_service["kms"] == {str(get_att("EncryptionKey"))}
    assert set(by_service) == {"dynamodb", "sqs", "logs", "kms"}
    assert {grant.action for grant in grants if grant.action.startswith("sqs:")} == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    }


@pytest.mark.parametrize(
    ("function_id", "source_dir"),
    [("GetAccountFunction", "functions/get_account"), ("SyncFunction", "functions/account_sync")],
)
def test_given_function_code_when_scanned_then_role_grants_exactly_the_dynamodb_actions_it_calls(
    function_id: str, source_dir: str
) -> None:
    # Given
    used = dynamodb_actions_used_by(source_dir, "layers/shared")

    # When
    granted = {grant.action for grant in function_grants(function_id) if grant.action.startswith("dynamodb:")}

    # Then: nothing the code calls is denied in AWS, and nothing is granted that the code never calls
    assert used
    assert granted == used


@pytest.mark.parametrize("function_id", ["GetAccountFunction", "SyncFunction"])
def test_given_function_role_when_read_then_only_lambda_may_assume_it(function_id: str) -> None:
    # When
    trust = statements(properties(function_role(function_id))["AssumeRolePolicyDocument"])

    # Then
    assert trust == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]


def test_given_producer_policy_when_read_then_it_allows_put_events_on_the_bus_only_for_the_contract_types() -> None:
    # Given
    assert logical_ids_of_type("AWS::IAM::ManagedPolicy") == ["ChangeEventProducerPolicy"]

    # When
    (statement,) = statements(properties("ChangeEventProducerPolicy")["PolicyDocument"])

    # Then
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["events:PutEvents"]
    assert statement["Resource"] == get_att("EventBus")
    assert set(statement["Condition"]["StringEquals"]["events:detail-type"]) == set(DETAIL_MODELS)


def test_given_queue_policy_when_read_then_only_the_change_events_rule_may_send() -> None:
    # When
    policy = properties("SyncQueuePolicy")
    allows = [statement for statement in statements(policy["PolicyDocument"]) if statement["Effect"] == "Allow"]

    # Then
    assert policy["Queues"] == [ref("SyncQueue"), ref("SyncDeadLetterQueue")]
    assert allows == [
        {
            "Sid": "ChangeEventsRuleSendsToTheQueues",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": [get_att("SyncQueue"), get_att("SyncDeadLetterQueue")],
            "Condition": {"ArnEquals": {"aws:SourceArn": get_att("ChangeEventsRule")}},
        }
    ]
