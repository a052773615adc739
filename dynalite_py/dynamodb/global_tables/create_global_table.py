"""CreateGlobalTable (2017.11.29): join same-named empty tables of several
regions into a legacy global table (legacy.py)."""
from __future__ import annotations

from ...errors import DynamoError, invalid_parameter
from ...namespaces import is_region_name
from ..tables.replicas import region_engine, set_replicas
from .legacy import check_same_shape, group_description, legacy_group, member_table

NAME = "CreateGlobalTable"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    name = request["GlobalTableName"]
    regions = [replica.get("RegionName") for replica in request["ReplicationGroup"]]
    check_regions(regions)
    tables = {}
    for region in regions:
        table = member_table(engine, name, region)
        if table.record.get("replicas"):
            raise DynamoError("GlobalTableAlreadyExistsException",
                              f"Global table with name: '{name}' already exists.")
        tables[region] = table
    check_same_shape(tables)
    now = engine.clock()
    group = {"created": now}
    replicas = {region: {"created": now} for region in regions}
    for region in regions:
        set_replicas(region_engine(engine, region), name, replicas, now,
                     start_replicating=True, updating=False, legacy_group=group)
    member = region_engine(engine, regions[0])
    return {"GlobalTableDescription": group_description(member, legacy_group(member, name))}


def check_regions(regions: list[str | None]) -> None:
    if not regions:
        raise invalid_parameter("ReplicationGroup must name at least one region")
    for region in regions:
        if region is None:  # the model does not require it
            raise invalid_parameter("Every replica must have a RegionName")
        if not is_region_name(region):
            raise invalid_parameter(f"Region {region} is not a valid AWS region")
    if len(set(regions)) != len(regions):
        raise invalid_parameter("ReplicationGroup names a region more than once")
