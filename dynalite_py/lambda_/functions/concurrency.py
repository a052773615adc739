"""Reserved concurrency: a function's limit on calls running at once, and
the account's pool it is carved from.

A call of a function with reserved concurrency holds a slot while it runs:
a record in the store (storage/lambdas.py), taken in a write transaction
that first counts the slots held, so the limit holds across server
processes and servers on one database. A slot expires after the longest
time its call can run (init, timeout, a margin), so a process that dies
mid-call does not hold it for ever.
"""
from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from typing import Iterator

from ...errors import DynamoError
from ...storage.interface import Handle

ACCOUNT_CONCURRENCY = 1000  # AWS's default ConcurrentExecutions per Region
MINIMUM_UNRESERVED = 100    # what reservations must leave to the other functions
SLOT_MARGIN = 30.0          # seconds a slot outlives its call's longest run


def throttled() -> DynamoError:
    return DynamoError("TooManyRequestsException", "Rate Exceeded.", status=429,
                       extra={"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"})


@contextmanager
def reserved_slot(engine, record: dict) -> Iterator[None]:
    """Hold one of the function's reserved slots for the block, or raise
    TooManyRequestsException if all are held."""
    slots = engine.repos.concurrency_slots
    name, limit = record["FunctionName"], record["reserved_concurrency"]
    slot_id = uuid.uuid4().hex
    lifetime = engine.config.function_init_timeout + float(record["Timeout"]) + SLOT_MARGIN

    def take(ctx) -> None:
        now = time.time()
        held, expired = [], []
        for slot in slots.of(ctx.txn, name):
            (held if slot["expires"] > now else expired).append(slot["id"])
        if len(held) >= limit:
            raise throttled()
        for expired_id in expired:
            slots.delete(ctx.txn, name, expired_id)
        slots.put(ctx.txn, name, slot_id, {"id": slot_id, "expires": now + lifetime})

    if limit == 0:
        raise throttled()
    engine.store.write(take)
    try:
        yield
    finally:
        engine.store.write(lambda ctx: slots.delete(ctx.txn, name, slot_id))


def reserved_total(functions, txn: Handle, except_name: str | None = None) -> int:
    """The concurrency reserved by every function (but `except_name`)."""
    return sum(record.get("reserved_concurrency") or 0 for record in functions.all(txn)
               if record["FunctionName"] != except_name)


def check_reservation(functions, txn: Handle, name: str, reserved: int) -> None:
    """AWS's refusal of a reservation that leaves the other functions less
    than MINIMUM_UNRESERVED."""
    if ACCOUNT_CONCURRENCY - reserved_total(functions, txn, name) - reserved \
            < MINIMUM_UNRESERVED:
        raise DynamoError("InvalidParameterValueException",
                          "Specified ReservedConcurrentExecutions for function decreases "
                          "account's UnreservedConcurrentExecution below its minimum value "
                          f"of [{MINIMUM_UNRESERVED}].")
