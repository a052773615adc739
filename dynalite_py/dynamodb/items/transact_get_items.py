"""TransactGetItems: up to 100 Gets read from one consistent snapshot, at
double the read units."""
from __future__ import annotations

from ...errors import DynamoError, older_wording
from ...expressions import check_expression_params
from ...expressions.projection import parse_projection, project
from ...model.values import validate_item, validate_key
from ..capacity import read_units
from .items import key_of
from .transactions import cancelled, check_distinct, transactional_capacity

NAME = "TransactGetItems"
READ_ONLY = True


@older_wording()  # BatchWriteItem, the transactions and Scan check values in the older layer
def run(engine, request: dict) -> dict:
    gets = [action["Get"] for action in request["TransactItems"]]
    projections = []
    for get in gets:
        check_expression_params(get, ["ProjectionExpression"], [])
        validate_item(get["Key"])
        projections.append(parse_projection(get))
    items = engine.repos.items
    with engine.store.read() as txn:  # one snapshot: a consistent view across items
        tables = [engine.catalog.active(txn, get["TableName"], snapshot=True) for get in gets]
        keys = check_keys(gets, tables)
        check_distinct([(table.id, key) for table, key in zip(tables, keys)])
        for table in set(tables):
            engine.throttler.admit(table, "read")
        stored = [items.read(txn, key) for key in keys]
    units: dict[str, float] = {}
    responses = []
    for get, table, item, projection in zip(gets, tables, stored, projections):
        used = 2 * read_units(item.size if item else 0, True)
        units[get["TableName"]] = units.get(get["TableName"], 0.0) + used
        engine.throttler.spend(table, "read", used)
        responses.append({"Item": project(item.item, projection)} if item else {})
    response: dict = {"Responses": responses}
    capacity = transactional_capacity(request.get("ReturnConsumedCapacity"), units, "read")
    if capacity is not None:
        response["ConsumedCapacity"] = capacity
    return response


def check_keys(gets: list[dict], tables: list) -> list[bytes]:
    """Each Get's key; a key that does not fit its table cancels the whole
    transaction with a ValidationError reason at that position."""
    keys, reasons = [], []
    for get, table in zip(gets, tables):
        try:
            keys.append(key_of(table, validate_key(get["Key"], table.key_attributes)))
            reasons.append({"Code": "None"})
        except DynamoError as error:
            keys.append(b"")
            reasons.append({"Code": "ValidationError", "Message": error.message})
    if any(reason["Code"] != "None" for reason in reasons):
        raise cancelled(reasons)
    return keys
