"""ExecuteTransaction: up to 100 statements, all reads or all writes, as one
TransactGetItems or TransactWriteItems (its isolation, double capacity,
ClientRequestToken idempotency and TransactionCanceledException with
CancellationReasons are the native operation's). Reads are SELECTs of one
item by its whole primary key; writes are INSERT (a Put under
attribute_not_exists: its failure's reason is DuplicateItem), UPDATE,
DELETE and EXISTS(SELECT ...), a ConditionCheck."""
from __future__ import annotations

from ...errors import DynamoError, validation_error
from .statements import DUPLICATE_ITEM, Statement, call, native_error

NAME = "ExecuteTransaction"
READ_ONLY = False
PRIMARY_KEY_NEEDED = ("Select statements within ExecuteTransaction must specify the primary "
                      "key in the where clause.")
# the TransactWriteItems action each native single-item write becomes
ACTIONS = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete",
           "ConditionCheck": "ConditionCheck"}


def run(engine, request: dict) -> dict:
    members = request["TransactStatements"]
    statements = [read_member(index, member) for index, member in enumerate(members)]
    if len({statement.is_read for statement in statements}) > 1:
        # wording not captured from AWS, which documents the rule
        raise validation_error("Transaction must consist of either read statements or write "
                               "statements, not both")
    if statements[0].is_read:
        return read_transaction(engine, request, statements)
    return write_transaction(engine, request, members, statements)


def read_member(index: int, member: dict) -> Statement:
    try:
        return Statement.read(member["Statement"], member.get("Parameters"))
    except DynamoError as error:
        raise in_statement(index, error) from None


def in_statement(index: int, error: DynamoError) -> DynamoError:
    """A statement's own validation error names its place."""
    if error.name != "ValidationException":
        return error
    return validation_error(f"Validation failed in TransactStatements[{index}]: {error.message}")


def read_transaction(engine, request: dict, statements: list[Statement]) -> dict:
    gets = []
    for index, statement in enumerate(statements):
        try:
            get = statement.planner(engine).single_read(statement.tree, PRIMARY_KEY_NEEDED)
        except DynamoError as error:
            raise in_statement(index, error) from None
        gets.append({"Get": get})
    native = {"TransactItems": gets}
    if request.get("ReturnConsumedCapacity") is not None:
        native["ReturnConsumedCapacity"] = request["ReturnConsumedCapacity"]
    response = call(engine, "TransactGetItems", native)
    answer = {"Responses": response["Responses"]}
    if "ConsumedCapacity" in response:
        answer["ConsumedCapacity"] = response["ConsumedCapacity"]
    return answer


def write_transaction(engine, request: dict, members: list[dict],
                      statements: list[Statement]) -> dict:
    actions, operations = [], []
    for index, (member, statement) in enumerate(zip(members, statements)):
        try:
            if getattr(statement.tree, "returning", None) is not None:
                raise validation_error("RETURNING clause is not supported in ExecuteTransaction.")
            operation, action = statement.planner(engine).plan(statement.tree)
        except DynamoError as error:
            raise in_statement(index, error) from None
        if member.get("ReturnValuesOnConditionCheckFailure") is not None:
            action["ReturnValuesOnConditionCheckFailure"] = \
                member["ReturnValuesOnConditionCheckFailure"]
        actions.append({ACTIONS[operation]: action})
        operations.append(operation)
    native = {"TransactItems": actions}
    for option in ("ReturnConsumedCapacity", "ClientRequestToken"):
        if request.get(option) is not None:
            native[option] = request[option]
    try:
        response = engine.call("TransactWriteItems", native)
    except DynamoError as error:
        raise cancelled_with_duplicates(error, operations) from None
    answer: dict = {"Responses": []}
    if "ConsumedCapacity" in response:
        answer["ConsumedCapacity"] = response["ConsumedCapacity"]
    return answer


def cancelled_with_duplicates(error: DynamoError, operations: list[str]) -> DynamoError:
    """A cancellation whose INSERTs failed their condition names them as
    duplicates, as DynamoDB does; other errors as PartiQL reports them."""
    reasons = error.extra.get("CancellationReasons")
    if error.name != "TransactionCanceledException" or reasons is None:
        return native_error(error, "TransactWriteItems")
    renamed = []
    for operation, reason in zip(operations, reasons):
        if operation == "PutItem" and reason.get("Code") == "ConditionalCheckFailed":
            reason = {"Code": "DuplicateItem", "Message": DUPLICATE_ITEM}
        renamed.append(reason)
    codes = ", ".join(reason["Code"] for reason in renamed)
    return DynamoError(error.name, f"Transaction cancelled, please refer cancellation reasons "
                                   f"for specific reasons [{codes}]",
                       extra={**error.extra, "CancellationReasons": renamed})
