"""UpdateTimeToLive: switch TTL on (indexing existing items) or off."""
from __future__ import annotations

from ...errors import validation_error
from ...protocol.validation import ShapeRules
from . import ttl
from .catalog import table_name_from

NAME = "UpdateTimeToLive"
READ_ONLY = False
# A missing TableName is reported on its own, before any aggregated error
# (dynalite's tests).
SHAPE_RULES = ShapeRules(required_parameter="TableName")


def run(engine, request: dict) -> dict:
    specification = request["TimeToLiveSpecification"]
    name = table_name_from(request["TableName"])
    catalog, repos = engine.catalog, engine.repos

    def update(ctx):
        table = catalog.require(ctx, name)
        record = dict(table.record)
        if specification["Enabled"]:
            check_not_enabled(table.ttl_attribute, specification["AttributeName"])
            record["ttl_attribute"] = specification["AttributeName"]
            ttl.build_index(ctx, repos.items, repos.expiry, table.id,
                            specification["AttributeName"])
        else:
            if table.ttl_attribute is None:
                raise validation_error("TimeToLive is already disabled")
            record.pop("ttl_attribute")
            repos.expiry.drop(ctx.txn, table.id)
        catalog.put(ctx, record)
        return {"TimeToLiveSpecification": specification}

    return engine.store.write(update)


def check_not_enabled(current: str | None, requested: str) -> None:
    """TTL is switched on once; AWS words a second time by its attribute
    (captured in us-east-1 and us-west-2, ack-api-quirks' catalogue)."""
    if current == requested:
        raise validation_error("TimeToLive is already enabled")
    if current is not None:
        raise validation_error("TimeToLive is active on a different AttributeName: current "
                               f"AttributeName is {current}")
