"""ReceiveMessage (SQS): up to MaxNumberOfMessages messages, each hidden
for the visibility timeout; with WaitTimeSeconds (or the queue's
ReceiveMessageWaitTimeSeconds) a long poll that answers as soon as a
message can be received, or empty when the wait is over.

The wait is messages.poll's.
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
    received = messages.poll(engine, queue, limit, timeout, time.monotonic() + wait)
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

