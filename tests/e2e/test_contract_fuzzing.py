"""make run's API against its contract: the demo requests a user makes answer as docs/openapi.yaml
says (each 200 in the view of its token's level), and schemathesis, generating requests from the
document with a demo token, finds no failure of its server-error, status-code, content-type,
header, response-schema, authentication and negative-data checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mvno_local.demo import CURL_EXAMPLES, DEMO_TOKENS, CurlExample
from mvno_local.paths import REPO_ROOT
from support.make_run import RunningService, http_get
from support.openapi_contract import CONTRACT_PATH, contract_document

# Reproducible: the same seed and number of examples on every machine, no example database.
SCHEMATHESIS_SEED = 20261201
SCHEMATHESIS_MAX_EXAMPLES = 60
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
    "negative_data_rejection",
)
VIEW_OF_LEVEL = {
    "ADMIN": "MvnoAccount",
    "RESELLER_ADMIN": "MvnoAccountResellerView",
    "RESELLER": "MvnoAccountResellerView",
}
RUN_SECONDS = 300


def view_validator(level: str | None) -> Draft202012Validator:
    name = VIEW_OF_LEVEL.get(level or "", "MvnoAccountCustomerView")
    registry: Registry[Any] = Registry().with_resource("urn:contract", DRAFT202012.create_resource(contract_document()))
    schema = {"$ref": f"urn:contract#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry)


@pytest.mark.parametrize("example", CURL_EXAMPLES, ids=lambda example: f"{example.expected_status}-{example.what}")
def test_given_a_demo_request_when_made_then_its_answer_is_the_contract_s_and_a_200_is_its_level_s_view(
    service: RunningService, example: CurlExample
) -> None:
    token = DEMO_TOKENS[example.level] if example.level else None
    url = f"{service.api_url}{example.path}"
    headers = {}
    if token and example.token_in_query:
        url += f"?token={token}"
    elif token:
        headers["Authorization"] = f"Bearer {token}"

    answer = http_get(url, headers)  # checked against docs/openapi.yaml on the way

    assert answer.status == example.expected_status
    if answer.status == 200:
        assert list(view_validator(example.level).iter_errors(answer.json())) == []


def test_given_the_contract_when_schemathesis_fuzzes_make_run_then_no_check_fails(
    service: RunningService, tmp_path: Path
) -> None:
    # When: schemathesis' CLI, from the document in the repository, on make run's API
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        str(CONTRACT_PATH.relative_to(REPO_ROOT)),
        f"--url={service.api_url}",
        f"--header=Authorization: Bearer {DEMO_TOKENS['ADMIN']}",
        f"--checks={','.join(CHECKS)}",
        "--mode=all",
        f"--max-examples={SCHEMATHESIS_MAX_EXAMPLES}",
        f"--seed={SCHEMATHESIS_SEED}",
        "--generation-database=none",
        "--no-color",
        f"--report-dir={tmp_path}",
    ]
    finished = subprocess.run(  # noqa: S603 - our own command line
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=RUN_SECONDS, check=False
    )

    # Then
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-6000:]
    assert f"Seed: {SCHEMATHESIS_SEED}" in output
    assert "generated" in output
    assert " 0 generated" not in output
