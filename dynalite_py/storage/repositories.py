"""Every repository over one store, built once per engine: what the engine
reads and writes through (it never sees a keyspace or a key layout)."""
from __future__ import annotations

from .backups import BackupRecords
from .catalog import TableRecords
from .exports import BULK_OPERATIONS, EXPORTS, IMPORTS, JobRecords
from .history import ChangeHistory
from .indexes import IndexEntries
from .interface import Store
from .items import Counts, ItemRecords
from .lambdas import (
    Checkpoints,
    CodeArchives,
    FailureRecords,
    FunctionChildren,
    FunctionRecords,
    InvocationRecords,
    MappingRecords,
    VersionRecords,
)
from .queues import EventInvokeConfigs, Messages, MoveTasks, QueueRecords
from .replica_clocks import ReplicaClocks
from .streams import StreamLog
from .tokens import RequestTokens
from .ttl import ExpiryIndex
from .vectors import VectorEntries


class Repositories:
    """The repositories of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.items = ItemRecords(store)
        self.counts = Counts(store)
        self.indexes = IndexEntries(store, self.counts)
        self.vectors = VectorEntries(store, self.counts)
        self.tables = TableRecords(store)
        self.streams = StreamLog(store)
        self.expiry = ExpiryIndex(store)
        self.tokens = RequestTokens(store)
        self.functions = FunctionRecords(store)
        self.mappings = MappingRecords(store)
        self.checkpoints = Checkpoints(store)
        self.failures = FailureRecords(store)
        self.versions = VersionRecords(store)
        self.aliases = FunctionChildren(store, b"A")
        self.policies = FunctionChildren(store, b"P")
        self.concurrency_slots = FunctionChildren(store, b"C")
        self.code = CodeArchives(store)
        self.invocations = InvocationRecords(store)
        self.queues = QueueRecords(store)
        self.messages = Messages(store)
        self.move_tasks = MoveTasks(store)
        self.event_invoke_configs = EventInvokeConfigs(store)
        self.backups = BackupRecords(store)
        self.history = ChangeHistory(store)
        self.exports = JobRecords(store, EXPORTS)
        self.imports = JobRecords(store, IMPORTS)
        self.bulk_operations = JobRecords(store, BULK_OPERATIONS)
        self.replica_clocks = ReplicaClocks(store)
