"""UpdateItem's new item, built from the old one: what UpdateItem and
TransactWriteItems' Update share (writes.plan_update plans either)."""
from __future__ import annotations

from ...expressions import Scope, apply
from ...expressions.legacy import apply_attribute_updates
from ...model.values import (
    UPDATE_TOO_BIG,
    check_item_size,
    check_size,
    validate_index_keys,
    value_size,
)
from ...storage.items import StoredItem
from ..tables.catalog import Table

UPDATE_EXPRESSIONS = ["UpdateExpression", "ConditionExpression"]
# What standalone UpdateItem charges an update expression besides what it
# writes (AWS eu-west-2 captures of 2026-08, nubo-db/dynamodb-conformance
# tier3/limits/itemSizeBySurface.test.ts): 3 bytes, 19 per SET or ADD clause
# (one more through a list index), 2 per REMOVE or DELETE.
_UPDATE_COST, _WRITE_CLAUSE_COST, _DROP_CLAUSE_COST = 3, 19, 2


class ItemUpdate:
    """Builds the updated item from the old one (or from the key alone),
    remembering which document paths the update touched (for UPDATED_*)."""

    def __init__(self, table: Table, key_item: dict, update: dict | None, scope: Scope,
                 attribute_updates: dict | None = None, charges_writes: bool = False) -> None:
        self.table = table
        self.charges_writes = charges_writes  # UpdateItem's own size rule (write_charge)
        self.key_item = key_item
        self.update = update
        self.scope = scope
        self.attribute_updates = attribute_updates  # the legacy form
        self.touched: list[list] = []

    def creates(self) -> bool:
        """Whether the update makes an item where there is none: only SET and
        ADD do (and a bare key); REMOVE and DELETE of a missing item change
        nothing, as DynamoDB leaves it uncreated."""
        if self.update is not None:
            return "SET" in self.update or "ADD" in self.update
        if self.attribute_updates:
            return any(update.get("Action", "PUT") != "DELETE"
                       for update in self.attribute_updates.values())
        return True

    def __call__(self, old: StoredItem | None) -> tuple[dict | None, int]:
        if old is None and not self.creates():
            return None, 0
        base = old.item if old is not None else dict(self.key_item)
        if self.update is not None:
            new_item, self.touched = apply(self.update, base, self.scope)
        elif self.attribute_updates:
            new_item, self.touched = apply_attribute_updates(self.attribute_updates, base)
        else:
            new_item, self.touched = base, []
        validate_index_keys(new_item, self.table.index_key_schemas, self.table.attribute_types,
                            updating=True)
        if self.charges_writes and self.update is not None:
            check_size(self.write_charge(new_item), UPDATE_TOO_BIG)
        return new_item, check_item_size(new_item, UPDATE_TOO_BIG)

    def write_charge(self, new_item: dict) -> int:
        """UpdateItem's second measure: the attributes the expression writes
        (name and finished value; not the key, not what it leaves alone) plus
        a cost per clause. A short key lowers the ceiling below 400 KB."""
        charge, written = _UPDATE_COST, set()
        for clause in ("SET", "ADD", "DELETE", "REMOVE"):
            for action in self.update.get(clause, []):
                elements = self.scope.elements(action if clause == "REMOVE" else action[0])
                if clause in ("SET", "ADD"):
                    charge += _WRITE_CLAUSE_COST + any(isinstance(e, int) for e in elements)
                else:
                    charge += _DROP_CLAUSE_COST
                if clause != "REMOVE":
                    written.add(elements[0])
        return charge + sum(len(name.encode()) + value_size(new_item[name])
                            for name in written if name in new_item)
