"""ListTagsOfResource: a table's tags, a page at a time (NextToken)."""
from __future__ import annotations

import base64
import binascii

from ...errors import validation_error
from .tagging import tagged_table, tags_of

NAME = "ListTagsOfResource"
READ_ONLY = True
# UNCERTAIN: DynamoDB documents NextToken but not its page size; 10 is
# moto's choice, small enough that a client's paging is exercised
PAGE_SIZE = 10


def run(engine, request: dict) -> dict:
    start = _position(request.get("NextToken"))
    with engine.store.read() as txn:
        tags = tags_of(tagged_table(txn, engine, request, NAME, write=False))
    page = tags[start:start + PAGE_SIZE]
    response: dict = {"Tags": page}
    if start + PAGE_SIZE < len(tags):
        response["NextToken"] = _token(start + PAGE_SIZE)
    return response


def _token(position: int) -> str:
    return base64.urlsafe_b64encode(f"tags:{position}".encode()).decode()


def _position(token: str | None) -> int:
    """Where the page a NextToken names starts."""
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        kind, _, position = text.partition(":")
        if kind == "tags" and position.isdigit():
            return int(position)
    except (binascii.Error, UnicodeError, ValueError):
        pass
    # UNCERTAIN wording: no AWS capture of a forged NextToken found
    raise validation_error(f"Invalid NextToken: {token}")
