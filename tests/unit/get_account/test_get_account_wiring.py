"""The reader (and its principal cache) lives as long as the process's settings and client."""

from __future__ import annotations

import pytest

from get_account.wiring import account_reader, get_account_dynamodb_client
from mvno_shared.settings import settings_from_environment


def test_given_a_warm_process_when_asked_twice_then_same_reader() -> None:
    assert account_reader() is account_reader()


def test_given_settings_or_client_rebuilt_when_asked_then_a_fresh_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    first = account_reader()

    monkeypatch.setenv("PRINCIPAL_CACHE_TTL_SECONDS", "5")
    settings_from_environment.cache_clear()
    second = account_reader()
    get_account_dynamodb_client.cache_clear()
    third = account_reader()

    assert len({id(first), id(second), id(third)}) == 3
