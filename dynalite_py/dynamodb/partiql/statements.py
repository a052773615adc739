"""What the three PartiQL operations share: reading a statement with its
parameters, finding its table, running the planned native requests
through the engine (`engine.call`, so each is the native operation, with
its capacity, throttling, conditions and stream records), and turning
native answers and errors into PartiQL's.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from ...errors import DynamoError, validation_error
from ...expressions import holds, project
from .expressions import unprefixed
from .parser import Exists, Parsed, Select, parse
from .planner import ReadPlan, SelectPlanner, WritePlanner
from .values import Parameters

DUPLICATE_ITEM = "Duplicate primary key exists in table"


@dataclass
class Statement:
    """A statement read and bound to its parameters."""
    text: str
    parsed: Parsed
    parameters: Parameters

    @classmethod
    def read(cls, text: str, parameters: list[dict] | None) -> "Statement":
        parsed = parse(text)
        return cls(text, parsed, Parameters(parameters, parsed.parameters))

    @property
    def tree(self):
        return self.parsed.statement

    @property
    def is_read(self) -> bool:
        return isinstance(self.tree, Select)

    @property
    def source(self):
        tree = self.tree
        return tree.select.source if isinstance(tree, Exists) else tree.source

    def table(self, engine):
        """The statement's table (ResourceNotFoundException when there is none
        to use)."""
        with engine.store.read() as txn:
            return engine.catalog.active(txn, self.source.table, snapshot=True)

    def planner(self, engine) -> WritePlanner:
        return WritePlanner(self.table(engine), self.parameters, self.text)


def native_error(error: DynamoError, operation: str) -> DynamoError:
    """A native operation's error as PartiQL reports it: without the name
    of an expression parameter the user never wrote; an INSERT's failed
    condition is a DuplicateItemException."""
    if error.name == "ConditionalCheckFailedException" and operation == "PutItem":
        return DynamoError("DuplicateItemException", DUPLICATE_ITEM)
    return unprefixed(error)


def call(engine, operation: str, request: dict) -> dict:
    try:
        return engine.call(operation, request)
    except DynamoError as error:
        raise native_error(error, operation) from None


# writes ---------------------------------------------------------------------------
def write_request(statement: Statement, engine, options: dict) -> tuple[str, dict]:
    """The native write an INSERT, UPDATE or DELETE is, with the request's
    ReturnConsumedCapacity and ReturnValuesOnConditionCheckFailure."""
    tree = statement.tree
    if isinstance(tree, Exists):
        raise validation_error("EXISTS can only be used in ExecuteTransaction write requests.")
    operation, request = statement.planner(engine).plan(tree)
    for option in ("ReturnConsumedCapacity", "ReturnValuesOnConditionCheckFailure"):
        if options.get(option) is not None and not (
                option == "ReturnValuesOnConditionCheckFailure" and operation == "PutItem"):
            request[option] = options[option]
    return operation, request


def run_write(statement: Statement, engine, options: dict) -> dict:
    """An INSERT, UPDATE or DELETE: Items holds what RETURNING asks for."""
    operation, request = write_request(statement, engine, options)
    response = call(engine, operation, request)
    answer: dict = {"Items": [response["Attributes"]] if "Attributes" in response else []}
    if "ConsumedCapacity" in response:
        answer["ConsumedCapacity"] = response["ConsumedCapacity"]
    return answer


# reads ----------------------------------------------------------------------------
def plan_select(statement: Statement, engine, options: dict) -> ReadPlan:
    planner = SelectPlanner(statement.tree, statement.table(engine), statement.parameters,
                            statement.text, options)
    return planner.plan()


def run_select(statement: Statement, engine, request: dict) -> dict:
    """A SELECT's page: its parts read in order until Limit items were read
    or a part stops early; NextToken says where the next page starts."""
    plan = plan_select(statement, engine, request)
    part_index, start_key = _read_token(request.get("NextToken"), statement, len(plan.parts))
    limit = request.get("Limit")
    items: list[dict] = []
    capacities: list[dict] = []
    evaluated = 0
    next_position = None
    for index in range(part_index, len(plan.parts)):
        part = plan.parts[index]
        native = dict(part.request)
        if start_key is not None and index == part_index:
            native["ExclusiveStartKey"] = start_key
        if limit is not None and part.operation != "GetItem":
            native["Limit"] = limit - evaluated
        response = call(engine, part.operation, native)
        if "ConsumedCapacity" in response:
            capacities.append(response["ConsumedCapacity"])
        items.extend(_after_read(part, response))
        evaluated += response.get("ScannedCount", 1)
        if "LastEvaluatedKey" in response:
            next_position = (index, response["LastEvaluatedKey"])
            break
        if limit is not None and evaluated >= limit and index + 1 < len(plan.parts):
            next_position = (index + 1, None)
            break
    answer: dict = {"Items": items}
    if next_position is not None:
        answer["NextToken"] = _token(_digest(statement), *next_position)
        if next_position[1] is not None:
            answer["LastEvaluatedKey"] = next_position[1]
    if capacities:
        answer["ConsumedCapacity"] = merge_capacity(capacities)
    return answer


def _after_read(part, response: dict) -> list[dict]:
    if part.operation == "GetItem":
        found = [response["Item"]] if "Item" in response else []
    else:
        found = response.get("Items", [])
    if part.post_filter is not None:
        tree, scope = part.post_filter
        found = [item for item in found if holds(tree, item, scope)]
        if part.projection is not None:
            found = [project(item, part.projection) for item in found]
    return found


def _digest(statement: Statement) -> str:
    body = json.dumps([statement.text, statement.parameters.values], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _token(digest: str, part: int, start_key: dict | None) -> str:
    body = json.dumps({"d": digest, "p": part, "k": start_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode()


def _read_token(token: str | None, statement: Statement, parts: int
                ) -> tuple[int, dict | None]:
    """Where a page starts: the part and its ExclusiveStartKey."""
    if token is None:
        return 0, None
    try:
        body = json.loads(base64.urlsafe_b64decode(token.encode()))
        part, start_key, token_digest = body["p"], body["k"], body["d"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        raise validation_error("Invalid NextToken") from None
    if token_digest != _digest(statement) or not isinstance(part, int) or not 0 <= part < parts:
        raise validation_error("NextToken does not match request")
    return part, start_key


def merge_capacity(capacities: list[dict]) -> dict:
    """One table's ConsumedCapacity from several native reads: units added up."""
    merged = json.loads(json.dumps(capacities[0]))
    for capacity in capacities[1:]:
        _add_units(merged, capacity)
    return merged


def _add_units(into: dict, other: dict) -> None:
    for name, value in other.items():
        if isinstance(value, dict):
            _add_units(into.setdefault(name, {}), value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            into[name] = into.get(name, 0) + value
        else:
            into.setdefault(name, value)


def capacity_by_table(capacities: list[dict]) -> list[dict]:
    """ConsumedCapacity per table, in first-seen order, for batches."""
    tables: dict[str, list[dict]] = {}
    for capacity in capacities:
        tables.setdefault(capacity["TableName"], []).append(capacity)
    return [merge_capacity(found) for found in tables.values()]

