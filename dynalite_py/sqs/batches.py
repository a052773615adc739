"""What the SQS batch operations share: the entries' rules (1 to 10
entries, distinct ids of AWS's form) and their Successful/Failed answer."""
from __future__ import annotations

import re

from .errors import SqsError

MAX_ENTRIES = 10
_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def check_entries(entries: list[dict], entry_shape: str) -> None:
    if not entries:
        raise SqsError("EmptyBatchRequest",
                       f"There should be at least one {entry_shape} in the request.")
    if len(entries) > MAX_ENTRIES:
        raise SqsError("TooManyEntriesInBatchRequest", "Maximum number of entries per request "
                       f"are {MAX_ENTRIES}. You have sent {len(entries)}.")
    seen = set()
    for entry in entries:
        if not _ENTRY_ID.match(entry["Id"]):
            raise SqsError("InvalidBatchEntryId", "A batch entry id can only contain "
                           "alphanumeric characters, hyphens and underscores. It can be at "
                           "most 80 letters long.")
        if entry["Id"] in seen:
            raise SqsError("BatchEntryIdsNotDistinct", f"Id {entry['Id']} repeated.")
        seen.add(entry["Id"])


def failed_entry(entry_id: str, error: SqsError) -> dict:
    """A Failed entry: AWS reports the query protocol's code."""
    failed = {"Id": entry_id, "SenderFault": True, "Code": error.query_code}
    if error.message is not None:
        failed["Message"] = error.message
    return failed


def answer(successful: list[dict], failed: list[dict]) -> dict:
    return {"Successful": successful, "Failed": failed}
