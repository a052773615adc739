"""Global tables across several servers on one PostgreSQL database: a
replica made through one server is replicated whichever server takes the
writes, and a STRONG group's write through one server is in every replica,
read through another, at once."""
from __future__ import annotations

import pytest
from global_support import EAST, WEST, add_replica, item_of, region_client
from support import create_table, servers_sharing, wait_for

pytestmark = pytest.mark.postgres_only("several servers share one PostgreSQL database")
OHIO = "us-east-2"
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


@pytest.fixture
def two_servers(tmp_path):
    with servers_sharing(str(tmp_path / "data"), 2) as urls:
        yield urls


def test_replication_runs_whichever_server_takes_the_writes(two_servers):
    first, second = two_servers
    name = create_table(region_client(first, EAST))
    add_replica(region_client(first, EAST), name, WEST)
    region_client(second, EAST).put_item(TableName=name, Item={"pk": {"S": "via-second"}})
    region_client(second, WEST).put_item(TableName=name, Item={"pk": {"S": "west-second"}})
    assert wait_for(lambda: item_of(region_client(first, WEST), name, "via-second"), 15)
    assert wait_for(lambda: item_of(region_client(first, EAST), name, "west-second"), 15)


def test_a_strong_write_through_one_server_is_read_through_another(two_servers):
    first, second = two_servers
    east = region_client(first, EAST)
    name = create_table(east, StreamSpecification=STREAM)
    east.update_table(TableName=name, MultiRegionConsistency="STRONG", ReplicaUpdates=[
        {"Create": {"RegionName": WEST}}, {"Create": {"RegionName": OHIO}}])
    assert wait_for(lambda: east.describe_table(TableName=name)["Table"]["TableStatus"]
                    == "ACTIVE")
    for number, (writer, reader) in enumerate(((second, first), (first, second))):
        key = f"strong-{number}"
        region_client(writer, WEST).put_item(TableName=name, Item={"pk": {"S": key}})
        for region in (EAST, OHIO):
            assert item_of(region_client(reader, region), name, key) == {"pk": {"S": key}}
