"""The warm Lambda's principal cache: bounded, with a TTL on an injected clock."""

from __future__ import annotations

from get_account.principals import PrincipalCache
from get_account.records import Principal


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def principal(customer: str = "c" * 24) -> Principal:
    return Principal(employee="e" * 24, customer=customer, access_level="VIEWER", expires_at_ms=None)


def test_given_cached_principal_when_read_within_ttl_then_returned() -> None:
    clock = FakeClock()
    cache = PrincipalCache(ttl_seconds=30, max_entries=10, clock=clock)
    cache.put("hash", principal())

    clock.now += 29.9

    assert cache.get("hash") == principal()


def test_given_cached_principal_when_ttl_passed_then_forgotten() -> None:
    clock = FakeClock()
    cache = PrincipalCache(ttl_seconds=30, max_entries=10, clock=clock)
    cache.put("hash", principal())

    clock.now += 30

    assert cache.get("hash") is None
    assert len(cache) == 0


def test_given_full_cache_when_another_is_added_then_least_recently_used_goes() -> None:
    cache = PrincipalCache(ttl_seconds=30, max_entries=2, clock=FakeClock())
    cache.put("first", principal("1" * 24))
    cache.put("second", principal("2" * 24))
    cache.get("first")  # now "second" is the least recently used

    cache.put("third", principal("3" * 24))

    assert len(cache) == 2
    assert cache.get("second") is None
    assert cache.get("first") == principal("1" * 24)
    assert cache.get("third") == principal("3" * 24)


def test_given_zero_ttl_or_size_when_put_then_nothing_is_cached() -> None:
    for cache in (
        PrincipalCache(ttl_seconds=0, max_entries=10, clock=FakeClock()),
        PrincipalCache(ttl_seconds=30, max_entries=0, clock=FakeClock()),
    ):
        cache.put("hash", principal())
        assert cache.get("hash") is None
