"""How deep a JSON text nests, found without parsing it: json.loads and pydantic recurse once per
level and give up (RecursionError, or a bare "recursion limit" error) somewhere past a few hundred
levels, before the event's id and detail-type could be read for the rejection's log line."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# A JSON string (escapes included), or one bracket outside strings.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_TOO_DEEP = "\x00too deep"


@dataclass(frozen=True)
class TooDeep:
    """The top-level members of an over-nested JSON object, the deep ones replaced."""

    deep_members: list[str]  # the names of the members nested too deep
    shallow: dict[str, object]  # the other members, with every nested container as null


def too_deep(text: str, max_depth: int) -> TooDeep | None:
    """None when `text` nests at most `max_depth` containers (the outermost one counts 1).

    Otherwise what its outermost object can still tell: every member at the top level, with the
    containers below it replaced. The text is scanned once, with no recursion.
    """
    # Fast path: a text with few brackets cannot nest deeply (almost every event).
    if text.count("{") + text.count("[") <= max_depth:
        return None
    depth = deepest = 0
    deepest_inside = 0  # of the top-level member being scanned
    member_start = 0
    replaced: list[tuple[int, int, bool]] = []  # (start, end, too deep) of each top-level member's container
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "{[":
            depth += 1
            if depth == 2:
                member_start, deepest_inside = token.start(), 2
            deepest_inside = max(deepest_inside, depth)
            deepest = max(deepest, depth)
        elif bracket in "}]":
            if depth == 2:
                replaced.append((member_start, token.end(), deepest_inside > max_depth))
            depth -= 1
    if deepest <= max_depth:
        return None
    if depth != 0:  # brackets left open: not JSON, nothing more to learn from it
        return TooDeep(deep_members=[], shallow={})
    return _shallow(text, replaced)


def _shallow(text: str, replaced: list[tuple[int, int, bool]]) -> TooDeep:
    parts, last = [], 0
    for start, end, deep in replaced:
        parts += [text[last:start], json.dumps(_TOO_DEEP) if deep else "null"]
        last = end
    parts.append(text[last:])
    try:
        outer = json.loads("".join(parts))
    except ValueError:
        outer = None
    if not isinstance(outer, dict):
        return TooDeep(deep_members=[], shallow={})
    deep_members = [name for name, value in outer.items() if value == _TOO_DEEP]
    return TooDeep(deep_members, {name: value for name, value in outer.items() if value != _TOO_DEEP})
