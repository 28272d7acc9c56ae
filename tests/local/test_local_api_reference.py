"""make run's reference routes in process: the contract as served (its server the local API as
reached, no deployment extension), and Swagger UI's files from the installed package only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from swagger_ui_bundle import swagger_ui_path

from mvno_local.api_gateway import Route, http_response
from mvno_local.api_reference import CONTRACT_PATH, reference_routes, served_contract


def request(route_path: str, path: str, host: str = "localhost:3210") -> tuple[int, dict[str, str], bytes]:
    (route,) = [route for route in reference_routes() if route.path == route_path]
    parameters = route.match("GET", path)
    assert parameters is not None
    event: dict[str, Any] = {"headers": {"host": host}, "pathParameters": parameters, "rawPath": path}
    response = http_response(route.invoke(event))
    return response.status, dict(response.headers), response.body


def test_given_a_host_when_the_contract_is_served_then_its_only_server_is_that_local_api() -> None:
    served = served_contract("localhost:3210")

    source = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    assert served["servers"] == [{"url": "http://localhost:3210", "description": served["servers"][0]["description"]}]
    assert "x-amazon-apigateway-integration" not in json.dumps(served)
    assert "x-amazon-apigateway-integration" in json.dumps(source)
    assert served["components"] == source["components"]


def test_given_the_yaml_and_json_routes_when_requested_then_both_serve_the_same_document() -> None:
    yaml_status, yaml_headers, yaml_body = request("/openapi.yaml", "/openapi.yaml")
    json_status, json_headers, json_body = request("/openapi.json", "/openapi.json")

    assert (yaml_status, json_status) == (200, 200)
    assert yaml_headers["Content-Type"].startswith("application/yaml")
    assert json_headers["Content-Type"] == "application/json"
    assert yaml.safe_load(yaml_body) == json.loads(json_body) == served_contract("localhost:3210")


def test_given_the_page_when_requested_then_it_loads_only_files_this_api_serves() -> None:
    status, headers, body = request("/docs", "/docs")

    page = body.decode()
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    for asset in ("/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/openapi.json"):
        assert f'"{asset}"' in page
    assert "http://" not in page
    assert "https://" not in page


def test_given_swagger_ui_s_files_when_requested_then_they_are_the_package_s_bytes() -> None:
    css_status, css_headers, css = request("/docs/{asset}", "/docs/swagger-ui.css")
    icon_status, icon_headers, icon = request("/docs/{asset}", "/docs/favicon-32x32.png")

    assert (css_status, css_headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert css == Path(str(swagger_ui_path), "swagger-ui.css").read_bytes()
    assert (icon_status, icon_headers["Content-Type"]) == (200, "image/png")
    assert icon == Path(str(swagger_ui_path), "favicon-32x32.png").read_bytes()  # binary, through base64


def test_given_any_other_file_of_the_package_when_requested_then_404_as_no_route() -> None:
    for name in ("index.j2", "swagger-ui.js.map", "..%2Ftemplate.yaml"):
        status, _, body = request("/docs/{asset}", f"/docs/{name}")
        assert (status, body) == (404, b'{"message":"Not Found"}')


def test_given_the_reference_routes_when_listed_then_they_answer_get_only() -> None:
    routes: list[Route] = reference_routes()

    assert {route.method for route in routes} == {"GET"}
    assert all(route.match("POST", route.path.replace("{asset}", "x")) is None for route in routes)
