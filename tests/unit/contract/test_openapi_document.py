"""docs/openapi.yaml: a valid OpenAPI 3.1 document that says what the code does.

Its account schema is held to Sync's account document model (the fields Sync renders, their
types and known values), its views to the renderer's field lists, its errors to the HTTP
adapter's table, and its checks are shown to fail on answers the contract does not allow.
"""

from __future__ import annotations

import copy
import json
import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from pydantic import BaseModel
from referencing import Registry
from referencing.jsonschema import DRAFT202012

import gateway_openapi
from account_sync import fields
from account_sync.account_document import AccountDocument, KnownValues
from account_sync.rendering import ADMIN_FIELDS, RESELLER_FIELDS
from get_account.http_api import _ANSWERS, _INTERNAL_ERROR
from mvno_shared.identifiers import E164_NUMBER, HEX_ID
from support.golden import golden_text
from support.openapi_contract import ContractViolationError, assert_conforms, contract_document

OPERATION = ("/mvno/{accountId}", "get")
ACCOUNT_PATH = "/mvno/acc000000000000000000001"
SCHEMAS = "#/components/schemas/"


def document() -> dict[str, Any]:
    return copy.deepcopy(contract_document())


def operation() -> dict[str, Any]:
    path, method = OPERATION
    found: dict[str, Any] = document()["paths"][path][method]
    return found


def schema_validator(name: str) -> Draft202012Validator:
    """A validator for one component schema, with the document's $refs resolvable."""
    contract = document()
    registry: Registry[Any] = Registry().with_resource("urn:contract", DRAFT202012.create_resource(contract))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"urn:contract{SCHEMAS}{name}"}
    return Draft202012Validator(schema, registry=registry)


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = contract_document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")


def test_given_the_contract_when_validated_then_it_is_a_valid_openapi_3_1_document() -> None:
    contract = document()

    OpenAPIV31SpecValidator(contract).validate()

    assert contract["openapi"].startswith("3.1.")


def _without_intrinsics(node: Any) -> Any:
    """CloudFormation resolves these before API Gateway sees the document; a stand-in string here."""
    if isinstance(node, dict):
        if len(node) == 1 and next(iter(node)) in ("Ref", "Fn::Sub"):
            return "resolved-by-cloudformation"
        return {key: _without_intrinsics(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_without_intrinsics(value) for value in node]
    return node


def test_given_the_gateway_document_when_derived_again_then_it_is_what_is_checked_in() -> None:
    checked_in = gateway_openapi.DERIVED.read_text(encoding="utf-8")

    derived = gateway_openapi.render(gateway_openapi.derive(document()))

    assert derived == checked_in, "docs/openapi.apigateway.yaml is out of date: run `make openapi`"


def test_given_the_gateway_document_when_validated_then_it_is_openapi_3_0_as_api_gateway_imports() -> None:
    derived = gateway_openapi.derive(document())

    OpenAPIV30SpecValidator(_without_intrinsics(derived)).validate()

    assert derived["openapi"].startswith("3.0.")
    assert set(derived["paths"]) == set(document()["paths"])


def test_given_every_object_schema_when_read_then_it_allows_no_undocumented_property_except_custom() -> None:
    open_objects = [
        path
        for path, node in walk(document()["components"]["schemas"])
        if isinstance(node, dict) and node.get("type") == "object" and node.get("additionalProperties") is not False
    ]

    assert open_objects == ["/MvnoAccount/properties/custom"]


def test_given_the_contract_when_read_then_nothing_is_nullable() -> None:
    nullable = [
        path
        for path, node in walk(document())
        if isinstance(node, dict)
        and (
            node.get("type") == "null"
            or (isinstance(node.get("type"), list) and "null" in node["type"])
            or "nullable" in node
            or (isinstance(node.get("enum"), list) and None in node["enum"])
        )
    ]

    assert nullable == []


# --- The account schema against Sync's account document model --------------------------------


def _leaf_kind(annotation: Any) -> str:
    """What a model field's type looks like in the contract."""
    members = [member for member in typing.get_args(annotation) if member is not type(None)] or [annotation]
    if typing.get_origin(annotation) is typing.Annotated:
        members = [annotation]
    kinds = set()
    for member in members:
        for known, kind in ((fields.Id, "Id"), (fields.Timestamp, "Timestamp"), (fields.E164Number, "E164Number")):
            if member == known:
                kinds.add(kind)
                break
        else:
            base = typing.get_args(member)[0] if typing.get_origin(member) is typing.Annotated else member
            kinds.add({bool: "boolean", int: "integer", float: "number", str: "string"}[base])
    return "number" if kinds == {"integer", "number"} else kinds.pop()


def _model_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(path, kind) of every field Sync renders: `[]` marks list items, `{}` an open object."""
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        path = f"{prefix}{field.serialization_alias or field.alias or name}"
        # pydantic keeps a required field's Annotated metadata beside its bare type: put it back.
        annotation: Any = field.annotation
        if typing.get_origin(annotation) is not typing.Union and field.metadata:
            annotation = typing.Annotated[annotation, *field.metadata]
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        inner = args[0] if len(args) == 1 else annotation
        if typing.get_origin(inner) is typing.Annotated and typing.get_origin(typing.get_args(inner)[0]) is list:
            inner = typing.get_args(inner)[0]
        known = next((marker for marker in field.metadata if isinstance(marker, KnownValues)), None)
        if known is not None:
            yield path, "enum:" + ",".join(sorted(known.values))
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            yield path, "object"
            yield from _model_fields(inner, f"{path}.")
        elif typing.get_origin(inner) is list:
            (item,) = typing.get_args(inner)
            yield path, "array"
            if isinstance(item, type) and issubclass(item, BaseModel):
                yield f"{path}[]", "object"
                yield from _model_fields(item, f"{path}[].")
            else:
                yield f"{path}[]", _leaf_kind(item)
        elif typing.get_origin(inner) is dict or "dict" in str(inner):
            yield path, "{}"
        else:
            yield path, _leaf_kind(annotation)


def _schema_kind(node: dict[str, Any]) -> str:
    reference = str(node.get("$ref", ""))
    if reference.removeprefix(SCHEMAS) in ("Id", "Timestamp", "E164Number"):
        return reference.removeprefix(SCHEMAS)
    node = resolve(node)
    if "anyOf" in node and all(branch.get("type") == "string" for branch in node["anyOf"]):
        (listed,) = [branch["enum"] for branch in node["anyOf"] if "enum" in branch]  # and any other string
        return "enum:" + ",".join(sorted(listed))
    if node.get("type") == "object" and "additionalProperties" not in node:
        return "{}"
    return str(node["type"])


def _schema_fields(node: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, member in resolve(node)["properties"].items():
        path = f"{prefix}{name}"
        kind = _schema_kind(member)
        yield path, kind
        target = resolve(member)
        if kind == "object":
            yield from _schema_fields(target, f"{path}.")
        elif kind == "array":
            item = target["items"]
            yield f"{path}[]", _schema_kind(item)
            if _schema_kind(item) == "object":
                yield from _schema_fields(resolve(item), f"{path}[].")


def test_given_sync_s_account_model_when_compared_then_the_schema_documents_exactly_its_fields_and_types() -> None:
    rendered = dict(_model_fields(AccountDocument))

    documented = dict(_schema_fields(document()["components"]["schemas"]["MvnoAccount"]))

    assert set(documented) == set(rendered)
    assert {path: kind for path, kind in documented.items() if rendered[path] != kind} == {}
    assert len(documented) > 100  # every row of the spec's table, nested ones included


def test_given_the_contract_s_patterns_when_compared_then_they_are_the_shapes_the_code_accepts() -> None:
    components = document()["components"]

    id_form, number_form = components["parameters"]["accountId"]["schema"]["anyOf"]

    assert id_form["pattern"] == f"^{HEX_ID.pattern}$"
    assert number_form["pattern"] == f"^{E164_NUMBER.pattern}$"
    assert components["schemas"]["E164Number"]["pattern"] == f"^{E164_NUMBER.pattern}$"
    assert re.fullmatch(
        components["schemas"]["Timestamp"]["pattern"][1:-1],
        fields.format_timestamp(fields.parse_timestamp("2015-01-01T00:00:00+01:00")),
    )
    assert re.fullmatch(components["schemas"]["Id"]["pattern"][1:-1], "1234567890abcdef12345678")
    assert not re.fullmatch(components["schemas"]["Id"]["pattern"][1:-1], "1234567890ABCDEF12345678")


def test_given_an_enumerated_field_with_a_value_the_spec_does_not_list_when_validated_then_it_conforms() -> None:
    # Sync accepts unknown enumerated values with a warning and the API returns them (docs/decisions.md).
    body = {"_id": "1234567890abcdef12345678", "customer": "1234567890abcdef12345678", "state": "SUSPENDED"}

    errors = list(schema_validator("MvnoAccount").iter_errors(body))

    assert errors == []
    assert list(schema_validator("MvnoAccount").iter_errors({**body, "state": 7})) != []


# --- The three views ----------------------------------------------------------------------------


def _excluded_by(view: str) -> set[str]:
    excluded = set()
    for branch in document()["components"]["schemas"][view]["allOf"][1:]:
        forbidden = branch["not"]
        for part in forbidden.get("anyOf", [forbidden]):
            excluded |= set(part["required"])
    return excluded


def test_given_the_view_schemas_when_read_then_they_leave_out_the_fields_the_renderer_holds_back() -> None:
    assert _excluded_by("MvnoAccountResellerView") == set(ADMIN_FIELDS)
    assert _excluded_by("MvnoAccountCustomerView") == set(RESELLER_FIELDS)


def test_given_the_examples_when_read_then_they_are_the_golden_admin_view_and_its_projections() -> None:
    examples = document()["components"]["examples"]
    admin = json.loads(golden_text("spec_example_admin_view.json"))
    reseller = {name: value for name, value in admin.items() if name not in ADMIN_FIELDS}
    customer = {name: value for name, value in reseller.items() if name not in RESELLER_FIELDS}

    assert examples["AdminView"]["value"] == admin
    assert examples["ResellerView"]["value"] == reseller
    assert examples["CustomerView"]["value"] == customer


@pytest.mark.parametrize(
    ("example", "valid_for", "invalid_for"),
    [
        ("AdminView", {"MvnoAccount"}, {"MvnoAccountResellerView", "MvnoAccountCustomerView"}),
        ("ResellerView", {"MvnoAccount", "MvnoAccountResellerView"}, {"MvnoAccountCustomerView"}),
        ("CustomerView", {"MvnoAccount", "MvnoAccountResellerView", "MvnoAccountCustomerView"}, set()),
    ],
)
def test_given_a_view_s_example_when_validated_then_only_the_views_that_may_hold_it_accept_it(
    example: str, valid_for: set[str], invalid_for: set[str]
) -> None:
    body = document()["components"]["examples"][example]["value"]

    accepted = {view for view in valid_for | invalid_for if schema_validator(view).is_valid(body)}

    assert accepted == valid_for


# --- Errors ---------------------------------------------------------------------------------------


def _documented_messages(status: int) -> set[str]:
    schema = resolve(operation()["responses"][str(status)]["content"]["application/json"]["schema"])
    branches = [resolve(branch) for branch in schema.get("anyOf", [schema])]
    messages: set[str] = set()
    for branch in branches:
        for part in branch.get("allOf", [])[1:]:
            message = part["properties"]["message"]
            messages |= {message["const"]} if "const" in message else set(message["enum"])
    return messages


def test_given_the_adapter_s_error_table_when_compared_then_each_status_documents_exactly_its_message_keys() -> None:
    answers = [*_ANSWERS.values(), _INTERNAL_ERROR]

    documented = {answer.status: _documented_messages(answer.status) for answer in answers}

    assert documented == {
        status: {answer.message for answer in answers if answer.status == status} for status in documented
    }


@pytest.mark.parametrize("answer", [*_ANSWERS.values(), _INTERNAL_ERROR], ids=lambda answer: answer.message)
def test_given_each_error_answer_of_the_adapter_when_checked_then_it_conforms(answer: Any) -> None:
    response = answer.response()

    assert_conforms(
        method="GET",
        path=ACCOUNT_PATH,
        status=response["statusCode"],
        headers=response["headers"],
        body=response["body"],
    )


OK_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}
MINIMAL = {"_id": "1234567890abcdef12345678", "customer": "1234567890abcdef12345678"}
NOT_FOUND = {"code": 404, "message": "mvnoAccount", "description": "MVNO account not found"}


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (200, OK_HEADERS, {**MINIMAL, "undocumented": 1}),
        (200, OK_HEADERS, {**MINIMAL, "feature": {"roaming": True, "undocumented": True}}),
        (200, OK_HEADERS, {**MINIMAL, "notes": None}),
        (200, OK_HEADERS, {**MINIMAL, "dataSharingSims": [{}, {}, {}, {}]}),
        (200, OK_HEADERS, {**MINIMAL, "_id": "1234567890ABCDEF12345678"}),
        (200, OK_HEADERS, {**MINIMAL, "startDate": "2015-01-01T00:00:00Z"}),
        (200, {"Content-Type": "application/json", "Cache-Control": "private"}, MINIMAL),
        (200, {"Content-Type": "application/json"}, MINIMAL),
        (200, {"Content-Type": "text/html", "Cache-Control": "no-store"}, MINIMAL),
        (404, OK_HEADERS, {**NOT_FOUND, "message": "not_found"}),
        (404, OK_HEADERS, {**NOT_FOUND, "code": 400}),
        (404, OK_HEADERS, {"code": 404, "message": "mvnoAccount"}),
        (401, OK_HEADERS, {"code": 401, "message": "invalid_token", "description": "x"}),
        (503, OK_HEADERS, {"code": 503, "message": "unavailable", "description": "x"}),
        (418, OK_HEADERS, {"code": 418, "message": "teapot", "description": "x"}),
    ],
    ids=[
        "undocumented-field",
        "undocumented-nested-field",
        "null",
        "four-data-sharing-sims",
        "upper-case-id",
        "date-without-milliseconds",
        "cacheable",
        "no-cache-control",
        "not-json",
        "unknown-message-key",
        "code-not-the-status",
        "no-description",
        "401-without-challenge",
        "503-without-retry-after",
        "undocumented-status",
    ],
)
def test_given_an_answer_the_contract_does_not_allow_when_checked_then_it_is_refused(
    status: int, headers: dict[str, str], body: dict[str, Any]
) -> None:
    with pytest.raises(ContractViolationError):
        assert_conforms(method="GET", path=ACCOUNT_PATH, status=status, headers=headers, body=json.dumps(body))
