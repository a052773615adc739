"""ListQueues (SQS): queue URLs by name, with a name prefix and pages of
MaxResults (up to 1,000 without it, and then no NextToken)."""
from __future__ import annotations

import base64
import binascii

from . import queues
from .errors import invalid_parameter, invalid_value

NAME = "ListQueues"
READ_ONLY = True
MAX_RESULTS = 1000


def run(engine, request: dict) -> dict:
    limit = request.get("MaxResults")
    if limit is not None and not 1 <= limit <= MAX_RESULTS:
        raise invalid_value(limit, "MaxResults", f"MaxResults must be an integer between 1 "
                                                 f"and {MAX_RESULTS}.")
    after = _token_name(request.get("NextToken"))
    with engine.store.read() as txn:
        names = [record["name"] for record in
                 engine.repos.queues.all(txn, request.get("QueueNamePrefix") or "")
                 if after is None or record["name"] > after]
    page = names[:limit or MAX_RESULTS]
    response: dict = {}
    if page:
        response["QueueUrls"] = [queues.queue_url(engine, name) for name in page]
    if limit is not None and len(names) > limit:
        response["NextToken"] = base64.b64encode(page[-1].encode()).decode()
    return response


def _token_name(token: str | None) -> str | None:
    """The last name of the previous page, from a NextToken this API issued."""
    if not token:
        return None
    try:
        return base64.b64decode(token, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid_parameter("Invalid NextToken value.") from None
