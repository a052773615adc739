"""Shared rules of TransactGetItems and TransactWriteItems: one item once,
cancellation reasons, and transactional (double) capacity."""
from __future__ import annotations

from .errors import DynamoError, validation_error


def cancelled(reasons: list[dict]) -> DynamoError:
    """TransactionCanceledException listing every action's outcome in order."""
    codes = ", ".join(reason["Code"] for reason in reasons)
    return DynamoError(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        extra={"CancellationReasons": reasons})


def check_distinct(keys: list[tuple[bytes, bytes]]) -> None:
    if len(set(keys)) != len(keys):
        raise validation_error("Transaction request cannot include multiple operations on one item")


def transactional_capacity(mode: str | None, units_by_table: dict[str, float], kind: str
                           ) -> list[dict] | None:
    """ConsumedCapacity for a transaction: per table, with the read or write
    units spelled out as DynamoDB does for transactional operations."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    field = "ReadCapacityUnits" if kind == "read" else "WriteCapacityUnits"
    capacity = []
    for name, units in units_by_table.items():
        entry = {"TableName": name, "CapacityUnits": units, field: units}
        if mode == "INDEXES":
            entry["Table"] = {"CapacityUnits": units, field: units}
        capacity.append(entry)
    return capacity
