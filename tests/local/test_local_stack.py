"""template.yaml's resources, as `make run` creates them on the emulator (here: moto in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from moto import mock_aws

from mvno_local.emulator import fix_eventbridge_envelope
from mvno_local.stack import (
    REPO_ROOT,
    LocalDeployment,
    Overrides,
    References,
    TemplateError,
    UnresolvableError,
    deploy,
)
from mvno_local.template import resource_properties
from support.event_files import change_event


@pytest.fixture
def aws(aws_environment: None) -> Iterator[None]:
    with mock_aws():
        fix_eventbridge_envelope()
        yield


def _deploy(overrides: Overrides | None = None) -> LocalDeployment:
    clients: Any = boto3.client
    return deploy(clients, "eu-west-1", overrides or Overrides())


def _queue_attributes(name: str) -> dict[str, Any]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes: dict[str, Any] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return attributes


def test_given_the_template_when_deployed_then_the_local_names_hold_its_table_queues_bus_and_rule(aws: None) -> None:
    # When
    deployment = _deploy()

    # Then
    assert (deployment.table_name, deployment.bus_name) == ("mvno-accounts", "mvno-events")
    table = boto3.client("dynamodb").describe_table(TableName="mvno-accounts")["Table"]
    assert table["KeySchema"] == resource_properties("AccountsTable")["KeySchema"]
    redrive = json.loads(_queue_attributes("mvno-sync")["RedrivePolicy"])
    template_redrive = resource_properties("SyncQueue")["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == _queue_attributes("mvno-sync-dlq")["QueueArn"]
    assert redrive["maxReceiveCount"] == template_redrive["maxReceiveCount"]
    events = boto3.client("events")
    rule = events.describe_rule(Name="ChangeEventsRule", EventBusName="mvno-events")
    assert json.loads(rule["EventPattern"]) == resource_properties("ChangeEventsRule")["EventPattern"]
    targets = events.list_targets_by_rule(Rule="ChangeEventsRule", EventBusName="mvno-events")["Targets"]
    assert [target["Arn"] for target in targets] == [_queue_attributes("mvno-sync")["QueueArn"]]


def test_given_local_overrides_when_deployed_then_the_sync_queue_takes_them(aws: None) -> None:
    # When
    deployment = _deploy(Overrides(visibility_timeout=1, max_receive_count=2))

    # Then
    attributes = _queue_attributes("mvno-sync")
    assert attributes["VisibilityTimeout"] == "1"
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 2
    sync_queue = deployment.queues["SyncQueue"]
    assert (sync_queue.visibility_timeout, sync_queue.max_receive_count) == (1, 2)


def test_given_an_existing_deployment_when_deployed_again_then_it_is_reused(aws: None) -> None:
    # Given
    first = _deploy()

    # When
    second = _deploy()

    # Then
    assert second.queues["SyncQueue"].url == first.queues["SyncQueue"].url


def test_given_a_change_event_on_the_bus_when_the_rule_matches_then_the_queue_gets_the_whole_eventbridge_event(
    aws: None,
) -> None:
    # Given
    deployment = _deploy()
    event = change_event("customer-upserted")

    # When
    boto3.client("events").put_events(
        Entries=[
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "EventBusName": deployment.bus_name,
            }
        ]
    )

    # Then: what the Sync handler's envelope model takes, `account` included
    messages = boto3.client("sqs").receive_message(QueueUrl=deployment.queues["SyncQueue"].url)["Messages"]
    envelope = EventBridgeModel.model_validate_json(messages[0]["Body"])
    assert (envelope.detail_type, envelope.detail) == ("CustomerUpserted", event["detail"])
    assert envelope.account


def test_given_an_event_no_rule_matches_when_published_then_the_queue_stays_empty(aws: None) -> None:
    # Given
    deployment = _deploy()

    # When
    boto3.client("events").put_events(
        Entries=[{"Source": "elsewhere", "DetailType": "Unrelated", "Detail": "{}", "EventBusName": "mvno-events"}]
    )

    # Then
    assert "Messages" not in boto3.client("sqs").receive_message(QueueUrl=deployment.queues["SyncQueue"].url)


def test_given_the_template_when_deployed_then_each_function_has_its_handler_code_layer_environment_and_events(
    aws: None,
) -> None:
    # When
    deployment = _deploy()

    # Then
    sync = deployment.function("SyncFunction")
    assert sync.handler == resource_properties("SyncFunction")["Handler"]
    assert sync.code_paths == (REPO_ROOT / "functions/account_sync", REPO_ROOT / "layers/shared")
    assert sync.environment["TABLE_NAME"] == "mvno-accounts"
    assert sync.environment["POWERTOOLS_SERVICE_NAME"] == "mvno-sync"
    (source,) = sync.sqs_sources
    assert (source.queue.name, source.batch_size, source.report_batch_item_failures) == ("mvno-sync", 10, True)
    get_account = deployment.function("GetAccountFunction")
    assert [(route.method, route.path) for route in get_account.http_routes] == [("GET", "/mvno/{accountId}")]
    assert get_account.environment["POWERTOOLS_SERVICE_NAME"] == "mvno-get-account"


def test_given_intrinsics_when_resolved_then_refs_atts_and_subs_take_local_values() -> None:
    # Given
    references = References(region="eu-west-1", refs={"Table": "mvno-accounts"})
    references.attributes["Queue", "Arn"] = "arn:aws:sqs:eu-west-1:123456789012:mvno-sync"

    # When
    resolved = references.resolve(
        {
            "name": {"Ref": "Table"},
            "queue": {"Fn::GetAtt": ["Queue", "Arn"]},
            "text": {"Fn::Sub": "${Table} in ${AWS::Region} via ${Queue.Arn}, ${!Literal}"},
            "joined": {"Fn::Join": ["-", [{"Ref": "Table"}, "x"]]},
        }
    )

    # Then
    assert resolved == {
        "name": "mvno-accounts",
        "queue": "arn:aws:sqs:eu-west-1:123456789012:mvno-sync",
        "text": "mvno-accounts in eu-west-1 via arn:aws:sqs:eu-west-1:123456789012:mvno-sync, ${Literal}",
        "joined": "mvno-accounts-x",
    }


@pytest.mark.parametrize(
    "value",
    [{"Ref": "KmsKey"}, {"Fn::GetAtt": ["KmsKey", "Arn"]}, {"Fn::If": ["IsProd", "a", "b"]}, {"Fn::ImportValue": "x"}],
)
def test_given_an_aws_only_intrinsic_when_resolved_then_it_is_unresolvable(value: dict[str, Any]) -> None:
    with pytest.raises(UnresolvableError):
        References(region="eu-west-1").resolve(value)


@pytest.mark.parametrize("text", ["${Table", "arn:${AWS::Partition}:${Table", "${!Literal"])
def test_given_an_unterminated_sub_variable_when_resolved_then_the_template_is_rejected(text: str) -> None:
    # Given
    references = References(region="eu-west-1", refs={"Table": "mvno-accounts"})

    # When
    with pytest.raises(TemplateError) as failure:
        references.resolve({"Fn::Sub": text})

    # Then
    assert repr(text) in str(failure.value)
