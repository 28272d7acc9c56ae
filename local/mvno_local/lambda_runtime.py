"""One Lambda execution environment: a process that imports a handler once, then invokes it with one
event at a time, as Lambda's Python runtime does.

Run by mvno_local.functions with the function's code and layers on PYTHONPATH, its code as the
working directory (kept off sys.path by -P) and its environment.
Requests and responses are JSON lines on two pipes; stdout and stderr stay the function's log.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from mvno_local.paths import LOCAL_DIR


@dataclass
class LambdaContext:
    """The context object a Lambda handler receives (the attributes Powertools reads)."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline_ms: int
    function_version: str = "$LATEST"
    log_group_name: str = field(init=False)
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


def _load_handler(path: str) -> Callable[[Any, LambdaContext], Any]:
    module_name, _, function_name = path.rpartition(".")
    handler: Callable[[Any, LambdaContext], Any] = getattr(importlib.import_module(module_name), function_name)
    return handler


def _reply(responses: TextIO, message: dict[str, Any]) -> None:
    responses.write(json.dumps(message, separators=(",", ":")) + "\n")
    responses.flush()


def _invoke(handler: Callable[[Any, LambdaContext], Any], request: dict[str, Any], setup: dict[str, Any]) -> str:
    context = LambdaContext(
        function_name=setup["functionName"],
        memory_limit_in_mb=setup["memoryMb"],
        invoked_function_arn=setup["functionArn"],
        aws_request_id=request["requestId"],
        deadline_ms=request["deadlineMs"],
    )
    try:
        result = handler(request["event"], context)
    except Exception as error:  # a function error: Lambda logs it and reports its type
        traceback.print_exc()
        return json.dumps({"errorType": type(error).__name__})
    try:
        return json.dumps({"result": result}, separators=(",", ":"))
    except (TypeError, ValueError):
        return json.dumps({"errorType": "Runtime.MarshalError"})


def main(argv: list[str]) -> int:
    # Ctrl-C reaches the whole process group; the runner decides when this environment ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    setup: dict[str, Any] = json.loads(argv[1])
    # This module's folder is on the path only to start it: the function sees its code and layers.
    sys.path[:] = [entry for entry in sys.path if not entry or Path(entry).resolve() != LOCAL_DIR]
    requests = os.fdopen(setup["requestFd"], "r", encoding="utf-8")
    responses = os.fdopen(setup["responseFd"], "w", encoding="utf-8")
    try:
        handler = _load_handler(setup["handler"])
    except Exception as error:
        traceback.print_exc()
        _reply(
            responses, {"errorType": "Runtime.ImportModuleError", "errorMessage": f"{type(error).__name__}: {error}"}
        )
        return 1
    _reply(responses, {"ready": True})
    for line in requests:  # ends when the runner closes the pipe
        responses.write(_invoke(handler, json.loads(line), setup) + "\n")
        responses.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
