"""template.yaml's resources, as `make run` creates them on the emulator (here: moto in-process)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from moto import mock_aws

from account_sync.change_events import DETAIL_MODELS
from mvno_local import template
from mvno_local.deployment import LocalDeployment, deploy
from mvno_local.emulator import deliver_events_as_aws_does
from mvno_local.intrinsics import TemplateError
from mvno_local.paths import REPO_ROOT
from mvno_local.resources import Overrides
from mvno_local.template import properties
from support.event_files import change_event


@pytest.fixture
def aws(aws_environment: None) -> Iterator[None]:
    with mock_aws():
        deliver_events_as_aws_does()
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
    assert table["KeySchema"] == properties("AccountsTable")["KeySchema"]
    redrive = json.loads(_queue_attributes("mvno-sync")["RedrivePolicy"])
    template_redrive = properties("SyncQueue")["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == _queue_attributes("mvno-sync-dlq")["QueueArn"]
    assert redrive["maxReceiveCount"] == template_redrive["maxReceiveCount"]
    events = boto3.client("events")
    rule = events.describe_rule(Name="ChangeEventsRule", EventBusName="mvno-events")
    assert json.loads(rule["EventPattern"]) == properties("ChangeEventsRule")["EventPattern"]
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


def _received_detail_types(queue_url: str) -> list[str]:
    sqs = boto3.client("sqs")
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(message["Body"])["detail-type"] for message in messages]
    return sorted(bodies)


@pytest.mark.parametrize("source", ["telecomx.mvno", "elsewhere", "x"])
def test_given_events_of_every_detail_type_on_the_bus_when_published_then_each_reaches_the_sync_queue(
    aws: None, source: str
) -> None:
    # Given: the contract's six, a typo and a type nobody defined
    deployment = _deploy()
    detail_types = [*DETAIL_MODELS, "mvnoaccountupserted", "Unrelated"]

    # When
    boto3.client("events").put_events(
        Entries=[
            {"Source": source, "DetailType": detail_type, "Detail": "{}", "EventBusName": "mvno-events"}
            for detail_type in detail_types
        ]
    )

    # Then: none vanishes between the bus and Sync
    assert _received_detail_types(deployment.queues["SyncQueue"].url) == sorted(detail_types)


@pytest.mark.filterwarnings("ignore:EventDetail should be of type dict")  # moto's: AWS wants an object
@pytest.mark.parametrize(
    "detail",
    [
        pytest.param(json.dumps({"tokenHash": "ab"}), id="a string holding JSON (double-encoded)"),
        pytest.param("a plain string", id="a string"),
        pytest.param([1, {"a": 2}], id="an array"),
        pytest.param(0, id="zero"),
    ],
)
def test_given_a_detail_that_is_not_an_object_when_delivered_then_the_queue_gets_that_json_value_as_aws_sends_it(
    aws: None, detail: Any
) -> None:
    # Given
    deployment = _deploy()

    # When: moto would splice a string's content into the event (an object, for the first)
    boto3.client("events").put_events(
        Entries=[
            {"Source": "s", "DetailType": "TokenRevoked", "Detail": json.dumps(detail), "EventBusName": "mvno-events"}
        ]
    )

    # Then
    (message,) = boto3.client("sqs").receive_message(QueueUrl=deployment.queues["SyncQueue"].url)["Messages"]
    event = json.loads(message["Body"])
    assert event["detail"] == detail
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]


def test_given_the_rule_when_deployed_then_its_target_keeps_the_template_retry_policy_and_dead_letter_queue(
    aws: None,
) -> None:
    # When
    deployment = _deploy()

    # Then
    (target,) = boto3.client("events").list_targets_by_rule(Rule="ChangeEventsRule", EventBusName="mvno-events")[
        "Targets"
    ]
    (declared,) = properties("ChangeEventsRule")["Targets"]
    assert target["RetryPolicy"] == declared["RetryPolicy"]
    assert target["DeadLetterConfig"] == {"Arn": deployment.queues["SyncDeadLetterQueue"].arn}


def test_given_an_event_on_another_bus_when_published_then_the_sync_queue_stays_empty(aws: None) -> None:
    # Given
    deployment = _deploy()

    # When
    boto3.client("events").put_events(
        Entries=[{"Source": "elsewhere", "DetailType": "TokenRevoked", "Detail": "{}", "EventBusName": "default"}]
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
    assert sync.handler == properties("SyncFunction")["Handler"]
    assert sync.code_paths == (REPO_ROOT / "functions/account_sync", REPO_ROOT / "layers/shared")
    assert sync.environment["TABLE_NAME"] == "mvno-accounts"
    assert sync.environment["POWERTOOLS_SERVICE_NAME"] == "mvno-sync"
    (source,) = sync.sqs_sources
    assert (source.queue.name, source.batch_size, source.report_batch_item_failures) == ("mvno-sync", 10, True)
    get_account = deployment.function("GetAccountFunction")
    assert [(route.method, route.path) for route in get_account.http_routes] == [("GET", "/mvno/{accountId}")]
    assert get_account.environment["POWERTOOLS_SERVICE_NAME"] == "mvno-get-account"


@pytest.fixture
def edited_template(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A copy of template.yaml that the test edits, read by make run in place of the real one."""
    edited = copy.deepcopy(template.template())
    monkeypatch.setattr(template, "template", lambda: edited)
    return edited


def test_given_a_conditional_resource_when_deployed_then_start_up_fails_in_one_line(
    aws: None, edited_template: dict[str, Any]
) -> None:
    # Given
    edited_template["Conditions"] = {"IsProd": {"Fn::Equals": [{"Ref": "AWS::AccountId"}, "1"]}}
    edited_template["Resources"]["SyncQueue"]["Condition"] = "IsProd"

    # When
    with pytest.raises(TemplateError) as failure:
        _deploy()

    # Then
    assert str(failure.value) == "template.yaml uses Conditions, which make run does not evaluate"


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda rule: rule.update(ScheduleExpression="rate(1 minute)"), "ScheduleExpression"),
        (lambda rule: rule["Targets"][0].update(InputTransformer={"InputTemplate": "{}"}), "InputTransformer"),
    ],
)
def test_given_a_rule_setting_make_run_does_not_apply_when_deployed_then_start_up_fails_naming_it(
    aws: None, edited_template: dict[str, Any], edit: Callable[[dict[str, Any]], None], named: str
) -> None:
    # Given
    edit(edited_template["Resources"]["ChangeEventsRule"]["Properties"])

    # When
    with pytest.raises(TemplateError) as failure:
        _deploy()

    # Then
    assert str(failure.value) == f"template.yaml: ChangeEventsRule uses {named}, which make run does not apply"
