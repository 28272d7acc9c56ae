"""End to end: the entry point `make run` uses (`python -m mvno_local`, PYTHONPATH=local:layers/shared),
started as a subprocess on free ports. Change events go to the local bus with boto3; answers come back over
real HTTP. Every wait has a deadline, and every process started here is stopped."""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from moto.server import ThreadedMotoServer

from mvno_local.demo import DEMO_EVENTS_DIR, DEMO_TOKENS, demo_events, put_events_entries
from mvno_local.emulator import fix_eventbridge_envelope
from mvno_local.stack import REPO_ROOT
from support import log_capture
from support.dynalite import free_port

README = REPO_ROOT / "README.md"
# As the Makefile's `run` target sets it.
MAKE_RUN_PYTHONPATH = os.pathsep.join(["local", "layers/shared"])
BANNER_TITLE = "MVNO Account API, running locally"
READY = "Ready. Ctrl-C stops."
START_SECONDS = 90.0
SYNC_SECONDS = 15.0
STOP_SECONDS = 20.0  # Ctrl-C during start-up: stopped in a second or two, well before the 60 s demo wait
# A rejected event is received LOCAL_SQS_MAX_RECEIVE_COUNT (2) times, LOCAL_SQS_VISIBILITY_TIMEOUT
# (1 s) apart, then moved: a few seconds, with a wide margin for a busy machine.
DLQ_SECONDS = 40.0
T = TypeVar("T")


def _eventually(check: Callable[[], T | None], seconds: float, what: str) -> T:
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
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - the local API
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def _answer_with_status(read: Callable[[], Answer], status: int, what: str) -> Answer:
    return _eventually(lambda: answer if (answer := read()).status == status else None, SYNC_SECONDS, what)


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


def _start(log: Path, api_port: int, aws_port: int, **variables: str) -> RunningService:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "PYTHONPATH"}
    }
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


def _wait_until_ready(service: RunningService) -> None:
    def ready() -> bool:
        if service.process.poll() is not None:
            pytest.fail(f"make run ended with {service.process.returncode}:\n{service.output()[-3000:]}")
        return READY in service.output()

    _eventually(ready, START_SECONDS, "make run ready")


def _stop(service: RunningService) -> int:
    """Ctrl-C, as a terminal sends it; killed if it does not stop in time."""
    if service.process.poll() is None:
        service.process.send_signal(signal.SIGINT)
    try:
        return service.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait(timeout=10)
        pytest.fail("make run did not stop within 30 s of Ctrl-C")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("make-run") / "output.log"
    running = _start(log, free_port(), free_port(), LOCAL_SQS_VISIBILITY_TIMEOUT="1", LOCAL_SQS_MAX_RECEIVE_COUNT="2")
    try:
        _wait_until_ready(running)
        yield running
    finally:
        _stop(running)


def _demo_event(file_name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((DEMO_EVENTS_DIR / file_name).read_text(encoding="utf-8"))
    return event


def _account_event(account_id: str, number: str, version: int, **changes: Any) -> dict[str, Any]:
    """The demo's fullest account as a new account (id, number), with some fields changed."""
    event = copy.deepcopy(_demo_event("10-account-andersen-foreman.json"))
    event["Detail"]["version"] = version
    event["Detail"]["account"].update({"_id": account_id, "number": number, **changes})
    return event


def _new_account_id() -> str:
    return "e2e" + uuid.uuid4().hex[:21]


def _new_number() -> str:
    return "+4529" + str(uuid.uuid4().int)[:6]


def _readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Run it locally")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _on_ports(text: str, service: RunningService) -> str:
    return text.replace("127.0.0.1:3000", f"127.0.0.1:{service.api_port}").replace(
        "127.0.0.1:4566", f"127.0.0.1:{service.aws_port}"
    )


def _readme_curl_lines() -> list[str]:
    lines = [line.strip() for line in _readme_section().splitlines() if line.strip().startswith("curl ")]
    return list(dict.fromkeys(lines))


def _without_measurements(line: str) -> str:
    """Numbers that depend on the run (timings, local queue overrides) made comparable."""
    return re.sub(r"(visibility|after|in) \d+(\.\d+)? (s|receives)\b", r"\1 N \3", line).rstrip()


def test_given_make_run_when_started_then_it_prints_what_the_readme_shows(service: RunningService) -> None:
    # Given
    section = _readme_section()
    printed_block = section[section.index("```text\n") + len("```text\n") :]
    printed_block = printed_block[: printed_block.index("```")]

    # Then
    printed = {_without_measurements(line) for line in service.output().splitlines()}
    missing = [
        line
        for line in printed_block.splitlines()
        if line.strip() and _without_measurements(_on_ports(line, service)) not in printed
    ]
    assert missing == []


def test_given_the_readme_curl_lines_when_requested_then_each_answers_the_status_it_states(
    service: RunningService,
) -> None:
    # Given
    lines = _readme_curl_lines()
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


def test_given_the_demo_data_when_read_at_each_level_then_each_sees_its_view(service: RunningService) -> None:
    # When
    admin = service.get("acc000000000000000000001", "ADMIN").json()
    reseller = service.get("acc000000000000000000001", "RESELLER_ADMIN").json()
    owner = service.get("acc000000000000000000001", "OWNER").json()

    # Then
    assert {"socs", "notes", "purchaseInfo"} <= set(admin)
    assert "notes" in reseller
    assert "socs" not in reseller
    assert not {"socs", "notes", "purchaseInfo"} & set(owner)
    assert owner["voicemail"]["notify"] == "BOTH"
    assert service.get("acc000000000000000000002", "MANAGER").json()["extension"] == "e47000000000000000000002"


def test_given_the_readme_boto3_snippet_when_run_then_the_change_is_read_on_a_following_get(
    service: RunningService,
) -> None:
    # Given
    snippet = re.search(r"<<'PY'\n(.*?)\nPY\n", _readme_section(), re.DOTALL)
    assert snippet is not None

    # When
    subprocess.run(
        [sys.executable, "-"],
        input=_on_ports(snippet.group(1), service).encode(),
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )

    # Then
    _eventually(
        lambda: service.get("acc000000000000000000003", "VIEWER").json().get("state") == "ACTIVE",
        SYNC_SECONDS,
        "the README's upsert read back",
    )


def test_given_an_upsert_on_the_bus_when_synced_then_it_reads_by_id_and_by_number(service: RunningService) -> None:
    # Given
    account_id, number = _new_account_id(), _new_number()
    assert service.get(account_id).status == 404

    # When
    service.publish(_account_event(account_id, number, version=1))

    # Then
    found = _answer_with_status(lambda: service.get(account_id), 200, "upsert")
    assert (found.json()["_id"], found.json()["number"]) == (account_id, number)
    assert service.get(number.replace("+", "%2B")).json()["_id"] == account_id

    # And when a newer version changes it, the change is read
    service.publish(_account_event(account_id, number, version=2, state="BLOCKED"))
    _eventually(lambda: service.get(account_id).json()["state"] == "BLOCKED", SYNC_SECONDS, "second upsert")


def test_given_a_delete_on_the_bus_when_synced_then_the_account_is_404_by_id_and_by_number(
    service: RunningService,
) -> None:
    # Given
    account_id, number = _new_account_id(), _new_number()
    service.publish(_account_event(account_id, number, version=1))
    _eventually(lambda: service.get(account_id).status == 200, SYNC_SECONDS, "upsert")
    delete = copy.deepcopy(_demo_event("14-account-andersen-van-deleted.json"))
    delete["Detail"].update(version=2, accountId=account_id)

    # When
    service.publish(delete)

    # Then
    gone = _answer_with_status(lambda: service.get(account_id), 404, "delete")
    assert gone.json()["message"] == "mvnoAccount"
    assert service.get(number.replace("+", "%2B")).status == 404


def test_given_an_invalid_event_on_the_bus_when_synced_then_it_ends_in_the_dlq_and_the_account_stays_as_it_was(
    service: RunningService,
) -> None:
    # Given
    before = service.get("acc000000000000000000001")
    assert before.status == 200
    invalid = _account_event("acc000000000000000000001", "+4520000001", version=99, pbx="two")
    sqs = service.aws("sqs")
    dlq_url = sqs.get_queue_url(QueueName="mvno-sync-dlq")["QueueUrl"]

    # When
    event_id = service.publish(invalid)

    # Then
    def dead_lettered() -> bool:
        messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return any(json.loads(m["Body"])["id"] == event_id for m in messages.get("Messages", []))

    _eventually(dead_lettered, DLQ_SECONDS, "the invalid event in mvno-sync-dlq")
    after = service.get("acc000000000000000000001")
    assert (after.status, after.body) == (200, before.body)
    assert "change event rejected" in service.output()


def test_given_no_route_matches_when_requested_then_404_not_found(service: RunningService) -> None:
    answer = http_get(f"{service.api_url}/accounts")
    assert (answer.status, answer.body) == (404, b'{"message":"Not Found"}')  # API Gateway's bytes


def _without_banner(output: str) -> list[str]:
    """The output's lines but the banner, which prints the demo tokens on purpose."""
    lines = output.splitlines()
    start, end = lines.index(BANNER_TITLE), lines.index(READY)
    return lines[:start] + lines[end + 1 :]


def test_given_tokens_and_codes_in_requests_and_events_when_handled_then_no_output_line_but_the_banner_holds_one(
    service: RunningService,
) -> None:
    # Given: the demo's raw tokens and PIN/PUK codes are secrets (they also count for the whole run)
    log_capture.forbid(*DEMO_TOKENS.values(), anywhere=True)
    for event in demo_events():
        log_capture.forbid_codes_of(event["Detail"])
    account = "acc000000000000000000001"

    # When: tokens in headers and in the query string, allowed and refused, and a rejected change
    # that carries the account's codes
    service.get(account, "ADMIN")
    service.get(account, "RESELLER")
    http_get(f"{service.api_url}/mvno/{account}?token={DEMO_TOKENS['OWNER']}")
    rejected_id = service.publish(_account_event(_new_account_id(), _new_number(), version=1, pbx="two"))

    # Then
    _eventually(
        lambda: any("change event rejected" in line and rejected_id in line for line in service.output().splitlines()),
        SYNC_SECONDS,
        "the rejection logged",
    )
    lines = _without_banner(service.output())
    assert sum(f"GET /mvno/{account}" in line for line in lines) >= 3  # the check below sees them
    assert log_capture.leaks(lines) == []


@pytest.mark.parametrize("taken", ["PORT", "AWS_PORT"])
def test_given_a_port_in_use_when_make_run_starts_then_it_says_so_in_one_line(
    service: RunningService, taken: str, tmp_path: Path
) -> None:
    # Given
    api_port = service.api_port if taken == "PORT" else free_port()
    aws_port = service.aws_port if taken == "AWS_PORT" else free_port()

    # When
    second = _start(tmp_path / "second.log", api_port, aws_port)
    try:
        status = second.process.wait(timeout=60)
    finally:
        _stop(second)

    # Then
    output = second.output().strip()
    assert status == 1
    assert len(output.splitlines()) == 1
    assert "already in use" in output
    assert f"set {taken}" in output


def _catches(service: RunningService, signum: int) -> bool:
    """Whether the process has a handler of its own for the signal (Linux: SigCgt in /proc)."""
    status = Path(f"/proc/{service.process.pid}/status").read_text()
    caught = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(caught & (1 << (signum - 1)))


def _signal_handlers_installed(service: RunningService) -> None:
    """make run installs its SIGINT and SIGTERM handlers together; Python alone catches no SIGTERM."""

    def installed() -> bool:
        if service.process.poll() is not None:
            pytest.fail(f"make run ended with {service.process.returncode}:\n{service.output()[-3000:]}")
        return _catches(service, signal.SIGTERM)

    _eventually(installed, START_SECONDS, "make run's signal handlers")


def test_given_make_run_starting_when_ctrl_c_before_ready_then_it_stops_cleanly_within_seconds(
    tmp_path: Path,
) -> None:
    # Given: started, Ctrl-C handled from here on
    running = _start(tmp_path / "output.log", free_port(), free_port())
    try:
        _signal_handlers_installed(running)

        # When
        running.process.send_signal(signal.SIGINT)
        status = running.process.wait(timeout=STOP_SECONDS)
    finally:
        _stop(running)

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
        running = _start(tmp_path / "output.log", free_port(), free_port(), AWS_ENDPOINT_URL=endpoint)
        try:
            _signal_handlers_installed(running)
            connection, _ = silent.accept()
            with connection:
                running.process.send_signal(signal.SIGINT)
                _eventually(lambda: not _catches(running, signal.SIGINT), STOP_SECONDS, "the first Ctrl-C handled")

                # When
                running.process.send_signal(signal.SIGINT)
                status = running.process.wait(timeout=STOP_SECONDS)
        finally:
            _stop(running)

    # Then: ended by the signal, as any program without a handler is
    assert status == -signal.SIGINT


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"])
def test_given_an_endpoint_where_nothing_listens_when_make_run_starts_then_it_says_so_in_one_line(
    variable: str, tmp_path: Path
) -> None:
    # Given
    endpoint = f"http://127.0.0.1:{free_port()}"

    # When
    running = _start(tmp_path / "output.log", free_port(), free_port(), **{variable: endpoint})
    try:
        status = running.process.wait(timeout=START_SECONDS)
    finally:
        _stop(running)

    # Then
    assert status == 1
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
    assert result.returncode == 1
    assert result.stdout == ""
    assert re.fullmatch(
        r"make run: \S+ lacks the Python module '\w+': `make run` creates \.venv with every package it needs"
        r" and starts there\n",
        result.stderr,
    )


def _readme_failure_lines() -> list[str]:
    """The start-up failure the README shows, as `make run` prints it."""
    blocks: list[str] = re.findall(r"```text\n(.*?)```", _readme_section(), re.DOTALL)
    (block,) = [block for block in blocks if "make: ***" in block]
    return block.splitlines()


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
            ["make", "--no-print-directory", "-o", ".venv/.installed", "run"],  # noqa: S607 - the make on PATH
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

    assert result.returncode != 0
    assert comparable(result.stdout.splitlines()) == comparable(_readme_failure_lines())


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_given_make_run_when_ctrl_c_then_everything_stops_and_the_ports_are_free_at_once(tmp_path: Path) -> None:
    # Given
    running = _start(tmp_path / "output.log", free_port(), free_port())
    try:
        _wait_until_ready(running)
        functions = _children(running.process.pid)
        assert len(functions) == 2  # one process per function

        # When
        status = _stop(running)
    finally:
        _stop(running)

    # Then
    assert status == 0
    assert running.output().rstrip().endswith("Stopped.")
    for pid in functions:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert _port_is_free(running.api_port)
    assert _port_is_free(running.aws_port)


@pytest.mark.dynalite
def test_given_aws_endpoint_url_dynamodb_when_make_run_starts_then_the_read_model_lives_there(
    dynalite_endpoint: str, tmp_path: Path
) -> None:
    # Given: dynalite, which rejects what DynamoDB rejects, holds the table; moto the bus and queues
    dynalite: Any = boto3.session.Session().client("dynamodb", endpoint_url=dynalite_endpoint)
    with ExitStack() as cleanup:  # every step runs, even if one before it fails
        cleanup.callback(_delete_table_if_any, dynalite, "mvno-accounts")
        running = _start(tmp_path / "output.log", free_port(), free_port(), AWS_ENDPOINT_URL_DYNAMODB=dynalite_endpoint)
        cleanup.callback(_stop, running)

        # When
        _wait_until_ready(running)

        # Then
        assert running.get("acc000000000000000000001").status == 200
        assert "mvno-accounts" in dynalite.list_tables()["TableNames"]
        assert f"DynamoDB   {dynalite_endpoint} (AWS_ENDPOINT_URL_DYNAMODB)" in running.output()


def _delete_table_if_any(dynamodb: Any, table_name: str) -> None:
    with suppress(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.delete_table(TableName=table_name)


def test_given_aws_endpoint_url_when_make_run_starts_then_it_uses_that_emulator_and_starts_none(
    tmp_path: Path,
) -> None:
    # Given: another emulator already running (moto, in this process)
    fix_eventbridge_envelope()
    other = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    with ExitStack() as cleanup:  # every step runs, even if one before it fails
        other.start()
        cleanup.callback(other.stop)
        host, port = other.get_host_and_port()
        unused_aws_port = free_port()
        running = _start(
            tmp_path / "output.log", free_port(), unused_aws_port, AWS_ENDPOINT_URL=f"http://{host}:{port}"
        )
        cleanup.callback(_stop, running)

        # When
        _wait_until_ready(running)

        # Then
        assert running.get("acc000000000000000000001").status == 200
        assert f"http://{host}:{port} (AWS_ENDPOINT_URL)" in running.output()
        assert _port_is_free(unused_aws_port)
