"""What the README's "Run it locally" shows holds against a running `make run`: what it prints, its
curl lines and its boto3 example."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import urllib.parse

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


def test_given_the_readme_boto3_snippet_when_run_then_the_change_is_read_on_a_following_get(
    service: RunningService,
) -> None:
    # When
    subprocess.run(
        [sys.executable, "-"],
        input=_on_ports(readme.boto3_snippet(), service).encode(),
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )

    # Then
    eventually(
        lambda: service.get("acc000000000000000000003", "VIEWER").json().get("state") == "ACTIVE",
        SYNC_SECONDS,
        "the README's upsert read back",
    )
