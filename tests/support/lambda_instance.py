"""What a new Lambda instance is, for the tests: every per-process cache empty, so the next
request reads the settings, builds the client and the reader (and its principal cache) afresh."""

from __future__ import annotations

from get_account.wiring import account_reader
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.settings import settings_from_environment


def fresh_instance() -> None:
    settings_from_environment.cache_clear()
    dynamodb_client.cache_clear()
    account_reader.cache_clear()
