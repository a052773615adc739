"""What Query and Scan share: the source read (table or index), Select and
projection rules, LastEvaluatedKey, and the response with its capacity."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .capacity import consumed_capacity, read_units
from .errors import invalid_parameter, validation_error
from .index_builds import backfill_is_running
from .indexes import Index
from .model.keys import index_entry_key, item_key
from .model.values import validate_item, validate_key
from .projection import check_attributes_to_get, parse_projection, project
from .reads import Page


@dataclass(frozen=True)
class Source:
    """The table or the index a Query/Scan reads."""

    table: object
    index: Index | None

    @property
    def owner_id(self) -> bytes:
        return self.index.id if self.index else self.table.id

    @property
    def hash_name(self) -> str:
        return self.index.hash_name if self.index else self.table.hash_name

    @property
    def range_name(self) -> str | None:
        return self.index.range_name if self.index else self.table.range_name

    @property
    def is_global(self) -> bool:
        return self.index is not None and self.index.is_global

    def size_of(self, entry) -> int:
        return entry[0] if self.index else entry.size

    def item_of(self, entry) -> dict:
        return entry[2] if self.index else entry.item

    def key_names(self) -> list[str]:
        names = list(self.table.key_names)
        if self.index:
            names += [name for name in (self.index.hash_name, self.index.range_name)
                      if name and name not in names]
        return names


def open_source(engine, request: dict) -> tuple[Source, list[str] | None, dict | None]:
    """The checks Query and Scan share, in DynamoDB's order: projection and
    Select, the table and index, ExclusiveStartKey. Returns the source,
    the projection and the start key."""
    check_attributes_to_get(request.get("AttributesToGet"))
    projection = parse_projection(request)
    check_select(request)
    with engine.store.read() as txn:
        table = engine.catalog.active(txn, request["TableName"])
    source = source_for(table, request)
    return source, projection, check_start_key(request, source)


def admit_read(engine, source: Source) -> None:
    engine.throttler.admit(source.table, "read", (source.index.name,) if source.is_global else ())


def source_for(table, request: dict) -> Source:
    name = request.get("IndexName")
    if name is None:
        if request.get("Select") == "ALL_PROJECTED_ATTRIBUTES":
            raise validation_error(
                "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
        return Source(table, None)
    index = next((index for index in table.indexes if index.name == name), None)
    if index is None:
        raise validation_error(f"The table does not have the specified index: {name}")
    if backfill_is_running(table, name):
        raise validation_error(f"Cannot read from backfilling global secondary index: {name}")
    if index.is_global and request.get("ConsistentRead"):
        raise validation_error("Consistent reads are not supported on global secondary indexes")
    if (index.is_global and request.get("Select") == "ALL_ATTRIBUTES"
            and index.projection_type != "ALL"):
        raise invalid_parameter(f"Select type ALL_ATTRIBUTES is not supported for global "
                                f"secondary index {name} because its projection type is not ALL")
    return Source(table, index)


def check_select(request: dict) -> None:
    select = request.get("Select")
    given = next((name for name in ("AttributesToGet", "ProjectionExpression")
                  if request.get(name) is not None), None)
    if select is not None and select != "SPECIFIC_ATTRIBUTES" and given:
        raise validation_error(f"Cannot specify the {given} when choosing to get {select}")
    if select == "SPECIFIC_ATTRIBUTES" and not given:
        raise validation_error("Must specify the AttributesToGet or ProjectionExpression when "
                               "choosing to get SPECIFIC_ATTRIBUTES")


def reject_filters(request: dict, names: tuple[str, ...]) -> None:
    """Parameters whose evaluation arrives with the expression work: refuse
    them clearly rather than ignore a condition the caller relies on."""
    for name in names:
        if request.get(name) is not None:
            raise validation_error(f"{name} is not supported by dynalite-py yet")


def check_start_key(request: dict, source: Source) -> dict | None:
    """ExclusiveStartKey checked against the table (and index) key schema."""
    start = request.get("ExclusiveStartKey")
    if start is None:
        return None
    for value in start.values():
        validate_item({"value": value})
    names = source.key_names()
    if set(start) != set(names):
        raise validation_error("The provided starting key is invalid: The provided key element "
                               "does not match the schema")
    table = source.table
    validate_key({name: start[name] for name in table.key_names}, table.key_schema,
                 table.attribute_types)
    return start


def start_key_bytes(source: Source, start: dict | None) -> bytes | None:
    """The LMDB key of the ExclusiveStartKey's entry in the source read."""
    if start is None:
        return None
    table = source.table
    table_key = item_key(table.id, table.hash_name, table.range_name, start)
    if source.index is None:
        return table_key
    index = source.index
    return index_entry_key(index.id, start[index.hash_name],
                           start[index.range_name] if index.range_name else None, table_key)


def last_evaluated_key(source: Source, entry) -> dict:
    item = source.item_of(entry)
    return {name: item[name] for name in source.key_names()}


def page_items(request: dict, source: Source, projection: list[str] | None, page: Page,
               fetch: Callable[[dict], tuple[dict, int]], consistent: bool
               ) -> tuple[list[dict], float]:
    """Items as the response shows them, and the read units of any table
    fetches (an LSI query asking for attributes outside the projection reads
    each base item, rounded to 4 KB one by one)."""
    index = source.index
    wanted = projection
    needs_table = index is not None and not index.is_global and index.projection_type != "ALL" and (
        request.get("Select") == "ALL_ATTRIBUTES" or (
            wanted is not None and any(name not in index.key_names and name not in
                                       index.non_key_attributes for name in wanted)))
    if not needs_table:
        return [project(item, wanted) for item in page.items], 0.0
    items, units = [], 0.0
    for item in page.items:
        full, size = fetch(item)
        units += read_units(size, consistent)
        items.append(project(full, wanted))
    return items, units


def respond(engine, request: dict, source: Source, page: Page, items: list[dict],
            consistent: bool, fetch_units: float = 0.0) -> dict:
    """The Query/Scan response, with capacity charged once for the page."""
    table = source.table
    response: dict = {"Count": len(items), "ScannedCount": page.scanned}
    if request.get("Select") != "COUNT":
        response["Items"] = items
    if page.last_entry is not None:
        response["LastEvaluatedKey"] = last_evaluated_key(source, page.last_entry)
    units = read_units(page.read_bytes, consistent)
    if source.index is None:
        table_units, index_units = units, {}
    else:
        table_units, index_units = fetch_units, {source.index.name: units}
    engine.throttler.spend(table, "read", table_units, index_units)
    capacity = consumed_capacity(request.get("ReturnConsumedCapacity"), request["TableName"],
                                 table, table_units, index_units)
    if capacity is not None:
        response["ConsumedCapacity"] = capacity
    return response
