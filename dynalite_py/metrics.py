"""Metrics under CloudWatch's names and dimensions, kept with prometheus-client.

One `Metrics` per engine, each with a registry of its own (engines sharing a
process keep apart). What is counted, and where:

- `Engine.call` / `call_together`, once per DynamoDB and Streams request:
  SuccessfulRequestLatency (milliseconds, as CloudWatch reports it) and
  ReturnedItemCount (a response's Count: Query and Scan), or one of
  ThrottledRequests, ConditionalCheckFailedRequests, UserErrors (any other
  4xx) and SystemErrors (5xx, or a bug of ours); labels TableName (empty for
  a call naming no one table: BatchGetItem, ListTables, ...) and Operation.
- ConsumedReadCapacityUnits / ConsumedWriteCapacityUnits by TableName (GSI
  and LSI units included in their table's): read at scrape time from the
  throttler's usage, which `Throttler.spend` keeps anyway; with worker
  processes, counted at each spend into the shared files.
- `Functions.invoke`: Invocations, Errors, Throttles, Duration (ms),
  ConcurrentExecutions by FunctionName.
- the trigger bridge, per batch delivered: IteratorAge (ms, the age of the
  batch's last record, as Lambda reports it) by StreamArn and FunctionName.
- at scrape time, from the store: ApproximateNumberOfMessagesVisible by
  QueueName (every worker sees the same queues).

Server worker processes (`serve --workers N`) share their numbers through
prometheus-client's multiprocess mode (server/metrics.py turns it on before
any engine exists): whichever worker answers a scrape reports every
worker's sums.
"""
from __future__ import annotations

import os
import threading
from bisect import bisect_left
from itertools import accumulate
from time import perf_counter
from typing import Callable, ContextManager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.utils import floatToGoString

from .errors import DynamoError

# the services whose calls are counted per table and operation (Lambda and
# SQS calls have metrics of their own kinds)
METERED_SERVICES = frozenset(("dynamodb", "dynamodbstreams"))
THROTTLING_ERRORS = frozenset(("ProvisionedThroughputExceededException", "ThrottlingException",
                               "RequestLimitExceeded"))
CONDITION_FAILED = "ConditionalCheckFailedException"
# milliseconds: an embedded GetItem takes tens of microseconds, a fsync'd write milliseconds
LATENCY_BUCKETS_MS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0,
                      500.0, 1000.0, 2500.0, float("inf"))
DURATION_BUCKETS_MS = (1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0,
                       5000.0, 10000.0, 30000.0, float("inf"))
REQUEST_LABELS = ("TableName", "Operation")
LATENCY_NAME = "SuccessfulRequestLatency"
LATENCY_HELP = "Milliseconds taken by successful requests"
# latencies a request meter holds before counting them into its buckets
FOLD_BATCH = 256


CONSUMED_METRICS = {"read": "ConsumedReadCapacityUnits", "write": "ConsumedWriteCapacityUnits"}
CONSUMED_HELP = {"read": "Read capacity units consumed", "write": "Write capacity units consumed"}


def multiprocess_directory() -> str | None:
    """Where worker processes keep their shared numbers, when they do."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


class RequestMeter:
    """What is recorded per (table, operation). A success's latency is one
    list append (atomic: no lock on the hot path), counted into buckets a
    batch at a time and at each scrape: prometheus-client's
    `Histogram.observe` takes a lock per bucket it walks, which was a sixth
    of an embedded GetItem's instructions. With worker processes the
    latencies go into a prometheus Histogram child instead, whose
    multiprocess files every worker reads. The other series appear when
    first counted (no row of zeros per call kind)."""

    __slots__ = ("metrics", "labels", "pending", "counts", "total", "shared", "returned")

    def __init__(self, metrics: Metrics, table: str, operation: str) -> None:
        self.metrics = metrics
        self.labels = (table, operation)
        self.pending: list[float] = []  # latencies (ms) not yet counted
        self.counts = [0] * len(LATENCY_BUCKETS_MS)  # per bucket, not cumulative
        self.total = 0.0  # milliseconds: the histogram's sum
        self.shared = (metrics.shared_latency.labels(table, operation)
                       if metrics.shared_latency is not None else None)
        self.returned = None  # ReturnedItemCount's child, once a response has a Count

    def fold(self) -> None:
        """Count the pending latencies. The list is swapped, not cleared: an
        append racing the swap lands in one list or the other."""
        pending, self.pending = self.pending, []
        if self.shared is not None:
            for milliseconds in pending:
                self.shared.observe(milliseconds)
            return
        with self.metrics.fold_lock:
            counts = self.counts
            for milliseconds in pending:
                counts[bisect_left(LATENCY_BUCKETS_MS, milliseconds)] += 1
            self.total += sum(pending)

    def buckets(self) -> tuple[list[int], float]:
        """Cumulative bucket counts and the sum, all pending ones counted."""
        self.fold()
        with self.metrics.fold_lock:
            return list(accumulate(self.counts)), self.total

    def count_returned(self, count: int) -> None:
        if self.returned is None:
            self.returned = self.metrics.returned.labels(*self.labels)
        self.returned.inc(count)

    def failed(self, error: Exception) -> None:
        metrics = self.metrics
        if not isinstance(error, DynamoError) or error.status >= 500:
            counter = metrics.system_errors
        elif error.name in THROTTLING_ERRORS:
            counter = metrics.throttled
        elif error.name == CONDITION_FAILED:
            counter = metrics.condition_failed
        else:
            counter = metrics.user_errors
        counter.labels(*self.labels).inc()


class FunctionMeter:
    """The metric children of one Lambda function."""

    __slots__ = ("invocations", "errors", "throttles", "duration", "concurrent")

    def __init__(self, metrics: Metrics, name: str) -> None:
        self.invocations = metrics.invocations.labels(name)
        self.errors = metrics.function_errors.labels(name)
        self.throttles = metrics.function_throttles.labels(name)
        self.duration = metrics.duration.labels(name)
        self.concurrent = metrics.concurrent.labels(name)

    def running(self) -> ContextManager:
        """Counted in ConcurrentExecutions while it runs."""
        return self.concurrent.track_inprogress()

    def finished(self, ok: bool, duration_s: float) -> None:
        self.invocations.inc()
        if not ok:
            self.errors.inc()
        self.duration.observe(duration_s * 1000.0)


class Metrics:
    """One engine's metrics (see the module docstring for what and where)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.registry = registry = CollectorRegistry()

        def counter(name: str, text: str, labels=REQUEST_LABELS) -> Counter:
            return Counter(name, text, labels, registry=registry)

        self.fold_lock = threading.Lock()
        # a worker counts each latency at once: the worker answering a scrape
        # cannot count another worker's pending ones
        self.fold_batch = FOLD_BATCH if multiprocess_directory() is None else 1
        if multiprocess_directory() is None:
            self.shared_latency = None
            registry.register(LatencyCollector(self))
        else:
            self.shared_latency = Histogram(LATENCY_NAME, LATENCY_HELP, REQUEST_LABELS,
                                            buckets=LATENCY_BUCKETS_MS, registry=registry)
        self.returned = counter("ReturnedItemCount", "Items returned by Query and Scan")
        self.throttled = counter("ThrottledRequests", "Requests refused for lack of throughput")
        self.condition_failed = counter("ConditionalCheckFailedRequests",
                                        "Writes whose condition was false")
        self.user_errors = counter("UserErrors", "Requests refused with a 4xx error "
                                   "(throttling and failed conditions counted apart)")
        self.system_errors = counter("SystemErrors", "Requests failed with a 5xx error")
        if multiprocess_directory() is None:  # read from the throttler's usage at a scrape
            registry.register(CapacityCollector(engine.throttler))
        else:  # each worker's usage is its own: counted as spent, in the shared files
            self.consumed = {kind: counter(name, CONSUMED_HELP[kind], ("TableName",))
                             for kind, name in CONSUMED_METRICS.items()}
            engine.throttler.meter = self.consumed_units
        function = ("FunctionName",)
        self.invocations = counter("Invocations", "Function invocations", function)
        self.function_errors = counter("Errors", "Invocations that failed", function)
        self.function_throttles = counter("Throttles", "Invocations refused by reserved "
                                          "concurrency", function)
        self.duration = Histogram("Duration", "Milliseconds an invocation ran", function,
                                  buckets=DURATION_BUCKETS_MS, registry=registry)
        self.concurrent = Gauge("ConcurrentExecutions", "Invocations running now", function,
                                registry=registry, multiprocess_mode="livesum")
        self.iterator_age = Gauge("IteratorAge", "Milliseconds between a stream record's "
                                  "creation and its delivery to the function (last batch)",
                                  ("StreamArn", "FunctionName"), registry=registry,
                                  multiprocess_mode="livemostrecent")
        self.queues = QueueCollector(engine)
        registry.register(self.queues)
        self._requests: dict[tuple[str, str], RequestMeter] = {}
        self._consumed: dict[str, dict[str, object]] = {"read": {}, "write": {}}
        self._functions: dict[str, FunctionMeter] = {}

    # the hot path -------------------------------------------------------------------
    def request(self, operation: str, request: object) -> RequestMeter:
        """The meter of a request's (table, operation); a TableName that is
        no string (a shape error, or a member the operation ignores) counts
        as none."""
        table = request.get("TableName", "") if isinstance(request, dict) else ""
        if table.__class__ is not str:
            table = ""
        meter = self._requests.get((table, operation))
        if meter is None:
            meter = self._requests[(table, operation)] = RequestMeter(self, table, operation)
        return meter

    def succeeded(self, operation: str, request: dict, response: dict, started: float) -> None:
        try:  # the common case, without request()'s checks (a try costs nothing unraised)
            meter = self._requests[(request.get("TableName", ""), operation)]
        except (KeyError, TypeError, AttributeError):
            meter = self.request(operation, request)
        pending = meter.pending
        pending.append((perf_counter() - started) * 1000.0)
        if len(pending) >= self.fold_batch:
            meter.fold()
        if "Count" in response:
            meter.count_returned(response["Count"])

    def failed(self, operation: str, request: object, error: Exception) -> None:
        self.request(operation, request).failed(error)

    def consumed_units(self, table_name: str, kind: str, units: float) -> None:
        """Capacity a request consumed (Throttler.spend, with worker processes)."""
        children = self._consumed[kind]
        child = children.get(table_name)
        if child is None:
            child = children[table_name] = self.consumed[kind].labels(table_name)
        child.inc(units)

    # functions and streams ----------------------------------------------------------
    def function(self, name: str) -> FunctionMeter:
        meter = self._functions.get(name)
        if meter is None:
            meter = self._functions[name] = FunctionMeter(self, name)
        return meter

    def delivered(self, stream_arn: str, function_name: str, age_s: float) -> None:
        """A batch reached its function `age_s` after its last record was made."""
        self.iterator_age.labels(stream_arn, function_name).set(max(0.0, age_s) * 1000.0)

    # the scrape ---------------------------------------------------------------------
    def exposition(self) -> bytes:
        """Every metric in Prometheus's text format: this engine's, or with
        worker processes every worker's (multiprocess mode)."""
        for meter in list(self._requests.values()):
            meter.fold()  # with worker processes: into the shared files before they are read
        if multiprocess_directory() is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(self.queues)
        return generate_latest(registry)


class LatencyCollector:
    """SuccessfulRequestLatency from the request meters' bucket counts."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list:
        return []

    def collect(self):
        family = HistogramMetricFamily(LATENCY_NAME, LATENCY_HELP, labels=REQUEST_LABELS)
        bounds = [floatToGoString(bound) for bound in LATENCY_BUCKETS_MS]
        for meter in list(self.metrics._requests.values()):
            cumulative, total = meter.buckets()
            if cumulative[-1]:
                family.add_metric(list(meter.labels), list(zip(bounds, cumulative)), total)
        yield family


class CapacityCollector:
    """Consumed capacity by table, as the throttler counts it (Usage): the
    request path pays nothing more for it."""

    def __init__(self, throttler) -> None:
        self.throttler = throttler

    def describe(self) -> list:
        return []

    def collect(self):
        usage = list(self.throttler.usage.items())
        for kind, name in CONSUMED_METRICS.items():
            family = CounterMetricFamily(name, CONSUMED_HELP[kind], labels=("TableName",))
            for table_name, used in usage:
                family.add_metric([table_name], used.by_kind[kind])
            yield family


class QueueCollector:
    """SQS queue depths, read from the store at each scrape through the
    engine's own ListQueues and GetQueueAttributes."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def describe(self) -> list:
        return []  # collected at scrape time only: nothing to check at registration

    def collect(self):
        visible = GaugeMetricFamily("ApproximateNumberOfMessagesVisible",
                                    "Messages available for retrieval", labels=("QueueName",))
        call: Callable = self.engine.call
        for url in call("ListQueues", {}, "sqs").get("QueueUrls", []):
            try:
                attributes = call("GetQueueAttributes", {
                    "QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]},
                    "sqs")["Attributes"]
            except DynamoError:  # deleted since it was listed
                continue
            visible.add_metric([url.rsplit("/", 1)[-1]],
                               float(attributes["ApproximateNumberOfMessages"]))
        yield visible
