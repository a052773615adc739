"""DescribeGlobalTable (2017.11.29): a legacy global table's regions and
status (legacy.py)."""
from __future__ import annotations

from ...errors import DynamoError
from .legacy import group_description, legacy_group

NAME = "DescribeGlobalTable"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    name = request["GlobalTableName"]
    try:
        table = legacy_group(engine, name)
    except DynamoError as error:  # AWS's wording here adds a prefix (DDB-GLOBALTABLE-004)
        raise DynamoError(error.name, f"Global table not found: {error.message}") from None
    return {"GlobalTableDescription": group_description(engine, table)}
