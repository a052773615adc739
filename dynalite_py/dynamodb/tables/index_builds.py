"""Online GSI changes (UpdateTable GlobalSecondaryIndexUpdates).

A created index enters the table record as CREATING with Backfilling=true;
a backfill job (jobs/backfill.py) fills it with the entries of the items
already there, then marks it ACTIVE. Until then a read of the index is
refused (`backfill_is_running`). Deleting an index removes it and its
entries in one commit.
"""
from __future__ import annotations

from ...errors import DynamoError, invalid_parameter, resource_not_found, validation_error
from ...storage.catalog import INDEX_NUMBERS
from ...storage.interface import WriteContext
from .indexes import Index
from .keyschema import defined_attribute_names, validate_index_common
from .settings import check_index_throughput

ACTIONS = ("Create", "Update", "Delete")


def validate_index_updates(updates: list[dict]) -> None:
    """GlobalSecondaryIndexUpdates' own rules, checked before the table is
    looked up (dynalite's validations/updateTable.js; AWS's wording of the
    empty list and of two actions in one update from ack-api-quirks'
    catalogue)."""
    if not updates:
        raise invalid_parameter("List of GlobalSecondaryIndexUpdates is empty")
    names: set[str] = set()
    for update in updates:
        actions = [action for action in ACTIONS if update.get(action) is not None]
        if not actions:
            raise invalid_parameter(
                "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                "GlobalSecondaryIndexUpdate.Delete must not be null")
        if len(actions) > 1:
            raise invalid_parameter(
                "Only one global secondary index action is allowed per "
                "GlobalSecondaryIndexUpdate object")
        name = update[actions[0]]["IndexName"]
        if name in names:
            raise invalid_parameter("Only one global secondary index update per index is "
                                    f"allowed simultaneously. Index: {name}")
        names.add(name)


def creates_or_deletes(updates: list[dict]) -> list[dict]:
    """The updates that create or delete an index (online index builds)."""
    return [update for update in updates if "Create" in update or "Delete" in update]


def apply_updates(ctx: WriteContext, engine, record: dict, updates: list[dict],
                  definitions: list[dict] | None) -> None:
    """Apply GlobalSecondaryIndexUpdates to a table record being written."""
    changes = creates_or_deletes(updates)
    if len(changes) > 1:
        raise DynamoError("LimitExceededException", "Subscriber limit exceeded: Only 1 online "
                          "index can be created or deleted simultaneously per table")
    indexes = [dict(index) for index in record.get("GlobalSecondaryIndexes", [])]
    if any(index.get("IndexStatus") in ("CREATING", "DELETING") for index in indexes) and changes:
        raise DynamoError("LimitExceededException", "Subscriber limit exceeded: Only 1 online "
                          "index can be created or deleted simultaneously per table")
    for update in updates:
        if "Create" in update:
            indexes.append(_created(ctx, engine, record, update["Create"], indexes, definitions))
        elif "Delete" in update:
            indexes = _deleted(ctx, engine, record, update["Delete"]["IndexName"], indexes)
        elif "Update" in update:
            _throughput_updated(record, update["Update"], indexes)
    if indexes:
        record["GlobalSecondaryIndexes"] = indexes
    else:
        record.pop("GlobalSecondaryIndexes", None)


def _created(ctx: WriteContext, engine, record: dict, create: dict, indexes: list[dict],
             definitions: list[dict] | None) -> dict:
    name = create["IndexName"]
    all_names = [i["IndexName"] for i in indexes + record.get("LocalSecondaryIndexes", [])]
    if name in all_names:
        raise validation_error("Attempting to create an index which already exists")
    if not definitions:
        raise invalid_parameter(f"AttributeDefinitions is not specified for index: {name}")
    # The index's keys must be defined in the request itself; an attribute the
    # table already defines keeps its stored type (conformance suite,
    # tier2/updateTable/gsi: AWS accepts a conflicting redeclaration).
    requested = defined_attribute_names(definitions)
    validate_index_common(create, requested, is_global=True)
    merged = {d["AttributeName"]: d for d in record["AttributeDefinitions"]}
    for definition in definitions:
        merged.setdefault(definition["AttributeName"], definition)
    keys = [key["AttributeName"] for key in create["KeySchema"]]
    on_demand = is_on_demand(record)
    throughput = create.get("ProvisionedThroughput")
    check_index_throughput(name, throughput, on_demand)
    if len(indexes) >= 20:
        raise invalid_parameter("GlobalSecondaryIndex count exceeds the per-table limit of 20")
    used = {key for index in indexes + record.get("LocalSecondaryIndexes", [])
            for key in (k["AttributeName"] for k in index["KeySchema"])}
    used |= {key["AttributeName"] for key in record["KeySchema"]} | set(keys)
    record["AttributeDefinitions"] = [merged[name_] for name_ in merged if name_ in used]
    return {"IndexName": name, "KeySchema": create["KeySchema"],
            "Projection": create["Projection"],
            "ProvisionedThroughput": {
                "ReadCapacityUnits": throughput["ReadCapacityUnits"] if throughput else 0,
                "WriteCapacityUnits": throughput["WriteCapacityUnits"] if throughput else 0,
                "NumberOfDecreasesToday": 0},
            "number": engine.catalog.next_number(ctx, INDEX_NUMBERS),
            "IndexStatus": "CREATING", "Backfilling": True}


def _deleted(ctx: WriteContext, engine, record: dict, name: str,
             indexes: list[dict]) -> list[dict]:
    index = _global_index(record, indexes, name, "delete")
    engine.repos.indexes.drop(ctx.txn, Index.from_definition(index, True, ()).id)
    return [other for other in indexes if other is not index]


def _global_index(record: dict, indexes: list[dict], name: str, verb: str) -> dict:
    """The GSI an Update or Delete names; an LSI's name is refused as AWS
    words it (ack-api-quirks' catalogue), another is not found."""
    index = next((index for index in indexes if index["IndexName"] == name), None)
    if index is not None:
        return index
    if any(local["IndexName"] == name for local in record.get("LocalSecondaryIndexes", ())):
        raise validation_error(f"Cannot {verb} an index that is not a GlobalSecondaryIndex: {name}")
    raise resource_not_found(f"Requested resource not found: Index: {name} not found")


def is_on_demand(record: dict) -> bool:
    """Whether a table record is billed per request."""
    return not record["ProvisionedThroughput"]["ReadCapacityUnits"] and record.get(
        "BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"


def _throughput_updated(record: dict, update: dict, indexes: list[dict]) -> None:
    index = _global_index(record, indexes, update["IndexName"], "update")
    if is_on_demand(record) and update.get("ProvisionedThroughput"):
        # AWS's wording (ack-api-quirks' catalogue)
        raise invalid_parameter(f"The only Updates for index: {index['IndexName']} when "
                                "TableThroughputMode is PAY_PER_REQUEST can be to "
                                "OnDemandThroughput, WarmThroughput")
    if update.get("ProvisionedThroughput"):
        index["ProvisionedThroughput"] = dict(index["ProvisionedThroughput"],
                                              **update["ProvisionedThroughput"])


def backfill_is_running(table, index_name: str) -> bool:
    definition = next((index for index in table.record.get("GlobalSecondaryIndexes", [])
                       if index["IndexName"] == index_name), {})
    return bool(definition.get("Backfilling"))
