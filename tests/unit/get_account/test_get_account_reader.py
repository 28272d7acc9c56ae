"""The read path's logic on an in-memory read model: order of checks, round trips, tie-break,
expiry and views per level."""

from __future__ import annotations

import dataclasses

import pytest

from get_account.deadline import Deadline, unlimited
from get_account.errors import (
    AccessDeniedError,
    AccountNotFoundError,
    InvalidAccountIdError,
    InvalidTokenError,
    MissingTokenError,
    TokenExpiredError,
    TokenRefusal,
)
from get_account.principals import PrincipalCache
from get_account.reader import AccountReader, ReadTrace, pick_live_account
from get_account.records import CustomerRecord, Principal, StoredAccount, TokenLookup
from get_account.reseller_tree import ResellerTree
from mvno_shared.schema import token_hash
from mvno_shared.views import View

ACCOUNT_ID = "1234567890abcdef12345678"
CUSTOMER = "cccccccccccccccccccccccc"
RESELLER = "aaaaaaaaaaaaaaaaaaaaaaaa"
NUMBER = "+4512345678"
NOW_MS = 1_800_000_000_000

ACCOUNT = StoredAccount(
    account_id=ACCOUNT_ID,
    customer=CUSTOMER,
    state="ACTIVE",
    version=3,
    customer_view='{"_id":"1234567890abcdef12345678"}',
    reseller_extra='"notes":"n"',
    admin_extra='"socs":[]',
)


class FakeReadModelReader:
    """The ReadModelReader port in memory; records which reads were made."""

    def __init__(self) -> None:
        self.tokens: dict[str, TokenLookup] = {}
        self.accounts: dict[str, StoredAccount] = {ACCOUNT_ID: ACCOUNT}
        self.numbers: dict[str, list[StoredAccount]] = {NUMBER: [ACCOUNT]}
        self.customers: dict[str, CustomerRecord] = {CUSTOMER: CustomerRecord(RESELLER)}
        self.calls: list[str] = []

    def issue(self, token: str, level: str, customer: str = CUSTOMER, expires_at_ms: int | None = None) -> None:
        self.tokens[token_hash(token)] = Principal("e" * 24, customer, level, expires_at_ms)

    def token_and_account(
        self, token_hash: str, account_id: str, deadline: Deadline
    ) -> tuple[TokenLookup, StoredAccount | None]:
        self.calls.append("token_and_account")
        return self.tokens.get(token_hash, TokenRefusal.UNKNOWN), self.accounts.get(account_id)

    def token(self, token_hash: str, deadline: Deadline) -> TokenLookup:
        self.calls.append("token")
        return self.tokens.get(token_hash, TokenRefusal.UNKNOWN)

    def account(self, account_id: str, view: View, deadline: Deadline) -> StoredAccount | None:
        self.calls.append("account")
        found = self.accounts.get(account_id)
        return None if found is None else self._projected(found, view)

    def accounts_with_number(self, number: str, view: View, deadline: Deadline) -> list[StoredAccount]:
        self.calls.append("accounts_with_number")
        return [self._projected(found, view) for found in self.numbers.get(number, [])]

    def customer(self, customer_id: str, deadline: Deadline) -> CustomerRecord | None:
        self.calls.append("customer")
        return self.customers.get(customer_id)

    @staticmethod
    def _projected(account: StoredAccount, view: View) -> StoredAccount:
        return dataclasses.replace(
            account,
            reseller_extra=account.reseller_extra if view.has_reseller_extra else "",
            admin_extra=account.admin_extra if view.has_admin_extra else "",
        )


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def read_model() -> FakeReadModelReader:
    return FakeReadModelReader()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def reader(read_model: FakeReadModelReader, clock: Clock) -> AccountReader:
    return AccountReader(
        read_model,
        PrincipalCache(30, 100, clock=clock),
        now_ms=lambda: NOW_MS,
        reseller_tree=ResellerTree(30, 100, clock),
    )


def read(reader: AccountReader, token: str | None, raw_id: str | None = ACCOUNT_ID) -> str:
    return reader.read(token, raw_id, ReadTrace(), unlimited())


def test_given_no_token_when_read_then_missing_token_without_any_read(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    with pytest.raises(MissingTokenError):
        read(reader, None)
    with pytest.raises(MissingTokenError):
        read(reader, "")
    assert read_model.calls == []


@pytest.mark.parametrize(
    ("stored", "reason"), [(None, TokenRefusal.UNKNOWN), (TokenRefusal.REVOKED, TokenRefusal.REVOKED)]
)
def test_given_unknown_or_revoked_token_when_read_then_invalid_token(
    reader: AccountReader, read_model: FakeReadModelReader, stored: TokenRefusal | None, reason: TokenRefusal
) -> None:
    if stored is not None:
        read_model.tokens[token_hash("t")] = stored
    with pytest.raises(InvalidTokenError) as refused:
        read(reader, "t")
    assert refused.value.reason is reason


def test_given_invalid_token_and_malformed_id_when_read_then_token_is_refused_first(reader: AccountReader) -> None:
    with pytest.raises(InvalidTokenError):
        read(reader, "unknown", "not-an-id")


def test_given_valid_token_and_malformed_id_when_read_then_invalid_id(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    read_model.issue("t", "ADMIN")
    with pytest.raises(InvalidAccountIdError):
        read(reader, "t", "not-an-id")
    assert read_model.calls == ["token"]


@pytest.mark.parametrize("expires_at_ms", [NOW_MS, NOW_MS - 1])
def test_given_expired_token_when_read_then_expired_before_the_id_is_judged(
    reader: AccountReader, read_model: FakeReadModelReader, expires_at_ms: int
) -> None:
    read_model.issue("t", "ADMIN", expires_at_ms=expires_at_ms)
    with pytest.raises(TokenExpiredError):
        read(reader, "t", "not-an-id")


def test_given_token_expiring_later_when_read_then_served(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    read_model.issue("t", "VIEWER", expires_at_ms=NOW_MS + 1)
    assert read(reader, "t") == ACCOUNT.customer_view


def test_given_cold_cache_when_read_by_id_then_one_round_trip_and_then_only_the_account(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    read_model.issue("t", "VIEWER")

    read(reader, "t")
    read(reader, "t")

    assert read_model.calls == ["token_and_account", "account"]


def test_given_cold_cache_when_read_by_number_then_token_then_number_index(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    read_model.issue("t", "VIEWER")

    read(reader, "t", NUMBER)
    read(reader, "t", NUMBER)

    assert read_model.calls == ["token", "accounts_with_number", "accounts_with_number"]


def test_given_cached_principal_revoked_when_read_within_ttl_then_served_and_after_ttl_refused(
    reader: AccountReader, read_model: FakeReadModelReader, clock: Clock
) -> None:
    read_model.issue("t", "VIEWER")
    read(reader, "t")
    read_model.tokens[token_hash("t")] = TokenRefusal.REVOKED

    clock.seconds += 29
    assert read(reader, "t") == ACCOUNT.customer_view
    clock.seconds += 1
    with pytest.raises(InvalidTokenError):
        read(reader, "t")


@pytest.mark.parametrize("level", ["VIEWER", "RESELLER", "ADMIN", "NOT_A_LEVEL"])
def test_given_missing_account_when_read_then_not_found_whatever_the_level(
    reader: AccountReader, read_model: FakeReadModelReader, level: str
) -> None:
    read_model.issue("t", level)
    with pytest.raises(AccountNotFoundError):
        read(reader, "t", "ffffffffffffffffffffffff")
    with pytest.raises(AccountNotFoundError):
        read(reader, "t", "+4599999999")


def test_given_unknown_level_when_reading_own_account_then_denied(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    read_model.issue("t", "NOT_A_LEVEL")
    with pytest.raises(AccessDeniedError):
        read(reader, "t")


def test_given_reseller_above_customer_when_read_then_tree_is_walked(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    read_model.issue("t", "RESELLER", customer=RESELLER)
    assert read(reader, "t") == '{"_id":"1234567890abcdef12345678","notes":"n"}'
    assert read_model.calls == ["token_and_account", "customer"]


def test_given_reseller_read_before_when_read_again_then_only_the_account_is_read(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    # Given: a warm instance that has served this reseller once (principal and tree cached)
    read_model.issue("t", "RESELLER", customer=RESELLER)
    read(reader, "t")
    read_model.calls.clear()

    # When
    body = read(reader, "t")

    # Then: the steady state is one read
    assert body == '{"_id":"1234567890abcdef12345678","notes":"n"}'
    assert read_model.calls == ["account"]


def test_given_customer_moved_away_from_reseller_when_read_within_and_after_the_ttl_then_served_then_denied(
    reader: AccountReader, read_model: FakeReadModelReader, clock: Clock
) -> None:
    # Given: the tree cached, then the customer moved under another reseller
    read_model.issue("t", "RESELLER", customer=RESELLER)
    read(reader, "t")
    read_model.customers[CUSTOMER] = CustomerRecord("b" * 24)

    # When / Then: the change bites within the TTL, as a revocation does
    clock.seconds += 29.9
    read(reader, "t")
    clock.seconds += 0.1
    with pytest.raises(AccessDeniedError):
        read(reader, "t")


def test_given_viewer_of_another_customer_when_read_then_denied(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    read_model.issue("t", "VIEWER", customer=RESELLER)
    with pytest.raises(AccessDeniedError):
        read(reader, "t")


@pytest.mark.parametrize(
    ("level", "body"),
    [
        ("VIEWER", '{"_id":"1234567890abcdef12345678"}'),
        ("OWNER", '{"_id":"1234567890abcdef12345678"}'),
        ("RESELLER", '{"_id":"1234567890abcdef12345678","notes":"n"}'),
        ("RESELLER_ADMIN", '{"_id":"1234567890abcdef12345678","notes":"n"}'),
        ("ADMIN", '{"_id":"1234567890abcdef12345678","notes":"n","socs":[]}'),
    ],
)
@pytest.mark.parametrize("warm", [False, True])
def test_given_each_level_when_read_then_its_view(
    reader: AccountReader, read_model: FakeReadModelReader, level: str, body: str, warm: bool
) -> None:
    read_model.issue("t", level)
    if warm:
        read(reader, "t")
    assert read(reader, "t") == body
    assert read(reader, "t", NUMBER) == body


def test_given_trace_when_read_then_it_tells_lookup_and_principal(
    reader: AccountReader, read_model: FakeReadModelReader
) -> None:
    read_model.issue("t", "VIEWER")
    cold, warm = ReadTrace(), ReadTrace()

    reader.read("t", NUMBER, cold, unlimited())
    reader.read("t", ACCOUNT_ID, warm, unlimited())

    assert (cold.lookup, cold.principal_cached) == ("number", False)
    assert (warm.lookup, warm.principal_cached) == ("id", True)
    assert warm.principal is not None
    assert warm.principal.access_level == "VIEWER"


def account(state: str | None, version: int) -> StoredAccount:
    return dataclasses.replace(ACCOUNT, state=state, version=version, customer_view=f'{{"v":{version}}}')


@pytest.mark.parametrize(
    ("candidates", "chosen_version"),
    [
        ([account("ACTIVE", 1)], 1),
        ([account("DELETING", 9), account("ACTIVE", 2)], 2),
        ([account("ACTIVE", 2), account("DELETING", 9)], 2),
        ([account("ACTIVE", 2), account("CREATING", 5)], 5),
        ([account(None, 4), account("ACTIVE", 3)], 4),
        ([account("DELETING", 3), account("DELETING", 7)], 7),
    ],
)
def test_given_number_held_by_several_live_accounts_when_picked_then_not_deleting_then_highest_version(
    candidates: list[StoredAccount], chosen_version: int
) -> None:
    chosen = pick_live_account(candidates)
    assert chosen is not None
    assert chosen.version == chosen_version


def test_given_no_candidates_when_picked_then_none() -> None:
    assert pick_live_account([]) is None
