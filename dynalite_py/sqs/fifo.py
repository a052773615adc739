"""FIFO queues: message groups received in order, one group's messages
held back while one of them is in flight, deduplication for five minutes
(by MessageDeduplicationId, or the body's SHA-256 with
ContentBasedDeduplication, per queue or per group as DeduplicationScope
says), and sequence numbers."""
from __future__ import annotations

import hashlib

from ..storage.interface import Handle, WriteContext
from . import queues
from .errors import invalid_parameter, invalid_value, missing_parameter

DEDUPLICATION_WINDOW = 300  # seconds a deduplication id is remembered
NOT_FOR_THIS_QUEUE = "The request include parameter that is not valid for this queue type."


def sending(request: dict, queue: dict) -> dict:
    """The FIFO fields of a message to send ("group", "dedup"), checked."""
    if request.get("DelaySeconds") is not None:
        raise invalid_value(request["DelaySeconds"], "DelaySeconds", NOT_FOR_THIS_QUEUE)
    group = request.get("MessageGroupId")
    if not group:
        raise missing_parameter("MessageGroupId")
    dedup = request.get("MessageDeduplicationId")
    if dedup is None:
        if queues.attribute(queue, "ContentBasedDeduplication") != "true":
            raise invalid_parameter("The queue should either have ContentBasedDeduplication "
                                    "enabled or MessageDeduplicationId provided explicitly")
        dedup = hashlib.sha256(request["MessageBody"].encode()).hexdigest()
    return {"group": group, "dedup": dedup}


def standard_sending(request: dict) -> None:
    """A standard queue takes no deduplication id."""
    if request.get("MessageDeduplicationId") is not None:
        raise invalid_value(request["MessageDeduplicationId"], "MessageDeduplicationId",
                            NOT_FOR_THIS_QUEUE)


def store(ctx: WriteContext, engine, queue: dict, message: dict, now: float) -> dict:
    """Store a FIFO message with its sequence number, unless its
    deduplication id was sent in the last five minutes: then the message
    sent with it (whose id and sequence number the answer repeats)."""
    repos, key = engine.repos, queues.message_queue(queue)
    scope = message["dedup"] if queues.attribute(queue, "DeduplicationScope") == "queue" \
        else f"{message['group']}\0{message['dedup']}"
    earlier = repos.messages.deduplication(ctx.txn, key, scope)
    if earlier is not None and earlier[0] > now:
        return dict(message, id=earlier[1], sequence=earlier[2])
    number = engine.store.next_value(ctx.txn, b"sqs-sequence:" + key)
    stored = dict(message, sequence=f"{number:020d}")
    repos.messages.put(ctx.txn, key, stored)
    repos.messages.remember_deduplication(ctx.txn, key, scope, [
        now + DEDUPLICATION_WINDOW, stored["id"], stored["sequence"]])
    return stored


def receivable(txn: Handle, engine, queue: dict, now_ms: int) -> list[dict]:
    """The messages a receive may take now, in sending order, without those
    of a group that has a message in flight."""
    repos, key = engine.repos, queues.message_queue(queue)
    busy = {message["group"] for message in repos.messages.all(txn, key)
            if message["visible"] > now_ms and message["count"]}
    due = (repos.messages.get(txn, key, message_id)
           for message_id in repos.messages.due(txn, key, now_ms, 10**9))
    return sorted((message for message in due if message["group"] not in busy),
                  key=lambda message: message["sent"])
