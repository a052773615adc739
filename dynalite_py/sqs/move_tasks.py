"""SQS message move tasks: a dead-letter queue's messages redriven to a
destination queue, or each back to the queue it came from.

A task (storage/queues.py MoveTasks) is {"source" (queue name), "started"
(ns), "nonce", "status" (RUNNING, COMPLETED, CANCELLED, FAILED),
"destination" (an ARN or None: each message's own source), "rate"
(MaxNumberOfMessagesPerSecond or None), "moved", "to_move", "failure",
"progressed" (epoch seconds of the last step)}. StartMessageMoveTask only
records it; the moving is background work (`move_messages`, a step of the
sweeper, which runs under a lease), so a task survives the server that
started it and several servers on one store move its messages once. Each
step moves a batch in one write transaction, so a message is never lost or
in two queues, and a cancel between steps stops it exactly.
"""
from __future__ import annotations

import base64
import binascii
import uuid

from ..storage.interface import WriteContext
from . import queues
from .errors import SqsError, invalid_parameter

RUNNING = "RUNNING"
BATCH = 100         # messages moved per transaction
KEPT_TASKS = 10     # ListMessageMoveTasks shows a source's ten latest
UNKNOWN_ORIGIN = "The message's source queue is unknown or no longer exists."


def not_found(parameter: str) -> SqsError:
    return SqsError("ResourceNotFoundException", f"The resource that you specified for the "
                    f"{parameter} parameter doesn't exist.", status=404)


def task_not_found() -> SqsError:
    return SqsError("ResourceNotFoundException", "Task does not exist.", status=404)


def queue_of_arn(txn, engine, arn: str, parameter: str) -> dict:
    """The queue an ARN parameter names: InvalidParameterValue for what is
    no ARN, ResourceNotFoundException for no queue of this account."""
    if not arn.startswith("arn:") or len(arn.split(":", 5)) < 6:
        raise invalid_parameter(f"You must use this format to specify the {parameter}: "
                                "arn:<partition>:<service>:<region>:<account-id>:<resource-id>")
    name = queues.name_from_arn(engine.config, arn)
    record = engine.repos.queues.get(txn, name) if name else None
    if record is None:
        raise not_found(parameter)
    return record


def task_handle(task: dict) -> str:
    text = f"{task['source']}|{task['started']}|{task['nonce']}"
    return base64.b64encode(text.encode()).decode()


def task_of_handle(txn, engine, handle: str) -> dict:
    """The task a handle names, or ResourceNotFoundException."""
    try:
        source, started, nonce = base64.b64decode(handle, validate=True).decode().split("|")
        task = engine.repos.move_tasks.get(txn, source, int(started))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise task_not_found() from None
    if task is None or task["nonce"] != nonce:
        raise task_not_found()
    return task


def new_task(source: str, destination: str | None, rate: int | None, to_move: int,
             now: float) -> dict:
    return {"source": source, "started": int(now * 1e9), "nonce": uuid.uuid4().hex[:16],
            "status": RUNNING, "destination": destination, "rate": rate, "moved": 0,
            "to_move": to_move, "failure": None, "progressed": now}


def keep_latest(ctx: WriteContext, engine, source: str) -> None:
    """Forget a source's tasks beyond the KEPT_TASKS latest."""
    for task in engine.repos.move_tasks.of_source(ctx.txn, source)[KEPT_TASKS:]:
        engine.repos.move_tasks.delete(ctx.txn, task)


def described(engine, task: dict) -> dict:
    """A task as ListMessageMoveTasks shows it (a handle while it runs)."""
    shown = {"Status": task["status"],
             "SourceArn": queues.queue_arn(engine.config, task["source"]),
             "ApproximateNumberOfMessagesMoved": task["moved"],
             "ApproximateNumberOfMessagesToMove": task["to_move"],
             "StartedTimestamp": task["started"] // 10**6}
    if task["status"] == RUNNING:
        shown["TaskHandle"] = task_handle(task)
    if task["destination"]:
        shown["DestinationArn"] = task["destination"]
    if task["rate"] is not None:
        shown["MaxNumberOfMessagesPerSecond"] = task["rate"]
    if task["failure"]:
        shown["FailureReason"] = task["failure"]
    return shown


def move_messages(engine) -> None:
    """Move the messages of every running task (a sweeper step): each task
    until its source has no message to receive, a rate-limited one as many
    as its rate allows since its last step."""
    with engine.store.read() as txn:
        running = [task for task in engine.repos.move_tasks.all(txn) if task["status"] == RUNNING]
    for task in running:
        more = True
        while more:
            moved, more = engine.store.write(lambda ctx, task=task: _step(ctx, engine, task))
            if moved:
                engine.queues.notify_sent()  # long polls on the destinations


def _step(ctx: WriteContext, engine, seen: dict) -> tuple[int, bool]:
    """Move one batch of a task's messages: how many moved, and whether
    another batch is due at once."""
    repos, now = engine.repos, engine.clock()
    task = repos.move_tasks.get(ctx.txn, seen["source"], seen["started"])
    if task is None or task["status"] != RUNNING:
        return 0, False  # cancelled (or forgotten) meanwhile
    source = repos.queues.get(ctx.txn, task["source"])
    if source is None:
        repos.move_tasks.put(ctx.txn, dict(task, status="FAILED",
                                           failure="The source queue no longer exists."))
        return 0, False
    budget = BATCH if task["rate"] is None else \
        min(BATCH, int(task["rate"] * (now - task["progressed"])))
    if budget <= 0:
        return 0, False
    key, now_ms = queues.message_queue(source), int(now * 1000)
    due = repos.messages.due(ctx.txn, key, now_ms, budget)
    moved = 0
    for message_id in due:
        message = repos.messages.get(ctx.txn, key, message_id)
        target = _destination(ctx, engine, task, message)
        if target is None:
            repos.move_tasks.put(ctx.txn, dict(task, status="FAILED", failure=UNKNOWN_ORIGIN,
                                               moved=task["moved"] + moved))
            return moved, False
        repos.messages.delete(ctx.txn, key, message)
        repos.messages.put(ctx.txn, queues.message_queue(target), dict(
            message, count=0, first=None, receipt=None, source=None, visible=now_ms))
        moved += 1
    done = len(due) < budget
    repos.move_tasks.put(ctx.txn, dict(task, moved=task["moved"] + moved, progressed=now,
                                       status="COMPLETED" if done else RUNNING))
    return moved, not done and task["rate"] is None


def _destination(ctx: WriteContext, engine, task: dict, message: dict) -> dict | None:
    """The queue a message moves to: the task's destination, else the queue
    it was moved to the dead-letter queue from (None: unknown or gone)."""
    arn = task["destination"] or message["source"]
    name = queues.name_from_arn(engine.config, arn) if arn else None
    return engine.repos.queues.get(ctx.txn, name) if name else None
