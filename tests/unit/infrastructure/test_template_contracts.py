"""template.yaml and the code agree: one source for names, the event path as the design draws it,
and the operational settings (alarms, throttling, outputs) a deployment relies on."""

from __future__ import annotations

from typing import Any

from mvno_local.template import global_environment, logical_ids_of_type, properties, resource, template
from mvno_shared import schema
from mvno_shared.settings import Settings
from unit.infrastructure.template_facts import (
    get_att,
    parameter_value,
    ref,
)


def _settings_from_template() -> Settings:
    """The settings a deployed function reads: template.yaml's environment (the stack fills in the
    table's generated name, which no code depends on)."""
    environment = {name: value for name, value in global_environment().items() if isinstance(value, str)}
    return Settings.from_environ({**environment, "TABLE_NAME": "deployed-table"})


def test_given_number_index_the_code_queries_when_compared_then_it_is_the_gsi_the_template_defines() -> None:
    # Given: the index name the code reads (env NUMBER_INDEX_NAME) and the attribute it queries
    index_name = _settings_from_template().number_index_name

    # When
    indexes = {index["IndexName"]: index for index in properties("AccountsTable")["GlobalSecondaryIndexes"]}

    # Then
    assert indexes[index_name]["KeySchema"] == [{"AttributeName": schema.NUMBER_ATTR, "KeyType": "HASH"}]
    query_resources = [
        statement["Resource"]
        for policy in properties("GetAccountFunctionRole")["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "dynamodb:Query" in _as_list(statement["Action"])
    ]
    assert query_resources == [{"Fn::Sub": f"${{AccountsTable.Arn}}/index/{index_name}"}]


def _as_list(value: Any) -> list[Any]:
    """An IAM statement's Action or Resource: one value or a list of them."""
    return value if isinstance(value, list) else [value]


def test_given_table_when_read_then_key_and_ttl_attributes_are_the_schema_module_names() -> None:
    table = properties("AccountsTable")
    assert table["KeySchema"] == [{"AttributeName": schema.PARTITION_KEY, "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": schema.PURGE_AT_ATTR, "Enabled": True}


def test_given_functions_when_read_then_table_name_comes_from_the_stack() -> None:
    assert global_environment()["TABLE_NAME"] == ref("AccountsTable")


def test_given_change_events_rule_when_read_then_it_routes_every_event_on_the_bus_to_sync() -> None:
    # When
    rule = properties("ChangeEventsRule")
    (target,) = rule["Targets"]
    (source,) = properties("SyncFunction")["Events"].values()

    # Then
    assert rule["EventBusName"] == ref("EventBus")
    # Not a list of detail-types: an event Sync does not know reaches Sync, and so the DLQ
    assert rule["EventPattern"] == {"source": [{"prefix": ""}]}
    assert target["Arn"] == get_att("SyncQueue") == source["Properties"]["Queue"]
    assert target["DeadLetterConfig"] == {"Arn": get_att("SyncDeadLetterQueue")}
    assert source["Type"] == "SQS"
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_given_sync_queue_when_read_then_visibility_outlasts_six_sync_timeouts_and_redrive_is_bounded() -> None:
    # When
    queue = properties("SyncQueue")

    # Then
    assert queue["VisibilityTimeout"] >= 6 * properties("SyncFunction")["Timeout"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == get_att("SyncDeadLetterQueue")
    assert 1 < queue["RedrivePolicy"]["maxReceiveCount"] <= 10
    # Messages outlive neither the DLQ nor the tombstones that keep late upserts out.
    assert properties("SyncDeadLetterQueue")["MessageRetentionPeriod"] >= queue["MessageRetentionPeriod"]
    assert properties("SyncDeadLetterQueue")["MessageRetentionPeriod"] < Settings.tombstone_retention_days * 86400


def test_given_functions_and_layer_when_read_then_runtime_and_architecture_agree() -> None:
    # Given
    function = template()["Globals"]["Function"]
    layer = resource("SharedLayer")

    # Then
    assert function["Architectures"] == ["arm64"] == layer["Properties"]["CompatibleArchitectures"]
    assert [function["Runtime"]] == layer["Properties"]["CompatibleRuntimes"]
    for function_id in ("GetAccountFunction", "SyncFunction"):
        assert "Runtime" not in properties(function_id)
        assert properties(function_id)["Timeout"] > 0
        assert properties(function_id)["MemorySize"] >= 128


def test_given_functions_and_layer_when_read_then_the_makefile_builds_each_for_its_architecture() -> None:
    # Given: what sam build runs for each (Makefile's build-<LogicalId>, which precompiles bytecode)
    for logical_id in ("SharedLayer", "GetAccountFunction", "SyncFunction"):
        # When
        metadata = resource(logical_id)["Metadata"]

        # Then
        assert metadata["BuildMethod"] == "makefile", logical_id
        assert metadata["ContextPath"] == "./", logical_id
        assert metadata["BuildArchitecture"] == template()["Globals"]["Function"]["Architectures"][0], logical_id


def test_given_http_api_when_read_then_the_stage_is_throttled() -> None:
    settings = properties("HttpApi")["DefaultRouteSettings"]
    assert parameter_value(settings["ThrottlingRateLimit"]) > 0
    assert parameter_value(settings["ThrottlingBurstLimit"]) >= parameter_value(settings["ThrottlingRateLimit"])


def test_given_alarms_when_read_then_each_required_signal_notifies_the_topic_parameter() -> None:
    # When
    alarms = [properties(alarm) for alarm in logical_ids_of_type("AWS::CloudWatch::Alarm")]
    watched = {
        (alarm["Namespace"], alarm["MetricName"], str(alarm["Dimensions"][0]["Value"])): alarm for alarm in alarms
    }

    # Then
    required = {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", str(get_att("SyncDeadLetterQueue", "QueueName"))),
        ("AWS/Lambda", "Errors", str(ref("SyncFunction"))),
        ("AWS/Lambda", "Errors", str(ref("GetAccountFunction"))),
        ("AWS/Lambda", "Throttles", str(ref("GetAccountFunction"))),
        ("AWS/ApiGateway", "5xx", str(ref("HttpApi"))),
    }
    assert required <= set(watched)
    assert "AlarmTopicArn" in template()["Parameters"]
    for alarm in alarms:
        assert alarm["AlarmActions"] == [ref("AlarmTopicArn")]
        assert alarm["OKActions"] == [ref("AlarmTopicArn")]
        assert alarm["Threshold"] >= 0
        assert alarm["EvaluationPeriods"] >= 1


def test_given_outputs_when_read_then_a_deployment_reports_where_its_parts_are() -> None:
    outputs = template()["Outputs"]
    assert outputs["EventBusName"]["Value"] == ref("EventBus")
    assert outputs["TableName"]["Value"] == ref("AccountsTable")
    assert outputs["DeadLetterQueueUrl"]["Value"] == ref("SyncDeadLetterQueue")
    assert "${HttpApi}.execute-api" in outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert outputs["ChangeEventProducerPolicyArn"]["Value"] == ref("ChangeEventProducerPolicy")
