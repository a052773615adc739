"""PublishVersion (Lambda): snapshot $LATEST's code and configuration."""
from __future__ import annotations

from ..functions.functions import lambda_error
from ..functions.qualifiers import function_ref
from .versions import check_revision, publish

NAME = "PublishVersion"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions = engine.functions
    name = function_ref(request["FunctionName"]).name

    def publish_latest(ctx):
        latest = functions.require(ctx.txn, name)
        check_revision(latest, request.get("RevisionId"), "GetFunction")
        code_sha = request.get("CodeSha256")
        if code_sha and code_sha != latest["CodeSha256"]:
            raise lambda_error("InvalidParameterValueException",
                               f"CodeSHA256 ({code_sha}) is different from current CodeSHA256 "
                               f"in $LATEST ({latest['CodeSha256']}). Please try again with the "
                               "CodeSHA256 in $LATEST.")
        return publish(functions, ctx, latest, request.get("Description"))

    return functions.configuration(engine.store.write(publish_latest))
