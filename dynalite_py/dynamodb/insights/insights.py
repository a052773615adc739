"""Contributor Insights settings of a table and its indexes, kept in the
table record ("ContributorInsights": {index name, or "" for the table:
{"enabled", "changed_at", "mode"}}), with DynamoDB's states: ENABLING
then ENABLED, DISABLING then DISABLED, each transition taking the
engine's table_status_delay (read lazily, like a table's status).

dynalite-py keeps no CloudWatch rules: the states and rule names are
DynamoDB's, the most-accessed-key graphs are not kept.
"""
from __future__ import annotations

from ...errors import resource_not_found, validation_error
from ..tables.catalog import Table

DEFAULT_MODE = "ACCESSED_AND_THROTTLED_KEYS"


def insights_of(table: Table) -> dict[str, dict]:
    return table.record.get("ContributorInsights") or {}


def status_of(setting: dict | None, now: float, delay: float) -> str:
    if setting is None:
        return "DISABLED"
    settling = now < setting["changed_at"] + delay
    if setting["enabled"]:
        return "ENABLING" if settling else "ENABLED"
    return "DISABLING" if settling else "DISABLED"


def check_index(table: Table, index_name: str | None) -> None:
    if index_name is not None and index_name not in {index.name for index in table.indexes}:
        # UNCERTAIN wording: no capture of an unknown index here
        raise resource_not_found(f"Requested resource not found: Index: {index_name} not found")


def check_index_name(index_name: str | None) -> None:
    """DynamoDB words an IndexName of a bad length itself (DDB-TABLE-457)."""
    if index_name is not None and not 3 <= len(index_name) <= 255:
        raise validation_error("IndexName must be at least 3 characters long and at most 255 "
                               "characters long")


def insights_table(engine, ctx_or_txn, name: str, write: bool) -> Table:
    catalog = engine.catalog
    table = catalog.current(ctx_or_txn, name) if write else catalog.find(ctx_or_txn, name)
    if table is None:
        raise resource_not_found(f"Requested resource not found: Table: {name} not found")
    return table


def rule_names(table: Table, index_name: str | None, setting: dict) -> list[str]:
    """The CloudWatch rule names DynamoDB shows for the keys it tracks:
    partition keys (PKC accessed, PKT throttled) and, with a sort key, the
    sort keys (SKC, SKT)."""
    kinds = ["PKC", "PKT"]
    schema = table.record["KeySchema"]
    if index_name is not None:
        schema = next(i for i in table.record.get("GlobalSecondaryIndexes", []) +
                      table.record.get("LocalSecondaryIndexes", [])
                      if i["IndexName"] == index_name)["KeySchema"]
    if len(schema) > 1:
        kinds += ["SKC", "SKT"]
    if setting.get("mode") == "THROTTLED_KEYS":
        kinds = [kind for kind in kinds if kind.endswith("T")]
    subject = table.name if index_name is None else f"{table.name}-{index_name}"
    stamp = round(setting["changed_at"] * 1000)
    return [f"DynamoDBContributorInsights-{kind}-{subject}-{stamp}" for kind in kinds]
