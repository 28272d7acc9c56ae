"""The local service's lifecycle: start everything in order, stop all of it on leaving.

The ports first (a taken one fails at once), then the AWS environment and the embedded emulator,
the template's resources, one process per function, the local API and the SQS pollers. Ctrl-C is
checked between steps; whatever started is stopped, in reverse order, whatever happens.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from mvno_local.api_gateway import HttpApiServer, Route
from mvno_local.api_reference import reference_routes
from mvno_local.aws_environment import aws_failure, prepare_aws_environment
from mvno_local.config import LocalConfig
from mvno_local.demo import DemoOutcome, publish_demo_data
from mvno_local.deployment import LocalDeployment, deploy
from mvno_local.emulator import EmbeddedEmulator
from mvno_local.errors import StartupError, StopRequested
from mvno_local.functions import LambdaFunction
from mvno_local.resources import Overrides
from mvno_local.sqs_poller import DeliveryTracker, SqsPoller

_POLLER_STOP_SECONDS = 15


def api_routes(functions: list[LambdaFunction]) -> list[Route]:
    """What the local API serves: the template's HttpApi routes, each invoking its function.

    A route that only `make run` serves (a reference page, say) is added here: a Route takes any
    callable from a payload 2.0 event to an Invocation.
    """
    return [
        Route(route.method, route.path, function) for function in functions for route in function.definition.http_routes
    ] + reference_routes()


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

    def publish_demo_data(self) -> DemoOutcome:
        assert self.deployment is not None
        return publish_demo_data(
            self.session.client("events"), self.deployment.bus_name, self.tracker, self.stop_requested
        )

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
        api.routes = api_routes(functions)
        threading.Thread(target=api.serve_forever, args=(0.1,), name="http-api", daemon=True).start()
        started.callback(api.shutdown)
        self._start_pollers(self.session.client("sqs"), functions, started)
        return self

    def _start_functions(self, started: ExitStack) -> list[LambdaFunction]:
        """One process per function, started side by side; the first that cannot start fails start-up."""
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
                thread.join(timeout=_POLLER_STOP_SECONDS)

        started.callback(stop_pollers)
