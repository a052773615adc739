"""The engine: one entry point, `call(operation, request) -> response`.

The HTTP server and the embedded API are thin shells over `Engine.call`, so
both behave identically by construction; the server's held writes go
through `Engine.call_together`, the same operations under one commit.

Operations are found, not listed: at import the engine walks the service
packages (dynamodb/, streams/, lambda_/, sqs/; each declares its SERVICE) and
takes every module that declares NAME as that operation (`OPERATIONS`).
Each operation's request checker is compiled on first use from botocore's
model with the service's and the operation's SHAPE_RULES (`checker_for`).
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
import time
from dataclasses import replace
from functools import cache
from types import ModuleType
from typing import Callable

from . import dynamodb, lambda_, sqs, streams
from .config import Config
from .dynamodb.insights.counts import KeyCounts
from .dynamodb.items.items import ItemWriter
from .dynamodb.items.transactions import conflict_error
from .dynamodb.items.writes import StagedWrite, perform_together
from .dynamodb.tables.catalog import Catalog
from .dynamodb.throttling import Throttler
from .dynamodb.vectors.approximate import ApproximateSearch, cache_directory
from .errors import DynamoError, unknown_operation
from .jobs.async_invoke import AsyncInvoker
from .jobs.kinesis import KinesisDelivery
from .jobs.replication import Replicator
from .jobs.sweeper import Sweeper, sweep
from .lambda_.bridge.bridge import Bridge
from .lambda_.functions.functions import Functions
from .metrics import METERED_SERVICES, THROTTLING_ERRORS, Metrics
from .namespaces import Namespace, default_namespace
from .protocol.service_models import service_model
from .protocol.validation import NO_RULES, ShapeRules, compile_checker
from .sqs.queues import Queues
from .storage import open_store
from .storage.interface import Conflict, Store
from .storage.namespaces import NamespacedStore, NamespaceRegistry
from .storage.repositories import Repositories


def _discover(packages: tuple[ModuleType, ...]) -> dict[str, dict[str, ModuleType]]:
    """Every operation module (one that declares NAME) of each service
    package, by service and operation name."""
    operations: dict[str, dict[str, ModuleType]] = {}
    for package in packages:
        found: dict[str, ModuleType] = {}
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            name = getattr(module, "NAME", None)
            if name is None:
                continue
            if name in found:
                raise ImportError(f"{package.SERVICE} {name}: in {found[name].__name__} "
                                  f"and in {module.__name__}")
            found[name] = module
        operations[package.SERVICE] = dict(sorted(found.items()))
    return operations


SERVICES = (dynamodb, streams, lambda_, sqs)
# service -> {operation name: its module}
OPERATIONS = _discover(SERVICES)
_SERVICE_RULES = {package.SERVICE: getattr(package, "SHAPE_RULES", NO_RULES)
                  for package in SERVICES}


def shape_rules(operation: str, service: str = "dynamodb") -> ShapeRules:
    """What an operation's checker knows beyond botocore's model: its
    service's rules, with its module's (an operation without a module has
    the service's only)."""
    rules = _SERVICE_RULES.get(service, NO_RULES)
    module = OPERATIONS.get(service, {}).get(operation)
    return rules | module.SHAPE_RULES if hasattr(module, "SHAPE_RULES") else rules


def checker_for(operation: str, service: str = "dynamodb") -> Callable[[object], dict]:
    """The request checker of any operation of `service`'s model, compiled
    once (protocol/validation.py): it raises DynamoDB's shape errors and
    returns the request as operations read it."""
    checker = _CHECKERS.get((service, operation))
    if checker is None:
        with _CHECKERS_LOCK:
            checker = _CHECKERS.get((service, operation))
            if checker is None:
                checker = compile_checker(operation, service, shape_rules(operation, service))
                _CHECKERS[(service, operation)] = checker
    return checker


def check_request(operation: str, request: object, service: str = "dynamodb") -> None:
    """Raise DynamoDB's SerializationException/ValidationException for a bad
    request shape (`checker_for`'s check, for callers that check once)."""
    checker_for(operation, service)(request)


_CHECKERS: dict[tuple[str, str], Callable[[object], dict]] = {}
_CHECKERS_LOCK = threading.Lock()


@cache
def model_operation_names(service: str) -> frozenset[str]:
    """Every operation in botocore's model of `service`."""
    return frozenset(service_model(service)["operations"])


# the writes `call_together` runs with one commit (each module has `stage`)
STAGED_OPERATIONS = frozenset(("PutItem", "UpdateItem", "DeleteItem"))


class Engine:
    """A DynamoDB-compatible engine over one store (an LMDB data directory,
    memory, or a PostgreSQL database)."""

    def __init__(self, path: str | None = None, config: Config | None = None,
                 background: bool = True, store: Store | None = None) -> None:
        """`path`: an LMDB data directory, None for a temporary one, or
        ":memory:" for the memory backend. The sweeper and the trigger bridge
        run here as jobs under leases in the store, so engines sharing it run
        each job once, as does the asynchronous invocation job;
        `background=False` starts none of them (benchmarks, tests).
        `store`: serve this open store instead of opening `path` (another
        namespace's view of a shared store, `in_namespace`)."""
        self.config = config or Config.from_env()
        self.store = store if store is not None else open_store(
            path, self.config.durability, self.config.map_size, self.config.store_connections,
            tuple(self.config.read_replicas), self.config.replica_max_lag)
        self.namespace = default_namespace(self.config)
        # the engine that opened the store, and (there) the engines of the
        # other namespaces, opened on first use (storage/namespaces.py)
        self.root: Engine = self
        self._background = background
        self._namespaces: dict[Namespace, Engine] = {}
        self._namespaces_lock = threading.Lock()
        self.repos = Repositories(self.store)
        self._clock = time.time
        self.catalog = Catalog(self.repos, self.config.region, self.config.account_id,
                               self._clock)
        self.catalog.replica_delay = self.config.table_status_delay
        self.items = ItemWriter(self.repos, self.config, self._clock)
        self.items.strong_replicas = self._strong_replicas
        self.vector_graphs = ApproximateSearch(self.config.vector_ann_threshold,
                                               cache_directory(self.config, self.store),
                                               self.config.vector_build_in_background)
        self.throttler = Throttler(self.config.throttling, self.config.burst_seconds,
                                   self.config.on_demand_quota, self._clock)
        self.metrics = Metrics(self)
        self.insights = KeyCounts(self)
        self.closing = threading.Event()
        self.backfill_lock = threading.Lock()
        self.backfills: dict[tuple[str, str], threading.Thread] = {}
        self._sweeper = Sweeper(self)
        self.functions = Functions(self)
        self.failure_callbacks: dict[str, Callable[[dict], None]] = {}
        self.triggers: list = []  # triggers.Trigger: `serve --trigger`, add_trigger()
        self.bridge = Bridge(self)
        self.queues = Queues()
        self.async_invoker = AsyncInvoker(self)
        self.kinesis = KinesisDelivery(self)
        self.replicator = Replicator(self)
        if background:
            self._sweeper.start()
            self.bridge.start()
            self.async_invoker.start()
            self.kinesis.start()
            self.replicator.start()
            if store is None:
                self.open_known_namespaces()

    @property
    def clock(self) -> Callable[[], float]:
        """The engine's clock (epoch seconds); tests may replace it to move time."""
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        # called directly on the hot paths, no indirection
        self.catalog.clock = self.items.clock = self.throttler.clock = clock
        for engine in list(self._namespaces.values()):
            engine.clock = clock

    @property
    def path(self) -> str:
        return self.store.path

    # Namespaces ---------------------------------------------------------------
    def in_namespace(self, namespace: Namespace | None) -> "Engine":
        """The engine serving `namespace` (None: this one's) over the same
        store: this engine for its own namespace, or for every one when
        config.shared_namespace; another namespace's is opened on first use
        with the account and region in its config (its ARNs, queue URLs)."""
        if namespace is None or namespace == self.namespace or self.config.shared_namespace:
            return self
        if self.root is not self:
            return self.root.in_namespace(namespace)
        engine = self._namespaces.get(namespace)
        return engine if engine is not None else self._open_namespace(namespace)

    def _strong_replicas(self, ctx, table) -> list:
        """(writer, table) of each other replica of a STRONG global table,
        as the write `ctx` sees them (ItemWriter.commit writes them too).
        Their namespaces are open already: their replicas were made through
        this engine, or open_known_namespaces opened them at start."""
        replicas = []
        for region in table.replica_regions:
            if region == self.config.region:
                continue
            namespace = Namespace(self.config.account_id, region)
            engine = self.opened(namespace) or self.in_namespace(namespace)
            replica = engine.catalog.current(ctx, table.name)
            if replica is not None:
                replicas.append((engine.items, replica))
        return replicas

    def opened(self, namespace: Namespace) -> "Engine | None":
        """The engine of `namespace` if it is open already (a lookup that
        never writes: `in_namespace` registers a new one in the store)."""
        if namespace == self.namespace or self.config.shared_namespace:
            return self
        return self.root._namespaces.get(namespace)

    def _open_namespace(self, namespace: Namespace) -> "Engine":
        with self._namespaces_lock:
            engine = self._namespaces.get(namespace)
            if engine is None:
                if self.closing.is_set():
                    raise RuntimeError("the engine is closed")
                number = NamespaceRegistry(self.store).number(namespace.account_id,
                                                              namespace.region)
                config = replace(self.config, account_id=namespace.account_id,
                                 region=namespace.region)
                engine = Engine(config=config, background=self._background,
                                store=NamespacedStore(self.store, number))
                engine.root = self
                engine.clock = self._clock
                self._namespaces[namespace] = engine
        return engine

    def open_known_namespaces(self) -> None:
        """Open every namespace some engine on this store has used, so that
        their background jobs (TTL, streams, triggers, retries) run here too
        when the engine serving them stops (a no-op but on the root)."""
        if self.root is not self or self.config.shared_namespace:
            return
        for account_id, region in NamespaceRegistry(self.store).known():
            self.in_namespace(Namespace(account_id, region))

    def namespaces(self) -> list["Engine"]:
        """This engine and the other namespaces' it has opened."""
        return [self, *self._namespaces.values()]

    def call(self, operation: str, request: dict, service: str = "dynamodb",
             namespace: Namespace | None = None) -> dict:
        """Run one operation ("dynamodb" or "dynamodbstreams") on a request in
        wire form, in `namespace` (None: this engine's). Raises DynamoError
        with DynamoDB's name, message and status."""
        if namespace is not None:
            return self.in_namespace(namespace).call(operation, request, service)
        module, check = _ROUTES.get((service, operation)) or _route(service, operation)
        started = time.perf_counter()
        try:
            response = module.run(self, check(request))
        except Conflict:
            error = conflict_error(operation, request)
            self._count_failure(service, operation, request, error)
            raise error from None
        except Exception as error:
            self._count_failure(service, operation, request, error)
            raise
        if service in METERED_SERVICES:  # Lambda and SQS have metrics of other kinds
            self.metrics.succeeded(operation, request, response, started)
            self.insights.count(operation, request)
        return response

    def _count_failure(self, service: str, operation: str, request: object,
                       error: Exception) -> None:
        if service in METERED_SERVICES:
            self.metrics.failed(operation, request, error)
            if isinstance(error, DynamoError) and error.name in THROTTLING_ERRORS \
                    and isinstance(request, dict):
                self.insights.count(operation, request, throttled=True)

    def check_operation(self, operation: str, service: str = "dynamodb") -> None:
        """UnknownOperationException unless this engine serves the operation."""
        _ROUTES.get((service, operation)) or _route(service, operation)

    def call_together(self, calls: list[tuple[str, object, str] | Exception]
                      ) -> list[dict | Exception]:
        """Run single-item writes (STAGED_OPERATIONS), each given as `call`'s
        arguments, with one commit: each is checked and planned, then all are
        applied in one transaction, then answered (writes.perform_together).
        Each result is a response or the error, in order; an error given in
        place of a call stays in its place."""
        started = time.perf_counter()
        staged = []
        for call in calls:
            try:
                staged.append(call if isinstance(call, Exception) else self._stage(*call))
            except Exception as error:
                staged.append(error)
        results = [conflict_error(call[0], call[1]) if isinstance(result, Conflict) else result
                   for call, result in zip(calls, perform_together(self.store, staged))]
        for call, result in zip(calls, results):
            if isinstance(call, Exception):
                continue  # refused before it was a call (wire.checked_call)
            if isinstance(result, Exception):
                self._count_failure("dynamodb", call[0], call[1], result)
            else:
                self.metrics.succeeded(call[0], call[1], result, started)
                self.insights.count(call[0], call[1])
        return results

    def _stage(self, operation: str, request: object, service: str) -> StagedWrite:
        if operation not in STAGED_OPERATIONS or service != "dynamodb":
            raise ValueError(f"{operation} cannot be staged")
        module, check = _ROUTES.get((service, operation)) or _route(service, operation)
        return module.stage(self, check(request))

    def snapshot(self, consistent: bool):
        """The snapshot a read runs in: the latest for a strongly consistent
        read; for an eventually consistent one, one up to consistency_lag
        old or a read replica's (Store.read_eventually)."""
        if consistent:
            return self.store.read()
        return self.store.read_eventually(self.config.consistency_lag)

    def add_trigger(self, trigger) -> None:
        """Run a triggers.Trigger from now on (the bridge sets it up at once)."""
        self.triggers.append(trigger)
        self.bridge.wake.set()

    def sweep(self) -> None:
        """One pass of background upkeep now (TTL expiry, stream trimming),
        in every namespace this engine has opened."""
        for engine in self.namespaces():
            sweep(engine)

    def lambda_operations(self) -> frozenset[str]:
        return frozenset(OPERATIONS["lambda"])

    def close(self) -> None:
        self.closing.set()
        with self._namespaces_lock:
            opened, self._namespaces = list(self._namespaces.values()), {}
        for engine in opened:
            engine.close()
        self.replicator.stop()
        self.bridge.stop()
        self.async_invoker.stop()
        self.kinesis.stop()
        self.functions.close()
        self._sweeper.stop()
        for thread in list(self.backfills.values()):
            thread.join()
        self.vector_graphs.close()
        self.store.close()


def is_read_only(service: str, operation: str) -> bool:
    """Whether an operation never writes (servers may run it inline)."""
    module = OPERATIONS.get(service, {}).get(operation)
    return module is not None and module.READ_ONLY


# (service, operation) -> (its module, its request checker), filled on first
# use; the checker returns the request as the operation reads it
_ROUTES: dict[tuple[str, str], tuple[object, Callable[[object], dict]]] = {}


def _route(service: str, operation: str) -> tuple[object, Callable[[object], dict]]:
    module = OPERATIONS.get(service, {}).get(operation)
    if module is None:
        raise _missing_operation(service, operation)
    check = checker_for(operation, service)
    if service == "lambda":
        check = _payload_skipping(check)
    _ROUTES[(service, operation)] = route = (module, check)
    return route


def _missing_operation(service: str, operation: str) -> DynamoError:
    if service in OPERATIONS and operation in model_operation_names(service):
        return DynamoError("UnknownOperationException",
                           f"The operation {operation} is not supported by dynalite-py yet",
                           namespace="com.amazon.coral.service")
    return unknown_operation()


def _payload_skipping(check: Callable[[object], dict]) -> Callable[[object], dict]:
    """Lambda's Invoke carries its event as raw bytes, which the shape checker
    (made for JSON members) must not see."""
    def check_without_payload(request: object) -> dict:
        if isinstance(request, dict) and isinstance(request.get("Payload"), bytes):
            check({key: value for key, value in request.items() if key != "Payload"})
            return request
        return check(request)
    return check_without_payload
