"""Which view of an account a reader gets, and how the parts Sync stored become that body without
parsing JSON (docs/read-model.md)."""

from __future__ import annotations

from enum import Enum

from mvno_shared.levels import ADMIN, RESELLER


class View(Enum):
    """The three views of the spec's field table (docs/http-contract.md). Every permitted reader gets the
    customer view; RESELLER and RESELLER_ADMIN add the reseller extra (`notes`); ADMIN adds the
    admin extra (`socs`, `socsOverride`, `purchaseInfo`, `socLimit`) on top of that."""

    CUSTOMER = "customer"
    RESELLER = "reseller"
    ADMIN = "admin"

    @classmethod
    def for_rank(cls, rank: int | None) -> View:
        """The view of a level rank. A level this code does not know (None) gets the least: the
        access check denies it anyway, so the store never reads more than it could serve."""
        if rank is None or rank < RESELLER:
            return cls.CUSTOMER
        return cls.ADMIN if rank >= ADMIN else cls.RESELLER

    @property
    def has_reseller_extra(self) -> bool:
        return self is not View.CUSTOMER

    @property
    def has_admin_extra(self) -> bool:
        return self is View.ADMIN


def compose_view(customer_view: str, reseller_extra: str, admin_extra: str, view: View) -> str:
    """The body of `view`.

    `customer_view` is a JSON object; the extras are comma-separated JSON members ("" when the
    account has none of those fields) that are spliced in before its closing brace.
    """
    extras = []
    if view.has_reseller_extra and reseller_extra:
        extras.append(reseller_extra)
    if view.has_admin_extra and admin_extra:
        extras.append(admin_extra)
    if not extras:
        return customer_view
    separator = "," if len(customer_view) > 2 else ""
    return customer_view[:-1] + separator + ",".join(extras) + "}"
