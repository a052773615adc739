"""BatchGetItem: up to 100 keys across tables, one consistent snapshot.

Items come back per table; past 16 MB of response the remaining keys are
returned as UnprocessedKeys, as DynamoDB does.
"""
from __future__ import annotations

from ...errors import validation_error
from ...expressions import check_expression_params
from ...expressions.projection import (
    check_attributes_to_get,
    parse_projection,
    project,
)
from ...model.values import validate_item, validate_key
from ...protocol.validation import ShapeRules
from ..capacity import consumed_capacity, read_units
from .items import key_of

NAME = "BatchGetItem"
READ_ONLY = True
# What DynamoDB's BatchGetItem checks beyond botocore's model (AWS captures
# 2026, us-east-1, and dynalite's declarations): member order in messages;
# more than 100 keys, or none, is reported by `run`, in a form without the
# value echo, so KeysAndAttributes.Keys has no limits here; the limits botocore
# puts on the RequestItems map itself do not apply; an empty RequestItems
# map is reported by `run` too (without the value echo, as the suite's
# batchGetItem.test.ts pins it since 2026-08).
SHAPE_RULES = ShapeRules(
    member_order={
        "BatchGetItemInput": ("ReturnConsumedCapacity", "RequestItems"),
        "KeysAndAttributes": ("Keys", "AttributesToGet", "ConsistentRead",
                              "ProjectionExpression", "ExpressionAttributeNames")},
    member_overrides={("KeysAndAttributes", "Keys"): {"min": 0, "max": 2 ** 31}},
    drop_length=frozenset(("BatchGetRequestMap",)))
MAX_KEYS = 100
MAX_RESPONSE_BYTES = 16 * 1024 * 1024


def run(engine, request: dict) -> dict:
    request_items = request["RequestItems"]
    if not request_items:
        raise validation_error("1 validation error detected: Value at 'RequestItems' failed to "
                               "satisfy constraint: Member must have length greater than or "
                               "equal to 1")
    projections = {name: check_table_request(name, entry) for name, entry in request_items.items()}
    check_one_projection_style(request_items.values())
    if sum(len(entry["Keys"]) for entry in request_items.values()) > MAX_KEYS:
        raise validation_error("Too many items requested for the BatchGetItem call")
    catalog, items = engine.catalog, engine.repos.items
    responses: dict[str, list] = {name: [] for name in request_items}
    unprocessed: dict[str, dict] = {}
    units: dict[str, float] = {}
    total = 0
    eventual = not any(entry.get("ConsistentRead") for entry in request_items.values())
    with engine.snapshot(not eventual) as txn:
        tables = {name: catalog.active(txn, name, snapshot=True) for name in request_items}
        keys = {name: checked_keys(tables[name], entry["Keys"])
                for name, entry in request_items.items()}
        for name, entry in request_items.items():
            table, consistent = tables[name], bool(entry.get("ConsistentRead"))
            for key, key_bytes in keys[name]:
                if total >= MAX_RESPONSE_BYTES or not engine.throttler.is_admitted(table, "read"):
                    unprocessed.setdefault(name, dict(entry, Keys=[]))["Keys"].append(key)
                    continue
                stored = items.read(txn, key_bytes)
                used = read_units(stored.size if stored else 0, consistent)
                engine.throttler.spend(table, "read", used)
                units[name] = units.get(name, 0.0) + used
                if stored is not None:
                    responses[name].append(project(stored.item, projections[name]))
                    total += stored.size
    response: dict = {"Responses": responses, "UnprocessedKeys": unprocessed}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        response["ConsumedCapacity"] = [consumed_capacity(mode, name, tables[name], used)
                                        for name, used in units.items()]
    return response


def check_table_request(name: str, entry: dict) -> list[str] | None:
    """Checks on one table's KeysAndAttributes; returns its projection."""
    if entry is None:  # this and the null key's wording: DynamoDB Local's InputConverter
        raise validation_error("The list of keys in RequestItems for BatchGetItem is required: "
                               f"{name} has empty list")
    keys = len(entry["Keys"])
    if keys > MAX_KEYS or not keys:
        bound = "less than or equal to 100" if keys else "greater than or equal to 1"
        raise validation_error(f"1 validation error detected: Value at 'RequestItems.{name}"
                               f".member.Keys' failed to satisfy constraint: Member must have "
                               f"length {bound}")
    check_expression_params(entry, ["ProjectionExpression"], ["AttributesToGet"])
    for key in entry["Keys"]:
        if key is None:
            raise validation_error("The list of keys in RequestItems for BatchGetItem may not "
                                   f"contain null or empty values: {name} has one or more "
                                   "empty keys")
        validate_item(key)
    check_attributes_to_get(entry.get("AttributesToGet"))
    return parse_projection(entry)


def check_one_projection_style(entries) -> None:
    """One table's ProjectionExpression beside another's AttributesToGet is
    the expression/non-expression conflict too (conformance suite,
    batchGetItem.test.ts)."""
    styles = [[name for name in ("AttributesToGet", "ProjectionExpression")
               if entry.get(name) is not None] for entry in entries]
    if any("AttributesToGet" in used for used in styles) and any(
            "ProjectionExpression" in used for used in styles):
        raise validation_error(
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet} Expression parameters: "
            "{ProjectionExpression}")


def checked_keys(table, keys: list[dict]) -> list[tuple[dict, bytes]]:
    checked, seen = [], set()
    for key in keys:
        validate_key(key, table.key_attributes)
        key_bytes = key_of(table, key)
        if key_bytes in seen:
            raise validation_error("Provided list of item keys contains duplicates")
        seen.add(key_bytes)
        checked.append((key, key_bytes))
    return checked
