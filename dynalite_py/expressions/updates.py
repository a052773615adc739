"""Applying an UpdateExpression to an item, with DynamoDB's rules.

Every right-hand side reads the item as it was before the update; SET
creates or replaces (a list index past the end appends), REMOVE deletes
(list elements shift; several indexes of one list are removed from the
highest down), ADD adds to a number or a set (creating it when absent),
DELETE takes elements out of a set (an emptied set disappears).
"""
from __future__ import annotations

from decimal import Decimal, localcontext

from ..errors import DynamoError, invalid_parameter, validation_error
from ..model.numbers import normalize_number
from ..model.values import in_set_order
from .evaluation import SET_TYPES, Scope, equal, get, operand

INVALID_PATH = "The document path provided in the update expression is invalid for update"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"


def check_paths(update: dict, scope: Scope, key_names: tuple[str, ...]) -> None:
    """Key attributes cannot be updated; no two paths may overlap."""
    paths = [scope.elements(action if clause == "REMOVE" else action[0])
             for clause, actions in update.items() for action in actions]
    for elements in paths:
        if elements[0] in key_names:
            raise invalid_parameter(f"Cannot update attribute {elements[0]}. This attribute is "
                                    "part of the key")
    for index, first in enumerate(paths):
        for second in paths[index + 1:]:
            relation = _relation(first, second)
            if relation:
                raise validation_error(
                    f"Invalid UpdateExpression: Two document paths {relation} with each other; "
                    "must remove or rewrite one of these paths; path one: "
                    f"[{_show(first)}], path two: [{_show(second)}]")


def _relation(first: list, second: list) -> str | None:
    """"overlap" when one path contains the other, "conflict" when they
    part where one reads the parent as a map and the other as a list."""
    for a, b in zip(first, second):
        if a == b and type(a) is type(b):
            continue
        return "conflict" if isinstance(a, int) != isinstance(b, int) else None
    return "overlap"


def _show(elements: list) -> str:
    return ", ".join(f"[{e}]" if isinstance(e, int) else e for e in elements)


def apply(update: dict, item: dict | None, scope: Scope) -> tuple[dict, list[list]]:
    """The updated item and the document paths the update touched."""
    before = item or {}
    after = dict(before)  # nested values are copied as they are written (_parent)
    touched: list[list] = []
    for path, value_node in update.get("SET", []):
        elements = scope.elements(path)
        _assign(after, elements, _set_value(value_node, before, scope))
        touched.append(elements)
    for path, value_node in update.get("ADD", []):
        elements = scope.elements(path)
        _assign(after, elements, _added(get(before, elements), scope.values[value_node[1]]))
        touched.append(elements)
    for path, value_node in update.get("DELETE", []):
        elements = scope.elements(path)
        remaining = _deleted(get(before, elements), scope.values[value_node[1]])
        if remaining is None:
            _remove(after, elements)
        else:
            _assign(after, elements, remaining)
        touched.append(elements)
    removals = [scope.elements(path) for path in update.get("REMOVE", [])]
    for elements in sorted(removals, key=lambda e: [(x if isinstance(x, int) else -1)
                                                    for x in e], reverse=True):
        _remove(after, elements)
        touched.append(elements)
    return after, touched


def _set_value(node: tuple, item: dict, scope: Scope) -> dict:
    kind = node[0]
    if kind in ("+", "-"):
        left, right = _set_value(node[1], item, scope), _set_value(node[2], item, scope)
        if "N" not in left or "N" not in right:
            raise validation_error(WRONG_TYPE)
        return {"N": _arithmetic(left["N"], right["N"], kind)}
    if kind == "call" and node[1] == "if_not_exists":
        existing = operand(node[2][0], item, scope)
        return existing if existing is not None else _set_value(node[2][1], item, scope)
    if kind == "call" and node[1] == "list_append":
        first, second = (_set_value(arg, item, scope) for arg in node[2])
        if "L" not in first or "L" not in second:
            raise validation_error(WRONG_TYPE)
        return {"L": first["L"] + second["L"]}
    value = operand(node, item, scope)
    if value is None:
        raise validation_error("The provided expression refers to an attribute that does not "
                               "exist in the item")
    return value


def _arithmetic(left: str, right: str, operator: str) -> str:
    with localcontext() as context:
        context.prec = 60
        result = Decimal(left) + Decimal(right) if operator == "+" else \
            Decimal(left) - Decimal(right)
    return normalize_number(format(result, "f"))


def _operand_kind(operator: str, value: dict, allowed: tuple[str, ...],
                  current: dict | None) -> str:
    """The type of an ADD/DELETE operand, checked against the operator and
    against the attribute it changes."""
    kind = next(iter(value))
    if kind not in allowed:
        raise validation_error("Invalid UpdateExpression: Incorrect operand type for operator or "
                               f"function; operator: {operator}, operand type: {_type_name(kind)}")
    if current is not None and next(iter(current)) != kind:
        raise validation_error(WRONG_TYPE)
    return kind


def _added(current: dict | None, value: dict) -> dict:
    kind = _operand_kind("ADD", value, ("N", *SET_TYPES), current)
    if current is None:
        return value
    if kind == "N":
        return {"N": _arithmetic(current["N"], value["N"], "+")}
    merged = list(current[kind])
    for element in value[kind]:
        if not any(equal({SET_TYPES[kind]: element}, {SET_TYPES[kind]: e}) for e in merged):
            merged.append(element)
    return {kind: in_set_order(kind, merged)}


def _deleted(current: dict | None, value: dict) -> dict | None:
    kind = _operand_kind("DELETE", value, tuple(SET_TYPES), current)
    if current is None:
        return None
    element_type = SET_TYPES[kind]
    remaining = [e for e in current[kind]
                 if not any(equal({element_type: e}, {element_type: d}) for d in value[kind])]
    return {kind: remaining} if remaining else None


def _type_name(kind: str) -> str:
    return {"S": "STRING", "B": "BINARY", "BOOL": "BOOLEAN", "NULL": "NULL", "L": "LIST",
            "M": "MAP", "N": "NUMBER"}.get(kind, kind)


def _private(value: dict) -> dict:
    """A copy of a map or list value whose members may be changed: the
    update copies only along the paths it writes, never the whole item."""
    if "M" in value:
        return {"M": dict(value["M"])}
    if "L" in value:
        return {"L": list(value["L"])}
    return value


def _parent(item: dict, elements: list) -> tuple[dict | list, object]:
    """The (privately copied) members holding the last path element, and
    that element."""
    members: dict | list | None = item
    for element in elements[:-1]:
        if not _holds(members, element):
            raise validation_error(INVALID_PATH)
        child = members[element] = _private(members[element])
        members = child.get("M", child.get("L"))
    last = elements[-1]
    if isinstance(last, int) is not isinstance(members, list) or members is None:
        raise validation_error(INVALID_PATH)
    return members, last


def _holds(members: dict | list | None, element: str | int) -> bool:
    if isinstance(element, int):
        return isinstance(members, list) and element < len(members)
    return isinstance(members, dict) and element in members


def _assign(item: dict, elements: list, value: dict) -> None:
    container, last = _parent(item, elements)
    if isinstance(last, int):
        if last < len(container):
            container[last] = value
        else:
            container.append(value)
    else:
        container[last] = value


def _remove(item: dict, elements: list) -> None:
    try:
        container, last = _parent(item, elements)
    except DynamoError:  # removing what is not there changes nothing
        return
    if isinstance(last, int):
        if last < len(container):
            del container[last]
    else:
        container.pop(last, None)
