"""What each change event does to the read model (docs/change-events.md). No AWS here: the
writer is injected (account_sync.store.DynamoReadModelWriter, or an in-memory fake in tests)."""

from __future__ import annotations

from datetime import datetime, timedelta

from account_sync.change_events import (
    AccountDeleted,
    AccountUpserted,
    ChangeEvent,
    CustomerDeleted,
    CustomerUpserted,
    RejectedChange,
    TokenIssued,
    TokenRevoked,
)
from account_sync.records import Outcome, ReadModelWriter
from account_sync.rendering import render_views
from mvno_shared import schema
from mvno_shared.clock import epoch_millis, epoch_seconds

# An expired token is kept a while so that its holder is told `expired` rather than
# `invalid_token`; the read path checks expiresAt itself, the TTL only keeps the table small.
_EXPIRED_TOKEN_KEPT_FOR = timedelta(days=35)
# DynamoDB refuses items over 400 KB; an account whose views come near that is refused here, with
# a path, instead of failing on every redelivery.
MAX_RENDERED_ACCOUNT_BYTES = 350_000


def _purge_time(expires_at: datetime) -> int | None:
    """When the table may forget an expired token; None (never) for "never expires" dates near 9999."""
    try:
        return epoch_seconds(expires_at + _EXPIRED_TOKEN_KEPT_FOR)
    except OverflowError:
        return None


class SyncService:
    def __init__(self, writer: ReadModelWriter, tombstone_retention: timedelta) -> None:
        self._writer = writer
        self._tombstone_retention = tombstone_retention

    def apply(self, change: ChangeEvent, now: datetime) -> Outcome:
        detail = change.detail
        if isinstance(detail, AccountUpserted):
            return self._upsert_account(detail)
        if isinstance(detail, AccountDeleted):
            return self._tombstone(schema.account_key(detail.account_id), detail.version, now)
        if isinstance(detail, CustomerUpserted):
            return self._writer.put_versioned(
                schema.customer_key(detail.customer.id),
                detail.version,
                {schema.KIND: schema.KIND_CUSTOMER, schema.CUSTOMER_PARENT_RESELLER: detail.customer.parent_reseller},
            )
        if isinstance(detail, CustomerDeleted):
            return self._tombstone(schema.customer_key(detail.customer_id), detail.version, now)
        if isinstance(detail, TokenIssued):
            return self._issue_token(detail)
        if isinstance(detail, TokenRevoked):
            # Final: no purge time, so a replayed TokenIssued can never bring the token back; a
            # second revocation of the same token is a duplicate.
            return self._writer.put_revocation(
                schema.token_key(detail.token_hash), {schema.KIND: schema.KIND_TOKEN, schema.TOKEN_REVOKED: True}
            )
        raise TypeError(f"no rule for {type(detail).__name__}")  # unreachable: DETAIL_MODELS is closed

    def _upsert_account(self, detail: AccountUpserted) -> Outcome:
        account = detail.account
        views = render_views(account)
        rendered = views.customer_view + views.reseller_extra + views.admin_extra
        if len(rendered.encode()) > MAX_RENDERED_ACCOUNT_BYTES:
            raise RejectedChange(["detail.account"])
        return self._writer.put_versioned(
            schema.account_key(account.id),
            detail.version,
            {
                schema.KIND: schema.KIND_ACCOUNT,
                schema.ACCOUNT_CUSTOMER: account.customer,
                schema.ACCOUNT_STATE: account.state,
                schema.NUMBER_ATTR: account.number,
                schema.VIEW_CUSTOMER: views.customer_view,
                schema.VIEW_RESELLER_EXTRA: views.reseller_extra,
                schema.VIEW_ADMIN_EXTRA: views.admin_extra,
                schema.ACCOUNT_SECRET_GROUPS: views.secret_groups,
            },
        )

    def _tombstone(self, key: str, version: int, now: datetime) -> Outcome:
        return self._writer.put_versioned(
            key,
            version,
            {schema.KIND: schema.KIND_TOMBSTONE, schema.PURGE_AT_ATTR: epoch_seconds(now + self._tombstone_retention)},
        )

    def _issue_token(self, detail: TokenIssued) -> Outcome:
        expires_at = detail.expires_at
        return self._writer.put_versioned_unless_revoked(
            schema.token_key(detail.token_hash),
            detail.version,
            {
                schema.KIND: schema.KIND_TOKEN,
                schema.TOKEN_EMPLOYEE: detail.employee,
                schema.TOKEN_CUSTOMER: detail.customer,
                schema.TOKEN_ACCESS_LEVEL: detail.access_level,
                schema.TOKEN_EXPIRES_AT: epoch_millis(expires_at) if expires_at else None,
                schema.PURGE_AT_ATTR: _purge_time(expires_at) if expires_at else None,
            },
        )
