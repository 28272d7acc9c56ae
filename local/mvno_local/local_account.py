"""The AWS account, stack and resource names everything `make run` creates lives under.

In AWS, CloudFormation names the resources and the account is the caller's; locally the names are
fixed, so that the README's commands and the end-to-end tests can name them.
"""

from __future__ import annotations

# moto's default account: the one in the ARNs and queue URLs the embedded emulator makes.
ACCOUNT_ID = "123456789012"
STACK_NAME = "mvno-local"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
# Local names of the template's resources, by logical id.
LOCAL_NAMES = {
    "AccountsTable": "mvno-accounts",
    "EventBus": "mvno-events",
    "SyncQueue": "mvno-sync",
    "SyncDeadLetterQueue": "mvno-sync-dlq",
    "ChangeEventArchive": "mvno-events-archive",
}
