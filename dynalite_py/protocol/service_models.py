"""botocore's service models (shapes, operations, constraints), read once.

`Loader.load_service_model` first lists every service botocore ships
(hundreds of directories) to check the name: on a cold disk cache that
listing took over half a second of a server start. The models are read
straight from their files instead, at the API versions we implement.
"""
from __future__ import annotations

from functools import cache

API_VERSIONS = {"dynamodb": "2012-08-10", "dynamodbstreams": "2012-08-10",
                "lambda": "2015-03-31", "sqs": "2012-11-05"}


@cache
def service_model(service: str) -> dict:
    """The model of "dynamodb", "dynamodbstreams", "lambda" or "sqs"."""
    from botocore.loaders import Loader  # only when a model is first needed
    return Loader().load_data(f"{service}/{API_VERSIONS[service]}/service-2")
