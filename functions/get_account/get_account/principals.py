"""A small in-memory cache of principals for a warm Lambda.

Keyed by the token's sha256, never by the token. Entries live `ttl_seconds` at most, which is
also the longest a revoked token can still be accepted by a warm function that cached it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from get_account.records import Principal


class PrincipalCache:
    def __init__(self, ttl_seconds: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        # token hash -> (monotonic deadline, principal); least recently used first
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        deadline, principal = entry
        if self._clock() >= deadline:
            del self._entries[token_hash]
            return None
        self._entries.move_to_end(token_hash)
        return principal

    def put(self, token_hash: str, principal: Principal) -> None:
        if self._ttl <= 0 or self._max_entries <= 0:
            return
        self._entries[token_hash] = (self._clock() + self._ttl, principal)
        self._entries.move_to_end(token_hash)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
