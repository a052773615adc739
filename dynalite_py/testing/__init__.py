"""Test-suite support: `mock_aws()` sends the DynamoDB, DynamoDB Streams and
Lambda calls of every boto3 client created without an endpoint_url to an
in-process engine (no socket), and a pytest plugin (entry point
`pytest11`) gives each test or session a fresh one as a fixture.

    with dynalite_py.mock_aws() as db:     # or @dynalite_py.mock_aws()
        boto3.client("dynamodb", region_name="us-east-1").list_tables()
"""
from .mock import mock_aws

__all__ = ["mock_aws"]
