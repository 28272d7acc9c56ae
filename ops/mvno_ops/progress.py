"""Progress of a long job: a rich progress bar on a terminal, a plain line every few seconds when
the output is piped (a log file, CI). Always on stderr, so that --json output stays parseable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

_PLAIN_EVERY_SECONDS = 5.0


class ProgressLine(Protocol):
    def update(self, completed: int, status: str) -> None: ...


class _RichLine:
    def __init__(self, progress: Progress, total: int | None) -> None:
        self._progress = progress
        self._task = progress.add_task("", total=total, status="")

    def update(self, completed: int, status: str) -> None:
        self._progress.update(self._task, completed=completed, status=status)


class _PlainLine:
    def __init__(self, console: Console, title: str, total: int | None, monotonic: Callable[[], float]) -> None:
        self._console = console
        self._title = title
        self._total = total
        self._monotonic = monotonic
        self._last = monotonic()

    def update(self, completed: int, status: str) -> None:
        now = self._monotonic()
        if now - self._last >= _PLAIN_EVERY_SECONDS:
            self._last = now
            self._console.print(self._line(completed, status), highlight=False, soft_wrap=True)

    def _line(self, completed: int, status: str) -> str:
        share = f" {100 * completed // self._total}%" if self._total else ""
        return f"{self._title}:{share} {status}"


@contextmanager
def progress_line(
    title: str, total: int | None, terminal: bool, monotonic: Callable[[], float]
) -> Iterator[ProgressLine]:
    console = Console(stderr=True, highlight=False)
    if not terminal:
        yield _PlainLine(console, title, total, monotonic)
        return
    columns = (
        TextColumn(f"[bold]{title}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        yield _RichLine(progress, total)
