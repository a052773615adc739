"""UpdateTable's ReplicaUpdates (global tables version 2019.11.21): add a
replica in another region (Create), change a replica's overrides (Update),
remove one (Delete).

A replica is the same table (name, key schema, attributes, indexes, billing
mode, a stream) created in the other region's namespace (Engine.in_namespace)
with the region's engine; then every replica's record gets the same
`replicas` map (replica_records.py) and the new replica receives a copy of
the items. From then on jobs/replication.py copies each change from the
stream of the replica it was written in to the others. The steps are
separate commits in separate namespaces; each is safe to repeat.

AWS's messages: "Cannot add or delete the local region ...", "Disabling
Stream is not allowed for a Global Table replica", "Failed to create a the
new replica ..." (sic, for a region that holds the table already) and the
ones of validate_replica_updates are AWS's answers as captured in ScyllaDB's
test_global_tables.py and ack-api-quirks' DynamoDB catalogue; for a region
name AWS does not know it adds the list of regions it supports, which we
leave out.
"""
from __future__ import annotations

from ...errors import DynamoError, validation_error
from ...jobs.replication import REPLICATION_CHECKPOINT, apply_changes
from ...namespaces import Namespace, is_region_name
from ...storage.items import StoredItem
from ..bulk.bulk_details import bulk_in_progress
from .catalog import Table
from .replica_records import LEGACY_VERSION, OVERRIDES
from .settings import enable_stream

LOCAL_REGION = ("Cannot add or delete the local region through ReplicaUpdates. "
                "Use CreateTable, DeleteTable, or UpdateTable as required.")
STREAM_REQUIRED_ON_REPLICA = "Disabling Stream is not allowed for a Global Table replica."
NO_ACTIONS = "There are no actions specified in the Replica Update Action of the request."
MIXED_ACTIONS = "Update table operation with more than one type of replica actions not allowed."
MANY_CREATES_OR_DELETES = ("Update table operation with more than one create or delete replica "
                           "actions not allowed")
COPY_BATCH = 100


def validate_replica_updates(engine, updates: list[dict], one_at_a_time: bool = True) -> None:
    """Shape rules the model cannot say, with AWS's messages (ack-api-quirks'
    capture DDB-TABLE-223/258): one action per update, a region shaped like
    one and not the local one, and (`one_at_a_time`: but for a STRONG group)
    at most one Create or Delete per call."""
    for update in updates:
        actions = [action for action in ("Create", "Update", "Delete") if update.get(action)]
        if not actions or (actions == ["Update"] and not _update_changes(update["Update"])):
            raise validation_error(NO_ACTIONS)
        if len(actions) > 1:
            raise validation_error(MIXED_ACTIONS)
        region = update[actions[0]]["RegionName"]
        if region == engine.config.region:
            raise validation_error(LOCAL_REGION)
        if not is_region_name(region):
            raise validation_error(f"Region {region} is not supported.")
    if one_at_a_time and sum(
            1 for update in updates if update.get("Create") or update.get("Delete")) > 1:
        raise validation_error(MANY_CREATES_OR_DELETES)


def _update_changes(action: dict) -> bool:
    return any(action.get(field) is not None for field in OVERRIDES)


def not_replicas(regions: list[str]) -> DynamoError:
    return validation_error(
        "Update global table operation failed because one or more replicas were not part of the "
        f"global table. Please retry the request without these replicas: [{', '.join(regions)}].")


def apply_replica_updates(engine, name: str, updates: list[dict]) -> None:
    for update in updates:
        if update.get("Create"):
            create_replica(engine, name, update["Create"])
        elif update.get("Update"):
            update_replica(engine, name, update["Update"])
        else:
            delete_replica(engine, name, update["Delete"]["RegionName"])


def region_engine(engine, region: str):
    return engine.in_namespace(Namespace(engine.config.account_id, region))


# Create -------------------------------------------------------------------
def create_replica(engine, name: str, action: dict, of_same_call: bool = False) -> None:
    """`of_same_call`: another Create of the same UpdateTable (a STRONG
    group's) came first, so the table may be UPDATING by its doing."""
    region = action["RegionName"]
    now = engine.clock()

    def prepare(ctx):
        table = engine.catalog.require(ctx, name) if of_same_call else \
            engine.catalog.require_active(ctx, name, now)
        refuse_legacy(table)
        if region in table.replica_regions:
            raise already_replicated(name)
        if bulk_in_progress(engine, ctx.txn, table):  # AWS's rule; our wording
            raise validation_error(f"Table {name} has a bulk operation in progress: a replica "
                                   "cannot be added until it ends")
        record = dict(table.record)
        if not record.get("stream"):  # AWS enables one; an existing stream stays as it is
            enable_stream(ctx, engine, record, "NEW_AND_OLD_IMAGES", now)
            engine.catalog.put(ctx, record)
        return engine.catalog.describe(ctx.txn, Table(record), now), Table(record)

    description, source = engine.store.write(prepare)
    replica = region_engine(engine, region)
    try:
        replica.call("CreateTable", replica_table_request(description, action))
    except DynamoError as error:
        if error.name == "ResourceInUseException":
            raise already_replicated(name) from None
        raise
    replicas = dict(source.record.get("replicas") or {engine.config.region: {"created": now}})
    replicas[region] = {"created": now, **{field: action[field] for field in OVERRIDES
                                           if action.get(field) is not None}}
    for member in replicas:
        set_replicas(region_engine(engine, member), name, replicas, now,
                     start_replicating=member == engine.config.region)
    copy_items(engine, name, replica)


def refuse_legacy(table: Table) -> None:
    """A 2017.11.29 group's members change through UpdateGlobalTable (our
    wording: AWS upgrades a legacy group only from its console)."""
    if table.record.get("global_table_version") == LEGACY_VERSION:
        raise validation_error(f"Table {table.name} is a replica of a global table of version "
                               f"{LEGACY_VERSION}: use UpdateGlobalTable to change its replicas")


def already_replicated(name: str) -> DynamoError:
    return validation_error(f"Failed to create a the new replica of table with name: '{name}' "
                            "because one or more replicas already existed as tables.")


def replica_table_request(description: dict, action: dict) -> dict:
    """The CreateTable request of a replica of the described table: same
    keys, attributes, indexes, billing mode and stream view type."""
    on_demand = description.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"
    request = {"TableName": description["TableName"], "KeySchema": description["KeySchema"],
               "AttributeDefinitions": description["AttributeDefinitions"],
               "StreamSpecification": dict(description["StreamSpecification"])}
    if on_demand:
        request["BillingMode"] = "PAY_PER_REQUEST"
    else:
        request["ProvisionedThroughput"] = _throughput(
            description["ProvisionedThroughput"], action.get("ProvisionedThroughputOverride"))
    if description.get("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = [
            {field: index[field] for field in ("IndexName", "KeySchema", "Projection")}
            for index in description["LocalSecondaryIndexes"]]
    if description.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            _index_request(index, on_demand) for index in description["GlobalSecondaryIndexes"]]
    table_class = action.get("TableClassOverride") or description.get(
        "TableClassSummary", {}).get("TableClass")
    if table_class:
        request["TableClass"] = table_class
    if action.get("KMSMasterKeyId"):
        request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS",
                                       "KMSMasterKeyId": action["KMSMasterKeyId"]}
    return request


def _throughput(current: dict, override: dict | None) -> dict:
    return {"ReadCapacityUnits": (override or {}).get("ReadCapacityUnits",
                                                      current["ReadCapacityUnits"]),
            "WriteCapacityUnits": current["WriteCapacityUnits"]}


def _index_request(index: dict, on_demand: bool) -> dict:
    request = {field: index[field] for field in ("IndexName", "KeySchema", "Projection")}
    if not on_demand:
        request["ProvisionedThroughput"] = _throughput(index["ProvisionedThroughput"], None)
    return request


def set_replicas(engine, name: str, replicas: dict, now: float,
                 start_replicating: bool = False, updating: bool = True,
                 legacy_group: dict | None = None) -> None:
    """Give the table in `engine`'s region this replicas map (none: no
    longer global), UPDATING for the status delay unless `updating` is
    False (a replica about to be deleted). `start_replicating`: its changes
    from now on are replicated (the items before are copied once, `copy_items`).
    `legacy_group`: the map is a 2017.11.29 group's (global_tables/legacy.py),
    which may have one region."""

    def update(ctx):
        table = engine.catalog.require(ctx, name)
        record = dict(table.record)
        for field in ("replicas", "global_table_version", "legacy_group") + (
                () if replicas else ("multi_region_consistency", "witnesses")):
            record.pop(field, None)
        if replicas and (len(replicas) > 1 or legacy_group):
            record["replicas"] = replicas
            if legacy_group:
                record.update(global_table_version=LEGACY_VERSION, legacy_group=legacy_group)
        if updating:
            record.update(TableStatus="UPDATING",
                          settles_at=now + engine.config.table_status_delay)
        if start_replicating and record.get("stream"):
            number = record["stream"]["number"]
            last = engine.repos.streams.head(ctx.txn, number)[0]
            engine.repos.checkpoints.set_position(ctx.txn, REPLICATION_CHECKPOINT, str(number),
                                                  last + 1)
        engine.catalog.put(ctx, record)

    engine.store.write(update)


def copy_items(engine, name: str, replica) -> None:
    """Copy every item of the table to the new replica, each with its stamp
    (last writer wins: a write the replica got meanwhile is kept if newer)."""
    with engine.store.read() as txn:
        table = engine.catalog.find(txn, name)
    after = None
    while table is not None:
        with engine.store.read() as txn:
            batch = engine.repos.items.stored_after(txn, table.id, after, COPY_BATCH)
            # an item written before the table was global has no stamp: any
            # later write wins over it
            changes = [(_keys(table, raw), raw,
                        engine.repos.replica_clocks.stamp(txn, table.id, key)
                        or (0.0, engine.config.region)) for key, raw in batch]
        if not changes:
            return
        apply_changes(replica, name, changes)
        after = batch[-1][0]


def _keys(table: Table, raw: bytes) -> dict:
    item = StoredItem(raw).item
    return {name: item[name] for name in table.key_names}


# Update and Delete ------------------------------------------------------------
def update_replica(engine, name: str, action: dict) -> None:
    region = action["RegionName"]
    replicas = _replicas_with(engine, name, [region])
    replicas[region] = dict(replicas[region], **{field: action[field] for field in OVERRIDES
                                                 if action.get(field) is not None})
    now = engine.clock()
    for member in replicas:
        set_replicas(region_engine(engine, member), name, replicas, now)


def delete_replica(engine, name: str, region: str) -> None:
    delete_replicas(engine, name, [region])


def delete_replicas(engine, name: str, regions: list[str]) -> None:
    """Remove these replicas (all at once: a STRONG group's dissolution)."""
    replicas = _replicas_with(engine, name, regions)
    for region in regions:
        del replicas[region]
    now = engine.clock()
    removed = [region_engine(engine, region) for region in regions]
    for replica in removed:  # they replicate no more, then go
        set_replicas(replica, name, {}, now, updating=False)
    for member in replicas:
        set_replicas(region_engine(engine, member), name, replicas, now)
    for replica in removed:
        replica.call("DeleteTable", {"TableName": name})


def _replicas_with(engine, name: str, regions: list[str]) -> dict:
    """The table's replicas map (a copy), which must hold `regions`."""
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, name)
    refuse_legacy(table)
    replicas = dict(table.record.get("replicas") or {})
    strangers = [region for region in regions if region not in replicas]
    if strangers:
        raise not_replicas(strangers)
    return replicas

