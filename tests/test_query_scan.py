"""Query and Scan end to end: order, paging, indexes, projections, segments."""
from __future__ import annotations

import pytest
from support import error_of, unique_name

THROUGHPUT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def eq(value) -> dict:
    return {"ComparisonOperator": "EQ", "AttributeValueList": [value]}


@pytest.fixture
def orders(client):
    """pk=customer, sk=order number (N); LSI on total, GSI on status (KEYS_ONLY)."""
    name = unique_name("orders")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in
                              (("pk", "S"), ("sk", "N"), ("total", "N"), ("status", "S"))],
        LocalSecondaryIndexes=[{"IndexName": "by-total", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "total", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}],
        GlobalSecondaryIndexes=[{"IndexName": "by-status", "KeySchema": [
            {"AttributeName": "status", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    requests = []
    for customer in ("alice", "bob"):
        for number in range(1, 13):
            item = {"pk": {"S": customer}, "sk": {"N": str(number)}, "total": {"N": str(100 - number)},
                    "note": {"S": f"n{number}"}, "secret": {"S": "x"}}
            if number % 3:
                item["status"] = {"S": "open"}   # sparse: every third order has no status
            requests.append({"PutRequest": {"Item": item}})
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={name: requests[start:start + 25]})
    return name


def numbers(items, name="sk") -> list[int]:
    return [int(item[name]["N"]) for item in items]


def test_query_order_conditions_and_direction(client, orders):
    query = lambda **kw: client.query(TableName=orders, **kw)["Items"]  # noqa: E731
    assert numbers(query(KeyConditions={"pk": eq({"S": "alice"})})) == list(range(1, 13))
    assert numbers(query(KeyConditions={"pk": eq({"S": "alice"})}, ScanIndexForward=False)) == list(range(12, 0, -1))
    between = {"pk": eq({"S": "alice"}), "sk": {"ComparisonOperator": "BETWEEN",
                                                "AttributeValueList": [{"N": "3"}, {"N": "10"}]}}
    assert numbers(query(KeyConditions=between)) == list(range(3, 11))
    for operator, expected in (("LT", [1, 2, 3]), ("LE", [1, 2, 3, 4]), ("GT", [11, 12]),
                               ("GE", [10, 11, 12]), ("EQ", [4])):
        value = {"N": {"LT": "4", "LE": "4", "GT": "10", "GE": "10", "EQ": "4"}[operator]}
        got = query(KeyConditions={"pk": eq({"S": "alice"}), "sk": {
            "ComparisonOperator": operator, "AttributeValueList": [value]}})
        assert numbers(got) == expected, operator


def test_query_paginator_and_limits(client, orders):
    pages = list(client.get_paginator("query").paginate(
        TableName=orders, KeyConditions={"pk": eq({"S": "bob"})}, PaginationConfig={"PageSize": 5}))
    assert [page["Count"] for page in pages] == [5, 5, 2]
    assert numbers([item for page in pages for item in page["Items"]]) == list(range(1, 13))
    assert pages[0]["LastEvaluatedKey"] == {"pk": {"S": "bob"}, "sk": {"N": "5"}}
    counted = client.query(TableName=orders, KeyConditions={"pk": eq({"S": "bob"})}, Select="COUNT")
    assert counted["Count"] == 12 and "Items" not in counted


def test_query_local_index_with_fetches_and_capacity(client, orders):
    by_total = client.query(TableName=orders, IndexName="by-total",
                            KeyConditions={"pk": eq({"S": "alice"})}, ReturnConsumedCapacity="INDEXES")
    assert numbers(by_total["Items"], "total") == sorted(100 - n for n in range(1, 13))
    assert set(by_total["Items"][0]) == {"pk", "sk", "total", "note"}  # projected, no secret
    capacity = by_total["ConsumedCapacity"]
    assert capacity["LocalSecondaryIndexes"]["by-total"]["CapacityUnits"] == 0.5
    assert capacity["Table"]["CapacityUnits"] == 0.0
    full = client.query(TableName=orders, IndexName="by-total", Select="ALL_ATTRIBUTES",
                        KeyConditions={"pk": eq({"S": "alice"})}, ReturnConsumedCapacity="INDEXES")
    assert all(item["secret"] == {"S": "x"} for item in full["Items"])
    assert full["ConsumedCapacity"]["Table"]["CapacityUnits"] == 12 * 0.5  # one fetch per item


def test_query_global_index_sparse_with_repeated_keys_across_pages(client, orders):
    pages = list(client.get_paginator("query").paginate(
        TableName=orders, IndexName="by-status", KeyConditions={"status": eq({"S": "open"})},
        PaginationConfig={"PageSize": 3}))
    items = [item for page in pages for item in page["Items"]]
    assert len(items) == 16  # 2 customers x 8 orders with a status
    assert len({(item["pk"]["S"], item["sk"]["N"]) for item in items}) == 16  # none twice
    assert set(pages[0]["LastEvaluatedKey"]) == {"pk", "sk", "status"}
    assert set(items[0]) == {"pk", "sk", "status"}  # KEYS_ONLY
    assert error_of(client.query, TableName=orders, IndexName="by-status", ConsistentRead=True,
                    KeyConditions={"status": eq({"S": "open"})}) == (
        "ValidationException", "Consistent reads are not supported on global secondary indexes")


def test_scan_covers_everything_once_in_parallel_segments(client, orders):
    everything = client.scan(TableName=orders)
    assert everything["Count"] == everything["ScannedCount"] == 24
    for total in (1, 2, 3, 5):
        seen = []
        for segment in range(total):
            for page in client.get_paginator("scan").paginate(
                    TableName=orders, Segment=segment, TotalSegments=total,
                    PaginationConfig={"PageSize": 4}):
                seen += [(item["pk"]["S"], item["sk"]["N"]) for item in page["Items"]]
        assert len(seen) == 24 and len(set(seen)) == 24, total
    index_scan = client.scan(TableName=orders, IndexName="by-status")
    assert index_scan["Count"] == 16


def test_scan_projection_and_capacity(client, orders):
    response = client.scan(TableName=orders, ProjectionExpression="note", Limit=4,
                           ReturnConsumedCapacity="TOTAL")
    assert response["Count"] == 4 and all(set(item) == {"note"} for item in response["Items"])
    assert response["ConsumedCapacity"]["CapacityUnits"] == 0.5  # 4 small items, rounded once
    assert "LastEvaluatedKey" in response


def test_query_and_scan_validation(client, orders):
    assert error_of(client.query, TableName=orders, KeyConditions={"sk": eq({"N": "1"})}) == (
        "ValidationException", "Query condition missed key schema element: pk")
    assert error_of(client.query, TableName=orders, IndexName="nope",
                    KeyConditions={"pk": eq({"S": "a"})}) == (
        "ValidationException", "The table does not have the specified index: nope")
    assert error_of(client.query, TableName=orders, KeyConditions={"pk": eq({"N": "1"})}) == (
        "ValidationException",
        "One or more parameter values were invalid: Condition parameter type does not match schema type")
    assert error_of(client.scan, TableName=orders, Segment=3, TotalSegments=2)[1] == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: 3 is not less than TotalSegments: 2")
    assert error_of(client.scan, TableName=orders, Select="ALL_ATTRIBUTES",
                    ProjectionExpression="pk")[1] == (
        "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
    assert error_of(client.scan, TableName=orders, Select="ALL_PROJECTED_ATTRIBUTES")[1] == (
        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")


def test_one_megabyte_pages(client):
    name = unique_name("big")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "N"}])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    blob = "x" * 100_000
    for number in range(25):  # ~2.5 MB in one partition
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(number)},
                                              "blob": {"S": blob}})
    first = client.query(TableName=name, KeyConditions={"pk": eq({"S": "p"})},
                         ReturnConsumedCapacity="TOTAL")
    assert first["Count"] == 11  # stops once 1 MB has been read
    assert first["LastEvaluatedKey"]["sk"] == {"N": "10"}
    assert first["ConsumedCapacity"]["CapacityUnits"] == -(-11 * 100_012 // 4096) / 2
    pages = list(client.get_paginator("query").paginate(TableName=name, KeyConditions={"pk": eq({"S": "p"})}))
    assert sum(page["Count"] for page in pages) == 25


def test_online_index_build_backfills_while_writes_continue(client, table):
    import threading
    import time
    requests = [{"PutRequest": {"Item": {"pk": {"S": f"old{i}"}, "color": {"S": ["red", "blue"][i % 2]}}}}
                for i in range(1200)]
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={table: requests[start:start + 25]})
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        index = 0
        while not stop.is_set():
            client.put_item(TableName=table, Item={"pk": {"S": f"new{index}"}, "color": {"S": "red"}})
            written.append(index)
            index += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        response = client.update_table(
            TableName=table, AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "by-color", "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}}])
        created = response["TableDescription"]["GlobalSecondaryIndexes"][0]
        assert created["IndexStatus"] == "CREATING" and created["Backfilling"] is True
        deadline = time.time() + 30
        while time.time() < deadline:
            index = client.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
            if index["IndexStatus"] == "ACTIVE":
                break
            time.sleep(0.05)
        assert index["IndexStatus"] == "ACTIVE" and "Backfilling" not in index
    finally:
        stop.set()
        thread.join()
    red = [item for page in client.get_paginator("query").paginate(
        TableName=table, IndexName="by-color", KeyConditions={"color": eq({"S": "red"})})
        for item in page["Items"]]
    assert len(red) == 600 + len(written)
    assert client.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0][
        "ItemCount"] == 1200 + len(written)
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    code, message = error_of(client.update_table, TableName=table, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "by-color"}}, {"Delete": {"IndexName": "other"}}])
    assert code == "LimitExceededException"
    client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-color"}}])
    assert "GlobalSecondaryIndexes" not in client.describe_table(TableName=table)["Table"]
    assert error_of(client.query, TableName=table, IndexName="by-color",
                    KeyConditions={"color": eq({"S": "red"})})[1] == (
        "The table does not have the specified index: by-color")
