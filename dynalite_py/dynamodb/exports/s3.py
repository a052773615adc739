"""The S3 client exports write with and imports read with: boto3's, on the
engine's `s3_endpoint` (serve --s3-endpoint, DYNALITE_S3_ENDPOINT) or, when
that is empty, AWS's S3 for the engine's region.

Credentials as outbound.py says. Calls are not retried and time out
quickly: an endpoint that is down fails the job (FailureMessage says why),
never the server.
"""
from __future__ import annotations

from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from ..outbound import outbound_client

S3_TIMEOUTS = BotoConfig(connect_timeout=3, read_timeout=30, retries={"max_attempts": 1},
                         s3={"addressing_style": "path"})


class S3Failure(Exception):
    """An S3 call failed: `code` and `message` become the job's FailureCode
    and FailureMessage."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def s3_client(config):
    return outbound_client("s3", config.s3_endpoint, config.region, S3_TIMEOUTS)


def s3_failure(error: Exception, config) -> S3Failure:
    """What a failed S3 call is reported as: S3's own error code and
    message, or the endpoint that could not be reached (any other error is
    not S3's and goes on up)."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        return S3Failure(detail.get("Code", "S3Error"), detail.get("Message", str(error)))
    where = config.s3_endpoint or f"AWS S3 in {config.region}"
    if isinstance(error, BotoCoreError):
        return S3Failure("S3Unavailable", f"S3 endpoint {where} failed: {error}")
    raise error
