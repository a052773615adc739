"""DeleteItem: remove one item by its full primary key."""
from __future__ import annotations

from ..capacity import with_capacity, write_units
from ..errors import validation_error
from ..items import key_of
from ..model.values import validate_item, validate_key
from ..projection import check_expression_params

NAME = "DeleteItem"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    check_expression_params(request, ["ConditionExpression"], ["Expected"])
    validate_item(request["Key"])
    reject_conditions(request)
    check_return_values(request)
    store, catalog = engine.store, engine.catalog
    with store.read() as txn:
        table = catalog.active(txn, request["TableName"])
    key = key_of(table, validate_key(request["Key"], table.key_schema, table.attribute_types))
    engine.throttler.admit(table, "write", table.global_index_names)

    def delete(ctx):
        return engine.items.write(ctx, catalog.confirm(ctx, table), key, None), ctx.index_units

    old, index_units = store.write(delete)
    response = {}
    if old is not None and request.get("ReturnValues") == "ALL_OLD":
        response["Attributes"] = old.item
    units = write_units(old.size if old else 0)
    engine.throttler.spend(table, "write", units, index_units)
    return with_capacity(response, request, table, units, index_units)


def check_return_values(request: dict) -> None:
    """PutItem and DeleteItem accept only NONE and ALL_OLD."""
    if request.get("ReturnValues") not in (None, "NONE", "ALL_OLD"):
        raise validation_error("ReturnValues can only be ALL_OLD or NONE")


def reject_conditions(request: dict) -> None:
    """Conditional writes arrive with the expression issue; refuse them clearly
    rather than ignore a condition the caller relies on."""
    for name in ("ConditionExpression", "Expected"):
        if request.get(name) is not None:
            raise validation_error(f"{name} is not supported by dynalite-py yet")
