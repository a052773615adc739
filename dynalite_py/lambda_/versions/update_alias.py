"""UpdateAlias (Lambda): its version, description or routing; a
RoutingConfig of {} (or empty weights) routes every call to its version."""
from __future__ import annotations

import uuid

from ..functions.qualifiers import function_ref, require_alias
from .aliases import check_target, weights_of
from .versions import check_revision

NAME = "UpdateAlias"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions, aliases = engine.functions, engine.repos.aliases
    name = function_ref(request["FunctionName"]).name

    def update(ctx):
        latest = functions.require(ctx.txn, name)
        alias = dict(require_alias(functions, ctx.txn, name, request["Name"]))
        check_revision(alias, request.get("RevisionId"), "GetAlias")
        if request.get("FunctionVersion"):
            alias["FunctionVersion"] = request["FunctionVersion"]
        if request.get("Description") is not None:
            alias["Description"] = request["Description"]
        if request.get("RoutingConfig") is not None:
            alias.pop("RoutingConfig", None)
            if weights_of(request):
                alias["RoutingConfig"] = {"AdditionalVersionWeights": weights_of(request)}
        check_target(functions, ctx.txn, latest, alias["FunctionVersion"],
                     alias.get("RoutingConfig"))
        alias["RevisionId"] = str(uuid.uuid4())
        aliases.put(ctx.txn, name, alias["Name"], alias)
        return alias

    return engine.store.write(update)
