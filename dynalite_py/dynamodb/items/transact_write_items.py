"""TransactWriteItems: up to 100 Puts, Updates, Deletes and ConditionChecks
across tables, all applied or none.

Every action is checked before anything is read; then, inside one write
transaction (so serializable against every other write, in this process or
another sharing the directory), each action reads its item, checks its
condition and builds its new item; only when all succeed are they
committed. Otherwise TransactionCanceledException lists every action's
outcome in request order. ClientRequestToken makes a retry within 10
minutes return the first answer without applying anything twice.
"""
from __future__ import annotations

from ...errors import VALIDATION_PREFIX, DynamoError, older_wording, validation_error
from ...model.values import KEY_MISMATCH, NOT_VALID
from ...protocol.validation import ShapeRules
from ..capacity import write_units
from .transactions import (
    cancelled,
    check_distinct,
    idempotent_replay,
    remember_token,
    request_digest,
    transactional_capacity,
)
from .updates import UPDATE_EXPRESSIONS
from .writes import (
    ConditionFailed,
    KeyedWrite,
    Outcome,
    PlannedWrite,
    Put,
    collection_metrics,
    plan_update,
)

NAME = "TransactWriteItems"
READ_ONLY = False
# DynamoDB's member order in messages: a too long ClientRequestToken before
# the enums (AWS captures of 2026, conformance suite transactions.test.ts).
SHAPE_RULES = ShapeRules(member_order={"TransactWriteItemsInput": (
    "TransactItems", "ClientRequestToken", "ReturnConsumedCapacity",
    "ReturnItemCollectionMetrics")})
ACTIONS = ("ConditionCheck", "Put", "Delete", "Update")
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024


@older_wording()  # BatchWriteItem, the transactions and Scan check values in the older layer
def run(engine, request: dict) -> dict:
    checked = [check_action(action) for action in request["TransactItems"]]
    check_aggregate_size(checked)
    with engine.store.read() as txn:
        tables = [engine.catalog.active(txn, action.request["TableName"])
                  for _, action in checked]
    plans = [plan_action(kind, action, table)
             for (kind, action), table in zip(checked, tables)]
    planned = [plan for plan in plans if isinstance(plan, PlannedWrite)]
    check_distinct([(plan.table.id, plan.key) for plan in planned])
    for table in {plan.table.name: plan.table for plan in planned}.values():
        engine.throttler.admit(table, "write", table.global_index_names)
    token = request.get("ClientRequestToken")
    digest = request_digest(request) if token else b""

    def transact(ctx):
        if token:
            replay = idempotent_replay(ctx, engine.repos.tokens, token, digest, engine.clock())
            if replay is not None:
                return replay, {}
        outcomes = prepare_all(ctx, engine, plans)
        # committed in key order: concurrent transactions then take their
        # rows in one order, never each holding what the other waits for
        for plan, outcome in sorted(zip(plans, outcomes), key=lambda pair: pair[0].key):
            plan.commit(ctx, engine, outcome)
        units: dict[str, float] = {}
        metrics: dict[str, list[dict]] = {}
        for plan, outcome in zip(plans, outcomes):
            name = plan.table.name
            units[name] = units.get(name, 0.0) + 2 * transaction_units(plan, outcome)
            collection = collection_metrics(request, plan.table, outcome)
            if collection is not None:
                metrics.setdefault(name, []).append(collection)
        response: dict = {}
        capacity = transactional_capacity(request.get("ReturnConsumedCapacity"), units, "write")
        if capacity is not None:
            response["ConsumedCapacity"] = capacity
        if request.get("ReturnItemCollectionMetrics") == "SIZE":
            response["ItemCollectionMetrics"] = metrics
        if token:
            remember_token(ctx, engine.repos.tokens, token, digest, response, engine.clock())
        return response, units

    response, units = engine.store.write(transact)
    for plan in plans:
        engine.throttler.spend(plan.table, "write", units.pop(plan.table.name, 0.0))
    return response


def check_action(action: dict) -> tuple[str, Put | KeyedWrite]:
    """An action's kind and its request, checked without its table."""
    kinds = [kind for kind in ACTIONS if action.get(kind) is not None]
    if len(kinds) > 1:
        raise validation_error("TransactItems can only contain one of Check, Put, Update or "
                               "Delete")
    if not kinds:
        raise validation_error("Invalid Request: TransactWriteRequest should contain Delete or "
                               "Put or Update request")
    kind = kinds[0]
    body = action[kind]
    if kind == "Put":
        return kind, Put.check(body, legacy=[])
    expressions = UPDATE_EXPRESSIONS if kind == "Update" else ["ConditionExpression"]
    return kind, KeyedWrite.check(body, expressions, [])


def check_aggregate_size(checked: list[tuple[str, Put | KeyedWrite]]) -> None:
    """The items a transaction puts may total 4 MB (AWS's documented limit;
    the wording is another emulator's, AWS's own is not on record)."""
    if sum(action.size for kind, action in checked if kind == "Put") > MAX_TRANSACTION_BYTES:
        raise validation_error("Transaction size exceeded the maximum allowed size of 4 MB")


def plan_action(kind: str, action: Put | KeyedWrite, table) -> PlannedWrite | DynamoError:
    """The action's planned write, or the key fault that cancels it: a key
    (or index key) of the wrong type is the action's ValidationError reason,
    while other key faults (an empty value, say) refuse the whole request
    (AWS captures, conformance suite transactWriteItems.test.ts)."""
    try:
        if kind == "Put":
            return action.plan(table)
        if kind == "Update":
            return plan_update(action, table)[0]
        return action.plan(table, (lambda old: (None, 0)) if kind == "Delete" else None)
    except DynamoError as error:
        if error.name == "ValidationException" and _cancels(error.message):
            return error
        raise


def _cancels(message: str) -> bool:
    return message == KEY_MISMATCH or message.startswith(VALIDATION_PREFIX + "Type mismatch for ")


def prepare_all(ctx, engine, plans: list[PlannedWrite | DynamoError]) -> list[Outcome]:
    """Every action's outcome, or the cancellation listing each one's reason."""
    outcomes, reasons = [], []
    for plan in plans:
        if isinstance(plan, DynamoError):  # a key fault plan_action found
            reasons.append({"Code": "ValidationError", "Message": plan.message})
            continue
        try:
            outcomes.append(plan.prepare(ctx, engine))
            reasons.append({"Code": "None"})
        except ConditionFailed as failure:
            reason = {"Code": "ConditionalCheckFailed", "Message": failure.message}
            reason.update(failure.extra)
            reasons.append(reason)
        except DynamoError as error:
            if error.name != "ValidationException" or error.message.startswith(NOT_VALID):
                raise  # an empty key value refuses the whole request, as AWS does
            reasons.append({"Code": "ValidationError", "Message": error.message})
    if len(outcomes) < len(plans):
        raise cancelled(reasons)
    return outcomes


def transaction_units(plan: PlannedWrite, outcome: Outcome) -> float:
    """Single-write units of one action (a ConditionCheck counts its item)."""
    if plan.build is None:
        return write_units(outcome.new_size)
    return outcome.units
