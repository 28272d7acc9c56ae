"""How the role views stored by Sync become a response body, without parsing JSON."""

from __future__ import annotations

from mvno_shared.levels import ADMIN, RESELLER


def compose_view(customer_view: str, reseller_extra: str, admin_extra: str, rank: int) -> str:
    """The body for a reader of the given level rank.

    `customer_view` is a JSON object; the extras are comma-separated JSON members ("" when the
    account has none of those fields) that are spliced in before its closing brace.
    """
    extras = []
    if rank >= RESELLER and reseller_extra:
        extras.append(reseller_extra)
    if rank >= ADMIN and admin_extra:
        extras.append(admin_extra)
    if not extras:
        return customer_view
    separator = "," if len(customer_view) > 2 else ""
    return customer_view[:-1] + separator + ",".join(extras) + "}"
