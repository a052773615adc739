"""botocore event handlers that route the calls of boto3 clients with no
endpoint_url to the innermost active mock's engine, through botocore's
public events only:

- `before-call`: a call bound for an AWS endpoint of a mocked service is
  marked in its request context (the URL is resolved by then);
- `choose-signer`: a marked call goes unsigned, so a client created with
  no credentials at all (at import time, in CI) works, and real
  credentials are never used;
- `before-send`: the prepared request is answered by the embedded wire
  handling (Database.send) instead of a socket.

The handlers are added to botocore's built-in handler list, which every
session created later starts with, and to boto3's default session if one
exists; outside a mock they let every call through untouched.
"""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
import botocore
import botocore.handlers

if TYPE_CHECKING:
    from ..embedded import Database

# botocore's hyphenized service ids the engine answers
MOCKED_SERVICES = ("dynamodb", "dynamodb-streams", "lambda")
# host suffixes of AWS's own endpoints (api.aws: the dual-stack ones)
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")
MOCKED = "dynalite_py.mocked"  # the request-context key marking a routed call

# the databases of the active mocks, innermost last
active: list["Database"] = []


def is_aws_endpoint(url: str) -> bool:
    """Whether a URL is AWS's own endpoint, i.e. the client was given none."""
    return (urlsplit(url).hostname or "").endswith(AWS_HOST_SUFFIXES)


def claim_call(params: dict, context: dict, **_kwargs) -> None:
    if active and is_aws_endpoint(params["url"]):
        context[MOCKED] = True


def unsigned_if_claimed(context: dict, **_kwargs):
    return botocore.UNSIGNED if context.get(MOCKED) else None


def answer_in_process(request, **_kwargs):
    if active and is_aws_endpoint(request.url):
        return active[-1].send(request)
    return None


def handlers() -> list[tuple[str, object]]:
    """(event name, handler) for each mocked service."""
    return [(f"{event}.{service}", handler)
            for service in MOCKED_SERVICES
            for event, handler in (("before-call", claim_call),
                                   ("choose-signer", unsigned_if_claimed),
                                   ("before-send", answer_in_process))]


def install() -> None:
    """Make sessions created from now on (and boto3's default session)
    carry the handlers; safe to call again."""
    for spec in handlers():
        if spec not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(spec)
    session = boto3.DEFAULT_SESSION
    if session is not None:
        for event_name, handler in handlers():
            session.events.register(event_name, handler,
                                    unique_id=f"dynalite_py.{event_name}")
