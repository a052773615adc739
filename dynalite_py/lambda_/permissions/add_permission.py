"""AddPermission (Lambda): a statement in the resource policy of a function,
version or alias; a StatementId used already is ResourceConflictException."""
from __future__ import annotations

import orjson

from ..functions.functions import lambda_error
from ..functions.qualifiers import function_ref
from .policies import check_revision, new_statement, policy_key, revised

NAME = "AddPermission"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    functions, policies = engine.functions, engine.repos.policies
    ref = function_ref(request["FunctionName"], request.get("Qualifier"))

    def add(ctx):
        name, qualifier, resource = policy_key(functions, ctx.txn, ref)
        policy = policies.get(ctx.txn, name, qualifier)
        check_revision(policy, request.get("RevisionId"))
        statements = policy["Statement"] if policy else []
        if any(statement["Sid"] == request["StatementId"] for statement in statements):
            raise lambda_error("ResourceConflictException",
                               f"The statement id ({request['StatementId']}) provided already "
                               "exists. Please provide a new statement id, or remove the "
                               "existing statement.", 409)
        statement = new_statement(request, resource)
        policies.put(ctx.txn, name, qualifier, revised([*statements, statement]))
        return statement

    return {"Statement": orjson.dumps(engine.store.write(add)).decode()}
