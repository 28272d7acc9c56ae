"""template.yaml as data: the single source of the table definition for tests and `make run`."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"


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
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506 - safe loader subclass
    return loaded


def resource_properties(logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = load_template()["Resources"][logical_id]["Properties"]
    return properties


def global_environment() -> dict[str, Any]:
    variables: dict[str, Any] = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    return variables


def create_table_arguments(table_name: str) -> dict[str, Any]:
    """CreateTable arguments for the template's AccountsTable, under the given name.

    Only what the DynamoDB API's CreateTable takes: encryption, recovery and protection settings
    belong to the deployed stack, not to a local table.
    """
    table = resource_properties("AccountsTable")
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
    attribute: str = resource_properties("AccountsTable")["TimeToLiveSpecification"]["AttributeName"]
    return attribute


def create_table(client: Any, table_name: str) -> None:
    """Create the read-model table on whatever endpoint `client` talks to, and enable its TTL."""
    client.create_table(**create_table_arguments(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    try:
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"AttributeName": time_to_live_attribute(), "Enabled": True},
        )
    except client.exceptions.ClientError as error:  # dynalite does not implement TTL
        if error.response["Error"]["Code"] not in {"UnknownOperationException", "ValidationException"}:
            raise
