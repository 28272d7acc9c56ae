"""Builds the AccountReader from the settings and the DynamoDB client, on first use (never at
import) and once per warm Lambda (as account_sync.wiring builds the Sync service)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from get_account.principals import PrincipalCache
from get_account.reader import AccountReader
from get_account.reseller_tree import ResellerTree
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.clock import now_epoch_millis
from mvno_shared.settings import Settings, settings_from_environment


@lru_cache(maxsize=1)
def build_reader(settings: Settings, client: Any) -> AccountReader:
    """The reader (and so the principal cache) for these settings and this client. Both are cached
    per process, so a warm Lambda builds it once; whoever resets them (a test, a new instance)
    gets a fresh one."""
    from get_account.store import DynamoReadModelReader

    return AccountReader(
        DynamoReadModelReader(client, settings.table_name, settings.number_index_name),
        PrincipalCache(settings.principal_cache_ttl_seconds, settings.principal_cache_size),
        now_ms=now_epoch_millis,
        # The same TTL as principals: a change to the tree bites as fast as a revocation.
        reseller_tree=ResellerTree(settings.principal_cache_ttl_seconds, settings.reseller_tree_cache_size),
    )


def account_reader() -> AccountReader:
    return build_reader(settings_from_environment(), dynamodb_client())
