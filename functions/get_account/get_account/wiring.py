"""Builds the AccountReader from the settings and GetAccount's own DynamoDB client, on first use
(never at import) and once per warm Lambda (as account_sync.wiring builds the Sync service); and
the time limits of a request with that client."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import cache, lru_cache
from typing import Any

from get_account.principals import PrincipalCache
from get_account.reader import AccountReader
from get_account.reseller_tree import ResellerTree
from mvno_shared.attempt_timer import hard_limit
from mvno_shared.clock import now_epoch_millis
from mvno_shared.settings import Settings, settings_from_environment

# GetAccount's DynamoDB client, and the worst case of a GET with it (README, "Time limits").
#
# Inside a region DynamoDB answers a read in milliseconds, and a client of a read API is better
# served by a 503 it can retry than by a reply seconds late: limits of a few hundred ms.
CONNECT_TIMEOUT_S = 0.25  # TCP and TLS to the regional endpoint take tens of ms, cold
READ_TIMEOUT_S = 0.5  # any one wait for bytes of an answer
# One attempt, whole, is held to this by an interval timer (mvno_shared.attempt_timer): a read
# timeout bounds each wait, not an answer that trickles in.
ATTEMPT_LIMIT_S = CONNECT_TIMEOUT_S + READ_TIMEOUT_S
# The store retries a failed attempt once (dropped connection, timeout, 5xx, unreadable answer;
# throttling answers 503 at once), so botocore must send exactly once per attempt. In botocore
# 1.44.8 `max_attempts` counts retries after the first send (max_attempts=3 sends 4 times), while
# `total_max_attempts` counts sends: tests/unit/get_account/test_get_account_client.py shows both.
ATTEMPTS_PER_CALL = 2
BOTOCORE_RETRIES = {"mode": "standard", "total_max_attempts": 1}
# No client-side check of the request against the service model: the store builds a fixed set of
# request shapes from values it has already checked (a 24-hex id, an E.164 number, a SHA-256), and
# that check was a tenth of a warm read's CPU. DynamoDB still refuses a malformed request (a 400,
# answered 500), and tests/unit/get_account/test_get_account_client.py sends every shape through a
# validating client (docs/decisions.md).
PARAMETER_VALIDATION = False
RETRY_PAUSE_S = 0.025
# Kept back from Lambda's time left to answer after giving up: the 503, its log line, the metrics.
ANSWER_MARGIN_MS = 250
#
# Worst case of one call:     2 attempts x 0.75 s + 0.025 s pause                   = 1.525 s
# Calls of one GET, at most:  cold by id: 1 BatchGetItem (+2 rounds for unprocessed keys, after
#                             25 and 50 ms) + 8 customer GetItems (reseller walk)   = 11 calls
#                             cold by number: GetItem + Query (+pages) + 8          = 10 calls
# Without a deadline:         11 x 1.525 s + 0.075 s                                ~ 16.9 s
# With it, an attempt starts only while the time left covers its limit plus the margin (1.0 s;
# 1.025 s for a retry), so the last one ends 250 ms before the Timeout at the latest and the 503
# is written in that margin: a GET answers within Timeout - 0.25 s. GetAccountFunction's Timeout in
# template.yaml is 10 s (9.75 s at worst, under API Gateway's 30 s): a healthy cold 8-level walk
# takes tens of ms, and one where every call needs its retry (9 x ~0.8 s) still fits.


@cache
def get_account_dynamodb_client() -> Any:
    # botocore directly: boto3 adds import time and nothing the low-level client needs.
    # Endpoint and region come from the standard AWS_* variables (AWS_ENDPOINT_URL_DYNAMODB...).
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        "dynamodb",
        config=Config(
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            retries=BOTOCORE_RETRIES,
            parameter_validation=PARAMETER_VALIDATION,
        ),
    )


def new_reader(
    settings: Settings,
    client: Any,
    *,
    sleep: Callable[[float], None] = time.sleep,
    attempt_limit: Callable[[float], AbstractContextManager[None]] = hard_limit,
) -> AccountReader:
    """A reader with GetAccount's limits; tests inject the sleep and the attempt limit of a fake clock."""
    from get_account.store import CallLimits, DynamoReadModelReader

    limits = CallLimits(ATTEMPT_LIMIT_S, ATTEMPTS_PER_CALL, RETRY_PAUSE_S)
    return AccountReader(
        DynamoReadModelReader(
            client, settings.table_name, settings.number_index_name, limits, sleep=sleep, attempt_limit=attempt_limit
        ),
        PrincipalCache(settings.principal_cache_ttl_seconds, settings.principal_cache_size),
        now_ms=now_epoch_millis,
        # The same TTL as principals: a change to the tree bites as fast as a revocation.
        reseller_tree=ResellerTree(settings.principal_cache_ttl_seconds, settings.reseller_tree_cache_size),
    )


@lru_cache(maxsize=1)
def build_reader(settings: Settings, client: Any) -> AccountReader:
    """The reader (and so the principal cache) for these settings and this client. Both are cached
    per process, so a warm Lambda builds it once; whoever resets them (a test, a new instance)
    gets a fresh one."""
    return new_reader(settings, client)


def account_reader() -> AccountReader:
    return build_reader(settings_from_environment(), get_account_dynamodb_client())
