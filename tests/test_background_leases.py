"""Background work under leases held in the store (storage/leases.py): of
the sweepers (sweeper.py) or trigger bridges (bridge.py) sharing a store,
one runs a job; another takes it over once the holder gives the lease up
or stops renewing it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import support
from support import wait_for

from dynalite_py.config import Config
from dynalite_py.engine import Engine
from dynalite_py.jobs.sweeper import LEASE, Sweeper
from dynalite_py.lambda_.bridge.bridge import Bridge
from dynalite_py.storage.leases import Lease, is_dead_local, new_owner


@pytest.fixture
def engine(tmp_path, monkeypatch):
    """An engine without background work of its own; its sweeps are recorded
    as the threads that ran them (engine.sweeps)."""
    location = ":memory:" if support.BACKEND == "memory" else str(tmp_path)
    engine = Engine(location, Config(sweep_interval=0.02), background=False)
    engine.sweeps = []
    monkeypatch.setattr("dynalite_py.jobs.sweeper.sweep",
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
    from dynalite_py.jobs.backfill import backfill_lease
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


def owner_of_a_process(code: str = "") -> tuple[subprocess.Popen, str]:
    """A job owner named by another process (new_owner), which then runs
    `code` (and exits)."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from dynalite_py.storage.leases import new_owner; "
         f"print(new_owner(), flush=True); sys.stdin.read(); {code}"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip()


def test_a_holder_whose_process_is_gone_is_replaced_at_once(engine):
    """A restarted server takes its predecessor's jobs over without waiting
    for their leases to expire: the holder's process no longer runs."""
    running, alive = owner_of_a_process()
    assert not is_dead_local(alive)  # it runs
    running.communicate("")
    assert is_dead_local(alive)
    assert not is_dead_local(new_owner())  # this process runs
    assert engine.store.acquire_lease("job", alive, 60.0, time.time())
    assert Lease(engine.store, "job", "me", 60.0).hold()


def test_owners_are_unique_per_process_start_and_per_job_runner():
    mine = new_owner()
    host, pid, space, started, nonce = mine.split(":")
    assert (host, int(pid)) == (socket.gethostname(), os.getpid())
    assert space and started.isdigit() and nonce
    assert new_owner() != mine  # another job runner of this process
    process, theirs = owner_of_a_process()
    process.communicate("")
    assert theirs.split(":")[2] == space and theirs.split(":")[1] != pid


def test_an_owner_in_another_pid_namespace_is_only_taken_over_by_expiry(engine):
    """Containers on one kernel often share a host name and pids: a holder of
    another pid namespace (or host) is never judged dead by its pid, even
    when that pid is free here."""
    process, gone = owner_of_a_process()
    process.communicate("")
    host, pid, space, started, nonce = gone.split(":")
    boot, namespace = space.split(".")
    elsewhere = ":".join((host, pid, f"{boot}.{int(namespace) + 1}", started, nonce))
    rebooted = ":".join((host, pid, f"{'0' * 16}.{namespace}", started, nonce))
    for owner in (elsewhere, rebooted, f"{host}:{pid}:0000", f"{host}:{pid}:::x"):
        assert not is_dead_local(owner)
    now = time.time()
    assert engine.store.acquire_lease("job", elsewhere, 1.0, now)
    assert not engine.store.acquire_lease("job", "me", 60.0, now + 0.5)
    assert not Lease(engine.store, "job", "me", 60.0).hold()
    assert engine.store.acquire_lease("job", "me", 60.0, now + 1.5)  # expired


def test_a_pid_given_to_a_later_process_is_no_longer_the_holder():
    """The holder's pid now belongs to another process (started later): the
    start tick tells them apart."""
    process, alive = owner_of_a_process()
    try:
        host, pid, space, started, nonce = alive.split(":")
        earlier = ":".join((host, pid, space, str(int(started) - 1), nonce))
        assert not is_dead_local(alive)
        assert is_dead_local(earlier)
    finally:
        process.communicate("")
