"""The read model in DynamoDB: the only module of GetAccount that sends requests to it
(get_account.store_items turns what comes back into records).

Low-level botocore client and attribute-value wire format (no boto3 resource layer, no
deserialiser): the read path stays at the cost of the SDK itself. Each read asks only for the
attributes it uses.

Every call fits in the request's deadline: each attempt starts only if its whole limit fits in
the time left, runs under that limit, and a failed attempt is retried once if time allows.
Throttling answers at once (the client retries after Retry-After: a throttled table gains nothing
from our retries), as do an unreachable table, an answer that cannot be read and a deadline that
has come: all are ReadModelUnavailableError (503). The numbers are in get_account.wiring.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable
from botocore.parsers import ResponseParserError

from get_account.deadline import Deadline
from get_account.errors import OutOfTimeError, ReadModelUnavailableError
from get_account.records import CustomerRecord, StoredAccount, TokenLookup
from get_account.store_items import Item, account_from, customer_from, principal_from
from mvno_shared import schema
from mvno_shared.attempt_timer import AttemptOverrunError, hard_limit
from mvno_shared.views import View

# Error codes that mean "too much load, ask again later": answered 503 at once.
_THROTTLING_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
# Server-side failures: worth one more attempt, like a dropped connection.
_SERVER_ERROR_CODES = frozenset({"InternalServerError", "ServiceUnavailable"})

_TOKEN_ATTRIBUTES = (
    schema.KIND,
    schema.TOKEN_REVOKED,
    schema.TOKEN_EMPLOYEE,
    schema.TOKEN_CUSTOMER,
    schema.TOKEN_ACCESS_LEVEL,
    schema.TOKEN_EXPIRES_AT,
)
_ACCOUNT_ATTRIBUTES = (
    schema.KIND,
    schema.ACCOUNT_CUSTOMER,
    schema.ACCOUNT_STATE,
    schema.VERSION,
    schema.VIEW_CUSTOMER,
    schema.ACCOUNT_SECRET_GROUPS,
)
# What each view reads beyond the customer view: nothing it would not serve.
_VIEW_EXTRAS: dict[View, tuple[str, ...]] = {
    View.CUSTOMER: (),
    View.RESELLER: (schema.VIEW_RESELLER_EXTRA,),
    View.ADMIN: (schema.VIEW_RESELLER_EXTRA, schema.VIEW_ADMIN_EXTRA),
}
_CUSTOMER_ATTRIBUTES = (schema.KIND, schema.CUSTOMER_PARENT_RESELLER)


@dataclass(frozen=True)
class CallLimits:
    """How long one attempt may take, how many a call makes, and the pause between them."""

    attempt_seconds: float
    attempts: int = 2
    retry_pause_seconds: float = 0.025


class UnreadableResponseError(Exception):
    """DynamoDB (or something in between) answered 2xx with a body that cannot be read."""


# The member every readable answer of these operations has (a GetItem that found nothing is `{}`).
_ALWAYS_ANSWERED = {"BatchGetItem": "Responses", "Query": "Items"}


def refuse_unreadable_responses(client: Any) -> None:
    """Make the client raise UnreadableResponseError where botocore would hand back an answer it
    could not parse as if it were empty (only ResponseMetadata): "no such token", "no such
    account". Checked after botocore's own parse, and only when the answer looks empty, so a
    normal read pays nothing."""
    client.meta.events.register(
        "after-call.dynamodb", _refuse_unreadable, unique_id="get-account-refuse-unreadable-responses"
    )


def _refuse_unreadable(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    if http_response.status_code >= 300 or http_response.raw is None:
        return  # errors become ClientError by their status; no raw body: a botocore Stubber answer
    member = _ALWAYS_ANSWERED.get(model.name)
    if member is not None:
        readable = member in parsed
    elif model.name == "GetItem" and "Item" not in parsed:
        try:
            readable = isinstance(json.loads(http_response.content), dict)
        except ValueError:
            readable = False
    else:
        return
    if not readable:
        raise UnreadableResponseError(f"{model.name} answered {http_response.status_code} with an unreadable body")


def _projection(*attributes: str) -> dict[str, Any]:
    """ProjectionExpression arguments; every name goes through a placeholder (reserved words)."""
    unique = list(dict.fromkeys(attributes))
    names = {f"#a{position}": attribute for position, attribute in enumerate(unique)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}


def _error_code(error: ClientError) -> tuple[str, int]:
    response = error.response
    return response.get("Error", {}).get("Code", ""), response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)


# A failed attempt that another attempt may cure. botocore's JSON parser crashes with
# AttributeError or TypeError on a readable body of the wrong shape (`{"Item": []}`, `[]`): nothing
# but botocore runs inside the call, so those mean an answer that cannot be read, too.
_RETRYABLE = (
    EndpointUnreachable,
    HTTPClientError,
    AttemptOverrunError,
    UnreadableResponseError,
    ResponseParserError,
    AttributeError,
    TypeError,
)


class DynamoReadModelReader:
    """ReadModelReader (get_account.records) on a botocore DynamoDB client."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        number_index_name: str,
        limits: CallLimits,
        *,
        batch_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        attempt_limit: Callable[[float], AbstractContextManager[None]] = hard_limit,
    ) -> None:
        refuse_unreadable_responses(client)
        self._client = client
        self._table = table_name
        self._limits = limits
        self._attempt_ms = limits.attempt_seconds * 1000
        self._retry_ms = (limits.retry_pause_seconds + limits.attempt_seconds) * 1000
        self._batch_attempts = batch_attempts
        self._sleep = sleep
        self._attempt_limit = attempt_limit
        # Request arguments built once; each call adds only its key.
        self._token_projection = _projection(*_TOKEN_ATTRIBUTES)
        self._customer_projection = _projection(*_CUSTOMER_ATTRIBUTES)
        # By id on a cold principal cache the level is not known yet: read every view part.
        self._batch_projection = _projection(
            schema.PARTITION_KEY, *_TOKEN_ATTRIBUTES, *_ACCOUNT_ATTRIBUTES, *_VIEW_EXTRAS[View.ADMIN]
        )
        self._account_projections = {
            view: _projection(*_ACCOUNT_ATTRIBUTES, *extras) for view, extras in _VIEW_EXTRAS.items()
        }
        self._number_queries = {}
        for view, extras in _VIEW_EXTRAS.items():
            # The key too: it says which account the number found.
            projection = _projection(schema.PARTITION_KEY, *_ACCOUNT_ATTRIBUTES, *extras)
            names = {**projection["ExpressionAttributeNames"], "#number": schema.NUMBER_ATTR}
            self._number_queries[view] = {
                "TableName": table_name,
                "IndexName": number_index_name,
                "KeyConditionExpression": "#number = :number",
                "ProjectionExpression": projection["ProjectionExpression"],
                "ExpressionAttributeNames": names,
            }

    def token_and_account(
        self, token_hash: str, account_id: str, deadline: Deadline
    ) -> tuple[TokenLookup, StoredAccount | None]:
        token_pk, account_pk = schema.token_key(token_hash), schema.account_key(account_id)
        found = self._batch_get([token_pk, account_pk], self._batch_projection, deadline)
        return principal_from(found.get(token_pk)), account_from(found.get(account_pk), account_id)

    def token(self, token_hash: str, deadline: Deadline) -> TokenLookup:
        return principal_from(self._get(schema.token_key(token_hash), self._token_projection, deadline))

    def account(self, account_id: str, view: View, deadline: Deadline) -> StoredAccount | None:
        item = self._get(schema.account_key(account_id), self._account_projections[view], deadline)
        return account_from(item, account_id)

    def accounts_with_number(self, number: str, view: View, deadline: Deadline) -> list[StoredAccount]:
        query: dict[str, Any] = {
            **self._number_queries[view],
            "ExpressionAttributeValues": {":number": {"S": number}},
        }
        accounts: list[StoredAccount] = []
        while True:
            response = self._send(self._client.query, query, deadline)
            accounts.extend(account for item in response["Items"] if (account := account_from(item)) is not None)
            if "LastEvaluatedKey" not in response:
                return accounts
            query = {**query, "ExclusiveStartKey": response["LastEvaluatedKey"]}

    def customer(self, customer_id: str, deadline: Deadline) -> CustomerRecord | None:
        return customer_from(self._get(schema.customer_key(customer_id), self._customer_projection, deadline))

    def _get(self, key: str, projection: dict[str, Any], deadline: Deadline) -> Item | None:
        request = {"TableName": self._table, "Key": {schema.PARTITION_KEY: {"S": key}}, **projection}
        item: Item | None = self._send(self._client.get_item, request, deadline).get("Item")
        return item

    def _batch_get(self, keys: list[str], projection: dict[str, Any], deadline: Deadline) -> dict[str, Item]:
        """Items by partition key. BatchGetItem may leave keys unprocessed under load: retry those
        with a short backoff, then give up as unavailable."""
        request: dict[str, Any] = {
            self._table: {"Keys": [{schema.PARTITION_KEY: {"S": key}} for key in keys], **projection}
        }
        found: dict[str, Item] = {}
        for attempt in range(self._batch_attempts):
            response = self._send(self._client.batch_get_item, {"RequestItems": request}, deadline)
            for item in response.get("Responses", {}).get(self._table, []):
                found[item[schema.PARTITION_KEY]["S"]] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            if attempt + 1 < self._batch_attempts:
                pause = 0.025 * 2**attempt
                deadline.require((pause + self._limits.attempt_seconds) * 1000)
                self._sleep(pause)
        raise ReadModelUnavailableError

    def _send(self, operation: Callable[..., dict[str, Any]], request: dict[str, Any], deadline: Deadline) -> Any:
        """One call: up to `limits.attempts` attempts, each one only if it fits in the deadline."""
        failure: Exception | None = None
        for attempt in range(self._limits.attempts):
            try:
                deadline.require(self._retry_ms if attempt else self._attempt_ms)
            except OutOfTimeError as out_of_time:
                raise out_of_time from failure
            if attempt:
                self._sleep(self._limits.retry_pause_seconds)
            try:
                with self._attempt_limit(self._limits.attempt_seconds):
                    return operation(**request)
            except ClientError as error:
                code, status = _error_code(error)
                if code in _THROTTLING_CODES:
                    raise ReadModelUnavailableError from error
                if code not in _SERVER_ERROR_CODES and status < 500:
                    raise  # this request is wrong (a bug or a missing table): 500
                failure = error
            except _RETRYABLE as error:
                failure = error
        raise ReadModelUnavailableError from failure
