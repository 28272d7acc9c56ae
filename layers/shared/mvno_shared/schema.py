"""Schema of the DynamoDB read model: one table, three kinds of record (docs/read-model.md).

Reader and writer both build keys and name attributes from here, so they cannot disagree.
The table itself (key schema, GSI, TTL attribute) is defined in template.yaml only.
"""

from __future__ import annotations

import hashlib

PARTITION_KEY = "pk"
# The GSI that finds accounts by number. Only live accounts carry this attribute, so tombstones,
# customers and tokens never appear in the index. Not called `number`: a reserved word in DynamoDB.
NUMBER_ATTR = "liveNumber"
# Epoch seconds; the table's TTL attribute (expires tokens and old tombstones).
PURGE_AT_ATTR = "purgeAt"

KIND = "kind"
VERSION = "version"

KIND_ACCOUNT = "account"
KIND_CUSTOMER = "customer"
KIND_TOKEN = "token"
KIND_TOMBSTONE = "tombstone"

# Account records
ACCOUNT_CUSTOMER = "customer"
ACCOUNT_STATE = "state"
# The customer-level view as a finished JSON object, and the members (JSON text without braces,
# possibly empty) that the reseller and admin levels add to it. See mvno_shared.views.
VIEW_CUSTOMER = "viewCustomer"
VIEW_RESELLER_EXTRA = "viewResellerExtra"
VIEW_ADMIN_EXTRA = "viewAdminExtra"
# The secret groups the customer view holds (mvno_shared.secret_fields), comma-separated; absent
# when it holds none, and on accounts stored before Sync wrote it (the read path then checks the
# view itself).
ACCOUNT_SECRET_GROUPS = "secretGroups"

# Customer records
CUSTOMER_PARENT_RESELLER = "parentReseller"

# Token records (keyed by sha256 of the token; the raw token is never stored)
TOKEN_EMPLOYEE = "employee"
TOKEN_CUSTOMER = "customer"
TOKEN_ACCESS_LEVEL = "accessLevel"
TOKEN_EXPIRES_AT = "expiresAt"  # epoch milliseconds; absent = never expires
TOKEN_REVOKED = "revoked"


_ACCOUNT_KEY_PREFIX = "account#"


def account_key(account_id: str) -> str:
    return f"{_ACCOUNT_KEY_PREFIX}{account_id}"


def account_id_of(key: str) -> str | None:
    """The account id an account record's key holds, or None for another kind of key."""
    return key.removeprefix(_ACCOUNT_KEY_PREFIX) if key.startswith(_ACCOUNT_KEY_PREFIX) else None


def customer_key(customer_id: str) -> str:
    return f"customer#{customer_id}"


def token_hash(token: str) -> str:
    """How the read model knows a token: its sha256 in lower-case hex (docs/http-contract.md). The
    one definition for the read path, the demo data, the tests and the bench."""
    # surrogatepass: a header carrying a lone surrogate still hashes (to a token nobody holds).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_key(token_hash: str) -> str:
    return f"token#{token_hash}"
