"""The trigger bridge: event source mappings feeding stream records to functions.

A supervisor thread keeps one consumer thread per enabled mapping whose
lease ("mapping:" + UUID, storage/leases.py) this bridge holds: of the
bridges sharing a store, one consumes a mapping at a time, and another
takes it over (from the stored checkpoint) once the holder gives the lease
up or stops renewing it; a consumer renews it between batches. A
consumer walks the stream's shards in lineage order (a child after its
parent is finished) and, per shard, repeats: read from the checkpoint,
drop records past MaximumRecordAgeInSeconds (on-failure destination) and
records the filters reject, wait for the batching window, invoke the
function synchronously, and act on the outcome as AWS does:

* success: checkpoint past the batch;
* ReportBatchItemFailures: checkpoint before the lowest failed record and
  retry from there (an unknown identifier fails the whole batch);
* function error: retry with back-off (the shard is blocked meanwhile),
  bisecting first when BisectBatchOnFunctionError is set; after
  MaximumRetryAttempts retries, or once the records are too old, send an
  on-failure record and move on;
* throttling (reserved concurrency 0): retry without using an attempt.

Checkpoints are committed after every batch, so delivery is at
least once across restarts. Poll and back-off intervals are Config settings
so tests run in seconds. With ParallelizationFactor N > 1, a shard's
records are split by partition key over N lanes delivered concurrently, each
in order (so per-key order holds); the checkpoint moves when all are done.

With TumblingWindowInSeconds, windows are aligned to the epoch by record
creation time; no batch spans two windows; each invocation gets the
window, the state the previous one returned, and isFinalInvokeForWindow;
a window closes (a final invocation without records) when its end has
passed or a record of a later window arrives. Window state lives in the
consumer's memory: a restart starts the open window's state afresh.
"""
from __future__ import annotations

import logging
import threading
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson

from ...errors import DynamoError
from ...storage.leases import Lease, new_owner
from ...streams import log as streams
from ..functions.qualifiers import function_ref, resolve
from ..invocations import destinations
from ..mappings import mappings
from ..mappings.filters import compile_filters
from .triggers import ensure_triggers

log = logging.getLogger("dynalite_py.bridge")
# how long a mapping's lease outlives its last renewal; a batch whose
# invocation takes longer may be taken over and delivered again
MAPPING_LEASE_SECONDS = 30.0


@dataclass
class Batch:
    shard: dict
    records: list[dict]
    attempts: int = 0
    function_error: str | None = "Unhandled"

    @property
    def first(self) -> int:
        return int(self.records[0]["dynamodb"]["SequenceNumber"])

    @property
    def last(self) -> int:
        return int(self.records[-1]["dynamodb"]["SequenceNumber"])


@dataclass
class ShardState:
    waiting_since: float | None = None  # when the batching window started
    window_start: float | None = None  # the open tumbling window, if any
    window_state: dict = field(default_factory=dict)  # what the function returned in it


class Bridge:
    """Runs every enabled mapping of one engine."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.owner = new_owner()
        self.consumers: dict[str, threading.Thread] = {}
        self.wake = threading.Event()
        self._stopping = threading.Event()
        # Commits in this process wake idle consumers at once; writes from
        # other processes are seen at the next poll (server worker processes
        # forward theirs, server/workers.py).
        self.changed = threading.Condition()
        self.generation = 0
        engine.store.after_stream_commit.append(self.notify)
        self._thread = threading.Thread(target=self._supervise, name="dynalite-bridge",
                                        daemon=True)

    def notify(self) -> None:
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def wait_for_change(self, seen_generation: int, timeout: float) -> None:
        with self.changed:
            if self.generation == seen_generation:
                self.changed.wait(timeout)

    def start(self) -> "Bridge":
        self._thread.start()
        return self

    def running(self) -> bool:
        return not (self.engine.closing.is_set() or self._stopping.is_set())

    def stop(self) -> None:
        """End the supervisor and the consumers; each gives its lease up."""
        self._stopping.set()
        self.wake.set()
        self.notify()
        if self._thread.is_alive():
            self._thread.join()
        for thread in list(self.consumers.values()):
            thread.join()

    def _supervise(self) -> None:
        engine = self.engine
        while self.running():
            pause = engine.config.bridge_poll_interval
            try:
                ensure_triggers(engine)
                with engine.store.read() as txn:
                    enabled = {m["UUID"] for m in mappings.all_mappings(txn, engine.repos)
                               if m["enabled"]}
                for mapping_id in enabled - set(self.consumers):
                    lease = Lease(engine.store, f"mapping:{mapping_id}", self.owner,
                                  MAPPING_LEASE_SECONDS)
                    if not lease.hold():
                        continue  # another bridge consumes it
                    thread = threading.Thread(target=self._consume, args=(mapping_id, lease),
                                              name=f"esm-{mapping_id[:8]}", daemon=True)
                    self.consumers[mapping_id] = thread
                    thread.start()
            except DynamoError as error:  # the store is unavailable: try again, less often
                log.warning("bridge supervisor pass failed: %s", error.message)
                pause = max(pause, engine.config.bridge_retry_base)
            except Exception:
                log.exception("bridge supervisor pass failed")
            self.wake.wait(pause)
            self.wake.clear()

    def _consume(self, mapping_id: str, lease: Lease) -> None:
        consumer = consumer_for(self.engine, mapping_id)
        try:
            while self.running() and consumer.refresh() and lease.hold():
                generation = self.generation
                if not consumer.step():
                    self.wait_for_change(generation, self.engine.config.bridge_poll_interval)
        except DynamoError as error:  # the store is unavailable: the supervisor restarts it
            log.warning("event source mapping %s stopped: %s", mapping_id, error.message)
        except Exception:
            log.exception("event source mapping %s stopped", mapping_id)
        finally:
            try:
                lease.release()  # before the supervisor may start the mapping again
            except DynamoError:
                pass  # the store is unavailable: the lease expires, or is ours again
            self.consumers.pop(mapping_id, None)


@dataclass
class Consumer:
    """One mapping's delivery loop."""

    engine: object
    mapping_id: str
    mapping: dict = field(default_factory=dict)
    states: dict[str, ShardState] = field(default_factory=dict)
    matches: object = None

    def refresh(self) -> bool:
        """Reload the mapping; False once it is disabled or deleted."""
        with self.engine.store.read() as txn:
            mapping = self.engine.repos.mappings.get(txn, self.mapping_id)
        if mapping is None or not mapping["enabled"]:
            return False
        if mapping != self.mapping:
            self.mapping = mapping
            self.matches = compile_filters(mapping.get("FilterCriteria"))
        return True

    def step(self) -> bool:
        """Deliver at most one batch from the first shard with work; True if it did."""
        log = self.engine.repos.streams
        with self.engine.store.read() as txn:
            try:
                stream = streams.find_stream(txn, log, self.mapping["EventSourceArn"])
            except DynamoError:
                return False
            finished = set()
            for shard in stream["shards"]:
                if shard["parent"] and shard["parent"] not in finished and any(
                        s["ShardId"] == shard["parent"] for s in stream["shards"]):
                    break  # a child waits until its parent is finished
                position = self._position(txn, shard, stream)
                if shard["end"] is not None and position > shard["end"]:
                    finished.add(shard["ShardId"])
                    continue
                records, next_position = streams.read_records(
                    txn, log, stream["number"], position, shard["end"],
                    self.mapping["BatchSize"] * self._lanes())
                if not records:
                    return self._close_window_if_over(shard, stream)
                return self._handle(shard, stream, records, next_position)
        return False

    def _position(self, txn, shard: dict, stream: dict) -> int:
        saved = self.engine.repos.checkpoints.position(txn, self.mapping_id, shard["ShardId"])
        start = max(shard["start"], stream["trimmed_before"])
        return max(saved, start) if saved else start

    def _handle(self, shard: dict, stream: dict, records: list[dict], next_position: int) -> bool:
        now = self.engine.clock()
        records = [dict(record, eventSourceARN=stream["StreamArn"]) for record in records]
        if self.mapping["TumblingWindowInSeconds"]:
            state = self.states.setdefault(shard["ShardId"], ShardState())
            start = self._window_of(records[0])
            if state.window_start is not None and state.window_start != start:
                self._close_window(shard, stream, state)  # a later window has begun
                return True
            state.window_start = start
            records = [r for r in records if self._window_of(r) == start]  # no batch spans two
            next_position = int(records[-1]["dynamodb"]["SequenceNumber"]) + 1
        expired = [r for r in records if self._too_old(r, now)]
        if expired:
            self._fail(Batch(shard, expired, function_error=None), "RecordAgeExceeded")
        fresh = [r for r in records if not self._too_old(r, now)]
        wanted = [r for r in fresh if self.matches(lambda_event_record(r))]
        if not wanted:
            self._checkpoint(shard, next_position - 1)
            return True
        state = self.states.setdefault(shard["ShardId"], ShardState())
        window = self.mapping["MaximumBatchingWindowInSeconds"]
        if window and len(records) < self.mapping["BatchSize"]:
            state.waiting_since = state.waiting_since or now
            if now - state.waiting_since < window:
                return False
        state.waiting_since = None
        if self._lanes() > 1:
            self._deliver_in_lanes(shard, stream, wanted, last_read=next_position - 1)
        else:
            self._deliver(Batch(shard, wanted), last_read=next_position - 1)
        return True

    def _lanes(self) -> int:
        """Concurrent lanes per shard (ParallelizationFactor); tumbling windows
        keep one state per shard, so they use one lane."""
        if self.mapping["TumblingWindowInSeconds"]:
            return 1
        return self.mapping["ParallelizationFactor"]

    def _deliver_in_lanes(self, shard: dict, stream: dict, records: list[dict],
                          last_read: int) -> None:
        """Records split by partition key over ParallelizationFactor lanes, each
        delivered in order by its own thread in batches of BatchSize; the
        shard's checkpoint moves once every lane is done."""
        hash_name = next(k["AttributeName"] for k in stream["KeySchema"]
                         if k["KeyType"] == "HASH")
        lanes: dict[int, list[dict]] = {}
        for record in records:
            key = orjson.dumps(record["dynamodb"]["Keys"][hash_name])
            lanes.setdefault(zlib.crc32(key) % self._lanes(), []).append(record)
        size = self.mapping["BatchSize"]

        def run(lane: list[dict]) -> None:
            for start in range(0, len(lane), size):
                self._deliver(Batch(shard, lane[start:start + size]), last_read,
                              checkpoint=False)

        threads = [threading.Thread(target=run, args=(lane,), daemon=True)
                   for lane in lanes.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if not self.engine.closing.is_set():
            self._checkpoint(shard, last_read)

    def _window_of(self, record: dict) -> float:
        """The start of the tumbling window a record falls in (aligned to the epoch)."""
        size = self.mapping["TumblingWindowInSeconds"]
        return record["dynamodb"]["ApproximateCreationDateTime"] // size * size

    def _close_window_if_over(self, shard: dict, stream: dict) -> bool:
        state = self.states.get(shard["ShardId"])
        if state is None or state.window_start is None:
            return False
        if self.engine.clock() < state.window_start + self.mapping["TumblingWindowInSeconds"]:
            return False
        self._close_window(shard, stream, state)
        return True

    def _close_window(self, shard: dict, stream: dict, state: ShardState) -> None:
        """The final invocation of a window: no records, the accumulated state."""
        batch = Batch(shard, [])
        outcome = self._invoke(batch, final=True, arn=stream["StreamArn"])
        if outcome != "ok":
            log.warning("final invocation of a tumbling window failed; its state is dropped")
        state.window_start, state.window_state = None, {}

    def _too_old(self, record: dict, now: float) -> bool:
        limit = self.mapping["MaximumRecordAgeInSeconds"]
        return limit != -1 and now - record["dynamodb"]["ApproximateCreationDateTime"] >= limit

    def _deliver(self, batch: Batch, last_read: int, checkpoint: bool = True) -> None:
        """Invoke until the batch is done; sub-batches from bisection run in
        order. Lanes pass checkpoint=False: their shard moves on once all are done."""
        def move(last_done: int) -> None:
            if checkpoint:
                self._checkpoint(batch.shard, last_done)

        pending = [batch]
        while pending and not self.engine.closing.is_set():
            current = pending.pop(0)
            outcome = self._invoke(current)
            if outcome == "ok":
                move(current.last if pending else last_read)
                continue
            if outcome == "throttled":
                pending.insert(0, current)
                self._back_off(current.attempts)
                continue
            if isinstance(outcome, int):  # partial failure: retry from the failed record
                move(outcome - 1)
                retry = [r for r in current.records
                         if int(r["dynamodb"]["SequenceNumber"]) >= outcome]
                current = Batch(current.shard, retry, current.attempts + 1, None)
            elif self.mapping["BisectBatchOnFunctionError"] and len(current.records) > 1:
                middle = len(current.records) // 2
                pending[:0] = [Batch(current.shard, current.records[:middle]),
                               Batch(current.shard, current.records[middle:])]
                continue
            else:
                current.attempts += 1
            if self._exhausted(current):
                self._fail(current, "RetryAttemptsExhausted")
                move(current.last if pending else last_read)
                continue
            pending.insert(0, current)
            self._back_off(current.attempts)

    def _exhausted(self, batch: Batch) -> bool:
        limit = self.mapping["MaximumRetryAttempts"]
        if limit != -1 and batch.attempts > limit:
            return True
        now = self.engine.clock()
        return self._too_old(batch.records[0], now)

    def _function(self) -> tuple[dict, str | None] | None:
        """The configuration this mapping's function runs now (an alias routes
        per batch) and the qualifier it is called under; None if it is gone."""
        ref = function_ref(self.mapping["FunctionArn"])
        try:
            with self.engine.store.read() as txn:
                target = resolve(self.engine.functions, txn, ref, route=True)
        except DynamoError:
            return None
        return target.record, ref.qualifier

    def _invoke(self, batch: Batch, final: bool = False, arn: str | None = None):
        """'ok', 'throttled', 'error', or the lowest failed sequence number."""
        called = self._function()
        if called is None:  # the function, version or alias is gone: hold the shard, as AWS does
            return "throttled"
        event = {"Records": [lambda_event_record(r) for r in batch.records]}
        state = self.states.get(batch.shard["ShardId"])
        if self.mapping["TumblingWindowInSeconds"] and state is not None:
            event.update(self._window_fields(batch, state, final, arn))
        if batch.records:  # a tumbling window's final call may carry none
            newest = batch.records[-1]["dynamodb"]["ApproximateCreationDateTime"]
            self.engine.metrics.delivered(self.mapping["EventSourceArn"],
                                          called[0]["FunctionName"], self.engine.clock() - newest)
        try:
            result = self.engine.functions.invoke(called[0], event, called[1])
        except DynamoError:  # throttled, or its callable lives in another process: hold
            return "throttled"
        if not result.ok:
            self._result("PROBLEM: Function call failed")
            batch.function_error = "Unhandled"
            return "error"
        if "window" in event and isinstance(result.payload, dict):
            returned = result.payload.get("state")
            state.window_state = returned if isinstance(returned, dict) else {}
        if "ReportBatchItemFailures" not in self.mapping["FunctionResponseTypes"]:
            self._result("OK")
            return "ok"
        failed = reported_failures(result.payload, batch)
        self._result("OK" if failed is None else "PROBLEM: Function call failed")
        return "ok" if failed is None else failed

    def _window_fields(self, batch: Batch, state: ShardState, final: bool,
                       arn: str | None) -> dict:
        """What a tumbling-window invocation adds to the event, as AWS sends it."""
        def iso(moment: float) -> str:
            return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        size = self.mapping["TumblingWindowInSeconds"]
        source = arn or (batch.records[0]["eventSourceARN"] if batch.records else None)
        return {"window": {"start": iso(state.window_start),
                           "end": iso(state.window_start + size)},
                "state": state.window_state, "shardId": batch.shard["ShardId"],
                "eventSourceARN": source, "isFinalInvokeForWindow": final,
                "isWindowTerminatedEarly": False}

    def _back_off(self, attempts: int) -> None:
        config = self.engine.config
        delay = min(config.bridge_retry_base * 2 ** max(0, attempts - 1), config.bridge_retry_max)
        self.engine.closing.wait(delay)

    def _checkpoint(self, shard: dict, last_done: int) -> None:
        checkpoints = self.engine.repos.checkpoints
        self.engine.store.write(lambda ctx: checkpoints.set_position(
            ctx.txn, self.mapping_id, shard["ShardId"], last_done + 1))

    def _result(self, text: str) -> None:
        checkpoints = self.engine.repos.checkpoints
        self.engine.store.write(lambda ctx: checkpoints.set_result(ctx.txn, self.mapping_id, text))

    def _fail(self, batch: Batch, condition: str) -> None:
        destination = self.mapping["DestinationConfig"].get("OnFailure", {}).get("Destination")
        if not destination:
            return
        record = failure_record(self.mapping, batch, condition)
        destinations.keep(self.engine, destination, record)  # GET /_dynalite/failures/<arn>
        destinations.to_queue(self.engine, destination, record)  # an SQS queue served here


def consumer_for(engine, mapping_id: str) -> Consumer:
    """The delivery loop of a mapping: a stream's, or an SQS queue's."""
    from .queue_consumer import QueueConsumer  # it builds on Consumer
    with engine.store.read() as txn:
        mapping = engine.repos.mappings.get(txn, mapping_id)
    if mapping is not None and mappings.is_queue_source(mapping["EventSourceArn"]):
        return QueueConsumer(engine, mapping_id)
    return Consumer(engine, mapping_id)


def lambda_event_record(record: dict) -> dict:
    """A stream record as Lambda hands it over (userIdentity in lower case)."""
    identity = record.get("userIdentity")
    if identity is None:
        return record
    return dict(record, userIdentity={"type": identity["Type"],
                                      "principalId": identity["PrincipalId"]})


def reported_failures(payload: object, batch: Batch) -> int | None:
    """The lowest failed sequence number of a ReportBatchItemFailures response,
    None for success; an unusable answer fails the whole batch."""
    if payload is None or payload == {}:
        return None
    if not isinstance(payload, dict):
        return batch.first
    failures = payload.get("batchItemFailures")
    if not failures:
        return None
    sequence_numbers = {int(r["dynamodb"]["SequenceNumber"]) for r in batch.records}
    failed = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not (identifier and str(identifier).isdigit()
                and int(identifier) in sequence_numbers):
            return batch.first
        failed.append(int(identifier))
    return min(failed)


def failure_record(mapping: dict, batch: Batch, condition: str) -> dict:
    def arrival(record: dict) -> str:
        return datetime.fromtimestamp(record["dynamodb"]["ApproximateCreationDateTime"],
                                      tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    now = datetime.now(timezone.utc)
    failure = {
        "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": mapping["FunctionArn"],
                           "condition": condition, "approximateInvokeCount": batch.attempts},
        "version": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "DDBStreamBatchInfo": {
            "shardId": batch.shard["ShardId"],
            "startSequenceNumber": batch.records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": batch.records[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": arrival(batch.records[0]),
            "approximateArrivalOfLastRecord": arrival(batch.records[-1]),
            "batchSize": len(batch.records), "streamArn": mapping["EventSourceArn"]}}
    if condition != "RecordAgeExceeded":
        failure["responseContext"] = {"statusCode": 200, "executedVersion": "$LATEST",
                                      "functionError": batch.function_error}
    return failure
