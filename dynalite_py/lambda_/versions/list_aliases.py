"""ListAliases (Lambda): a function's aliases by name, optionally only
those naming one FunctionVersion, paged by Marker/MaxItems."""
from __future__ import annotations

from ..functions.functions import paged
from ..functions.qualifiers import function_ref

NAME = "ListAliases"
READ_ONLY = True
PAGE = 50


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_ref(request["FunctionName"]).name
    version = request.get("FunctionVersion")
    with engine.store.read() as txn:
        functions.require(txn, name)
        found = [alias for alias in engine.repos.aliases.of(txn, name)
                 if version is None or alias["FunctionVersion"] == version]
    return paged(found, request, "Aliases", PAGE)
