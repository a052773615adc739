"""DeleteFunction (Lambda): the function with its versions, aliases,
policies, recent invocations and event source mappings (they stop with it); or, with a
Qualifier, one published version no alias refers to."""
from ..versions.aliases import referring_to
from .functions import lambda_error
from .qualifiers import LATEST, function_ref, is_version, not_found

NAME = "DeleteFunction"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions, repos = engine.functions, engine.repos
    ref = function_ref(request["FunctionName"], request.get("Qualifier"))

    def delete(ctx):
        latest = functions.require(ctx.txn, ref.name)
        name = latest["FunctionName"]
        if ref.qualifier is not None:
            delete_version(engine, ctx, name, ref.qualifier)
            return
        functions.delete(ctx, name)
        for children in (repos.versions, repos.aliases, repos.policies, repos.concurrency_slots,
                         repos.invocations):
            children.delete_all(ctx.txn, name)

    engine.store.write(delete)
    if ref.qualifier is None:
        functions.callables.pop(ref.name, None)
    return {"StatusCode": 204}


def delete_version(engine, ctx, name: str, qualifier: str) -> None:
    """AWS's rules: $LATEST goes only with its function, an alias is deleted
    with DeleteAlias, a version an alias routes to stays."""
    repos = engine.repos
    if qualifier == LATEST:
        raise lambda_error("InvalidParameterValueException",
                           "$LATEST version cannot be deleted without deleting the function.")
    if not is_version(qualifier):
        raise lambda_error("InvalidParameterValueException",
                           "Deletion of aliases is not supported.")
    if repos.versions.get(ctx.txn, name, qualifier) is None:
        raise not_found(engine.functions, name, qualifier)
    aliases = referring_to(ctx.txn, repos, name, qualifier)
    if aliases:
        raise lambda_error("ResourceConflictException", "Unable to delete version because the "
                           f"following aliases reference it: [{', '.join(aliases)}]", 409)
    repos.versions.delete(ctx.txn, name, qualifier)
    repos.policies.delete(ctx.txn, name, qualifier)
