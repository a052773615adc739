"""ReceiveMessage (SQS): up to MaxNumberOfMessages messages, each hidden
for the visibility timeout; with WaitTimeSeconds (or the queue's
ReceiveMessageWaitTimeSeconds) a long poll that answers as soon as a
message can be received, or empty when the wait is over.

A send in this process wakes the poll at once; a message sent by another
process or server, or one whose delay or visibility timeout ends, is found
at the next check, every Config.queue_poll_interval seconds. Each check
reads first and only receives (a write) when a message is due.
"""
from __future__ import annotations

import time

from . import messages, queues
from .errors import invalid_value

NAME = "ReceiveMessage"
READ_ONLY = False
MAX_MESSAGES = 10
MAX_WAIT = 20


def run(engine, request: dict) -> dict:
    limit = _checked(request, "MaxNumberOfMessages", 1, MAX_MESSAGES, 1,
                     f"Must be between 1 and {MAX_MESSAGES}, if provided.")
    timeout = _checked(request, "VisibilityTimeout", 0, messages.MAX_VISIBILITY, None,
                       f"Must be >= 0 and <= {messages.MAX_VISIBILITY}, if provided.")
    with engine.store.read() as txn:
        queue = queues.require(txn, engine, request["QueueUrl"])
    wait = _checked(request, "WaitTimeSeconds", 0, MAX_WAIT,
                    queues.integer_attribute(queue, "ReceiveMessageWaitTimeSeconds"),
                    f"Must be >= 0 and <= {MAX_WAIT}, if provided.")
    received = _poll(engine, queue, limit, timeout, time.monotonic() + wait)
    system_names = messages.wanted_system_attributes(request)
    wanted = messages.wanted_message_attributes(request.get("MessageAttributeNames"))
    if not received:
        return {}  # AWS leaves Messages out of an empty answer
    return {"Messages": [messages.received_message(engine, owner, message, system_names, wanted)
                         for owner, message in received]}


def _checked(request: dict, member: str, low: int, high: int, default, reason: str):
    value = request.get(member)
    if value is None:
        return default
    if not low <= value <= high:
        raise invalid_value(value, member, reason)
    return value


def _poll(engine, queue: dict, limit: int, timeout: int | None,
          deadline: float) -> list[tuple[dict, dict]]:
    key = queues.message_queue(queue)
    interval = engine.config.queue_poll_interval
    while True:
        seen = engine.queues.generation()
        now = engine.clock()
        with engine.store.read() as txn:
            due = engine.repos.messages.due(txn, key, int(now * 1000), 1)
        if due:
            received = engine.store.write(lambda ctx: messages.receive(
                ctx, engine, queue["name"], limit, timeout, now))
            if received:
                return received
        left = deadline - time.monotonic()
        if left <= 0 or engine.closing.is_set():
            return []
        engine.queues.wait_for_send(seen, min(left, interval))
