"""UpdateGlobalTable (2017.11.29): add a region's empty same-named table to
a legacy global table (its items are then copied in), or take a region's
table out of it (the table stays, no longer replicated)."""
from __future__ import annotations

from ...errors import DynamoError, validation_error
from ..tables.replicas import copy_items, region_engine, set_replicas
from .create_global_table import check_regions
from .legacy import check_same_shape, group_description, legacy_group, member_table

NAME = "UpdateGlobalTable"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    name = request["GlobalTableName"]
    updates = request["ReplicaUpdates"]
    if not updates:  # AWS's words, with no detail (DDB-GLOBALTABLE-004)
        raise validation_error("One or more parameter values were invalid")
    actions = [_action(update) for update in updates]
    check_regions([region for _, region in actions])
    table = legacy_group(engine, name)
    for action, region in actions:
        table = add_region(engine, table, region) if action == "Create" \
            else remove_region(engine, table, region)
    return {"GlobalTableDescription": group_description(engine, table)}


def _action(update: dict) -> tuple[str, str]:
    actions = [action for action in ("Create", "Delete") if update.get(action)]
    if len(actions) != 1:
        raise validation_error("One or more parameter values were invalid: exactly one of "
                               "Create or Delete must be given in a ReplicaUpdate")
    return actions[0], update[actions[0]]["RegionName"]


def add_region(engine, table, region: str):
    name, replicas = table.name, dict(table.record["replicas"])
    joining = member_table(engine, name, region) if region not in replicas else None
    if joining is None or joining.record.get("replicas"):
        raise DynamoError("ReplicaAlreadyExistsException",
                          f"Replica in region {region} already exists for global table {name}")
    check_same_shape({engine.config.region: table, region: joining})
    now = engine.clock()
    replicas[region] = {"created": now}
    group = table.record["legacy_group"]
    for member in replicas:
        set_replicas(region_engine(engine, member), name, replicas, now, updating=False,
                     start_replicating=member == region, legacy_group=group)
    copy_items(engine, name, region_engine(engine, region))
    return legacy_group(engine, name)


def remove_region(engine, table, region: str):
    name, replicas = table.name, dict(table.record["replicas"])
    if region not in replicas:
        raise DynamoError("ReplicaNotFoundException",
                          f"Replica in region {region} does not exist for global table {name}")
    del replicas[region]
    now = engine.clock()
    set_replicas(region_engine(engine, region), name, {}, now, updating=False)
    for member in replicas:
        set_replicas(region_engine(engine, member), name, replicas, now, updating=False,
                     legacy_group=table.record["legacy_group"])
    remaining = engine.config.region if engine.config.region in replicas else next(
        iter(sorted(replicas)), None)
    if remaining is None:  # the last region left: the group is gone
        return table
    return legacy_group(region_engine(engine, remaining), name)
