"""The only module of the Sync function that talks to DynamoDB: conditional writes to the read
model. Every write is one PutItem whose condition makes it idempotent and order-independent.

Each send of a call may run under a hard limit (mvno_shared.attempt_timer): botocore's read
timeout bounds each wait for bytes, not an answer that trickles in. The client's own retries make
the attempts (3 sends per call, account_sync.wiring), so the limit is armed where botocore sends
and disarmed where it has the answer, per send; a call whose every send overran raises
AttemptOverrunError, and the record is left for redelivery.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from botocore.exceptions import HTTPClientError

from account_sync.records import Attributes, AttributeValue, Outcome, UnreadableResponseError
from mvno_shared import schema
from mvno_shared.attempt_timer import AttemptOverrunError, PerAttemptLimit

Item = dict[str, Any]


def _wire(value: AttributeValue) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    return {"S": value}


def _item(key: str, attributes: Attributes) -> Item:
    item = {schema.PARTITION_KEY: {"S": key}}
    # Absent beats null or empty: the number index must only hold live accounts.
    item.update({name: _wire(value) for name, value in attributes.items() if value is not None and value != ""})
    return item


def _version_outcome(stored: Item, version: int) -> Outcome:
    stored_version = stored.get(schema.VERSION, {}).get("N")
    return Outcome.DUPLICATE if stored_version is not None and int(stored_version) == version else Outcome.STALE


def refuse_unreadable_responses(client: Any) -> None:
    """Make the client raise UnreadableResponseError on a 2xx answer whose body is not a JSON
    object. botocore would otherwise parse it as an empty answer: a write that "succeeded", or
    a stored item that "does not exist"."""
    client.meta.events.register(
        "before-parse.dynamodb", _refuse_unreadable, unique_id="account-sync-refuse-unreadable-responses"
    )


def _refuse_unreadable(response_dict: dict[str, Any], **_: Any) -> None:
    if not 200 <= response_dict["status_code"] < 300:
        return  # error answers are parsed into ClientError codes (an unreadable one into its status)
    try:
        readable = isinstance(json.loads(response_dict["body"] or b"{}"), dict)
    except ValueError:
        readable = False
    if not readable:
        raise UnreadableResponseError("DynamoDB answered with a body that is not a JSON object")


def limit_each_send(client: Any, limit: PerAttemptLimit) -> None:
    """Hold every send of the client's calls made inside `with limit:` to `limit.seconds`. Armed
    at `before-send`, registered last so that an answer made in the process (moto's, a test's
    canned one) is not timed, only the socket; disarmed at `response-received`, which botocore
    emits after every send, answered or failed, before it sleeps for a retry."""
    client.meta.events.register_last("before-send.dynamodb", limit.attempt_started)
    client.meta.events.register("response-received.dynamodb", limit.attempt_ended)


def _overran(error: HTTPClientError) -> bool:
    # botocore wraps what interrupts its socket read (URLLib3Session.send) in HTTPClientError.
    return isinstance(error.kwargs.get("error"), AttemptOverrunError)


class DynamoReadModelWriter:
    """The ReadModelWriter (account_sync.records) on the read-model table, through an injected
    low-level DynamoDB client; with `attempt_limit`, each of its sends runs under that limit."""

    def __init__(self, client: Any, table_name: str, *, attempt_limit: PerAttemptLimit | None = None) -> None:
        self._client = client
        self._table_name = table_name
        self._attempt_limit: AbstractContextManager[None] = nullcontext()
        if attempt_limit is not None:
            limit_each_send(client, attempt_limit)
            self._attempt_limit = attempt_limit

    def put_versioned(self, key: str, version: int, attributes: Attributes) -> Outcome:
        """Store the record only if nothing newer is stored under its key (tombstones included)."""
        item = _item(key, {**attributes, schema.VERSION: version})
        stored = self._put_unless(
            item,
            condition="attribute_not_exists(#pk) OR #version < :version",
            names={"#pk": schema.PARTITION_KEY, "#version": schema.VERSION},
            values={":version": {"N": str(version)}},
        )
        return Outcome.APPLIED if stored is None else _version_outcome(stored, version)

    def put_versioned_unless_revoked(self, key: str, version: int, attributes: Attributes) -> Outcome:
        """A token's grants: versioned like any record, and never over its revocation. A token
        stored before grants carried versions has none, and any versioned grant replaces it."""
        item = _item(key, {**attributes, schema.VERSION: version})
        stored = self._put_unless(
            item,
            condition="attribute_not_exists(#revoked) AND (attribute_not_exists(#version) OR #version < :version)",
            names={"#revoked": schema.TOKEN_REVOKED, "#version": schema.VERSION},
            values={":version": {"N": str(version)}},
        )
        if stored is None:
            return Outcome.APPLIED
        if schema.TOKEN_REVOKED in stored:
            return Outcome.STALE
        return _version_outcome(stored, version)

    def put_revocation(self, key: str, attributes: Attributes) -> Outcome:
        """The token's final record, over whatever is stored unless a revocation already is: then
        this one is a duplicate (a redelivery, a second backfill), and nothing is written."""
        try:
            self._call(
                self._client.put_item,
                TableName=self._table_name,
                Item=_item(key, attributes),
                ConditionExpression="attribute_not_exists(#revoked)",
                ExpressionAttributeNames={"#revoked": schema.TOKEN_REVOKED},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return Outcome.DUPLICATE
        return Outcome.APPLIED

    def _put_unless(self, item: Item, condition: str, names: dict[str, str], values: dict[str, Any]) -> Item | None:
        """Conditional put. None when written; otherwise what the refusing record holds of the
        attributes the conditions read."""
        try:
            self._call(
                self._client.put_item,
                TableName=self._table_name,
                Item=item,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            returned: Item | None = refused.response.get("Item")
            return returned or self._stored(item[schema.PARTITION_KEY])
        return None

    def _stored(self, key: dict[str, Any]) -> Item:
        # Emulators that do not return the old item on a failed condition: read it instead.
        found: Item | None = self._call(
            self._client.get_item,
            TableName=self._table_name,
            Key={schema.PARTITION_KEY: key},
            ProjectionExpression="#version, #revoked",
            ExpressionAttributeNames={"#version": schema.VERSION, "#revoked": schema.TOKEN_REVOKED},
            ConsistentRead=True,
        ).get("Item")
        # Gone between the refused put and this read (a TTL purge): counted stale, as a record
        # with no version is.
        return found or {}

    def _call(self, operation: Callable[..., dict[str, Any]], **request: Any) -> dict[str, Any]:
        """One client call, each of its sends under the attempt limit."""
        try:
            with self._attempt_limit:
                return operation(**request)
        except HTTPClientError as failure:
            if _overran(failure):
                raise AttemptOverrunError(f"{operation.__name__} ran past its attempt limit") from failure
            raise
