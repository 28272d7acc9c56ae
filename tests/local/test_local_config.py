"""What `make run` reads from the environment, once, and how it refuses what it cannot use."""

from __future__ import annotations

import pytest

from mvno_local.config import LocalConfig
from mvno_local.errors import StartupError


def test_given_no_variables_when_read_then_the_documented_defaults() -> None:
    # When
    config = LocalConfig.from_environ({})

    # Then
    assert (config.api_url, config.aws_endpoint) == ("http://127.0.0.1:3000", "http://127.0.0.1:4566")
    assert (config.external_endpoint, config.dynamodb_endpoint) == (None, None)
    assert config.region == "eu-west-1"
    assert (config.visibility_timeout, config.max_receive_count) == (None, None)


def test_given_every_variable_when_read_then_each_is_taken() -> None:
    # When
    config = LocalConfig.from_environ(
        {
            "PORT": " 8080 ",
            "AWS_PORT": "4570",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
            "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
            "AWS_REGION": "eu-north-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "LOCAL_SQS_VISIBILITY_TIMEOUT": "1",
            "LOCAL_SQS_MAX_RECEIVE_COUNT": "2",
        }
    )

    # Then
    assert (config.api_port, config.aws_port) == (8080, 4570)
    assert config.aws_endpoint == "http://127.0.0.1:5000"  # AWS_ENDPOINT_URL wins over AWS_PORT
    assert config.dynamodb_endpoint == "http://127.0.0.1:8000"
    assert config.region == "eu-north-1"  # AWS_REGION first, as botocore reads them
    assert (config.visibility_timeout, config.max_receive_count) == (1, 2)


def test_given_only_aws_default_region_when_read_then_it_is_the_region() -> None:
    assert LocalConfig.from_environ({"AWS_DEFAULT_REGION": "us-east-1"}).region == "us-east-1"


def test_given_empty_endpoint_variables_when_read_then_there_is_no_endpoint() -> None:
    config = LocalConfig.from_environ({"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_DYNAMODB": ""})
    assert (config.external_endpoint, config.dynamodb_endpoint) == (None, None)


@pytest.mark.parametrize("name", ["PORT", "AWS_PORT"])
@pytest.mark.parametrize("value", ["abc", "0", "-1", "65536", "80.5", "3000x"])
def test_given_a_port_that_is_not_a_tcp_port_when_read_then_start_up_fails_naming_it(name: str, value: str) -> None:
    # When
    with pytest.raises(StartupError) as failure:
        LocalConfig.from_environ({name: value})

    # Then
    assert str(failure.value) == f"{name}={value!r} is not a TCP port (1-65535)"


@pytest.mark.parametrize("name", ["LOCAL_SQS_VISIBILITY_TIMEOUT", "LOCAL_SQS_MAX_RECEIVE_COUNT"])
@pytest.mark.parametrize("value", ["0", "-3", "1.5", "soon"])
def test_given_a_local_queue_override_below_one_or_not_whole_when_read_then_start_up_fails_naming_it(
    name: str, value: str
) -> None:
    # When
    with pytest.raises(StartupError) as failure:
        LocalConfig.from_environ({name: value})

    # Then
    assert str(failure.value) == f"{name}={value!r} must be a whole number of at least 1"


def test_given_endpoints_when_a_request_url_is_placed_then_the_variable_that_chose_it_is_named() -> None:
    # Given
    config = LocalConfig(external_endpoint="http://127.0.0.1:5000", dynamodb_endpoint="http://localhost:8000/")

    # Then
    assert config.endpoint_setting("http://localhost:8000/") == ("http://localhost:8000/", "AWS_ENDPOINT_URL_DYNAMODB")
    assert config.endpoint_setting("http://127.0.0.1:5000/123456789012/mvno-sync") == (
        "http://127.0.0.1:5000",
        "AWS_ENDPOINT_URL",
    )
    assert LocalConfig().endpoint_setting("http://127.0.0.1:4566/") == ("http://127.0.0.1:4566", None)
