"""Background work under leases held in the store (storage/leases.py): of
the sweepers (sweeper.py) or trigger bridges (bridge.py) sharing a store,
one runs a job; another takes it over once the holder gives the lease up
or stops renewing it."""
from __future__ import annotations

import os
import threading
import time

import pytest
import support
from support import wait_for

from dynalite_py.bridge import Bridge
from dynalite_py.config import Config
from dynalite_py.engine import Engine
from dynalite_py.storage.leases import Lease, is_dead_local
from dynalite_py.sweeper import LEASE, Sweeper


@pytest.fixture
def engine(tmp_path, monkeypatch):
    """An engine without background work of its own; its sweeps are recorded
    as the threads that ran them (engine.sweeps)."""
    location = ":memory:" if support.BACKEND == "memory" else str(tmp_path)
    engine = Engine(location, Config(sweep_interval=0.02), background=False)
    engine.sweeps = []
    monkeypatch.setattr("dynalite_py.sweeper.sweep",
                        lambda _engine: engine.sweeps.append(threading.current_thread()))
    yield engine
    engine.close()


def test_one_sweeper_sweeps_at_a_time_and_another_takes_over(engine):
    first, second = Sweeper(engine), Sweeper(engine)  # as two processes' would be
    first.start()
    try:
        wait_for(lambda: first.thread in engine.sweeps)
        second.start()
        seen = len(engine.sweeps)
        wait_for(lambda: len(engine.sweeps) >= seen + 10)
        assert second.thread not in engine.sweeps  # the lease is the first's
        first.stop()  # gives the lease up
        wait_for(lambda: second.thread in engine.sweeps)
    finally:
        first.stop()
        second.stop()


def test_a_lease_left_to_expire_is_taken_over(engine):
    """A holder that died (its lease neither renewed nor released) is
    replaced once the lease expires."""
    assert engine.store.acquire_lease(LEASE, "a dead process", 0.3, time.time())
    sweeper = Sweeper(engine).start()
    try:
        time.sleep(0.1)
        assert engine.sweeps == []
        wait_for(lambda: sweeper.thread in engine.sweeps, seconds=5)
    finally:
        sweeper.stop()


def test_a_lease_is_renewed_once_half_its_time_has_passed(engine, monkeypatch):
    writes = []
    acquire = engine.store.acquire_lease
    monkeypatch.setattr(engine.store, "acquire_lease",
                        lambda *args: writes.append(args) or acquire(*args))
    lease = Lease(engine.store, "job", "me", 0.4)
    assert lease.hold() and lease.hold() and lease.hold()
    assert len(writes) == 1
    time.sleep(0.25)
    assert lease.hold()
    assert len(writes) == 2
    other = Lease(engine.store, "job", "another", 0.4)
    assert not other.hold()
    assert len(writes) == 2  # seen held without trying to take it
    lease.release()
    assert other.hold()


def test_two_bridges_deliver_each_record_once_and_one_takes_over(tmp_path):
    """Two bridges on one store (as two servers' would be): a mapping is
    consumed by one at a time, and by the other once the first stops."""
    with support.open_db(str(tmp_path), table_status_delay=0.0,
                         bridge_poll_interval=0.01) as db:
        client = db.client()
        table = support.create_table(client, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        delivered: list[str] = []
        db.register_function("collect", lambda event, context: delivered.extend(
            record["dynamodb"]["Keys"]["pk"]["S"] for record in event["Records"]))
        db.client("lambda").create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName="collect", StartingPosition="TRIM_HORIZON")
        other = Bridge(db.engine).start()
        try:
            for key in ("a", "b", "c"):
                client.put_item(TableName=table, Item={"pk": {"S": key}})
            wait_for(lambda: len(delivered) >= 3)
            db.engine.bridge.stop()  # the other bridge takes the mapping over
            for key in ("d", "e"):
                client.put_item(TableName=table, Item={"pk": {"S": key}})
            wait_for(lambda: len(delivered) >= 5)
            time.sleep(0.2)
            assert delivered == ["a", "b", "c", "d", "e"]
            assert other.consumers
        finally:
            other.stop()


def test_a_backfill_another_process_holds_is_left_to_it_then_taken_over(tmp_path):
    """An index whose backfill lease is held elsewhere stays CREATING here;
    once that lease expires, the sweeper's next pass fills it."""
    from dynalite_py.index_builds import backfill_lease
    with support.open_db(str(tmp_path), table_status_delay=0.0, sweep_interval=3600.0) as db:
        client = db.client()
        table = support.create_table(client)
        for index in range(30):
            client.put_item(TableName=table, Item={"pk": {"S": f"k{index}"},
                                                   "color": {"S": "red"}})
        assert db.engine.store.acquire_lease(backfill_lease(table, "by-color"), "elsewhere",
                                             0.5, time.time())
        client.update_table(
            TableName=table, AttributeDefinitions=[{"AttributeName": "color",
                                                    "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "by-color",
                "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}}])

        def status() -> str:
            return client.describe_table(TableName=table)["Table"][
                "GlobalSecondaryIndexes"][0]["IndexStatus"]
        wait_for(lambda: not db.engine.backfills)  # the lease was not ours: the thread left
        assert status() == "CREATING"
        time.sleep(0.5)
        db.engine.sweep()  # resumes the backfill, now under our lease
        wait_for(lambda: status() == "ACTIVE")
        assert client.describe_table(TableName=table)["Table"][
            "GlobalSecondaryIndexes"][0]["ItemCount"] == 30


def test_a_holder_whose_process_is_gone_is_replaced_at_once(engine):
    """A restarted server takes its predecessor's jobs over without waiting
    for their leases to expire: the holder's process no longer runs."""
    import socket
    import subprocess
    import sys
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    dead = f"{host}:{gone.pid}:0000"
    assert is_dead_local(dead)
    assert not is_dead_local(f"{host}:{os.getpid()}:0000")  # this process runs
    assert not is_dead_local(f"elsewhere:{gone.pid}:0000")  # another host: only expiry tells
    assert engine.store.acquire_lease("job", dead, 60.0, time.time())
    assert Lease(engine.store, "job", "me", 60.0).hold()
