"""UpdateFunctionConfiguration (Lambda): handler, timeout, memory, environment,
runtime, ephemeral storage of $LATEST (published versions never change)."""
from ..versions.versions import check_revision
from .functions import function_name_from, refuse_layers, revised
from .interpreters import check_runtime

NAME = "UpdateFunctionConfiguration"
READ_ONLY = False
FIELDS = ("Handler", "Timeout", "MemorySize", "Description", "Role", "Runtime", "Environment",
          "EphemeralStorage", "DeadLetterConfig")


def run(engine, request: dict) -> dict:
    check_runtime(request.get("Runtime"))
    refuse_layers(request.get("Layers"))
    functions = engine.functions
    name = function_name_from(request["FunctionName"])

    def update(ctx):
        latest = functions.require(ctx.txn, name)
        check_revision(latest, request.get("RevisionId"), "GetFunction")
        record = revised(latest, **{field: request[field] for field in FIELDS
                                    if field in request})
        functions.put(ctx, record)
        return record

    return functions.configuration(engine.store.write(update))
