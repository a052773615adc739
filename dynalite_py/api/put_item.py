"""PutItem: create or replace one item, optionally under a condition."""
from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Table
from ..expressions import RequestExpressions
from ..items import key_of
from ..model.values import (
    check_size,
    validate_index_keys,
    validate_item,
    validate_item_key,
)
from ..writes import PlannedWrite, StagedWrite, perform, request_condition
from .delete_item import check_return_values, return_old_on_failure

NAME = "PutItem"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    return perform(stage(engine, request))


def stage(engine, request: dict) -> StagedWrite:
    put = Put.check(request, legacy=["Expected", "ConditionalOperator"])
    check_return_values(request)
    return StagedWrite(engine, request, lambda table: (put.plan(table), None))


@dataclass
class Put:
    """A put checked as far as it can be without its table (also a
    TransactWriteItems Put)."""
    request: dict
    expressions: RequestExpressions
    item: dict
    size: int

    @classmethod
    def check(cls, request: dict, legacy: list[str]) -> "Put":
        expressions = RequestExpressions.parse(request, ["ConditionExpression"], legacy)
        item = request["Item"]
        return cls(request, expressions, item, check_size(validate_item(item)))

    def plan(self, table: Table) -> PlannedWrite:
        item, size = self.item, self.size
        validate_item_key(item, table.key_attributes)
        validate_index_keys(item, table.index_key_schemas, table.attribute_types)
        return PlannedWrite(table, key_of(table, item), lambda old: (item, size),
                            request_condition(self.request, self.expressions),
                            return_old_on_failure(self.request))
