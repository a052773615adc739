"""UntagResource: remove tags from a table by key (absent keys are fine)."""
from __future__ import annotations

from ...errors import validation_error
from .tagging import MAX_TAGS, TOO_MANY, check_key, table_name_of, tagged_table, tags_of

NAME = "UntagResource"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    table_name_of(engine, request.get("ResourceArn"), NAME)
    keys = request.get("TagKeys")
    if keys is None:
        raise validation_error("1 validation error detected: Value null at 'tagKeys' failed to "
                               "satisfy constraint: Member must not be null")
    if not keys:
        raise validation_error("Atleast one Tag Key needs to be provided as Input.")
    removed = {check_key(key) for key in keys}
    if len(keys) > MAX_TAGS:
        raise validation_error(TOO_MANY)

    def untag(ctx):
        table = tagged_table(ctx, engine, request, NAME, write=True)
        kept = [tag for tag in tags_of(table) if tag["Key"] not in removed]
        if len(kept) != len(tags_of(table)):
            engine.catalog.put(ctx, dict(table.record, Tags=kept))
        return {}

    return engine.store.write(untag)
