"""The demo data `make run` loads: valid change events that together show the whole service."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from account_sync.account_document import AccountDocument
from account_sync.change_events import DETAIL_MODELS
from mvno_local.demo import CURL_EXAMPLES, DEMO_EVENTS_DIR, DEMO_TOKENS, demo_events
from mvno_shared.levels import ORDERED_LEVELS
from mvno_shared.schema import token_hash


def _of_type(detail_type: str) -> list[dict[str, Any]]:
    return [event["Detail"] for event in demo_events() if event["DetailType"] == detail_type]


def _documented_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every leaf path the account document model renders, lists marked with []."""
    paths = set()
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        path = f"{prefix}{field.serialization_alias or field.alias or name}"
        nested = _model_in(field.annotation)
        if nested is None:
            paths.add(path)
        else:
            inner, is_list = nested
            paths |= _documented_paths(inner, f"{path}{'[]' if is_list else ''}.")
    return paths


def _model_in(annotation: Any, in_list: bool = False) -> tuple[type[BaseModel], bool] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, in_list
    for argument in typing.get_args(annotation):
        found = _model_in(argument, in_list or typing.get_origin(annotation) is list)
        if found is not None:
            return found
    return None


def _present_paths(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict) and prefix != "custom.":
        paths = set()
        for key, item in value.items():
            if item is not None:
                paths |= _present_paths(item, f"{prefix}{key}.")
        return paths or {prefix.rstrip(".")}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return set().union(*(_present_paths(item, f"{prefix.rstrip('.')}[].") for item in value))
    return {prefix.rstrip(".")}


def test_given_the_demo_events_when_validated_by_sync_then_every_one_is_a_valid_change() -> None:
    for event in demo_events():
        assert event["Source"]
        DETAIL_MODELS[event["DetailType"]].model_validate(event["Detail"])


def test_given_the_demo_accounts_when_combined_then_they_use_every_documented_field() -> None:
    # Given
    present = set().union(*(_present_paths(detail["account"]) for detail in _of_type("MvnoAccountUpserted")))

    # Then
    assert _documented_paths(AccountDocument) - present == set()


def test_given_the_demo_accounts_then_they_show_pbx_voicemail_blocked_and_deleted() -> None:
    accounts = {detail["account"]["_id"]: detail for detail in _of_type("MvnoAccountUpserted")}
    documents = [detail["account"] for detail in accounts.values()]
    assert any((document.get("pbx") or 0) > 0 for document in documents)
    assert any(
        document.get("feature", {}).get("voicemail") and not document.get("sipAccount") and not document.get("pbx")
        for document in documents
    )
    assert any(document.get("state") == "BLOCKED" for document in documents)
    deleted = _of_type("MvnoAccountDeleted")
    assert deleted
    assert all(delete["version"] > accounts[delete["accountId"]]["version"] for delete in deleted)


def test_given_the_demo_customers_then_a_top_reseller_has_a_sub_reseller_and_customers_hang_under_each() -> None:
    parent = {
        detail["customer"]["_id"]: detail["customer"]["parentReseller"] for detail in _of_type("CustomerUpserted")
    }
    resellers = set(parent.values()) - {None}
    top = {reseller for reseller in resellers if parent[reseller] is None}
    sub = {reseller for reseller in resellers if parent[reseller] in top}
    assert top
    assert sub
    assert any(parent[customer] in top and customer not in resellers for customer in parent)
    assert any(parent[customer] in sub and customer not in resellers for customer in parent)
    assert any(parent[customer] is None and customer not in resellers for customer in parent)
    account_customers = {detail["account"]["customer"] for detail in _of_type("MvnoAccountUpserted")}
    assert account_customers <= set(parent)


def test_given_the_demo_tokens_then_each_level_has_one_and_the_events_hold_only_its_hash() -> None:
    # Given
    issued = {detail["tokenHash"]: detail["accessLevel"] for detail in _of_type("TokenIssued")}
    files = "".join(path.read_text(encoding="utf-8") for path in DEMO_EVENTS_DIR.glob("*.json"))

    # Then
    assert list(DEMO_TOKENS) == list(ORDERED_LEVELS)
    for level, token in DEMO_TOKENS.items():
        assert issued[token_hash(token)] == level
        assert token not in files


def test_given_the_curl_examples_then_they_use_demo_tokens_and_demo_accounts() -> None:
    accounts = _of_type("MvnoAccountUpserted")
    known = {detail["account"]["_id"] for detail in accounts} | {
        detail["account"]["number"].replace("+", "%2B") for detail in accounts
    }
    for example in CURL_EXAMPLES:
        assert example.level is None or example.level in DEMO_TOKENS
        assert example.path.removeprefix("/mvno/") in known
    assert len({example.level for example in CURL_EXAMPLES}) >= 4
