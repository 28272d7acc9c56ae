"""`make run` against emulators of the user's choosing: the read model on dynalite
(AWS_ENDPOINT_URL_DYNAMODB), or everything on another emulator (AWS_ENDPOINT_URL)."""

from __future__ import annotations

from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from mvno_local.emulator import deliver_events_as_aws_does
from support.dynalite import free_port
from support.make_run import port_is_free, start, stop, wait_until_ready


def _delete_table_if_any(dynamodb: Any, table_name: str) -> None:
    with suppress(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.delete_table(TableName=table_name)


@pytest.mark.dynalite
def test_given_aws_endpoint_url_dynamodb_when_make_run_starts_then_the_read_model_lives_there(
    dynalite_endpoint: str, tmp_path: Path
) -> None:
    # Given: dynalite, which rejects what DynamoDB rejects, holds the table; moto the bus and queues
    dynalite: Any = boto3.session.Session().client("dynamodb", endpoint_url=dynalite_endpoint)
    with ExitStack() as cleanup:  # every step runs, even if one before it fails
        cleanup.callback(_delete_table_if_any, dynalite, "mvno-accounts")
        running = start(tmp_path / "output.log", free_port(), free_port(), AWS_ENDPOINT_URL_DYNAMODB=dynalite_endpoint)
        cleanup.callback(stop, running)

        # When
        wait_until_ready(running)

        # Then
        assert running.get("acc000000000000000000001").status == 200
        assert "mvno-accounts" in dynalite.list_tables()["TableNames"]
        assert f"DynamoDB   {dynalite_endpoint} (AWS_ENDPOINT_URL_DYNAMODB)" in running.output()


def test_given_aws_endpoint_url_when_make_run_starts_then_it_uses_that_emulator_and_starts_none(
    tmp_path: Path,
) -> None:
    # Given: another emulator already running (moto, in this process)
    deliver_events_as_aws_does()
    other = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    with ExitStack() as cleanup:  # every step runs, even if one before it fails
        other.start()
        cleanup.callback(other.stop)
        host, port = other.get_host_and_port()
        unused_aws_port = free_port()
        running = start(tmp_path / "output.log", free_port(), unused_aws_port, AWS_ENDPOINT_URL=f"http://{host}:{port}")
        cleanup.callback(stop, running)

        # When
        wait_until_ready(running)

        # Then
        assert running.get("acc000000000000000000001").status == 200
        assert f"http://{host}:{port} (AWS_ENDPOINT_URL)" in running.output()
        assert port_is_free(unused_aws_port)
