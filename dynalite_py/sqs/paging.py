"""Pages of queue URLs by name, as ListQueues and ListDeadLetterSourceQueues
answer them: MaxResults 1 to 1,000 (up to 1,000 without it, and then no
NextToken), a NextToken carrying the last name of the page before."""
from __future__ import annotations

import base64
import binascii

from . import queues
from .errors import invalid_parameter, invalid_value

MAX_RESULTS = 1000


def check_limit(request: dict) -> int | None:
    limit = request.get("MaxResults")
    if limit is not None and not 1 <= limit <= MAX_RESULTS:
        raise invalid_value(limit, "MaxResults", f"MaxResults must be an integer between 1 "
                                                 f"and {MAX_RESULTS}.")
    return limit


def token_name(token: str | None) -> str | None:
    """The last name of the previous page, from a NextToken this API issued."""
    if not token:
        return None
    try:
        return base64.b64decode(token, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid_parameter("Invalid NextToken value.") from None


def page(engine, names: list[str], limit: int | None, urls_member: str) -> dict:
    """The answer of one page of `names` (sorted, after the token's name)."""
    shown = names[:limit or MAX_RESULTS]
    response: dict = {}
    if shown:
        response[urls_member] = [queues.queue_url(engine, name) for name in shown]
    if limit is not None and len(names) > limit:
        response["NextToken"] = base64.b64encode(shown[-1].encode()).decode()
    return response
