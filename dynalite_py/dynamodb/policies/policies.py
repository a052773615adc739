"""What the resource policy operations share: the table or stream a
ResourceArn names, the policy document's checks, revision ids.

A policy lives in its table's record: "ResourcePolicy" for the table,
"StreamPolicies" by stream label for its streams, each {"Policy",
"RevisionId"}; so it is as durable as the table and goes with it. A
revision id is the epoch-millisecond time of the change, as DynamoDB's
look, made to grow; putting the same document again keeps it.

Messages from AWS captures (ack-api-quirks DDB-TABLE-070/442/457) where
they exist; those marked UNCERTAIN are ours.
"""
from __future__ import annotations

import json

from ...errors import DynamoError, invalid_parameter, resource_not_found, validation_error
from ..tables.catalog import Table
from ..tags.tagging import split_resource_arn

MAX_POLICY_BYTES = 20_480
_INVALID = "Invalid policy document: "


class Target:
    """A table, or one of its streams, a policy is attached to."""

    def __init__(self, table: Table, stream_label: str | None) -> None:
        self.table = table
        self.stream_label = stream_label

    def policy(self) -> dict | None:
        record = self.table.record
        if self.stream_label is None:
            return record.get("ResourcePolicy")
        return (record.get("StreamPolicies") or {}).get(self.stream_label)

    def with_policy(self, policy: dict | None) -> dict:
        """The table record with this target's policy replaced (None: removed)."""
        record = dict(self.table.record)
        if self.stream_label is None:
            record.pop("ResourcePolicy", None)
            if policy is not None:
                record["ResourcePolicy"] = policy
            return record
        streams = dict(record.get("StreamPolicies") or {})
        streams.pop(self.stream_label, None)
        if policy is not None:
            streams[self.stream_label] = policy
        record["StreamPolicies"] = streams
        return record


def target_of(engine, ctx_or_txn, arn: str, write: bool) -> Target:
    region, account, name, rest = split_resource_arn(arn)
    stream_label = None
    if rest is not None:
        parts = rest.split("/")
        if parts[1] != "stream" or len(parts) != 3:
            raise invalid_parameter("Invalid resource arn provided, only table or stream is "
                                    f"accepted. Provided resource arn: {arn}")
        stream_label = parts[2]
    if account != engine.config.account_id:
        raise validation_error("This action is only supported by accounts that match the "
                               "resource owner’s account.")
    if region != engine.config.region:
        raise invalid_parameter(f"Invalid resource Arn: {arn}")
    catalog = engine.catalog
    table = catalog.current(ctx_or_txn, name) if write else catalog.find(ctx_or_txn, name)
    if table is None or table.status(engine.clock()) == "CREATING":
        raise resource_not_found(f"Requested resource not found: Table: {name} not found")
    if stream_label is not None and stream_label != table.record.get("LatestStreamLabel"):
        raise resource_not_found(f"Requested resource not found: {arn} not found")
    return Target(table, stream_label)


def policy_not_found(arn: str) -> DynamoError:
    # UNCERTAIN wording: no capture of this message found
    return DynamoError("PolicyNotFoundException",
                       f"Resource-based policy not found for the provided ResourceArn: {arn}")


def check_revision(arn: str, current: dict | None, expected: str | None) -> None:
    """ExpectedRevisionId must name the current policy's revision (a
    mismatch is PolicyNotFoundException, as DynamoDB documents)."""
    if expected is None:
        return
    if current is None:
        raise policy_not_found(arn)
    if current["RevisionId"] != expected:
        # UNCERTAIN wording
        raise DynamoError(
            "PolicyNotFoundException",
            f"Resource-based policy not found for the provided ResourceArn: Requested update for "
            f"policy with revision id {expected}, but the policy associated to target "
            f"{arn} has revision id {current['RevisionId']}.")


def next_revision(current: dict | None, now: float) -> str:
    millis = round(now * 1000)
    if current is not None and int(current["RevisionId"]) >= millis:
        millis = int(current["RevisionId"]) + 1
    return str(millis)


def validate_policy(document: str) -> None:
    """The policy document checks DynamoDB makes before storing it."""
    if len(document.encode()) > MAX_POLICY_BYTES:
        raise invalid_parameter(f"Maximum policy size of {MAX_POLICY_BYTES} bytes exceeded")
    try:
        policy = json.loads(document)
    except ValueError:
        raise invalid_parameter(_INVALID + "This policy contains invalid Json") from None
    if policy is None:
        raise invalid_parameter(_INVALID + "This text appears not to be a policy")
    if not isinstance(policy, dict):
        raise invalid_parameter(_INVALID + "This policy contains invalid Json")
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not statements:
        raise invalid_parameter(_INVALID + "Could not parse the policy: Statement is empty!")
    ids = []
    for statement in statements:
        if not isinstance(statement, dict):
            raise invalid_parameter(_INVALID + "This policy contains invalid Json")
        for field in ("Effect", "Resource"):
            if field not in statement and "Not" + field not in statement:
                raise invalid_parameter(_INVALID + f"Missing required field {field}")
        if "Sid" in statement:
            ids.append(statement["Sid"])
        if _unbounded(statement):
            raise validation_error("Resource-based policy grants unbounded access in one or "
                                   "more elements. Please revise the policy to ensure "
                                   "least-privilege form of access")
    if len(ids) != len(set(ids)):
        raise invalid_parameter(_INVALID + "The Statement Ids in the policy are not unique")


def attach_create_policy(record: dict, request: dict, now: float) -> None:
    """CreateTable's ResourcePolicy (checked by `validate_policy` first)."""
    if request.get("ResourcePolicy") is not None:
        record["ResourcePolicy"] = {"Policy": request["ResourcePolicy"],
                                    "RevisionId": next_revision(None, now)}


def _unbounded(statement: dict) -> bool:
    """An Allow to every principal with no condition: public access, which
    DynamoDB refuses."""
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") in (
        "*", ["*"]))
    return statement.get("Effect") == "Allow" and everyone and not statement.get("Condition")
