"""The Sync service is built once per warm Lambda from the cached settings and client."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from account_sync.change_events import envelope_of, parse_change
from account_sync.wiring import sync_service
from conftest import TableFixture
from mvno_local.resources import create_table
from mvno_shared import schema
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.settings import settings_from_environment
from support.event_files import change_event


def test_given_a_warm_process_when_the_service_is_asked_for_twice_then_it_is_built_once() -> None:
    assert sync_service() is sync_service()


def test_given_new_settings_when_the_caches_are_reset_then_a_fresh_service_writes_to_the_new_table(
    moto_read_model: TableFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a service built for the first table
    first = sync_service()

    # When the process's settings and client are built again for another table
    monkeypatch.setenv("TABLE_NAME", "another-table")
    settings_from_environment.cache_clear()
    dynamodb_client.cache_clear()
    create_table(dynamodb_client(), "another-table")
    second = sync_service()
    change = parse_change(envelope_of(json.dumps(change_event("customer-upserted"))))
    second.apply(change, datetime.now(UTC))

    # Then the new service writes to the new table, not the first one
    assert second is not first
    key = {"pk": {"S": schema.customer_key(change_event("customer-upserted")["detail"]["customer"]["_id"].lower())}}
    assert "Item" in dynamodb_client().get_item(TableName="another-table", Key=key)
    assert moto_read_model.all_items() == []
