"""UpdateFunctionConfiguration (Lambda): handler, timeout, memory, environment."""
from .functions import check_runtime, function_name_from, iso_now

NAME = "UpdateFunctionConfiguration"
READ_ONLY = False
FIELDS = ("Handler", "Timeout", "MemorySize", "Description", "Role", "Runtime", "Environment",
          "DeadLetterConfig")


def run(engine, request: dict) -> dict:
    check_runtime(request.get("Runtime"))
    functions = engine.functions
    name = function_name_from(request["FunctionName"])

    def update(ctx):
        record = dict(functions.require(ctx.txn, name), LastModified=iso_now())
        record.update({field: request[field] for field in FIELDS if field in request})
        functions.put(ctx, record)
        return record

    return functions.configuration(engine.store.write(update))
