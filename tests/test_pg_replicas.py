"""Read replicas (`--read-replica`, `read_replicas=`): a real PostgreSQL
streaming replica on loopback (pg_basebackup -R of a primary of these tests)
serves eventually consistent GetItem, Query, Scan and BatchGetItem, so they
can be stale; writes and strongly consistent reads stay on the primary; a
replica too far behind, or down, is skipped, and used again once it is
back."""
from __future__ import annotations

import subprocess
import sys
import time

import pg
import pytest
import support
from botocore.exceptions import ClientError
from support import create_table, free_port, http_client, start_server, wait_for
from test_pg_failures import banner

import dynalite_py
from dynalite_py.config import Config
from dynalite_py.storage import StoreUnavailable
from dynalite_py.storage.postgres.replicas import CHECK_INTERVAL

pytestmark = pytest.mark.postgres_only("PostgreSQL streaming replicas")
KEY = {"pk": {"S": "k"}}


@pytest.fixture(scope="module")
def primary():
    if support.BACKEND != "postgres":
        pytest.skip("PostgreSQL only")
    cluster = pg.Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def replica(primary):
    standby = primary.replica()
    yield standby
    standby.stop()


@pytest.fixture
def caught_up(primary, replica):
    """Waits until the replica has applied every write (replay running)."""
    def wait() -> None:
        replica.resume_replay()
        wait_for(lambda: replica.caught_up_with(primary), 10)
    yield wait
    replica.resume_replay()


def value(client, table: str, consistent: bool = False) -> str | None:
    item = client.get_item(TableName=table, Key=KEY, ConsistentRead=consistent).get("Item")
    return item["v"]["S"] if item else None


def put(client, table: str, text: str) -> None:
    client.put_item(TableName=table, Item={**KEY, "v": {"S": text}})


def every_eventual_read(client, table: str) -> set[str]:
    """v as each eventually consistent read sees it."""
    seen = {value(client, table)}
    seen |= {item["v"]["S"] for item in client.query(
        TableName=table, KeyConditionExpression="pk = :k",
        ExpressionAttributeValues={":k": KEY["pk"]})["Items"]}
    seen |= {item["v"]["S"] for item in client.scan(TableName=table)["Items"]}
    seen |= {item["v"]["S"] for item in client.batch_get_item(
        RequestItems={table: {"Keys": [KEY]}})["Responses"][table]}
    return seen


def every_consistent_read(client, table: str) -> set[str]:
    seen = {value(client, table, consistent=True)}
    seen |= {item["v"]["S"] for item in client.query(
        TableName=table, KeyConditionExpression="pk = :k", ConsistentRead=True,
        ExpressionAttributeValues={":k": KEY["pk"]})["Items"]}
    seen |= {item["v"]["S"] for item in client.scan(TableName=table, ConsistentRead=True)["Items"]}
    seen |= {item["v"]["S"] for item in client.batch_get_item(
        RequestItems={table: {"Keys": [KEY], "ConsistentRead": True}})["Responses"][table]}
    return seen


def open_with_replica(primary, replica, name: str, **settings):
    return dynalite_py.open(primary.store_url(name), read_replicas=(replica.schema_url(name),),
                            **settings)


def test_eventually_consistent_reads_come_from_the_replica_and_may_be_stale(
        primary, replica, caught_up):
    with open_with_replica(primary, replica, "stale", replica_max_lag=60.0) as db:
        client = db.client()
        table = create_table(client)
        put(client, table, "old")
        caught_up()
        wait_for(lambda: every_eventual_read(client, table) == {"old"})
        replica.pause_replay()
        put(client, table, "new")  # a write: the primary (the replica is read only)
        assert every_consistent_read(client, table) == {"new"}
        assert every_eventual_read(client, table) == {"old"}  # the replica has not applied it
        caught_up()
        wait_for(lambda: every_eventual_read(client, table) == {"new"})


def test_a_replica_too_far_behind_is_skipped(primary, replica, caught_up):
    with open_with_replica(primary, replica, "behind", replica_max_lag=1.0) as db:
        client = db.client()
        table = create_table(client)
        put(client, table, "old")
        caught_up()
        replica.pause_replay()
        put(client, table, "new")
        # more than the bound behind, and a check (every 0.5 s) since
        time.sleep(1.0 + 2 * CHECK_INTERVAL)
        for _ in range(5):  # from the primary, every time
            assert every_eventual_read(client, table) == {"new"}
        caught_up()


def test_a_stopped_replica_is_skipped_and_used_again_once_back(primary, replica, caught_up,
                                                              tmp_path):
    name = "stopped"
    location = primary.store_url(name)
    process, url = start_server(str(tmp_path / "data"), "--workers", "1", "--store", location,
                                "--read-replica", replica.schema_url(name))
    try:
        client = http_client(url)
        table = create_table(client)
        put(client, table, "one")
        caught_up()
        replica.stop_server()
        for number in range(20):  # no read fails: the primary serves them
            put(client, table, f"write-{number}")
            assert every_eventual_read(client, table) == {f"write-{number}"}
        assert support.http_client(url).describe_table(TableName=table)
        replica.start_server()
        caught_up()
        replica.pause_replay()
        put(client, table, "unseen by the replica")
        wait_for(lambda: value(client, table) == f"write-{19}", 10)  # the replica serves again
        assert value(client, table, consistent=True) == "unseen by the replica"
    finally:
        process.terminate()
        process.wait(10)


def test_a_replica_down_at_start_is_skipped_until_it_answers(primary, tmp_path):
    down = f"postgresql://postgres@127.0.0.1:{free_port()}/dynalite"
    with dynalite_py.open(primary.store_url("unreachable"), read_replicas=(down,)) as db:
        client = db.client()
        table = create_table(client)
        put(client, table, "fresh")
        assert every_eventual_read(client, table) == {"fresh"}


def test_serve_names_its_replicas_and_refuses_them_without_postgres(primary, replica,
                                                                      tmp_path):
    with_password = replica.schema_url("named").replace("postgres@", "postgres:pw@")
    line = banner("--store", primary.store_url("named"), "--read-replica", with_password)
    assert "eventually consistent reads from postgresql://postgres:***@127.0.0.1:" in line
    assert "pw@" not in line
    refused = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(free_port()), "--data-dir",
         str(tmp_path / "data"), "--read-replica", replica.url],
        capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    assert refused.stderr == "dynalite-py: read replicas need a postgresql:// store\n"
    with pytest.raises(StoreUnavailable, match="need a postgresql:// store"):
        dynalite_py.open(":memory:", read_replicas=(replica.url,))


def test_read_replicas_from_the_environment(monkeypatch):
    monkeypatch.setenv("DYNALITE_READ_REPLICAS", "postgresql://a/db, postgresql://b/db")
    monkeypatch.setenv("DYNALITE_REPLICA_MAX_LAG", "2.5")
    config = Config.from_env()
    assert config.read_replicas == ("postgresql://a/db", "postgresql://b/db")
    assert config.replica_max_lag == 2.5


def test_writes_never_go_to_a_replica(primary, replica, caught_up):
    """A replica is read only: every write succeeding while reads use it
    shows writes stay on the primary, and a transaction's reads too."""
    with open_with_replica(primary, replica, "writes", replica_max_lag=60.0) as db:
        client = db.client()
        table = create_table(client)
        put(client, table, "a")
        caught_up()
        replica.pause_replay()
        client.update_item(TableName=table, Key=KEY, UpdateExpression="SET v = :b",
                           ConditionExpression="v = :a",
                           ExpressionAttributeValues={":a": {"S": "a"}, ":b": {"S": "b"}})
        got = client.transact_get_items(TransactItems=[{"Get": {"TableName": table,
                                                               "Key": KEY}}])
        assert got["Responses"][0]["Item"]["v"] == {"S": "b"}
        with pytest.raises(ClientError) as failed:  # the condition sees the primary's "b"
            client.put_item(TableName=table, Item={**KEY, "v": {"S": "c"}},
                            ConditionExpression="v = :a",
                            ExpressionAttributeValues={":a": {"S": "a"}})
        assert failed.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
        assert value(client, table) == "a"  # while the eventual read is the replica's
        caught_up()
