"""Statements planned onto native requests, as DynamoDB plans them.

A SELECT whose WHERE fixes the partition key (`pk = v`, `pk IN [...]`, or
OR branches that each do) reads those partitions with Query, one request
a partition, the sort-key condition (=, <, <=, >, >=, BETWEEN,
begins_with) as its key condition; with the whole primary key fixed and
nothing else asked, it is a GetItem. Anything else is a Scan with the
WHERE as its filter. What a Query's FilterExpression may not hold (the
key attributes) is evaluated on the page's items here, with the native
evaluator, after the read: capacity and Limit count what was read, as
DynamoDB's do. ORDER BY the sort key sets the Query's direction.

INSERT is a PutItem under attribute_not_exists(partition key); UPDATE an
UpdateItem under attribute_exists(partition key) (DynamoDB updates only
items that exist) and the WHERE's other conditions; DELETE a DeleteItem
under those conditions; EXISTS(SELECT ...) a ConditionCheck.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...errors import DynamoError, invalid_parameter, validation_error
from ...expressions import RequestExpressions
from ..tables.catalog import Table
from .expressions import Renderer, unprefixed
from .parser import Delete, Exists, Insert, Select, Source, Update, position
from .values import Parameters, is_value, to_attribute, to_item

INCOMPLETE_KEY = "Where clause does not contain a mandatory equality on all key attributes"
_SORT_KEY_OPERATORS = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}  # op -> flipped


@dataclass
class KeySchema:
    """The keys of what a statement reads: a table or one of its indexes."""
    hash_name: str
    range_name: str | None
    index: object | None  # tables.indexes.Index


@dataclass
class ReadPart:
    """One native read of a SELECT, and what is done to its items after."""
    operation: str  # GetItem, Query or Scan
    request: dict
    post_filter: tuple | None = None  # (tree, scope) for the native evaluator
    projection: list[list] | None = None  # applied after the post filter
    partition: dict | None = None  # the partition-key value a Query or GetItem reads


@dataclass
class ReadPlan:
    table_name: str
    parts: list[ReadPart]


def conjuncts(node: tuple | None) -> list[tuple]:
    if node is None:
        return []
    if node[0] == "and":
        return conjuncts(node[1]) + conjuncts(node[2])
    return [node]


def disjuncts(node: tuple) -> list[tuple]:
    if node[0] == "or":
        return disjuncts(node[1]) + disjuncts(node[2])
    return [node]


def path_heads(node, found: set[str]) -> set[str]:
    """The top-level attribute names a node reads."""
    if isinstance(node, tuple) and node:
        if node[0] == "path":
            found.add(node[1][0])
            return found
        for child in node[1:]:
            path_heads(child, found)
    elif isinstance(node, list):
        for child in node:
            path_heads(child, found)
    return found


def key_schema(table: Table, source: Source) -> KeySchema:
    if source.index is None:
        return KeySchema(table.hash_name, table.range_name, None)
    for index in table.indexes:
        if index.name == source.index:
            return KeySchema(index.hash_name, index.range_name, index)
    raise validation_error(f"The table does not have the specified index: {source.index}")


def _matches_type(value: dict, table: Table, name: str) -> bool:
    return next(iter(value)) == table.attribute_types.get(name)


def _key_equality(node: tuple, name: str) -> tuple | None:
    """The value node a conjunct fixes attribute `name` to, if it does."""
    if node[0] != "cmp" or node[1] != "=":
        return None
    for path, value in ((node[2], node[3]), (node[3], node[2])):
        if path[0] == "path" and path[1] == (name,) and is_value(value):
            return value
    return None


# SELECT ----------------------------------------------------------------------
class SelectPlanner:
    def __init__(self, statement: Select, table: Table, parameters: Parameters, text: str,
                 options: dict) -> None:
        self.statement = statement
        self.table = table
        self.parameters = parameters
        self.text = text
        self.options = options  # ConsistentRead, ReturnConsumedCapacity
        self.keys = key_schema(table, statement.source)

    def plan(self) -> ReadPlan:
        self.check_projection()
        where = self.statement.where
        branches = disjuncts(where) if where is not None else []
        partitions = [self.partition_values(branch) for branch in branches]
        if branches and all(values for values, _ in partitions):
            if len(branches) == 1:
                values, fixing = partitions[0]
                nodes = [node for node in conjuncts(where) if node is not fixing]
                parts = [self.query(value, nodes) for value in values]
            else:
                self.refuse_overlap(branches, partitions)
                values = _distinct([value for found, _ in partitions for value in found])
                parts = [self.query(value, [where], keyed=False) for value in values]
            parts = self.ordered(parts)
        else:
            self.refuse_order("Must have at least one non-optional hash key condition in WHERE "
                              "clause when using ORDER BY clause." if where is not None else
                              "Must have WHERE clause in the statement when using ORDER BY "
                              "clause.")
            parts = [self.scan(where)]
        return ReadPlan(self.table.name, parts)

    def refuse_overlap(self, branches: list[tuple], partitions: list) -> None:
        """DynamoDB refuses OR branches on one partition where one reads a
        sort-key range and another only filters on non-key attributes (seen
        on AWS; a branch with a negated sort-key condition is let through)."""
        range_name = self.keys.range_name
        if range_name is None:
            return
        kinds: dict[str, set[str]] = {}
        for branch, (values, fixing) in zip(branches, partitions):
            rest = [node for node in conjuncts(branch) if node is not fixing]
            if self.range_condition(rest) is not None:
                kind = "range"
            elif rest and not any(range_name in path_heads(node, set()) for node in rest):
                kind = "filter"
            else:
                continue
            for value in values:
                kinds.setdefault(repr(sorted(value.items())), set()).add(kind)
        if any(found == {"range", "filter"} for found in kinds.values()):
            raise validation_error("Overlapping conditions with range keys are not supported "
                                   "in where clause")

    def check_projection(self) -> None:
        """A global index projects only some attributes (the message lists
        the others, in statement order)."""
        index = self.keys.index
        projection = self.statement.projection
        if index is None or not index.is_global or projection is None:
            return
        missing = []
        for path in projection:
            head = path[1][0]
            if not _projects(index, head) and head not in missing:
                missing.append(head)
        if missing:
            raise invalid_parameter(f"Global secondary index {index.name} does not project "
                                    f"[{', '.join(missing)}]")

    def partition_values(self, branch: tuple) -> tuple[list[dict], tuple | None]:
        """The partition-key values a conjunction fixes ([] when it does not),
        and the conjunct that fixes them."""
        hash_name = self.keys.hash_name
        for node in conjuncts(branch):
            value = _key_equality(node, hash_name)
            if value is not None:
                found = [to_attribute(value, self.parameters, self.text)]
            elif (node[0] == "in" and node[1][0] == "path" and node[1][1] == (hash_name,)
                  and node[2] and all(is_value(member) for member in node[2])):
                found = [to_attribute(member, self.parameters, self.text) for member in node[2]]
            else:
                continue
            if all(_matches_type(value, self.table, hash_name) for value in found):
                return _distinct(found), node
        return [], None

    def base_request(self) -> dict:
        request = {"TableName": self.table.name}
        if self.keys.index is not None:
            request["IndexName"] = self.keys.index.name
        for option in ("ConsistentRead", "ReturnConsumedCapacity"):
            if self.options.get(option) is not None:
                request[option] = self.options[option]
        return request

    def query(self, hash_value: dict, nodes: list[tuple], keyed: bool = True) -> ReadPart:
        """One partition's Query (or GetItem): `nodes` are the WHERE's other
        conjuncts, or the whole WHERE when it has several branches (`keyed`
        False: all of it is evaluated after the read)."""
        renderer = Renderer(self.parameters, self.text)
        hash_name, range_name = self.keys.hash_name, self.keys.range_name
        residual = list(nodes)
        range_condition = self.range_condition(residual) if keyed else None
        if range_condition is not None:
            residual.remove(range_condition)
        if self.is_single_item(range_condition, residual):
            return self.get_item(hash_value, range_condition)
        request = self.base_request()
        key_text = f"{renderer.name(hash_name)} = {renderer.value(hash_value)}"
        if range_condition is not None:
            key_text += " AND " + self.sort_key_condition(renderer, range_condition)
        request["KeyConditionExpression"] = key_text
        native = [node for node in residual if not path_heads(node, set()) & {hash_name,
                                                                               range_name}]
        after = [node for node in residual if node not in native]
        if native:
            request["FilterExpression"] = renderer.conjunction(native)
        if self.order_descending():
            request["ScanIndexForward"] = False
        return self.projected(ReadPart("Query", request, partition=hash_value), renderer, after)

    def range_condition(self, residual: list[tuple]) -> tuple | None:
        """The first conjunct that is a key condition on the sort key."""
        range_name = self.keys.range_name
        if range_name is None:
            return None
        for node in residual:
            if node[0] == "cmp" and node[1] in _SORT_KEY_OPERATORS:
                for path, value in ((node[2], node[3]), (node[3], node[2])):
                    if self.is_range_value(path, value):
                        return node
            elif node[0] == "between" and self.is_range_value(node[1], node[2]) and \
                    is_value(node[3]) and self.typed(node[3]):
                return node
            elif node[0] == "call" and node[1] == "begins_with" and len(node[2]) == 2 and \
                    self.is_range_value(*node[2]) and self.table.attribute_types.get(
                        range_name) != "N":
                return node
        return None

    def sort_key_condition(self, renderer: Renderer, node: tuple) -> str:
        """A sort-key condition as a key condition: the key on the left
        (`2 <= sk` is `sk >= 2`)."""
        if node[0] == "cmp" and node[3][0] == "path" and node[3][1] == (self.keys.range_name,):
            flipped = _SORT_KEY_OPERATORS[node[1]]
            return f"{renderer.path(node[3])} {flipped} {renderer.operand(node[2])}"
        return renderer.condition(node)

    def is_range_value(self, path: tuple, value: tuple) -> bool:
        return (path[0] == "path" and path[1] == (self.keys.range_name,) and is_value(value)
                and self.typed(value))

    def typed(self, value: tuple) -> bool:
        attribute = to_attribute(value, self.parameters, self.text)
        return _matches_type(attribute, self.table, self.keys.range_name)

    def is_single_item(self, range_condition: tuple | None, residual: list[tuple]) -> bool:
        if self.keys.index is not None or residual or self.statement.order:
            return False
        if self.keys.range_name is None:
            return True
        return range_condition is not None and range_condition[1] == "=" and \
            range_condition[0] == "cmp"

    def get_item(self, hash_value: dict, range_condition: tuple | None) -> ReadPart:
        renderer = Renderer(self.parameters, self.text)
        request = self.base_request()
        key = {self.keys.hash_name: hash_value}
        if range_condition is not None:
            value = _key_equality(range_condition, self.keys.range_name)
            key[self.keys.range_name] = to_attribute(value, self.parameters, self.text)
        request["Key"] = key
        return self.projected(ReadPart("GetItem", request, partition=hash_value), renderer, [])

    def scan(self, where: tuple | None) -> ReadPart:
        renderer = Renderer(self.parameters, self.text)
        request = self.base_request()
        if where is not None:
            request["FilterExpression"] = renderer.condition(where)
        return self.projected(ReadPart("Scan", request), renderer, [])

    def projected(self, part: ReadPart, renderer: Renderer, after: list[tuple]) -> ReadPart:
        """The projection goes to the native request, unless conditions are
        evaluated here afterwards (then it is applied here too)."""
        projection = self.statement.projection
        if after:
            post = Renderer(self.parameters, self.text)
            condition = post.attach({"ConditionExpression": post.conjunction(after)})
            try:
                expressions = RequestExpressions.parse(condition, ["ConditionExpression"], [])
            except DynamoError as error:
                raise unprefixed(error) from None
            part.post_filter = (expressions.get("ConditionExpression"), expressions.scope)
            if projection is not None:
                part.projection = [list(path[1]) for path in projection]
        elif projection is not None:
            part.request["ProjectionExpression"] = ", ".join(renderer.path(path)
                                                             for path in projection)
        renderer.attach(part.request)
        return part

    # ORDER BY --------------------------------------------------------------------
    def order_descending(self) -> bool:
        for path, descending in self.statement.order:
            if path[1] == (self.keys.range_name,):
                return descending
        return False

    def refuse_order(self, message: str) -> None:
        if self.statement.order:
            raise validation_error(message)

    def ordered(self, parts: list[ReadPart]) -> list[ReadPart]:
        """Parts in ORDER BY's order: the key attributes it names are checked,
        and several partitions are read in partition-key order."""
        order = self.statement.order
        keys = {self.keys.hash_name, self.keys.range_name} - {None}
        for path, _ in order:
            if len(path[1]) != 1 or path[1][0] not in keys:
                raise validation_error(f"Variable reference {'.'.join(map(str, path[1]))} in "
                                       "ORDER BY clause must be part of the primary key")
        if not order or len(parts) == 1:
            return parts
        hash_order = [descending for path, descending in order
                      if path[1] == (self.keys.hash_name,)]
        if not hash_order:
            raise validation_error("Must have hash key in ORDER BY clause when more than one "
                                   "hash key condition specified in WHERE clause.")
        return sorted(parts, key=lambda part: _sort_key(part.partition), reverse=hash_order[0])


def _projects(index, name: str) -> bool:
    if index.projection_type == "ALL" or name in index.key_names:
        return True
    return index.projection_type == "INCLUDE" and name in index.non_key_attributes


def _distinct(values: list[dict]) -> list[dict]:
    seen, result = set(), []
    for value in values:
        marker = repr(sorted(value.items()))
        if marker not in seen:
            seen.add(marker)
            result.append(value)
    return result


def _sort_key(value: dict) -> Decimal | bytes | str:
    """A key value's place in DynamoDB's order (numbers by value, strings by
    their UTF-8 bytes, binary by its bytes)."""
    kind, data = next(iter(value.items()))
    if kind == "N":
        return Decimal(data)
    return data.encode() if kind == "S" else data


# writes ----------------------------------------------------------------------------
class WritePlanner:
    """INSERT, UPDATE, DELETE and EXISTS as the native write requests (a
    transaction's actions take the same form)."""

    def __init__(self, table: Table, parameters: Parameters, text: str) -> None:
        self.table = table
        self.parameters = parameters
        self.text = text

    def plan(self, statement) -> tuple[str, dict]:
        """(native operation, its request) for one write statement."""
        source = statement.select.source if isinstance(statement, Exists) else statement.source
        if source.index is not None:
            raise validation_error("Operations on indices are not supported in transactions"
                                   if isinstance(statement, Exists) else
                                   "This operation is not supported on an index")
        if isinstance(statement, Insert):
            return "PutItem", self.insert(statement)
        if isinstance(statement, Update):
            return "UpdateItem", self.update(statement)
        if isinstance(statement, Delete):
            return "DeleteItem", self.delete(statement)
        if isinstance(statement, Exists):
            return "ConditionCheck", self.condition_check(statement)
        raise validation_error("Unsupported operation in transaction.")

    def key_and_conditions(self, where: tuple | None) -> tuple[dict, list[tuple]]:
        """The full primary key the WHERE fixes, and its other conditions."""
        key: dict = {}
        rest = []
        for node in conjuncts(where):
            fixed = next((name for name in self.table.key_names
                          if _key_equality(node, name) is not None), None)
            if fixed is None:
                rest.append(node)
                continue
            if fixed in key:
                raise validation_error(f"Multiple conditions on same key {fixed}. Only single "
                                       "item Update/Insert/Delete are supported")
            key[fixed] = to_attribute(_key_equality(node, fixed), self.parameters, self.text)
        if len(key) != len(self.table.key_names):
            raise validation_error(INCOMPLETE_KEY)
        return key, rest

    def insert(self, statement: Insert) -> dict:
        item = to_item(statement.value, self.parameters, self.text)
        if item is None:
            raise validation_error("Unsupported format in item expression. Please use struct "
                                   "format {...} to express item values for insert statement.")
        renderer = Renderer(self.parameters, self.text)
        request = {"TableName": self.table.name, "Item": item,
                   "ConditionExpression":
                       f"attribute_not_exists({renderer.name(self.table.hash_name)})"}
        return renderer.attach(request)

    def update(self, statement: Update) -> dict:
        key, rest = self.key_and_conditions(statement.where)
        renderer = Renderer(self.parameters, self.text)
        clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
        for action in statement.actions:
            if action[0] == "remove":
                clauses["REMOVE"].append(renderer.path(action[1]))
            else:
                clause, text = self.assignment(renderer, action[1], action[2])
                clauses[clause].append(text)
        update = " ".join(f"{clause} {', '.join(parts)}" for clause, parts in clauses.items()
                          if parts)
        exists = f"attribute_exists({renderer.name(self.table.hash_name)})"
        condition = exists if not rest else f"{exists} AND {renderer.conjunction(rest)}"
        request = {"TableName": self.table.name, "Key": key, "UpdateExpression": update,
                   "ConditionExpression": condition}
        if statement.returning is not None:
            request["ReturnValues"] = statement.returning
        return renderer.attach(request)

    def assignment(self, renderer: Renderer, target: tuple, value: tuple) -> tuple[str, str]:
        """`SET target = value` as a native clause: set_add and set_delete are
        ADD and DELETE of the set's members."""
        if value[0] == "call" and value[1] in ("set_add", "set_delete"):
            _, name, arguments, token = value
            label = name.upper()
            where = position(self.text, token)
            if len(arguments) != 2:
                raise validation_error(f"{label} must have exactly two arguments at {where}")
            if arguments[0][0] != "path" or arguments[0][1] != target[1]:
                raise validation_error(f"The first argument to {label} must equal the "
                                       f"assignment value at {where}")
            members = arguments[1]
            attribute = to_attribute(members, self.parameters, self.text) if is_value(
                members) else None
            if attribute is None or next(iter(attribute)) not in ("SS", "NS", "BS"):
                raise validation_error(f"The second argument to {label} must be a value with "
                                       f"type SET at {position(self.text, arguments[0][2])}")
            clause = "ADD" if name == "set_add" else "DELETE"
            return clause, f"{renderer.path(target)} {renderer.value(attribute)}"
        return "SET", f"{renderer.path(target)} = {renderer.update_value(value)}"

    def delete(self, statement: Delete) -> dict:
        if statement.returning not in (None, "ALL_OLD"):
            words = statement.returning.replace("UPDATED", "MODIFIED").replace("_", " ")
            raise validation_error(f"Invalid returning clause: RETURNING {words} *. Only "
                                   "RETURNING ALL OLD * is allowed in DELETE statements.")
        key, rest = self.key_and_conditions(statement.where)
        renderer = Renderer(self.parameters, self.text)
        request = {"TableName": self.table.name, "Key": key}
        if rest:
            request["ConditionExpression"] = renderer.conjunction(rest)
        if statement.returning is not None:
            request["ReturnValues"] = statement.returning
        return renderer.attach(request)

    def condition_check(self, statement: Exists) -> dict:
        select = statement.select
        key, rest = self.key_and_conditions(select.where)
        if not rest:
            raise validation_error("EXISTS() must contain a single item read with additional "
                                   "condition")
        renderer = Renderer(self.parameters, self.text)
        request = {"TableName": self.table.name, "Key": key,
                   "ConditionExpression": renderer.conjunction(rest)}
        return renderer.attach(request)

    def single_read(self, statement: Select, message: str) -> dict:
        """A SELECT of one item by its whole primary key and nothing else (a
        batch's or a transaction's read)."""
        if statement.source.index is not None or statement.order:
            raise validation_error(message)
        try:
            key, rest = self.key_and_conditions(statement.where)
        except DynamoError:
            raise validation_error(message) from None
        if rest:
            raise validation_error(message)
        renderer = Renderer(self.parameters, self.text)
        request = {"TableName": self.table.name, "Key": key}
        if statement.projection is not None:
            request["ProjectionExpression"] = ", ".join(renderer.path(path)
                                                        for path in statement.projection)
        return renderer.attach(request)
