"""How `make run` starts, fails to start and stops: one line per failure, Ctrl-C at any moment,
and nothing left running afterwards."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mvno_local.banner import READY
from mvno_local.errors import STARTUP_FAILURE
from mvno_local.paths import REPO_ROOT
from support import readme
from support.dynalite import free_port
from support.make_run import (
    MAKE_RUN_PYTHONPATH,
    START_SECONDS,
    STOP_SECONDS,
    RunningService,
    catches,
    children,
    eventually,
    port_is_free,
    signal_handlers_installed,
    start,
    stop,
    wait_until_ready,
)


@pytest.mark.parametrize("taken", ["PORT", "AWS_PORT"])
def test_given_a_port_in_use_when_make_run_starts_then_it_says_so_in_one_line(
    service: RunningService, taken: str, tmp_path: Path
) -> None:
    # Given
    api_port = service.api_port if taken == "PORT" else free_port()
    aws_port = service.aws_port if taken == "AWS_PORT" else free_port()

    # When
    second = start(tmp_path / "second.log", api_port, aws_port)
    try:
        status = second.process.wait(timeout=60)
    finally:
        stop(second)

    # Then
    output = second.output().strip()
    assert status == STARTUP_FAILURE
    assert len(output.splitlines()) == 1
    assert "already in use" in output
    assert f"set {taken}" in output


def test_given_make_run_starting_when_ctrl_c_before_ready_then_it_stops_cleanly_within_seconds(
    tmp_path: Path,
) -> None:
    # Given: started, Ctrl-C handled from here on
    running = start(tmp_path / "output.log", free_port(), free_port())
    try:
        signal_handlers_installed(running)

        # When
        running.process.send_signal(signal.SIGINT)
        status = running.process.wait(timeout=STOP_SECONDS)
    finally:
        stop(running)

    # Then: a normal stop, not "Sync did not handle the demo events within 60 s"
    output = running.output()
    assert status == 0
    assert READY not in output
    assert output.rstrip().splitlines()[-1] == "Stopped."


def test_given_a_stop_held_up_by_an_endpoint_that_never_answers_when_ctrl_c_again_then_the_process_ends_at_once(
    tmp_path: Path,
) -> None:
    # Given: AWS_ENDPOINT_URL accepts connections and never answers, so start-up hangs on its first
    # call (botocore waits 60 s per attempt), and Ctrl-C was pressed during that call
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.settimeout(START_SECONDS)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        running = start(tmp_path / "output.log", free_port(), free_port(), AWS_ENDPOINT_URL=endpoint)
        try:
            signal_handlers_installed(running)
            connection, _ = silent.accept()
            with connection:
                running.process.send_signal(signal.SIGINT)
                eventually(lambda: not catches(running, signal.SIGINT), STOP_SECONDS, "the first Ctrl-C handled")

                # When
                running.process.send_signal(signal.SIGINT)
                status = running.process.wait(timeout=STOP_SECONDS)
        finally:
            stop(running)

    # Then: ended by the signal, as any program without a handler is
    assert status == -signal.SIGINT


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"])
def test_given_an_endpoint_where_nothing_listens_when_make_run_starts_then_it_says_so_in_one_line(
    variable: str, tmp_path: Path
) -> None:
    # Given
    endpoint = f"http://127.0.0.1:{free_port()}"

    # When
    running = start(tmp_path / "output.log", free_port(), free_port(), **{variable: endpoint})
    try:
        status = running.process.wait(timeout=START_SECONDS)
    finally:
        stop(running)

    # Then
    assert status == STARTUP_FAILURE
    assert running.output().splitlines() == [
        f"make run: no AWS endpoint answers at {endpoint} ({variable}): start it or unset the variable"
    ]


def test_given_a_python_without_the_packages_when_make_run_starts_then_it_says_so_in_one_line() -> None:
    # Given: .venv's interpreter without its site-packages (-S), as a system Python would be
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    # When
    result = subprocess.run(
        [sys.executable, "-S", "-m", "mvno_local"],
        cwd=REPO_ROOT,
        env={**environment, "PYTHONPATH": MAKE_RUN_PYTHONPATH},
        capture_output=True,
        text=True,
        timeout=60,
    )

    # Then
    assert result.returncode == STARTUP_FAILURE
    assert result.stdout == ""
    assert re.fullmatch(
        r"make run: \S+ lacks the Python module '\w+': `make run` creates \.venv with every package it needs"
        r" and starts there\n",
        result.stderr,
    )


def test_given_a_start_up_failure_when_started_with_make_then_it_prints_the_two_lines_the_readme_shows() -> None:
    # Given: the API's port in use
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHONPATH", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"}
    }
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]

        # When: `make run` itself (-o: whatever the stamp's age, .venv is not reinstalled here)
        result = subprocess.run(
            ["make", "--no-print-directory", "-o", ".venv/.installed-run", "run"],  # noqa: S607 - the make on PATH
            cwd=REPO_ROOT,
            env={**inherited, "PORT": str(port), "AWS_PORT": str(free_port())},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
        )

    # Then: our line, then make's own, as the README says (its port and Makefile line aside)
    def comparable(lines: list[str]) -> list[str]:
        return [re.sub(r"Makefile:\d+", "Makefile:N", line.replace(f"port {port} ", "port 3000 ")) for line in lines]

    assert result.returncode == 2  # make's own status when a command fails
    assert comparable(result.stdout.splitlines()) == comparable(readme.failure_lines())


def test_given_make_run_when_ctrl_c_then_everything_stops_and_the_ports_are_free_at_once(tmp_path: Path) -> None:
    # Given
    running = start(tmp_path / "output.log", free_port(), free_port())
    try:
        wait_until_ready(running)
        functions = children(running.process.pid)
        assert len(functions) == 2  # one process per function

        # When
        status = stop(running)
    finally:
        stop(running)

    # Then
    assert status == 0
    assert running.output().rstrip().endswith("Stopped.")
    for pid in functions:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert port_is_free(running.api_port)
    assert port_is_free(running.aws_port)
