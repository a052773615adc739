"""GetAlias (Lambda)."""
from __future__ import annotations

from ..functions.qualifiers import function_ref, require_alias

NAME = "GetAlias"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_ref(request["FunctionName"]).name
    with engine.store.read() as txn:
        functions.require(txn, name)
        return require_alias(functions, txn, name, request["Name"])
