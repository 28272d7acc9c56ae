"""Fixtures shared by every test: a fake AWS environment and the read-model table, created from
template.yaml on moto or on dynalite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from mvno_local.resources import create_table
from mvno_local.template import global_environment
from mvno_shared.aws_clients import dynamodb_client
from support.dynalite import running_dynalite
from support.lambda_context import FakeLambdaContext
from support.lambda_instance import fresh_instance

TABLE_NAME = "mvno-accounts-test"


def pytest_configure(config: pytest.Config) -> None:
    """Powertools reads its POWERTOOLS_* settings when Logger and Metrics are created, which is
    when the functions' modules are first imported: give it template.yaml's values before that."""
    for name, value in global_environment().items():
        if name.startswith("POWERTOOLS_") and isinstance(value, str):
            os.environ.setdefault(name, value)
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "mvno-tests")


@pytest.fixture(scope="session", autouse=True)
def secrets_never_logged_in_the_run() -> Iterator[None]:
    """No log line of the whole run (every function, in-process tool and test module that logs
    through Python logging) holds a registered secret: raw tokens and PIN/PUK codes registered by
    the tests (support.log_capture.forbid), and from the start the spec example's codes, which the
    Sync tests and events/sync carry. Checked once, when the run ends."""
    # Imported here, not at the top: importing them creates the service's Logger, which must
    # happen after pytest_configure has set the POWERTOOLS_* variables.
    from support import log_capture
    from support.golden import spec_example_account

    log_capture.forbid_codes_of(spec_example_account())
    yield from log_capture.guard_session()


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and the functions' settings, exactly as template.yaml sets them."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for name, value in global_environment().items():
        if isinstance(value, str):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "mvno-tests")
    fresh_instance()
    yield
    fresh_instance()


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@dataclass(frozen=True)
class TableFixture:
    """The read-model table the handlers use in this test, and a client to look at it."""

    client: Any
    table_name: str
    backend: str

    def item(self, key: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.client.get_item(
            TableName=self.table_name, Key={"pk": {"S": key}}, ConsistentRead=True
        ).get("Item")
        return found

    def all_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.table_name, ConsistentRead=True):
            items.extend(page["Items"])
        return items


@pytest.fixture
def moto_read_model(aws_environment: None) -> Iterator[TableFixture]:
    with mock_aws():
        client = dynamodb_client()
        create_table(client, TABLE_NAME)
        yield TableFixture(client, TABLE_NAME, "moto")


@pytest.fixture(scope="session")
def dynalite_endpoint() -> Iterator[str]:
    with running_dynalite() as endpoint:
        yield endpoint


@pytest.fixture
def dynalite_read_model(
    aws_environment: None, dynalite_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TableFixture]:
    table_name = f"mvno-accounts-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite_endpoint)
    monkeypatch.setenv("TABLE_NAME", table_name)
    fresh_instance()
    client = dynamodb_client()
    create_table(client, table_name)
    yield TableFixture(client, table_name, "dynalite")
    client.delete_table(TableName=table_name)


@pytest.fixture(params=["moto", pytest.param("dynalite", marks=pytest.mark.dynalite)])
def read_model(request: pytest.FixtureRequest) -> TableFixture:
    """The read model on moto, then again on dynalite (which rejects what real DynamoDB rejects)."""
    fixture: TableFixture = request.getfixturevalue(f"{request.param}_read_model")
    return fixture
