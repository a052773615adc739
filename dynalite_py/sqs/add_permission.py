"""AddPermission (SQS): allow other accounts actions on a queue, as a
statement labelled `Label` in the queue's policy."""
from __future__ import annotations

from . import permissions, queues
from .errors import SqsError, invalid_value

NAME = "AddPermission"
READ_ONLY = False
MAX_ACTIONS = 7
# what a queue's owner may share (the batch forms come with their actions)
SHAREABLE = frozenset({"*", "SendMessage", "ReceiveMessage", "DeleteMessage",
                       "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl",
                       "ListDeadLetterSourceQueues", "PurgeQueue"})


def run(engine, request: dict) -> dict:
    label, accounts, actions = request["Label"], request["AWSAccountIds"], request["Actions"]
    permissions.check_label(label)
    if len(actions) > MAX_ACTIONS:
        raise SqsError("OverLimit", f"{len(actions)} Actions were found, maximum allowed is "
                                    f"{MAX_ACTIONS}.", status=403)
    if not accounts:
        raise invalid_value("[]", "PrincipalId", "Unable to verify.")
    for action in actions:
        if action not in SHAREABLE:
            raise invalid_value(f"SQS:{action}", "ActionName",
                                "Only the queue owner is allowed to invoke this action.")
    now = engine.clock()

    def add(ctx) -> None:
        record = queues.require(ctx.txn, engine, request["QueueUrl"])
        policy = permissions.policy_of(engine, record)
        if label in permissions.labels(policy):
            raise permissions.label_error(label, "Already exists.")
        principals = [f"arn:aws:iam::{account}:root" for account in accounts]
        granted = [f"SQS:{action}" for action in actions]
        policy["Statement"].append({
            "Sid": label, "Effect": "Allow",
            "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
            "Action": granted[0] if len(granted) == 1 else granted,
            "Resource": queues.queue_arn(engine.config, record["name"])})
        engine.repos.queues.put(ctx.txn, permissions.with_policy(record, policy, now))

    engine.store.write(add)
    return {}
