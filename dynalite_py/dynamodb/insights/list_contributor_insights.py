"""ListContributorInsights: the tables and indexes with Contributor
Insights on (or turning on or off), a page of MaxResults at a time."""
from __future__ import annotations

import base64
import binascii

from ...errors import validation_error
from ..tables.catalog import table_name_from
from .insights import insights_of, insights_table, status_of

NAME = "ListContributorInsights"
READ_ONLY = True
DEFAULT_PAGE = 100


def run(engine, request: dict) -> dict:
    now, delay = engine.clock(), engine.config.table_status_delay
    with engine.store.read() as txn:
        if request.get("TableName"):
            tables = [insights_table(engine, txn, table_name_from(request["TableName"]),
                                     write=False)]
        else:
            tables = sorted(engine.catalog.tables(txn), key=lambda table: table.name)
    summaries = []
    for table in tables:
        for index_name, setting in sorted(insights_of(table).items()):
            status = status_of(setting, now, delay)
            if status == "DISABLED":
                continue
            summary = {"TableName": table.name, "ContributorInsightsStatus": status,
                       "ContributorInsightsMode": setting["mode"]}
            if index_name:
                summary["IndexName"] = index_name
            summaries.append(summary)
    start = _position(request.get("NextToken"))
    size = request.get("MaxResults") or DEFAULT_PAGE
    response: dict = {"ContributorInsightsSummaries": summaries[start:start + size]}
    if start + size < len(summaries):
        response["NextToken"] = base64.urlsafe_b64encode(
            f"insights:{start + size}".encode()).decode()
    return response


def _position(token: str | None) -> int:
    if token is None:
        return 0
    try:
        kind, _, position = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "insights" and position.isdigit():
            return int(position)
    except (binascii.Error, UnicodeError, ValueError):
        pass
    # UNCERTAIN wording: no capture of a forged NextToken found
    raise validation_error(f"Invalid NextToken: {token}")
