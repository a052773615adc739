"""DeleteAlias (Lambda): the alias and its resource policy."""
from __future__ import annotations

from ..functions.qualifiers import function_ref, require_alias

NAME = "DeleteAlias"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions, repos = engine.functions, engine.repos
    name = function_ref(request["FunctionName"]).name

    def delete(ctx):
        functions.require(ctx.txn, name)
        require_alias(functions, ctx.txn, name, request["Name"])
        repos.aliases.delete(ctx.txn, name, request["Name"])
        repos.policies.delete(ctx.txn, name, request["Name"])

    engine.store.write(delete)
    return {}
