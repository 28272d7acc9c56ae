"""The tool's own access to the read-model table: the parallel scan behind reconcile, and the one
write Sync's store has no use for, putting a record again at the version it already has. Changes
themselves are written by Sync's store (mvno_ops.sync_code), under Sync's version rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mvno_shared import schema


class TableReader:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def approximate_count(self) -> int | None:
        """DynamoDB's item count (refreshed about every six hours): a progress total, nothing more."""
        count = self._client.describe_table(TableName=self._table_name)["Table"].get("ItemCount")
        return int(count) if count else None

    def scan(self, segment: int, total_segments: int) -> Iterator[list[dict[str, Any]]]:
        """One segment of a parallel scan, page by page; consistent, so that a change applied just
        before the scan is not reported as missing."""
        arguments: dict[str, Any] = {
            "TableName": self._table_name,
            "Segment": segment,
            "TotalSegments": total_segments,
            "ConsistentRead": True,
        }
        while True:
            page = self._client.scan(**arguments)
            yield page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put_again(self, item: dict[str, Any]) -> bool:
        """Replace a record with `item` only while the stored one still has item's version (or, for a
        record without versions, is still there): a newer write in between wins. False if it did."""
        version = item.get(schema.VERSION)
        if version is not None:
            condition = {
                "ConditionExpression": "#version = :version",
                "ExpressionAttributeNames": {"#version": schema.VERSION},
                "ExpressionAttributeValues": {":version": version},
            }
        else:
            condition = {
                "ConditionExpression": "attribute_exists(#pk) AND attribute_not_exists(#version)",
                "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY, "#version": schema.VERSION},
            }
        try:
            self._client.put_item(TableName=self._table_name, Item=item, **condition)
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
