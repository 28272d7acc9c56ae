"""The API's reference page, which only `make run` serves, on the local API's own port.

- `/openapi.yaml` and `/openapi.json`: the contract, docs/openapi.yaml, read at each request (an
  edit shows on reload), with `servers` naming this local API as the request reached it and
  without the deployment's `x-amazon-apigateway-integration` (CloudFormation syntax, not contract).
- `/docs`: Swagger UI from the installed swagger-ui-bundle-v2 package, so "Try it out" calls this
  API with a demo token. The page loads only files served here: nothing comes from the internet
  (its validator badge, which would, is off).

These are Routes like the template's, so everything else about the local API stays API Gateway's.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import yaml
from swagger_ui_bundle import swagger_ui_path

from mvno_local.api_gateway import Route
from mvno_local.functions import Invocation
from mvno_local.paths import REPO_ROOT

CONTRACT_PATH = REPO_ROOT / "docs" / "openapi.yaml"
INTEGRATION = "x-amazon-apigateway-integration"
# The Swagger UI files the page needs, and their types; nothing else of the package is served.
_ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>MVNO Account API - reference (make run)</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    });
  </script>
</body>
</html>
"""
_NOT_FOUND = json.dumps({"message": "Not Found"}, separators=(",", ":"))


def served_contract(host: str) -> dict[str, Any]:
    """docs/openapi.yaml as `make run` serves it: its one server is this local API."""
    with CONTRACT_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    document["servers"] = [
        {"url": f"http://{host}", "description": "make run on this machine: use a demo token (demo-admin, ...)"}
    ]
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.pop(INTEGRATION, None)
    return document


def _host(event: dict[str, Any]) -> str:
    headers: dict[str, str] = event.get("headers") or {}
    return headers.get("host") or f"127.0.0.1:{headers.get('x-forwarded-port', '3000')}"


def _answer(status: int, content_type: str, body: str | bytes) -> Invocation:
    """A payload 2.0 response, as a function would return it."""
    binary = isinstance(body, bytes)
    return Invocation(
        payload={
            "statusCode": status,
            "headers": {"Content-Type": content_type, "Cache-Control": "no-cache"},
            "body": base64.b64encode(body).decode() if isinstance(body, bytes) else body,
            "isBase64Encoded": binary,
        }
    )


def _openapi_yaml(event: dict[str, Any]) -> Invocation:
    text = yaml.safe_dump(served_contract(_host(event)), sort_keys=False, allow_unicode=True, width=120)
    return _answer(200, "application/yaml; charset=utf-8", text)


def _openapi_json(event: dict[str, Any]) -> Invocation:
    return _answer(200, "application/json", json.dumps(served_contract(_host(event)), ensure_ascii=False))


def _page(event: dict[str, Any]) -> Invocation:
    return _answer(200, "text/html; charset=utf-8", _PAGE)


def _asset(event: dict[str, Any]) -> Invocation:
    name = (event.get("pathParameters") or {}).get("asset", "")
    if name not in _ASSETS:
        return _answer(404, "application/json", _NOT_FOUND)
    content = Path(str(swagger_ui_path), name).read_bytes()
    if _ASSETS[name].startswith("image/"):
        return _answer(200, _ASSETS[name], content)
    return _answer(200, _ASSETS[name], content.decode("utf-8"))


def reference_routes() -> list[Route]:
    return [
        Route("GET", "/openapi.yaml", _openapi_yaml),
        Route("GET", "/openapi.json", _openapi_json),
        Route("GET", "/docs", _page),
        Route("GET", "/docs/{asset}", _asset),
    ]
