"""GetItem: read one item by its full primary key."""
from __future__ import annotations

from ...expressions import check_expression_params
from ...expressions.projection import (
    check_attributes_to_get,
    check_key_paths,
    parse_projection,
    project,
)
from ...model.values import validate_item, validate_key
from ...protocol.validation import ShapeRules
from ..capacity import read_units, with_capacity
from .items import key_of

NAME = "GetItem"
READ_ONLY = True
# DynamoDB's member order in messages (dynalite's declarations and tests).
SHAPE_RULES = ShapeRules(member_order={"GetItemInput": (
    "ReturnConsumedCapacity", "AttributesToGet", "TableName", "Key", "ConsistentRead",
    "ProjectionExpression", "ExpressionAttributeNames")})
# a request of only these members asks for the whole item: no projection or
# expression parameters to check (most requests)
_PLAIN_MEMBERS = frozenset(("TableName", "Key", "ConsistentRead", "ReturnConsumedCapacity"))


def run(engine, request: dict) -> dict:
    if _PLAIN_MEMBERS.issuperset(request):
        validate_item(request["Key"])
        projection = None
    else:
        projection = _checked_projection(request)
    consistent = bool(request.get("ConsistentRead"))
    with engine.snapshot(consistent) as txn:
        table = engine.catalog.active(txn, request["TableName"], snapshot=True)
        engine.throttler.admit(table, "read")
        key = validate_key(request["Key"], table.key_attributes)
        if projection is not None:
            check_key_paths(projection, table)
        stored = engine.repos.items.read_decoded(txn, key_of(table, key))
    if stored is None:
        response, units = {}, read_units(0, consistent)
    else:
        size, item = stored
        response, units = {"Item": project(item, projection)}, read_units(size, consistent)
    engine.throttler.spend(table, "read", units)
    return with_capacity(response, request, table, units)


def _checked_projection(request: dict) -> list[list] | None:
    """The request's checks, in DynamoDB's order, when it may name a projection."""
    check_expression_params(request, ["ProjectionExpression"], ["AttributesToGet"])
    validate_item(request["Key"])
    check_attributes_to_get(request.get("AttributesToGet"))
    return parse_projection(request)
