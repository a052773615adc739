"""Consumed-capacity arithmetic and the ReturnConsumedCapacity shapes.

Units follow ../shared/spec §5: reads round item size up to 4 KB (half a
unit when eventually consistent), writes round up to 1 KB.
"""
from __future__ import annotations

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024


def read_units(size: int, consistent: bool) -> float:
    units = max(1, -(-size // READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def write_units(size: int) -> float:
    return float(max(1, -(-size // WRITE_UNIT_BYTES)))


def consumed_capacity(mode: str | None, name: str, table, table_units: float,
                      index_units: dict[str, float] | None = None,
                      vector_bytes: dict[str, int] | None = None) -> dict | None:
    """The ConsumedCapacity object for one table, or None when not asked for.

    `name` is the table name as the request gave it (DynamoDB echoes an
    ARN); `index_units` are units spent on the table's indexes by name,
    `vector_bytes` the bytes written to its vector indexes (VectorIndexes'
    VectorWriteRequestBytes, with INDEXES)."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    index_units = index_units or {}
    capacity = {"TableName": name, "CapacityUnits": table_units + sum(index_units.values())}
    if mode == "INDEXES":
        capacity["Table"] = {"CapacityUnits": table_units}
        kinds = {index.name: index.is_global for index in table.indexes}
        for field, is_global in (("GlobalSecondaryIndexes", True),
                                 ("LocalSecondaryIndexes", False)):
            touched = {index: {"CapacityUnits": units} for index, units in index_units.items()
                       if kinds[index] is is_global}
            if touched:
                capacity[field] = touched
        if vector_bytes:
            capacity["VectorIndexes"] = {index: {"VectorWriteRequestBytes": float(used)}
                                         for index, used in vector_bytes.items()}
    return capacity


def with_capacity(response: dict, request: dict, table, table_units: float,
                  index_units: dict[str, float] | None = None,
                  vector_bytes: dict[str, int] | None = None) -> dict:
    """Attach ConsumedCapacity to a single-table response when requested."""
    mode = request.get("ReturnConsumedCapacity")
    if mode is None or mode == "NONE":  # most requests: nothing to build
        return response
    capacity = consumed_capacity(mode, request["TableName"], table, table_units, index_units,
                                 vector_bytes)
    if capacity is not None:
        response["ConsumedCapacity"] = capacity
    return response
