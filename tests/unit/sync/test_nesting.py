"""The nesting depth of a change event's text, found without parsing it (account_sync.nesting)."""

from __future__ import annotations

import json

import pytest

from account_sync.nesting import TooDeep, too_deep


def objects(levels: int, inner: str = "{}") -> str:
    return '{"a":' * (levels - 1) + inner + "}" * (levels - 1)


@pytest.mark.parametrize("levels", [1, 2, 64, 65])
def test_given_nesting_up_to_the_limit_then_it_is_not_too_deep(levels: int) -> None:
    assert too_deep(objects(levels), max_depth=65) is None
    assert too_deep("[" * levels + "]" * levels, max_depth=65) is None


def test_given_one_level_past_the_limit_then_it_is_too_deep_and_names_the_member() -> None:
    text = '{"id":"e-1","detail-type":"T","resources":[],"detail":' + objects(65) + "}"
    assert too_deep(text, max_depth=65) == TooDeep(
        deep_members=["detail"], shallow={"id": "e-1", "detail-type": "T", "resources": None}
    )


def test_given_brackets_inside_strings_then_they_do_not_count() -> None:
    # Given strings full of brackets, escaped quotes and backslashes, nested once
    noisy = json.dumps({"id": 'x"{[\\', "detail": {"notes": "{" * 200 + "[" * 200, "esc": '\\"{{{'}})

    # Then
    assert too_deep(noisy, max_depth=3) is None


def test_given_a_thousand_levels_then_it_is_found_without_recursion_and_the_id_is_kept() -> None:
    text = '{"id":"e-2","detail-type":"MvnoAccountUpserted","detail":' + objects(1000) + "}"
    assert too_deep(text, max_depth=65) == TooDeep(
        deep_members=["detail"], shallow={"id": "e-2", "detail-type": "MvnoAccountUpserted"}
    )


@pytest.mark.parametrize(
    "text",
    ['{"id":"e","detail":' + "[" * 100, "[" * 100 + "]" * 100, '{"a":' + "[" * 100 + "]" * 90],
    ids=["left open", "outer array", "unbalanced"],
)
def test_given_deep_text_that_is_no_event_then_it_is_too_deep_with_nothing_to_tell(text: str) -> None:
    assert too_deep(text, max_depth=65) == TooDeep(deep_members=[], shallow={})
