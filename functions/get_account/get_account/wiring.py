"""Builds the AccountReader from the settings and the DynamoDB client, on first use (never at
import) and once per warm Lambda."""

from __future__ import annotations

from functools import cache
from typing import Any

from get_account.principals import PrincipalCache
from get_account.reader import AccountReader
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.clock import now_epoch_millis
from mvno_shared.settings import Settings, settings_from_environment


def build_reader(settings: Settings, client: Any) -> AccountReader:
    from get_account.store import DynamoReadModelReader

    return AccountReader(
        DynamoReadModelReader(client, settings.table_name, settings.number_index_name),
        PrincipalCache(settings.principal_cache_ttl_seconds, settings.principal_cache_size),
        now_ms=now_epoch_millis,
    )


@cache
def account_reader() -> AccountReader:
    """The process's reader, and so its principal cache: built on the first request from the
    process's settings and client, then the same for the life of a warm Lambda. A new instance
    (in tests: clearing this cache with the settings and client caches) builds a fresh one."""
    return build_reader(settings_from_environment(), dynamodb_client())
