"""The AWS environment the runner prepares for itself and the functions, and the one line an AWS
failure at start-up becomes."""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ProfileNotFound

from mvno_local.aws_environment import aws_failure, prepare_aws_environment
from mvno_local.config import LocalConfig

REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "a-session-token",
    "AWS_PROFILE": "production",
}


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
