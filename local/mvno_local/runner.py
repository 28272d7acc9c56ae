"""`make run`: the whole service on one machine (design section 5).

Starts the embedded AWS emulator, creates template.yaml's resources on it, runs the functions'
handlers behind an SQS event source poller and a local HTTP API, publishes the demo data to the bus
and prints the demo tokens with curl lines. Ctrl-C stops everything, during start-up too; a second
Ctrl-C ends the process at once.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from mvno_local.config import LocalConfig, StartupError
from mvno_local.demo import CURL_EXAMPLES, demo_events, demo_tokens, put_events_entries
from mvno_local.emulator import EmbeddedEmulator
from mvno_local.functions import LambdaFunction, print_line
from mvno_local.http_api import HttpApiServer, Route
from mvno_local.sqs_poller import SqsPoller, event_id_of
from mvno_local.stack import LocalDeployment, Overrides, deploy

_FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}  # the emulator takes any
_DEMO_TIMEOUT_SECONDS = 60.0
_STOP_CHECK_SECONDS = 0.1  # how soon a wait notices Ctrl-C


class StopRequested(Exception):  # noqa: N818 - a request, not an error
    """Ctrl-C (or SIGTERM) during start-up: stop what has started and end as a normal stop does."""


class _PrintHandler(logging.Handler):
    """The runner's own lines, labelled like the functions' logs, in one stream with them."""

    def emit(self, record: logging.LogRecord) -> None:
        print_line(f"local | {self.format(record)}")


def prepare_aws_environment(config: LocalConfig, environ: MutableMapping[str, str]) -> None:
    """Point this process (and so the handlers it starts) at the emulator, before any AWS client exists.

    With the embedded emulator, credentials are fake, so that nothing real is ever signed locally.
    With AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL set by the user, their credentials are kept
    (fake ones if they have none: dynalite and other emulators take any). `environ` is os.environ
    in use: botocore looks for credentials there.
    """
    environ["AWS_DEFAULT_REGION"] = environ["AWS_REGION"] = config.region
    environ["AWS_ENDPOINT_URL"] = config.aws_endpoint
    environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)  # an empty one too: botocore would take it for a URL
    if config.dynamodb_endpoint is not None:
        environ["AWS_ENDPOINT_URL_DYNAMODB"] = config.dynamodb_endpoint
    if config.external_endpoint is None and config.dynamodb_endpoint is None:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            environ.pop(name, None)
        environ.update(_FAKE_CREDENTIALS)
        return
    import botocore.session

    if botocore.session.get_session().get_credentials() is None:
        environ.update(_FAKE_CREDENTIALS)


def aws_failure(error: BotoCoreError | ClientError, config: LocalConfig) -> str:
    """One line for an AWS call that failed during start-up."""
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
        endpoint, variable = config.endpoint_setting(str(error.kwargs.get("endpoint_url", "")))
        if variable is None:
            return f"the embedded AWS emulator does not answer at {endpoint}"
        return f"no AWS endpoint answers at {endpoint} ({variable}): start it or unset the variable"
    what = "AWS refused a start-up call" if isinstance(error, ClientError) else "AWS SDK"
    return " ".join(f"{what}: {error}".split())


@dataclass
class DeliveryTracker:
    """Follows published events through the queue: which the Sync function applied or failed."""

    expected: set[str] = field(default_factory=set)
    applied: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def expect(self, event_ids: list[str]) -> None:
        with self._changed:
            self.expected.update(event_ids)

    def observe(self, body: str, succeeded: bool) -> None:
        event_id = event_id_of(body)
        with self._changed:
            if event_id in self.expected:
                (self.applied if succeeded else self.failed).add(event_id)
                self._changed.notify_all()

    def wait(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """True once every expected event was handled (applied or failed at least once); False at
        the timeout, or as soon as `stop` is set."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.expected <= self.applied | self.failed:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (stop is not None and stop.is_set()):
                    return False
                self._changed.wait(min(remaining, _STOP_CHECK_SECONDS))
            return True


@dataclass
class LocalService:
    config: LocalConfig
    stop_requested: threading.Event = field(default_factory=threading.Event)
    deployment: LocalDeployment | None = None
    tracker: DeliveryTracker = field(default_factory=DeliveryTracker)
    session: Any = None  # boto3's, once the AWS environment is prepared

    def check_stop(self) -> None:
        """Between start-up steps: StopRequested once Ctrl-C was pressed."""
        if self.stop_requested.is_set():
            raise StopRequested

    @contextmanager
    def running(self) -> Iterator[LocalService]:
        """Start everything; stop it all on leaving, whatever happens. An AWS call that fails on the
        way (an endpoint that does not answer, refused credentials) is a start-up failure."""
        with ExitStack() as started:
            try:
                yield self._start(started)
            except (BotoCoreError, ClientError) as error:
                raise StartupError(aws_failure(error, self.config)) from None

    def _start(self, started: ExitStack) -> LocalService:
        api = HttpApiServer(self.config.host, self.config.api_port, routes=[])  # the ports first: fail fast
        started.callback(api.server_close)
        prepare_aws_environment(self.config, os.environ)
        if self.config.external_endpoint is None:
            emulator = EmbeddedEmulator(self.config.host, self.config.aws_port)
            emulator.start()
            started.callback(emulator.stop)
        self.check_stop()
        self.session = boto3.session.Session()
        self.deployment = deploy(
            self.session.client,
            self.config.region,
            Overrides(self.config.visibility_timeout, self.config.max_receive_count),
        )
        self.check_stop()
        functions = self._start_functions(started)
        self.check_stop()
        api.routes = [
            Route(route.method, route.path, function)
            for function in functions
            for route in function.definition.http_routes
        ]
        threading.Thread(target=api.serve_forever, args=(0.1,), name="http-api", daemon=True).start()
        started.callback(api.shutdown)
        self._start_pollers(self.session.client("sqs"), functions, started)
        return self

    def _start_functions(self, started: ExitStack) -> list[LambdaFunction]:
        assert self.deployment is not None
        functions = [
            LambdaFunction(definition, dict(os.environ), self.config.region) for definition in self.deployment.functions
        ]
        failures: list[StartupError] = []

        def start(function: LambdaFunction) -> None:
            try:
                function.start()
            except StartupError as failure:
                failures.append(failure)

        starting = [threading.Thread(target=start, args=(function,)) for function in functions]
        for function, thread in zip(functions, starting, strict=True):
            started.callback(function.stop)
            thread.start()
        for thread in starting:
            thread.join()
        if failures:
            raise failures[0]
        return functions

    def _start_pollers(self, sqs: Any, functions: list[LambdaFunction], started: ExitStack) -> None:
        pollers = [
            SqsPoller(
                sqs,
                source.queue.url,
                source.queue.arn,
                self.config.region,
                function,
                batch_size=source.batch_size,
                report_batch_item_failures=source.report_batch_item_failures,
                observer=self.tracker.observe,
            )
            for function in functions
            for source in function.definition.sqs_sources
        ]
        threads = [threading.Thread(target=poller.run, args=(self.stop_requested,), daemon=True) for poller in pollers]
        for thread in threads:
            thread.start()

        def stop_pollers() -> None:
            self.stop_requested.set()
            for thread in threads:
                thread.join(timeout=15)

        started.callback(stop_pollers)

    def publish_demo_data(self) -> tuple[int, float, int]:
        """Publish events/demo to the bus; (events, seconds until Sync handled them, failed)."""
        assert self.deployment is not None
        events = self.session.client("events")
        entries = put_events_entries(demo_events(), self.deployment.bus_name)
        started = time.perf_counter()
        for start in range(0, len(entries), 10):  # PutEvents takes at most 10 entries
            result = events.put_events(Entries=entries[start : start + 10])
            if result.get("FailedEntryCount"):
                raise StartupError(f"the bus refused demo events: {result['Entries']}")
            self.tracker.expect([entry["EventId"] for entry in result["Entries"]])
        if not self.tracker.wait(_DEMO_TIMEOUT_SECONDS, self.stop_requested):
            self.check_stop()
            raise StartupError(
                f"Sync did not handle the demo events within {_DEMO_TIMEOUT_SECONDS:g} s (see the log above)"
            )
        return len(entries), time.perf_counter() - started, len(self.tracker.failed)

    def banner(self, published: int, seconds: float, failed: int) -> str:
        config, deployment = self.config, self.deployment
        assert deployment is not None
        sync_queue = next(iter(source.queue for f in deployment.functions for source in f.sqs_sources), None)
        aws = (
            f"{config.aws_endpoint} (AWS_ENDPOINT_URL)"
            if config.external_endpoint
            else f"{config.aws_endpoint} (embedded moto: DynamoDB, SQS, EventBridge)"
        )
        lines = [
            "",
            "MVNO Account API, running locally",
            f"  API        {config.api_url}/mvno/{{accountId}}  (HTTP API payload 2.0 -> GetAccount)",
            f"  AWS        {aws}",
        ]
        if config.dynamodb_endpoint:
            lines.append(f"  DynamoDB   {config.dynamodb_endpoint} (AWS_ENDPOINT_URL_DYNAMODB)")
        if sync_queue is not None:
            dlq = sync_queue.dead_letter_queue.rsplit(":", 1)[-1] if sync_queue.dead_letter_queue else "none"
            lines.append(
                f"  Events     bus {deployment.bus_name} -> rule {', '.join(deployment.rules)} -> queue "
                f"{sync_queue.name} -> Sync (visibility {sync_queue.visibility_timeout} s, "
                f"DLQ {dlq} after {sync_queue.max_receive_count} receives)"
            )
        lines.append(f"  Table      {deployment.table_name}")
        outcome = f"Sync handled them in {seconds:.1f} s"
        if failed:
            outcome += f", {failed} failed (see the log above)"
        lines += [f"  Demo data  {published} change events from events/demo/ published to the bus; {outcome}", ""]
        lines.append("Demo tokens (events/demo/ holds only their sha256):")
        for token in reversed(demo_tokens(demo_events())):
            lines.append(f"  {token.level:<15} {token.token:<20} customer {token.customer} {token.customer_name}")
        lines += ["", "Try:"]
        lines += [f"  {example.line(config.api_url)}" for example in CURL_EXAMPLES]
        lines += [
            "",
            "Publish your own change events to the bus: README.md, 'Run it locally'.",
            *(f"Note: {note}" for note in deployment.notes),
            "Ready. Ctrl-C stops.",
        ]
        return "\n".join(lines)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[_PrintHandler()])
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        config = LocalConfig.from_environ(os.environ)
        service = LocalService(config)

        def request_stop(signum: int, frame: Any) -> None:
            service.stop_requested.set()
            # A second Ctrl-C ends the process at once (the functions' processes follow: their
            # request pipes close). SIGTERM stays idempotent: `timeout` sends it to the process
            # and then to its group.
            if signum == signal.SIGINT:
                signal.signal(signal.SIGINT, signal.SIG_DFL)

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        with service.running():
            print_line(service.banner(*service.publish_demo_data()))
            service.stop_requested.wait()
            print_line("Stopping...")
    except StopRequested:
        pass  # during start-up: what had started is stopped
    except StartupError as failure:
        print(f"make run: {failure}", file=sys.stderr)
        return 1
    print_line("Stopped.")
    return 0
