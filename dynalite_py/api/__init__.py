"""The operation table: one module per DynamoDB operation.

Each module defines NAME (the operation), READ_ONLY, and
`run(engine, request) -> response`, holding the operation's semantic
validation and its execution side by side. Shape validation (types,
required members, lengths, enums) happens before `run`, derived from
botocore's service model (see validation.py).
"""
from __future__ import annotations

from functools import cache

from . import (create_table, delete_item, delete_table, describe_endpoints, describe_limits,
               describe_table, get_item, list_tables, put_item, update_table)

OPERATIONS = {module.NAME: module for module in (
    create_table, delete_item, delete_table, describe_endpoints, describe_limits,
    describe_table, get_item, list_tables, put_item, update_table,
)}


@cache
def model_operation_names() -> frozenset[str]:
    """Every operation in botocore's DynamoDB model."""
    from botocore.loaders import Loader
    model = Loader().load_service_model("dynamodb", "service-2")
    return frozenset(model["operations"])
