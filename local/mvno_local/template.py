"""template.yaml as data: its one reader, for `make run`, the tests and the benchmark.

Intrinsics stay in their long form (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`); resolving them to
local values is mvno_local.intrinsics' job. The table definition read here is the single source
of the read model's table for the tests and `make run`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from mvno_local.paths import TEMPLATE_PATH

TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
BUS = "AWS::Events::EventBus"
RULE = "AWS::Events::Rule"
ARCHIVE = "AWS::Events::Archive"
LAYER = "AWS::Serverless::LayerVersion"
FUNCTION = "AWS::Serverless::Function"


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, !Sub...) as their long form."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)  # type: ignore[no-untyped-call]


@cache
def template() -> dict[str, Any]:
    """The whole template, read once."""
    with TEMPLATE_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506 - safe loader subclass
    return loaded


def resource(logical_id: str) -> dict[str, Any]:
    found: dict[str, Any] = template()["Resources"][logical_id]
    return found


def properties(logical_id: str) -> dict[str, Any]:
    found: dict[str, Any] = resource(logical_id).get("Properties") or {}
    return found


def resources_of_type(resource_type: str) -> list[tuple[str, dict[str, Any]]]:
    """(logical id, properties) of every resource of the type, in the template's order."""
    return [
        (logical_id, body.get("Properties") or {})
        for logical_id, body in template()["Resources"].items()
        if body.get("Type") == resource_type
    ]


def logical_ids_of_type(resource_type: str) -> list[str]:
    return [logical_id for logical_id, _ in resources_of_type(resource_type)]


def parameter_defaults() -> dict[str, str]:
    """The parameters' defaults, as `sam deploy` offers them."""
    return {
        name: str(parameter["Default"])
        for name, parameter in (template().get("Parameters") or {}).items()
        if "Default" in parameter
    }


def global_environment() -> dict[str, Any]:
    variables: dict[str, Any] = template()["Globals"]["Function"]["Environment"]["Variables"]
    return variables


def function_properties(logical_id: str) -> dict[str, Any]:
    """A function's properties as SAM deploys them: Globals merged in (maps merged, lists
    appended, scalars overridden by the function)."""
    merged = dict(template().get("Globals", {}).get("Function", {}))
    for key, value in properties(logical_id).items():
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


def create_table_arguments(table_name: str) -> dict[str, Any]:
    """CreateTable arguments for the template's AccountsTable, under the given name.

    Only what the DynamoDB API's CreateTable takes: encryption, recovery and protection settings
    belong to the deployed stack, not to a local table.
    """
    table = properties("AccountsTable")
    arguments: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": table["AttributeDefinitions"],
        "KeySchema": table["KeySchema"],
        "BillingMode": table["BillingMode"],
    }
    if "GlobalSecondaryIndexes" in table:
        arguments["GlobalSecondaryIndexes"] = table["GlobalSecondaryIndexes"]
    return arguments


def time_to_live_attribute() -> str:
    attribute: str = properties("AccountsTable")["TimeToLiveSpecification"]["AttributeName"]
    return attribute
