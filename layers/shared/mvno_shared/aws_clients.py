"""AWS clients, built lazily on first use and cached for the life of a warm Lambda."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def dynamodb_client() -> Any:
    # botocore directly: boto3 adds import time and nothing the low-level client needs.
    # Endpoint and region come from the standard AWS_* variables (AWS_ENDPOINT_URL_DYNAMODB...).
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    return session.create_client(
        "dynamodb",
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=3),
    )
