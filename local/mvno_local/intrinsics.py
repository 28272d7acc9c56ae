"""The CloudFormation intrinsics template.yaml uses, resolved to local values.

Exactly what the template uses and no more (tests/local/test_local_intrinsics.py holds the two
sets equal): `Ref`, `Fn::GetAtt`, `Fn::Sub` in its text form, and five pseudo parameters. Any
other intrinsic fails start-up in one line: a template `make run` cannot read is not guessed at.
A reference to a resource that only exists in AWS (a KMS key) is another matter: the value that
uses it is left out, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mvno_local.errors import StartupError
from mvno_local.local_account import ACCOUNT_ID, PARTITION, STACK_NAME, URL_SUFFIX

FUNCTIONS = frozenset({"Ref", "Fn::GetAtt", "Fn::Sub"})
PSEUDO_PARAMETERS = frozenset(
    {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::URLSuffix", "AWS::NoValue"}
)
# As in CloudFormation: a property or list item whose value is this is removed.
NO_VALUE = {"Ref": "AWS::NoValue"}


class UnresolvableError(ValueError):
    """A reference to something that has no local value (a resource only AWS has)."""


class TemplateError(StartupError):
    """template.yaml holds something `make run` does not resolve, or CloudFormation would reject."""


def _unsupported(what: str) -> TemplateError:
    return TemplateError(
        f"template.yaml uses {what}, which make run does not resolve "
        f"(local/mvno_local/intrinsics.py: {', '.join(sorted(FUNCTIONS))})"
    )


@dataclass
class References:
    """Values of Ref and Fn::GetAtt for the resources created so far, and the pseudo parameters."""

    region: str
    account_id: str = ACCOUNT_ID
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": STACK_NAME,
        }
        if name in pseudo:
            return pseudo[name]
        if name.startswith("AWS::"):
            raise _unsupported(f"the pseudo parameter {name}")
        if name not in self.refs:
            raise UnresolvableError(f"Ref {name}")
        return self.refs[name]

    def get_att(self, logical_id: str, attribute: str) -> str:
        if (logical_id, attribute) not in self.attributes:
            raise UnresolvableError(f"Fn::GetAtt {logical_id}.{attribute}")
        return self.attributes[logical_id, attribute]

    def resolve(self, value: Any) -> Any:
        """The value with Ref, Fn::GetAtt and Fn::Sub replaced; UnresolvableError for a reference
        with no local value, TemplateError for any other intrinsic."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value if item != NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self.ref(argument)
            if name == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            if name == "Fn::Sub":
                return self._sub(argument)
            if name.startswith("Fn::"):
                raise _unsupported(name)
        return {key: self.resolve(item) for key, item in value.items() if item != NO_VALUE}

    def _sub(self, text: Any) -> str:
        if not isinstance(text, str):
            raise _unsupported("Fn::Sub with a variable map")

        def replace(name: str) -> str:
            if "." in name:
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        out, position = [], 0
        while (start := text.find("${", position)) >= 0:
            end = text.find("}", start)
            if end < 0:
                raise TemplateError(f"Fn::Sub {text!r}: '${{' without its closing '}}'")
            name = text[start + 2 : end]
            out.append(text[position:start])
            # ${!Literal} is how a template writes a literal ${Literal}.
            out.append(f"${{{name[1:]}}}" if name.startswith("!") else replace(name))
            position = end + 1
        out.append(text[position:])
        return "".join(out)


def intrinsics_in(value: Any) -> tuple[set[str], set[str]]:
    """The intrinsic functions and the pseudo parameters a piece of the template uses."""
    functions: set[str] = set()
    pseudo: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            if len(node) == 1:
                ((name, argument),) = node.items()
                if name == "Ref" or name.startswith("Fn::"):
                    functions.add(name)
                if name == "Ref" and str(argument).startswith("AWS::"):
                    pseudo.add(argument)
                if name == "Fn::Sub" and isinstance(argument, str):
                    pseudo.update(
                        part.split("}", 1)[0] for part in argument.split("${")[1:] if part.startswith("AWS::")
                    )
            for item in node.values():
                visit(item)

    visit(value)
    return functions, pseudo
