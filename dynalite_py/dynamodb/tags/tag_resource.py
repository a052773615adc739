"""TagResource: add or overwrite tags on a table (all or nothing)."""
from __future__ import annotations

from ...errors import validation_error
from .tagging import MAX_TAGS, TOO_MANY, check_tags, table_name_of, tagged_table, tags_of

NAME = "TagResource"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    table_name_of(engine, request.get("ResourceArn"), NAME)
    tags = request.get("Tags")
    if tags is None:
        raise validation_error("1 validation error detected: Value null at 'tags' failed to "
                               "satisfy constraint: Member must not be null")
    if not tags:
        raise validation_error("Atleast one Tag needs to be provided as Input.")
    added = check_tags(tags)

    def tag(ctx):
        table = tagged_table(ctx, engine, request, NAME, write=True)
        merged = {tag["Key"]: tag["Value"] for tag in tags_of(table)}
        if all(merged.get(key) == value for key, value in added.items()):
            return {}  # nothing changes: no catalog write
        merged.update(added)
        if len(merged) > MAX_TAGS:
            raise validation_error(TOO_MANY)
        engine.catalog.put(ctx, dict(table.record, Tags=[
            {"Key": key, "Value": value} for key, value in merged.items()]))
        return {}

    return engine.store.write(tag)
