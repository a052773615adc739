"""SQS messages: checking and sending them, receiving them under a
visibility timeout (moving those received too often to the dead-letter
queue, dropping those past retention), receipt handles, and the message
shapes ReceiveMessage answers with.

A stored message (storage/queues.py) is {"id", "body", "attributes"
(message attributes in wire form), "system" (AWSTraceHeader), "md5_body",
"md5_attributes", "md5_system", "sent" (ns), "visible" (ms: when it may next be received),
"count" (receives so far), "first" (ms of the first receive), "receipt"
(the nonce of its latest receipt handle), "source" (the queue it was moved
from, on a dead-letter queue)}. Every receive is one write transaction:
on a store shared by several servers two receivers are serialized, so a
message is received by one consumer at a time.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import time
import uuid

from ..storage.interface import WriteContext
from . import fifo, queues
from .errors import (
    SqsError,
    invalid_parameter,
    invalid_receipt_handle,
    invalid_value,
    missing_parameter,
    queue_does_not_exist,
)

MAX_ATTRIBUTES = 10
MAX_DELAY = 900
MAX_VISIBILITY = 43200
# what a message body and string attributes may hold (XML's characters)
_VALID_TEXT = re.compile("^[\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")
_INVALID_TEXT = ("Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | "
                 "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
SYSTEM_ATTRIBUTES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount",
                     "ApproximateFirstReceiveTimestamp", "AWSTraceHeader",
                     "DeadLetterQueueSourceArn", "MessageGroupId", "MessageDeduplicationId",
                     "SequenceNumber")


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def attributes_md5(attributes: dict) -> str:
    """AWS's digest of message attributes: by name, each name, type and
    value length-prefixed, the value after a transport byte (1 text, 2 binary)."""
    def prefixed(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    digest = b""
    for name in sorted(attributes):
        value = attributes[name]
        digest += prefixed(name.encode()) + prefixed(value["DataType"].encode())
        if "StringValue" in value:
            digest += b"\x01" + prefixed(value["StringValue"].encode())
        else:
            digest += b"\x02" + prefixed(_binary(value["BinaryValue"]))
    return md5(digest)


def _binary(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else base64.b64decode(value)


def checked_attributes(attributes: dict | None) -> tuple[dict, int]:
    """Message attributes as AWS accepts them, and their size in bytes."""
    attributes = attributes or {}
    if len(attributes) > MAX_ATTRIBUTES:
        raise invalid_parameter(f"Number of message attributes [{len(attributes)}] exceeds "
                                f"the allowed maximum [{MAX_ATTRIBUTES}].")
    size = 0
    for name, value in attributes.items():
        kind = value.get("DataType", "")
        base = kind.split(".", 1)[0]
        if base not in ("String", "Number", "Binary"):
            raise invalid_parameter(f"The message attribute '{name}' has an invalid message "
                                    "attribute type, the set of supported type prefixes is "
                                    "Binary, Number, and String.")
        field = "BinaryValue" if base == "Binary" else "StringValue"
        if value.get(field) is None:
            raise invalid_parameter(f"The message attribute '{name}' with type '{base}' must "
                                    f"use field '{field.removesuffix('Value')}'.")
        if base == "Number" and not _is_number(value["StringValue"]):
            raise invalid_parameter(f"Can't cast the value of message (user) attribute "
                                    f"'{name}' to a number.")
        if base != "Binary" and not _VALID_TEXT.match(value["StringValue"]):
            raise SqsError("InvalidMessageContents", _INVALID_TEXT)
        raw = _binary(value[field]) if base == "Binary" else value[field].encode()
        size += len(name.encode()) + len(kind.encode()) + len(raw)
    return {name: {"DataType": value["DataType"], _field(value): value[_field(value)]}
            for name, value in attributes.items()}, size


def _field(value: dict) -> str:
    return "BinaryValue" if value["DataType"].startswith("Binary") else "StringValue"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def new_message(request: dict, queue: dict, now: float, position: int = 0) -> dict:
    """A message to store from a SendMessage request (or a batch entry,
    `position` keeping a batch's order), checked against the queue's limits."""
    body = request.get("MessageBody")
    if not body:
        raise missing_parameter("MessageBody")
    if not _VALID_TEXT.match(body):
        raise SqsError("InvalidMessageContents", _INVALID_TEXT)
    attributes, attributes_size = checked_attributes(request.get("MessageAttributes"))
    system, _ = checked_attributes(request.get("MessageSystemAttributes"))
    limit = queues.integer_attribute(queue, "MaximumMessageSize")
    if len(body.encode()) + attributes_size > limit:
        raise invalid_parameter("One or more parameters are invalid. Reason: Message must be "
                                f"shorter than {limit} bytes.")
    ordering = {"group": None, "dedup": None, "sequence": None}
    if queues.is_fifo(queue):
        ordering.update(fifo.sending(request, queue))
    else:
        fifo.standard_sending(request)
    delay = request.get("DelaySeconds")
    if delay is None:
        delay = queues.integer_attribute(queue, "DelaySeconds")
    elif not 0 <= delay <= MAX_DELAY:
        raise invalid_value(delay, "DelaySeconds", f"DelaySeconds must be >= 0 and <= "
                                                   f"{MAX_DELAY}.")
    sent = int(now * 1e9) + position
    return {"id": str(uuid.uuid4()), "body": body, "attributes": attributes, **ordering,
            "system": system, "md5_body": md5(body.encode()),
            "md5_attributes": attributes_md5(attributes) if attributes else None,
            "md5_system": attributes_md5(system) if system else None,
            "sent": sent, "visible": int(now * 1000) + delay * 1000, "count": 0,
            "first": None, "receipt": None, "source": None}


def sent_response(message: dict) -> dict:
    """What SendMessage (and a batch entry) answers."""
    response = {"MessageId": message["id"], "MD5OfMessageBody": message["md5_body"]}
    if message["md5_attributes"]:
        response["MD5OfMessageAttributes"] = message["md5_attributes"]
    if message["md5_system"]:
        response["MD5OfMessageSystemAttributes"] = message["md5_system"]
    if message["sequence"]:
        response["SequenceNumber"] = message["sequence"]
    return response


def store_message(ctx: WriteContext, engine, queue: dict, message: dict, now: float) -> dict:
    """Store a new message; the message the answer is about (on a FIFO
    queue, an earlier one with the same deduplication id)."""
    if queues.is_fifo(queue):
        return fifo.store(ctx, engine, queue, message, now)
    engine.repos.messages.put(ctx.txn, queues.message_queue(queue), message)
    return message


def receive(ctx: WriteContext, engine, queue_name: str, limit: int,
            visibility_timeout: int | None, now: float) -> list[tuple[dict, dict]]:
    """Up to `limit` (queue, message) pairs received now, each hidden for the
    visibility timeout; messages past retention are deleted, and those
    already received maxReceiveCount times move to the dead-letter queue."""
    repos = engine.repos
    queue = repos.queues.get(ctx.txn, queue_name)
    if queue is None:
        raise queue_does_not_exist()
    key = queues.message_queue(queue)
    now_ms = int(now * 1000)
    timeout = queues.integer_attribute(queue, "VisibilityTimeout") \
        if visibility_timeout is None else visibility_timeout
    retention_ns = queues.integer_attribute(queue, "MessageRetentionPeriod") * 10**9
    policy = queues.redrive_policy(queue)
    received = []
    for message in _candidates(ctx, engine, queue, key, now_ms, limit):
        if len(received) == limit:
            break
        if message["sent"] + retention_ns <= now * 1e9:
            repos.messages.delete(ctx.txn, key, message)
        elif not (policy and message["count"] >= policy["maxReceiveCount"] and
                  _move_to_dead_letter_queue(ctx, engine, queue, message, policy, now_ms)):
            updated = dict(message, count=message["count"] + 1, receipt=uuid.uuid4().hex,
                           visible=now_ms + timeout * 1000, first=message["first"] or now_ms)
            repos.messages.update(ctx.txn, key, message, updated)
            received.append((queue, updated))
    return received


def _candidates(ctx: WriteContext, engine, queue: dict, key: bytes, now_ms: int, limit: int):
    """The messages a receive looks at, in order: a FIFO queue's by group
    rules (fifo.py), a standard queue's by when they became visible (a few
    more than wanted: some may expire or move instead)."""
    if queues.is_fifo(queue):
        return fifo.receivable(ctx.txn, engine, queue, now_ms)
    return (engine.repos.messages.get(ctx.txn, key, message_id)
            for message_id in engine.repos.messages.due(ctx.txn, key, now_ms, limit + 16))


def poll(engine, queue: dict, limit: int, timeout: int | None,
         deadline: float) -> list[tuple[dict, dict]]:
    """`receive` as soon as a message is due, or [] at the deadline
    (time.monotonic()). A send in this process wakes the wait at once; a
    message sent by another process or server, or one whose delay or
    visibility timeout ends, is found at the next check, every
    Config.queue_poll_interval seconds. Each check reads first and only
    receives (a write) when a message is due."""
    key = queues.message_queue(queue)
    while True:
        seen = engine.queues.generation()
        now = engine.clock()
        with engine.store.read() as txn:
            due = engine.repos.messages.due(txn, key, int(now * 1000), 1)
        if due:
            received = engine.store.write(lambda ctx: receive(
                ctx, engine, queue["name"], limit, timeout, now))
            if received:
                return received
        left = deadline - time.monotonic()
        if left <= 0 or engine.closing.is_set():
            return []
        engine.queues.wait_for_send(seen, min(left, engine.config.queue_poll_interval))


def _move_to_dead_letter_queue(ctx: WriteContext, engine, queue: dict, message: dict,
                               policy: dict, now_ms: int) -> bool:
    """Move a message to its queue's dead-letter queue (False if that queue
    is gone: the message stays where it is). It keeps its id, body and
    sending time, and starts with no receives."""
    repos = engine.repos
    target_name = queues.name_from_arn(engine.config, policy["deadLetterTargetArn"])
    target = repos.queues.get(ctx.txn, target_name) if target_name else None
    if target is None:
        return False
    repos.messages.delete(ctx.txn, queues.message_queue(queue), message)
    moved = dict(message, count=0, first=None, receipt=None, visible=now_ms,
                 source=queues.queue_arn(engine.config, queue["name"]))
    repos.messages.put(ctx.txn, queues.message_queue(target), moved)
    return True


def receipt_handle(queue: dict, message: dict) -> str:
    text = f"{queue['number']}|{queue['name']}|{message['id']}|{message['receipt']}"
    return base64.b64encode(text.encode()).decode()


def parse_receipt_handle(handle: str, queue: dict) -> tuple[str, str]:
    """(message id, receipt nonce) of a handle issued for `queue`, else
    ReceiptHandleIsInvalid."""
    try:
        number, name, message_id, nonce = base64.b64decode(handle, validate=True) \
            .decode().split("|")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_receipt_handle(handle) from None
    if number != str(queue["number"]) or name != queue["name"]:
        raise invalid_receipt_handle(handle)
    return message_id, nonce


def delete_by_handle(ctx: WriteContext, engine, queue: dict, handle: str) -> None:
    """Delete the message a receipt handle names. A handle of an earlier
    receive, or of a message already deleted, succeeds and deletes nothing
    (AWS: the latest handle deletes)."""
    message_id, nonce = parse_receipt_handle(handle, queue)
    key = queues.message_queue(queue)
    message = engine.repos.messages.get(ctx.txn, key, message_id)
    if message is not None and message["receipt"] == nonce:
        engine.repos.messages.delete(ctx.txn, key, message)


def change_visibility(ctx: WriteContext, engine, queue: dict, handle: str, timeout: object,
                      now: float) -> None:
    """Hide a received message for `timeout` seconds from now (0: visible again)."""
    if not isinstance(timeout, int) or not 0 <= timeout <= MAX_VISIBILITY:
        raise invalid_value(timeout, "VisibilityTimeout",
                            f"Must be >= 0 and <= {MAX_VISIBILITY}, if provided.")
    message_id, nonce = parse_receipt_handle(handle, queue)
    key = queues.message_queue(queue)
    message = engine.repos.messages.get(ctx.txn, key, message_id)
    if message is None or message["receipt"] != nonce:
        raise invalid_value(handle, "ReceiptHandle", "Message does not exist or is not "
                                                     "available for visibility timeout change.")
    now_ms = int(now * 1000)
    if message["visible"] <= now_ms:
        raise SqsError("MessageNotInflight", None)
    engine.repos.messages.update(ctx.txn, key, message,
                                 dict(message, visible=now_ms + timeout * 1000))


def wanted_system_attributes(request: dict) -> frozenset[str]:
    names = set(request.get("AttributeNames") or []) | \
        set(request.get("MessageSystemAttributeNames") or [])
    return frozenset(SYSTEM_ATTRIBUTES) if "All" in names else frozenset(names)


def wanted_message_attributes(names: list[str] | None):
    """A test of message attribute names: "All" or ".*" for every one,
    "prefix.*" for a prefix, else the names themselves."""
    names = names or []
    if "All" in names or ".*" in names:
        return lambda name: True
    prefixes = tuple(name[:-1] for name in names if name.endswith(".*"))  # "bar.*": "bar."
    exact = frozenset(names)
    return lambda name: name in exact or (bool(prefixes) and name.startswith(prefixes))


def received_message(engine, queue: dict, message: dict, system_names: frozenset[str],
                     attribute_wanted) -> dict:
    """A message as ReceiveMessage returns it."""
    shown = {"MessageId": message["id"], "ReceiptHandle": receipt_handle(queue, message),
             "MD5OfBody": message["md5_body"], "Body": message["body"]}
    system = {"SenderId": engine.config.account_id,
              "SentTimestamp": str(message["sent"] // 10**6),
              "ApproximateReceiveCount": str(message["count"]),
              "ApproximateFirstReceiveTimestamp": str(message["first"])}
    if "AWSTraceHeader" in message["system"]:
        system["AWSTraceHeader"] = message["system"]["AWSTraceHeader"]["StringValue"]
    if message["source"]:
        system["DeadLetterQueueSourceArn"] = message["source"]
    if message.get("group"):
        system.update(MessageGroupId=message["group"], MessageDeduplicationId=message["dedup"],
                      SequenceNumber=message["sequence"])
    attributes = {name: value for name, value in system.items() if name in system_names}
    if attributes:
        shown["Attributes"] = attributes
    chosen = {name: value for name, value in message["attributes"].items()
              if attribute_wanted(name)}
    if chosen:
        shown["MessageAttributes"] = chosen
        shown["MD5OfMessageAttributes"] = attributes_md5(chosen)
    return shown


def send_to_arn(engine, queue_arn: str, body: str, attributes: dict | None = None) -> bool:
    """Send a message to the queue an ARN names, for Lambda's destinations
    and dead-letter queues; False if there is no such queue."""
    name = queues.name_from_arn(engine.config, queue_arn)
    if name is None:
        return False
    now = engine.clock()

    def send(ctx: WriteContext) -> bool:
        queue = engine.repos.queues.get(ctx.txn, name)
        if queue is None:
            return False
        try:
            message = new_message({"MessageBody": body, "MessageAttributes": attributes},
                                  queue, now)
        except SqsError:  # a FIFO queue (no group to send in), a body too large
            return False
        store_message(ctx, engine, queue, message, now)
        return True

    sent = engine.store.write(send)
    if sent:
        engine.queues.notify_sent()
    return sent
