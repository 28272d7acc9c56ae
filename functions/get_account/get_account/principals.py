"""The warm Lambda's cache of principals.

Keyed by the token's sha256, never by the token. Entries live `ttl_seconds` at most, which is
also the longest a revoked token can still be accepted by a warm function that cached it.
"""

from __future__ import annotations

from get_account.expiring_cache import ExpiringCache
from get_account.records import Principal


class PrincipalCache(ExpiringCache[str, Principal]):
    """Token hash -> principal (get_account.expiring_cache: bounded in entries and age)."""
