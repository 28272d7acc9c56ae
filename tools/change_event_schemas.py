"""docs/events/<DetailType>.schema.json: the JSON Schema of each change event's `detail`,
generated from the Sync function's pydantic models, so producers validate what they publish
against exactly what Sync accepts, as far as JSON Schema can say it (docs/events/README.md).

`make schemas` writes them; a test fails when they are out of date.

    PYTHONPATH=layers/shared:functions/account_sync python tools/change_event_schemas.py
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel

from account_sync.change_events import DETAIL_MODELS, MAX_DETAIL_DEPTH

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = REPO_ROOT / "docs" / "events"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_path(detail_type: str) -> Path:
    return SCHEMAS_DIR / f"{detail_type}.schema.json"


def detail_schema(detail_type: str) -> dict[str, Any]:
    """The JSON Schema of the `detail` of events of this detail-type."""
    model = DETAIL_MODELS[detail_type]
    generated = model.model_json_schema(by_alias=True, mode="validation")
    _add_alias_choices(model, generated)
    body = _without_titles(generated)
    description = (
        f"The `detail` of a `{detail_type}` change event, as the Sync function validates it. Unknown"
        " properties are ignored. Beyond this schema Sync also refuses a detail nested deeper than"
        f" {MAX_DETAIL_DEPTH} levels, a calendar date that does not exist, and (accounts) a `custom`"
        " over 4096 bytes or rendered views over 350 KB."
    )
    identity = {"$schema": DIALECT, "$id": f"{detail_type}.schema.json", "title": detail_type}
    return {**identity, "description": description, **body}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _without_titles(node: Any) -> Any:
    """pydantic titles every property after its name ("Tokenhash"): noise for a producer."""
    if isinstance(node, dict):
        return {
            key: _without_titles(value)
            for key, value in node.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_without_titles(item) for item in node]
    return node


def _add_alias_choices(model: type[BaseModel], schema: dict[str, Any]) -> None:
    """pydantic's schema names only the first of a field's accepted names; Sync accepts each
    (`sendTopUpSms` for `dataTopUpSms`...), so each gets the same schema."""
    for owner in _models_in(model):
        owner_schema = schema if owner is model else schema["$defs"][owner.__name__]
        properties = owner_schema.get("properties", {})
        for field in owner.model_fields.values():
            if isinstance(field.validation_alias, AliasChoices):
                first, *others = [str(choice) for choice in field.validation_alias.choices]
                for other in others:
                    properties.setdefault(other, properties[first])


def _models_in(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> list[type[BaseModel]]:
    seen = seen if seen is not None else set()
    if model in seen:
        return []
    seen.add(model)
    found = [model]
    for field in model.model_fields.values():
        for nested in _model_types(field.annotation):
            found += _models_in(nested, seen)
    return found


def _model_types(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in typing.get_args(annotation) for model in _model_types(argument)]


def main() -> int:
    SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
    for detail_type in DETAIL_MODELS:
        schema_path(detail_type).write_text(render(detail_schema(detail_type)), encoding="utf-8")
        print(f"wrote {schema_path(detail_type).relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
