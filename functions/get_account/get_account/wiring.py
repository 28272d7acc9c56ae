"""Builds the AccountReader from the settings and the DynamoDB client, on first use (never at
import) and once per warm Lambda."""

from __future__ import annotations

import time
from typing import Any

from get_account.principals import PrincipalCache
from get_account.reader import AccountReader
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.settings import Settings, settings_from_environment


def epoch_millis() -> int:
    return time.time_ns() // 1_000_000


def build_reader(settings: Settings, client: Any) -> AccountReader:
    from get_account.store import DynamoReadModel

    return AccountReader(
        DynamoReadModel(client, settings.table_name, settings.number_index_name),
        PrincipalCache(settings.principal_cache_ttl_seconds, settings.principal_cache_size),
        now_ms=epoch_millis,
    )


class _ReaderSlot:
    """The reader built from the process's current settings and client objects. Those are cached
    per process, so a warm Lambda always gets the same reader (and principal cache); whoever
    resets them (a test, a new instance) gets a fresh one."""

    def __init__(self) -> None:
        self._built: tuple[Settings, Any, AccountReader] | None = None

    def get(self) -> AccountReader:
        settings, client = settings_from_environment(), dynamodb_client()
        built = self._built
        if built is None or built[0] is not settings or built[1] is not client:
            built = self._built = (settings, client, build_reader(settings, client))
        return built[2]


account_reader = _ReaderSlot().get
