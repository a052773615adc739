"""BatchExecuteStatement: up to 25 statements, all reads or all writes, each
run on its own as its native operation and answered in its own entry: a
read (a SELECT of one item by its whole primary key) as a GetItem, a write
as ExecuteStatement's PutItem, UpdateItem or DeleteItem. A statement that
fails gets an Error entry (its Code the error's BatchStatementErrorCode)
and the others still run."""
from __future__ import annotations

from ...errors import DynamoError, validation_error
from .statements import Statement, call, capacity_by_table, write_request

NAME = "BatchExecuteStatement"
READ_ONLY = False
PRIMARY_KEY_NEEDED = ("Select statements within BatchExecuteStatement must specify the primary "
                      "key in the where clause.")
# DynamoDB's error name -> the BatchStatementError code that reports it
ERROR_CODES = {
    "ConditionalCheckFailedException": "ConditionalCheckFailed",
    "DuplicateItemException": "DuplicateItem",
    "ValidationException": "ValidationError",
    "ResourceNotFoundException": "ResourceNotFound",
    "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded",
    "ThrottlingException": "ThrottlingError",
    "TransactionConflictException": "TransactionConflict",
    "RequestLimitExceeded": "RequestLimitExceeded",
    "ItemCollectionSizeLimitExceededException": "ItemCollectionSizeLimitExceeded",
    "AccessDeniedException": "AccessDenied",
}


def run(engine, request: dict) -> dict:
    members = request["Statements"]
    read = [read_statement(member) for member in members]
    if len({statement.is_read for statement in read if isinstance(statement, Statement)}) > 1:
        # wording not captured from AWS, which documents the rule
        raise validation_error("Batch must consist of either read statements or write "
                               "statements, not both")
    mode = request.get("ReturnConsumedCapacity")
    entries, capacities = [], []
    for member, statement in zip(members, read):
        entry, capacity = run_member(engine, member, statement, mode)
        entries.append(entry)
        if capacity is not None:
            capacities.append(capacity)
    response: dict = {"Responses": entries}
    if capacities:
        response["ConsumedCapacity"] = capacity_by_table(capacities)
    return response


def read_statement(member: dict) -> Statement | DynamoError:
    try:
        return Statement.read(member["Statement"], member.get("Parameters"))
    except DynamoError as error:
        return error


def run_member(engine, member: dict, statement: Statement | DynamoError, mode: str | None
               ) -> tuple[dict, dict | None]:
    """One statement's entry and its consumed capacity."""
    if isinstance(statement, DynamoError):
        return {"Error": error_entry(statement)}, None
    entry: dict = {"TableName": statement.source.table}
    options = {"ReturnConsumedCapacity": mode, "ConsistentRead": member.get("ConsistentRead"),
               "ReturnValuesOnConditionCheckFailure":
                   member.get("ReturnValuesOnConditionCheckFailure")}
    try:
        if statement.is_read:
            response = read_item(engine, statement, options)
            if "Item" in response:
                entry["Item"] = response["Item"]
        else:
            response = call(engine, *write_request(statement, engine, options))
    except DynamoError as error:
        entry["Error"] = error_entry(error)
        return entry, None
    return entry, response.get("ConsumedCapacity")


def read_item(engine, statement: Statement, options: dict) -> dict:
    request = statement.planner(engine).single_read(statement.tree, PRIMARY_KEY_NEEDED)
    for option in ("ReturnConsumedCapacity", "ConsistentRead"):
        if options.get(option) is not None:
            request[option] = options[option]
    return call(engine, "GetItem", request)


def error_entry(error: DynamoError) -> dict:
    code = ERROR_CODES.get(error.name)
    if code is None:
        raise error  # not a statement's own failure: the whole request fails
    entry = {"Code": code, "Message": error.message}
    if "Item" in error.extra:
        entry["Item"] = error.extra["Item"]
    return entry
