"""UntagResource (Lambda): remove tags of a function by key."""
from __future__ import annotations

from .tags import tagged_function

NAME = "UntagResource"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions = engine.functions
    removed = set(request["TagKeys"])

    def untag(ctx):
        record = tagged_function(functions, ctx.txn, request["Resource"])
        functions.put(ctx, dict(record, tags={key: value for key, value
                                              in record.get("tags", {}).items()
                                              if key not in removed}))

    engine.store.write(untag)
    return {}
