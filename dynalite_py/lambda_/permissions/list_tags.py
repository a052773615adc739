"""ListTags (Lambda): the tags of a function."""
from __future__ import annotations

from .tags import tagged_function

NAME = "ListTags"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        return {"Tags": tagged_function(engine.functions, txn, request["Resource"])
                .get("tags", {})}
