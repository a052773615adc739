"""DescribeContributorInsights: the state of a table's or index's
Contributor Insights, its rules and last change."""
from __future__ import annotations

from ...protocol.validation import ShapeRules
from ..tables.catalog import table_name_from
from .insights import (
    check_index,
    check_index_name,
    insights_of,
    insights_table,
    rule_names,
    status_of,
)

NAME = "DescribeContributorInsights"
# DynamoDB words an IndexName of a bad length itself (insights.check_index_name)
SHAPE_RULES = ShapeRules(member_overrides={
    ("DescribeContributorInsightsInput", "IndexName"): {"unconstrained": True}})
READ_ONLY = True


def run(engine, request: dict) -> dict:
    index_name = request.get("IndexName")
    check_index_name(index_name)
    with engine.store.read() as txn:
        table = insights_table(engine, txn, table_name_from(request["TableName"]), write=False)
    check_index(table, index_name)
    setting = insights_of(table).get(index_name or "")
    status = status_of(setting, engine.clock(), engine.config.table_status_delay)
    response: dict = {"TableName": table.name, "ContributorInsightsStatus": status}
    if index_name is not None:
        response["IndexName"] = index_name
    if setting is not None:
        response["LastUpdateDateTime"] = setting["changed_at"]
        if status in ("ENABLING", "ENABLED"):
            response["ContributorInsightsRuleList"] = rule_names(table, index_name, setting)
            response["ContributorInsightsMode"] = setting["mode"]
    return response
