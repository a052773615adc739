"""UpdateContributorInsights: turn Contributor Insights on or off for a
table or one of its indexes (ENABLING / DISABLING)."""
from __future__ import annotations

from ...errors import validation_error
from ...protocol.validation import ShapeRules
from ..tables.catalog import table_name_from
from .insights import DEFAULT_MODE, check_index, check_index_name, insights_of, insights_table

NAME = "UpdateContributorInsights"
# DynamoDB words an IndexName of a bad length itself (insights.check_index_name)
SHAPE_RULES = ShapeRules(member_overrides={
    ("UpdateContributorInsightsInput", "IndexName"): {"unconstrained": True}})
READ_ONLY = False


def run(engine, request: dict) -> dict:
    name = table_name_from(request["TableName"])
    index_name = request.get("IndexName")
    check_index_name(index_name)
    enable = request["ContributorInsightsAction"] == "ENABLE"

    def update(ctx):
        now = engine.clock()
        table = insights_table(engine, ctx, name, write=True)
        check_index(table, index_name)
        if enable and table.status(now) != "ACTIVE":
            raise validation_error(
                "Table or Index is not in a valid state to update Key Access Insights: "
                "TableStatus must be ACTIVE to enable ContributorInsights.")
        settings = dict(insights_of(table))
        mode = request.get("ContributorInsightsMode") or (
            settings.get(index_name or "", {}).get("mode") or DEFAULT_MODE)
        settings[index_name or ""] = {"enabled": enable, "changed_at": now, "mode": mode}
        engine.catalog.put(ctx, dict(table.record, ContributorInsights=settings))
        response = {"TableName": table.name,
                    "ContributorInsightsStatus": "ENABLING" if enable else "DISABLING"}
        if index_name is not None:
            response["IndexName"] = index_name
        if enable:
            response["ContributorInsightsMode"] = mode
        return response

    return engine.store.write(update)
