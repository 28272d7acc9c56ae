"""What the README's "Run it locally" shows holds against a running `make run`: what it prints, its
curl lines and its boto3 example."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import urllib.parse
from pathlib import Path

from mvno_local.demo import CURL_EXAMPLES
from mvno_local.paths import REPO_ROOT
from support import readme
from support.make_run import SYNC_SECONDS, RunningService, eventually, http_get


def _on_ports(text: str, service: RunningService) -> str:
    return readme.on_ports(text, service.api_port, service.aws_port)


def test_given_make_run_when_started_then_it_prints_what_the_readme_shows(service: RunningService) -> None:
    # Given
    printed_block = readme.printed_block()

    # Then
    printed = {readme.without_measurements(line) for line in service.output().splitlines()}
    missing = [
        line
        for line in printed_block.splitlines()
        if line.strip() and readme.without_measurements(_on_ports(line, service)) not in printed
    ]
    assert missing == []


def test_given_the_readme_curl_lines_when_requested_then_each_answers_the_status_it_states(
    service: RunningService,
) -> None:
    # Given
    lines = readme.curl_lines()
    assert len(lines) >= 5

    for line in lines:
        command, _, comment = line.partition("#")
        stated = re.match(r"\s*(\d{3})\b", comment)
        assert stated is not None, line
        expected_status = int(stated.group(1))
        arguments = shlex.split(_on_ports(command, service))
        headers = dict(
            arguments[index + 1].split(": ", 1) for index, argument in enumerate(arguments) if argument == "-H"
        )
        url = arguments[-1]

        # When
        answer = http_get(url, headers)

        # Then
        assert answer.status == expected_status, line
        assert answer.headers["Content-Type"] == "application/json", line
        if expected_status == 200:
            assert answer.headers["Cache-Control"] == "no-store", line
            document = answer.json()
            requested = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[1])
            assert requested in (document["_id"], document["number"]), line
        else:
            assert answer.json()["code"] == expected_status, line


def _answers_as_stated(line: str, service: RunningService) -> bool:
    """Whether the README's curl line gets the status (and `"field":"value"`s) its comment states."""
    command, _, comment = line.partition("#")
    stated = re.match(r"\s*(\d{3})\b", comment)
    assert stated is not None, line
    arguments = shlex.split(_on_ports(command, service))
    headers = dict(arguments[index + 1].split(": ", 1) for index, argument in enumerate(arguments) if argument == "-H")
    answer = http_get(arguments[-1], headers)
    fields = dict(re.findall(r'"(\w+)":"(\w+)"', comment))
    return answer.status == int(stated.group(1)) and all(answer.json().get(k) == v for k, v in fields.items())


# A revoked token may be served from a GetAccount instance's cache for PRINCIPAL_CACHE_TTL_SECONDS.
WALKTHROUGH_SECONDS = SYNC_SECONDS + 30


def _without_aws_credentials(home: Path) -> dict[str, str]:
    """The environment of a shell with no AWS credentials anywhere, and `aws` on its PATH."""
    shim = home / "bin" / "aws"
    shim.parent.mkdir(parents=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m support.aws_cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment.update(
        HOME=str(home),
        PATH=f"{shim.parent}{os.pathsep}{environment['PATH']}",
        PYTHONPATH=str(REPO_ROOT / "tests"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return environment


def test_given_the_readme_walkthrough_when_each_step_is_run_in_a_shell_then_clients_see_what_it_states(
    service: RunningService, tmp_path: Path
) -> None:
    # Given: a shell with no AWS credentials of its own, as a new user's
    environment = _without_aws_credentials(tmp_path)
    steps = readme.walkthrough()
    assert len(steps) >= 3  # the boto3 upsert, the CLI revocation, the CLI's look at the DLQ

    for step in steps:
        # When
        ran = subprocess.run(  # noqa: S603 - the README's own commands
            ["bash", "-c", _on_ports(step.commands, service)],  # noqa: S607 - the bash on PATH
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

        # Then
        assert ran.returncode == 0, f"{step.commands}\n{ran.stderr}"
        for line in step.curls:
            eventually(lambda line=line: _answers_as_stated(line, service), WALKTHROUGH_SECONDS, line)  # type: ignore[misc]


def test_given_the_readme_revocation_when_read_then_it_revokes_a_token_none_of_the_banner_curl_lines_uses() -> None:
    # Given: the tokens the README's walkthrough revokes (by their sha256)
    revoked = re.findall(r"printf (demo-[\w-]+) \| sha256sum", readme.run_section())
    assert revoked

    # Then: the banner's curl lines keep answering as they say for the rest of the session
    banner_lines = [example.line("http://127.0.0.1:3000") for example in CURL_EXAMPLES]
    assert [(token, line) for token in revoked for line in banner_lines if token in line] == []
