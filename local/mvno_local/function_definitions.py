"""The template's functions as `make run` runs them: handler, code and layers on this machine,
environment (Globals merged), timeout, memory, and the event sources that invoke them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mvno_local import template
from mvno_local.api_definition import DefinedRoute, DefinitionError, defined_routes
from mvno_local.intrinsics import NO_VALUE, References, TemplateError, UnresolvableError
from mvno_local.paths import REPO_ROOT
from mvno_local.resources import Queue


@dataclass(frozen=True)
class SqsEventSource:
    queue: Queue
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str


@dataclass(frozen=True)
class FunctionDefinition:
    """One Lambda function as the template defines it, with its code on this machine."""

    logical_id: str
    handler: str
    code_paths: tuple[Path, ...]  # the function's CodeUri, then its layers (Python layers: ContentUri root)
    environment: dict[str, str]
    timeout_seconds: float
    memory_mb: int
    sqs_sources: tuple[SqsEventSource, ...] = ()
    http_routes: tuple[HttpRoute, ...] = ()


def read_functions(refs: References, queues: dict[str, Queue], notes: list[str]) -> list[FunctionDefinition]:
    """Every function of the template; what cannot run locally is left out with a note."""
    layers = {
        logical_id: REPO_ROOT / properties["ContentUri"]
        for logical_id, properties in template.resources_of_type(template.LAYER)
    }
    queue_by_arn = {queue.arn: queue for queue in queues.values()}
    defined = _defined_routes()
    functions = []
    for logical_id in template.logical_ids_of_type(template.FUNCTION):
        properties = template.function_properties(logical_id)
        environment: dict[str, str] = {}
        for name, value in (properties.get("Environment", {}).get("Variables") or {}).items():
            if value == NO_VALUE:  # removed, as CloudFormation does
                continue
            try:
                environment[name] = str(refs.resolve(value))
            except UnresolvableError as missing:
                notes.append(f"{logical_id}: environment variable {name} left out ({missing} has no local value)")
        layer_paths = []
        for layer in properties.get("Layers", []):
            if isinstance(layer, dict) and layer.get("Ref") in layers:
                layer_paths.append(layers[layer["Ref"]])
            else:
                notes.append(f"{logical_id}: layer {layer} left out (not built from this repository)")
        sqs_sources, routes = [], []
        for event_id, event in (properties.get("Events") or {}).items():
            event_properties = event.get("Properties", {})
            if event.get("Type") == "SQS":
                queue = queue_by_arn.get(refs.resolve(event_properties["Queue"]))
                if queue is None:
                    notes.append(f"{logical_id}: event source {event_id} left out (its queue is not local)")
                    continue
                sqs_sources.append(
                    SqsEventSource(
                        queue=queue,
                        batch_size=int(event_properties.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in event_properties.get("FunctionResponseTypes", []),
                    )
                )
            elif event.get("Type") == "HttpApi":
                routes.append(HttpRoute(event_properties.get("Method", "ANY").upper(), event_properties["Path"]))
        routes += [HttpRoute(route.method, route.path) for route in defined if route.function == logical_id]
        functions.append(
            FunctionDefinition(
                logical_id=logical_id,
                handler=properties["Handler"],
                code_paths=(REPO_ROOT / properties["CodeUri"], *layer_paths),
                environment=environment,
                timeout_seconds=float(properties.get("Timeout", 3)),
                memory_mb=int(properties.get("MemorySize", 128)),
                sqs_sources=tuple(sqs_sources),
                http_routes=tuple(routes),
            )
        )
    return functions


def _defined_routes() -> list[DefinedRoute]:
    """The routes of the HttpApis' included OpenAPI definitions, each naming a template function."""
    try:
        defined = list(defined_routes(template.template(), REPO_ROOT))
    except (DefinitionError, OSError) as error:
        raise TemplateError(f"template.yaml: HttpApi definition: {error}") from None
    functions = set(template.logical_ids_of_type(template.FUNCTION))
    for route in defined:
        if route.function not in functions:
            raise TemplateError(
                f"template.yaml: {route.api} sends {route.method} {route.path} to {route.function}, no function"
            )
    return defined
