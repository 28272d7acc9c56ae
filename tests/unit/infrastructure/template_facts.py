"""template.yaml read as the facts a reviewer checks: who may do what, on which resource.

The template itself is read by `mvno_local.template`, the one reader `make run` uses too;
intrinsics stay in their long form (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`) and the helpers here
compare against those forms.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from botocore.session import get_session

from mvno_local.paths import REPO_ROOT
from mvno_local.template import properties, template


def get_att(logical_id: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def ref(logical_id: str) -> dict[str, Any]:
    return {"Ref": logical_id}


def parameter_value(value: Any) -> Any:
    """A `Ref` to a template parameter becomes the parameter's default; anything else is returned."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = (template().get("Parameters") or {}).get(value["Ref"])
        if parameter is not None:
            return parameter.get("Default")
    return value


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Grant:
    """One action allowed on one resource by an IAM statement (conditions kept for inspection)."""

    action: str
    resource: Any
    condition: dict[str, Any]

    def allows(self, action: str) -> bool:
        """Whether this grant's action (which may hold wildcards) covers `action`."""
        return fnmatchcase(action.lower(), self.action.lower())


def statements(policy_document: dict[str, Any]) -> list[dict[str, Any]]:
    return as_list(policy_document["Statement"])


def function_role(function_id: str) -> str:
    """Logical id of the IAM role a function runs as; the function must name one explicitly."""
    role = properties(function_id)["Role"]
    assert role == get_att(role["Fn::GetAtt"][0]), f"{function_id} must run as a role defined in the template"
    role_id: str = role["Fn::GetAtt"][0]
    return role_id


def role_grants(role_id: str) -> list[Grant]:
    """Every (action, resource) an IAM role's inline policies allow.

    Fails on the constructs that would make such a list incomplete: managed policies (whose
    content is not in the template), NotAction/NotResource, and Deny statements.
    """
    role = properties(role_id)
    assert "ManagedPolicyArns" not in role, f"{role_id}: managed policies cannot be checked here"
    grants = []
    for policy in role["Policies"]:
        for statement in statements(policy["PolicyDocument"]):
            assert statement["Effect"] == "Allow", f"{role_id}: only Allow statements are expected"
            assert "NotAction" not in statement, f"{role_id}: NotAction cannot be checked here"
            assert "NotResource" not in statement, f"{role_id}: NotResource cannot be checked here"
            for action in as_list(statement["Action"]):
                for target in as_list(statement["Resource"]):
                    grants.append(Grant(action, target, statement.get("Condition", {})))
    return grants


def function_grants(function_id: str) -> list[Grant]:
    return role_grants(function_role(function_id))


@cache
def _dynamodb_operations() -> dict[str, str]:
    """botocore method name (`put_item`) -> IAM action (`dynamodb:PutItem`), from the service model."""
    from botocore import xform_name

    model = get_session().get_service_model("dynamodb")
    return {xform_name(name): f"dynamodb:{name}" for name in model.operation_names}


def dynamodb_actions_used_by(*source_dirs: str) -> set[str]:
    """The DynamoDB actions the code in these folders can call: every attribute named like a
    client operation (`client.put_item(...)`, or `client.query` passed as a callable)."""
    operations = _dynamodb_operations()
    used = set()
    for source_dir in source_dirs:
        for path in sorted((REPO_ROOT / source_dir).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
                if isinstance(node, ast.Attribute) and node.attr in operations:
                    used.add(operations[node.attr])
    return used
