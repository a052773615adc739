"""Which namespace (account, region) a request belongs to.

The region is the SigV4 credential scope's (Authorization header, or a
presigned query's X-Amz-Credential); an unsigned request takes the region
its endpoint's host name names (dynamodb.eu-west-1.amazonaws.com, as the
clients of dynalite_py.mock_aws call), else the engine's. The account is
the one Config.accounts maps the access key to (`serve --auth`: the
credentials file's aws_account_id), else the engine's: without a mapping,
every key is one default account, as is an anonymous or unsigned request.
Only header strings are read here: the server and the embedded API both
ask, so both scope a call alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from .config import Config

# an AWS region name: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ...
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


@dataclass(frozen=True, slots=True)
class Namespace:
    """An account in a region: what every table, stream, function and
    queue name and ARN is scoped by."""

    account_id: str
    region: str


def is_region_name(name: str) -> bool:
    """Whether `name` is shaped like an AWS region's name."""
    return bool(_REGION.match(name))


def default_namespace(config: Config) -> Namespace:
    return Namespace(config.account_id, config.region)


def credential_scope(authorization: str | None, query: str = "") -> tuple[str, str] | None:
    """(access key id, region) of a SigV4 credential, from the Authorization
    header or a presigned query string; None without one (or unreadable)."""
    credential = None
    if authorization:
        start = authorization.find("Credential=")
        if start >= 0:
            start += len("Credential=")
            end = authorization.find(",", start)
            credential = authorization[start:end if end >= 0 else None].strip()
    elif "X-Amz-Credential" in query:
        credential = (parse_qs(query).get("X-Amz-Credential") or [None])[0]
    parts = credential.split("/") if credential else []
    if len(parts) != 5 or not parts[0] or not parts[2]:
        return None
    return parts[0], parts[2]


def host_region(host: str | None) -> str | None:
    """The region a host name names (a label shaped like one), if any."""
    if not host:
        return None
    for label in host.rsplit(":", 1)[0].lower().split("."):
        if is_region_name(label):
            return label
    return None


def request_namespace(config: Config, authorization: str | None, host: str | None,
                      query: str = "") -> Namespace:
    """The namespace of a request with these headers (module docstring)."""
    if config.shared_namespace:
        return default_namespace(config)
    scope = credential_scope(authorization, query)
    if scope is None:
        return Namespace(config.account_id, host_region(host) or config.region)
    key_id, region = scope
    return Namespace(config.accounts.get(key_id, config.account_id), region)


def arn_namespace(arn: str) -> Namespace | None:
    """The namespace an ARN names (arn:aws:<service>:<region>:<account>:...),
    None when it names no region and account."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[3] or not parts[4]:
        return None
    return Namespace(parts[4], parts[3])
