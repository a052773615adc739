"""The queues repository: SQS queues and their messages, and the Lambda
event queues (asynchronous invocations waiting to run), which are queues of
the same kind with another owner.

  queues  b"Q" + queue name                 -> msgpack queue record
          b"X" + queue name                 -> [deleted at] (QueueDeletedRecently)
          b"M" + queue key + message id     -> msgpack message
          b"V" + queue key + visible at (8, ms) + sent (8, ns) + message id -> b""
          b"D" + queue key + deduplication scope -> [expires, message id, sequence number]
          b"C" + function name + b"|" + qualifier -> msgpack event invoke config
          b"T" + source queue name + b"\0" + started (8, ns) -> msgpack message move task

A queue key is b"q" + the queue's number (4 bytes) for an SQS queue and
b"f" + function name + b"\\0" for a function's event queue (names never hold
a NUL, so no key is another's prefix). The V index orders each queue's
messages by when they may next be received, then by when they were sent:
a receive range-reads it up to now, and moving a message's visibility is
one delete and one put.
"""
from __future__ import annotations

import struct
from typing import Iterator

from .codec import pack, unpack
from .interface import Handle, Store, prefix_end

_TIME = struct.Struct(">QQ")  # visible at (ms), sent (ns)


def sqs_queue_key(number: int) -> bytes:
    return b"q" + number.to_bytes(4, "big")


def event_queue_key(function_name: str) -> bytes:
    return b"f" + function_name.encode() + b"\0"


EVENT_QUEUES = b"f"  # the prefix every function's event queue key starts with


class QueueRecords:
    """Queue records by name, and the names deleted lately."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("queues")

    def get(self, txn: Handle, name: str) -> dict | None:
        raw = self._space.get(txn, b"Q" + name.encode())
        return unpack(raw) if raw is not None else None

    def all(self, txn: Handle, prefix: str = "") -> list[dict]:
        """Every queue whose name starts with prefix, by name."""
        return [unpack(value) for _, value in self._space.prefixed(txn, b"Q" + prefix.encode())]

    def put(self, txn: Handle, record: dict) -> None:
        self._space.put(txn, b"Q" + record["name"].encode(), pack(record))

    def delete(self, txn: Handle, name: str, now: float) -> None:
        self._space.delete(txn, b"Q" + name.encode())
        self._space.put(txn, b"X" + name.encode(), pack([now]))

    def deleted_at(self, txn: Handle, name: str) -> float | None:
        raw = self._space.get(txn, b"X" + name.encode())
        return unpack(raw)[0] if raw is not None else None


class Messages:
    """Messages of every queue (SQS queues and function event queues), each
    indexed by when it may next be received."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("queues")

    def get(self, txn: Handle, queue: bytes, message_id: str) -> dict | None:
        raw = self._space.get(txn, b"M" + queue + message_id.encode())
        return unpack(raw) if raw is not None else None

    def put(self, txn: Handle, queue: bytes, message: dict) -> None:
        """Store a new message (its "id", "visible" ms and "sent" ns set)."""
        self._space.put(txn, b"M" + queue + message["id"].encode(), pack(message))
        self._space.put(txn, _visibility_key(queue, message), b"")

    def update(self, txn: Handle, queue: bytes, old: dict, new: dict) -> None:
        """Replace a stored message, moving its place in the index."""
        if old["visible"] != new["visible"]:
            self._space.delete(txn, _visibility_key(queue, old))
            self._space.put(txn, _visibility_key(queue, new), b"")
        self._space.put(txn, b"M" + queue + new["id"].encode(), pack(new))

    def delete(self, txn: Handle, queue: bytes, message: dict) -> None:
        self._space.delete(txn, _visibility_key(queue, message))
        self._space.delete(txn, b"M" + queue + message["id"].encode())

    def due(self, txn: Handle, queue: bytes, now_ms: int, limit: int) -> list[str]:
        """Ids of up to `limit` messages receivable at now_ms, earliest first."""
        start = b"V" + queue
        stop = start + _TIME.pack(now_ms + 1, 0)
        found = []
        for key, _ in self._space.range(txn, start, stop):
            found.append(key[len(start) + _TIME.size:].decode())
            if len(found) >= limit:
                break
        return found

    def deduplication(self, txn: Handle, queue: bytes, scope: str) -> list | None:
        """[expires, message id, sequence number] a FIFO queue remembers
        for a deduplication id (expired entries stay until overwritten)."""
        raw = self._space.get(txn, b"D" + queue + scope.encode())
        return unpack(raw) if raw is not None else None

    def remember_deduplication(self, txn: Handle, queue: bytes, scope: str,
                               entry: list) -> None:
        self._space.put(txn, b"D" + queue + scope.encode(), pack(entry))

    def all(self, txn: Handle, queue: bytes) -> Iterator[dict]:
        for _, value in self._space.prefixed(txn, b"M" + queue):
            yield unpack(value)

    def due_in_event_queues(self, txn: Handle, now_ms: int, limit: int
                            ) -> tuple[list[tuple[str, str]], int | None]:
        """(function name, message id) of up to `limit` events due at now_ms
        across every function's event queue, and when the next of the
        others is due (ms; None: there is none). Pending events are few:
        the whole index of event queues is read."""
        start = b"V" + EVENT_QUEUES
        found, next_due = [], None
        for key, _ in self._space.range(txn, start, prefix_end(start)):
            name, _, rest = key[len(start):].partition(b"\0")
            visible, _sent = _TIME.unpack_from(rest)
            if visible <= now_ms and len(found) < limit:
                found.append((name.decode(), rest[_TIME.size:].decode()))
            elif next_due is None or visible < next_due:
                next_due = visible
        return found, next_due


def _visibility_key(queue: bytes, message: dict) -> bytes:
    return b"V" + queue + _TIME.pack(message["visible"], message["sent"]) + \
        message["id"].encode()


class EventInvokeConfigs:
    """A function's asynchronous invocation settings, per qualifier."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("queues")

    def get(self, txn: Handle, function_name: str, qualifier: str) -> dict | None:
        raw = self._space.get(txn, _config_key(function_name, qualifier))
        return unpack(raw) if raw is not None else None

    def of_function(self, txn: Handle, function_name: str) -> list[dict]:
        prefix = b"C" + function_name.encode() + b"|"
        return [unpack(value) for _, value in self._space.prefixed(txn, prefix)]

    def put(self, txn: Handle, function_name: str, qualifier: str, config: dict) -> None:
        self._space.put(txn, _config_key(function_name, qualifier), pack(config))

    def delete(self, txn: Handle, function_name: str, qualifier: str) -> bool:
        return self._space.delete(txn, _config_key(function_name, qualifier))


class MoveTasks:
    """SQS message move tasks (a dead-letter queue's redrive), by source
    queue and start time."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("queues")

    def get(self, txn: Handle, source: str, started: int) -> dict | None:
        raw = self._space.get(txn, _task_key(source, started))
        return unpack(raw) if raw is not None else None

    def of_source(self, txn: Handle, source: str) -> list[dict]:
        """A source queue's tasks, the latest first."""
        prefix = b"T" + source.encode() + b"\0"
        return [unpack(value) for _, value in self._space.prefixed(txn, prefix, reverse=True)]

    def all(self, txn: Handle) -> list[dict]:
        return [unpack(value) for _, value in self._space.prefixed(txn, b"T")]

    def put(self, txn: Handle, task: dict) -> None:
        """Store a task (its "source" name and "started" ns set)."""
        self._space.put(txn, _task_key(task["source"], task["started"]), pack(task))

    def delete(self, txn: Handle, task: dict) -> None:
        self._space.delete(txn, _task_key(task["source"], task["started"]))


def _task_key(source: str, started: int) -> bytes:
    return b"T" + source.encode() + b"\0" + started.to_bytes(8, "big")


def _config_key(function_name: str, qualifier: str) -> bytes:
    return b"C" + function_name.encode() + b"|" + qualifier.encode()
