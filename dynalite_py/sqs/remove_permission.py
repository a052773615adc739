"""RemovePermission (SQS): drop the statement AddPermission labelled
`Label` from a queue's policy."""
from __future__ import annotations

from . import permissions, queues

NAME = "RemovePermission"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    label, now = request["Label"], engine.clock()

    def remove(ctx) -> None:
        record = queues.require(ctx.txn, engine, request["QueueUrl"])
        policy = permissions.policy_of(engine, record)
        if label not in permissions.labels(policy):
            raise permissions.label_error(label, "can't find label on existing policy.")
        policy["Statement"] = [statement for statement in policy["Statement"]
                               if not (isinstance(statement, dict)
                                       and statement.get("Sid") == label)]
        engine.repos.queues.put(ctx.txn, permissions.with_policy(record, policy, now))

    engine.store.write(remove)
    return {}
