"""CreateQueue (SQS): a standard or FIFO queue with its attributes;
creating an existing queue with the same attributes returns its URL."""
from __future__ import annotations

from . import queues
from .errors import SqsError

NAME = "CreateQueue"
READ_ONLY = False
RECREATE_WAIT = 60  # seconds after DeleteQueue before the name may be used again


def run(engine, request: dict) -> dict:
    name = request["QueueName"]
    given = request.get("Attributes") or {}
    fifo = str(given.get("FifoQueue", "")).lower() == "true"
    queues.check_name(name, fifo)
    now = engine.clock()
    repos = engine.repos

    def create(ctx) -> None:
        attributes = queues.checked_attributes(ctx.txn, engine, given, fifo, creating=True)
        if not fifo:
            attributes.pop("FifoQueue", None)  # "false": a standard queue says nothing
        existing = repos.queues.get(ctx.txn, name)
        if existing is not None:
            for attribute, value in attributes.items():
                if (queues.attribute(existing, attribute) or "") != value:
                    raise SqsError("QueueNameExists", "A queue already exists with the same "
                                   f"name and a different value for attribute {attribute}")
            return
        deleted = repos.queues.deleted_at(ctx.txn, name)
        if deleted is not None and now - deleted < RECREATE_WAIT:
            raise SqsError("QueueDeletedRecently", "You must wait 60 seconds after deleting a "
                           "queue before you can create another with the same name.")
        repos.queues.put(ctx.txn, {
            "name": name, "number": engine.store.next_value(ctx.txn, b"next_queue_number"),
            "attributes": {key: value for key, value in attributes.items() if value != ""},
            "created": now, "modified": now, "tags": dict(request.get("tags") or {}),
            "purged": None})

    engine.store.write(create)
    return {"QueueUrl": queues.queue_url(engine, name)}
