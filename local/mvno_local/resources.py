"""template.yaml's table, queues, bus and rules, created on the emulator under their local names.

One step per resource kind, in the order their references need (a queue's redrive policy names
its dead-letter queue, a rule names its bus and its target queues). A resource left by an earlier
run on a persistent endpoint is reused. What only makes sense in AWS (encryption keys, policies,
alarms...) is left out; a value that refers to such a resource is left out with a note.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mvno_local import template
from mvno_local.intrinsics import References, TemplateError, UnresolvableError
from mvno_local.local_account import LOCAL_NAMES

# SQS attributes CreateQueue takes that mean the same locally; the rest (KMS, policies) is AWS's.
_QUEUE_ATTRIBUTES = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds")
# What a rule and its targets may hold: applied on the emulator, or (Description) nothing to apply.
# Anything else (a schedule, an input transformer...) would change what is delivered: start-up fails.
_RULE_PROPERTIES = {"EventBusName", "EventPattern", "Targets", "Description"}
_TARGET_FIELDS = ("Id", "Arn", "RetryPolicy", "DeadLetterConfig")

Clients = Callable[[str], Any]


@dataclass(frozen=True)
class Queue:
    name: str
    url: str
    arn: str
    visibility_timeout: int
    max_receive_count: int | None
    dead_letter_queue: str | None


@dataclass(frozen=True)
class Overrides:
    """Local-only changes to the queues (a failed event reaches the DLQ in seconds)."""

    visibility_timeout: int | None = None
    max_receive_count: int | None = None


NO_OVERRIDES = Overrides()


@dataclass
class LocalResources:
    table_name: str
    bus_name: str
    queues: dict[str, Queue]
    rules: list[str]
    # What was left out because it only makes sense in AWS or could not be resolved.
    notes: list[str] = field(default_factory=list)


def create_table(client: Any, table_name: str) -> None:
    """Create the read-model table on whatever endpoint `client` talks to, and enable its TTL."""
    client.create_table(**template.create_table_arguments(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    try:
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"AttributeName": template.time_to_live_attribute(), "Enabled": True},
        )
    except client.exceptions.ClientError as error:  # dynalite does not implement TTL
        if error.response["Error"]["Code"] not in {"UnknownOperationException", "ValidationException"}:
            raise


def create_resources(clients: Clients, refs: References, overrides: Overrides = NO_OVERRIDES) -> LocalResources:
    """Create (or reuse) the template's table, queues, bus, rules and archive; `refs` learns their values."""
    _refuse_conditions()
    notes: list[str] = []
    table_name = _create_tables(clients("dynamodb"), refs)
    queues = _create_queues(clients("sqs"), refs, overrides, notes)
    events = clients("events")
    bus_name = _create_buses(events, refs)
    rules = [
        _create_rule(events, logical_id, properties, refs, notes)
        for logical_id, properties in template.resources_of_type(template.RULE)
    ]
    for logical_id, properties in template.resources_of_type(template.ARCHIVE):
        _create_archive(events, logical_id, properties, refs)
    return LocalResources(table_name, bus_name, queues, rules, notes)


def _local_name(logical_id: str, properties: dict[str, Any], name_property: str) -> str:
    explicit = properties.get(name_property)
    return LOCAL_NAMES.get(logical_id) or (explicit if isinstance(explicit, str) else logical_id)


def _refuse_conditions() -> None:
    """Every resource is created locally: one that exists only under a condition cannot be."""
    conditional = [logical_id for logical_id, body in template.template()["Resources"].items() if "Condition" in body]
    if template.template().get("Conditions") or conditional:
        raise TemplateError("template.yaml uses Conditions, which make run does not evaluate")


def _create_tables(dynamodb: Any, refs: References) -> str:
    table_name = ""
    for logical_id, properties in template.resources_of_type(template.TABLE):
        table_name = _local_name(logical_id, properties, "TableName")
        try:
            dynamodb.describe_table(TableName=table_name)
        except dynamodb.exceptions.ResourceNotFoundException:
            create_table(dynamodb, table_name)
        refs.refs[logical_id] = table_name
        refs.attributes[logical_id, "Arn"] = f"arn:aws:dynamodb:{refs.region}:{refs.account_id}:table/{table_name}"
    return table_name


def _create_queues(sqs: Any, refs: References, overrides: Overrides, notes: list[str]) -> dict[str, Queue]:
    pending = dict(template.resources_of_type(template.QUEUE))
    queues: dict[str, Queue] = {}
    while pending:  # dead-letter queues first: the others' redrive policies name their ARNs
        progressed = False
        for logical_id, properties in list(pending.items()):
            try:
                queue = _create_queue(sqs, logical_id, properties, refs, overrides)
            except UnresolvableError:
                continue
            queues[logical_id] = queue
            refs.refs[logical_id] = queue.url
            refs.attributes[logical_id, "Arn"] = queue.arn
            refs.attributes[logical_id, "QueueName"] = queue.name
            refs.attributes[logical_id, "QueueUrl"] = queue.url
            del pending[logical_id]
            progressed = True
        if not progressed:
            notes.append(f"queues not created (their properties cannot be resolved locally): {', '.join(pending)}")
            break
    return queues


def _create_queue(
    sqs: Any, logical_id: str, properties: dict[str, Any], refs: References, overrides: Overrides
) -> Queue:
    name = _local_name(logical_id, properties, "QueueName")
    attributes = {key: str(refs.resolve(properties[key])) for key in _QUEUE_ATTRIBUTES if key in properties}
    visibility_timeout = overrides.visibility_timeout or int(refs.resolve(properties.get("VisibilityTimeout", 30)))
    attributes["VisibilityTimeout"] = str(visibility_timeout)
    max_receive_count: int | None = None
    dead_letter_arn: str | None = None
    if "RedrivePolicy" in properties:
        policy = refs.resolve(properties["RedrivePolicy"])
        dead_letter_arn = policy["deadLetterTargetArn"]
        max_receive_count = overrides.max_receive_count or int(policy["maxReceiveCount"])
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive_count}
        )
    try:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except sqs.exceptions.QueueNameExists:  # left by an earlier run on a persistent endpoint
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Queue(name, url, arn, visibility_timeout, max_receive_count, dead_letter_arn)


def _create_buses(events: Any, refs: References) -> str:
    bus_name = "default"
    for logical_id, properties in template.resources_of_type(template.BUS):
        bus_name = _local_name(logical_id, properties, "Name")
        try:
            bus_arn = events.create_event_bus(Name=bus_name)["EventBusArn"]
        except events.exceptions.ResourceAlreadyExistsException:
            bus_arn = events.describe_event_bus(Name=bus_name)["Arn"]
        refs.refs[logical_id] = bus_name
        refs.attributes[logical_id, "Arn"] = bus_arn
        refs.attributes[logical_id, "Name"] = bus_name
    return bus_name


def _create_rule(events: Any, logical_id: str, properties: dict[str, Any], refs: References, notes: list[str]) -> str:
    unsupported = sorted(set(properties) - _RULE_PROPERTIES) + sorted(
        {key for target in properties.get("Targets", []) for key in target} - set(_TARGET_FIELDS)
    )
    if unsupported:
        raise TemplateError(f"template.yaml: {logical_id} uses {', '.join(unsupported)}, which make run does not apply")
    bus_name = refs.resolve(properties.get("EventBusName", "default"))
    arguments: dict[str, Any] = {"Name": logical_id, "EventBusName": bus_name, "State": "ENABLED"}
    if "EventPattern" in properties:
        pattern = refs.resolve(properties["EventPattern"])
        arguments["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    rule_arn = events.put_rule(**arguments)["RuleArn"]
    refs.refs[logical_id] = logical_id
    refs.attributes[logical_id, "Arn"] = rule_arn
    targets = []
    for target in properties.get("Targets", []):
        try:
            targets.append(refs.resolve(target))
        except UnresolvableError as missing:
            notes.append(f"{logical_id}: target {target.get('Id')} left out ({missing} has no local value)")
    if targets:
        events.put_targets(Rule=logical_id, EventBusName=bus_name, Targets=targets)
    return logical_id


def _create_archive(events: Any, logical_id: str, properties: dict[str, Any], refs: References) -> None:
    """The bus's archive, for `mvno-ops replay` (its KMS key is AWS's and left out)."""
    arguments: dict[str, Any] = {
        "ArchiveName": _local_name(logical_id, properties, "ArchiveName"),
        "EventSourceArn": refs.resolve(properties["SourceArn"]),
    }
    if "RetentionDays" in properties:
        arguments["RetentionDays"] = int(refs.resolve(properties["RetentionDays"]))
    if "EventPattern" in properties:
        pattern = refs.resolve(properties["EventPattern"])
        arguments["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    # One left by an earlier run on a persistent endpoint is kept.
    with contextlib.suppress(events.exceptions.ResourceAlreadyExistsException):
        events.create_archive(**arguments)
    refs.refs[logical_id] = arguments["ArchiveName"]
