"""UpdateFunctionCode (Lambda): new zip for $LATEST (the next invocation is
a cold start); Publish=True publishes the result as a version."""
from ..versions.versions import check_revision, publish
from .functions import function_name_from, lambda_error, revised

NAME = "UpdateFunctionCode"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    if not request.get("ZipFile"):
        raise lambda_error("InvalidParameterValueException",
                           "Please provide a source for function code: dynalite-py accepts "
                           "ZipFile only")
    functions = engine.functions
    name = function_name_from(request["FunctionName"])
    code, archive = functions.store_code(name, request["ZipFile"])

    def update(ctx):
        latest = functions.require(ctx.txn, name)
        check_revision(latest, request.get("RevisionId"), "GetFunction")
        record = revised(latest, **code)
        functions.keep_archive(ctx, code, archive)
        functions.put(ctx, record)
        return publish(functions, ctx, record) if request.get("Publish") else record

    return functions.configuration(engine.store.write(update))
