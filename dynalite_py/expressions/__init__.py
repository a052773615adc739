"""DynamoDB's expression language: parsing (cached), placeholder rules, and
evaluation of conditions, projections and updates.

`RequestExpressions.parse(request, expressions, legacy)` applies the
request-level rules in DynamoDB's order: mixing expression and legacy
parameters, ExpressionAttributeNames/Values shape, each expression's
syntax, undefined placeholders, then unused ones (`check_expression_params`
is the first of these, for operations that parse nothing else).
Attribute projection (AttributesToGet, ProjectionExpression) is
projection.py's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import DynamoError, LayeredError, validation_error
from ..model.values import validate_attribute_value
from .evaluation import ATTRIBUTE_TYPES, Scope, compare, holds, project
from .parser import parsed
from .updates import apply, check_paths

LABELS = {"ConditionExpression": "condition", "FilterExpression": "condition",
          "KeyConditionExpression": "key condition", "ProjectionExpression": "projection",
          "UpdateExpression": "update", "SearchConditionExpression": "condition"}

__all__ = ["RequestExpressions", "Scope", "apply", "check_expression_params", "check_paths",
           "holds", "mentions_expressions", "project"]

_PLACEHOLDER = re.compile(r"^#[0-9a-zA-Z_]+$")


def mentions_expressions(request: dict, expressions: list[str]) -> bool:
    """Whether a request names any of `expressions` or a placeholder map (most
    requests do not, and then have nothing to check)."""
    return ("ExpressionAttributeNames" in request or "ExpressionAttributeValues" in request
            or not request.keys().isdisjoint(expressions))


def check_expression_params(request: dict, expressions: list[str], legacy: list[str]) -> None:
    """DynamoDB's checks on how expression and legacy parameters combine."""
    if not mentions_expressions(request, expressions):
        return
    used_expressions = [name for name in expressions if request.get(name) is not None]
    if used_expressions:
        used_legacy = [name for name in legacy if request.get(name) is not None]
        if used_legacy:
            raise validation_error(
                "Can not use both expression and non-expression parameters in the same request: "
                f"Non-expression parameters: {{{', '.join(used_legacy)}}} "
                f"Expression parameters: {{{', '.join(used_expressions)}}}")
    if request.get("ExpressionAttributeNames") is not None and not used_expressions:
        raise validation_error(
            "ExpressionAttributeNames can only be specified when using expressions")
    value_expressions = [name for name in expressions if name != "ProjectionExpression"]
    if (value_expressions and request.get("ExpressionAttributeValues") is not None
            and not any(request.get(name) is not None for name in value_expressions)):
        verb = "are" if len(value_expressions) > 1 else "is"
        message = "ExpressionAttributeValues can only be specified when using expressions"
        # the older layer names the missing expressions (dynalite's captures)
        raise LayeredError(message, f"{message}: {' and '.join(value_expressions)} {verb} null")
    check_placeholder_names(request.get("ExpressionAttributeNames"))


def check_placeholder_names(names: dict | None) -> None:
    if names is None:
        return
    if not names:
        raise validation_error("ExpressionAttributeNames must not be empty")
    for key in names:
        if not _PLACEHOLDER.match(key):
            raise validation_error(
                f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"')
    for key, name in names.items():
        if name is None:  # DynamoDB Local's InputConverter wording for a null name
            raise validation_error(f"ExpressionAttributeNames contains invalid value: null for "
                                   f"key {key}")


@dataclass
class RequestExpressions:
    scope: Scope
    trees: dict[str, object] = field(default_factory=dict)

    @classmethod
    def parse(cls, request: dict, expressions: list[str], legacy: list[str]
              ) -> "RequestExpressions":
        if not mentions_expressions(request, expressions):
            return NO_EXPRESSIONS  # nothing to check (most requests)
        check_expression_params(request, expressions, legacy)
        values = request.get("ExpressionAttributeValues")
        if values is not None:
            if not values:
                raise validation_error("ExpressionAttributeValues must not be empty")
            for key, value in values.items():
                if not key.startswith(":") or not key[1:].replace("_", "a").isalnum():
                    raise validation_error("ExpressionAttributeValues contains invalid key: "
                                           f'Syntax error; key: "{key}"')
                try:
                    validate_attribute_value(value)
                except DynamoError as error:
                    wrapped = ("ExpressionAttributeValues contains invalid value: "
                               f"{getattr(error, 'older', error.message)} for key {key}")
                    if value is None:  # a JSON null: the input converter's, wrapped everywhere
                        raise validation_error(wrapped) from None
                    # bare in the current layer, wrapped in the older one (AWS, 2026)
                    raise LayeredError(error.message, wrapped) from None
        scope = Scope(request.get("ExpressionAttributeNames"), values)
        found = cls(scope)
        used_names: set[str] = set()
        used_values: set[str] = set()
        for name in expressions:
            text = request.get(name)
            if text is None:
                continue
            tree, events = _parsed_with_events(name, LABELS[name], text)
            _check_placeholders(name, events, scope, used_names, used_values)
            found.trees[name] = tree
        unused = [key for key in scope.names if key not in used_names]
        if unused:
            raise validation_error("Value provided in ExpressionAttributeNames unused in "
                                   f"expressions: keys: {{{', '.join(unused)}}}")
        unused = [key for key in scope.values if key not in used_values]
        if unused:
            raise validation_error("Value provided in ExpressionAttributeValues unused in "
                                   f"expressions: keys: {{{', '.join(unused)}}}")
        return found

    def get(self, name: str):
        return self.trees.get(name)

    def projection_paths(self) -> list[list] | None:
        tree = self.trees.get("ProjectionExpression")
        if tree is None:
            return None
        paths = [self.scope.elements(path) for path in tree]
        for index, first in enumerate(paths):
            for second in paths[index + 1:]:
                shorter = min(len(first), len(second))
                if first[:shorter] == second[:shorter]:
                    raise validation_error(
                        "Invalid ProjectionExpression: Two document paths overlap with each "
                        f"other; must remove or rewrite one of these paths; path one: "
                        f"[{_show(first)}], path two: [{_show(second)}]")
        return paths



# the expressions of a request that has none: shared, and never changed
NO_EXPRESSIONS = RequestExpressions(Scope(None, None))


def _show(elements: list) -> str:
    return ", ".join(f"[{e}]" if isinstance(e, int) else e for e in elements)


@lru_cache(maxsize=4096)
def _parsed_with_events(label: str, kind: str, text: str) -> tuple[object, tuple]:
    """The tree and its placeholder events, both depending on the text only."""
    tree = parsed(label, kind, text)
    events: list[tuple] = []
    _collect_events(tree, events)
    return tree, tuple(events)


def _collect_events(node, events: list[tuple]) -> None:
    """Flatten, in evaluation order, what each request must check: every
    #name ("#", name), every :value (":", name) and every operator node whose
    literal operands need checking ("node", node)."""
    if isinstance(node, dict):  # an update: its clauses
        for actions in node.values():
            for action in actions:
                _collect_events(action, events)
        return
    if isinstance(node, list) or (isinstance(node, tuple) and node
                                  and isinstance(node[0], tuple)):  # an update's (path, value)
        for child in node:
            _collect_events(child, events)
        return
    if not isinstance(node, tuple) or not node:
        return
    kind = node[0]
    if kind == "path":
        events.extend(("#", value) for element, value in node[1] if element == "#")
        return
    if kind == ":":
        events.append((":", node[1]))
        return
    for child in node[1:]:
        _collect_events(child, events)
    if kind in ("compare", "between", "in", "call", "+", "-"):
        events.append(("node", node))


def _check_placeholders(label: str, events: tuple, scope: Scope, names: set[str],
                        values: set[str]) -> None:
    """Every #name and :value must be defined; checks on literal operands."""
    for kind, value in events:
        if kind == "#":
            if value not in scope.names:
                raise validation_error(
                    f"Invalid {label}: An expression attribute name used in the document "
                    f"path is not defined; attribute name: {value}")
            names.add(value)
        elif kind == ":":
            if value not in scope.values:
                raise validation_error(
                    f"Invalid {label}: An expression attribute value used in expression is "
                    f"not defined; attribute value: {value}")
            values.add(value)
        else:
            _check_node(label, value, scope)


def _check_node(label: str, node: tuple, scope: Scope) -> None:
    kind = node[0]
    _check_operands(label, node, scope)
    if kind == "call" and node[1] == "attribute_type" and node[2][1][0] == ":":
        wanted = scope.values[node[2][1][1]]
        if wanted.get("S") not in ATTRIBUTE_TYPES:
            shown = next(iter(wanted.values()))
            raise validation_error(
                f"Invalid {label}: Invalid attribute type name found; type: {shown}, valid "
                "types: { B,BOOL,BS,L,M,N,NS,NULL,S,SS }")
    if kind == "between" and node[2][0] == ":" and node[3][0] == ":":
        low, high = scope.values[node[2][1]], scope.values[node[3][1]]
        if next(iter(low)) != next(iter(high)):
            raise validation_error(
                f"Invalid {label}: The BETWEEN operator requires same data type for lower and "
                f"upper bounds; lower bound operand: AttributeValue: {{{_brief(low)}}}, upper "
                f"bound operand: AttributeValue: {{{_brief(high)}}}")
        if compare(">", low, high):
            raise validation_error(
                f"Invalid {label}: The BETWEEN operator requires upper bound to be greater than "
                f"or equal to lower bound; lower bound operand: AttributeValue: "
                f"{{{_brief(low)}}}, upper bound operand: AttributeValue: {{{_brief(high)}}}")


# Functions whose first operand must differ from the second (contains(a, a)).
_TWO_OPERANDS = ("contains", "begins_with")
# Operand types each operator or function accepts from a literal :value.
_ORDERED = ("S", "N", "B")
_VALUE_TYPES = {"<": _ORDERED, "<=": _ORDERED, ">": _ORDERED, ">=": _ORDERED, "BETWEEN": _ORDERED,
                "begins_with": ("S", "B"), "+": ("N",), "-": ("N",), "list_append": ("L",)}


def _check_operands(label: str, node: tuple, scope: Scope) -> None:
    """Checks that need the request's names and values: a comparison of a
    path with itself, and literal values of a type the operator refuses."""
    kind = node[0]
    if kind in ("compare", "between", "in") or (kind == "call" and node[1] in _TWO_OPERANDS):
        operator = node[1] if kind in ("compare", "call") else kind.upper()
        first = node[2][0] if kind == "call" else node[2] if kind == "compare" else node[1]
        others = node[2][1:] if kind == "call" else [node[3]] if kind == "compare" else (
            list(node[2:4]) if kind == "between" else node[2])
        if first[0] == "path" and any(
                other[0] == "path" and scope.elements(other) == scope.elements(first)
                for other in others):
            raise validation_error(
                f"Invalid {label}: The first operand must be distinct from the remaining "
                f"operands for this operator or function; operator: {operator}, first operand: "
                f"[{', '.join(str(e) for e in scope.elements(first))}]")
    operator = (node[1] if kind in ("compare", "call")
                else kind.upper() if kind == "between" else kind)
    allowed = _VALUE_TYPES.get(operator)
    if allowed is None:
        return
    operands = node[2] if kind == "call" else node[1:] if kind in ("+", "-") else node[2:4]
    for operand in operands:
        if isinstance(operand, tuple) and operand and operand[0] == ":":
            value_type = next(iter(scope.values[operand[1]]))
            if value_type not in allowed:
                raise validation_error(
                    f"Invalid {label}: Incorrect operand type for operator or function; "
                    f"operator or function: {operator}, operand type: {value_type}")


def _brief(value: dict) -> str:
    (kind, data), = value.items()
    return f"{kind}:{data}"
