"""Attribute projection: AttributesToGet and ProjectionExpression.

`parse_projection` turns AttributesToGet or ProjectionExpression
into document paths (lists of names and list indexes) and `project` keeps
those parts of an item, nested as they were. GetItem, BatchGetItem and
TransactGetItems use the pair directly; Query and Scan take the paths from
the request's other expressions (`projection_paths`) so placeholders are
checked across all of them at once.
"""
from __future__ import annotations

from typing import Callable

from ..errors import invalid_parameter, validation_error
from . import RequestExpressions
from .evaluation import project as project_paths

NESTED_KEY = ("Key attributes must be scalars; list random access '[]' and map lookup '.' "
              "are not allowed: ")


def check_attributes_to_get(names: list[str] | None) -> None:
    if names is None:
        return
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise invalid_parameter(f"Duplicate value in attribute name: {name}")
        seen.add(name)


def parse_projection(request: dict) -> list[list] | None:
    """The document paths a single-item read returns, or None for the whole
    item. Parses ProjectionExpression with its ExpressionAttributeNames."""
    if request.get("AttributesToGet") is not None:
        return [[name] for name in request["AttributesToGet"]]
    if request.get("ProjectionExpression") is None:
        return None
    return projection_paths(request, RequestExpressions.parse(
        request, ["ProjectionExpression"], ["AttributesToGet"]))


def projection_paths(request: dict, expressions) -> list[list] | None:
    """The paths of AttributesToGet, or of the ProjectionExpression parsed in
    `expressions` (a RequestExpressions, or None when the request has none)."""
    if request.get("AttributesToGet") is not None:
        return [[name] for name in request["AttributesToGet"]]
    paths = expressions.projection_paths() if expressions is not None else None
    if paths:
        check_conflicts(paths)
    return paths


def check_conflicts(paths: list[list]) -> None:
    """Two paths that treat the same part of a document once as a map and once
    as a list can never both match (overlaps are checked before this)."""
    for index, first in enumerate(paths):
        for second in paths[index + 1:]:
            for a, b in zip(first, second):
                if isinstance(a, int) != isinstance(b, int):
                    raise validation_error(
                        "Invalid ProjectionExpression: Two document paths conflict with each "
                        "other; must remove or rewrite one of these paths; path one: "
                        f"[{show_path(first)}], path two: [{show_path(second)}]")
                if a != b:
                    break


def show_path(elements: list) -> str:
    return ", ".join(f"[{e}]" if isinstance(e, int) else e for e in elements)


def check_key_paths(paths: list[list] | None, table) -> None:
    """A path into a key attribute of the table or of one of its indexes
    (pk.a, pk[0]) can never match: DynamoDB refuses it."""
    if not paths:
        return
    nested = {path[0] for path in paths if len(path) > 1}
    if not nested:
        return
    for name in table.key_names:
        if name in nested:
            raise validation_error(NESTED_KEY + f"Key: {name}")
    # DynamoDB's order: global indexes, then local ones, each newest first.
    indexes = [index for index in reversed(table.indexes) if index.is_global] + [
        index for index in reversed(table.indexes) if not index.is_global]
    for index in indexes:
        names = index.index_key_names if index.is_global else (index.range_name,)
        for name in names:
            if name in nested:
                raise validation_error(NESTED_KEY + f"IndexKey: {name}")


def project(item: dict, paths: list[list] | None) -> dict:
    """The parts of `item` named by `paths` (None: the whole item)."""
    return item if paths is None else projector(paths)(item)


def projector(paths: list[list]) -> Callable[[dict], dict]:
    """`project` for many items with the same paths, decided once."""
    if all(len(path) == 1 for path in paths):  # top-level names: the common case
        names = [path[0] for path in paths]
        return lambda item: {name: item[name] for name in names if name in item}
    return lambda item: project_paths(item, paths)
