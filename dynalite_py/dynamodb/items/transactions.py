"""Shared rules of TransactGetItems and TransactWriteItems: one item once,
cancellation reasons, transactional (double) capacity, and client request
tokens."""
from __future__ import annotations

import hashlib
import json

from ...errors import DynamoError, validation_error
from ...storage.interface import WriteContext
from ...storage.tokens import RequestTokens

TOKEN_LIFETIME = 600.0  # a ClientRequestToken is remembered for 10 minutes


def cancelled(reasons: list[dict]) -> DynamoError:
    """TransactionCanceledException listing every action's outcome in order."""
    codes = ", ".join(reason["Code"] for reason in reasons)
    return DynamoError(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        extra={"CancellationReasons": reasons})


CONFLICT_MESSAGE = "Transaction is ongoing for the item"
ITEM_WRITES = frozenset(("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"))


def conflict_error(operation: str, request: object) -> DynamoError:
    """DynamoDB's answer to a write that lost to concurrent writes every time
    the store retried it (storage Conflict): an item write's
    TransactionConflictException, a transaction cancelled for a
    TransactionConflict, else a ThrottlingException; each one a client
    retries."""
    if operation == "TransactWriteItems":
        actions = request.get("TransactItems", []) if isinstance(request, dict) else []
        return cancelled([{"Code": "TransactionConflict", "Message": CONFLICT_MESSAGE}
                          for _ in actions] or [{"Code": "TransactionConflict"}])
    if operation in ITEM_WRITES:
        return DynamoError("TransactionConflictException", CONFLICT_MESSAGE)
    return DynamoError("ThrottlingException", "Rate of requests exceeds the allowed throughput.")


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


def request_digest(request: dict) -> bytes:
    """What makes two requests with one ClientRequestToken "the same"."""
    body = {name: value for name, value in request.items() if name != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).digest()


def idempotent_replay(ctx: WriteContext, tokens: RequestTokens, token: str, digest: bytes,
                      now: float) -> dict | None:
    """The answer to the first request with `token`, when it was made less
    than 10 minutes ago with the same parameters; None when it is new."""
    found = tokens.get(ctx.txn, token)
    if found is None:
        return None
    expires, first_digest, response = found
    if now >= expires:
        return None
    if first_digest != digest:
        raise DynamoError("IdempotentParameterMismatchException",
                          "The request uses the same client token as a previous, but "
                          "non-identical request.")
    return response


def remember_token(ctx: WriteContext, tokens: RequestTokens, token: str, digest: bytes,
                   response: dict, now: float) -> None:
    tokens.put(ctx.txn, token, now + TOKEN_LIFETIME, digest, response)
