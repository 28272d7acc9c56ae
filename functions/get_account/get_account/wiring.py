"""Builds the AccountReader from the settings and the DynamoDB client, on first use (never at
import) and once per warm Lambda."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from get_account.principals import PrincipalCache
from get_account.reader import AccountReader
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.settings import Settings, settings_from_environment


def epoch_millis() -> int:
    return time.time_ns() // 1_000_000


def account_reader() -> AccountReader:
    return _reader_for(settings_from_environment(), dynamodb_client())


# Keyed on the settings and client objects, which are themselves cached per process: a warm
# Lambda always gets the same reader (and principal cache); tests that reset those caches get a
# fresh one.
@lru_cache(maxsize=1)
def _reader_for(settings: Settings, client: Any) -> AccountReader:
    from get_account.store import DynamoReadModel

    return AccountReader(
        DynamoReadModel(client, settings.table_name, settings.number_index_name),
        PrincipalCache(settings.principal_cache_ttl_seconds, settings.principal_cache_size),
        now_ms=epoch_millis,
    )
