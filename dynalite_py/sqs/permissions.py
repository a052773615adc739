"""A queue's access policy as AddPermission and RemovePermission edit it:
one statement per label (its Sid), kept in the queue's Policy attribute,
where GetQueueAttributes shows it."""
from __future__ import annotations

import orjson

from . import queues
from .errors import invalid_value

POLICY_VERSION = "2008-10-17"  # what SQS writes in the policies it makes


def policy_of(engine, record: dict) -> dict:
    """The queue's policy (an empty one of SQS's form if it has none or
    what it has is no JSON object)."""
    arn = queues.queue_arn(engine.config, record["name"])
    empty = {"Version": POLICY_VERSION, "Id": f"{arn}/SQSDefaultPolicy", "Statement": []}
    text = record["attributes"].get("Policy")
    try:
        policy = orjson.loads(text) if text else empty
    except orjson.JSONDecodeError:
        return empty
    if not isinstance(policy, dict):
        return empty
    statements = policy.get("Statement", [])
    return dict(policy, Statement=statements if isinstance(statements, list) else [statements])


def labels(policy: dict) -> list[str]:
    return [statement.get("Sid") for statement in policy["Statement"]
            if isinstance(statement, dict)]


def with_policy(record: dict, policy: dict, now: float) -> dict:
    """The queue record with `policy` (none once it has no statement)."""
    attributes = dict(record["attributes"])
    if policy["Statement"]:
        attributes["Policy"] = orjson.dumps(policy).decode()
    else:
        attributes.pop("Policy", None)
    return dict(record, attributes=attributes, modified=now)


def label_error(label: str, reason: str):
    return invalid_value(label, "Label", reason)


def check_label(label: str) -> None:
    """A label as SQS takes it: 1 to 80 letters, digits, hyphens, underscores."""
    if not 1 <= len(label) <= 80 or not set(label) <= queues.NAME_CHARACTERS:
        raise label_error(label, "Can only include alphanumeric characters, hyphens, or "
                                 "underscores. 1 to 80 in length")
