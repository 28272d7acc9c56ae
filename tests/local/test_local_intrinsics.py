"""The intrinsics `make run` resolves: exactly those template.yaml uses, and a loud one-line
failure for any other, so that a template it cannot read is never half-deployed."""

from __future__ import annotations

from typing import Any

import pytest

from mvno_local.intrinsics import (
    FUNCTIONS,
    PSEUDO_PARAMETERS,
    References,
    TemplateError,
    UnresolvableError,
    intrinsics_in,
)
from mvno_local.local_account import ACCOUNT_ID
from mvno_local.template import template


def test_given_the_template_when_its_intrinsics_are_listed_then_they_are_exactly_those_resolved() -> None:
    # When
    functions, pseudo_parameters = intrinsics_in(template())

    # Then: nothing the template uses fails start-up, and nothing resolved is unused. The one
    # Fn::Transform is the HttpApi's AWS::Include of its OpenAPI definition, which
    # mvno_local.api_definition reads (tests/unit/infrastructure/test_template_openapi.py).
    assert functions == FUNCTIONS | {"Fn::Transform"}
    assert pseudo_parameters == PSEUDO_PARAMETERS


def test_given_intrinsics_when_resolved_then_refs_atts_and_subs_take_local_values() -> None:
    # Given
    references = References(region="eu-west-1", refs={"Table": "mvno-accounts"})
    references.attributes["Queue", "Arn"] = f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:mvno-sync"

    # When
    resolved = references.resolve(
        {
            "name": {"Ref": "Table"},
            "queue": {"Fn::GetAtt": ["Queue", "Arn"]},
            "text": {"Fn::Sub": "${Table} in ${AWS::Region} via ${Queue.Arn}, ${!Literal}"},
            "account": [{"Ref": "AWS::AccountId"}],
        }
    )

    # Then
    assert resolved == {
        "name": "mvno-accounts",
        "queue": f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:mvno-sync",
        "text": f"mvno-accounts in eu-west-1 via arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:mvno-sync, ${{Literal}}",
        "account": [ACCOUNT_ID],
    }


@pytest.mark.parametrize("value", [{"Ref": "KmsKey"}, {"Fn::GetAtt": ["KmsKey", "Arn"]}, {"Fn::Sub": "${KmsKey.Arn}"}])
def test_given_a_reference_to_an_aws_only_resource_when_resolved_then_it_is_unresolvable(value: dict[str, Any]) -> None:
    with pytest.raises(UnresolvableError):
        References(region="eu-west-1").resolve(value)


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"Fn::If": ["IsProd", "a", "b"]}, "Fn::If"),
        ({"Fn::ImportValue": "x"}, "Fn::ImportValue"),
        ({"Fn::Join": ["-", [{"Ref": "Table"}, "x"]]}, "Fn::Join"),
        ({"Fn::Sub": ["${Name}", {"Name": "x"}]}, "Fn::Sub with a variable map"),
        ({"Ref": "AWS::NotificationARNs"}, "AWS::NotificationARNs"),
    ],
)
def test_given_an_intrinsic_the_template_does_not_use_when_resolved_then_start_up_fails_in_one_line(
    value: dict[str, Any], named: str
) -> None:
    # When
    with pytest.raises(TemplateError) as failure:
        References(region="eu-west-1", refs={"Table": "mvno-accounts"}).resolve({"Property": value})

    # Then
    message = str(failure.value)
    assert named in message
    assert "\n" not in message


@pytest.mark.parametrize("text", ["${Table", "arn:${AWS::Partition}:${Table", "${!Literal"])
def test_given_an_unterminated_sub_variable_when_resolved_then_the_template_is_rejected(text: str) -> None:
    # Given
    references = References(region="eu-west-1", refs={"Table": "mvno-accounts"})

    # When
    with pytest.raises(TemplateError) as failure:
        references.resolve({"Fn::Sub": text})

    # Then
    assert repr(text) in str(failure.value)
