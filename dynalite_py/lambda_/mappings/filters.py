"""Lambda event filtering (FilterCriteria) for DynamoDB stream records.

The EventBridge Pipes pattern subset of ../shared/spec §3.10: object keys
mirror the record and must all match; leaves are non-empty lists of rules,
any of which may match; `$or` lists alternative patterns. Rules: exact
values (numbers by value, never equal to strings), prefix, suffix,
equals-ignore-case, anything-but, numeric (JSON numbers only, so DynamoDB
"N" strings never match), exists. Patterns are compiled once into closures.
"""
from __future__ import annotations

import json
import operator
from typing import Callable

from ...errors import DynamoError

MAX_FILTERS = 10
MAX_PATTERN_CHARS = 4096
_MISSING = object()
_NUMERIC = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge}
Matcher = Callable[[object], bool]


def invalid() -> DynamoError:
    return DynamoError("InvalidParameterValueException", "Invalid filter pattern definition.")


def compile_filters(filter_criteria: dict | None) -> Callable[[dict], bool]:
    """A predicate over one event record; filters are OR-ed, none means all."""
    filters = (filter_criteria or {}).get("Filters") or []
    if len(filters) > MAX_FILTERS:
        raise invalid()
    patterns = [_compile_pattern(_parse(entry.get("Pattern"))) for entry in filters]
    if not patterns:
        return lambda record: True
    return lambda record: any(pattern(record) for pattern in patterns)


def _parse(text: object) -> dict:
    if not isinstance(text, str) or len(text) > MAX_PATTERN_CHARS:
        raise invalid()
    try:
        pattern = json.loads(text)
    except ValueError:
        raise invalid() from None
    if not isinstance(pattern, dict):
        raise invalid()
    return pattern


def _compile_pattern(pattern: dict) -> Callable[[object], bool]:
    """An object pattern: every key must match (AND); `$or` is alternatives."""
    checks: list[Callable[[object], bool]] = []
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(
                    isinstance(option, dict) for option in value):
                raise invalid()
            options = [_compile_pattern(option) for option in value]
            checks.append(lambda node, options=options: any(o(node) for o in options))
        elif isinstance(value, dict):
            inner = _compile_pattern(value)
            checks.append(lambda node, key=key, inner=inner: inner(_child(node, key)))
        elif isinstance(value, list):
            if not value:
                raise invalid()
            rules = [_compile_rule(rule) for rule in value]
            checks.append(lambda node, key=key, rules=rules: _leaf(_child(node, key), rules))
        else:
            raise invalid()
    return lambda node: all(check(node) for check in checks)


def _child(node: object, key: str) -> object:
    return node.get(key, _MISSING) if isinstance(node, dict) else _MISSING


def _leaf(value: object, rules: list[Matcher]) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(rule(item) for rule in rules for item in values) or (
        not values and any(rule(_MISSING) for rule in rules))


def _compile_rule(rule: object) -> Matcher:
    if not isinstance(rule, dict):
        if isinstance(rule, (list,)):
            raise invalid()
        return lambda value, wanted=rule: value is not _MISSING and _equal(value, wanted)
    if len(rule) != 1:
        raise invalid()
    (name, argument), = rule.items()
    if name == "prefix":
        return _text_rule(argument, str.startswith)
    if name == "suffix":
        return _text_rule(argument, str.endswith)
    if name == "equals-ignore-case":
        if not isinstance(argument, str):
            raise invalid()
        return lambda value: isinstance(value, str) and value.lower() == argument.lower()
    if name == "anything-but":
        return _anything_but(argument)
    if name == "numeric":
        return _numeric(argument)
    if name == "exists":
        if not isinstance(argument, bool):
            raise invalid()
        # a path reaching an object is not a leaf, hence "absent" (AWS's quirk)
        return lambda value: (value is not _MISSING and not isinstance(value, dict)) == argument
    raise invalid()  # wildcard, cidr and the rest are not supported by Lambda


def _equal(value: object, wanted: object) -> bool:
    if isinstance(wanted, bool) or isinstance(value, bool):
        return value is wanted
    if isinstance(wanted, (int, float)):
        return isinstance(value, (int, float)) and value == wanted
    return value == wanted


def _text_rule(argument: object, test: Callable[[str, str], bool]) -> Matcher:
    if isinstance(argument, dict) and list(argument) == ["equals-ignore-case"]:
        text = argument["equals-ignore-case"]
        if not isinstance(text, str):
            raise invalid()
        return lambda value: isinstance(value, str) and test(value.lower(), text.lower())
    if not isinstance(argument, str):
        raise invalid()
    return lambda value: isinstance(value, str) and test(value, argument)


def _anything_but(argument: object) -> Matcher:
    excluded = argument if isinstance(argument, list) else [argument]
    if not excluded or any(isinstance(item, (dict, list)) for item in excluded):
        raise invalid()  # anything-but with prefix/suffix/ignore-case is not supported
    return lambda value: value is not _MISSING and not any(_equal(value, item)
                                                           for item in excluded)


def _numeric(argument: object) -> Matcher:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        raise invalid()
    comparisons = []
    for position in range(0, len(argument), 2):
        symbol, bound = argument[position], argument[position + 1]
        if symbol not in _NUMERIC or isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise invalid()
        comparisons.append((_NUMERIC[symbol], bound))
    return lambda value: (isinstance(value, (int, float)) and not isinstance(value, bool)
                          and all(compare(value, bound) for compare, bound in comparisons))
