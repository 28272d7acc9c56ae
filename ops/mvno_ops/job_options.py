"""The options every job command shares, declared once: where it works (--stack, --local or resource
flags), the Sync function's tombstone retention, and --json. `@job_options` appends them to a
command's own options, so each command's --help lists them after its own, and hands the command
one `JobOptions` in their place."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Annotated, Any

import typer

from mvno_ops.runtime import Runtime
from mvno_ops.targets import TargetFlags
from mvno_shared.settings import MIN_TOMBSTONE_RETENTION_DAYS, Settings

# The default is Settings' own, so the tool and the Sync function agree unless told otherwise.
DEFAULT_TOMBSTONE_RETENTION_DAYS: int = next(
    field.default for field in fields(Settings) if field.name == "tombstone_retention_days"
)  # type: ignore[assignment]

_TARGET = "Target (one of --stack, --local, or resource flags)"


@dataclass(frozen=True)
class JobOptions:
    """What a job command takes besides its own options (and the world it runs in)."""

    runtime: Runtime
    target: TargetFlags
    retention: timedelta
    json_output: bool


def _shared_options(
    context: typer.Context,
    tombstone_retention_days: Annotated[
        int,
        typer.Option(
            "--tombstone-retention-days",
            min=MIN_TOMBSTONE_RETENTION_DAYS,
            metavar="DAYS",
            help="The Sync function's TOMBSTONE_RETENTION_DAYS (how long deletions are remembered).",
        ),
    ] = DEFAULT_TOMBSTONE_RETENTION_DAYS,
    json_output: Annotated[
        bool, typer.Option("--json", help="Machine-readable output (one JSON document on stdout).")
    ] = False,
    stack: Annotated[
        str | None,
        typer.Option(
            "--stack",
            metavar="NAME",
            help="A deployed stack: resource names from its outputs.",
            rich_help_panel=_TARGET,
        ),
    ] = None,
    local: Annotated[
        bool,
        typer.Option(
            "--local", help="`make run`'s emulator (http://127.0.0.1:4566, AWS_PORT).", rich_help_panel=_TARGET
        ),
    ] = False,
    table_name: Annotated[
        str | None, typer.Option("--table", metavar="NAME", help="The read-model table.", rich_help_panel=_TARGET)
    ] = None,
    queue_url: Annotated[
        str | None, typer.Option("--queue-url", metavar="URL", help="The Sync queue.", rich_help_panel=_TARGET)
    ] = None,
    dlq_url: Annotated[
        str | None,
        typer.Option("--dlq-url", metavar="URL", help="The Sync dead-letter queue.", rich_help_panel=_TARGET),
    ] = None,
    bus_name: Annotated[
        str | None, typer.Option("--bus", metavar="NAME", help="The change-event bus.", rich_help_panel=_TARGET)
    ] = None,
    archive_name: Annotated[
        str | None,
        typer.Option("--archive", metavar="NAME", help="The bus's change-event archive.", rich_help_panel=_TARGET),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", metavar="REGION", help="AWS region (else AWS_REGION).", rich_help_panel=_TARGET),
    ] = None,
) -> JobOptions:
    # Tests pass their own Runtime as the CLI's context object instead of patching the world.
    runtime = context.obj if isinstance(context.obj, Runtime) else Runtime()
    target = TargetFlags(
        stack=stack,
        local=local,
        table_name=table_name,
        queue_url=queue_url,
        dlq_url=dlq_url,
        bus_name=bus_name,
        archive_name=archive_name,
        region=region,
    )
    return JobOptions(runtime, target, timedelta(days=tombstone_retention_days), json_output)


_SHARED = inspect.signature(_shared_options, eval_str=True)


def job_options(command: Callable[..., None]) -> Callable[..., None]:
    """`command(options, ...its own)` as typer sees a command: its own options, then the shared ones.

    Typer reads a command's options from its signature, so the one given here is the command's own
    parameters (`options` left out) followed by `_shared_options`'s: their names, help texts,
    defaults and checks have that one home."""
    own = inspect.signature(command, eval_str=True)
    if "options" not in own.parameters:
        raise TypeError(f"{command.__name__} takes no `options` parameter")
    clashing = set(own.parameters) & set(_SHARED.parameters)
    if clashing:
        raise TypeError(f"{command.__name__} redeclares shared options: {', '.join(sorted(clashing))}")

    @functools.wraps(command)
    def typer_command(**values: Any) -> None:  # typer passes every parameter by name
        shared = {name: values.pop(name) for name in _SHARED.parameters}
        command(options=_shared_options(**shared), **values)

    context, *shared_options = _SHARED.parameters.values()
    parameters = [
        context,
        *(parameter for name, parameter in own.parameters.items() if name != "options"),
        *(option.replace(kind=inspect.Parameter.KEYWORD_ONLY) for option in shared_options),
    ]
    typer_command.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
    # Resolved annotations: typing.get_type_hints would look the shared ones up in the command's module.
    typer_command.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    typer_command.__annotations__["return"] = own.return_annotation
    return typer_command
