"""What `make run` deploys of template.yaml: its resources on the emulator and its functions."""

from __future__ import annotations

from dataclasses import dataclass, field

from mvno_local import template
from mvno_local.function_definitions import FunctionDefinition, read_functions
from mvno_local.intrinsics import References
from mvno_local.resources import NO_OVERRIDES, Clients, Overrides, Queue, create_resources


@dataclass
class LocalDeployment:
    table_name: str
    bus_name: str
    queues: dict[str, Queue]
    functions: list[FunctionDefinition]
    rules: list[str]
    # What was left out because it only makes sense in AWS or could not be resolved.
    notes: list[str] = field(default_factory=list)

    def function(self, logical_id: str) -> FunctionDefinition:
        return next(function for function in self.functions if function.logical_id == logical_id)

    @property
    def sync_queue(self) -> Queue | None:
        """The queue an SQS event source reads (the first, if there were several)."""
        return next((source.queue for function in self.functions for source in function.sqs_sources), None)


def deploy(clients: Clients, region: str, overrides: Overrides = NO_OVERRIDES) -> LocalDeployment:
    """Create the template's resources (or reuse those that exist) and read its functions."""
    refs = References(region=region, refs=template.parameter_defaults())
    resources = create_resources(clients, refs, overrides)
    functions = read_functions(refs, resources.queues, resources.notes)
    return LocalDeployment(
        resources.table_name, resources.bus_name, resources.queues, functions, resources.rules, resources.notes
    )
