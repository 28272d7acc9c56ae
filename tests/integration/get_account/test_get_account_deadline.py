"""Every GET is answered by the function itself within its Timeout (docs/http-contract.md), whatever
DynamoDB does: slow, hanging, trickling, throttling or answering garbage, on each kind of lookup,
the 8-level reseller walk included. Faults at botocore's transport (support.dynamodb_faults), on
moto and on dynalite; time is a fake clock that the faults run down."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import TableFixture
from get_account.reader import AccountReader
from get_account.wiring import ANSWER_MARGIN_MS, get_account_dynamodb_client, new_reader
from mvno_shared.settings import settings_from_environment
from support import log_capture
from support.api_events import api_event, call_get_account, call_http_adapter
from support.lambda_context import FakeClock, FakeLambdaContext, get_account_lambda_context, get_account_timeout_ms
from support.read_model_seed import issue_token, upsert_account, upsert_customer
from support.read_path_faults import (
    Attempt,
    Fault,
    FaultyTransport,
    first_attempts_only,
    garbled,
    hanging,
    slow,
    throttled,
    trickling,
)

secrets_never_logged_here = pytest.fixture(scope="module", autouse=True)(log_capture.guard_module)

TOP_RESELLER = "00000000000000000000000f"
# c1 (the account's customer) under c2 under ... under c8 under TOP_RESELLER: 8 steps up.
CHAIN = [f"0000000000000000000000c{level}" for level in range(1, 9)]
ACCOUNT_ID = "00000000000000000000a001"
NUMBER = "+4570000001"


@dataclass(frozen=True)
class Lookup:
    """A kind of request, and how many DynamoDB calls it makes on a cold instance."""

    account_id: str
    caller_customer: str
    level: str
    calls: int


LOOKUPS = {
    "by id": Lookup(ACCOUNT_ID, CHAIN[0], "OWNER", 1),  # BatchGetItem: token and account
    "by number": Lookup(NUMBER, CHAIN[0], "OWNER", 2),  # GetItem token, Query number index
    "reseller 8 levels down": Lookup(ACCOUNT_ID, TOP_RESELLER, "RESELLER", 9),  # + 8 customer GetItems
}


@pytest.fixture
def accounts(read_model: TableFixture) -> None:
    upsert_customer(TOP_RESELLER, None)
    for customer, parent in zip(CHAIN, [*CHAIN[1:], TOP_RESELLER], strict=True):
        upsert_customer(customer, parent)
    upsert_account(ACCOUNT_ID, CHAIN[0], NUMBER)


@dataclass
class Instance:
    """A cold GetAccount instance whose DynamoDB client has a faulty transport and whose time is
    the fake clock (the store's pauses too)."""

    clock: FakeClock
    transport: FaultyTransport
    reader: AccountReader

    def get(self, lookup: Lookup, token: str) -> dict[str, Any]:
        event = api_event("get-account-by-id", account_id=lookup.account_id, bearer=token)
        return call_http_adapter(self.reader, event, get_account_lambda_context(self.clock))


def _no_hard_limit(seconds: float) -> AbstractContextManager[None]:
    # The faults advance the fake clock instead of taking time: nothing for a real timer to cut.
    return nullcontext()


@pytest.fixture
def instance(accounts: None) -> Instance:
    clock = FakeClock()
    client = get_account_dynamodb_client()
    transport = FaultyTransport(clock).install(client)
    reader = new_reader(settings_from_environment(), client, sleep=clock.sleep, attempt_limit=_no_hard_limit)
    return Instance(clock, transport, reader)


def answered_in_time(instance: Instance) -> bool:
    return instance.clock.elapsed_ms <= get_account_timeout_ms() - ANSWER_MARGIN_MS


def assert_unavailable(response: dict[str, Any]) -> None:
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["message"] == "unavailable"
    assert response["headers"]["Retry-After"].isdigit()


def alternating(first: Fault, then: Fault) -> Fault:
    """`first` on every first attempt of a call, `then` on its retry."""

    def fault(attempt: Attempt) -> Any:
        return (first if attempt.number % 2 == 1 else then)(attempt)

    return fault


FAILING = {
    "every answer 2.5 s late": slow(2.5),
    "no answer ever": hanging(),
    "every answer trickling for 30 s": trickling(30),
    # Each call takes 1.265 s (a timed-out first attempt, a slow retry): the walk runs out of time.
    "first attempts hang, retries trickle for 0.74 s": alternating(hanging(), trickling(0.74)),
}


@pytest.mark.parametrize("lookup", list(LOOKUPS))
@pytest.mark.parametrize("fault", list(FAILING))
def test_given_a_dynamodb_too_slow_when_read_then_503_within_the_timeout(
    instance: Instance, lookup: str, fault: str
) -> None:
    # Given
    kind = LOOKUPS[lookup]
    token = issue_token(kind.level, kind.caller_customer)
    instance.transport.faults["*"] = FAILING[fault]

    # When
    response = instance.get(kind, token)

    # Then
    if fault.startswith("first attempts hang") and kind.calls < 9:
        assert response["statusCode"] == 200  # a call or two of 1.265 s fit easily
    else:
        assert_unavailable(response)
    assert answered_in_time(instance)


SLOW_BUT_WORKING = {
    "every answer 0.45 s late": slow(0.45),
    "every answer trickling for 0.7 s": trickling(0.7),
    "every first attempt hangs": first_attempts_only(hanging()),
}


@pytest.mark.parametrize("lookup", list(LOOKUPS))
@pytest.mark.parametrize("fault", list(SLOW_BUT_WORKING))
def test_given_a_slow_dynamodb_that_answers_within_its_limits_when_read_then_200_within_the_timeout(
    instance: Instance, lookup: str, fault: str
) -> None:
    kind = LOOKUPS[lookup]
    token = issue_token(kind.level, kind.caller_customer)
    instance.transport.faults["*"] = SLOW_BUT_WORKING[fault]

    response = instance.get(kind, token)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["_id"] == ACCOUNT_ID
    assert answered_in_time(instance)
    # The reads really were slow: the clock ran for every call.
    assert instance.clock.elapsed_ms >= kind.calls * 450


@pytest.mark.parametrize("lookup", list(LOOKUPS))
def test_given_throttling_when_read_then_503_at_once_without_retrying(instance: Instance, lookup: str) -> None:
    kind = LOOKUPS[lookup]
    token = issue_token(kind.level, kind.caller_customer)
    instance.transport.faults["*"] = throttled()

    response = instance.get(kind, token)

    assert_unavailable(response)
    assert sum(instance.transport.sends.values()) == 1
    assert instance.clock.elapsed_ms == 0


def test_given_too_little_time_left_for_one_attempt_when_read_then_503_before_any_call(instance: Instance) -> None:
    # Given a request that starts with less than one attempt's limit plus the margin left
    token = issue_token("OWNER", CHAIN[0])
    context = FakeLambdaContext(remaining_ms=lambda: ANSWER_MARGIN_MS + 749)
    event = api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token)

    # When
    response = call_http_adapter(instance.reader, event, context)

    # Then
    assert_unavailable(response)
    assert instance.transport.sends == {}


def test_given_the_handler_when_lambda_gives_it_little_time_then_it_budgets_from_the_context(
    accounts: None,
) -> None:
    # The decorated handler passes Lambda's context on: the deadline is Lambda's time left.
    token = issue_token("OWNER", CHAIN[0])
    event = api_event("get-account-by-id", account_id=ACCOUNT_ID, bearer=token)

    short = FakeLambdaContext(remaining_ms=lambda: ANSWER_MARGIN_MS + 749)
    enough = FakeLambdaContext(remaining_ms=lambda: ANSWER_MARGIN_MS + 1100)

    assert call_get_account(event, context=short)["statusCode"] == 503
    assert call_get_account(event, context=enough)["statusCode"] == 200


# Every kind of unreadable body, on each operation, is in tests/unit/get_account/test_get_account_store.py.
GARBAGE = {"a proxy's page": b"<html><body>502 Bad Gateway</body></html>"}
# (lookup, operation garbled): every store call. The principal is cached first where the call
# under test is not the first one, so the garbled call is the one that decides.
STORE_CALLS = [
    ("by id", "BatchGetItem"),
    ("by number", "GetItem"),  # the token
    ("by number", "Query"),
    ("by id, principal cached", "GetItem"),  # the account
    ("reseller 8 levels down", "GetItem"),  # a customer of the walk
]


@pytest.mark.parametrize(("lookup", "operation"), STORE_CALLS)
@pytest.mark.parametrize("body", list(GARBAGE))
def test_given_an_unreadable_answer_to_a_store_call_when_read_then_503_never_a_refusal(
    instance: Instance, lookup: str, operation: str, body: str
) -> None:
    # Given
    kind = LOOKUPS[lookup.removesuffix(", principal cached")]
    token = issue_token(kind.level, kind.caller_customer)
    if lookup.endswith("principal cached"):
        assert instance.get(kind, token)["statusCode"] == 200
    instance.transport.faults[operation] = garbled(GARBAGE[body])

    # When
    response = instance.get(kind, token)

    # Then: neither "no such token" (401) nor "no such account" (404)
    assert_unavailable(response)
    assert instance.transport.sends[operation] >= 2  # retried once, as a failed attempt
