"""PutResourcePolicy: attach (or replace) a table's or stream's policy."""
from __future__ import annotations

from .policies import check_revision, next_revision, target_of, validate_policy

NAME = "PutResourcePolicy"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    arn, document = request["ResourceArn"], request["Policy"]
    validate_policy(document)

    def put(ctx):
        target = target_of(engine, ctx, arn, write=True)
        current = target.policy()
        check_revision(arn, current, request.get("ExpectedRevisionId"))
        if current is not None and current["Policy"] == document:
            return {"RevisionId": current["RevisionId"]}  # idempotent: same revision
        revision = next_revision(current, engine.clock())
        engine.catalog.put(ctx, target.with_policy({"Policy": document, "RevisionId": revision}))
        return {"RevisionId": revision}

    return engine.store.write(put)
