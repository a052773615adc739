"""DeleteResourcePolicy: remove a table's or stream's policy."""
from __future__ import annotations

from .policies import check_revision, next_revision, policy_not_found, target_of

NAME = "DeleteResourcePolicy"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    arn = request["ResourceArn"]

    def delete(ctx):
        target = target_of(engine, ctx, arn, write=True)
        current = target.policy()
        if current is None:
            raise policy_not_found(arn)
        check_revision(arn, current, request.get("ExpectedRevisionId"))
        engine.catalog.put(ctx, target.with_policy(None))
        return {"RevisionId": next_revision(current, engine.clock())}

    return engine.store.write(delete)
