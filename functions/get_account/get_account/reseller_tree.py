"""The warm Lambda's copy of the reseller tree: each customer's `parentReseller`, as last read.

A reseller reading d levels below itself walks d customer records up the tree (docs/http-contract.md,
"Who may read an account"). Read from DynamoDB every time, that is d round trips one after another
on every request, and the top reseller's record is read by every request of its whole tree (a hot
key). Cached, a warm instance reads each customer once per TTL: the steady state is the account's
read alone.

A change to the tree (a customer moved to another reseller, created or deleted) therefore bites
within the TTL on an instance that cached the old record, as a revocation does for principals
(same setting, PRINCIPAL_CACHE_TTL_SECONDS; docs/http-contract.md, "How fresh an answer is"). A
customer with no record is cached too: it denies, and a new record is seen within the TTL.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from get_account.access import CustomerLookup
from get_account.expiring_cache import ExpiringCache
from get_account.records import CustomerRecord


class ResellerTree:
    def __init__(self, ttl_seconds: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        # customer id -> (its record or None when it has none); the 1-tuple tells "no record" from a miss
        self._records: ExpiringCache[str, tuple[CustomerRecord | None]] = ExpiringCache(ttl_seconds, max_entries, clock)

    def through(self, read: CustomerLookup) -> CustomerLookup:
        """A customer lookup that answers from the cache and reads (and keeps) what it lacks."""

        def lookup(customer_id: str) -> CustomerRecord | None:
            cached = self._records.get(customer_id)
            if cached is not None:
                return cached[0]
            record = read(customer_id)
            self._records.put(customer_id, (record,))
            return record

        return lookup

    def __len__(self) -> int:
        return len(self._records)
