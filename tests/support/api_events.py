"""The HTTP API (payload 2.0) events in events/api/, as the GetAccount tests' requests, and the
one way those tests get GetAccount's answers.

Load a file, then override only what a test cares about: the account id, the token (as a
Bearer header or as `?token=`), or no token at all. The account id is given as a client puts it in
the path; the event carries it as API Gateway's HTTP API delivers it: `rawPath` as sent,
`pathParameters` percent-decoded once (`%2B4512345678` arrives as `+4512345678`). Then `call_get_account(event)` (or
`call_http_adapter(reader, event)`): each answer is checked against docs/openapi.yaml before the
test sees it; no test calls the handler itself (tests/unit/contract checks that).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import unquote

import get_account.handler as get_account_handler
from get_account.http_api import handle
from get_account.reader import AccountReader
from support.event_files import load_event
from support.lambda_context import FakeLambdaContext
from support.openapi_contract import assert_lambda_response_conforms

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class _Keep:
    """Sentinel: leave this part of the event file as it is."""


KEEP: Final = _Keep()


def api_event(
    name: str,
    *,
    account_id: str | _Keep = KEEP,
    bearer: str | _Keep | None = KEEP,
    query_token: str | _Keep | None = KEEP,
) -> dict[str, Any]:
    """events/api/<name>.json with a fresh request id and the given overrides (None removes)."""
    event = copy.deepcopy(load_event(f"api/{name}.json"))
    event["requestContext"]["requestId"] = uuid.uuid4().hex
    if not isinstance(account_id, _Keep):
        event["pathParameters"] = {"accountId": unquote(account_id)}
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/mvno/{account_id}"
    if not isinstance(bearer, _Keep):
        event["headers"].pop("authorization", None)
        if bearer is not None:
            event["headers"]["authorization"] = f"Bearer {bearer}"
    if not isinstance(query_token, _Keep):
        event.pop("queryStringParameters", None)
        event["rawQueryString"] = ""
        if query_token is not None:
            event["queryStringParameters"] = {"token": query_token}
            event["rawQueryString"] = f"token={query_token}"
    return event


def token_in(event: dict[str, Any]) -> str:
    """The raw token an event file carries, in its header or its query string."""
    authorization: str | None = event["headers"].get("authorization")
    if authorization is not None:
        return authorization.removeprefix("Bearer ")
    token: str = event["queryStringParameters"]["token"]
    return token


def account_id_in(event: dict[str, Any]) -> str:
    account_id: str = event["pathParameters"]["accountId"]
    return account_id


def call_get_account(
    event: dict[str, Any], handler: Handler | None = None, context: FakeLambdaContext | None = None
) -> dict[str, Any]:
    """GetAccount's Lambda handler (or `handler`, e.g. a reloaded one) on `event` and `context`
    (a fresh one with the default time left unless given), its response checked against the contract."""
    entry_point: Handler = handler if handler is not None else get_account_handler.lambda_handler
    response: dict[str, Any] = entry_point(event, context or FakeLambdaContext())
    assert_lambda_response_conforms(event, response)
    return response


def call_http_adapter(
    reader: AccountReader, event: dict[str, Any], context: FakeLambdaContext | None = None
) -> dict[str, Any]:
    """The HTTP adapter alone, on an injected reader (and `context`, for its time left), its response
    checked against the contract."""
    response = handle(event, context or FakeLambdaContext(), reader=lambda: reader)
    assert_lambda_response_conforms(event, response)
    return response
