"""Resource-based policies: who may call a function (or one version or
alias of it), as AddPermission builds them and GetPolicy returns them.

A policy is stored per function and qualifier ("" for the unqualified
function; storage/lambdas.py) as its statements and a RevisionId that
changes with every statement added or removed. Lambda records the
statements and answers with them; it does not evaluate them (no IAM here).
"""
from __future__ import annotations

import re
import uuid

import orjson

from ...storage.interface import Handle
from ..functions.functions import Functions, lambda_error
from ..functions.qualifiers import FunctionRef, resolve

_ACCOUNT = re.compile(r"^\d{12}$")


def principal_of(principal: str) -> object:
    """A Principal parameter as the policy states it: anyone, an account,
    an IAM ARN, or a service."""
    if principal == "*":
        return "*"
    if _ACCOUNT.match(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    return {"Service": principal}


def conditions_of(request: dict) -> dict:
    """The Condition block AWS writes for AddPermission's optional limits."""
    equals = {key: request[member] for member, key in (
        ("SourceAccount", "AWS:SourceAccount"), ("PrincipalOrgID", "aws:PrincipalOrgID"),
        ("EventSourceToken", "lambda:EventSourceToken"),
        ("FunctionUrlAuthType", "lambda:FunctionUrlAuthType")) if request.get(member)}
    conditions: dict = {}
    if equals:
        conditions["StringEquals"] = equals
    if request.get("InvokedViaFunctionUrl"):
        conditions["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    if request.get("SourceArn"):
        conditions["ArnLike"] = {"AWS:SourceArn": request["SourceArn"]}
    return conditions


def new_statement(request: dict, resource: str) -> dict:
    statement = {"Sid": request["StatementId"], "Effect": "Allow",
                 "Principal": principal_of(request["Principal"]),
                 "Action": request["Action"], "Resource": resource}
    conditions = conditions_of(request)
    if conditions:
        statement["Condition"] = conditions
    return statement


def policy_key(functions: Functions, txn: Handle, ref: FunctionRef) -> tuple[str, str, str]:
    """(function name, stored qualifier, resource ARN) of the policy `ref`
    names; ResourceNotFoundException if its function, version or alias is
    unknown."""
    target = resolve(functions, txn, ref)
    return target.record["FunctionName"], ref.qualifier or "", target.arn


def document(policy: dict) -> str:
    """The policy JSON GetPolicy returns."""
    return orjson.dumps({"Version": "2012-10-17", "Id": "default",
                         "Statement": policy["Statement"]}).decode()


def check_revision(policy: dict | None, revision_id: str | None) -> None:
    if revision_id is not None and (policy is None or policy["RevisionId"] != revision_id):
        raise lambda_error("PreconditionFailedException",
                           "The Revision Id provided does not match the latest Revision Id. "
                           "Call the GetPolicy API to retrieve the latest Revision Id", 412)


def revised(statements: list[dict]) -> dict:
    return {"Statement": statements, "RevisionId": str(uuid.uuid4())}
