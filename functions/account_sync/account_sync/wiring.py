"""Builds the SyncService from the settings and the DynamoDB client, on first use (never at
import) and once per warm Lambda."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from account_sync.store import DynamoReadModelWriter
from account_sync.sync_service import SyncService
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.settings import Settings, settings_from_environment


@lru_cache(maxsize=1)
def build_service(settings: Settings, client: Any) -> SyncService:
    """The service for these settings and this client. Both are cached per process, so a warm
    Lambda builds it once; whoever resets them (a test, a new instance) gets a fresh one."""
    writer = DynamoReadModelWriter(client, settings.table_name)
    return SyncService(writer, timedelta(days=settings.tombstone_retention_days))


def sync_service() -> SyncService:
    return build_service(settings_from_environment(), dynamodb_client())
