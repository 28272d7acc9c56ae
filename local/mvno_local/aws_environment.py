"""The AWS environment `make run` gives itself and the functions it starts, and the one line an
AWS call that fails during start-up becomes."""

from __future__ import annotations

from collections.abc import MutableMapping

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from mvno_local.config import LocalConfig

# The emulator takes any credentials; these are the ones the README's commands use.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def prepare_aws_environment(config: LocalConfig, environ: MutableMapping[str, str]) -> None:
    """Point this process (and so the handlers it starts) at the emulator, before any AWS client exists.

    With the embedded emulator, credentials are fake, so that nothing real is ever signed locally.
    With AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL set by the user, their credentials are kept
    (fake ones if they have none: dynalite and other emulators take any). `environ` is os.environ
    in use: botocore looks for credentials there.
    """
    environ["AWS_DEFAULT_REGION"] = environ["AWS_REGION"] = config.region
    environ["AWS_ENDPOINT_URL"] = config.aws_endpoint
    environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)  # an empty one too: botocore would take it for a URL
    if config.dynamodb_endpoint is not None:
        environ["AWS_ENDPOINT_URL_DYNAMODB"] = config.dynamodb_endpoint
    if config.external_endpoint is None and config.dynamodb_endpoint is None:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            environ.pop(name, None)
        environ.update(FAKE_CREDENTIALS)
        return
    import botocore.session

    if botocore.session.get_session().get_credentials() is None:
        environ.update(FAKE_CREDENTIALS)


def aws_failure(error: BotoCoreError | ClientError, config: LocalConfig) -> str:
    """One line for an AWS call that failed during start-up."""
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
        endpoint, variable = config.endpoint_setting(str(error.kwargs.get("endpoint_url", "")))
        if variable is None:
            return f"the embedded AWS emulator does not answer at {endpoint}"
        return f"no AWS endpoint answers at {endpoint} ({variable}): start it or unset the variable"
    what = "AWS refused a start-up call" if isinstance(error, ClientError) else "AWS SDK"
    return " ".join(f"{what}: {error}".split())
