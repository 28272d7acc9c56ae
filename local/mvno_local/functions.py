"""Lambda functions on this machine: each in its own process (its own environment, code and layers
on the path, module state), invoked one event at a time, restarted after a crash or a timeout."""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from mvno_local.console import print_line
from mvno_local.errors import StartupError
from mvno_local.function_definitions import FunctionDefinition
from mvno_local.local_account import ACCOUNT_ID
from mvno_local.paths import LOCAL_DIR

_INIT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Invocation:
    """What an invocation returned: the handler's result, or the type of its error as Lambda reports it."""

    payload: Any = None
    error: str | None = None


Invoker = Callable[[dict[str, Any]], Invocation]


class _Environment:
    """One running execution environment (process) and its two pipes."""

    def __init__(self, process: subprocess.Popen[bytes], requests: IO[bytes], responses: IO[bytes]) -> None:
        self.process = process
        self.requests = requests
        self.responses = responses

    def read_line(self, timeout: float) -> bytes | None:
        """The next response line, b"" if the process ended, None if none came in time."""
        ready, _, _ = select.select([self.responses], [], [], max(timeout, 0.0))
        if not ready:
            return None
        return self.responses.readline()

    def close(self) -> None:
        for pipe in (self.requests, self.responses):
            with contextlib.suppress(OSError):
                pipe.close()
        try:
            self.process.wait(timeout=2)  # it leaves when its request pipe closes
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class LambdaFunction:
    """Invokes a function's handler in a child process, like one concurrent Lambda instance."""

    def __init__(self, definition: FunctionDefinition, base_environment: Mapping[str, str], region: str) -> None:
        self.definition = definition
        self.label = definition.logical_id.removesuffix("Function")
        self._region = region
        self._environment = {
            **base_environment,
            **definition.environment,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(definition.memory_mb),
            "PYTHONPATH": os.pathsep.join([*map(str, definition.code_paths), str(LOCAL_DIR)]),
            "PYTHONUNBUFFERED": "1",
        }
        self._lock = threading.Lock()
        self._current: _Environment | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self._region}:{ACCOUNT_ID}:function:{self.definition.logical_id}"

    def start(self) -> None:
        """Start an environment now (imports, clients) and fail start-up if the handler cannot load."""
        with self._lock:
            error = self._ensure_started()
        if error:
            raise StartupError(f"{self.definition.logical_id} cannot start {self.definition.handler}: {error}")

    def __call__(self, event: dict[str, Any]) -> Invocation:
        with self._lock:
            if self._ensure_started():
                return Invocation(error="Runtime.ImportModuleError")
            environment = self._current
            assert environment is not None
            # The wait on the monotonic clock, which a corrected wall clock cannot stretch; the
            # handler's context (get_remaining_time_in_millis) reads the epoch, as in Lambda.
            deadline = time.monotonic() + self.definition.timeout_seconds
            deadline_ms = int((time.time() + self.definition.timeout_seconds) * 1000)
            request = {"requestId": str(uuid.uuid4()), "deadlineMs": deadline_ms, "event": event}
            try:
                environment.requests.write(json.dumps(request, separators=(",", ":")).encode() + b"\n")
                environment.requests.flush()
            except BrokenPipeError:
                return self._lost("Runtime.ExitError")
            line = environment.read_line(deadline - time.monotonic())
            if line is None:
                print_line(
                    f"{self.label} | timed out after {self.definition.timeout_seconds:g} s: environment restarted"
                )
                return self._lost("Sandbox.Timedout")
            try:
                response = json.loads(line) if line.endswith(b"\n") else None
            except ValueError:
                response = None
            if not isinstance(response, dict):  # cut short or garbled: the process cannot be trusted
                return self._lost("Runtime.ExitError")
            if "errorType" in response:
                return Invocation(error=response["errorType"])
            return Invocation(payload=response.get("result"))

    def stop(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.close()
                self._current = None

    def _lost(self, error: str) -> Invocation:
        if self._current is not None:
            self._current.process.kill()
            self._current.close()
            self._current = None
        return Invocation(error=error)

    def _ensure_started(self) -> str | None:
        """Start an environment unless one is running; the init error, if the handler cannot load."""
        if self._current is not None and self._current.process.poll() is None:
            return None
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        setup = {
            "handler": self.definition.handler,
            "functionName": self.definition.logical_id,
            "functionArn": self.arn,
            "memoryMb": self.definition.memory_mb,
            "requestFd": request_read,
            "responseFd": response_write,
        }
        process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            # As in Lambda's /var/task: the working directory is the function's code, and -P keeps
            # it (and so the repository) off sys.path, which holds only PYTHONPATH: code and layers.
            [sys.executable, "-P", "-m", "mvno_local.lambda_runtime", json.dumps(setup)],
            cwd=self.definition.code_paths[0],
            env=self._environment,
            pass_fds=(request_read, response_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        os.close(request_read)
        os.close(response_write)
        environment = _Environment(process, os.fdopen(request_write, "wb"), os.fdopen(response_read, "rb"))
        assert process.stdout is not None
        threading.Thread(target=self._relay_logs, args=(process.stdout,), daemon=True).start()
        line = environment.read_line(_INIT_TIMEOUT_SECONDS)
        if not line:
            process.kill()
            environment.close()
            return "its process ended or hung during init (see its log above)"
        response = json.loads(line)
        if not response.get("ready"):
            environment.close()
            return str(response.get("errorMessage", response.get("errorType")))
        self._current = environment
        return None

    def _relay_logs(self, output: IO[bytes]) -> None:
        for raw in output:
            print_line(f"{self.label} | {raw.decode('utf-8', 'replace').rstrip()}")
