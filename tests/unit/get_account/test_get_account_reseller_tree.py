"""The warm Lambda's copy of the reseller tree: each customer read once per TTL, a customer
without a record remembered as such, bounded in size, and off with a TTL of 0."""

from __future__ import annotations

from get_account.records import CustomerRecord
from get_account.reseller_tree import ResellerTree

CHILD, PARENT, MISSING = "0" * 23 + "1", "0" * 23 + "2", "0" * 23 + "3"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingReads:
    """The read model's customer lookup, counting reads per customer."""

    def __init__(self) -> None:
        self.records: dict[str, CustomerRecord] = {CHILD: CustomerRecord(PARENT), PARENT: CustomerRecord(None)}
        self.reads: list[str] = []

    def __call__(self, customer_id: str) -> CustomerRecord | None:
        self.reads.append(customer_id)
        return self.records.get(customer_id)


def test_given_a_customer_read_when_looked_up_again_within_the_ttl_then_no_read() -> None:
    # Given
    reads, clock = CountingReads(), FakeClock()
    lookup = ResellerTree(ttl_seconds=30, max_entries=10, clock=clock).through(reads)
    assert lookup(CHILD) == CustomerRecord(PARENT)

    # When
    clock.now += 29.9
    again = lookup(CHILD)

    # Then
    assert again == CustomerRecord(PARENT)
    assert reads.reads == [CHILD]


def test_given_a_customer_moved_when_the_ttl_has_passed_then_the_new_parent_is_read() -> None:
    # Given: cached under PARENT, then moved in the read model
    reads, clock = CountingReads(), FakeClock()
    lookup = ResellerTree(ttl_seconds=30, max_entries=10, clock=clock).through(reads)
    lookup(CHILD)
    reads.records[CHILD] = CustomerRecord(MISSING)

    # When / Then: the old parent until the TTL, the new one from then on
    clock.now += 29.9
    assert lookup(CHILD) == CustomerRecord(PARENT)
    clock.now += 0.1
    assert lookup(CHILD) == CustomerRecord(MISSING)
    assert reads.reads == [CHILD, CHILD]


def test_given_a_customer_without_record_when_looked_up_twice_then_read_once_and_none_both_times() -> None:
    # Given
    reads = CountingReads()
    lookup = ResellerTree(ttl_seconds=30, max_entries=10, clock=FakeClock()).through(reads)

    # When
    answers = [lookup(MISSING), lookup(MISSING)]

    # Then
    assert answers == [None, None]
    assert reads.reads == [MISSING]


def test_given_a_full_tree_cache_when_another_customer_is_read_then_the_least_recently_used_goes() -> None:
    # Given: room for two; CHILD used after PARENT
    reads = CountingReads()
    tree = ResellerTree(ttl_seconds=30, max_entries=2, clock=FakeClock())
    lookup = tree.through(reads)
    lookup(PARENT)
    lookup(CHILD)
    lookup(PARENT)

    # When
    lookup(MISSING)

    # Then: CHILD was evicted, PARENT and MISSING kept
    assert len(tree) == 2
    lookup(PARENT)
    lookup(MISSING)
    lookup(CHILD)
    assert reads.reads == [PARENT, CHILD, MISSING, CHILD]


def test_given_ttl_zero_when_looked_up_twice_then_read_twice() -> None:
    reads = CountingReads()
    lookup = ResellerTree(ttl_seconds=0, max_entries=10, clock=FakeClock()).through(reads)

    lookup(CHILD)
    lookup(CHILD)

    assert reads.reads == [CHILD, CHILD]
