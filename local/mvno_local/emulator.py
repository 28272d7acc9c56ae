"""The embedded AWS emulator: moto's server (DynamoDB, SQS, EventBridge...) in a thread of this process."""

from __future__ import annotations

import copy
import socket
import threading
from typing import Any

from mvno_local.errors import StartupError, bind_failure

# What an EventBridge event delivered to a target holds, in AWS's order ("replay-name" on replays).
_EVENT_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def deliver_events_as_aws_does() -> None:
    """Make moto deliver an event to a target (with no input transformer) as AWS does.

    moto builds the delivered event by splicing each field's text into a JSON template: it leaves
    `account` out (AWS puts it in, and the Sync handler's envelope model requires it), and a
    `Detail` whose JSON value is a string is spliced in as the string's content, so a
    double-encoded detail arrives as an object Sync would apply. AWS delivers the event as it is,
    `detail` the JSON value the producer sent; so does this, and Sync rejects what is not an object.
    """
    from moto.events.utils import EventTemplateParser

    if getattr(EventTemplateParser.parse, "delivers_as_aws_does", False):
        return
    splice = EventTemplateParser.parse

    def deliver(input_template: Any, input_paths_map: dict[str, Any], event: Any) -> dict[str, Any]:
        if input_template or input_paths_map:  # an input transformer: moto's own (make run refuses one)
            delivered: dict[str, Any] = splice(input_template, input_paths_map, event)
            return delivered
        fields = (*_EVENT_FIELDS, "replay-name")
        return {field: copy.deepcopy(event[field]) for field in fields if field in event}

    deliver.delivers_as_aws_does = True  # type: ignore[attr-defined]
    EventTemplateParser.parse = staticmethod(deliver)  # type: ignore[method-assign]


class EmbeddedEmulator:
    """moto on host:port. Binding happens in start(), so a taken port is reported there, at once."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        try:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server
        except ImportError as missing:
            raise StartupError(
                f"the AWS emulator (moto[server]) is not installed ({missing.name} is missing): "
                "`make run` installs it into .venv"
            ) from None

        class QuietRequestHandler(MotoRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                """One line per AWS call would drown the handlers' own logs."""

        deliver_events_as_aws_does()
        # Bound here rather than by werkzeug, which prints its own message and exits on a taken port.
        try:
            listener = socket.create_server((self._host, self._port))
        except OSError as error:
            raise StartupError(bind_failure("the AWS emulator", self._host, self._port, "AWS_PORT", error)) from None
        with listener:  # werkzeug serves on a duplicate of it
            self._server = make_server(
                self._host,
                self._port,
                DomainDispatcherApplication(create_backend_app),
                threaded=True,
                request_handler=QuietRequestHandler,
                fd=listener.fileno(),
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="aws-emulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
