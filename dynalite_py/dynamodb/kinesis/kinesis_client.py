"""The Kinesis client destinations are delivered with (outbound.py): on the
engine's `kinesis_endpoint` (serve --kinesis-endpoint,
DYNALITE_KINESIS_ENDPOINT) or, when that is empty, AWS's Kinesis for the
engine's region. Calls are not retried by botocore and time out quickly:
the delivery job retries with its own back-off, so an endpoint that is
down never holds the server up."""
from __future__ import annotations

from botocore.config import Config as BotoConfig

from ..outbound import outbound_client

KINESIS_TIMEOUTS = BotoConfig(connect_timeout=3, read_timeout=15, retries={"max_attempts": 1})


def kinesis_client(config):
    return outbound_client("kinesis", config.kinesis_endpoint, config.region, KINESIS_TIMEOUTS)
