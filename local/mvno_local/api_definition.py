"""The HTTP API's routes as template.yaml deploys them, for `make run`.

No function declares an HttpApi event: the API's DefinitionBody includes (AWS::Include) the OpenAPI
document derived from docs/openapi.yaml, and each of its operations names the function it invokes
in `x-amazon-apigateway-integration` (a Fn::Sub of `${<Function>.Arn}`). This reads them as
CloudFormation and `sam local start-api` do, so the local API has exactly the deployed routes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HTTP_API = "AWS::Serverless::HttpApi"
INTEGRATION = "x-amazon-apigateway-integration"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_FUNCTION_ARN = re.compile(r"\$\{(?P<function>[A-Za-z0-9]+)\.Arn\}")


class DefinitionError(ValueError):
    """An API definition that CloudFormation or API Gateway would refuse too."""


@dataclass(frozen=True)
class DefinedRoute:
    api: str  # the HttpApi's logical id
    method: str  # upper case, as API Gateway's route keys
    path: str
    function: str  # the logical id of the function the integration invokes


def included_document(properties: dict[str, Any], template_dir: Path) -> Path | None:
    """The local file an HttpApi's DefinitionBody includes, if it includes one."""
    body = properties.get("DefinitionBody")
    transform = body.get("Fn::Transform") if isinstance(body, dict) else None
    if not isinstance(transform, dict) or transform.get("Name") != "AWS::Include":
        return None
    location = (transform.get("Parameters") or {}).get("Location")
    if not isinstance(location, str) or location.startswith("s3://"):
        return None
    return template_dir / location


def load_definition(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise DefinitionError(f"{path.name}: not an OpenAPI document (no paths)")
    return document


def integrated_function(operation: dict[str, Any], where: str) -> str:
    """The logical id of the function an operation's Lambda proxy integration invokes."""
    integration = operation.get(INTEGRATION)
    if not isinstance(integration, dict) or str(integration.get("type", "")).lower() != "aws_proxy":
        raise DefinitionError(f"{where}: no Lambda proxy integration ({INTEGRATION}, type aws_proxy)")
    uri = integration.get("uri")
    text = uri.get("Fn::Sub") if isinstance(uri, dict) else uri
    found = _FUNCTION_ARN.search(text) if isinstance(text, str) else None
    if found is None:
        raise DefinitionError(f"{where}: the integration's uri names no function (${{<Function>.Arn}})")
    return found["function"]


def defined_routes(template: dict[str, Any], template_dir: Path) -> Iterator[DefinedRoute]:
    """Every route of every HttpApi whose definition the template includes from a local file."""
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != HTTP_API:
            continue
        path = included_document(resource.get("Properties") or {}, template_dir)
        if path is None:
            continue
        document = load_definition(path)
        for route_path, item in document["paths"].items():
            for method in _METHODS:
                if method in item:
                    where = f"{path.name}: {method.upper()} {route_path}"
                    yield DefinedRoute(logical_id, method.upper(), route_path, integrated_function(item[method], where))
