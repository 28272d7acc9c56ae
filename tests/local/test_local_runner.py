"""The runner's own pieces, in process: the AWS environment it prepares for itself and the
functions, how it follows the demo events through the queue, how Ctrl-C ends a start-up, and the
one line an AWS failure at start-up becomes."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ProfileNotFound

from mvno_local.config import LocalConfig
from mvno_local.runner import DeliveryTracker, LocalService, StopRequested, aws_failure, prepare_aws_environment
from mvno_local.stack import LocalDeployment

REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "a-session-token",
    "AWS_PROFILE": "production",
}
BOUND_SECONDS = 10.0  # far more than any wait below needs; a wait that ignores its stop takes 60 s


@pytest.fixture
def environ() -> Iterator[MutableMapping[str, str]]:
    """os.environ (botocore reads credentials there), restored whole afterwards: the function under
    test sets variables that monkeypatch does not know of."""
    saved = dict(os.environ)
    try:
        yield os.environ
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _with_real_looking_credentials(environ: MutableMapping[str, str], **variables: str) -> LocalConfig:
    environ.update(REAL_LOOKING, **variables)
    return LocalConfig.from_environ(environ)


def test_given_the_embedded_emulator_when_prepared_then_only_fake_credentials_can_sign(
    environ: MutableMapping[str, str],
) -> None:
    # Given: the user's shell holds real credentials and a profile
    config = _with_real_looking_credentials(environ, AWS_REGION="eu-north-1")

    # When
    prepare_aws_environment(config, environ)

    # Then
    assert (environ["AWS_ACCESS_KEY_ID"], environ["AWS_SECRET_ACCESS_KEY"]) == ("local", "local")
    assert "AWS_SESSION_TOKEN" not in environ
    assert "AWS_PROFILE" not in environ
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert (environ["AWS_REGION"], environ["AWS_DEFAULT_REGION"]) == ("eu-north-1", "eu-north-1")


def test_given_dynamodb_elsewhere_when_prepared_then_the_users_credentials_are_kept_for_it(
    environ: MutableMapping[str, str], tmp_path: Path
) -> None:
    # Given: the read model on real AWS, say, and the user's profile
    credentials = tmp_path / "credentials"
    credentials.write_text("[production]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = x\n")
    config = _with_real_looking_credentials(
        environ,
        AWS_ENDPOINT_URL_DYNAMODB="https://dynamodb.eu-west-1.amazonaws.com",
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
    )

    # When
    prepare_aws_environment(config, environ)

    # Then
    assert {name: environ.get(name) for name in REAL_LOOKING} == REAL_LOOKING
    assert environ["AWS_ENDPOINT_URL_DYNAMODB"] == "https://dynamodb.eu-west-1.amazonaws.com"
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"  # the bus and queues stay local


def test_given_another_emulator_and_no_credentials_anywhere_when_prepared_then_fake_ones_are_given(
    environ: MutableMapping[str, str], tmp_path: Path
) -> None:
    # Given: nothing botocore could find credentials in
    for name in (*REAL_LOOKING, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        environ.pop(name, None)
    environ.update(
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL="http://127.0.0.1:5000",
    )

    # When
    prepare_aws_environment(LocalConfig.from_environ(environ), environ)

    # Then
    assert (environ["AWS_ACCESS_KEY_ID"], environ["AWS_SECRET_ACCESS_KEY"]) == ("local", "local")
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"


def test_given_an_empty_dynamodb_endpoint_when_prepared_then_it_is_no_endpoint_and_credentials_are_fake(
    environ: MutableMapping[str, str],
) -> None:
    # Given
    config = _with_real_looking_credentials(environ, AWS_ENDPOINT_URL_DYNAMODB="")

    # When
    prepare_aws_environment(config, environ)

    # Then
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in environ
    assert environ["AWS_ACCESS_KEY_ID"] == "local"


def _body(event_id: str) -> str:
    return json.dumps({"id": event_id, "detail-type": "MvnoAccountUpserted", "detail": {}})


def test_given_expected_events_when_each_is_applied_or_failed_then_the_wait_ends_true() -> None:
    # Given
    tracker = DeliveryTracker()
    tracker.expect(["e1", "e2"])

    # When
    tracker.observe(_body("e1"), succeeded=True)
    tracker.observe(_body("e2"), succeeded=False)

    # Then
    assert tracker.wait(BOUND_SECONDS)
    assert (tracker.applied, tracker.failed) == ({"e1"}, {"e2"})


def test_given_an_expected_event_not_yet_seen_when_others_arrive_then_the_wait_times_out_false() -> None:
    # Given
    tracker = DeliveryTracker()
    tracker.expect(["e1", "e2"])

    # When: one of them, one not published by us, and a body that is no EventBridge event
    tracker.observe(_body("e1"), succeeded=True)
    tracker.observe(_body("someone-elses"), succeeded=True)
    tracker.observe("not json", succeeded=False)

    # Then
    assert not tracker.wait(0.2)
    assert (tracker.applied, tracker.failed) == ({"e1"}, set())


def test_given_an_event_seen_from_another_thread_when_waiting_then_the_wait_ends_true() -> None:
    # Given
    tracker = DeliveryTracker()
    tracker.expect(["e1"])

    # When
    threading.Timer(0.1, tracker.observe, args=(_body("e1"), True)).start()

    # Then
    assert tracker.wait(BOUND_SECONDS)


def _in_thread(target: Any) -> tuple[threading.Thread, list[Any]]:
    """Run target in a daemon thread; what it returned or raised lands in the list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(target())
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_given_stop_is_requested_when_waiting_for_events_then_the_wait_ends_false_at_once() -> None:
    # Given
    tracker, stop = DeliveryTracker(), threading.Event()
    tracker.expect(["never-delivered"])
    thread, outcome = _in_thread(lambda: tracker.wait(60, stop))

    # When
    stop.set()

    # Then
    thread.join(BOUND_SECONDS)
    assert outcome == [False]


@dataclass
class _BusWhereCtrlCIsPressed:
    """An EventBridge client: accepts the demo events, and Ctrl-C is pressed as it does."""

    stop: threading.Event
    published: list[dict[str, Any]] = field(default_factory=list)

    def client(self, service: str) -> _BusWhereCtrlCIsPressed:
        assert service == "events"
        return self

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.published += Entries
        self.stop.set()
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(uuid.uuid4())} for _ in Entries]}


def test_given_ctrl_c_while_the_demo_data_is_published_when_waiting_for_sync_then_start_up_stops_at_once() -> None:
    # Given: Sync never handles the events (its poller stopped with Ctrl-C)
    service = LocalService(LocalConfig())
    bus = _BusWhereCtrlCIsPressed(service.stop_requested)
    service.session = bus
    service.deployment = LocalDeployment("mvno-accounts", "mvno-events", {}, [], [], [])

    # When
    thread, outcome = _in_thread(service.publish_demo_data)
    thread.join(BOUND_SECONDS)

    # Then: a stop, not "Sync did not handle the demo events within 60 s"
    assert len(outcome) == 1
    assert isinstance(outcome[0], StopRequested)
    assert bus.published


def test_given_an_endpoint_that_does_not_answer_when_described_then_one_line_names_its_variable() -> None:
    # Given
    config = LocalConfig(external_endpoint="http://127.0.0.1:9", dynamodb_endpoint="http://localhost:8000")

    # Then
    assert aws_failure(EndpointConnectionError(endpoint_url="http://localhost:8000/"), config) == (
        "no AWS endpoint answers at http://localhost:8000 (AWS_ENDPOINT_URL_DYNAMODB): start it or unset the variable"
    )
    assert aws_failure(EndpointConnectionError(endpoint_url="http://127.0.0.1:9/"), config) == (
        "no AWS endpoint answers at http://127.0.0.1:9 (AWS_ENDPOINT_URL): start it or unset the variable"
    )


def test_given_aws_refusing_a_call_when_described_then_one_line_with_the_operation_and_the_reason() -> None:
    # Given
    error = ClientError(
        {"Error": {"Code": "UnrecognizedClientException", "Message": "The security token\nis invalid."}},
        "DescribeTable",
    )

    # When
    line = aws_failure(error, LocalConfig(dynamodb_endpoint="https://dynamodb.eu-west-1.amazonaws.com"))

    # Then
    assert "\n" not in line
    assert "UnrecognizedClientException" in line
    assert "DescribeTable" in line


def test_given_a_profile_that_does_not_exist_when_described_then_one_line_says_so() -> None:
    # Given
    error = ProfileNotFound(profile="production")

    # When
    line = aws_failure(error, LocalConfig(dynamodb_endpoint="https://dynamodb.eu-west-1.amazonaws.com"))

    # Then
    assert line == "AWS SDK: The config profile (production) could not be found"
