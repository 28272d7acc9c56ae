"""Who may read an account, and which parts of it (docs/http-contract.md). No AWS here: customer
records come through a lookup function, so the rules are tested with plain dictionaries."""

from __future__ import annotations

from collections.abc import Callable

from get_account.records import CustomerRecord, Principal
from mvno_shared.levels import ADMIN, RESELLER, VIEWER

# The reseller tree is shallow; a bound keeps a corrupt (cyclic) tree from looping.
MAX_RESELLER_STEPS = 8

CustomerLookup = Callable[[str], CustomerRecord | None]


def may_read(principal: Principal, account_customer: str, customer_lookup: CustomerLookup) -> bool:
    """Rules 1-3 of docs/http-contract.md ("Who may read an account"); everything else
    (including an unknown level) is denied."""
    rank = principal.rank
    if rank is None:
        return False
    if rank >= ADMIN:
        return True
    if rank >= VIEWER and principal.customer == account_customer:
        return True
    return rank >= RESELLER and is_reseller_ancestor(principal.customer, account_customer, customer_lookup)


def is_reseller_ancestor(reseller: str, customer: str, customer_lookup: CustomerLookup) -> bool:
    """Whether `reseller` is found by following `parentReseller` up from `customer`, at most
    MAX_RESELLER_STEPS steps. A missing (or deleted) customer record ends the walk: deny."""
    current = customer
    for _ in range(MAX_RESELLER_STEPS):
        record = customer_lookup(current)
        if record is None or record.parent_reseller is None:
            return False
        if record.parent_reseller == reseller:
            return True
        current = record.parent_reseller
    return False
