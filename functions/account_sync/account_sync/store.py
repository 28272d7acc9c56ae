"""The only module of the Sync function that talks to DynamoDB: conditional writes to the read
model. Every write is one PutItem whose condition makes it idempotent and order-independent."""

from __future__ import annotations

from typing import Any

from account_sync.records import Attributes, AttributeValue, Outcome
from mvno_shared import schema


def _wire(value: AttributeValue) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    return {"S": value}


def _item(key: str, attributes: Attributes) -> dict[str, Any]:
    item = {schema.PARTITION_KEY: {"S": key}}
    # Absent beats null or empty: the number index must only hold live accounts.
    item.update({name: _wire(value) for name, value in attributes.items() if value is not None and value != ""})
    return item


class DynamoReadModelWriter:
    """The ReadModelWriter (account_sync.records) on the read-model table, through an injected
    low-level DynamoDB client."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def put_versioned(self, key: str, version: int, attributes: Attributes) -> Outcome:
        """Store the record only if nothing newer is stored under its key (tombstones included)."""
        item = _item(key, {**attributes, schema.VERSION: version})
        stored_version = self._put_unless(
            item,
            condition="attribute_not_exists(#pk) OR #version < :version",
            names={"#pk": schema.PARTITION_KEY, "#version": schema.VERSION},
            values={":version": {"N": str(version)}},
        )
        if stored_version is None:
            return Outcome.APPLIED
        return Outcome.DUPLICATE if stored_version == version else Outcome.STALE

    def put_unless_revoked(self, key: str, attributes: Attributes) -> Outcome:
        item = _item(key, attributes)
        refused = self._put_unless(
            item,
            condition="attribute_not_exists(#revoked)",
            names={"#revoked": schema.TOKEN_REVOKED},
            values=None,
        )
        return Outcome.APPLIED if refused is None else Outcome.STALE

    def put(self, key: str, attributes: Attributes) -> Outcome:
        self._client.put_item(TableName=self._table_name, Item=_item(key, attributes))
        return Outcome.APPLIED

    def _put_unless(
        self, item: dict[str, Any], condition: str, names: dict[str, str], values: dict[str, Any] | None
    ) -> int | None:
        """Conditional put. None when written; otherwise the stored record's version (-1 if it has none)."""
        arguments: dict[str, Any] = {
            "TableName": self._table_name,
            "Item": item,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values:
            arguments["ExpressionAttributeValues"] = values
        try:
            self._client.put_item(**arguments)
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            stored = refused.response.get("Item") or self._stored(item[schema.PARTITION_KEY])
            version = (stored or {}).get(schema.VERSION, {}).get("N")
            return int(version) if version is not None else -1
        return None

    def _stored(self, key: dict[str, Any]) -> dict[str, Any] | None:
        # Emulators that do not return the old item on a failed condition: read it instead.
        found: dict[str, Any] | None = self._client.get_item(
            TableName=self._table_name,
            Key={schema.PARTITION_KEY: key},
            ProjectionExpression="#version",
            ExpressionAttributeNames={"#version": schema.VERSION},
            ConsistentRead=True,
        ).get("Item")
        return found
