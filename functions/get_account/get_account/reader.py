"""The read path's logic: token → principal, id or number → account, access check, view.

No AWS here: the read model, its caches, the clock and the request's deadline are injected. Order
of checks (docs/http-contract.md):
401 (token) → 400 (id shape) → 404 (account) → 403 (access), so a caller without a valid token
learns nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from get_account.access import may_read
from get_account.account_id import AccountRef, ById, parse_account_ref
from get_account.deadline import Deadline
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
from get_account.records import Principal, ReadModelReader, StoredAccount
from get_account.reseller_tree import ResellerTree
from mvno_shared.schema import token_hash
from mvno_shared.views import View, compose_view

DELETING = "DELETING"


@dataclass(slots=True)
class ReadTrace:
    """What a request turned out to be, filled in as it proceeds, for the adapter's log line."""

    lookup: str | None = None  # "id" or "number"
    principal: Principal | None = None
    principal_cached: bool = False
    # Set once an account is served: its id, and the secret groups its body holds (the audit).
    account_id: str | None = None
    secret_groups: tuple[str, ...] = ()


def pick_live_account(candidates: list[StoredAccount]) -> StoredAccount | None:
    """Of several live accounts holding one number (a moment during porting): the one not being
    deleted, then the highest version."""
    if not candidates:
        return None
    return max(candidates, key=lambda account: (account.state != DELETING, account.version))


class AccountReader:
    def __init__(
        self,
        read_model: ReadModelReader,
        principals: PrincipalCache,
        now_ms: Callable[[], int],
        reseller_tree: ResellerTree,
    ) -> None:
        self._read_model = read_model
        self._principals = principals
        self._now_ms = now_ms
        self._tree = reseller_tree

    def read(self, token: str | None, raw_account_id: str | None, trace: ReadTrace, deadline: Deadline) -> str:
        """The response body for this caller, or a ReadRefusedError exception (OutOfTimeError when
        the next read-model call would not fit in `deadline`)."""
        if not token:
            raise MissingTokenError
        hashed = token_hash(token)
        try:
            ref: AccountRef | None = parse_account_ref(raw_account_id)
        except InvalidAccountIdError:
            ref = None  # reported only once the token has been accepted
        else:
            trace.lookup = "id" if isinstance(ref, ById) else "number"

        account: StoredAccount | None = None
        account_fetched = False
        principal = self._principals.get(hashed)
        if principal is not None:
            trace.principal_cached = True
        else:
            if isinstance(ref, ById):
                # Cold cache, lookup by id: token and account in one round trip.
                found, account = self._read_model.token_and_account(hashed, ref.account_id, deadline)
                account_fetched = True
            else:
                found = self._read_model.token(hashed, deadline)
            if isinstance(found, TokenRefusal):
                raise InvalidTokenError(found)
            principal = found
            self._principals.put(hashed, principal)
        trace.principal = principal

        if principal.expires_at_ms is not None and self._now_ms() >= principal.expires_at_ms:
            raise TokenExpiredError
        if ref is None:
            raise InvalidAccountIdError
        if not account_fetched:
            account = self._find(ref, principal.view, deadline)
        if account is None:
            raise AccountNotFoundError
        if not may_read(
            principal, account.customer, self._tree.through(partial(self._read_model.customer, deadline=deadline))
        ):
            raise AccessDeniedError
        trace.account_id, trace.secret_groups = account.account_id, account.secret_groups
        return compose_view(account.customer_view, account.reseller_extra, account.admin_extra, principal.view)

    def _find(self, ref: AccountRef, view: View, deadline: Deadline) -> StoredAccount | None:
        if isinstance(ref, ById):
            return self._read_model.account(ref.account_id, view, deadline)
        return pick_live_account(self._read_model.accounts_with_number(ref.number, view, deadline))
