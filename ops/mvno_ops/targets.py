"""Which read model a command works on: a deployed stack (its outputs), `make run`'s emulator, or
resources named by flags (endpoints from the standard AWS_ENDPOINT_URL* variables)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.config import Config

from mvno_ops.runtime import Runtime

# The stack's outputs that name what the tool works on (template.yaml, Outputs).
STACK_OUTPUTS = {
    "table_name": "TableName",
    "queue_url": "SyncQueueUrl",
    "dlq_url": "DeadLetterQueueUrl",
    "bus_name": "EventBusName",
    "archive_name": "ChangeEventArchiveName",
}
# What each resource is called on the command line, for the errors that ask for it.
_FLAGS = {
    "table_name": "--table",
    "queue_url": "--queue-url",
    "dlq_url": "--dlq-url",
    "bus_name": "--bus",
    "archive_name": "--archive",
}
_UNKNOWN_ACCOUNT = "000000000000"


class TargetError(Exception):
    """The target cannot be used as asked (missing resource, unknown stack): a usage error, exit 2."""


@dataclass(frozen=True)
class TargetFlags:
    stack: str | None = None
    local: bool = False
    table_name: str | None = None
    queue_url: str | None = None
    dlq_url: str | None = None
    bus_name: str | None = None
    archive_name: str | None = None
    region: str | None = None


class Target:
    """Named resources and the clients that reach them (one client per service, shared by threads)."""

    def __init__(
        self,
        description: str,
        session: Any,
        resources: dict[str, str | None],
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        dynamodb_endpoint_url: str | None = None,
        queue_names: dict[str, str] | None = None,
        max_connections: int = 10,
    ) -> None:
        self.description = description
        self._session = session
        self._resources = {name: resources.get(name) for name in STACK_OUTPUTS}
        self._region = region
        # make run's emulator takes every service at one endpoint; elsewhere botocore decides
        # (AWS, or the AWS_ENDPOINT_URL* variables).
        self._endpoint_url = endpoint_url
        self._dynamodb_endpoint_url = dynamodb_endpoint_url
        # Queues known by name only (make run): their URLs are asked for when first needed.
        self._queue_names = queue_names or {}
        self._max_connections = max_connections
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                endpoint = self._dynamodb_endpoint_url if service == "dynamodb" else None
                self._clients[service] = self._session.client(
                    service,
                    region_name=self._region,
                    endpoint_url=endpoint or self._endpoint_url,
                    config=Config(
                        retries={"mode": "standard", "max_attempts": 5},
                        connect_timeout=5,
                        read_timeout=30,
                        max_pool_connections=self._max_connections,
                    ),
                )
            return self._clients[service]

    def require(self, *resources: str) -> None:
        missing = [_FLAGS[name] for name in resources if not self.has(name)]
        if missing:
            raise TargetError(f"this needs {' and '.join(missing)}: give --stack NAME, --local, or {' '.join(missing)}")

    def has(self, name: str) -> bool:
        return bool(self._resources[name] or name in self._queue_names)

    def resource(self, name: str) -> str:
        """A named resource (table_name, queue_url, dlq_url, bus_name, archive_name)."""
        self.require(name)
        value = self._resources[name]
        if value is None:
            sqs = self.client("sqs")
            value = str(sqs.get_queue_url(QueueName=self._queue_names[name])["QueueUrl"])
            self._resources[name] = value
        return value

    @property
    def table_name(self) -> str:
        return self.resource("table_name")

    @property
    def queue_url(self) -> str:
        return self.resource("queue_url")

    @property
    def dlq_url(self) -> str:
        return self.resource("dlq_url")

    @property
    def identity(self) -> str:
        """What a resumed backfill must find unchanged: where the snapshot goes."""
        named = {name: value or self._queue_names.get(name) for name, value in self._resources.items()}
        return f"{self.description}: " + ", ".join(f"{name}={value}" for name, value in named.items() if value)

    @property
    def account(self) -> str:
        """The AWS account of the queue (what EventBridge writes into an event's `account`)."""
        for name in ("queue_url", "dlq_url"):
            if self.has(name):
                parts = urlsplit(self.resource(name)).path.strip("/").split("/")
                if parts and parts[0].isdigit() and len(parts[0]) == 12:
                    return parts[0]
        return _UNKNOWN_ACCOUNT

    @property
    def region_name(self) -> str:
        return str(self.client("sqs").meta.region_name)


def resolve(flags: TargetFlags, runtime: Runtime, max_connections: int = 10) -> Target:
    """The target the flags name; explicit resource flags override what --stack or --local provide."""
    if flags.stack and flags.local:
        raise TargetError("--stack and --local exclude each other")
    named = {name: getattr(flags, name) for name in STACK_OUTPUTS if getattr(flags, name)}
    if flags.local:
        return _local(runtime, named, max_connections)
    if flags.stack:
        session = runtime.new_session()
        outputs = _stack_outputs(session, flags.stack, flags.region)
        found = {attribute: outputs.get(key) for attribute, key in STACK_OUTPUTS.items()}
        return Target(
            f"stack {flags.stack}",
            session,
            {**found, **named},
            region=flags.region,
            max_connections=max_connections,
        )
    return Target(
        "resources named by flags", runtime.new_session(), named, region=flags.region, max_connections=max_connections
    )


def _stack_outputs(session: Any, name: str, region: str | None) -> dict[str, str]:
    cloudformation = session.client("cloudformation", region_name=region)
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        raise TargetError(f"stack {name}: {error.response['Error'].get('Message', error)}") from None
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}


def _local(runtime: Runtime, named: dict[str, str], max_connections: int) -> Target:
    """make run's names and endpoint, from make run's own code (their one home)."""
    from mvno_local.aws_environment import prepare_aws_environment
    from mvno_local.config import LocalConfig
    from mvno_local.errors import StartupError
    from mvno_local.local_account import LOCAL_NAMES

    try:
        config = LocalConfig.from_environ(runtime.environ)
    except StartupError as bad:
        raise TargetError(str(bad)) from None
    # make run's rule for credentials (fake ones for the embedded emulator), applied to a copy:
    # this process's own environment stays as it is.
    environ = dict(runtime.environ)
    prepare_aws_environment(config, environ)
    session = runtime.new_session(
        aws_access_key_id=environ.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=environ.get("AWS_SESSION_TOKEN"),
        region_name=config.region,
    )
    resources = {
        "table_name": LOCAL_NAMES["AccountsTable"],
        "bus_name": LOCAL_NAMES["EventBus"],
        "archive_name": LOCAL_NAMES.get("ChangeEventArchive"),
        **named,
    }
    return Target(
        f"make run ({config.aws_endpoint})",
        session,
        resources,
        region=config.region,
        endpoint_url=config.aws_endpoint,
        dynamodb_endpoint_url=config.dynamodb_endpoint,
        queue_names={"queue_url": LOCAL_NAMES["SyncQueue"], "dlq_url": LOCAL_NAMES["SyncDeadLetterQueue"]},
        max_connections=max_connections,
    )
