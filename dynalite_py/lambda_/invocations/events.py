"""Each function's event queue: what Invoke with InvocationType=Event
stores, and how an event is claimed, retried and finished.

Events are messages of the function's queue in the queues keyspace
(storage/queues.py, key b"f" + name), so they survive restarts and are
shared by every server on the store. An event is {"id" (its request id),
"event", "qualifier", "enqueued" (epoch seconds), "attempts" (invocations
so far), "throttles", "sent" (ns), "visible" (ms: when it may next run),
"receipt" (the claim)}. The runner (jobs/async_invoke.py) claims a due
event by hiding it for its function's timeout and a margin, so one runner
invokes it at a time and a runner that dies leaves it to run again once
the claim lapses (at least once, as AWS delivers).
"""
from __future__ import annotations

import time
import uuid

from ...storage.queues import event_queue_key

# how long a claim outlasts the function's timeout (start-up, delivery)
CLAIM_MARGIN = 60.0


def enqueue(engine, function_name: str, event: object, qualifier: str | None = None) -> str:
    """Queue an event for a function; its request id."""
    now = engine.clock()
    message = {"id": str(uuid.uuid4()), "event": event, "qualifier": qualifier,
               "enqueued": now, "attempts": 0, "throttles": 0, "sent": time.time_ns(),
               "visible": int(now * 1000), "receipt": None}
    queue = event_queue_key(function_name)
    engine.store.write(lambda ctx: engine.repos.messages.put(ctx.txn, queue, message))
    engine.async_invoker.wake.set()
    return message["id"]


def claim(engine, function_name: str, event_id: str, hold_seconds: float) -> dict | None:
    """Take a due event for one run (None: gone, or claimed by another runner)."""
    queue = event_queue_key(function_name)
    now_ms = int(engine.clock() * 1000)

    def take(ctx) -> dict | None:
        stored = engine.repos.messages.get(ctx.txn, queue, event_id)
        if stored is None or stored["visible"] > now_ms:
            return None
        claimed = dict(stored, receipt=uuid.uuid4().hex,
                       visible=now_ms + int(hold_seconds * 1000))
        engine.repos.messages.update(ctx.txn, queue, stored, claimed)
        return claimed
    return engine.store.write(take)


def finish(engine, function_name: str, claimed: dict) -> None:
    """The event is done (delivered, or given up): remove it, if still ours."""
    _if_still_claimed(engine, function_name, claimed,
                      lambda ctx, queue, stored: engine.repos.messages.delete(ctx.txn, queue,
                                                                               stored))


def retry_later(engine, function_name: str, claimed: dict, delay: float, **counts) -> None:
    """Run the event again after `delay` seconds, with its counts updated."""
    visible = int((engine.clock() + delay) * 1000)
    _if_still_claimed(engine, function_name, claimed,
                      lambda ctx, queue, stored: engine.repos.messages.update(
                          ctx.txn, queue, stored,
                          dict(stored, visible=visible, receipt=None, **counts)))


def _if_still_claimed(engine, function_name: str, claimed: dict, change) -> None:
    queue = event_queue_key(function_name)

    def apply(ctx) -> None:
        stored = engine.repos.messages.get(ctx.txn, queue, claimed["id"])
        if stored is not None and stored["receipt"] == claimed["receipt"]:
            change(ctx, queue, stored)
    engine.store.write(apply)
