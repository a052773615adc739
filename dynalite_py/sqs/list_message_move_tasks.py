"""ListMessageMoveTasks (SQS): a source queue's latest message move tasks
(up to ten), the latest first."""
from __future__ import annotations

from . import move_tasks
from .errors import invalid_value

NAME = "ListMessageMoveTasks"
READ_ONLY = True
MAX_RESULTS = 10


def run(engine, request: dict) -> dict:
    limit = request.get("MaxResults", 1)
    if not 1 <= limit <= MAX_RESULTS:
        raise invalid_value(limit, "MaxResults",
                            f"You must enter a number that's between 1 and {MAX_RESULTS}.")
    with engine.store.read() as txn:
        source = move_tasks.queue_of_arn(txn, engine, request["SourceArn"], "SourceArn")
        tasks = engine.repos.move_tasks.of_source(txn, source["name"])[:limit]
    return {"Results": [move_tasks.described(engine, task) for task in tasks]}
