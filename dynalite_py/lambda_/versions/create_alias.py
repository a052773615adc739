"""CreateAlias (Lambda): name a version, optionally with weighted routing."""
from __future__ import annotations

from ..functions.functions import lambda_error
from ..functions.qualifiers import function_ref
from .aliases import check_target, new_alias

NAME = "CreateAlias"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions, aliases = engine.functions, engine.repos.aliases
    name = function_ref(request["FunctionName"]).name

    def create(ctx):
        latest = functions.require(ctx.txn, name)
        check_target(functions, ctx.txn, latest, request["FunctionVersion"],
                     request.get("RoutingConfig"))
        alias = new_alias(functions, latest["FunctionName"], request)
        if aliases.get(ctx.txn, latest["FunctionName"], alias["Name"]) is not None:
            raise lambda_error("ResourceConflictException",
                               f"Alias already exists: {alias['AliasArn']}", 409)
        aliases.put(ctx.txn, latest["FunctionName"], alias["Name"], alias)
        return alias

    return engine.store.write(create)
