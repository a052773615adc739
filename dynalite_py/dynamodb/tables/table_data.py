"""Removing a table's data: its items, index entries, counts and change
history (DeleteTable, and a restore that cannot finish)."""
from __future__ import annotations

from ...storage.interface import WriteContext
from ...storage.repositories import Repositories
from .catalog import Table


def purge_table_items(ctx: WriteContext, repos: Repositories, table: Table) -> None:
    """Remove a table's items and index entries with their counts, and the
    history point-in-time recovery kept of it."""
    repos.items.purge(ctx.txn, table.id)
    repos.counts.delete(ctx.txn, table.id)
    for index in table.indexes:
        repos.indexes.drop(ctx.txn, index.id)
    for vector_index in table.vector_indexes:
        repos.vectors.drop(ctx.txn, vector_index.id)
    repos.history.drop(ctx.txn, table.id)
