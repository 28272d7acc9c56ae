"""Who may read an account (docs/http-contract.md), with the reseller tree from a plain dictionary."""

from __future__ import annotations

import pytest

from get_account.access import MAX_RESELLER_STEPS, is_reseller_ancestor, may_read
from get_account.records import CustomerRecord, Principal
from mvno_shared.levels import ORDERED_LEVELS

RESELLER_ID = "aaaaaaaaaaaaaaaaaaaaaaaa"
OWN = "111111111111111111111111"
CHILD = "222222222222222222222222"  # directly under RESELLER_ID
GRANDCHILD = "333333333333333333333333"  # under CHILD
UNRELATED = "444444444444444444444444"
NO_RECORD = "555555555555555555555555"

TREE = {
    RESELLER_ID: CustomerRecord(parent_reseller=None),
    OWN: CustomerRecord(parent_reseller=None),
    CHILD: CustomerRecord(parent_reseller=RESELLER_ID),
    GRANDCHILD: CustomerRecord(parent_reseller=CHILD),
    UNRELATED: CustomerRecord(parent_reseller="999999999999999999999999"),
}


def principal(level: str, customer: str) -> Principal:
    return Principal(employee="e" * 24, customer=customer, access_level=level, expires_at_ms=None)


def chain(length: int) -> dict[str, CustomerRecord]:
    """customer c0 under c1 under ... under c<length>: c<length> is `length` steps up from c0."""
    return {f"c{step}": CustomerRecord(parent_reseller=f"c{step + 1}") for step in range(length)}


@pytest.mark.parametrize("level", ORDERED_LEVELS)
def test_given_each_level_when_reading_own_customer_then_viewer_and_above_may(level: str) -> None:
    allowed = may_read(principal(level, OWN), OWN, TREE.get)
    assert allowed == (ORDERED_LEVELS.index(level) >= ORDERED_LEVELS.index("VIEWER"))


@pytest.mark.parametrize("level", ORDERED_LEVELS)
@pytest.mark.parametrize("account_customer", [CHILD, GRANDCHILD])
def test_given_each_level_when_reading_below_own_reseller_then_reseller_and_above_may(
    level: str, account_customer: str
) -> None:
    allowed = may_read(principal(level, RESELLER_ID), account_customer, TREE.get)
    assert allowed == (level in {"RESELLER", "RESELLER_ADMIN", "ADMIN"})


@pytest.mark.parametrize("level", ORDERED_LEVELS)
@pytest.mark.parametrize("account_customer", [UNRELATED, NO_RECORD])
def test_given_each_level_when_reading_unrelated_or_unrecorded_customer_then_only_admin_may(
    level: str, account_customer: str
) -> None:
    allowed = may_read(principal(level, RESELLER_ID), account_customer, TREE.get)
    assert allowed == (level == "ADMIN")


def test_given_unknown_level_when_reading_own_customer_then_denied() -> None:
    assert not may_read(principal("SUPERUSER", OWN), OWN, TREE.get)


def test_given_ancestor_exactly_max_steps_up_when_walked_then_found() -> None:
    tree = chain(MAX_RESELLER_STEPS)
    assert is_reseller_ancestor(f"c{MAX_RESELLER_STEPS}", "c0", tree.get)


def test_given_ancestor_one_step_beyond_max_when_walked_then_denied() -> None:
    tree = chain(MAX_RESELLER_STEPS + 1)
    assert not is_reseller_ancestor(f"c{MAX_RESELLER_STEPS + 1}", "c0", tree.get)


def test_given_cyclic_tree_when_walked_then_it_stops_and_denies() -> None:
    lookups: list[str] = []
    tree = {"a": CustomerRecord("b"), "b": CustomerRecord("a")}

    def lookup(customer: str) -> CustomerRecord | None:
        lookups.append(customer)
        return tree.get(customer)

    assert not is_reseller_ancestor("z", "a", lookup)
    assert len(lookups) == MAX_RESELLER_STEPS


def test_given_missing_record_midway_when_walked_then_denied_even_if_ancestor_is_above() -> None:
    # GRANDCHILD -> CHILD (record missing) -/-> RESELLER_ID
    tree = {GRANDCHILD: CustomerRecord(CHILD), RESELLER_ID: CustomerRecord(None)}
    assert not is_reseller_ancestor(RESELLER_ID, GRANDCHILD, tree.get)


def test_given_admin_when_reading_anything_then_no_customer_record_is_read() -> None:
    def no_lookup(customer: str) -> CustomerRecord | None:
        raise AssertionError("ADMIN needs no tree walk")

    assert may_read(principal("ADMIN", RESELLER_ID), NO_RECORD, no_lookup)


@pytest.mark.parametrize("level", [*ORDERED_LEVELS, "SUPERUSER"])
def test_given_each_level_when_projecting_then_only_reseller_and_admin_see_extras(level: str) -> None:
    view = principal(level, OWN).view
    assert view.has_reseller_extra == (level in {"RESELLER", "RESELLER_ADMIN", "ADMIN"})
    assert view.has_admin_extra == (level == "ADMIN")
