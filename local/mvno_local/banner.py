"""What `make run` prints once it is ready: where everything runs, the demo tokens, curl lines."""

from __future__ import annotations

from mvno_local.config import LocalConfig
from mvno_local.demo import CURL_EXAMPLES, DemoOutcome, demo_events, demo_tokens
from mvno_local.deployment import LocalDeployment

TITLE = "MVNO Account API, running locally"
READY = "Ready. Ctrl-C stops."


def banner(config: LocalConfig, deployment: LocalDeployment, demo: DemoOutcome) -> str:
    aws = (
        f"{config.aws_endpoint} (AWS_ENDPOINT_URL)"
        if config.external_endpoint
        else f"{config.aws_endpoint} (embedded moto: DynamoDB, SQS, EventBridge)"
    )
    lines = [
        "",
        TITLE,
        f"  API        {config.api_url}/mvno/{{accountId}}  (HTTP API payload 2.0 -> GetAccount)",
        f"  AWS        {aws}",
    ]
    if config.dynamodb_endpoint:
        lines.append(f"  DynamoDB   {config.dynamodb_endpoint} (AWS_ENDPOINT_URL_DYNAMODB)")
    sync_queue = deployment.sync_queue
    if sync_queue is not None:
        dlq = sync_queue.dead_letter_queue.rsplit(":", 1)[-1] if sync_queue.dead_letter_queue else "none"
        lines.append(
            f"  Events     bus {deployment.bus_name} -> rule {', '.join(deployment.rules)} -> queue "
            f"{sync_queue.name} -> Sync (visibility {sync_queue.visibility_timeout} s, "
            f"DLQ {dlq} after {sync_queue.max_receive_count} receives)"
        )
    lines.append(f"  Table      {deployment.table_name}")
    outcome = f"Sync handled them in {demo.seconds:.1f} s"
    if demo.failed:
        outcome += f", {demo.failed} failed (see the log above)"
    lines += [f"  Demo data  {demo.published} change events from events/demo/ published to the bus; {outcome}", ""]
    lines.append("Demo tokens (events/demo/ holds only their sha256):")
    for token in reversed(demo_tokens(demo_events())):
        lines.append(f"  {token.level:<15} {token.token:<20} customer {token.customer} {token.customer_name}")
    lines += ["", "Try:"]
    lines += [f"  {example.line(config.api_url)}" for example in CURL_EXAMPLES]
    lines += [
        "",
        "Publish your own change events to the bus: README.md, 'Run it locally'.",
        *(f"Note: {note}" for note in deployment.notes),
        READY,
    ]
    return "\n".join(lines)
