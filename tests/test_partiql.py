"""ExecuteStatement: each statement gives what the native operation doing the
same work gives (the same items, the same consumed capacity, the same
stream records), over HTTP and embedded, on the backend under test."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support import NO_RETRIES, Clock, create_table, http_client, open_db, read_stream, unique_name

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "


def run(client, statement: str, **extra) -> dict:
    response = client.execute_statement(Statement=statement, **extra)
    response.pop("ResponseMetadata")
    return response


def refusal(client, statement: str, **extra) -> ClientError:
    with pytest.raises(ClientError) as caught:
        client.execute_statement(Statement=statement, **extra)
    return caught.value


def error_of(client, statement: str, **extra) -> tuple[str, str]:
    error = refusal(client, statement, **extra).response["Error"]
    return error["Code"], error["Message"]


def seed(client, table: str, count: int = 6, partitions: tuple = ("a", "b")) -> list[dict]:
    items = []
    for pk in partitions:
        for sk in range(count):
            item = {"pk": {"S": pk}, "sk": {"N": str(sk)}, "n": {"N": str(sk * 10)},
                    "s": {"S": f"word{sk}"}, "m": {"M": {"x": {"N": str(sk)}}}}
            client.put_item(TableName=table, Item=item)
            items.append(item)
    return items


@pytest.fixture
def composite(client):
    table = create_table(client, "S", "N")
    seed(client, table)
    return table


# SELECT -----------------------------------------------------------------------------
def test_select_by_partition_is_the_query(client, composite):
    partiql = run(client, f'SELECT * FROM "{composite}" WHERE pk = ?',
                  Parameters=[{"S": "a"}], ReturnConsumedCapacity="TOTAL")
    native = client.query(TableName=composite, KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": "a"}},
                          ReturnConsumedCapacity="TOTAL")
    assert partiql["Items"] == native["Items"]
    assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"]
    assert "NextToken" not in partiql


def test_a_sort_key_condition_is_the_key_condition(client, composite):
    for where, key_condition in [("sk > 2", "sk > :v"), ("sk BETWEEN 1 AND 3",
                                                         "sk BETWEEN :v AND :w"),
                                 ("2 <= sk", "sk >= :v"), ("sk = 4", "sk = :v")]:
        partiql = run(client, f"SELECT * FROM \"{composite}\" WHERE pk = 'a' AND {where}",
                      ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
        values = {":v": {"N": where.split()[-1] if "BETWEEN" not in where else "1"}}
        if "BETWEEN" in where:
            values[":w"] = {"N": "3"}
        if where == "2 <= sk":
            values[":v"] = {"N": "2"}
        native = client.query(TableName=composite, ConsistentRead=True,
                              KeyConditionExpression="pk = :p AND " + key_condition,
                              ExpressionAttributeValues={":p": {"S": "a"}, **values},
                              ReturnConsumedCapacity="TOTAL")
        assert partiql["Items"] == native["Items"], where
        assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"], where


def test_the_whole_key_is_a_get_item(client, composite):
    partiql = run(client, f"SELECT n, m.x FROM \"{composite}\" WHERE pk = 'b' AND sk = 3",
                  ReturnConsumedCapacity="TOTAL")
    native = client.get_item(TableName=composite, Key={"pk": {"S": "b"}, "sk": {"N": "3"}},
                             ProjectionExpression="n, m.x", ReturnConsumedCapacity="TOTAL")
    assert partiql["Items"] == [native["Item"]]
    assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"]
    assert run(client, f"SELECT * FROM \"{composite}\" WHERE pk = 'b' AND sk = 99")["Items"] == []


def test_other_conditions_filter_the_read_page(client, composite):
    partiql = run(client, f"SELECT * FROM \"{composite}\" WHERE pk = 'a' AND n >= 20 "
                  "AND begins_with(s, 'word')", ReturnConsumedCapacity="TOTAL")
    native = client.query(TableName=composite, KeyConditionExpression="pk = :p",
                          FilterExpression="n >= :n AND begins_with(s, :w)",
                          ExpressionAttributeValues={":p": {"S": "a"}, ":n": {"N": "20"},
                                                     ":w": {"S": "word"}},
                          ReturnConsumedCapacity="TOTAL")
    assert partiql["Items"] == native["Items"]
    assert [item["sk"]["N"] for item in partiql["Items"]] == ["2", "3", "4", "5"]
    assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"]


def test_a_negated_sort_key_condition_is_evaluated_on_the_partition(client, composite):
    items = run(client, f"SELECT sk FROM \"{composite}\" WHERE pk = 'a' AND sk <> 1 "
                "AND NOT sk IN [2, 3]")["Items"]
    assert items == [{"sk": {"N": n}} for n in ("0", "4", "5")]


def test_no_partition_key_is_a_scan_with_the_where_as_filter(client, composite):
    partiql = run(client, f'SELECT pk, sk FROM "{composite}" WHERE n > 30 OR s = ?',
                  Parameters=[{"S": "word0"}], ReturnConsumedCapacity="TOTAL")
    native = client.scan(TableName=composite, FilterExpression="n > :n OR s = :s",
                         ProjectionExpression="pk, sk",
                         ExpressionAttributeValues={":n": {"N": "30"}, ":s": {"S": "word0"}},
                         ReturnConsumedCapacity="TOTAL")
    assert partiql["Items"] == native["Items"]
    assert len(partiql["Items"]) == 6
    assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"]


def test_a_key_in_list_reads_each_partition(client, composite):
    items = run(client, f"SELECT pk, sk FROM \"{composite}\" WHERE pk IN ['b', 'a', 'zz'] "
                "AND sk < 2", ConsistentRead=True)["Items"]
    assert items == [{"pk": {"S": p}, "sk": {"N": s}} for p in "ba" for s in "01"]


def test_or_branches_on_partitions_are_their_union(client, composite):
    items = run(client, f"SELECT pk, sk FROM \"{composite}\" WHERE pk = 'a' AND sk = 1 "
                "OR pk = 'b' AND sk > 4 OR pk = 'a' AND NOT sk >= 1")["Items"]
    assert sorted((i["pk"]["S"], i["sk"]["N"]) for i in items) == [("a", "0"), ("a", "1"),
                                                                   ("b", "5")]


def test_or_branches_that_overlap_on_the_sort_key_are_refused(client, composite):
    for condition in ("n = 10", "n <> 10"):
        assert error_of(client, f"SELECT * FROM \"{composite}\" WHERE pk = 'a' AND {condition} "
                                "OR pk = 'a' AND sk = 2") == (
            "ValidationException",
            "Overlapping conditions with range keys are not supported in where clause")
    for left, expected in [("NOT sk = 1", ["0", "2", "3", "4", "5"]), ("sk <> 1", list("02345")),
                           ("NOT sk IN [1, 3]", list("0245")), ("NOT sk > 5", list("012345"))]:
        items = run(client, f"SELECT sk FROM \"{composite}\" WHERE pk = 'a' AND {left} "
                    "OR pk = 'a' AND sk = 2")["Items"]
        assert sorted(item["sk"]["N"] for item in items) == expected, left


def test_order_by_the_sort_key(client, composite):
    statement = f"SELECT sk FROM \"{composite}\" WHERE pk = 'a' ORDER BY sk DESC"
    assert [i["sk"]["N"] for i in run(client, statement)["Items"]] == list("543210")
    statement = f"SELECT pk FROM \"{composite}\" WHERE pk IN ['a', 'b'] AND sk = 0 ORDER BY pk DESC"
    assert [i["pk"]["S"] for i in run(client, statement)["Items"]] == ["b", "a"]


def test_order_by_rules(client, composite):
    assert error_of(client, f'SELECT * FROM "{composite}" ORDER BY sk') == (
        "ValidationException", "Must have WHERE clause in the statement when using ORDER BY "
                               "clause.")
    assert error_of(client, f'SELECT * FROM "{composite}" WHERE n = 1 ORDER BY sk')[1] == (
        "Must have at least one non-optional hash key condition in WHERE clause when using "
        "ORDER BY clause.")
    assert error_of(client, f"SELECT * FROM \"{composite}\" WHERE pk = 'a' ORDER BY n")[1] == (
        "Variable reference n in ORDER BY clause must be part of the primary key")
    assert error_of(client, f"SELECT * FROM \"{composite}\" WHERE pk IN ['a', 'b'] "
                            "ORDER BY sk")[1] == (
        "Must have hash key in ORDER BY clause when more than one hash key condition "
        "specified in WHERE clause.")


def test_limit_and_next_token_page_like_the_query(client, composite):
    statement = f"SELECT sk FROM \"{composite}\" WHERE pk = 'a' AND n <> 20"
    pages, token = [], None
    while True:
        extra = {"NextToken": token} if token else {}
        page = run(client, statement, Limit=2, **extra)
        pages.append([item["sk"]["N"] for item in page["Items"]])
        token = page.get("NextToken")
        if token is None:
            break
        assert page["LastEvaluatedKey"]["pk"] == {"S": "a"}
    native, start = [], {}
    while True:
        page = client.query(TableName=composite, KeyConditionExpression="pk = :p",
                            FilterExpression="n <> :n", ProjectionExpression="sk", Limit=2,
                            ExpressionAttributeValues={":p": {"S": "a"}, ":n": {"N": "20"}},
                            **start)
        native.append([item["sk"]["N"] for item in page["Items"]])
        if "LastEvaluatedKey" not in page:
            break
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    assert pages == native
    assert pages[:3] == [["0", "1"], ["3"], ["4", "5"]]


def test_next_token_pages_across_partitions(client, composite):
    statement = f"SELECT pk, sk FROM \"{composite}\" WHERE pk IN ['a', 'b'] AND sk >= 3"
    seen, token = [], None
    for _ in range(10):
        page = run(client, statement, Limit=2, **({"NextToken": token} if token else {}))
        seen += [(i["pk"]["S"], i["sk"]["N"]) for i in page["Items"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert seen == [(p, s) for p in "ab" for s in "345"]


def test_a_next_token_belongs_to_its_statement(client, composite):
    page = run(client, f"SELECT * FROM \"{composite}\" WHERE pk = 'a'", Limit=1)
    assert error_of(client, f"SELECT * FROM \"{composite}\" WHERE pk = 'b'",
                    NextToken=page["NextToken"]) == ("ValidationException",
                                                     "NextToken does not match request")
    assert error_of(client, f"SELECT * FROM \"{composite}\" WHERE pk = 'b'",
                    NextToken="not-a-token")[1] == "Invalid NextToken"


def test_where_functions_and_is(client, table):
    client.put_item(TableName=table, Item={
        "pk": {"S": "f"}, "ss": {"SS": ["a", "b"]}, "s": {"S": "str"}, "nul": {"NULL": True},
        "flag": {"BOOL": True}, "m": {"M": {"sub": {"S": "x"}}}})
    holds = {
        "attribute_exists(ss)": True, "attribute_exists(nope)": False,
        "NOT attribute_exists(nope)": True, "ATTRIBUTE_EXISTS(ss)": True,
        "attribute_exists(ss) = true": True, "attribute_exists(ss) = false": False,
        'attribute_exists("ss")': True, "attribute_exists(m.sub)": True,
        "attribute_exists(m.nope)": False, "size(s) = 3": True, "size(s) = 4": False,
        "attribute_type(ss, 'SS')": True, "attribute_type(ss, 'S')": False,
        "contains(ss, 'a')": True, "contains(s, 'zz')": False, "begins_with(s, 'st')": True,
        "nul IS NULL": True, "s IS NULL": False, "s IS NOT NULL": True, "nope IS NULL": True,
        "nope IS MISSING": True, "s IS MISSING": False, "s IS NOT MISSING": True,
        "flag IS BOOLEAN": True, "s IS STRING": True, "s IS BOOL": False, "m IS STRUCT": True,
        "ss IS BAG": True, "flag = TRUE": True, "s IN ['x', 'str']": True,
        "s NOT IN ['str']": False, "s BETWEEN 'a' AND 'z'": True,
        "(attribute_exists(nope) OR attribute_exists(ss))": True, "m.sub = 'x'": True,
    }
    for condition, expected in holds.items():
        items = run(client, f"SELECT pk FROM \"{table}\" WHERE pk = 'f' AND {condition}")["Items"]
        assert items == ([{"pk": {"S": "f"}}] if expected else []), condition


# INSERT, UPDATE, DELETE -----------------------------------------------------------
def test_insert_is_a_put_and_a_second_one_is_a_duplicate(client, table):
    partiql = run(client, f"INSERT INTO \"{table}\" VALUE {{'pk': 'i', 'n': 1.5e1, "
                  "'l': [1, 'two', TRUE, NULL], 'm': {'k': <<'x', 'y'>>}, 'ns': <<3, 1>>}",
                  ReturnConsumedCapacity="TOTAL")
    assert partiql["Items"] == []
    native = client.put_item(TableName=table, Item={"pk": {"S": "i2"}, "n": {"N": "15"}},
                             ReturnConsumedCapacity="TOTAL")
    assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"]
    item = client.get_item(TableName=table, Key={"pk": {"S": "i"}})["Item"]
    assert item["n"] == {"N": "15"}
    assert item["l"] == {"L": [{"N": "1"}, {"S": "two"}, {"BOOL": True}, {"NULL": True}]}
    assert sorted(item["m"]["M"]["k"]["SS"]) == ["x", "y"]
    assert sorted(item["ns"]["NS"]) == ["1", "3"]
    assert error_of(client, f"INSERT INTO \"{table}\" VALUE {{'pk': 'i'}}") == (
        "DuplicateItemException", "Duplicate primary key exists in table")
    assert client.get_item(TableName=table, Key={"pk": {"S": "i"}})["Item"] == item


def test_insert_takes_parameters_anywhere_in_the_item(client, table):
    run(client, f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'b': ?, 'inner': {{'v': ?}}}}",
        Parameters=[{"S": "p"}, {"B": b"\x00\x01"}, {"L": [{"S": "x"}]}])
    item = client.get_item(TableName=table, Key={"pk": {"S": "p"}})["Item"]
    assert item == {"pk": {"S": "p"}, "b": {"B": b"\x00\x01"},
                    "inner": {"M": {"v": {"L": [{"S": "x"}]}}}}


def test_update_is_an_update_item_of_an_existing_item(client, composite):
    partiql = run(client, f"UPDATE \"{composite}\" SET n = n + 5 SET t = 'new' REMOVE m "
                  "WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *", ReturnConsumedCapacity="TOTAL")
    native = client.update_item(TableName=composite, Key={"pk": {"S": "b"}, "sk": {"N": "1"}},
                                UpdateExpression="SET n = n + :f, t = :t REMOVE m",
                                ExpressionAttributeValues={":f": {"N": "5"}, ":t": {"S": "new"}},
                                ReturnValues="ALL_NEW", ReturnConsumedCapacity="TOTAL")
    expected = dict(native["Attributes"], pk={"S": "a"})
    assert partiql["Items"] == [expected]
    assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"]


def test_update_returning_each_side(client, composite):
    key = "WHERE pk = 'a' AND sk = 2"
    assert run(client, f'UPDATE "{composite}" SET n = 1 {key} RETURNING MODIFIED OLD *')[
        "Items"] == [{"n": {"N": "20"}}]
    assert run(client, f'UPDATE "{composite}" SET n = 2 {key} RETURNING MODIFIED NEW *')[
        "Items"] == [{"n": {"N": "2"}}]
    old = run(client, f'UPDATE "{composite}" SET n = 3 {key} RETURNING ALL OLD *')["Items"]
    assert old[0]["n"] == {"N": "2"} and old[0]["s"] == {"S": "word2"}
    assert run(client, f'UPDATE "{composite}" SET n = 4 {key}')["Items"] == []


def test_update_of_a_missing_item_fails_its_condition(client, composite):
    assert error_of(client, f"UPDATE \"{composite}\" SET n = 1 WHERE pk = 'zz' AND sk = 1")[
        0] == "ConditionalCheckFailedException"
    assert "Item" not in client.get_item(TableName=composite,
                                         Key={"pk": {"S": "zz"}, "sk": {"N": "1"}})


def test_update_conditions_and_the_old_item_on_failure(client, composite):
    run(client, f"UPDATE \"{composite}\" SET z = 1 WHERE pk = 'a' AND sk = 3 AND n = 30")
    error = refusal(client, f"UPDATE \"{composite}\" SET z = 2 WHERE pk = 'a' AND sk = 3 "
                    "AND n = 31", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert error.response["Item"]["z"] == {"N": "1"}
    item = client.get_item(TableName=composite, Key={"pk": {"S": "a"}, "sk": {"N": "3"}})["Item"]
    assert item["z"] == {"N": "1"}


def test_set_add_set_delete_and_list_append(client, table):
    client.put_item(TableName=table, Item={"pk": {"S": "s"}, "ss": {"SS": ["a", "b"]},
                                           "l": {"L": [{"N": "1"}]}})
    run(client, f"UPDATE \"{table}\" SET ss = set_add(ss, <<'c'>>) SET ns = set_add(ns, ?) "
        "SET l = list_append(l, [2]) WHERE pk = 's'", Parameters=[{"NS": ["7"]}])
    run(client, f"UPDATE \"{table}\" SET ss = SET_DELETE(ss, <<'a'>>) WHERE pk = 's'")
    item = client.get_item(TableName=table, Key={"pk": {"S": "s"}})["Item"]
    assert sorted(item["ss"]["SS"]) == ["b", "c"]
    assert item["ns"] == {"NS": ["7"]}
    assert item["l"] == {"L": [{"N": "1"}, {"N": "2"}]}
    run(client, f"UPDATE \"{table}\" SET ss = set_delete(ss, <<'b', 'c'>>) WHERE pk = 's'")
    assert "ss" not in client.get_item(TableName=table, Key={"pk": {"S": "s"}})["Item"]


def test_from_first_update(client, table):
    client.put_item(TableName=table, Item={"pk": {"S": "ff"}, "a": {"N": "1"}})
    assert run(client, f"FROM \"{table}\" WHERE pk = 'ff' SET c = 2 REMOVE a "
               "RETURNING ALL NEW *")["Items"] == [{"pk": {"S": "ff"}, "c": {"N": "2"}}]
    assert error_of(client, f'FROM "{table}" SET c = 1')[1] == (
        "Where clause does not contain a mandatory equality on all key attributes")


def test_delete_is_a_delete_item(client, composite):
    partiql = run(client, f"DELETE FROM \"{composite}\" WHERE pk = 'a' AND sk = 0 "
                  "RETURNING ALL OLD *", ReturnConsumedCapacity="TOTAL")
    native = client.delete_item(TableName=composite, Key={"pk": {"S": "b"}, "sk": {"N": "0"}},
                                ReturnValues="ALL_OLD", ReturnConsumedCapacity="TOTAL")
    assert partiql["Items"] == [dict(native["Attributes"], pk={"S": "a"})]
    assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"]
    assert run(client, f"DELETE FROM \"{composite}\" WHERE pk = 'a' AND sk = 0")["Items"] == []
    assert error_of(client, f"DELETE FROM \"{composite}\" WHERE pk = 'a' AND sk = 1 "
                            "AND attribute_exists(nope)")[0] == "ConditionalCheckFailedException"
    assert error_of(client, f"DELETE FROM \"{composite}\" WHERE pk = 'a' AND sk = 1 "
                            "RETURNING ALL NEW *")[1] == (
        "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed "
        "in DELETE statements.")


def test_writes_make_the_stream_records_the_native_writes_make(client, server_url,
                                                                 embedded_db):
    streams = (http_client(server_url, "dynamodbstreams")
               if client.meta.endpoint_url == server_url
               else embedded_db.client("dynamodbstreams", config=NO_RETRIES))
    spec = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    partiql, native = (create_table(client, StreamSpecification=spec) for _ in range(2))
    run(client, f"INSERT INTO \"{partiql}\" VALUE {{'pk': 'k', 'n': 1}}")
    run(client, f"UPDATE \"{partiql}\" SET n = 2 WHERE pk = 'k'")
    run(client, f"DELETE FROM \"{partiql}\" WHERE pk = 'k'")
    client.put_item(TableName=native, Item={"pk": {"S": "k"}, "n": {"N": "1"}},
                    ConditionExpression="attribute_not_exists(pk)")
    client.update_item(TableName=native, Key={"pk": {"S": "k"}}, UpdateExpression="SET n = :n",
                       ExpressionAttributeValues={":n": {"N": "2"}})
    client.delete_item(TableName=native, Key={"pk": {"S": "k"}})

    def changes(table):
        arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        return [(record["eventName"], record["dynamodb"].get("Keys"),
                 record["dynamodb"].get("OldImage"), record["dynamodb"].get("NewImage"),
                 record["dynamodb"]["SizeBytes"]) for record in read_stream(streams, arn)]
    assert changes(partiql) == changes(native)
    assert [change[0] for change in changes(partiql)] == ["INSERT", "MODIFY", "REMOVE"]


def test_a_failed_statement_writes_nothing(client, table):
    for statement in (f"INSERT INTO \"{table}\" VALUE {{'pk': 'nothing'}} foo",
                      f"DELETE FROM \"{table}\" t WHERE pk = 'nothing'",
                      f"INSERT INTO \"{table}\" VALUE {{'pk': 'nothing', 'n': 1e126}}"):
        refusal(client, statement)
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "nothing"}})


# secondary indexes ------------------------------------------------------------------
@pytest.fixture
def indexed(client):
    table = unique_name()
    client.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"}
                              for name in ("pk", "sk", "g", "l")],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [
            {"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}}],
        LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    for number in range(4):
        client.put_item(TableName=table, Item={
            "pk": {"S": "p"}, "sk": {"S": f"s{number}"}, "g": {"S": f"g{number % 2}"},
            "l": {"S": f"l{3 - number}"}, "x": {"S": "x"}, "y": {"S": "y"}})
    return table


def test_select_from_an_index(client, indexed):
    partiql = run(client, f"SELECT sk, x FROM \"{indexed}\".\"gsi\" WHERE g = 'g1'",
                  ReturnConsumedCapacity="INDEXES")
    native = client.query(TableName=indexed, IndexName="gsi", KeyConditionExpression="g = :g",
                          ProjectionExpression="sk, x", ReturnConsumedCapacity="INDEXES",
                          ExpressionAttributeValues={":g": {"S": "g1"}})
    assert partiql["Items"] == native["Items"] and len(native["Items"]) == 2
    assert partiql["ConsumedCapacity"] == native["ConsumedCapacity"]
    lsi = run(client, f"SELECT y FROM \"{indexed}\".\"lsi\" WHERE pk = 'p' AND l > 'l1'")
    assert lsi["Items"] == [{"y": {"S": "y"}}] * 2
    ordered = run(client, f"SELECT sk FROM \"{indexed}\".\"lsi\" WHERE pk = 'p' ORDER BY l")
    assert [item["sk"]["S"] for item in ordered["Items"]] == ["s3", "s2", "s1", "s0"]
    scanned = run(client, f"SELECT sk FROM \"{indexed}\".\"gsi\" WHERE x = 'x'")["Items"]
    assert len(scanned) == 4
    assert error_of(client, f"SELECT y, z, y FROM \"{indexed}\".\"gsi\" WHERE g = 'g1'")[1] == (
        "One or more parameter values were invalid: Global secondary index gsi does not "
        "project [y, z]")


# errors ----------------------------------------------------------------------------------
def test_statements_that_do_not_parse(client, table):
    t = f'"{table}"'
    leftover = NOT_WELL_FORMED + "Unexpected token after expression"
    expected = {
        f"SELECT * FROM {t} WHERE pk = 1 foo": leftover,
        f"SELECT * FROM {t} WHERE pk = 1 e5": leftover,
        f"SELECT * FROM {t} WHERE pk = 1)": leftover,
        f"DELETE FROM {t} WHERE pk = 'x' ORDER BY pk": leftover,
        f"SELECT * FROM {t} ORDER BY pk WHERE pk = 'x'": leftover,
        f"INSERT INTO {t} t VALUE {{'pk': 'x'}}": leftover,
        f"SELECT * FROM {t} WHERE pk = 1e2147483648": NOT_WELL_FORMED,
        f"SELECT * FROM {t} WHERE pk = 1.5e-2147483647": NOT_WELL_FORMED,
        f"SELECT * FROM {t} WHERE pk = 1 # note": NOT_WELL_FORMED,
        f"SELECT * FROM {t} WHERE pk = 1 /* note": NOT_WELL_FORMED,
        f"SELECT * FROM {t} WHERE": NOT_WELL_FORMED + "Unexpected term",
        f"SELECT * FROM {t} WHERE NOT": NOT_WELL_FORMED + "Unexpected term",
        f"SELECT * FROM {t} WHERE (": NOT_WELL_FORMED + "Unexpected term",
        f"SELECT * FROM {t} WHERE pk = 'p1' AND": NOT_WELL_FORMED +
        "Missing right-hand side expression of infix operator",
        f"SELECT * FROM {t} WHERE pk = 'p1' OR": NOT_WELL_FORMED +
        "Missing right-hand side expression of infix operator",
        f"SELECT * FROM {t} WHERE ORDER BY pk": NOT_WELL_FORMED + "Unexpected keyword",
        f"SELECT * FROM {t} WHERE pk = 'a' AND x IS FOO": NOT_WELL_FORMED + "Expected type name",
        f"SELECT * FROM {t} WHERE IS NULL": NOT_WELL_FORMED + "Unexpected operator",
        f"SELECT * FROM {t} WHERE pk = LIKE": NOT_WELL_FORMED + "Unexpected operator",
        "DELETE FROM": NOT_WELL_FORMED + "Expected identifier for simple path",
        "DELETE FROM WHERE pk = 'a'": NOT_WELL_FORMED + "Expected identifier for simple path",
        "SELECT * FROM": NOT_WELL_FORMED + "Unexpected term",
        f"SELECT * FROM {t} t WHERE pk = 'x'": "Aliasing is not supported",
        f"SELECT * FROM {t} AS t WHERE pk = 'x'": "Aliasing is not supported",
        f"UPDATE {t} t SET a = 3 WHERE pk = 'x'": "Aliasing is not supported",
        "x IS INT4": "Unsupported operation: IsType",
        f"FROM {t} SET c = 1 WHERE pk = 'x'": leftover,
    }
    for statement, message in expected.items():
        assert error_of(client, statement) == ("ValidationException", message), statement


def test_number_literals_keep_dynamodb_s_rules(client):
    table = create_table(client, "N")
    overflow = ("Number overflow. Attempting to store a number with magnitude larger than "
                "supported range")
    underflow = ("Number underflow. Attempting to store a number with magnitude smaller than "
                 "supported range")
    assert error_of(client, f'SELECT * FROM "{table}" WHERE pk = 1e126')[1] == \
        overflow + " under root"
    assert error_of(client, f'SELECT * FROM "{table}" WHERE pk = 1e-131')[1] == \
        underflow + " under root"
    assert error_of(client, f'SELECT * FROM "{table}" WHERE pk = '
                    '123456789012345678901234567890123456789')[1] == (
        "Attempting to store more than 38 significant digits in a Number under root")
    assert error_of(client, f"INSERT INTO \"{table}\" VALUE {{'pk': 1, 'm': {{'x': 1e126}}}}")[
        1] == overflow + " under root.x"
    assert error_of(client, f"INSERT INTO \"{table}\" VALUE {{'pk': 1, 'l': [1, 1e126]}}")[
        1] == overflow + " under root[1]"
    run(client, f"INSERT INTO \"{table}\" VALUE {{'pk': 731e4}}")
    for literal in ("7.31E6", "7.31e+6", "731e4", "73100000e-1", ".731e7"):
        items = run(client, f'SELECT pk FROM "{table}" WHERE pk = {literal}')["Items"]
        assert items == [{"pk": {"N": "7310000"}}], literal


def test_parameters_are_counted_and_checked(client, table):
    statement = f'SELECT * FROM "{table}" WHERE pk = ? AND n = ?'
    message = "Number of parameters in request and statement don't match."
    assert error_of(client, statement, Parameters=[{"S": "a"}])[1] == message
    assert error_of(client, f"SELECT * FROM \"{table}\" WHERE pk = 'a'",
                    Parameters=[{"S": "a"}])[1] == message
    assert error_of(client, statement, Parameters=[{"S": "a"}, {"N": "1e99999999999"}])[1] == (
        "The parameter cannot be converted to a numeric value: 1e99999999999")
    assert error_of(client, statement, Parameters=[{"S": "a"}, {"N": "abc"}])[1] == (
        "The parameter cannot be converted to a numeric value: abc")


def test_functions_and_operands_dynamodb_refuses(client, table):
    where = f"SELECT * FROM \"{table}\" WHERE pk = 'x' AND "
    assert error_of(client, where + "attribute_exists('ss')")[1] == (
        "Operator or function requires a document path; operator or function: attribute_exists")
    assert error_of(client, where + "attribute_exists()")[1] == (
        "Incorrect number of operands for operator or function; operator or function: "
        "attribute_exists, number of operands: 0")
    statement = where + "EXISTS(ss)"
    column = statement.index("EXISTS") + 1
    assert error_of(client, statement)[1] == f"Unrecognized function: exists at 1:{column}:6"
    statement = f"SELECT attribute_exists(ss) FROM \"{table}\""
    assert error_of(client, statement)[1] == "Unexpected path component at 1:8:16"
    for op in ("<", "<=", ">", ">="):
        assert error_of(client, where + f"n {op} ?", Parameters=[{"BOOL": True}])[1] == (
            "Incorrect operand type for operator or function; operator or function: "
            f"{op}, operand type: BOOL")
    assert "operator or function: BETWEEN" in error_of(
        client, where + "n BETWEEN ? AND ?", Parameters=[{"BOOL": True}, {"BOOL": False}])[1]
    assert error_of(client, where + "n = MISSING")[1] == "MISSING must be compared using IS " \
                                                          "operator"
    update = f"UPDATE \"{table}\" SET "
    statement = update + "t = set_add(ss, <<'x'>>) WHERE pk = 'x'"
    assert error_of(client, statement)[1] == (
        f"The first argument to SET_ADD must equal the assignment value at "
        f"1:{statement.index('set_add') + 1}:7")
    statement = update + "ss = set_add(ss, 'x') WHERE pk = 'x'"
    assert error_of(client, statement)[1] == (
        f"The second argument to SET_ADD must be a value with type SET at "
        f"1:{statement.index('(ss') + 2}:2")
    statement = update + "ss = set_add(ss) WHERE pk = 'x'"
    assert error_of(client, statement)[1] == (
        f"SET_ADD must have exactly two arguments at 1:{statement.index('set_add') + 1}:7")
    assert error_of(client, update + "ss = set_add(ss, <<>>) WHERE pk = 'x'")[1] == \
        "Empty bags are not supported"
    assert error_of(client, f"INSERT INTO \"{table}\" VALUE {{'pk': 'x'}} RETURNING ALL OLD *")[
        1] == "RETURNING is not supported in INSERT"
    assert error_of(client, f"DELETE FROM \"{table}\" WHERE n = 1")[1] == (
        "Where clause does not contain a mandatory equality on all key attributes")
    assert error_of(client, f"SELECT * FROM \"{table}-missing\"") == (
        "ResourceNotFoundException", "Requested resource not found")


# throttling ------------------------------------------------------------------------------
def test_statements_spend_the_table_s_throughput_as_native_writes_do(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, throttling=True,
                 burst_seconds=10.0) as db:
        db.engine.clock = Clock()
        db.call("CreateTable", {
            "TableName": "limited", "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2},
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
        client = db.client(config=NO_RETRIES)
        passed = 0
        with pytest.raises(ClientError) as caught:
            for passed in range(100):
                run(client, f"INSERT INTO limited VALUE {{'pk': 'k{passed}'}}")
        assert passed == 20  # 10 s of banked capacity at 2 units/s, as for PutItem
        assert caught.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
        batch = client.batch_execute_statement(Statements=[
            {"Statement": "INSERT INTO limited VALUE {'pk': 'more'}"}])
        assert batch["Responses"][0]["Error"]["Code"] == "ProvisionedThroughputExceeded"
        db.engine.clock.now += 1.0
        run(client, "INSERT INTO limited VALUE {'pk': 'later'}")
        reads = 0
        with pytest.raises(ClientError) as caught:
            for reads in range(100):
                run(client, "SELECT * FROM limited WHERE pk = 'later'")
        assert reads == 20  # 10 s of 1 read unit, half a unit an eventually consistent read
        assert caught.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"


def test_reserved_words_and_odd_names_as_attributes(client):
    table = unique_name()
    client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "name", "KeyType": "HASH"},
                                   {"AttributeName": "date", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"},
                                              {"AttributeName": "date", "AttributeType": "S"}])
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    run(client, f"INSERT INTO \"{table}\" VALUE {{'name': 'n', 'date': 'd1', 'size': 3, "
        "'a-b': 'x', 'contains': 'c'}")
    run(client, f"INSERT INTO \"{table}\" VALUE {{'name': 'n', 'date': 'd2', 'size': 4}}")
    found = run(client, f"SELECT \"date\", \"a-b\" FROM \"{table}\" WHERE \"name\" = 'n' "
                "AND \"date\" BETWEEN 'd0' AND 'd9' AND \"size\" < 4 AND \"a-b\" = 'x' "
                "AND \"contains\" = 'c'")["Items"]
    assert found == [{"date": {"S": "d1"}, "a-b": {"S": "x"}}]
    run(client, f"UPDATE \"{table}\" SET \"size\" = \"size\" + 1 REMOVE \"a-b\" "
        "WHERE \"name\" = 'n' AND \"date\" = 'd1'")
    item = client.get_item(TableName=table, Key={"name": {"S": "n"}, "date": {"S": "d1"}})["Item"]
    assert item["size"] == {"N": "4"} and "a-b" not in item
    ordered = run(client, f"SELECT \"date\" FROM \"{table}\" WHERE \"name\" = 'n' "
                  "ORDER BY \"date\" DESC")["Items"]
    assert ordered == [{"date": {"S": "d2"}}, {"date": {"S": "d1"}}]


def test_set_functions_dynamodb_refuses_at_run_time(client, table):
    client.put_item(TableName=table, Item={"pk": {"S": "sets"}, "ss": {"SS": ["a"]},
                                           "s": {"S": "x"}})
    update = f'UPDATE "{table}" SET '
    wrong_type = "An operand in the update expression has an incorrect data type"
    for assignment in ("ss = set_add(ss, <<1>>)", "s = set_add(s, <<'x'>>)",
                       "ss = set_delete(ss, <<1>>)"):
        assert error_of(client, update + assignment + " WHERE pk = 'sets'") == (
            "ValidationException", wrong_type), assignment
    assert error_of(client, update + "ss = set_add(ss, <<'x', 'x'>>) WHERE pk = 'sets'")[1] == (
        "One or more parameter values were invalid: Input collection [\"x\", \"x\"] contains "
        "duplicates.")
    assert error_of(client, update + "m.inner = set_add(m.inner, <<'y'>>) WHERE pk = 'sets'")[
        1] == NOT_WELL_FORMED + "Invalid path dot component"
    statement = f"SELECT * FROM \"{table}\" WHERE pk = 'sets' AND set_add(ss, <<'x'>>) = ss"
    assert error_of(client, statement)[1] == (
        f"Unrecognized function: set_add at 1:{statement.index('set_add') + 1}:7")
    assert client.get_item(TableName=table, Key={"pk": {"S": "sets"}})["Item"]["ss"] == {
        "SS": ["a"]}
