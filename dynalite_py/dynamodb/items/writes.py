"""Conditional single-item writes: what PutItem, DeleteItem, UpdateItem and
TransactWriteItems share.

An operation validates its request and describes the write as a
`PlannedWrite` before any transaction starts. Inside the write transaction
`PlannedWrite.apply` reads the old item, checks the condition, builds the
new item and commits it through ItemWriter (indexes, TTL and the stream
record follow in the same transaction). A failed condition raises and
leaves nothing written. A `StagedWrite` is a single-item write ready to
run: `perform` runs one in a commit of its own; `perform_together` runs
many under one commit (the server's writes of one event-loop turn).

The requests themselves, checked as far as they can be without their table,
are here too, since TransactWriteItems takes each action in the same form as
its single-item operation: `Put` (PutItem, a Put action), `KeyedWrite`
(DeleteItem, UpdateItem and the Delete, Update and ConditionCheck actions)
and `plan_update` (an update's planned write and its updates.ItemUpdate).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from ...errors import DynamoError, validation_error
from ...expressions import RequestExpressions, Scope, check_paths, holds, project
from ...expressions.legacy import (
    check_attribute_updates,
    check_conditional_operator,
    check_keys_not_updated,
    expected_condition,
)
from ...model.values import (
    validate_index_keys,
    validate_item,
    validate_item_key,
    validate_key,
    validate_written_item,
)
from ...storage.interface import Store, WriteContext
from ...storage.items import StoredItem
from ..capacity import with_capacity, write_units
from ..tables.catalog import Table
from . import item_collections
from .items import key_of
from .updates import ItemUpdate

CONDITION_FAILED = "The conditional request failed"
ONE_ERROR = "1 validation error detected: "

# old item as stored (None when absent) -> (new item, its size); a None item
# deletes. A build that ignores the old item spares decoding it.
Build = Callable[[StoredItem | None], tuple[dict | None, int]]
# a staged write's table -> its planned write and, for an update, its builder
Planner = Callable[[Table], tuple["PlannedWrite", ItemUpdate | None]]


@dataclass
class Condition:
    tree: tuple
    scope: Scope

    def holds(self, item: dict | None) -> bool:
        return holds(self.tree, item, self.scope)


def request_condition(request: dict, expressions: RequestExpressions) -> Condition | None:
    """The request's condition: its ConditionExpression or legacy Expected."""
    tree = expressions.get("ConditionExpression")
    if tree is not None:
        return Condition(tree, expressions.scope)
    check_conditional_operator(request, ("Expected",))
    if request.get("Expected"):
        return Condition(*expected_condition(request["Expected"],
                                             request.get("ConditionalOperator")))
    return None


class ConditionFailed(DynamoError):
    """ConditionalCheckFailedException; `units` is what the attempt costs."""

    def __init__(self, old: StoredItem | None, return_old: bool, units: float) -> None:
        extra = {"Item": old.item} if return_old and old is not None else None
        super().__init__("ConditionalCheckFailedException", CONDITION_FAILED, extra=extra)
        self.old = old
        self.units = units


class Outcome:
    """What a single-item write found and did (a slotted class: one is made
    per write, on the hot path)."""

    __slots__ = ("old", "new_item", "new_size", "index_units", "vector_bytes",
                 "collection_size", "table", "_units")

    def __init__(self, old: StoredItem | None, new_item: dict | None, new_size: int,
                 table: Table | None = None) -> None:
        self.old = old
        self.new_item = new_item
        self.new_size = new_size
        self.index_units: dict[str, float] = {}
        self.vector_bytes: dict[str, int] = {}
        self.collection_size: int | None = None  # tables with LSIs: the item collection's size
        self.table = table  # as the write transaction sees it (set by prepare)
        self._units: float | None = None

    @property
    def units(self) -> float:
        """Write units: the larger of the old and new item (DynamoDB's rule)."""
        if self._units is None:
            self._units = write_units(max(self.new_size, self.old.size if self.old else 0))
        return self._units


@dataclass
class PlannedWrite:
    table: Table
    key: bytes
    build: Build | None  # None only checks the condition (a ConditionCheck)
    condition: Condition | None = None
    return_old_on_failure: bool = False

    def apply(self, ctx: WriteContext, engine, planned_in_txn: bool = False) -> Outcome:
        """Check the condition and commit the change in `ctx`'s transaction."""
        return self.commit(ctx, engine, self.prepare(ctx, engine, planned_in_txn))

    def prepare(self, ctx: WriteContext, engine, planned_in_txn: bool = False) -> Outcome:
        """Read the old item, check the condition and build the new item,
        writing nothing yet (a transaction prepares every action first).
        `planned_in_txn`: the table was looked up in this very transaction,
        so there is nothing to confirm."""
        table = self.table if planned_in_txn else engine.catalog.confirm(ctx, self.table)
        old = engine.repos.items.read(ctx.txn, self.key)
        if self.condition is not None and not self.condition.holds(old.item if old else None):
            raise ConditionFailed(old, self.return_old_on_failure, self.failure_units(old))
        if self.build is None:
            return Outcome(old, old.item if old else None, old.size if old else 0, table=table)
        new_item, new_size = self.build(old)
        return Outcome(old, new_item, new_size, table=table)

    def commit(self, ctx: WriteContext, engine, outcome: Outcome) -> Outcome:
        if self.build is not None:
            ctx.index_units, ctx.vector_bytes = {}, {}
            # the table prepare confirmed: one write transaction, so still current
            outcome.collection_size = engine.items.commit(
                ctx, outcome.table, self.key, outcome.old, outcome.new_item, outcome.new_size)
            outcome.index_units, outcome.vector_bytes = ctx.index_units, ctx.vector_bytes
        return outcome

    def failure_units(self, old: StoredItem | None) -> float:
        """A failed condition still costs: the new item's size when the item
        exists (the old one's for a delete), one unit when it does not."""
        if old is None:
            return write_units(0)
        if self.build is None:
            return write_units(old.size)
        try:
            new_item, new_size = self.build(old)
        except DynamoError:
            return write_units(old.size)
        return write_units(new_size if new_item is not None else old.size)


class StagedWrite:
    """A PutItem, DeleteItem or UpdateItem checked as far as it can be
    without its table. `run` does the rest inside the store's write
    transaction: it looks the table up, plans the write against it, admits
    it (throttling) and applies it, so the table planned against is the one
    written to and no read snapshot of its own is needed. `answer` builds
    the response once the write is committed."""

    def __init__(self, engine, request: dict, planner: Planner) -> None:
        self.engine = engine
        self.request = request
        self.planner = planner
        self.plan: PlannedWrite | None = None  # set by run
        self.builder: ItemUpdate | None = None  # an update's, whose touched paths UPDATED_* show

    def run(self) -> Outcome:
        throttler = self.engine.throttler
        try:
            outcome = self.engine.store.write(self._apply)
        except ConditionFailed as failure:  # a failed condition still costs
            throttler.spend(self.plan.table, "write", failure.units)
            raise
        throttler.spend(self.plan.table, "write", outcome.units, outcome.index_units)
        return outcome

    def _apply(self, ctx: WriteContext) -> Outcome:
        engine = self.engine
        table = engine.catalog.active(ctx.txn, self.request["TableName"])
        self.plan, self.builder = self.planner(table)
        engine.throttler.admit(table, "write", table.global_index_names)
        return self.plan.apply(ctx, engine, planned_in_txn=True)

    def answer(self, outcome: Outcome) -> dict:
        touched = self.builder.touched if self.builder is not None else None
        return respond(self.request, self.plan.table, outcome, touched)


def perform(staged: StagedWrite) -> dict:
    """Run one staged write in a transaction of its own; its response."""
    return staged.answer(staged.run())


def perform_together(store: Store, writes: list[StagedWrite | Exception]) -> list[dict | Exception]:
    """Run staged writes in one transaction, each in a nested one (a failure
    undoes only itself), commit once, then build the answers: with the write
    lock held only while the writes run. Errors (also those in `writes`, from
    staging) come back in their places; if the commit fails, every write
    reports its error."""
    store.hold_commits()
    try:
        outcomes = [write if isinstance(write, Exception) else _outcome(write)
                    for write in writes]
    finally:
        failure = store.release_commits()
    return [_answer(write, outcome, failure) for write, outcome in zip(writes, outcomes)]


def _outcome(write: StagedWrite) -> Outcome | Exception:
    try:
        return write.run()
    except Exception as error:
        return error


def _answer(write: StagedWrite | Exception, outcome: Outcome | Exception,
            failure: BaseException | None) -> dict | Exception:
    if isinstance(outcome, Exception):
        return outcome
    if failure is not None:
        return failure
    try:
        return write.answer(outcome)
    except Exception as error:
        return error


def respond(request: dict, table: Table, outcome: Outcome, touched: list[list] | None = None
            ) -> dict:
    """The response of a single-item write: ReturnValues, ItemCollectionMetrics
    and ConsumedCapacity, each when asked for."""
    response = {}
    attributes = returned_attributes(request.get("ReturnValues"), outcome, touched)
    if attributes is not None:
        response["Attributes"] = attributes
    metrics = collection_metrics(request, table, outcome)
    if metrics is not None:
        response["ItemCollectionMetrics"] = metrics
    return with_capacity(response, request, table, outcome.units, outcome.index_units,
                         outcome.vector_bytes)


def collection_metrics(request: dict, table: Table, outcome: Outcome) -> dict | None:
    if request.get("ReturnItemCollectionMetrics") != "SIZE" or outcome.collection_size is None:
        return None
    item = outcome.new_item if outcome.new_item is not None else outcome.old.item
    return item_collections.metrics(table, item, outcome.collection_size)


def returned_attributes(mode: str | None, outcome: Outcome,
                        touched: list[list] | None = None) -> dict | None:
    """What ReturnValues asks to see of a write, or None."""
    if mode is None or mode == "NONE":  # spares decoding the old item
        return None
    old = outcome.old.item if outcome.old else None
    if mode == "ALL_OLD":
        return old or None
    if mode == "ALL_NEW":
        return outcome.new_item or None
    if mode == "UPDATED_OLD":
        return project(old, touched or []) or None if old else None
    if mode == "UPDATED_NEW":
        return project(outcome.new_item or {}, touched or []) or None
    return None


# Requests, checked as far as they can be without their table ----------------
@dataclass
class Put:
    """A put checked as far as it can be without its table (also a
    TransactWriteItems Put)."""
    request: dict
    condition: Condition | None
    item: dict
    size: int

    @classmethod
    def check(cls, request: dict, legacy: list[str]) -> "Put":
        expressions = RequestExpressions.parse(request, ["ConditionExpression"], legacy)
        condition = request_condition(request, expressions)
        item = request["Item"]
        return cls(request, condition, item, validate_written_item(item))

    def plan(self, table: Table) -> PlannedWrite:
        item, size = self.item, self.size
        validate_item_key(item, table.key_attributes)
        validate_index_keys(item, table.index_key_schemas, table.attribute_types)
        return PlannedWrite(table, key_of(table, item), lambda old: (item, size),
                            self.condition, return_old_on_failure(self.request))


@dataclass
class KeyedWrite:
    """A write addressed by Key (DeleteItem, UpdateItem, and their
    TransactWriteItems forms, and ConditionCheck), checked as far as it can
    be without its table."""
    request: dict
    expressions: RequestExpressions
    condition: Condition | None

    @classmethod
    def check(cls, request: dict, expressions: list[str], legacy: list[str]) -> "KeyedWrite":
        parsed = RequestExpressions.parse(request, expressions, legacy)
        condition = request_condition(request, parsed)
        if request.get("AttributeUpdates"):
            check_attribute_updates(request["AttributeUpdates"])
        validate_item(request["Key"])
        return cls(request, parsed, condition)

    def key(self, table: Table) -> bytes:
        key = validate_key(self.request["Key"], table.key_attributes)
        return key_of(table, key)

    def plan(self, table: Table, build: Build | None) -> PlannedWrite:
        return PlannedWrite(table, self.key(table), build, self.condition,
                            return_old_on_failure(self.request))


def plan_update(update: KeyedWrite, table: Table,
                standalone: bool = False) -> tuple[PlannedWrite, ItemUpdate]:
    """The planned write of an update request, and the builder it uses
    (`standalone` for UpdateItem itself, which measures size its own way)."""
    plan = update.plan(table, None)
    expressions = update.expressions
    tree = expressions.get("UpdateExpression")
    if tree is not None:
        check_paths(tree, expressions.scope, table.key_names)
    legacy = update.request.get("AttributeUpdates")
    if legacy:
        check_keys_not_updated(legacy, table.key_names)
    key_item = {name: update.request["Key"][name] for name in table.key_names}
    plan.build = builder = ItemUpdate(table, key_item, tree, expressions.scope, legacy,
                                      charges_writes=standalone)
    return plan, builder


@contextmanager
def enveloped_checks():
    """PutItem, UpdateItem and DeleteItem report what they find wrong before
    looking their table up inside the "1 validation error detected: "
    envelope (AWS captures of 2026, conformance suite putItem, deleteItem and
    valueLayers tests); what they find against the table is bare."""
    try:
        yield
    except DynamoError as error:
        if error.name != "ValidationException":
            raise
        raise validation_error(ONE_ERROR + error.message) from None


def check_return_values(request: dict) -> None:
    """PutItem and DeleteItem accept only NONE and ALL_OLD."""
    if request.get("ReturnValues") not in (None, "NONE", "ALL_OLD"):
        raise validation_error("ReturnValues can only be ALL_OLD or NONE")


def return_old_on_failure(request: dict) -> bool:
    return request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
