"""UpdateFunctionCode (Lambda): new zip; the next invocation is a cold start."""
from .functions import function_name_from, iso_now, lambda_error

NAME = "UpdateFunctionCode"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    if not request.get("ZipFile"):
        raise lambda_error("InvalidParameterValueException",
                           "Please provide a source for function code: dynalite-py accepts "
                           "ZipFile only")
    functions = engine.functions
    name = function_name_from(request["FunctionName"])
    code = functions.store_code(name, request["ZipFile"])

    def update(ctx):
        record = dict(functions.require(ctx.txn, name), **code, LastModified=iso_now())
        functions.put(ctx, record)
        return record

    return functions.configuration(engine.store.write(update))
