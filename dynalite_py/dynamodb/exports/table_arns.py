"""The table ARNs the export and import operations take (never a bare name)."""
from __future__ import annotations

import re

from ...errors import validation_error

_TABLE_ARN = re.compile(r"arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/([a-zA-Z0-9_.-]{3,255})")


def table_of_arn(arn: str) -> str:
    """The table name in a table ARN; ValidationException for anything else."""
    match = _TABLE_ARN.fullmatch(arn)
    if match is None:
        raise validation_error(f"Invalid TableArn: {arn}")
    return match.group(1)
