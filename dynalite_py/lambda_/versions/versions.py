"""Published versions: immutable snapshots of a function's $LATEST.

A version record is $LATEST's record as it was when published (its code
directory, content-addressed by the code's SHA-256, is shared, never
copied), numbered from the function's `last_version` counter, so a deleted
version's number is never used again. Publishing what the last version
already holds publishes nothing and answers that version, as Lambda does.
"""
from __future__ import annotations

import uuid

from ...storage.interface import WriteContext
from ..functions.functions import Functions, iso_now, lambda_error
from ..functions.qualifiers import FUNCTION_LEVEL, qualified_arn

# what a version's record holds that does not make it a different version
_NOT_CONTENT = ("FunctionArn", "Version", "RevisionId", "LastModified", "Description")


def content(record: dict) -> dict:
    """The code and configuration a version is a snapshot of."""
    return {key: value for key, value in record.items()
            if key[0].isupper() and key not in _NOT_CONTENT}


def publish(functions: Functions, ctx: WriteContext, latest: dict,
            description: str | None = None) -> dict:
    """Publish $LATEST as a new version (or answer the last one if nothing
    changed since); return the version's record."""
    versions = functions.engine.repos.versions
    name = latest["FunctionName"]
    published = versions.of(ctx.txn, name)
    if published and content(published[-1]) == content(latest):
        return published[-1]
    number = str(latest.get("last_version", 0) + 1)
    record = {key: value for key, value in latest.items() if key not in FUNCTION_LEVEL}
    record.update(Version=number, FunctionArn=qualified_arn(functions, name, number),
                  RevisionId=str(uuid.uuid4()), LastModified=iso_now(),
                  Description=latest.get("Description", "") if description is None
                  else description)
    versions.put(ctx.txn, name, number, record)
    functions.put(ctx, dict(latest, last_version=int(number)))
    return record


def check_revision(record: dict, revision_id: str | None, read_with: str) -> None:
    """PreconditionFailedException unless `revision_id` (if given) is the
    record's current RevisionId."""
    if revision_id is not None and revision_id != record["RevisionId"]:
        raise lambda_error("PreconditionFailedException",
                           "The Revision Id provided does not match the latest Revision Id. "
                           f"Call the {read_with} API to retrieve the latest Revision Id", 412)
