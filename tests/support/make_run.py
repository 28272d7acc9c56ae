"""`make run` as a subprocess for the end-to-end tests: started on free ports with the entry point
`make run` uses (`python -m mvno_local`, PYTHONPATH=local:layers/shared), read over real HTTP and boto3, stopped
with Ctrl-C. Every wait has a deadline, and every process started here is stopped."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest

from mvno_local.banner import READY, TITLE
from mvno_local.demo import DEMO_EVENTS_DIR, DEMO_TOKENS, put_events_entries
from mvno_local.paths import REPO_ROOT
from support.openapi_contract import assert_conforms_if_documented

START_SECONDS = 90.0
SYNC_SECONDS = 15.0
STOP_SECONDS = 20.0  # Ctrl-C during start-up: stopped in a second or two, well before the 60 s demo wait
# A rejected event is received LOCAL_SQS_MAX_RECEIVE_COUNT (2) times, LOCAL_SQS_VISIBILITY_TIMEOUT
# (1 s) apart, then moved: a few seconds, with a wide margin for a busy machine.
DLQ_SECONDS = 40.0
# What the shared service runs with, so that a rejected event reaches the DLQ in seconds.
FAST_DLQ = {"LOCAL_SQS_VISIBILITY_TIMEOUT": "1", "LOCAL_SQS_MAX_RECEIVE_COUNT": "2"}
# As the Makefile's `run` target sets it.
MAKE_RUN_PYTHONPATH = os.pathsep.join(["local", "layers/shared"])
_KEPT_OUT = {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "PYTHONPATH"}
T = TypeVar("T")


def eventually(check: Callable[[], T | None], seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:g} s")
        time.sleep(0.1)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_get(url: str, headers: dict[str, str] | None = None) -> Answer:
    """GET over HTTP; an answer of an operation docs/openapi.yaml defines is checked against it."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - the local API
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            answer = Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        answer = Answer(error.code, dict(error.headers), error.read())
    assert_conforms_if_documented("GET", url, answer.status, answer.headers, answer.body)
    return answer


def answer_with_status(read: Callable[[], Answer], status: int, what: str) -> Answer:
    return eventually(lambda: answer if (answer := read()).status == status else None, SYNC_SECONDS, what)


@dataclass
class RunningService:
    process: subprocess.Popen[bytes]
    log: Path
    api_port: int
    aws_port: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def aws(self, service: str) -> Any:
        session: Any = boto3.session.Session()
        return session.client(
            service,
            endpoint_url=self.aws_url,
            region_name="eu-west-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def get(self, account: str, level: str = "ADMIN") -> Answer:
        return http_get(f"{self.api_url}/mvno/{account}", {"Authorization": f"Bearer {DEMO_TOKENS[level]}"})

    def publish(self, event: dict[str, Any]) -> str:
        """Put one event (in the form of the files in events/demo/) on the bus; its EventBridge id."""
        result = self.aws("events").put_events(Entries=put_events_entries([event], "mvno-events"))
        assert result["FailedEntryCount"] == 0
        event_id: str = result["Entries"][0]["EventId"]
        return event_id

    def dead_lettered(self, event_id: str) -> bool:
        """Whether a receive from mvno-sync-dlq returns the event (what it returns stays invisible
        for the queue's visibility timeout, so repeated calls go through the whole queue)."""
        sqs = self.aws("sqs")
        dlq_url = sqs.get_queue_url(QueueName="mvno-sync-dlq")["QueueUrl"]
        messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        return any(json.loads(message["Body"])["id"] == event_id for message in messages)


def start(log: Path, api_port: int, aws_port: int, **variables: str) -> RunningService:
    environment = {key: value for key, value in os.environ.items() if key not in _KEPT_OUT}
    environment.update(PYTHONPATH=MAKE_RUN_PYTHONPATH, PORT=str(api_port), AWS_PORT=str(aws_port), **variables)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "mvno_local"],
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # signals are ours to send, not the terminal's
        )
    return RunningService(process, log, api_port, aws_port)


def _still_running(service: RunningService) -> None:
    if service.process.poll() is not None:
        pytest.fail(f"make run ended with {service.process.returncode}:\n{service.output()[-3000:]}")


def wait_until_ready(service: RunningService) -> None:
    def ready() -> bool:
        _still_running(service)
        return READY in service.output()

    eventually(ready, START_SECONDS, "make run ready")


def stop(service: RunningService) -> int:
    """Ctrl-C, as a terminal sends it; killed if it does not stop in time."""
    if service.process.poll() is None:
        service.process.send_signal(signal.SIGINT)
    try:
        return service.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait(timeout=10)
        pytest.fail("make run did not stop within 30 s of Ctrl-C")


def catches(service: RunningService, signum: int) -> bool:
    """Whether the process has a handler of its own for the signal (Linux: SigCgt in /proc)."""
    status = Path(f"/proc/{service.process.pid}/status").read_text()
    caught = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(caught & (1 << (signum - 1)))


def signal_handlers_installed(service: RunningService) -> None:
    """make run installs its SIGINT and SIGTERM handlers together; Python alone catches no SIGTERM."""

    def installed() -> bool:
        _still_running(service)
        return catches(service, signal.SIGTERM)

    eventually(installed, START_SECONDS, "make run's signal handlers")


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def without_banner(output: str) -> list[str]:
    """The output's lines but the banner, which prints the demo tokens on purpose."""
    lines = output.splitlines()
    first, last = lines.index(TITLE), lines.index(READY)
    return lines[:first] + lines[last + 1 :]


def demo_event(file_name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((DEMO_EVENTS_DIR / file_name).read_text(encoding="utf-8"))
    return event


def account_event(account_id: str, number: str, version: int, **changes: Any) -> dict[str, Any]:
    """The demo's fullest account as a new account (id, number), with some fields changed."""
    event = copy.deepcopy(demo_event("10-account-andersen-foreman.json"))
    event["Detail"]["version"] = version
    event["Detail"]["account"].update({"_id": account_id, "number": number, **changes})
    return event


def new_account_id() -> str:
    return "e2e" + uuid.uuid4().hex[:21]


def new_number() -> str:
    return "+4529" + str(uuid.uuid4().int)[:6]
