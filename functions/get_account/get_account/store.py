"""The read model in DynamoDB: the only module of GetAccount that touches it.

Low-level botocore client and attribute-value wire format (no boto3 resource layer, no
deserialiser): the read path stays at the cost of the SDK itself. Each read asks only for the
attributes it uses. Throttling and unreachability become ReadModelUnavailableError (503).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from get_account.errors import CorruptRecordError, ReadModelUnavailableError, TokenRefusal
from get_account.records import CustomerRecord, Principal, StoredAccount, TokenLookup
from mvno_shared import schema
from mvno_shared.views import View

Item = dict[str, dict[str, Any]]

# Error codes that mean "try again later", not "this request is wrong".
_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)

_TOKEN_ATTRIBUTES = (
    schema.KIND,
    schema.TOKEN_REVOKED,
    schema.TOKEN_EMPLOYEE,
    schema.TOKEN_CUSTOMER,
    schema.TOKEN_ACCESS_LEVEL,
    schema.TOKEN_EXPIRES_AT,
)
_ACCOUNT_ATTRIBUTES = (schema.KIND, schema.ACCOUNT_CUSTOMER, schema.ACCOUNT_STATE, schema.VERSION, schema.VIEW_CUSTOMER)
# What each view reads beyond the customer view: nothing it would not serve.
_VIEW_EXTRAS: dict[View, tuple[str, ...]] = {
    View.CUSTOMER: (),
    View.RESELLER: (schema.VIEW_RESELLER_EXTRA,),
    View.ADMIN: (schema.VIEW_RESELLER_EXTRA, schema.VIEW_ADMIN_EXTRA),
}
_CUSTOMER_ATTRIBUTES = (schema.KIND, schema.CUSTOMER_PARENT_RESELLER)


def _projection(*attributes: str) -> dict[str, Any]:
    """ProjectionExpression arguments; every name goes through a placeholder (reserved words)."""
    unique = list(dict.fromkeys(attributes))
    names = {f"#a{position}": attribute for position, attribute in enumerate(unique)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}


def _text(item: Item, attribute: str) -> str | None:
    value = item.get(attribute)
    return None if value is None else value.get("S")


def principal_from(item: Item | None) -> TokenLookup:
    if item is None or _text(item, schema.KIND) != schema.KIND_TOKEN:
        return TokenRefusal.UNKNOWN
    if item.get(schema.TOKEN_REVOKED, {}).get("BOOL"):
        return TokenRefusal.REVOKED
    employee = _text(item, schema.TOKEN_EMPLOYEE)
    customer = _text(item, schema.TOKEN_CUSTOMER)
    access_level = _text(item, schema.TOKEN_ACCESS_LEVEL)
    if employee is None or customer is None or access_level is None:
        return TokenRefusal.MALFORMED
    expires_at = item.get(schema.TOKEN_EXPIRES_AT)
    try:
        expires_at_ms = None if expires_at is None else int(expires_at["N"])
    except (KeyError, ValueError):
        return TokenRefusal.MALFORMED
    return Principal(employee, customer, access_level, expires_at_ms)


def account_from(item: Item | None) -> StoredAccount | None:
    """A live account, or None for a missing account or a tombstone."""
    if item is None or _text(item, schema.KIND) != schema.KIND_ACCOUNT:
        return None
    customer = _text(item, schema.ACCOUNT_CUSTOMER)
    customer_view = _text(item, schema.VIEW_CUSTOMER)
    version = item.get(schema.VERSION, {}).get("N")
    if customer is None or customer_view is None or version is None:
        raise CorruptRecordError("account record without customer, view or version")
    return StoredAccount(
        customer=customer,
        state=_text(item, schema.ACCOUNT_STATE),
        version=int(version),
        customer_view=customer_view,
        reseller_extra=_text(item, schema.VIEW_RESELLER_EXTRA) or "",
        admin_extra=_text(item, schema.VIEW_ADMIN_EXTRA) or "",
    )


def customer_from(item: Item | None) -> CustomerRecord | None:
    """A customer, or None for a missing customer or a tombstone."""
    if item is None or _text(item, schema.KIND) != schema.KIND_CUSTOMER:
        return None
    return CustomerRecord(parent_reseller=_text(item, schema.CUSTOMER_PARENT_RESELLER))


def _is_transient(error: ClientError) -> bool:
    response = error.response
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code in _UNAVAILABLE_CODES or status >= 500


class DynamoReadModelReader:
    """ReadModelReader (get_account.records) on a botocore DynamoDB client."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        number_index_name: str,
        *,
        batch_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._batch_attempts = batch_attempts
        self._sleep = sleep
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
        for view, projection in self._account_projections.items():
            names = {**projection["ExpressionAttributeNames"], "#number": schema.NUMBER_ATTR}
            self._number_queries[view] = {
                "TableName": table_name,
                "IndexName": number_index_name,
                "KeyConditionExpression": "#number = :number",
                "ProjectionExpression": projection["ProjectionExpression"],
                "ExpressionAttributeNames": names,
            }

    def token_and_account(self, token_hash: str, account_id: str) -> tuple[TokenLookup, StoredAccount | None]:
        token_pk, account_pk = schema.token_key(token_hash), schema.account_key(account_id)
        found = self._batch_get([token_pk, account_pk], self._batch_projection)
        return principal_from(found.get(token_pk)), account_from(found.get(account_pk))

    def token(self, token_hash: str) -> TokenLookup:
        return principal_from(self._get(schema.token_key(token_hash), self._token_projection))

    def account(self, account_id: str, view: View) -> StoredAccount | None:
        return account_from(self._get(schema.account_key(account_id), self._account_projections[view]))

    def accounts_with_number(self, number: str, view: View) -> list[StoredAccount]:
        query: dict[str, Any] = {
            **self._number_queries[view],
            "ExpressionAttributeValues": {":number": {"S": number}},
        }
        accounts: list[StoredAccount] = []
        while True:
            response = self._send(self._client.query, query)
            accounts.extend(account for item in response["Items"] if (account := account_from(item)) is not None)
            if "LastEvaluatedKey" not in response:
                return accounts
            query = {**query, "ExclusiveStartKey": response["LastEvaluatedKey"]}

    def customer(self, customer_id: str) -> CustomerRecord | None:
        return customer_from(self._get(schema.customer_key(customer_id), self._customer_projection))

    def _get(self, key: str, projection: dict[str, Any]) -> Item | None:
        request = {"TableName": self._table, "Key": {schema.PARTITION_KEY: {"S": key}}, **projection}
        item: Item | None = self._send(self._client.get_item, request).get("Item")
        return item

    def _batch_get(self, keys: list[str], projection: dict[str, Any]) -> dict[str, Item]:
        """Items by partition key. BatchGetItem may leave keys unprocessed under load: retry those
        with a short backoff, then give up as unavailable."""
        request: dict[str, Any] = {
            self._table: {"Keys": [{schema.PARTITION_KEY: {"S": key}} for key in keys], **projection}
        }
        found: dict[str, Item] = {}
        for attempt in range(self._batch_attempts):
            response = self._send(self._client.batch_get_item, {"RequestItems": request})
            for item in response.get("Responses", {}).get(self._table, []):
                found[item[schema.PARTITION_KEY]["S"]] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            if attempt + 1 < self._batch_attempts:
                self._sleep(0.025 * 2**attempt)
        raise ReadModelUnavailableError

    @staticmethod
    def _send(operation: Callable[..., dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
        try:
            return operation(**request)
        except ClientError as error:
            if _is_transient(error):
                raise ReadModelUnavailableError from error
            raise
        except (EndpointUnreachable, HTTPClientError) as error:
            raise ReadModelUnavailableError from error
