"""What `make run` can be told, read once from the environment (README.md, "Run it locally")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from mvno_local.errors import StartupError

DEFAULT_REGION = "eu-west-1"


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StartupError(f"{name}={raw!r} is not a TCP port (1-65535)")
    return int(raw)


def _optional_positive(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise StartupError(f"{name}={raw!r} must be a whole number of at least 1")
    return int(raw)


@dataclass(frozen=True)
class LocalConfig:
    host: str = "127.0.0.1"
    api_port: int = 3000
    aws_port: int = 4566
    # AWS_ENDPOINT_URL: every AWS call goes there and no embedded emulator starts.
    external_endpoint: str | None = None
    # AWS_ENDPOINT_URL_DYNAMODB: the read model there. botocore gives it precedence for DynamoDB,
    # in this process and in the functions', which inherit the variable.
    dynamodb_endpoint: str | None = None
    region: str = DEFAULT_REGION
    # Local-only overrides of the template's SyncQueue settings, so that a failing event reaches
    # the DLQ in seconds rather than after maxReceiveCount receives a VisibilityTimeout apart
    # (template.yaml: half an hour).
    visibility_timeout: int | None = None
    max_receive_count: int | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> LocalConfig:
        return cls(
            api_port=_port(environ, "PORT", cls.api_port),
            aws_port=_port(environ, "AWS_PORT", cls.aws_port),
            external_endpoint=environ.get("AWS_ENDPOINT_URL") or None,
            dynamodb_endpoint=environ.get("AWS_ENDPOINT_URL_DYNAMODB") or None,
            region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            visibility_timeout=_optional_positive(environ, "LOCAL_SQS_VISIBILITY_TIMEOUT"),
            max_receive_count=_optional_positive(environ, "LOCAL_SQS_MAX_RECEIVE_COUNT"),
        )

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def aws_endpoint(self) -> str:
        return self.external_endpoint or f"http://{self.host}:{self.aws_port}"

    def endpoint_setting(self, url: str) -> tuple[str, str | None]:
        """The endpoint a request to `url` went to, and the variable that chose it (None: the embedded emulator)."""
        for endpoint, variable in (
            (self.dynamodb_endpoint, "AWS_ENDPOINT_URL_DYNAMODB"),
            (self.external_endpoint, "AWS_ENDPOINT_URL"),
        ):
            if endpoint and urlsplit(endpoint)[:2] == urlsplit(url)[:2]:
                return endpoint, variable
        return self.aws_endpoint, None
