"""Online GSI changes (UpdateTable GlobalSecondaryIndexUpdates) and backfills.

A created index enters the table record as CREATING with Backfilling=true.
From that moment every item write maintains its entries (ItemWriter.write
sees the index), while a background backfill walks the existing items in
small transactions, adding the entries still missing, so writes are never
blocked. The walk's position is stored with the index entries
(IndexEntries.backfill_position), so a restart resumes it. The walk runs
under a lease held in the store (storage/leases.py), so of the processes
sharing a store one fills an index at a time; the others leave it, and the
sweeper's next pass (resume_backfills) takes it over once the lease is
given up or expires. When the walk ends the index turns ACTIVE.
Deleting an index removes it and its entries in one commit.
"""
from __future__ import annotations

import logging
import threading

from .errors import DynamoError, invalid_parameter, resource_not_found, validation_error
from .indexes import Index, add_entry
from .keyschema import check_key_types, check_keys_defined, validate_index_common
from .storage.catalog import INDEX_NUMBERS
from .storage.indexes import IndexEntries
from .storage.interface import Conflict, WriteContext
from .storage.leases import Lease, new_owner

log = logging.getLogger("dynalite_py")
BACKFILL_BATCH = 500
MIN_BACKFILL_BATCH = 8
# how long a backfill's lease outlives its last renewal (one per batch)
BACKFILL_LEASE_SECONDS = 30.0


def backfill_lease(table_name: str, index_name: str) -> str:
    """The name of the lease a backfill of the index runs under."""
    return f"backfill:{table_name}/{index_name}"


def apply_updates(ctx: WriteContext, engine, record: dict, updates: list[dict],
                  definitions: list[dict] | None) -> None:
    """Apply GlobalSecondaryIndexUpdates to a table record being written."""
    changes = [update for update in updates if "Create" in update or "Delete" in update]
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
            _throughput_updated(update["Update"], indexes)
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
    merged = {d["AttributeName"]: d for d in record["AttributeDefinitions"]}
    for definition in definitions or []:
        merged.setdefault(definition["AttributeName"], definition)
    keys = [key["AttributeName"] for key in create["KeySchema"]]
    check_keys_defined(keys, list(merged))
    check_key_types(create["KeySchema"])
    validate_index_common(create, list(merged))
    on_demand = not record["ProvisionedThroughput"]["ReadCapacityUnits"] and record.get(
        "BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"
    throughput = create.get("ProvisionedThroughput")
    if on_demand and throughput:
        raise invalid_parameter(f"ProvisionedThroughput should not be specified for index: "
                                f"{name} when BillingMode is PAY_PER_REQUEST")
    if not on_demand and not throughput:
        raise invalid_parameter(f"ProvisionedThroughput must be specified for index: {name}")
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
    index = next((index for index in indexes if index["IndexName"] == name), None)
    if index is None:
        raise resource_not_found(f"Requested resource not found: Index: {name} not found")
    engine.repos.indexes.drop(ctx.txn, Index.from_definition(index, True, ()).id)
    return [other for other in indexes if other is not index]


def _throughput_updated(update: dict, indexes: list[dict]) -> None:
    index = next((index for index in indexes if index["IndexName"] == update["IndexName"]), None)
    if index is None:
        raise resource_not_found(
            f"Requested resource not found: Index: {update['IndexName']} not found")
    index["ProvisionedThroughput"] = dict(index["ProvisionedThroughput"],
                                          **update["ProvisionedThroughput"])


# Backfill ---------------------------------------------------------------------
def resume_backfills(engine) -> None:
    """Start a backfill thread for every CREATING index not being filled here."""
    with engine.store.read() as txn:
        pending = [(table.name, index.name) for table in engine.catalog.tables(txn)
                   for definition in table.record.get("GlobalSecondaryIndexes", [])
                   if definition.get("Backfilling")
                   for index in table.indexes if index.name == definition["IndexName"]]
    for table_name, index_name in pending:
        key = (table_name, index_name)
        with engine.backfill_lock:
            if key in engine.backfills:
                continue
            thread = threading.Thread(target=_backfill, args=(engine, table_name, index_name),
                                      name=f"backfill-{index_name}", daemon=True)
            engine.backfills[key] = thread
        thread.start()


def _backfill(engine, table_name: str, index_name: str) -> None:
    """Index the table's items batch by batch while this thread holds the
    backfill's lease. A batch that loses to concurrent writes on every retry
    (the store's Conflict: a backend with optimistic writes, under a steady
    write load) runs again smaller, since a shorter transaction meets fewer
    of them; each success doubles it back towards BACKFILL_BATCH. The index
    turns ACTIVE in a write of its own, which reads no items, so it does not
    conflict with every write racing the last batch."""
    lease = Lease(engine.store, backfill_lease(table_name, index_name), new_owner(),
                  BACKFILL_LEASE_SECONDS)
    batch = BACKFILL_BATCH
    try:
        while not engine.closing.is_set() and lease.hold():
            try:
                if engine.store.write(
                        lambda ctx: _backfill_step(ctx, engine, table_name, index_name, batch)):
                    engine.store.write(lambda ctx: _mark_active(ctx, engine, table_name,
                                                                index_name))
                    return
                batch = min(BACKFILL_BATCH, batch * 2)
            except Conflict:
                batch = max(MIN_BACKFILL_BATCH, batch // 4)
    except Exception:  # the table or index went away, or the engine closed
        log.debug("backfill of %s.%s stopped", table_name, index_name, exc_info=True)
    finally:
        lease.release()
        with engine.backfill_lock:
            engine.backfills.pop((table_name, index_name), None)


def _backfill_step(ctx: WriteContext, engine, table_name: str, index_name: str,
                   batch: int) -> bool:
    """Index the next `batch` items; True once every item is indexed (or the
    index is gone)."""
    table, index = _building(ctx, engine, table_name, index_name)
    if index is None:
        return True
    entries = engine.repos.indexes
    count = 0
    position = entries.backfill_position(ctx.txn, index.id)
    for key, item in engine.repos.items.of_table(ctx.txn, table.id, after=position):
        _index_item(ctx, entries, index, key, item)
        count += 1
        if count >= batch:
            entries.set_backfill_position(ctx.txn, index.id, key)
            return False
    return True


def _building(ctx: WriteContext, engine, table_name: str, index_name: str) -> tuple:
    """(table, index) as the write sees them; index None once it is gone."""
    table = engine.catalog.current(ctx, table_name)
    index = next((i for i in table.indexes if i.name == index_name), None) if table else None
    return table, index


def _index_item(ctx: WriteContext, entries: IndexEntries, index: Index, table_key: bytes,
                item: dict) -> None:
    """Add the item's entry unless a write since the index was created did."""
    entry_key = index.entry_key(item, table_key)
    if entry_key is not None and entries.size(ctx.txn, entry_key) is None:
        add_entry(ctx, entries, index, entry_key, table_key, index.project(item))


def _mark_active(ctx: WriteContext, engine, table_name: str, index_name: str) -> None:
    """The backfill is done: the index is ACTIVE, its position forgotten."""
    table, index = _building(ctx, engine, table_name, index_name)
    if index is None:
        return
    engine.repos.indexes.set_backfill_position(ctx.txn, index.id, None)
    record = dict(table.record)
    record["GlobalSecondaryIndexes"] = [
        {k: v for k, v in index.items() if k != "Backfilling"} | {"IndexStatus": "ACTIVE"}
        if index["IndexName"] == index_name else index
        for index in record["GlobalSecondaryIndexes"]]
    engine.catalog.put(ctx, record)


def backfill_is_running(table, index_name: str) -> bool:
    definition = next((index for index in table.record.get("GlobalSecondaryIndexes", [])
                       if index["IndexName"] == index_name), {})
    return bool(definition.get("Backfilling"))
