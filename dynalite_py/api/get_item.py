"""GetItem: read one item by its full primary key."""
from __future__ import annotations

from ..capacity import read_units, with_capacity
from ..items import key_of, read_item
from ..model.values import validate_item, validate_key
from ..projection import (
    check_attributes_to_get,
    check_expression_params,
    check_key_paths,
    parse_projection,
    project,
)

NAME = "GetItem"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    check_expression_params(request, ["ProjectionExpression"], ["AttributesToGet"])
    validate_item(request["Key"])
    check_attributes_to_get(request.get("AttributesToGet"))
    projection = parse_projection(request)
    store = engine.store
    consistent = bool(request.get("ConsistentRead"))
    with store.read(0.0 if consistent else engine.config.consistency_lag) as txn:
        table = engine.catalog.active(txn, request["TableName"])
        engine.throttler.admit(table, "read")
        key = validate_key(request["Key"], table.key_schema, table.attribute_types)
        check_key_paths(projection, table)
        stored = read_item(txn, store, key_of(table, key))
    response = {} if stored is None else {"Item": project(stored.item, projection)}
    units = read_units(stored.size if stored else 0, consistent)
    engine.throttler.spend(table, "read", units)
    return with_capacity(response, request, table, units)
