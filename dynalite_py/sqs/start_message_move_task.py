"""StartMessageMoveTask (SQS): redrive a dead-letter queue's messages to a
destination queue, or each back to the queue it came from (move_tasks.py
moves them in the background)."""
from __future__ import annotations

from . import move_tasks, queues
from .errors import invalid_parameter, invalid_value

NAME = "StartMessageMoveTask"
READ_ONLY = False
RATE = (1, 500)  # MaxNumberOfMessagesPerSecond's range


def run(engine, request: dict) -> dict:
    rate = request.get("MaxNumberOfMessagesPerSecond")
    if rate is not None and not RATE[0] <= rate <= RATE[1]:
        raise invalid_value(rate, "MaxNumberOfMessagesPerSecond",
                            f"Must be between {RATE[0]} and {RATE[1]}, if provided.")
    now = engine.clock()

    def start(ctx) -> dict:
        source = move_tasks.queue_of_arn(ctx.txn, engine, request["SourceArn"], "SourceArn")
        _check_is_dead_letter_queue(ctx.txn, engine, source)
        destination = request.get("DestinationArn") or None
        if destination is not None:
            _check_destination(ctx.txn, engine, source, destination)
        if any(task["status"] == move_tasks.RUNNING
               for task in engine.repos.move_tasks.of_source(ctx.txn, source["name"])):
            raise invalid_parameter("There is already a task running. Only one active task is "
                                    "allowed for a source queue arn at a given time.")
        to_move = sum(1 for _ in engine.repos.messages.all(ctx.txn, queues.message_queue(source)))
        task = move_tasks.new_task(source["name"], destination, rate, to_move, now)
        engine.repos.move_tasks.put(ctx.txn, task)
        move_tasks.keep_latest(ctx, engine, source["name"])
        return task

    task = engine.store.write(start)
    return {"TaskHandle": move_tasks.task_handle(task)}


def _check_is_dead_letter_queue(txn, engine, source: dict) -> None:
    arn = queues.queue_arn(engine.config, source["name"])
    if not any((queues.redrive_policy(record) or {}).get("deadLetterTargetArn") == arn
               for record in engine.repos.queues.all(txn)):
        raise invalid_parameter("Source queue must be configured as a Dead Letter Queue.")


def _check_destination(txn, engine, source: dict, arn: str) -> None:
    target = move_tasks.queue_of_arn(txn, engine, arn, "DestinationArn")
    if target["name"] == source["name"]:
        raise invalid_parameter("Source queue arn and destination queue arn cannot be the same.")
    if queues.is_fifo(target) != queues.is_fifo(source):
        raise invalid_parameter("The source queue and destination queue must be of the same "
                                "queue type.")
