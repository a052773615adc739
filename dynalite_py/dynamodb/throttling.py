"""Provisioned-throughput throttling: token buckets per table and per GSI.

Off by default (Config.throttling). Each table and each GSI has a read and a
write bucket filling at the provisioned rate (units per second) and holding
up to `burst_seconds` of unused capacity, starting full. A request is
admitted while its buckets are positive; what it actually consumed is then
debited, possibly into debt that later requests wait out, which is how
DynamoDB lets a large item through and throttles what follows. On-demand
tables get buckets at the table quota (`on_demand_quota`, 40,000 units/s by
default), or at the table's OnDemandThroughput maxima when lower. Buckets
live in each process: several processes sharing a data directory each
enforce their own rate.

Per-table consumed and throttled units are kept for observability
(`Throttler.statistics`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..errors import DynamoError
from .tables.table_settings import on_demand_maximum

TABLE_THROTTLED = ("The level of configured provisioned throughput for the table was exceeded. "
                   "Consider increasing your provisioning level with the UpdateTable API.")
INDEX_THROTTLED = ("The level of configured provisioned throughput for one or more global "
                   "secondary indexes of the table was exceeded. Consider increasing your "
                   "provisioning level for the under-provisioned global secondary indexes with "
                   "the UpdateTable API")
ON_DEMAND_THROTTLED = (
    "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically "
    "scaling your table or index so please try again shortly. If exceptions persist, check if "
    "you have a hot key: "
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html")


class Bucket:
    """A token bucket kept as the level at which it is empty, in units of
    rate x time: tokens(now) = min(capacity, now * rate - empty_level).
    Admitting is one comparison and spending one addition, with no refill
    step (the generic cell rate algorithm); debt is empty_level above
    now * rate. Units, not seconds, so that whole units add exactly even
    with epoch timestamps."""

    __slots__ = ("rate", "capacity", "empty_level", "source", "checked")

    def __init__(self, rate: float, burst_seconds: float, now: float, source: object) -> None:
        self.rate = rate
        self.capacity = rate * burst_seconds
        self.empty_level = now * rate - self.capacity  # starts full
        self.source = source  # the table record the rate was read from
        self.checked = now  # when a request was last admitted: spend() caps from there

    def admits(self, now: float) -> bool:
        return now * self.rate > self.empty_level

    def tokens(self, now: float) -> float:
        return min(self.capacity, now * self.rate - self.empty_level)

    def spend(self, units: float) -> None:
        """Debit units at the time of the last admission (a request spends
        right after being admitted; the time only caps a full bucket)."""
        floor = self.checked * self.rate - self.capacity  # a full bucket's level
        level = self.empty_level
        self.empty_level = (level if level > floor else floor) + units  # max(), cheaper

    def retune(self, rate: float, burst_seconds: float, now: float) -> None:
        """A new rate from now on, keeping the tokens (or debt) held."""
        tokens = self.tokens(now)
        self.rate, self.capacity = rate, rate * burst_seconds
        self.empty_level = now * rate - min(tokens, self.capacity)


@dataclass
class Usage:
    consumed: float = 0.0
    throttled_requests: int = 0
    # the same units by kind, "read" and "write" (metrics.py reads them at a scrape)
    by_kind: dict[str, float] = field(default_factory=lambda: {"read": 0.0, "write": 0.0})


@dataclass
class Throttler:
    enabled: bool
    burst_seconds: float
    on_demand_quota: float
    clock: Callable[[], float]
    # kind ("read"/"write") -> table id (the table's bucket) or (table id,
    # GSI name) -> bucket; a table's key needs no tuple on the hot path
    buckets: dict[str, dict[bytes | tuple[bytes, str], Bucket]] = field(
        default_factory=lambda: {"read": {}, "write": {}})
    usage: dict[str, Usage] = field(default_factory=dict)
    # told (table name, kind, units) of every spend when set: the metrics of
    # worker processes, which cannot read each other's usage (metrics.py)
    meter: Callable[[str, str, float], None] | None = None

    def _bucket(self, table, index_name: str | None, kind: str, now: float) -> Bucket:
        """The bucket; its rate is re-read only when the table record changed."""
        buckets = self.buckets[kind]
        key = table.id if index_name is None else (table.id, index_name)
        bucket = buckets.get(key)
        if bucket is not None and bucket.source is table.record:  # the common case
            return bucket
        rate = self._rate(table, index_name, kind)
        if bucket is None:
            bucket = Bucket(rate, self.burst_seconds, now, table.record)
            buckets[key] = bucket
        elif bucket.rate != rate:  # UpdateTable changed it: the new rate applies from now
            bucket.retune(rate, self.burst_seconds, now)
        bucket.source = table.record
        return bucket

    def retune(self, table) -> None:
        """Apply a table's new provisioned rates from this moment (UpdateTable)."""
        now = self.clock()
        for kind, buckets in self.buckets.items():
            for key in list(buckets):
                table_id, index_name = (key, None) if isinstance(key, bytes) else key
                if table_id == table.id:
                    self._bucket(table, index_name, kind, now)

    def _rate(self, table, index_name: str | None, kind: str) -> float:
        throughput = table.record["ProvisionedThroughput"]
        if index_name is not None:
            throughput = next(index["ProvisionedThroughput"] for index in
                              table.record["GlobalSecondaryIndexes"]
                              if index["IndexName"] == index_name)
        units = throughput["ReadCapacityUnits" if kind == "read" else "WriteCapacityUnits"]
        if units:
            return float(units)
        maximum = on_demand_maximum(table.record, kind) if index_name is None else None
        return min(maximum, self.on_demand_quota) if maximum else self.on_demand_quota

    def admit(self, table, kind: str, index_names: tuple[str, ...] = ()) -> None:
        """Raise ProvisionedThroughputExceededException when a bucket is empty.

        `index_names` are the GSIs the request reads (a Query) or may write
        (every GSI of the table, for a write): a GSI short of capacity
        throttles the base-table write too."""
        if not self.enabled:
            return
        now = self.clock()
        bucket = self.buckets[kind].get(table.id)
        if bucket is None or bucket.source is not table.record:
            bucket = self._bucket(table, None, kind, now)
        if now * bucket.rate <= bucket.empty_level:  # inlined Bucket.admits: the hot path
            self._refuse(table, TABLE_THROTTLED)
        bucket.checked = now
        if not index_names:
            return
        for name in index_names:
            index_bucket = self._bucket(table, name, kind, now)
            if not index_bucket.admits(now):
                self._refuse(table, INDEX_THROTTLED)
            index_bucket.checked = now

    def is_admitted(self, table, kind: str, index_names: tuple[str, ...] = ()) -> bool:
        try:
            self.admit(table, kind, index_names)
        except DynamoError:
            return False
        return True

    def _refuse(self, table, provisioned_message: str) -> None:
        self.usage.setdefault(table.name, Usage()).throttled_requests += 1
        on_demand = not table.record["ProvisionedThroughput"]["ReadCapacityUnits"]
        raise DynamoError("ProvisionedThroughputExceededException",
                          ON_DEMAND_THROTTLED if on_demand else provisioned_message)

    def spend(self, table, kind: str, units: float,
              index_units: dict[str, float] | None = None) -> None:
        """Debit what a request consumed: GSIs from their own buckets, LSIs
        from the table's (usage is counted even when throttling is off)."""
        usage = self.usage.get(table.name) or self.usage.setdefault(table.name, Usage())
        used = units + (sum(index_units.values()) if index_units else 0.0)
        usage.consumed += used
        usage.by_kind[kind] += used
        if self.meter is not None:
            self.meter(table.name, kind, used)
        if not self.enabled:
            return
        if not index_units:  # admit() made the bucket
            self.buckets[kind][table.id].spend(units)
            return
        global_names = table.global_index_names
        table_units = units + sum(used for name, used in index_units.items()
                                  if name not in global_names)
        self.buckets[kind][table.id].spend(table_units)
        for name, used in index_units.items():
            if name in global_names:
                self._bucket(table, name, kind, self.clock()).spend(used)

    def statistics(self) -> dict[str, dict]:
        return {name: {"ConsumedCapacityUnits": usage.consumed,
                       "ThrottledRequests": usage.throttled_requests}
                for name, usage in self.usage.items()}
