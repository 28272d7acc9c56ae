"""events/sam-local-env.json, the --env-vars file of the README's `sam local` lines: it points both
functions at make run's table and emulator, and sets every variable the template gives them, and
only those (sam local ignores a variable the template does not declare, silently)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from mvno_local.config import LocalConfig
from mvno_local.local_account import LOCAL_NAMES
from mvno_local.paths import REPO_ROOT
from mvno_local.template import FUNCTION, function_properties, logical_ids_of_type, properties

ENV_VARS = REPO_ROOT / "events" / "sam-local-env.json"
# Docker Desktop's name for the host; on Linux the README adds it with --add-host.
DOCKER_HOST = "host.docker.internal"


def env_vars_file() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = json.loads(ENV_VARS.read_text(encoding="utf-8"))
    return loaded


def given_to(function: str) -> dict[str, str]:
    """What sam local invoke --env-vars gives the function: `Parameters`, then its own section."""
    file = env_vars_file()
    return {**file.get("Parameters", {}), **file.get(function, {})}


def template_variables(function: str) -> dict[str, Any]:
    variables: dict[str, Any] = function_properties(function)["Environment"]["Variables"]
    return variables


def test_given_the_file_when_read_then_its_sections_are_parameters_and_template_functions() -> None:
    assert set(env_vars_file()) <= {"Parameters", *logical_ids_of_type(FUNCTION)}


@pytest.mark.parametrize("function", logical_ids_of_type(FUNCTION))
def test_given_a_function_when_invoked_with_the_file_then_it_gets_every_template_variable_and_no_other(
    function: str,
) -> None:
    assert set(given_to(function)) == set(template_variables(function))


@pytest.mark.parametrize("function", logical_ids_of_type(FUNCTION))
def test_given_a_function_when_invoked_with_the_file_then_it_uses_make_run_s_table_and_emulator(function: str) -> None:
    given = given_to(function)
    (index,) = properties("AccountsTable")["GlobalSecondaryIndexes"]

    endpoint = urlsplit(given["AWS_ENDPOINT_URL_DYNAMODB"])

    assert given["TABLE_NAME"] == LOCAL_NAMES["AccountsTable"]
    assert given["NUMBER_INDEX_NAME"] == index["IndexName"]
    assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", DOCKER_HOST, LocalConfig.aws_port)


@pytest.mark.parametrize("function", logical_ids_of_type(FUNCTION))
def test_given_a_function_when_invoked_with_the_file_then_its_other_settings_are_the_template_s(function: str) -> None:
    given = given_to(function)

    literal = {name: value for name, value in template_variables(function).items() if isinstance(value, str)}

    assert {name: given[name] for name in literal} == literal
