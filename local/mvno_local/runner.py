"""`make run`: the whole service on one machine (README.md, "Run it locally").

Starts the embedded AWS emulator, creates template.yaml's resources on it, runs the functions'
handlers behind an SQS event source poller and a local HTTP API, publishes the demo data to the bus
and prints the demo tokens with curl lines. Ctrl-C stops everything, during start-up too; a second
Ctrl-C ends the process at once.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from mvno_local.banner import banner
from mvno_local.config import LocalConfig
from mvno_local.console import configure_logging, print_line
from mvno_local.errors import STARTUP_FAILURE, StartupError, StopRequested
from mvno_local.lifecycle import LocalService


def main() -> int:
    configure_logging()
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
            demo = service.publish_demo_data()
            assert service.deployment is not None
            print_line(banner(config, service.deployment, demo))
            service.stop_requested.wait()
            print_line("Stopping...")
    except StopRequested:
        pass  # during start-up: what had started is stopped
    except StartupError as failure:
        print(f"make run: {failure}", file=sys.stderr)
        return STARTUP_FAILURE
    print_line("Stopped.")
    return 0
