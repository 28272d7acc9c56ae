"""Builds the SyncService from the settings and Sync's own DynamoDB client, on first use (never at
import) and once per warm Lambda; and the time one record may take, which the batch budgets."""

from __future__ import annotations

from datetime import timedelta
from functools import cache, lru_cache
from typing import Any

from account_sync.store import DynamoReadModelWriter, refuse_unreadable_responses
from account_sync.sync_service import SyncService
from mvno_shared.attempt_timer import PerAttemptLimit
from mvno_shared.settings import Settings, settings_from_environment

# Sync's DynamoDB client, and the worst case of one record with it (docs/decisions.md, "Sync's time budget").
#
# A PutItem inside a region answers in milliseconds; 0.5 s to connect and 1 s per read leave
# wide room and still give up on a DynamoDB that stopped answering long before the function's
# Timeout. Throttling is ridden out by the SDK a little (3 attempts) and then by SQS, which
# redelivers the record: a record that fails costs a redelivery, never the batch.
CONNECT_TIMEOUT_S = 0.5
READ_TIMEOUT_S = 1.0
# One send, whole, is held to this by an interval timer (mvno_shared.attempt_timer, armed for each
# send by account_sync.store): the read timeout bounds each wait for bytes, not an answer that
# trickles in a byte at a time, which held a record for as long as it lasted, past the batch's
# budget. The limit is per send, not per call: botocore's retries stay the policy (a send cut short
# is an HTTPClientError, retried like a read timeout, on a new connection, after the same backoff),
# so a call keeps its three chances against one sick connection. A whole-call limit would fire
# once, and botocore would retry the interrupted send with no limit left.
ATTEMPT_LIMIT_S = CONNECT_TIMEOUT_S + READ_TIMEOUT_S
TOTAL_MAX_ATTEMPTS = 3  # sends per call, the first one included (botocore's `total_max_attempts`)
CLIENT_RETRIES = {"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS}
#
# Worst case of one call, in botocore's standard retry mode (botocore/retries/standard.py):
#   each send          <= the attempt limit (connect 0.5 s + read 1.0 s fit in it) = 1.5 s
#   before retry i     <= min(1 s x 2^(i-1), 20 s) (throttling; 25 ms base for others)
#                         + 5 s if DynamoDB sent `x-amz-retry-after` (botocore's cap): 6 s, 7 s
#   one call           <= 3 x 1.5 s + 6 s + 7 s                                   = 17.5 s
# Worst case of one record:
#   <= 2 calls (the PutItem; and a GetItem of the stored version, when DynamoDB does not return
#      the old item with a failed condition: emulators only)                      = 35 s
#   + parsing, validation and rendering, milliseconds; 1 s allowed                = 36 s
# The batch starts a record only while Lambda's time left covers that plus a 2 s margin to answer
# (38 s); SyncFunction's Timeout of 60 s in template.yaml therefore always lets the first record
# of a batch start, and a batch answers at the latest 2 s before its timeout (58 s). Without the
# attempt limit these held for a DynamoDB that answers or stops, not for one that trickles: a send
# lasted as long as its answer did (a PutItem's is ~250 bytes with its headers: minutes, at a byte
# just inside the read timeout each), and Lambda timed the batch out at 60 s.
_MAX_BACKOFF_S = sum(min(2 ** (retry - 1), 20) + 5 for retry in range(1, TOTAL_MAX_ATTEMPTS))
CALL_WORST_CASE_S = TOTAL_MAX_ATTEMPTS * ATTEMPT_LIMIT_S + _MAX_BACKOFF_S
CALLS_PER_RECORD = 2
RECORD_CPU_S = 1.0
RECORD_WORST_CASE_MS = round((CALLS_PER_RECORD * CALL_WORST_CASE_S + RECORD_CPU_S) * 1000)
ANSWER_MARGIN_MS = 2000


@cache
def sync_dynamodb_client() -> Any:
    # botocore directly, as the shared client: boto3 adds import time and nothing needed here.
    # Endpoint and region come from the standard AWS_* variables (AWS_ENDPOINT_URL_DYNAMODB...).
    import botocore.session
    from botocore.config import Config

    client = botocore.session.get_session().create_client(
        "dynamodb",
        config=Config(connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S, retries=CLIENT_RETRIES),
    )
    refuse_unreadable_responses(client)
    return client


def new_service(settings: Settings, client: Any, *, attempt_limit_s: float | None = ATTEMPT_LIMIT_S) -> SyncService:
    """A service with Sync's attempt limit; tests on a loopback socket give one of their own
    (a few hundred ms), or None for the socket timeouts alone."""
    limit = PerAttemptLimit(attempt_limit_s) if attempt_limit_s is not None else None
    writer = DynamoReadModelWriter(client, settings.table_name, attempt_limit=limit)
    return SyncService(writer, timedelta(days=settings.tombstone_retention_days))


@lru_cache(maxsize=1)
def build_service(settings: Settings, client: Any) -> SyncService:
    """The service for these settings and this client. Both are cached per process, so a warm
    Lambda builds it once; whoever resets them (a test, a new instance) gets a fresh one."""
    return new_service(settings, client)


def sync_service() -> SyncService:
    return build_service(settings_from_environment(), sync_dynamodb_client())
