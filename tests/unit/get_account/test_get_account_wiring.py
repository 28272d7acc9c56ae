"""The reader (and its principal cache) lives as long as the process: built once, on first use."""

from __future__ import annotations

from get_account.wiring import account_reader
from support.lambda_instance import fresh_instance


def test_given_a_warm_process_when_asked_twice_then_same_reader() -> None:
    assert account_reader() is account_reader()


def test_given_a_new_instance_each_time_when_asked_then_a_fresh_reader() -> None:
    first = account_reader()

    fresh_instance()
    second = account_reader()
    fresh_instance()
    third = account_reader()

    assert len({id(first), id(second), id(third)}) == 3
