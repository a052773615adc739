"""GetResourcePolicy: the policy attached to a table or stream."""
from __future__ import annotations

from .policies import policy_not_found, target_of

NAME = "GetResourcePolicy"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        policy = target_of(engine, txn, request["ResourceArn"], write=False).policy()
    if policy is None:
        raise policy_not_found(request["ResourceArn"])
    return {"Policy": policy["Policy"], "RevisionId": policy["RevisionId"]}
