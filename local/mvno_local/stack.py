"""template.yaml's resources, created on the emulator under their local names.

Read from the template: the table, the queues with their redrive policy, the bus and its rule with
its targets, the functions with their handler, code, layers, environment and event sources. What only
makes sense in AWS (encryption keys, policies, alarms, tracing...) is left out; an intrinsic we cannot
resolve locally leaves out the value that uses it, and says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mvno_local.api_definition import DefinitionError, defined_routes
from mvno_local.config import StartupError
from mvno_local.template import TEMPLATE_PATH, create_table, load_template

REPO_ROOT = TEMPLATE_PATH.parent
# Local names of the template's resources (in AWS, CloudFormation names them).
LOCAL_NAMES = {
    "AccountsTable": "mvno-accounts",
    "EventBus": "mvno-events",
    "SyncQueue": "mvno-sync",
    "SyncDeadLetterQueue": "mvno-sync-dlq",
}
_TABLE = "AWS::DynamoDB::Table"
_QUEUE = "AWS::SQS::Queue"
_BUS = "AWS::Events::EventBus"
_RULE = "AWS::Events::Rule"
_LAYER = "AWS::Serverless::LayerVersion"
_FUNCTION = "AWS::Serverless::Function"
# SQS attributes CreateQueue takes that mean the same locally; the rest (KMS, policies) is AWS's.
_QUEUE_ATTRIBUTES = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds")
_TARGET_FIELDS = ("Id", "Arn", "Input", "InputPath", "InputTransformer", "SqsParameters")


class UnresolvableError(ValueError):
    """An intrinsic function or reference that has no local value."""


class TemplateError(StartupError):
    """template.yaml holds something CloudFormation would reject too."""


@dataclass
class References:
    """Values of Ref and Fn::GetAtt for the resources created so far, and the pseudo parameters."""

    region: str
    account_id: str = "123456789012"
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "mvno-local",
        }
        if name in pseudo:
            return pseudo[name]
        if name not in self.refs:
            raise UnresolvableError(f"Ref {name}")
        return self.refs[name]

    def get_att(self, logical_id: str, attribute: str) -> str:
        if (logical_id, attribute) not in self.attributes:
            raise UnresolvableError(f"Fn::GetAtt {logical_id}.{attribute}")
        return self.attributes[logical_id, attribute]

    def resolve(self, value: Any) -> Any:
        """The value with Ref, Fn::GetAtt, Fn::Sub and Fn::Join replaced; UnresolvableError for anything else."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self.ref(argument)
            if name == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            if name == "Fn::Sub":
                return self._sub(argument)
            if name == "Fn::Join":
                separator, items = argument
                return separator.join(str(item) for item in self.resolve(items))
            if name.startswith("Fn::") or name == "Condition":
                raise UnresolvableError(name)
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: str(self.resolve(item)) for name, item in variables.items()}

        def replace(match: str) -> str:
            if match in values:
                return values[match]
            if "." in match:
                return self.get_att(*match.split(".", 1))
            return self.ref(match)

        out, position = [], 0
        while (start := text.find("${", position)) >= 0:
            end = text.find("}", start)
            if end < 0:
                raise TemplateError(f"Fn::Sub {text!r}: '${{' without its closing '}}'")
            name = text[start + 2 : end]
            out.append(text[position:start])
            # ${!Literal} is how a template writes a literal ${Literal}.
            out.append(f"${{{name[1:]}}}" if name.startswith("!") else replace(name))
            position = end + 1
        out.append(text[position:])
        return "".join(out)


@dataclass(frozen=True)
class Queue:
    name: str
    url: str
    arn: str
    visibility_timeout: int
    max_receive_count: int | None
    dead_letter_queue: str | None


@dataclass(frozen=True)
class SqsEventSource:
    queue: Queue
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str


@dataclass(frozen=True)
class FunctionDefinition:
    """One Lambda function as the template defines it, with its code on this machine."""

    logical_id: str
    handler: str
    code_paths: tuple[Path, ...]  # the function's CodeUri, then its layers (Python layers: ContentUri root)
    environment: dict[str, str]
    timeout_seconds: float
    memory_mb: int
    sqs_sources: tuple[SqsEventSource, ...] = ()
    http_routes: tuple[HttpRoute, ...] = ()


@dataclass
class LocalDeployment:
    table_name: str
    bus_name: str
    queues: dict[str, Queue]
    functions: list[FunctionDefinition]
    rules: list[str]
    # What was left out because it only makes sense in AWS or could not be resolved.
    notes: list[str] = field(default_factory=list)

    def function(self, logical_id: str) -> FunctionDefinition:
        return next(function for function in self.functions if function.logical_id == logical_id)


@dataclass(frozen=True)
class Overrides:
    """Local-only changes to the queues (design: a failed event reaches the DLQ in seconds)."""

    visibility_timeout: int | None = None
    max_receive_count: int | None = None


def _resources_of_type(template: dict[str, Any], resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") == resource_type:
            yield logical_id, resource.get("Properties") or {}


def _local_name(logical_id: str, properties: dict[str, Any], name_property: str) -> str:
    explicit = properties.get(name_property)
    return LOCAL_NAMES.get(logical_id) or (explicit if isinstance(explicit, str) else logical_id)


def deploy(clients: Callable[[str], Any], region: str, overrides: Overrides = Overrides()) -> LocalDeployment:
    """Create the template's table, queues, bus and rules (or reuse those that exist)."""
    template = load_template()
    refs = References(region=region)
    for name, parameter in (template.get("Parameters") or {}).items():  # the defaults `sam deploy` offers
        if "Default" in parameter:
            refs.refs[name] = str(parameter["Default"])
    notes: list[str] = []

    table_name = ""
    dynamodb = clients("dynamodb")
    for logical_id, properties in _resources_of_type(template, _TABLE):
        table_name = _local_name(logical_id, properties, "TableName")
        try:
            dynamodb.describe_table(TableName=table_name)
        except dynamodb.exceptions.ResourceNotFoundException:
            create_table(dynamodb, table_name)
        refs.refs[logical_id] = table_name
        refs.attributes[logical_id, "Arn"] = f"arn:aws:dynamodb:{region}:{refs.account_id}:table/{table_name}"

    queues = _deploy_queues(clients("sqs"), template, refs, overrides, notes)

    bus_name = "default"
    events = clients("events")
    for logical_id, properties in _resources_of_type(template, _BUS):
        bus_name = _local_name(logical_id, properties, "Name")
        try:
            bus_arn = events.create_event_bus(Name=bus_name)["EventBusArn"]
        except events.exceptions.ResourceAlreadyExistsException:
            bus_arn = events.describe_event_bus(Name=bus_name)["Arn"]
        refs.refs[logical_id] = bus_name
        refs.attributes[logical_id, "Arn"] = bus_arn
        refs.attributes[logical_id, "Name"] = bus_name

    rules = [
        _deploy_rule(events, logical_id, properties, refs, notes)
        for logical_id, properties in _resources_of_type(template, _RULE)
    ]
    functions = _functions(template, refs, queues, notes)
    return LocalDeployment(table_name, bus_name, queues, functions, rules, notes)


def _deploy_queues(
    sqs: Any, template: dict[str, Any], refs: References, overrides: Overrides, notes: list[str]
) -> dict[str, Queue]:
    pending = dict(_resources_of_type(template, _QUEUE))
    queues: dict[str, Queue] = {}
    while pending:  # dead-letter queues first: the others' redrive policies name their ARNs
        progressed = False
        for logical_id, properties in list(pending.items()):
            try:
                queue = _deploy_queue(sqs, logical_id, properties, refs, overrides)
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


def _deploy_queue(
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


def _deploy_rule(events: Any, logical_id: str, properties: dict[str, Any], refs: References, notes: list[str]) -> str:
    bus_name = refs.resolve(properties.get("EventBusName", "default"))
    explicit_name = properties.get("Name")
    name = explicit_name if isinstance(explicit_name, str) else logical_id
    arguments: dict[str, Any] = {"Name": name, "EventBusName": bus_name, "State": properties.get("State", "ENABLED")}
    if "EventPattern" in properties:
        pattern = refs.resolve(properties["EventPattern"])
        arguments["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    if "ScheduleExpression" in properties:
        arguments["ScheduleExpression"] = properties["ScheduleExpression"]
    rule_arn = events.put_rule(**arguments)["RuleArn"]
    refs.refs[logical_id] = name
    refs.attributes[logical_id, "Arn"] = rule_arn
    targets = []
    for target in properties.get("Targets", []):
        try:
            resolved = refs.resolve({key: target[key] for key in _TARGET_FIELDS if key in target})
        except UnresolvableError as missing:
            notes.append(f"{logical_id}: target {target.get('Id')} left out ({missing} has no local value)")
            continue
        targets.append(resolved)
    if targets:
        events.put_targets(Rule=name, EventBusName=bus_name, Targets=targets)
    return name


def _merged_function_properties(template: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """SAM Globals: maps are merged, lists appended, scalars overridden by the function."""
    merged = dict(template.get("Globals", {}).get("Function", {}))
    for key, value in properties.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict):
            merged[key] = _merge_maps(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = base + value
        else:
            merged[key] = value
    return merged


def _merge_maps(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = (
            _merge_maps(merged[key], value) if isinstance(merged.get(key), dict) and isinstance(value, dict) else value
        )
    return merged


def _functions(
    template: dict[str, Any], refs: References, queues: dict[str, Queue], notes: list[str]
) -> list[FunctionDefinition]:
    layers = {
        logical_id: REPO_ROOT / properties["ContentUri"]
        for logical_id, properties in _resources_of_type(template, _LAYER)
    }
    queue_by_arn = {queue.arn: queue for queue in queues.values()}
    try:  # the routes of the APIs' included OpenAPI definitions, as API Gateway imports them
        defined = list(defined_routes(template, REPO_ROOT))
    except (DefinitionError, OSError) as error:
        raise TemplateError(f"template.yaml: HttpApi definition: {error}") from None
    function_ids = {logical_id for logical_id, _ in _resources_of_type(template, _FUNCTION)}
    for route in defined:
        if route.function not in function_ids:
            raise TemplateError(
                f"template.yaml: {route.api} routes {route.method} {route.path} to {route.function}, not a function"
            )
    functions = []
    for logical_id, own_properties in _resources_of_type(template, _FUNCTION):
        properties = _merged_function_properties(template, own_properties)
        environment: dict[str, str] = {}
        for name, value in (properties.get("Environment", {}).get("Variables") or {}).items():
            try:
                environment[name] = str(refs.resolve(value))
            except UnresolvableError as missing:
                notes.append(f"{logical_id}: environment variable {name} left out ({missing} has no local value)")
        layer_paths = []
        for layer in properties.get("Layers", []):
            if isinstance(layer, dict) and layer.get("Ref") in layers:
                layer_paths.append(layers[layer["Ref"]])
            else:
                notes.append(f"{logical_id}: layer {layer} left out (not built from this repository)")
        sqs_sources, routes = [], []
        for event_id, event in (properties.get("Events") or {}).items():
            event_properties = event.get("Properties", {})
            if event.get("Type") == "SQS":
                queue = queue_by_arn.get(refs.resolve(event_properties["Queue"]))
                if queue is None:
                    notes.append(f"{logical_id}: event source {event_id} left out (its queue is not local)")
                    continue
                sqs_sources.append(
                    SqsEventSource(
                        queue=queue,
                        batch_size=int(event_properties.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in event_properties.get("FunctionResponseTypes", []),
                    )
                )
            elif event.get("Type") == "HttpApi":
                routes.append(HttpRoute(event_properties.get("Method", "ANY").upper(), event_properties["Path"]))
        routes += [HttpRoute(route.method, route.path) for route in defined if route.function == logical_id]
        functions.append(
            FunctionDefinition(
                logical_id=logical_id,
                handler=properties["Handler"],
                code_paths=(REPO_ROOT / properties["CodeUri"], *layer_paths),
                environment=environment,
                timeout_seconds=float(properties.get("Timeout", 3)),
                memory_mb=int(properties.get("MemorySize", 128)),
                sqs_sources=tuple(sqs_sources),
                http_routes=tuple(routes),
            )
        )
    return functions
