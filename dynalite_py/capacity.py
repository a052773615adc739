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


def consumed_capacity(mode: str | None, table_name: str, table_units: float,
                      global_indexes: dict[str, float] | None = None,
                      local_indexes: dict[str, float] | None = None) -> dict | None:
    """The ConsumedCapacity object for a request, or None when not asked for."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    total = table_units + sum((global_indexes or {}).values()) + sum((local_indexes or {}).values())
    capacity = {"TableName": table_name, "CapacityUnits": total}
    if mode == "INDEXES":
        capacity["Table"] = {"CapacityUnits": table_units}
        if global_indexes:
            capacity["GlobalSecondaryIndexes"] = {
                name: {"CapacityUnits": units} for name, units in global_indexes.items()}
        if local_indexes:
            capacity["LocalSecondaryIndexes"] = {
                name: {"CapacityUnits": units} for name, units in local_indexes.items()}
    return capacity


def with_capacity(response: dict, request: dict, table_name: str, table_units: float) -> dict:
    """Attach ConsumedCapacity to a single-table response when requested."""
    capacity = consumed_capacity(request.get("ReturnConsumedCapacity"), table_name, table_units)
    if capacity is not None:
        response["ConsumedCapacity"] = capacity
    return response
