"""CancelMessageMoveTask (SQS): stop a running message move task; the
messages it moved stay moved."""
from __future__ import annotations

from . import move_tasks

NAME = "CancelMessageMoveTask"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    def cancel(ctx) -> int:
        task = move_tasks.task_of_handle(ctx.txn, engine, request["TaskHandle"])
        if task["status"] != move_tasks.RUNNING:
            raise move_tasks.task_not_found()
        engine.repos.move_tasks.put(ctx.txn, dict(task, status="CANCELLED"))
        return task["moved"]

    return {"ApproximateNumberOfMessagesMoved": engine.store.write(cancel)}
