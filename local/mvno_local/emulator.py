"""The embedded AWS emulator: moto's server (DynamoDB, SQS, EventBridge...) in a thread of this process."""

from __future__ import annotations

import socket
import threading
from typing import Any

from mvno_local.errors import StartupError, bind_failure


def fix_eventbridge_envelope() -> None:
    """moto's EventBridge leaves `account` out of the events it delivers to SQS targets; AWS puts it
    in, and the Sync handler's envelope model requires it. Add it back to moto's default template."""
    from moto.events.utils import EventTemplateParser

    template = EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE
    if '"account"' not in template:
        EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = template.replace(
            '"version": "0",', '"version": "0", "account": "<account>",', 1
        )


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

        fix_eventbridge_envelope()
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
