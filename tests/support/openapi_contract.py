"""The HTTP contract, docs/openapi.yaml, as the tests hold responses to it (openapi-core).

Every GetAccount response a test sees goes through `assert_conforms`: its status must be one the
operation documents, with that status's required headers, content type and body schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema.exceptions import ValidationError, best_match
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_PATH = REPO_ROOT / "docs" / "openapi.yaml"
# The request's host only selects one of the document's servers; make run's is as good as any.
_HOST_URL = "http://127.0.0.1:3000"


@cache
def contract_document() -> dict[str, Any]:
    with CONTRACT_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


@cache
def _contract() -> OpenAPI:
    return OpenAPI.from_dict(contract_document())


class ContractViolationError(AssertionError):
    """A response the document does not allow. The message names paths and rules, never values:
    a body can hold PIN and PUK codes."""


def _where(schema_error: ValidationError) -> str:
    """The deepest failing path and rule (anyOf/allOf name their best-matching branch)."""
    while schema_error.context:
        schema_error = best_match(schema_error.context)
    return f"{schema_error.json_path}: {schema_error.validator} {schema_error.validator_value!r} failed"


def _why(error: Exception) -> str:
    for cause in (error, error.__cause__):
        if isinstance(cause, InvalidSchemaValue):
            return "; ".join(
                _where(schema_error)
                for schema_error in cause.schema_errors
                if isinstance(schema_error, ValidationError)
            )
    name = getattr(error, "name", None)
    return type(error).__name__ + (f" ({name})" if name else "")


def assert_conforms(
    *,
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes | str,
    query: Mapping[str, str] | None = None,
) -> None:
    """Raise ContractViolationError unless the document allows this answer to `method path`."""
    content_type = next((value for name, value in headers.items() if name.lower() == "content-type"), None)
    request = MockRequest(_HOST_URL, method.lower(), path, args=dict(query or {}))
    response = MockResponse(
        body.encode() if isinstance(body, str) else body,
        status_code=status,
        headers=dict(headers),
        content_type=content_type or "",
    )
    try:
        _contract().validate_response(request, response)
    except Exception as error:  # openapi-core reports every violation as its own exception type
        raise ContractViolationError(f"{method} {path} -> {status}: {_why(error)}") from None


def assert_lambda_response_conforms(event: Mapping[str, Any], response: Mapping[str, Any]) -> None:
    """A payload 2.0 event and the Lambda response the function gave for it."""
    assert not response.get("isBase64Encoded"), "GetAccount answers text"
    assert_conforms(
        method=event["requestContext"]["http"]["method"],
        path=event["rawPath"],
        status=response["statusCode"],
        headers=response.get("headers") or {},
        body=response.get("body") or "",
        query=event.get("queryStringParameters"),
    )


def _operation_of(method: str, path: str) -> bool:
    """Whether the contract defines `method` on a path template matching `path`."""
    for template, item in contract_document()["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in item:
            return True
    return False


def assert_conforms_if_documented(
    method: str, url: str, status: int, headers: Mapping[str, str], body: bytes | str
) -> bool:
    """For an answer over HTTP: checked if the contract defines the operation (True), else left
    alone (False: the reference page, a path with no route)."""
    split = urlsplit(url)
    if not _operation_of(method, split.path):
        return False
    query = dict(part.split("=", 1) for part in split.query.split("&") if "=" in part)
    assert_conforms(method=method, path=split.path, status=status, headers=headers, body=body, query=query)
    return True
