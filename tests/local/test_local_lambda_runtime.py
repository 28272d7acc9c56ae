"""Each function runs in its own process, as one Lambda execution environment: its own environment
variables and code path, errors reported by type, timeouts enforced, restarted after a crash."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mvno_local import functions
from mvno_local.errors import StartupError
from mvno_local.function_definitions import FunctionDefinition
from mvno_local.functions import LambdaFunction
from mvno_local.paths import LOCAL_DIR, REPO_ROOT

CODE = Path(__file__).resolve().parent / "lambda_code"


def _function(handler: str, timeout_seconds: float = 5.0) -> LambdaFunction:
    definition = FunctionDefinition(
        logical_id="ProbeFunction",
        handler=f"probe_handlers.{handler}",
        code_paths=(CODE,),
        environment={"GREETING": "hello from the template"},
        timeout_seconds=timeout_seconds,
        memory_mb=256,
    )
    return LambdaFunction(definition, dict(os.environ), "eu-west-1")


@pytest.fixture
def started() -> Iterator[list[LambdaFunction]]:
    functions: list[LambdaFunction] = []
    yield functions
    for function in functions:
        function.stop()


def _start(started: list[LambdaFunction], handler: str, timeout_seconds: float = 5.0) -> LambdaFunction:
    function = _function(handler, timeout_seconds)
    started.append(function)
    function.start()
    return function


def test_given_a_handler_when_invoked_then_it_gets_the_event_and_a_lambda_context(
    started: list[LambdaFunction],
) -> None:
    # Given
    function = _start(started, "echo")

    # When
    invocation = function({"hello": "world"})

    # Then
    assert invocation.error is None
    assert invocation.payload["event"] == {"hello": "world"}
    assert invocation.payload["requestId"]
    assert 0 < invocation.payload["remainingMs"] <= 5000


def test_given_a_function_when_invoked_then_it_sees_its_environment_and_its_code_not_the_runner(
    started: list[LambdaFunction], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: started from the repository's root, as `make run` is
    monkeypatch.chdir(REPO_ROOT)
    function = _start(started, "environment")

    # When
    payload = function({"name": "GREETING"}).payload

    # Then: its code is its working directory (Lambda's /var/task) and the repository is not importable
    assert payload["value"] == "hello from the template"
    assert Path(payload["cwd"]) == CODE
    resolved = {str(Path(entry or payload["cwd"]).resolve()) for entry in payload["path"]}
    assert str(CODE) in resolved
    assert str(LOCAL_DIR) not in resolved
    assert str(REPO_ROOT) not in resolved


def test_given_a_handler_that_raises_when_invoked_then_the_error_type_is_reported_and_it_serves_again(
    started: list[LambdaFunction],
) -> None:
    # Given
    function = _start(started, "fail")

    # When
    first = function({})
    second = function({})

    # Then
    assert (first.error, second.error) == ("LookupError", "LookupError")


def test_given_a_handler_slower_than_its_timeout_when_invoked_then_it_times_out_and_a_fresh_environment_follows(
    started: list[LambdaFunction],
) -> None:
    # Given
    function = _start(started, "sleep", timeout_seconds=0.5)

    # When
    timed_out = function({"seconds": 30})
    next_one = function({"seconds": 0})

    # Then
    assert timed_out.error == "Sandbox.Timedout"
    assert (next_one.error, next_one.payload) == (None, None)


class _WallClockSteppingBack:
    """`time` as functions.py sees it: the wall clock steps back 20 s after its first reading (as a
    clock corrected by NTP can), the monotonic clock goes on."""

    def __init__(self) -> None:
        self._readings = 0

    def time(self) -> float:
        self._readings += 1
        return time.time() - (20.0 if self._readings > 1 else 0.0)

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()


def test_given_the_wall_clock_steps_back_when_a_handler_overruns_then_it_still_times_out_on_time(
    started: list[LambdaFunction], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a handler that sleeps 5 s, a timeout of 0.5 s
    function = _start(started, "sleep", timeout_seconds=0.5)
    monkeypatch.setattr(functions, "time", _WallClockSteppingBack())

    # When: a wait on the wall clock would last 20.5 s and see the handler return
    invocation = function({"seconds": 5})

    # Then
    assert invocation.error == "Sandbox.Timedout"


def test_given_a_garbled_response_line_when_invoked_then_an_error_and_a_fresh_environment_serves_next(
    started: list[LambdaFunction],
) -> None:
    # Given
    function = _start(started, "garble")

    # When
    garbled = function({"garble": True})
    next_one = function({})

    # Then
    assert garbled.error == "Runtime.ExitError"
    assert (next_one.error, next_one.payload) == (None, "ok")


def test_given_a_result_json_cannot_hold_when_invoked_then_it_is_a_marshal_error(started: list[LambdaFunction]) -> None:
    assert _start(started, "unserialisable")({}).error == "Runtime.MarshalError"


def test_given_a_handler_that_cannot_be_imported_when_started_then_start_up_fails_in_one_line(
    started: list[LambdaFunction],
) -> None:
    # Given
    function = _function("missing_function")
    started.append(function)

    # When
    with pytest.raises(StartupError) as failure:
        function.start()

    # Then
    message = str(failure.value)
    assert "ProbeFunction" in message
    assert "probe_handlers.missing_function" in message
    assert "\n" not in message
