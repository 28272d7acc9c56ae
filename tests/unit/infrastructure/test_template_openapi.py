"""The deployed API's routes come from the contract, docs/openapi.yaml, and from nowhere else:
template.yaml includes its API Gateway form, every route invokes a function of the template that
API Gateway may invoke for that route only, and `make run` serves the same routes."""

from __future__ import annotations

import re

import gateway_openapi
from mvno_local.api_definition import defined_routes, integrated_function
from mvno_local.paths import REPO_ROOT as REPOSITORY
from mvno_local.template import logical_ids_of_type, properties, template

API = "HttpApi"
FUNCTION = "AWS::Serverless::Function"


def contract_routes() -> set[tuple[str, str, str]]:
    """(METHOD, path, function) of every operation of the contract."""
    routes = set()
    for path, item in gateway_openapi.load_contract()["paths"].items():
        for method in gateway_openapi.METHODS:
            if method in item:
                routes.add((method.upper(), path, integrated_function(item[method], f"{method} {path}")))
    return routes


def test_given_the_http_api_when_read_then_its_definition_is_the_contract_s_api_gateway_form() -> None:
    body = properties(API)["DefinitionBody"]

    assert body == {
        "Fn::Transform": {
            "Name": "AWS::Include",
            "Parameters": {"Location": str(gateway_openapi.DERIVED.relative_to(REPOSITORY))},
        }
    }
    assert logical_ids_of_type("AWS::Serverless::HttpApi") == [API]


def test_given_the_functions_when_read_then_none_declares_a_route_outside_the_contract() -> None:
    events = {
        logical_id: [event["Type"] for event in (properties(logical_id).get("Events") or {}).values()]
        for logical_id in logical_ids_of_type(FUNCTION)
    }

    assert {logical_id: types for logical_id, types in events.items() if {"Api", "HttpApi"} & set(types)} == {}


def test_given_each_contract_route_when_read_then_it_invokes_a_template_function_by_lambda_proxy_2_0() -> None:
    derived = gateway_openapi.derive(gateway_openapi.load_contract())
    functions = set(logical_ids_of_type(FUNCTION))

    for method, path, function in contract_routes():
        integration = derived["paths"][path][method.lower()][gateway_openapi.INTEGRATION]
        assert function in functions
        assert integration["type"] == "aws_proxy"
        assert integration["httpMethod"] == "POST"  # how API Gateway always invokes Lambda
        assert integration["payloadFormatVersion"] == "2.0"  # the events GetAccount parses
    assert {route[:2] for route in contract_routes()} == {("GET", "/mvno/{accountId}")}


def _invoke_permissions() -> dict[str, set[str]]:
    """Function -> the execute-api source ARN patterns it may be invoked for."""
    permissions: dict[str, set[str]] = {}
    for logical_id in logical_ids_of_type("AWS::Lambda::Permission"):
        permission = properties(logical_id)
        if permission["Principal"] != "apigateway.amazonaws.com":
            continue
        assert permission["Action"] == "lambda:InvokeFunction"
        permissions.setdefault(permission["FunctionName"]["Ref"], set()).add(permission["SourceArn"]["Fn::Sub"])
    return permissions


def _source_arn(method: str, path: str) -> str:
    """As SAM writes it for an HttpApi event: any stage, the route's path parameters as `*`."""
    resource = re.sub(r"\{[^}]+\}", "*", path)
    return f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{API}}}/*/{method}{resource}"


def test_given_the_invoke_permissions_when_read_then_api_gateway_may_invoke_each_function_for_its_routes_only() -> None:
    expected: dict[str, set[str]] = {}
    for method, path, function in contract_routes():
        expected.setdefault(function, set()).add(_source_arn(method, path))

    assert _invoke_permissions() == expected


def test_given_make_run_when_it_reads_the_template_then_it_serves_exactly_the_contract_s_routes() -> None:
    local: set[tuple[str, str, str]] = {
        (route.method, route.path, route.function) for route in defined_routes(template(), REPOSITORY)
    }

    assert local == contract_routes()
