"""The role views of an account, rendered once per change on the write side (docs/http-contract.md,
docs/read-model.md).

The read path splices the extras into the customer view (`mvno_shared.views.compose_view`) and
returns the result without parsing it, so everything the response rules ask for happens here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from account_sync.account_document import AccountDocument
from mvno_shared.secret_fields import encode_groups, secret_groups

# Fields only some levels read, by their document (alias) names, in the spec table's order.
RESELLER_FIELDS = ("notes",)
ADMIN_FIELDS = ("socs", "socsOverride", "purchaseInfo", "socLimit")


@dataclass(frozen=True)
class RenderedViews:
    customer_view: str  # what every permitted reader gets: a finished compact JSON object
    reseller_extra: str  # JSON members (no braces) RESELLER and RESELLER_ADMIN add, or ""
    admin_extra: str  # JSON members (no braces) ADMIN adds on top, or ""
    # The secret groups the customer view holds (mvno_shared.secret_fields), for the read path's
    # audit of secret reads; "" for none.
    secret_groups: str = ""


def render_views(doc: AccountDocument) -> RenderedViews:
    """Documented fields only, nulls omitted, conditional fields applied, compact JSON."""
    document = doc.model_dump(mode="json", exclude_none=True, exclude=_hidden_fields(doc))
    reseller_members = {name: document.pop(name) for name in RESELLER_FIELDS if name in document}
    admin_members = {name: document.pop(name) for name in ADMIN_FIELDS if name in document}
    return RenderedViews(
        customer_view=_compact_json(document),
        reseller_extra=_compact_json(reseller_members)[1:-1],
        admin_extra=_compact_json(admin_members)[1:-1],
        secret_groups=encode_groups(secret_groups(document)),
    )


def _hidden_fields(doc: AccountDocument) -> set[str]:
    """Fields the response rules leave out for this account (by model field name)."""
    in_pbx = doc.pbx is not None and doc.pbx > 0
    hidden = set()
    if not in_pbx:
        hidden |= {"extension", "dnd"}
    voicemail_enabled = doc.feature is not None and doc.feature.voicemail is True
    if not voicemail_enabled or doc.sip_account is not None or in_pbx:
        hidden.add("voicemail")
    return hidden


def _compact_json(members: dict[str, Any]) -> str:
    return json.dumps(members, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
