"""CreateFunction (Lambda): store a Python function from an uploaded zip;
Publish=True publishes it as version 1 in the same write."""
from __future__ import annotations

from ..permissions.tags import check_count
from ..versions.versions import publish
from .functions import lambda_error, new_record, refuse_layers
from .interpreters import check_runtime

NAME = "CreateFunction"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    check_runtime(request.get("Runtime"))
    refuse_layers(request.get("Layers"))
    check_count(request.get("Tags") or {})
    code = request["Code"]
    if not code.get("ZipFile"):
        raise lambda_error("InvalidParameterValueException",
                           "Please provide a source for function code: dynalite-py accepts "
                           "Code.ZipFile only")
    functions = engine.functions
    stored, archive = functions.store_code(request["FunctionName"], code["ZipFile"])
    record = new_record(functions, request, stored)

    def create(ctx):
        if functions.find(ctx.txn, record["FunctionName"]) is not None:
            raise lambda_error("ResourceConflictException",
                               f"Function already exist: {record['FunctionName']}", 409)
        functions.keep_archive(ctx, stored, archive)
        functions.put(ctx, record)
        return publish(functions, ctx, record) if request.get("Publish") else record

    return functions.configuration(engine.store.write(create))
