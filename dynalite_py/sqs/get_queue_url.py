"""GetQueueUrl (SQS): the URL of a queue of this account, by name."""
from __future__ import annotations

from . import queues
from .errors import queue_does_not_exist

NAME = "GetQueueUrl"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    owner = request.get("QueueOwnerAWSAccountId")
    if owner is not None and owner != engine.config.account_id:
        raise queue_does_not_exist()
    with engine.store.read() as txn:
        if engine.repos.queues.get(txn, request["QueueName"]) is None:
            raise queue_does_not_exist()
    return {"QueueUrl": queues.queue_url(engine, request["QueueName"])}
