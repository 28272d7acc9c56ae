"""What `sam local` would do with template.yaml, asked of SAM CLI's own code, without Docker.

Run with the SAM CLI's interpreter (`make lint-iac` does): the routes `sam local start-api` mounts
are the contract's, and the environment `sam local invoke --env-vars events/sam-local-env.json`
gives each function points it at make run's table and emulator, as the README promises.
Exits 1 with one line per difference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.local.lambdafn.env_vars import EnvironmentVariables

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV_VARS = REPO_ROOT / "events" / "sam-local-env.json"
EXPECTED_ROUTES = {("GET", "/mvno/{accountId}", "GetAccountFunction", "2.0")}
EXPECTED = {"TABLE_NAME": "mvno-accounts", "AWS_ENDPOINT_URL_DYNAMODB": "http://host.docker.internal:4566"}


def main() -> int:
    stacks, _ = SamLocalStackProvider.get_stacks(str(REPO_ROOT / "template.yaml"))
    problems = []
    routes = {
        (method, route.path, route.function_name, route.payload_format_version)
        for api in ApiProvider(stacks).get_all()
        for route in api.routes
        for method in route.methods
    }
    if routes != EXPECTED_ROUTES:
        problems.append(f"sam local start-api would mount {sorted(routes)}, not {sorted(EXPECTED_ROUTES)}")
    overrides = json.loads(ENV_VARS.read_text(encoding="utf-8"))
    for function in SamFunctionProvider(stacks).get_all():
        variables = (function.environment or {}).get("Variables", {})
        values = {**overrides.get("Parameters", {}), **overrides.get(function.name, {})}
        resolved = EnvironmentVariables(
            function.name,
            function.memory,
            function.timeout,
            function.handler,
            variables=variables,
            override_values=values,
        ).resolve()
        for name, value in EXPECTED.items():
            if resolved.get(name) != value:
                problems.append(
                    f"{function.name}: sam local invoke would set {name}={resolved.get(name)!r}, not {value!r}"
                )
    for problem in problems:
        print(f"sam local: {problem}")
    if not problems:
        print("sam local: routes and --env-vars environment as the README says")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
