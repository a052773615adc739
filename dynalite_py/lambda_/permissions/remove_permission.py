"""RemovePermission (Lambda): one statement out of a resource policy."""
from __future__ import annotations

from ..functions.functions import lambda_error
from ..functions.qualifiers import function_ref
from .policies import check_revision, policy_key, revised

NAME = "RemovePermission"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions, policies = engine.functions, engine.repos.policies
    ref = function_ref(request["FunctionName"], request.get("Qualifier"))
    sid = request["StatementId"]

    def remove(ctx):
        name, qualifier, _ = policy_key(functions, ctx.txn, ref)
        policy = policies.get(ctx.txn, name, qualifier)
        if policy is None:
            raise lambda_error("ResourceNotFoundException",
                               "No policy is associated with the given resource.", 404)
        check_revision(policy, request.get("RevisionId"))
        kept = [statement for statement in policy["Statement"] if statement["Sid"] != sid]
        if len(kept) == len(policy["Statement"]):
            raise lambda_error("ResourceNotFoundException",
                               f"Statement {sid} is not found in resource policy.", 404)
        if kept:
            policies.put(ctx.txn, name, qualifier, revised(kept))
        else:
            policies.delete(ctx.txn, name, qualifier)

    engine.store.write(remove)
    return {}
