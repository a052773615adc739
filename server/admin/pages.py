"""What a view answers (a page to render, or a redirect after a change),
what it is given, and the small formatting helpers the views share."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import orjson

from dynalite_py.errors import DynamoError

# a cell of the item list shows this much of a value
CELL_CHARS = 80


@dataclass(frozen=True)
class Inputs:
    """A request's path parameters, query and (for a change) form, each
    name with its first value."""
    path: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    template: str
    context: dict
    status: int = 200


@dataclass(frozen=True)
class Redirect:
    url: str


def table_url(table: str, suffix: str = "", **query: str) -> str:
    url = f"/_admin/tables/{quote(table, safe='')}{suffix}"
    return f"{url}?{urlencode(query)}" if query else url


def error_text(error: DynamoError) -> str:
    """An engine error as the page shows it: DynamoDB's name and message."""
    return f"{error.name}: {error.message}"


def compact(value: object) -> str:
    return orjson.dumps(value).decode()


def pretty(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def cell(value: dict) -> str:
    """An attribute value in a list: strings and numbers bare, the rest as
    DynamoDB JSON; cut to CELL_CHARS."""
    kind, inner = next(iter(value.items()))
    text = inner if kind in ("S", "N") else compact(value)
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


def all_pages(call, operation: str, request: dict, member: str, token: str,
              next_token: str | None = None, service: str = "dynamodb") -> list:
    """Every page of a listing operation, concatenated (`token` names the
    request's paging member, `next_token` the response's, when another)."""
    found, request = [], dict(request)
    while True:
        response = call(operation, request, service)
        found += response.get(member, [])
        following = response.get(next_token or token)
        if not following:
            return found
        request[token] = following
