"""Vector index definitions: CreateTable's VectorIndexes, UpdateTable's
VectorIndexUpdates (Create, Delete) and DescribeTable's VectorIndexes.

A definition is kept in the table record as the request gave it, with the
index's number (its entries' id) and its status. One created by CreateTable
is ACTIVE at once (the table is empty); one created by UpdateTable is
CREATING with Backfilling=true until the backfill (jobs/backfill.py) has
indexed the items already there. Deleting one removes its entries in the
same commit. Rules and messages from the Developer Guide's "Creating and
searching vector indexes", "Requirements and limitations" and
"Troubleshooting vector indexes" pages.
"""
from __future__ import annotations

from ...errors import invalid_parameter, resource_not_found, validation_error
from ...storage.catalog import INDEX_NUMBERS
from ...storage.interface import Handle, WriteContext
from ...storage.items import Counts, index_counts_key
from .vector_index import VectorIndex

ON_DEMAND_ONLY = ("Vector indexes are supported only on tables that use on-demand "
                  "capacity mode (BillingMode PAY_PER_REQUEST)")
NOT_DEFINED = "One element in SearchSchema is not defined in attribute definitions"


def vector_indexes_of(record: dict, table_key_names: tuple[str, ...],
                      attribute_types: dict[str, str]) -> tuple[VectorIndex, ...]:
    """The table's vector indexes, as item writes maintain them."""
    return tuple(VectorIndex.from_definition(definition, table_key_names, attribute_types)
                 for definition in record.get("VectorIndexes", ()))


def validate_vector_indexes(indexes: list[dict], definitions: list[dict],
                            taken_names: set[str], on_demand: bool) -> None:
    """Rules of new vector indexes that need no stored state."""
    if not on_demand:
        raise validation_error(ON_DEMAND_ONLY)
    if not indexes:
        raise invalid_parameter("List of VectorIndexes is empty")
    defined = {d["AttributeName"] for d in definitions}
    dimensions_of: dict[str, int] = {}
    for index in indexes:
        name = index["IndexName"]
        if name in taken_names:
            raise invalid_parameter(f"Duplicate index name: {name}")
        taken_names.add(name)
        schema = index.get("SearchSchema", [])
        searched = [element["AttributeName"] for element in schema]
        if any(attribute not in defined for attribute in searched):
            raise validation_error(NOT_DEFINED)
        if len(set(searched)) != len(searched):
            raise validation_error(f"Duplicate attribute in SearchSchema of index: {name}")
        if sum(e["SearchSchemaElementType"] == "HASH" for e in schema) > 1:
            raise validation_error(f"SearchSchema has more than one HASH key for index: {name}")
        vector = index["VectorAttribute"]["AttributeName"]
        if vector in searched:
            raise validation_error(f"Vector attribute {vector} cannot be in the SearchSchema "
                                   f"of index: {name}")
        if dimensions_of.setdefault(vector, index["Dimensions"]) != index["Dimensions"]:
            raise validation_error("Vector indexes on the same attribute must use the same "
                                   f"number of dimensions: {vector}")
        if index["Projection"].get("ProjectionType") == "INCLUDE" and not index[
                "Projection"].get("NonKeyAttributes"):
            raise validation_error("Projection.NonKeyAttributes is required when "
                                   "ProjectionType is INCLUDE")


INFO_FIELDS = ("IndexName", "VectorAttribute", "SearchSchema", "Projection", "Dimensions",
               "DistanceFunction")


def vector_index_info(index: dict) -> dict:
    """A vector index's definition as the request gave it (VectorIndexInfo,
    as backups describe it)."""
    return {key: index[key] for key in INFO_FIELDS if key in index}


def stored_definition(index: dict, number: int, backfilling: bool) -> dict:
    """A vector index as the table record keeps it."""
    stored = vector_index_info(index)
    stored["number"] = number
    stored["IndexStatus"] = "CREATING" if backfilling else "ACTIVE"
    if backfilling:
        stored["Backfilling"] = True
    return stored


def add_created_vector_indexes(ctx: WriteContext, engine, record: dict,
                               indexes: list[dict]) -> None:
    """CreateTable's vector indexes: ACTIVE from the start (nothing to fill)."""
    record["VectorIndexes"] = [
        stored_definition(index, engine.catalog.next_number(ctx, INDEX_NUMBERS), False)
        for index in indexes]


def validate_vector_updates(updates: list[dict]) -> None:
    """VectorIndexUpdates' own rules, checked before the table is looked up."""
    if not updates:
        raise invalid_parameter("List of VectorIndexUpdates is empty")
    for update in updates:
        actions = [a for a in ("Create", "Delete") if update.get(a) is not None]
        if len(actions) != 1:
            raise invalid_parameter("Exactly one of VectorIndexUpdate.Create, "
                                    "VectorIndexUpdate.Delete must be specified")


def apply_vector_updates(ctx: WriteContext, engine, record: dict, updates: list[dict],
                         definitions: list[dict] | None) -> None:
    """Apply VectorIndexUpdates to a table record being written."""
    current = [dict(index) for index in record.get("VectorIndexes", [])]
    for update in updates:
        if "Create" in update:
            current.append(_created(ctx, engine, record, update["Create"], current, definitions))
        else:
            current = _deleted(ctx, engine, update["Delete"]["IndexName"], current)
    if current:
        record["VectorIndexes"] = current
    else:
        record.pop("VectorIndexes", None)


def _created(ctx: WriteContext, engine, record: dict, create: dict, current: list[dict],
             definitions: list[dict] | None) -> dict:
    on_demand = record.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"
    taken = {index["IndexName"] for index in current + record.get(
        "GlobalSecondaryIndexes", []) + record.get("LocalSecondaryIndexes", [])}
    if create["IndexName"] in taken:
        raise validation_error("Attempting to create an index which already exists")
    merged = {d["AttributeName"]: d for d in record["AttributeDefinitions"]}
    for definition in definitions or []:
        merged.setdefault(definition["AttributeName"], definition)
    validate_vector_indexes(current + [create], list(merged.values()), set(), on_demand)
    searched = {e["AttributeName"] for e in create.get("SearchSchema", [])}
    record["AttributeDefinitions"] = list(record["AttributeDefinitions"]) + [
        merged[name] for name in merged
        if name in searched and name not in {d["AttributeName"]
                                            for d in record["AttributeDefinitions"]}]
    return stored_definition(create, engine.catalog.next_number(ctx, INDEX_NUMBERS), True)


def _deleted(ctx: WriteContext, engine, name: str, current: list[dict]) -> list[dict]:
    index = next((index for index in current if index["IndexName"] == name), None)
    if index is None:
        raise resource_not_found(f"Requested resource not found: Index: {name} not found")
    engine.repos.vectors.drop(ctx.txn, VectorIndex.from_definition(index, (), {}).id)
    return [other for other in current if other is not index]


def describe_vector_indexes(txn: Handle, counts: Counts, table, table_arn: str) -> list[dict]:
    """DescribeTable's VectorIndexes, with counts kept by every write."""
    described = []
    for definition, index in zip(table.record["VectorIndexes"], table.vector_indexes):
        item_count, size = counts.get(txn, index_counts_key(index.id))
        description = {key: value for key, value in definition.items() if key != "number"}
        description.update(Backfilling=bool(definition.get("Backfilling")),
                           IndexSizeBytes=size, ItemCount=item_count,
                           IndexArn=f"{table_arn}/index/{definition['IndexName']}")
        described.append(description)
    return described


def is_backfilling(table, index_name: str) -> bool:
    definition = next((index for index in table.record.get("VectorIndexes", [])
                       if index["IndexName"] == index_name), {})
    return bool(definition.get("Backfilling"))
