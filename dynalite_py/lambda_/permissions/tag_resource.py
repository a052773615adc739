"""TagResource (Lambda): add or replace tags of a function."""
from __future__ import annotations

from .tags import check_count, tagged_function

NAME = "TagResource"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions = engine.functions

    def tag(ctx):
        record = tagged_function(functions, ctx.txn, request["Resource"])
        tags = {**record.get("tags", {}), **request["Tags"]}
        check_count(tags)
        functions.put(ctx, dict(record, tags=tags))

    engine.store.write(tag)
    return {}
