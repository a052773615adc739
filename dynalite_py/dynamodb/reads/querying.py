"""What Query and Scan share: the source read (table or index), what each
item read becomes (filter, projection, Select), LastEvaluatedKey, and the
response with its capacity.

A page is read first (reads.read_page: Limit and 1 MB count items read);
the filter then decides which of them are returned, so Count is what the
filter kept and ScannedCount what was read, and capacity follows the read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...errors import invalid_parameter, validation_error
from ...expressions import RequestExpressions, Scope, holds
from ...expressions.legacy import check_conditional_operator, filter_condition
from ...expressions.projection import check_key_paths, projection_paths, projector
from ...model.keys import item_key
from ...model.values import validate_item, validate_key
from ...storage.interface import Handle
from ...storage.partitions import OrderedRecords
from ...storage.repositories import Repositories
from ..capacity import consumed_capacity, read_units
from ..items.items import key_of
from ..tables.index_builds import backfill_is_running
from ..tables.indexes import Index
from .reads import Page

FILTER_LABEL = "Filter Expression"


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

    def records(self, repos: Repositories) -> OrderedRecords:
        """The repository holding the source's entries."""
        return repos.indexes if self.index else repos.items

    def size_of(self, entry) -> int:
        return entry[0] if self.index else entry.size

    def item_of(self, entry) -> dict:
        return entry[2] if self.index else entry.item

    @property
    def is_multi_attribute(self) -> bool:
        """Whether the source is a global index with a multi-attribute key."""
        return self.index is not None and self.index.is_multi_attribute

    def own_key_names(self) -> tuple[str, ...]:
        """The key attributes of the table or index itself, HASH first."""
        return self.index.index_key_names if self.index else self.table.key_names

    def key_names(self) -> list[str]:
        """The table key and the index key attributes (a LastEvaluatedKey's)."""
        names = list(self.table.key_names)
        names += [name for name in self.own_key_names() if name not in names]
        return names

    def projects(self, name: str) -> bool:
        """Whether the source holds attribute `name` of every item it has."""
        index = self.index
        return (index is None or index.projection_type == "ALL" or name in index.key_names
                or (index.projection_type == "INCLUDE" and name in index.non_key_attributes))


@dataclass(frozen=True)
class Reads:
    """What becomes of each item a Query/Scan reads: the filter it must pass
    (a condition tree and the scope resolving its placeholders), then the
    paths projected from it, as Select asks."""

    condition: tuple | None
    scope: Scope | None
    filter_label: str
    paths: list[list] | None
    select: str | None

    def condition_paths(self) -> list[list]:
        if self.condition is None:
            return []
        found: list[list] = []
        _collect_paths(self.condition, self.scope, found)
        return found


def parse_expressions(request: dict, expressions: list[str], legacy: list[str]
                      ) -> RequestExpressions | None:
    """The request's expressions, parsed in `expressions` order, or None."""
    if not any(request.get(name) is not None for name in expressions):
        return None
    return RequestExpressions.parse(request, expressions, legacy)


def legacy_filter(request: dict, parameter: str) -> tuple[tuple, Scope] | None:
    """QueryFilter/ScanFilter (with ConditionalOperator) as a condition tree
    and its scope; an empty map filters nothing."""
    check_conditional_operator(request, (parameter,))
    if not request.get(parameter):
        return None
    return filter_condition(request[parameter], request.get("ConditionalOperator"), parameter)


def read_plan(request: dict, expressions: RequestExpressions | None,
              legacy: tuple[tuple, Scope] | None, legacy_name: str, query: bool) -> Reads:
    """Projection, Select and filter of a request, checked in DynamoDB's order."""
    paths = projection_paths(request, expressions)
    check_select(request, query)
    tree = expressions.get("FilterExpression") if expressions is not None else None
    if tree is not None:
        return Reads(tree, expressions.scope, FILTER_LABEL, paths, request.get("Select"))
    if legacy is not None:
        return Reads(legacy[0], legacy[1], legacy_name, paths, request.get("Select"))
    return Reads(None, None, FILTER_LABEL, paths, request.get("Select"))


def check_select(request: dict, query: bool) -> None:
    select = request.get("Select")
    given = next((name for name in ("AttributesToGet", "ProjectionExpression")
                  if request.get(name) is not None), None)
    if select is not None and select != "SPECIFIC_ATTRIBUTES" and given:
        wanted = "only the Count" if select == "COUNT" else select
        # Query reports this one the way its shape checks report theirs.
        prefix = "1 validation error detected: " if query else ""
        raise validation_error(f"{prefix}Cannot specify the {given} when choosing to get {wanted}")
    if select == "SPECIFIC_ATTRIBUTES" and not given:
        raise validation_error("Must specify the AttributesToGet or ProjectionExpression when "
                               "choosing to get SPECIFIC_ATTRIBUTES")


def open_source(engine, request: dict, query: bool = False) -> tuple[Source, dict | None]:
    """The table or index read, and the checked ExclusiveStartKey."""
    with engine.store.read() as txn:
        table = engine.catalog.active(txn, request["TableName"], snapshot=True)
    source = source_for(table, request)
    return source, check_start_key(request, source, query)


def check_reads(source: Source, reads: Reads, query: bool) -> None:
    """The projection and filter checked against the source's keys and, on a
    global index, against what it projects."""
    table = source.table
    check_key_paths(reads.paths, table)
    filter_paths = reads.condition_paths()
    if query and filter_paths:
        heads = {path[0] for path in filter_paths}
        for name in source.own_key_names():
            if name in heads:
                raise validation_error(f"{reads.filter_label} can only contain non-primary key "
                                       f"attributes: Primary key attribute: {name}")
    check_key_paths(filter_paths, table)
    if not source.is_global:
        return
    missing = _unprojected(source, reads.paths or [])
    if missing:
        raise invalid_parameter(f"Global secondary index {source.index.name} does not project "
                                f"[{', '.join(missing)}]")
    missing = _unprojected(source, filter_paths)
    if missing:
        raise invalid_parameter(f"Secondary index {source.index.name} does not project one or "
                                f"more filter attributes: [{', '.join(missing)}]")


def _unprojected(source: Source, paths: list[list]) -> list[str]:
    missing: list[str] = []
    for path in paths:
        if not source.projects(path[0]) and path[0] not in missing:
            missing.append(path[0])
    return missing


def _collect_paths(node, scope: Scope, found: list[list]) -> None:
    if isinstance(node, list):
        for child in node:
            _collect_paths(child, scope, found)
    elif isinstance(node, tuple) and node:
        if node[0] == "path":
            found.append(scope.elements(node))
        elif node[0] != ":":
            for child in node[1:]:
                _collect_paths(child, scope, found)


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


def check_start_key(request: dict, source: Source, query: bool) -> dict | None:
    """ExclusiveStartKey checked against the table (and index) key schema:
    every key attribute of the read, nothing else, each of its type. A Query,
    or a Scan of an index, says only "The provided starting key is invalid";
    a Scan of the table adds why (ExtendDB's and Floci's AWS captures)."""
    start = request.get("ExclusiveStartKey")
    if start is None:
        return None
    validate_item(start)
    names = source.key_names()
    types = source.table.attribute_types
    if set(start) != set(names) or any(types[name] not in start[name] for name in names):
        message = "The provided starting key is invalid"
        if not query and source.index is None:
            message += ": The provided key element does not match the schema"
        raise validation_error(message)
    table = source.table
    validate_key({name: start[name] for name in table.key_names}, table.key_attributes)
    return start


def start_key_bytes(source: Source, start: dict | None) -> bytes | None:
    """The key of the ExclusiveStartKey's entry in the source read."""
    if start is None:
        return None
    table = source.table
    table_key = item_key(table.id, table.hash_name, table.range_name, start)
    if source.index is None:
        return table_key
    return source.index.entry_key(start, table_key)


def last_evaluated_key(source: Source, entry) -> dict:
    item = source.item_of(entry)
    return {name: item[name] for name in source.key_names()}


def table_fetch(txn: Handle, repos: Repositories, table) -> Callable[[dict], tuple[dict, int]]:
    """Reads the table item behind an index entry, with its size (LSI fetches)."""
    items = repos.items

    def fetch(item: dict) -> tuple[dict, int]:
        stored = items.read(txn, key_of(table, item))
        return (stored.item, stored.size) if stored else ({}, 0)
    return fetch


def page_items(source: Source, reads: Reads, page: Page,
               fetch: Callable[[dict], tuple[dict, int]], consistent: bool
               ) -> tuple[list[dict], float]:
    """The page's items that pass the filter, as the response shows them, and
    the read units of any table fetches: an LSI read needing attributes it
    does not project (for Select, the projection or the filter) reads each
    base item, rounded to 4 KB one by one."""
    condition, scope, paths, select = reads.condition, reads.scope, reads.paths, reads.select
    index = source.index
    needs_table = index is not None and not index.is_global and index.projection_type != "ALL" and (
        select == "ALL_ATTRIBUTES" or any(not source.projects(path[0]) for path in (
            (paths or []) + reads.condition_paths())))
    shown = projector(paths) if paths is not None and select != "COUNT" else None
    if not needs_table and condition is None:
        return ([shown(item) for item in page.items] if shown else page.items), 0.0
    items, units = [], 0.0
    for item in page.items:
        full = item
        if needs_table:
            full, size = fetch(item)
            units += read_units(size, consistent)
        if condition is not None and not holds(condition, full, scope):
            continue
        if shown is not None:
            items.append(shown(full))
        else:
            items.append(full if select == "ALL_ATTRIBUTES" else item)
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
