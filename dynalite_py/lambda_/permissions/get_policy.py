"""GetPolicy (Lambda): the resource policy of a function, version or alias."""
from __future__ import annotations

from ..functions.functions import lambda_error
from ..functions.qualifiers import function_ref
from .policies import document, policy_key

NAME = "GetPolicy"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    functions = engine.functions
    ref = function_ref(request["FunctionName"], request.get("Qualifier"))
    with engine.store.read() as txn:
        name, qualifier, _ = policy_key(functions, txn, ref)
        policy = engine.repos.policies.get(txn, name, qualifier)
    if policy is None:
        raise lambda_error("ResourceNotFoundException",
                           "The resource you requested does not exist.", 404)
    return {"Policy": document(policy), "RevisionId": policy["RevisionId"]}
