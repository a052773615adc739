"""boto3 clients for the AWS services the engine calls out to (S3 for
exports and imports, Kinesis for streaming destinations): on an endpoint
of one's own when configured, else AWS's for the engine's region.

Credentials are boto3's usual chain; an endpoint of one's own (moto,
MinIO, LocalStack) gets placeholder ones when there are none, since such
servers accept any.
"""
from __future__ import annotations

import boto3
from botocore.config import Config as BotoConfig


def outbound_client(service: str, endpoint: str, region: str, timeouts: BotoConfig):
    session = boto3.session.Session()
    credentials = {}
    if endpoint and session.get_credentials() is None:
        credentials = {"aws_access_key_id": "dynalite", "aws_secret_access_key": "dynalite"}
    return session.client(service, region_name=region, endpoint_url=endpoint or None,
                          config=timeouts, **credentials)
