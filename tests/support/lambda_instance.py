"""What a new Lambda instance is, for the tests: the process's settings and client built afresh,
and so the reader (with its principal cache) and the Sync service built on them."""

from __future__ import annotations

from get_account.wiring import get_account_dynamodb_client
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.settings import settings_from_environment


def fresh_instance() -> None:
    # Imported here: the Sync function's modules must not be imported before pytest_configure
    # gave Powertools its settings (tests/conftest.py).
    from account_sync.wiring import sync_dynamodb_client

    settings_from_environment.cache_clear()
    dynamodb_client.cache_clear()
    get_account_dynamodb_client.cache_clear()
    sync_dynamodb_client.cache_clear()
