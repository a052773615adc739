"""An export's FilterSpecification: which items it writes and which of
their attributes, with Query's and Scan's rules (AWS's "Filtering a table
export"): a KeyConditionExpression as a Query's (one partition key value,
optionally a sort key condition), a FilterExpression as a Scan's (which
may not name a key attribute when a key condition is given), and a
ProjectionExpression. Checked when the export is requested, so a bad one
is the request's ValidationException, never a FAILED export.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...expressions import check_expression_params, holds
from ...expressions.projection import projector
from ..reads.keyconditions import KeyCondition, from_expression, resolve
from ..reads.querying import Reads, Source, check_reads, parse_expressions, read_plan
from ..tables.catalog import Table

EXPRESSIONS = ["KeyConditionExpression", "FilterExpression", "ProjectionExpression"]


@dataclass
class ExportFilter:
    key: KeyCondition | None
    reads: Reads

    def keeps(self, item: dict) -> bool:
        """Whether the item is exported."""
        key = self.key
        if key is not None and not (key.matches_hash(item.get(key.hash_name)) and (
                key.range_name is None or key.matches_range(item.get(key.range_name)))):
            return False
        reads = self.reads
        return reads.condition is None or holds(reads.condition, item, reads.scope)

    def shown(self, item: dict) -> dict:
        """The item as the export writes it: projected, if asked."""
        return projector(self.reads.paths)(item) if self.reads.paths else item


def export_filter(spec: dict | None, table: Table) -> ExportFilter | None:
    """The FilterSpecification checked against the table; None without one."""
    if not spec:
        return None
    check_expression_params(spec, EXPRESSIONS, [])
    expressions = parse_expressions(spec, EXPRESSIONS, [])
    if expressions is None:
        return None
    tree = expressions.get("KeyConditionExpression")
    key = resolve(from_expression(tree, expressions.scope), table.hash_name, table.range_name,
                  table.attribute_types) if tree is not None else None
    reads = read_plan(spec, expressions, None, "FilterExpression", query=key is not None)
    check_reads(Source(table, None), reads, query=key is not None)
    return ExportFilter(key, reads)
