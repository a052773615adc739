"""Delivering tables' changes to their Kinesis streaming destinations.

One job, under the "kinesis" lease (of the engines sharing a store, one
delivers at a time; another takes over from the checkpoints when it stops
renewing). Each pass, for every table with a destination:

* an ENABLING destination is looked up at the endpoint
  (DescribeStreamSummary): ACTIVE once found, ENABLE_FAILED when the
  endpoint says the stream does not exist;
* an ACTIVE or UPDATING one gets the table's change log from its
  checkpoint (no earlier than where it started), up to PutRecords' 500
  records a call, in AWS's record format; the checkpoint moves past what
  Kinesis accepted (a failed record and those after it are sent again);
* change records every live destination has delivered (or all, with none
  live) are deleted.

Delivery is at least once: a record is sent before its checkpoint is
stored, so a crash in between sends it again. A failing endpoint (down,
throttling, stream gone) is retried with back-off per destination, from
bridge_retry_base doubling to bridge_retry_max seconds; the destination
keeps its status and DestinationStatusDescription says what failed.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from ..dynamodb.kinesis.capture import LIVE
from ..dynamodb.kinesis.destinations import kinesis_of, stream_name
from ..dynamodb.kinesis.kinesis_client import kinesis_client
from ..errors import DynamoError
from ..storage.items import StoredItem
from ..storage.leases import Lease, new_owner
from ..streams.log import Change, read_changes

log = logging.getLogger("dynalite_py.kinesis")
LEASE = "kinesis"
LEASE_SECONDS = 30.0
PUT_RECORDS_LIMIT = 500  # Kinesis PutRecords' most records a call
TRIM_BATCH = 1000


def checkpoint_name(log_number: int) -> str:
    return f"kinesis:{log_number}"


def kinesis_record(change: Change, table_name: str, precision: str) -> dict:
    """A change as DynamoDB writes it to a Kinesis data stream."""
    scale = 1_000_000 if precision == "MICROSECOND" else 1000
    body = {"ApproximateCreationDateTime": int(change.created * scale), "Keys": change.keys}
    if change.new_raw is not None:
        body["NewImage"] = StoredItem(change.new_raw).item
    if change.old_raw is not None:
        body["OldImage"] = StoredItem(change.old_raw).item
    body.update(SizeBytes=change.size, ApproximateCreationDateTimePrecision=precision)
    identity = change.user_identity and {"type": change.user_identity.get("Type"),
                                         "principalId": change.user_identity.get("PrincipalId")}
    return {"awsRegion": change.region, "eventID": change.event_id, "eventName": change.event,
            "userIdentity": identity, "recordFormat": "application/json",
            "tableName": table_name, "dynamodb": body, "eventSource": "aws:dynamodb"}


def partition_key(keys: dict) -> str:
    """One item's records share a partition key, hence a shard and their
    order: an MD5 of its key, as hexadecimal (AWS derives one from the key)."""
    return hashlib.md5(orjson.dumps(keys, option=orjson.OPT_SORT_KEYS)).hexdigest().upper()


class KinesisDelivery:
    """Runs the delivery job on a thread while the engine is open."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.lease = Lease(engine.store, LEASE, new_owner(), LEASE_SECONDS)
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._client = None
        # stream ARN -> (the next attempt's time, the current back-off)
        self._backoff: dict[str, tuple[float, float]] = {}
        # whether a table has a live destination, as the last pass saw: only
        # then does a stream commit wake the thread (a wake-up finding nothing
        # to do would cost every stream write a thread switch); it polls anyway
        self._live = True
        engine.store.after_stream_commit.append(self._committed)
        self._thread = threading.Thread(target=self._run, name="dynalite-kinesis", daemon=True)

    def start(self) -> "KinesisDelivery":
        self._thread.start()
        return self

    def _committed(self) -> None:
        if self._live:
            self.wake.set()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread.is_alive():
            self._thread.join()
        try:
            self.lease.release()
        except DynamoError:
            pass  # the store is unavailable: the lease expires

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.lease.hold():
                    self.deliver()
            except DynamoError as error:  # the store is unavailable: next pass
                log.warning("kinesis delivery pass failed: %s", error.message)
            except Exception:
                log.exception("kinesis delivery pass failed")
            self.wake.wait(self.engine.config.bridge_poll_interval)
            self.wake.clear()

    @property
    def client(self):
        if self._client is None:
            self._client = kinesis_client(self.engine.config)
        return self._client

    def deliver(self) -> None:
        """One pass over every table with Kinesis destinations."""
        with self.engine.store.read() as txn:
            tables = [table for table in self.engine.catalog.tables(txn)
                      if kinesis_of(table)["log"] is not None]
        self._live = bool(tables)
        for table in tables:
            kinesis = kinesis_of(table)
            for arn, destination in kinesis["destinations"].items():
                if destination["status"] in LIVE and self._due(arn):
                    self._serve(table.name, kinesis["log"], arn, destination)
            self._trim(kinesis)

    def _due(self, arn: str) -> bool:
        return self._backoff.get(arn, (0.0, 0.0))[0] <= time.monotonic()

    def _serve(self, table_name: str, log_number: int, arn: str, destination: dict) -> None:
        try:
            if destination["status"] == "ENABLING":
                self._enable(table_name, arn, destination)
                return
            while self._send_batch(table_name, log_number, arn, destination):
                pass
            self._backoff.pop(arn, None)
            if destination.get("description"):  # it fails no more
                self._settle(table_name, arn, destination, None, None)
        except (BotoCoreError, ClientError) as error:
            if _stream_missing(error) and destination["status"] == "ENABLING":
                self._settle(table_name, arn, destination, "ENABLE_FAILED",
                             f"Kinesis stream {arn} does not exist")
                return
            self._back_off(arn)
            log.warning("kinesis destination %s of %s: %s", arn, table_name, error)
            self._settle(table_name, arn, destination, None, f"Delivery failing: {error}")

    def _enable(self, table_name: str, arn: str, destination: dict) -> None:
        self.client.describe_stream_summary(StreamName=stream_name(arn))
        self._settle(table_name, arn, destination, "ACTIVE", None)

    def _send_batch(self, table_name: str, log_number: int, arn: str, destination: dict
                    ) -> bool:
        """Send the next batch of changes; True when a whole batch went."""
        repos, name = self.engine.repos, checkpoint_name(log_number)
        with self.engine.store.read() as txn:
            start = max(repos.checkpoints.position(txn, name, arn) or 0, destination["start"])
            changes = read_changes(txn, repos.streams, log_number, start, PUT_RECORDS_LIMIT)
        if not changes:
            return False
        entries = [{"Data": orjson.dumps(kinesis_record(change, table_name,
                                                        destination["precision"])),
                    "PartitionKey": partition_key(change.keys)} for _, change in changes]
        answer = self.client.put_records(StreamName=stream_name(arn), Records=entries)
        sent = len(changes)
        for position, result in enumerate(answer["Records"]):
            if "ErrorCode" in result:  # throttled: it and those after it go again
                sent = position
                break
        if sent:
            self.engine.store.write(lambda ctx: repos.checkpoints.set_position(
                ctx.txn, name, arn, changes[sent - 1][0] + 1))
        if sent < len(changes):
            self._back_off(arn)
            return False
        return len(changes) == PUT_RECORDS_LIMIT

    def _back_off(self, arn: str) -> None:
        config = self.engine.config
        _, previous = self._backoff.get(arn, (0.0, 0.0))
        delay = min(config.bridge_retry_max, previous * 2 if previous else config.bridge_retry_base)
        self._backoff[arn] = (time.monotonic() + delay, delay)

    def _settle(self, table_name: str, arn: str, seen: dict, status: str | None,
                description: str | None) -> None:
        """Set a destination's status (None: keep it) and description,
        unless it changed since it was read."""
        catalog = self.engine.catalog

        def settle(ctx):
            table = catalog.current(ctx, table_name)
            if table is None:
                return
            kinesis = kinesis_of(table)
            current = kinesis["destinations"].get(arn)
            if current is None or current["changed_at"] != seen["changed_at"] or (
                    current.get("description") == description and status is None):
                return
            changed = dict(current, description=description, status=status or current["status"])
            catalog.put(ctx, dict(table.record, kinesis=dict(
                kinesis, destinations=dict(kinesis["destinations"], **{arn: changed}))))

        self.engine.store.write(settle)

    def _trim(self, kinesis: dict) -> None:
        """Delete the change records every live destination has delivered."""
        repos, name = self.engine.repos, checkpoint_name(kinesis["log"])
        with self.engine.store.read() as txn:
            positions = [max(repos.checkpoints.position(txn, name, arn) or 0, destination["start"])
                         for arn, destination in kinesis["destinations"].items()
                         if destination["status"] in LIVE]
        below = min(positions) if positions else 1 << 62
        while self.engine.store.write(lambda ctx: repos.streams.delete_before(
                ctx.txn, kinesis["log"], below, TRIM_BATCH)) == TRIM_BATCH:
            pass


def _stream_missing(error: Exception) -> bool:
    return isinstance(error, ClientError) and error.response.get("Error", {}).get(
        "Code") == "ResourceNotFoundException"
