"""Helpers the fidelity tests share (tests/test_fidelity_*.py): clients that
leave every check to the server (no botocore parameter validation, so
requests DynamoDB refuses reach it), tables made once per transport, and the
refusal a call gets."""
from __future__ import annotations

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from support import REGION, create_table

LOOSE = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False)
ONE = "1 validation error detected: "
INVALID = "One or more parameter values were invalid: "
NOT_VALID = "One or more parameter values are not valid. "
EMPTY_S_KEY = NOT_VALID + "The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
EMPTY_B_KEY = NOT_VALID + "The AttributeValue for a key attribute cannot contain an empty binary value. Key: pk"
SCHEMA = "The provided key element does not match the schema"

_TABLES: dict[str, dict[str, str]] = {}


def loose_client(request, server_url, embedded_db):
    if request.param == "http":
        return boto3.client("dynamodb", endpoint_url=server_url, region_name=REGION,
                            aws_access_key_id="any", aws_secret_access_key="any", config=LOOSE)
    return embedded_db.client(config=LOOSE)


def shared_tables(client) -> dict[str, str]:
    """The suite's three tables on this client's transport: `hash` (pk S),
    `hash_b` (pk B), `composite` (pk S, sk S); made on first use."""
    endpoint = client.meta.endpoint_url
    if endpoint not in _TABLES:
        _TABLES[endpoint] = {"hash": create_table(client), "hash_b": create_table(client, "B"),
                             "composite": create_table(client, "S", "S")}
    return _TABLES[endpoint]


def failure(client, operation: str, **params) -> ClientError:
    """The ClientError `operation` answers (the test fails if it succeeds)."""
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(**params)
    return caught.value


def refusal(client, operation: str, **params) -> str:
    """The message of the ValidationException `operation` answers, or
    "(accepted)" if it succeeds."""
    try:
        getattr(client, operation)(**params)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ValidationException", error.response
        return error.response["Error"]["Message"]
    return "(accepted)"

