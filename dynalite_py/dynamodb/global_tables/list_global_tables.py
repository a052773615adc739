"""ListGlobalTables (2017.11.29): the legacy global tables with a replica in
a region (RegionName, or the caller's), by name, in pages."""
from __future__ import annotations

from ...errors import invalid_parameter
from ...namespaces import is_region_name
from ..tables.replicas import region_engine
from .legacy import is_legacy

NAME = "ListGlobalTables"
READ_ONLY = True
DEFAULT_LIMIT = 100  # AWS's page when Limit is not given


def run(engine, request: dict) -> dict:
    region = request.get("RegionName") or engine.config.region
    if not is_region_name(region):  # AWS answers an HTTP 500 here; we say what is wrong
        raise invalid_parameter(f"Region {region} is not a valid AWS region")
    member = region_engine(engine, region)
    with member.store.read() as txn:
        groups = sorted((table.name, table.replica_regions)
                        for table in member.catalog.tables(txn) if is_legacy(table))
    start = request.get("ExclusiveStartGlobalTableName")
    if start is not None:
        groups = [group for group in groups if group[0] > start]
    limit = request.get("Limit") or DEFAULT_LIMIT
    page = groups[:limit]
    response: dict = {"GlobalTables": [
        {"GlobalTableName": name, "ReplicationGroup": [{"RegionName": r} for r in regions]}
        for name, regions in page]}
    if len(groups) > limit:
        response["LastEvaluatedGlobalTableName"] = page[-1][0]
    return response
