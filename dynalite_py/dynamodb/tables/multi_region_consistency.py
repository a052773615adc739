"""Multi-region strong consistency (MultiRegionConsistency STRONG): a global
table of three regions (three replicas, or two and a witness) whose writes
are acknowledged only once every replica has them, so a strongly consistent
read in any region sees every acknowledged write.

Every replica is a namespace of one store, so a STRONG group needs no
consensus protocol: a write to one replica writes the others in the same
transaction (ItemWriter.commit, through Engine.strong_replicas), stamped as
the asynchronous replication stamps (last writer wins, jobs/replication.py,
which still runs and finds nothing newer to apply). A witness holds no
table: members describe it in GlobalTableWitnesses.

UpdateTable builds such a group in one call and dissolves it in one call;
in between its membership is frozen. The rules and messages are AWS's, as
ack-api-quirks' DynamoDB catalogue captured them (DDB-TABLE-257, -258, -202,
-260, -261); the regions are the Region sets AWS documents for witnesses.
"""
from __future__ import annotations

from ...errors import DynamoError, validation_error
from .catalog import Table
from .replica_records import STRONG
from .replicas import (
    create_replica,
    delete_replicas,
    not_replicas,
    region_engine,
    validate_replica_updates,
)

REGION_SETS = (("us-east-1", "us-east-2", "us-west-2"),
               ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"),
               ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3"))
STRONG_REGIONS = frozenset(region for regions in REGION_SETS for region in regions)
GROUP_SIZE = 3
SCOPE = "for global tables with MultiRegionConsistency set to STRONG"
MUST_BE_STRONG = ("MultiRegionConsistency must be set as STRONG when GlobalTableWitnessUpdates "
                  "parameter is present.")
ONLY_CREATES = ("Only Replica Create actions are supported when MultiRegionConsistency "
                "parameter is provided.")
EXISTING = "MultiRegionConsistency parameter is unsupported on existing global table"


def is_strong(table: Table) -> bool:
    return table.record.get("multi_region_consistency") == STRONG


def needs_strong_rules(table: Table, request: dict) -> bool:
    return bool(is_strong(table) or request.get("GlobalTableWitnessUpdates")
                or request.get("MultiRegionConsistency") == STRONG)


def update_strong_group(engine, table: Table, request: dict) -> None:
    """UpdateTable's ReplicaUpdates where STRONG rules apply: build a group
    (creates, MultiRegionConsistency STRONG) or dissolve one (deletes of
    every replica and witness)."""
    updates = request["ReplicaUpdates"]
    validate_replica_updates(engine, updates, one_at_a_time=False)
    mode = request.get("MultiRegionConsistency")
    witness_updates = request.get("GlobalTableWitnessUpdates") or []
    if witness_updates and mode != STRONG and not is_strong(table):
        raise validation_error(MUST_BE_STRONG)
    creates = [update["Create"]["RegionName"] for update in updates if update.get("Create")]
    deletes = [update["Delete"]["RegionName"] for update in updates if update.get("Delete")]
    if mode == STRONG and (deletes or any(w.get("Delete") for w in witness_updates)):
        raise validation_error(ONLY_CREATES)
    if is_strong(table):
        if mode is not None:
            raise validation_error(EXISTING)
        if creates:
            raise validation_error("Cannot add replicas to a global table with strong "
                                   "MultiRegionConsistency")
        dissolve(engine, table, deletes, [w["Delete"]["RegionName"] for w in witness_updates
                                          if w.get("Delete")])
        return
    witnesses = [w["Create"]["RegionName"] for w in witness_updates if w.get("Create")]
    check_new_group(engine, table, creates, witnesses)
    for number, region in enumerate(creates):
        create_replica(engine, table.name, {"RegionName": region}, of_same_call=number > 0)
    now = engine.clock()
    set_strong(engine, table.name, [engine.config.region, *creates],
               {region: {"created": now} for region in witnesses})


def check_new_group(engine, table: Table, creates: list[str], witnesses: list[str]) -> None:
    if len(creates) + len(witnesses) + 1 != GROUP_SIZE:
        raise validation_error(f"Unsupported replica count {SCOPE}.")
    unsupported = [region for region in (engine.config.region, *creates, *witnesses)
                   if region not in STRONG_REGIONS]
    if unsupported:
        raise validation_error(f"Unsupported Region(s) specified {SCOPE}: "
                               f"[{', '.join(unsupported)}].")
    if set(witnesses) & set(creates):
        raise validation_error("Cannot target multiple regions with the same action")
    if engine.config.region in witnesses:
        raise validation_error("Cannot add a witness in the same region as an existing replica "
                               "when creating a global table with MultiRegionConsistency set "
                               "to STRONG.")
    if table.replica_regions:
        raise validation_error(EXISTING)


def dissolve(engine, table: Table, deletes: list[str], witness_deletes: list[str]) -> None:
    """Every other replica and every witness go in one call; the table is
    then a regional table again."""
    witnesses = table.record.get("witnesses") or {}
    strangers = [region for region in witness_deletes if region not in witnesses]
    if strangers:
        raise validation_error(
            "Update global table operation failed because one or more witnesses were not part "
            "of the global table. Please retry the request without these witnesses: "
            f"[{', '.join(strangers)}].")
    if set(witness_deletes) != set(witnesses):
        raise validation_error("Update table delete operation does not include all witnesses.")
    others = set(table.replica_regions) - {engine.config.region}
    missing = [region for region in deletes if region not in others]
    if missing:
        raise not_replicas(missing)
    if set(deletes) != others:
        raise only_one_replica()
    set_strong(engine, table.name, list(table.replica_regions), None)
    delete_replicas(engine, table.name, deletes)


def only_one_replica() -> DynamoError:
    """Also DeleteTable's answer for a member of a STRONG group."""
    return validation_error(f"Deletion of only one table replica is not supported {SCOPE}.")


def set_strong(engine, name: str, regions: list[str], witnesses: dict | None) -> None:
    """Make the group of `regions` STRONG with these witnesses, or (None)
    eventually consistent again, in every member's record."""
    for region in regions:
        member = region_engine(engine, region)

        def update(ctx, member=member):
            record = dict(member.catalog.require(ctx, name).record)
            if witnesses is None:
                record.pop("multi_region_consistency", None)
                record.pop("witnesses", None)
            else:
                record.update(multi_region_consistency=STRONG, witnesses=witnesses)
            member.catalog.put(ctx, record)

        member.store.write(update)
