"""What the read path knows of the read model's records, and the port it reads them through.

These are the read side's own shapes, not the stored items: the data-access module
(get_account.store) alone knows the DynamoDB attribute names and wire format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from get_account.deadline import Deadline
from get_account.errors import TokenRefusal
from mvno_shared.levels import level_rank
from mvno_shared.views import View


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a token belongs to. `rank` is None for a level this code does not know: deny.
    `view` is which view of an account it reads, if the access check lets it read at all."""

    employee: str
    customer: str
    access_level: str
    expires_at_ms: int | None
    rank: int | None = field(init=False)
    view: View = field(init=False)

    def __post_init__(self) -> None:
        rank = level_rank(self.access_level)
        object.__setattr__(self, "rank", rank)
        object.__setattr__(self, "view", View.for_rank(rank))


@dataclass(frozen=True, slots=True)
class StoredAccount:
    """A live account: its customer, the pre-rendered views Sync stored ("" when absent), and the
    secret groups its views hold (for the audit of secret reads)."""

    account_id: str
    customer: str
    state: str | None
    version: int
    customer_view: str
    reseller_extra: str = ""
    admin_extra: str = ""
    secret_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    parent_reseller: str | None


TokenLookup = Principal | TokenRefusal


class ReadModelReader(Protocol):
    """The reads GetAccount makes from the read model (get_account.store.DynamoReadModelReader).
    Missing records and tombstones read as None. Every read fits in the request's deadline or
    raises OutOfTimeError before it starts."""

    def token_and_account(
        self, token_hash: str, account_id: str, deadline: Deadline
    ) -> tuple[TokenLookup, StoredAccount | None]:
        """Both in one round trip: a request by id on a cold principal cache."""
        ...

    def token(self, token_hash: str, deadline: Deadline) -> TokenLookup: ...

    def account(self, account_id: str, view: View, deadline: Deadline) -> StoredAccount | None:
        """The account with only the parts of `view` (the others read as "")."""
        ...

    def accounts_with_number(self, number: str, view: View, deadline: Deadline) -> list[StoredAccount]:
        """Every live account the number index lists for `number` (usually one)."""
        ...

    def customer(self, customer_id: str, deadline: Deadline) -> CustomerRecord | None: ...
