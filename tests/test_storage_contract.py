"""The storage contract (dynalite_py/storage/interface.py), checked on the
backend under test (`pytest --backend`; `make test` runs each): snapshot
isolation, retried writes, range cursors with bounds in both directions,
the durable counter, leases, held commits, the notifier."""
from __future__ import annotations

import threading

import pytest
import support

from dynalite_py.storage import open_store
from dynalite_py.storage.interface import KEYSPACES, WRITE_ATTEMPTS, Conflict, prefix_end


@pytest.fixture
def store(tmp_path):
    store = open_store(support.store_location(str(tmp_path / "data")), map_size=1 << 26)
    yield store
    store.close()


def put_all(store, name: str, pairs: dict[bytes, bytes]) -> None:
    space = store.keyspace(name)

    def work(ctx):
        for key, value in pairs.items():
            space.put(ctx.txn, key, value)
    store.write(work)


def read(store, name: str, key: bytes) -> bytes | None:
    with store.read() as snapshot:
        return store.keyspace(name).get(snapshot, key)


def test_every_keyspace_is_separate(store):
    for name in KEYSPACES:
        put_all(store, name, {b"k": name.encode()})
    assert [read(store, name, b"k") for name in KEYSPACES] == [n.encode() for n in KEYSPACES]


def test_get_put_delete(store):
    space = store.keyspace("meta")
    put_all(store, "meta", {b"a": b"1"})
    assert read(store, "meta", b"a") == b"1"
    assert store.write(lambda ctx: space.delete(ctx.txn, b"a")) is True
    assert store.write(lambda ctx: space.delete(ctx.txn, b"a")) is False
    assert read(store, "meta", b"a") is None


def test_write_sees_its_own_writes(store):
    space = store.keyspace("items")

    def work(ctx):
        space.put(ctx.txn, b"x", b"1")
        seen = space.get(ctx.txn, b"x")
        space.delete(ctx.txn, b"x")
        return seen, space.get(ctx.txn, b"x")
    assert store.write(work) == (b"1", None)


def test_snapshot_sees_nothing_committed_after_it(store):
    put_all(store, "items", {b"a": b"old", b"b": b"old"})
    space = store.keyspace("items")
    with store.read() as snapshot:
        put_all(store, "items", {b"a": b"new", b"c": b"new"})
        store.write(lambda ctx: space.delete(ctx.txn, b"b"))
        assert space.get(snapshot, b"a") == b"old"
        assert list(space.range(snapshot)) == [(b"a", b"old"), (b"b", b"old")]
    with store.read() as snapshot:
        assert list(space.range(snapshot)) == [(b"a", b"new"), (b"c", b"new")]


def test_snapshot_is_stable_while_another_thread_writes(store):
    put_all(store, "items", {b"%03d" % n: b"0" for n in range(50)})
    space = store.keyspace("items")
    with store.read() as snapshot:
        writer = threading.Thread(target=put_all, args=(
            store, "items", {b"%03d" % n: b"1" for n in range(100)}))
        writer.start()
        writer.join()
        assert {value for _, value in space.range(snapshot)} == {b"0"}
        assert len(list(space.range(snapshot))) == 50


def test_snapshots_opened_between_writes_each_see_their_moment(store):
    space = store.keyspace("items")
    put_all(store, "items", {b"k": b"1"})
    with store.read() as first:
        put_all(store, "items", {b"k": b"2"})
        assert space.get(first, b"k") == b"1"
    put_all(store, "items", {b"k": b"3"})  # no snapshot open now
    with store.read() as third:
        put_all(store, "items", {b"k": b"4"})
        with store.read() as fourth:
            put_all(store, "items", {b"k": b"5"})
            assert (space.get(third, b"k"), space.get(fourth, b"k")) == (b"3", b"4")
    assert read(store, "items", b"k") == b"5"


def test_snapshot_version_tells_equal_data(store):
    with store.read() as first, store.read() as second:
        before = store.snapshot_version(first)
        assert store.snapshot_version(second) == before
    put_all(store, "meta", {b"v": b"1"})
    with store.read() as third:
        assert store.snapshot_version(third) != before


def test_stale_snapshot_is_reused_within_max_age(store):
    put_all(store, "meta", {b"k": b"1"})
    with store.read(max_age=60) as snapshot:
        assert store.keyspace("meta").get(snapshot, b"k") == b"1"
    put_all(store, "meta", {b"k": b"2"})
    with store.read(max_age=60) as snapshot:
        assert store.keyspace("meta").get(snapshot, b"k") == b"1"
    assert read(store, "meta", b"k") == b"2"


def test_a_failed_write_leaves_nothing(store):
    space = store.keyspace("meta")

    def failing(ctx):
        space.put(ctx.txn, b"half", b"x")
        raise ValueError("no")
    with pytest.raises(ValueError):
        store.write(failing)
    assert read(store, "meta", b"half") is None


def test_a_conflict_runs_the_work_again_from_scratch(store):
    space = store.keyspace("meta")
    attempts = []

    def racing(ctx):
        attempts.append(space.get(ctx.txn, b"first-attempt"))
        if len(attempts) == 1:
            space.put(ctx.txn, b"first-attempt", b"x")
            raise Conflict()
        space.put(ctx.txn, b"done", b"y")
        return len(attempts)
    assert store.write(racing) == 2
    assert attempts == [None, None]  # the retry saw none of the first attempt's writes
    assert read(store, "meta", b"first-attempt") is None
    assert read(store, "meta", b"done") == b"y"


def test_conflict_reaches_the_caller_once_retries_are_used_up(store):
    attempts = []

    def always(ctx):
        attempts.append(1)
        raise Conflict()
    with pytest.raises(Conflict):
        store.write(always)
    assert len(attempts) == WRITE_ATTEMPTS


def test_a_held_write_that_conflicts_is_retried_alone(store):
    space = store.keyspace("meta")
    attempts = []

    def racing(ctx):
        attempts.append(1)
        space.put(ctx.txn, b"racing", str(len(attempts)).encode())
        if len(attempts) == 1:
            raise Conflict()
    store.hold_commits()
    store.write(lambda ctx: space.put(ctx.txn, b"before", b"1"))
    store.write(racing)
    assert store.release_commits() is None
    assert read(store, "meta", b"before") == b"1"
    assert read(store, "meta", b"racing") == b"2"


def test_held_writes_commit_at_the_release_and_fail_alone(store):
    space = store.keyspace("meta")

    def failing(ctx):
        space.put(ctx.txn, b"held-2", b"x")
        raise ValueError("no")
    store.hold_commits()
    store.write(lambda ctx: space.put(ctx.txn, b"held-1", b"x"))
    with pytest.raises(ValueError):
        store.write(failing)
    store.write(lambda ctx: space.put(ctx.txn, b"held-3", b"x"))
    seen = []
    reader = threading.Thread(target=lambda: seen.append(read(store, "meta", b"held-1")))
    reader.start()
    reader.join()
    assert seen == [None]  # not committed before the release
    assert store.release_commits() is None
    assert [read(store, "meta", k) for k in (b"held-1", b"held-2", b"held-3")] == [
        b"x", None, b"x"]


KEYS = [b"a", b"b", b"b\x00", b"ba", b"c", b"d\xff", b"e"]


@pytest.mark.parametrize("start, stop", [(None, None), (b"b", None), (None, b"c"),
                                         (b"b", b"c"), (b"b\x00", b"d\xff"), (b"x", None),
                                         (b"bb", b"bc")])
@pytest.mark.parametrize("reverse", [False, True])
def test_range_bounds_in_both_directions(store, start, stop, reverse):
    put_all(store, "indexes", {key: key.upper() for key in KEYS})
    expected = [key for key in KEYS if (start is None or key >= start)
                and (stop is None or key < stop)]
    if reverse:
        expected.reverse()
    with store.read() as snapshot:
        found = list(store.keyspace("indexes").range(snapshot, start, stop, reverse))
    assert found == [(key, key.upper()) for key in expected]


@pytest.mark.parametrize("reverse", [False, True])
def test_range_in_a_write_sees_its_own_changes(store, reverse):
    put_all(store, "ttl", {b"a": b"1", b"b": b"1", b"c": b"1", b"e": b"1"})
    space = store.keyspace("ttl")

    def work(ctx):
        space.put(ctx.txn, b"b", b"2")
        space.delete(ctx.txn, b"c")
        space.put(ctx.txn, b"d", b"2")
        space.put(ctx.txn, b"z", b"2")  # past the stop bound
        return list(space.range(ctx.txn, b"b", b"f", reverse))
    expected = [(b"b", b"2"), (b"d", b"2"), (b"e", b"1")]
    assert store.write(work) == (expected[::-1] if reverse else expected)


def test_prefixed_ranges(store):
    put_all(store, "streams", {b"R\x01a": b"1", b"R\x01b": b"2", b"R\x02a": b"3",
                               b"\xff\xff": b"4"})
    space = store.keyspace("streams")
    with store.read() as snapshot:
        assert [k for k, _ in space.prefixed(snapshot, b"R\x01")] == [b"R\x01a", b"R\x01b"]
        assert [k for k, _ in space.prefixed(snapshot, b"R\x01", reverse=True)] == [
            b"R\x01b", b"R\x01a"]
        assert [k for k, _ in space.prefixed(snapshot, b"\xff")] == [b"\xff\xff"]
    assert prefix_end(b"a\xff") == b"b" and prefix_end(b"\xff") is None


def test_counter_counts_and_rolls_back_with_its_transaction(store):
    assert [store.write(lambda ctx: store.next_value(ctx.txn, b"n")) for _ in range(3)] == [
        1, 2, 3]

    def failing(ctx):
        store.next_value(ctx.txn, b"n")
        raise ValueError("no")
    with pytest.raises(ValueError):
        store.write(failing)
    assert store.write(lambda ctx: store.next_value(ctx.txn, b"n")) == 4


def test_lease_is_exclusive_until_it_expires(store):
    assert store.acquire_lease("sweeper", "a", 10.0, now=100.0)
    assert not store.acquire_lease("sweeper", "b", 10.0, now=105.0)
    assert store.acquire_lease("sweeper", "a", 10.0, now=108.0)  # renewed to 118
    assert not store.acquire_lease("sweeper", "b", 10.0, now=115.0)
    assert store.acquire_lease("other-job", "b", 10.0, now=115.0)
    assert store.acquire_lease("sweeper", "b", 10.0, now=118.5)  # a died: taken over
    assert not store.acquire_lease("sweeper", "a", 10.0, now=119.0)


def test_released_lease_is_free_at_once(store):
    assert store.acquire_lease("job", "a", 10.0, now=0.0)
    store.release_lease("job", "b")  # not b's to release
    assert not store.acquire_lease("job", "b", 10.0, now=1.0)
    store.release_lease("job", "a")
    assert store.acquire_lease("job", "b", 10.0, now=1.0)


def test_notifier_wakes_after_commits_that_ask(store):
    woken = []
    store.after_stream_commit.append(lambda: woken.append(read(store, "streams", b"r")))

    def streaming(ctx):
        store.keyspace("streams").put(ctx.txn, b"r", b"1")
        ctx.streamed = True
    put_all(store, "meta", {b"quiet": b"1"})
    assert woken == []
    store.write(streaming)
    assert woken == [b"1"]  # told after the commit: the record is readable
    store.hold_commits()
    store.write(streaming)
    assert woken == [b"1"]
    store.release_commits()
    assert woken == [b"1", b"1"]


def test_stats_deltas_are_applied_at_commit(store):
    def counting(ctx):
        ctx.count_item(b"t1", 1, 100)
        ctx.count_item(b"t1", 1, 50)
    store.write(counting)
    store.hold_commits()
    store.write(counting)
    store.write(counting)
    store.release_commits()
    from dynalite_py.storage.codec import unpack
    assert unpack(read(store, "stats", b"t1")) == [6, 450]


def test_lease_holder_is_read_from_a_snapshot(store):
    assert store.lease_holder("job", now=0.0) is None
    assert store.acquire_lease("job", "a", 10.0, now=0.0)
    assert store.lease_holder("job", now=5.0) == "a"
    assert store.lease_holder("job", now=10.5) is None  # expired


def test_a_lease_is_taken_from_a_holder_named_dead(store):
    assert store.acquire_lease("job", "a", 10.0, now=0.0)
    assert not store.acquire_lease("job", "b", 10.0, now=1.0, dead_holder="c")
    assert store.acquire_lease("job", "b", 10.0, now=1.0, dead_holder="a")
    assert store.lease_holder("job", now=2.0) == "b"


@pytest.mark.parametrize("reverse", [False, True])
def test_a_held_write_sees_the_held_writes_before_it(store, reverse):
    """Held writes share one transaction: each sees the earlier ones in gets
    and ranges, a failed one's changes included nowhere."""
    space = store.keyspace("ttl")
    put_all(store, "ttl", {b"a": b"committed", b"c": b"committed"})

    def failing(ctx):
        space.put(ctx.txn, b"x", b"failed")
        raise ValueError("no")
    store.hold_commits()
    try:
        store.write(lambda ctx: (space.put(ctx.txn, b"b", b"held"),
                                 space.delete(ctx.txn, b"c")))
        with pytest.raises(ValueError):
            store.write(failing)
        seen = store.write(lambda ctx: (space.get(ctx.txn, b"b"),
                                        list(space.range(ctx.txn, None, None, reverse))))
    finally:
        assert store.release_commits() is None
    expected = [(b"a", b"committed"), (b"b", b"held")]
    assert seen == (b"held", expected[::-1] if reverse else expected)
    with store.read() as snapshot:
        assert list(space.range(snapshot)) == expected
