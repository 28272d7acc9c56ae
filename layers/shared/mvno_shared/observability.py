"""The one place Logger and Metrics are created. Service name and metrics namespace come from
the POWERTOOLS_* variables set in template.yaml's Globals."""

from __future__ import annotations

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics

logger = Logger()
metrics = Metrics()
