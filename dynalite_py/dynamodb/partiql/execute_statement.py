"""ExecuteStatement: one PartiQL statement, run as the native operation it
plans to (planner.py): a SELECT as GetItem, Query or Scan pages (NextToken
continues one), an INSERT, UPDATE or DELETE as PutItem, UpdateItem or
DeleteItem (Items holds what RETURNING asks for)."""
from __future__ import annotations

from .statements import Statement, run_select, run_write

NAME = "ExecuteStatement"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    statement = Statement.read(request["Statement"], request.get("Parameters"))
    if statement.is_read:
        return run_select(statement, engine, request)
    return run_write(statement, engine, request)
