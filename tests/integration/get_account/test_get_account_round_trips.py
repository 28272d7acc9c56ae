"""DynamoDB calls per request (README, "Performance"): in the steady state of a warm instance one call
for every kind of lookup, a reseller reading 8 levels below itself included; on a cold instance
one more per reseller-tree level. Counted at botocore's before-call event of GetAccount's client,
on moto and on dynalite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conftest import TableFixture
from support import log_capture
from support.api_events import api_event, call_get_account
from support.lambda_instance import fresh_instance
from support.read_model_seed import issue_token, upsert_account, upsert_customer

secrets_never_logged_here = pytest.fixture(scope="module", autouse=True)(log_capture.guard_module)

DEPTH = 8  # the deepest walk the access rules allow


def customer(level: int) -> str:
    """Level 0 is the reading reseller; level n is n parentReseller steps below it."""
    return f"{level:023x}c"


def account_at(level: int) -> str:
    return f"{level:023x}a"


@pytest.fixture
def reseller_chain(read_model: TableFixture) -> str:
    """A reseller above a chain of DEPTH sub-resellers, an account at every level; its token."""
    upsert_customer(customer(0), None)
    for level in range(1, DEPTH + 1):
        upsert_customer(customer(level), customer(level - 1))
        upsert_account(account_at(level), customer(level), f"+45600000{level:02d}")
    return issue_token("RESELLER", customer(0))


@pytest.fixture
def dynamodb_calls() -> Iterator[list[str]]:
    """The operations GetAccount's client calls, in order (a fresh instance: nothing cached)."""
    from get_account.wiring import get_account_dynamodb_client

    fresh_instance()
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client = get_account_dynamodb_client()
    client.meta.events.register("before-call.dynamodb", record)
    yield calls
    client.meta.events.unregister("before-call.dynamodb", record)


def read(account_id: str, token: str) -> dict[str, Any]:
    return call_get_account(api_event("get-account-by-id", account_id=account_id, bearer=token))


@pytest.mark.parametrize("depth", [1, 4, DEPTH])
def test_given_a_warm_instance_when_a_reseller_reads_below_itself_again_then_one_dynamodb_call(
    reseller_chain: str, dynamodb_calls: list[str], depth: int
) -> None:
    # Given: the instance has served this reseller at this depth once
    assert read(account_at(depth), reseller_chain)["statusCode"] == 200
    dynamodb_calls.clear()

    # When
    response = read(account_at(depth), reseller_chain)

    # Then: the account alone; principal and tree come from the instance's caches
    assert response["statusCode"] == 200
    assert dynamodb_calls == ["GetItem"]


def test_given_a_cold_instance_when_a_reseller_reads_8_levels_down_then_token_and_account_then_one_call_per_level(
    reseller_chain: str, dynamodb_calls: list[str]
) -> None:
    # When
    response = read(account_at(DEPTH), reseller_chain)

    # Then
    assert response["statusCode"] == 200
    assert dynamodb_calls == ["BatchGetItem"] + ["GetItem"] * DEPTH


def test_given_a_tree_read_by_one_request_when_another_account_higher_up_is_read_then_no_customer_is_read_again(
    reseller_chain: str, dynamodb_calls: list[str]
) -> None:
    # Given: the whole chain walked once
    read(account_at(DEPTH), reseller_chain)
    dynamodb_calls.clear()

    # When: an account on the path already walked
    response = read(account_at(DEPTH // 2), reseller_chain)

    # Then
    assert response["statusCode"] == 200
    assert dynamodb_calls == ["GetItem"]
