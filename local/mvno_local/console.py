"""The runner's console: one stream of whole lines, the functions' logs and the runner's own."""

from __future__ import annotations

import logging
import sys
import threading

_print_lock = threading.Lock()
# Their one line per call would drown the handlers' own logs.
_QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "werkzeug")


def print_line(line: str) -> None:
    """One whole line to stdout, never interleaved with another thread's."""
    with _print_lock:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
        sys.stdout.flush()


class _ConsoleHandler(logging.Handler):
    """The runner's own lines, labelled like the functions' logs, in one stream with them."""

    def emit(self, record: logging.LogRecord) -> None:
        print_line(f"local | {self.format(record)}")


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[_ConsoleHandler()])
    for noisy in _QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
