"""The two AWS CLI commands the README shows, as a stand-in `aws` for the end-to-end tests (a
machine need not have the CLI): `events put-events --entries JSON` and `sqs receive-message
--queue-url URL`, with the CLI's global `--endpoint-url` and `--region`.

Credentials come from where the CLI looks (the environment, then ~/.aws), so a README command
that gives none fails here as it fails there. Anything else the CLI would take is refused, so a
README command that this cannot run is one nobody checked.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import boto3
from botocore.exceptions import NoCredentialsError


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="aws")
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    services = parser.add_subparsers(dest="service", required=True)
    events = services.add_parser("events").add_subparsers(dest="operation", required=True)
    events.add_parser("put-events").add_argument("--entries", required=True)
    sqs = services.add_parser("sqs").add_subparsers(dest="operation", required=True)
    sqs.add_parser("receive-message").add_argument("--queue-url", required=True)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = _arguments(argv)
    session: Any = boto3.session.Session()
    client = session.client(arguments.service, endpoint_url=arguments.endpoint_url, region_name=arguments.region)
    try:
        if arguments.service == "events":
            result = client.put_events(Entries=json.loads(arguments.entries))
        else:
            result = client.receive_message(QueueUrl=arguments.queue_url)
    except NoCredentialsError:  # the CLI's words and status
        print(
            'Unable to locate credentials. You can configure credentials by running "aws configure".', file=sys.stderr
        )
        return 253
    result.pop("ResponseMetadata", None)
    print(json.dumps(result, indent=4, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
