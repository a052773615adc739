"""DeleteItem: remove one item by its full primary key, optionally under a
condition."""
from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Table
from ..errors import validation_error
from ..expressions import RequestExpressions
from ..items import StoredItem, key_of
from ..model.values import validate_item, validate_key
from ..writes import Build, PlannedWrite, StagedWrite, perform, request_condition

NAME = "DeleteItem"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    return perform(stage(engine, request))


def stage(engine, request: dict) -> StagedWrite:
    delete = KeyedWrite.check(request, ["ConditionExpression"], ["Expected", "ConditionalOperator"])
    check_return_values(request)
    return StagedWrite(engine, request, lambda table: (delete.plan(table, _deleted), None))


def _deleted(old: StoredItem | None) -> tuple[None, int]:
    return None, 0


@dataclass
class KeyedWrite:
    """A write addressed by Key (DeleteItem, UpdateItem, and their
    TransactWriteItems forms, and ConditionCheck), checked as far as it can
    be without its table."""
    request: dict
    expressions: RequestExpressions

    @classmethod
    def check(cls, request: dict, expressions: list[str], legacy: list[str]) -> "KeyedWrite":
        parsed = RequestExpressions.parse(request, expressions, legacy)
        validate_item(request["Key"])
        return cls(request, parsed)

    def key(self, table: Table) -> bytes:
        key = validate_key(self.request["Key"], table.key_attributes)
        return key_of(table, key)

    def plan(self, table: Table, build: Build | None) -> PlannedWrite:
        return PlannedWrite(table, self.key(table), build,
                            request_condition(self.request, self.expressions),
                            return_old_on_failure(self.request))


def check_return_values(request: dict) -> None:
    """PutItem and DeleteItem accept only NONE and ALL_OLD."""
    if request.get("ReturnValues") not in (None, "NONE", "ALL_OLD"):
        raise validation_error("ReturnValues can only be ALL_OLD or NONE")


def return_old_on_failure(request: dict) -> bool:
    return request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
