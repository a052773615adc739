"""Vector indexes and SearchVectors: definitions on CreateTable, UpdateTable
(create with backfill, delete) and DescribeTable; which items an index
holds; exact TopK search for each distance function checked against a
brute-force search in Python (a property test); search conditions,
projections, capacity and AWS's validation errors. boto3 over HTTP and
embedded, on the backend the run uses."""
from __future__ import annotations

import math
import random

import pytest
import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import error_of, unique_name, wait_for

from dynalite_py.errors import DynamoError

DIMENSIONS = 3


def vector(*values: float) -> dict:
    return {"L": [{"N": repr(float(value))} for value in values]}


def vector_index(name: str = "vec", distance: str = "EUCLIDEAN", dimensions: int = DIMENSIONS,
                 schema: list[dict] | None = None, projection: dict | None = None) -> dict:
    index = {"IndexName": name, "VectorAttribute": {"AttributeName": "emb"},
             "Dimensions": dimensions, "DistanceFunction": distance,
             "Projection": projection or {"ProjectionType": "ALL"}}
    if schema is not None:
        index["SearchSchema"] = schema
    return index


CATEGORY = [{"AttributeName": "cat", "SearchSchemaElementType": "HASH"},
            {"AttributeName": "color", "SearchSchemaElementType": "INLINE_FILTER"}]
CATEGORY_TYPES = [{"AttributeName": "cat", "AttributeType": "S"},
                  {"AttributeName": "color", "AttributeType": "S"}]


def create(client, *indexes: dict, extra_definitions: list[dict] | None = None) -> str:
    name = unique_name("vec")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}] + (
            extra_definitions or []),
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        VectorIndexes=list(indexes or [vector_index()]))
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    return name


def search(client, table: str, query: list[float], top_k: int = 10, index: str = "vec",
           **extra) -> list[tuple[str, float]]:
    found = client.search_vectors(TableName=table, IndexName=index, TopK=top_k,
                                  SearchVector=[{"N": repr(float(v))} for v in query], **extra)
    return [(result["Item"]["pk"]["S"], result["Score"]) for result in found["SearchResults"]]


def brute_force(distance: str, query: list[float], vectors: dict[str, list[float]],
                top_k: int) -> list[tuple[str, float]]:
    """The exact answer, in plain Python (float32 rounding aside)."""
    def score(values):
        dot = sum(a * b for a, b in zip(values, query))
        if distance == "DOT_PRODUCT":
            return dot
        if distance == "EUCLIDEAN":
            return math.sqrt(sum((a - b) ** 2 for a, b in zip(values, query)))
        norms = math.hypot(*values) * math.hypot(*query)
        return 1 - dot / norms if norms else None
    scored = [(key, score(values)) for key, values in vectors.items()]
    scored = [(key, value) for key, value in scored if value is not None]
    scored.sort(key=lambda pair: pair[1], reverse=distance == "DOT_PRODUCT")
    return scored[:top_k]


# Definitions ------------------------------------------------------------------

def test_create_table_describes_the_vector_index(client):
    name = create(client, vector_index(schema=CATEGORY), extra_definitions=CATEGORY_TYPES)
    described = client.describe_table(TableName=name)["Table"]["VectorIndexes"]
    assert len(described) == 1
    index = described[0]
    assert index["IndexName"] == "vec" and index["IndexStatus"] == "ACTIVE"
    assert index["Backfilling"] is False and index["ItemCount"] == 0
    assert index["Dimensions"] == DIMENSIONS and index["DistanceFunction"] == "EUCLIDEAN"
    assert index["SearchSchema"] == CATEGORY
    assert index["VectorAttribute"] == {"AttributeName": "emb"}
    assert index["IndexArn"].endswith(f"table/{name}/index/vec")


def test_item_count_and_size_follow_writes(client):
    name = create(client)
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "emb": vector(1, 2, 3)})
    client.put_item(TableName=name, Item={"pk": {"S": "b"}, "emb": vector(1, 2, 3)})
    index = client.describe_table(TableName=name)["Table"]["VectorIndexes"][0]
    assert index["ItemCount"] == 2 and index["IndexSizeBytes"] > 0
    client.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    assert client.describe_table(TableName=name)["Table"]["VectorIndexes"][0]["ItemCount"] == 1


def test_provisioned_tables_refuse_vector_indexes(client):
    code, message = error_of(
        client.create_table, TableName=unique_name("vec"),
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        VectorIndexes=[vector_index()])
    assert code == "ValidationException" and "on-demand" in message


def test_search_schema_attributes_must_be_defined(client):
    code, message = error_of(
        client.create_table, TableName=unique_name("vec"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        VectorIndexes=[vector_index(schema=CATEGORY)])
    assert (code, message) == ("ValidationException",
                               "One element in SearchSchema is not defined in attribute "
                               "definitions")


def test_duplicate_index_names_are_refused(client):
    code, message = error_of(
        client.create_table, TableName=unique_name("vec"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        VectorIndexes=[vector_index(), vector_index()])
    assert (code, message) == ("ValidationException", "One or more parameter values were "
                               "invalid: Duplicate index name: vec")


def test_model_shapes_are_checked(client):
    code, message = error_of(
        client.create_table, TableName=unique_name("vec"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        VectorIndexes=[dict(vector_index(), DistanceFunction="MANHATTAN")])
    assert code == "ValidationException" and "MANHATTAN" in message


def test_update_table_creates_and_backfills_then_deletes(client):
    name = unique_name("vec")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    for number in range(30):
        client.put_item(TableName=name, Item={"pk": {"S": f"i{number}"},
                                              "emb": vector(number, 0, 1)})
    client.put_item(TableName=name, Item={"pk": {"S": "short"}, "emb": vector(1, 2)})
    answer = client.update_table(TableName=name, VectorIndexUpdates=[
        {"Create": vector_index()}])
    assert answer["TableDescription"]["VectorIndexes"][0]["IndexStatus"] in ("CREATING",
                                                                            "ACTIVE")

    def active():
        index = client.describe_table(TableName=name)["Table"]["VectorIndexes"][0]
        return index["IndexStatus"] == "ACTIVE" and not index["Backfilling"]
    wait_for(active)
    index = client.describe_table(TableName=name)["Table"]["VectorIndexes"][0]
    assert index["ItemCount"] == 30  # the two-dimensional vector is left out
    assert search(client, name, [4, 0, 1], top_k=1) == [("i4", 0.0)]
    wait_for(lambda: client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE")
    client.update_table(TableName=name, VectorIndexUpdates=[{"Delete": {"IndexName": "vec"}}])
    assert "VectorIndexes" not in client.describe_table(TableName=name)["Table"]
    code, _ = error_of(client.search_vectors, TableName=name, IndexName="vec", TopK=1,
                       SearchVector=[{"N": "1"}] * 3)
    assert code == "ResourceNotFoundException"


def test_update_table_deleting_an_unknown_index(client):
    name = create(client)
    code, message = error_of(client.update_table, TableName=name,
                             VectorIndexUpdates=[{"Delete": {"IndexName": "nope"}}])
    assert (code, message) == ("ResourceNotFoundException",
                               "Requested resource not found: Index: nope not found")


def test_update_table_vector_index_on_a_provisioned_table(client):
    name = unique_name("vec")
    client.create_table(TableName=name,
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    code, message = error_of(client.update_table, TableName=name,
                             VectorIndexUpdates=[{"Create": vector_index()}])
    assert code == "ValidationException" and "on-demand" in message


def test_update_table_vector_index_with_a_search_schema(client):
    name = create(client)
    wait_for(lambda: client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE")
    code, message = error_of(client.update_table, TableName=name, VectorIndexUpdates=[
        {"Create": vector_index("other", schema=CATEGORY)}])
    assert (code, message) == ("ValidationException", "One element in SearchSchema is not "
                               "defined in attribute definitions")
    answer = client.update_table(TableName=name, AttributeDefinitions=CATEGORY_TYPES,
                                 VectorIndexUpdates=[{"Create": vector_index("other",
                                                                             schema=CATEGORY)}])
    names = {d["AttributeName"] for d in answer["TableDescription"]["AttributeDefinitions"]}
    assert names == {"pk", "cat", "color"}
    wait_for(lambda: client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE")
    code, message = error_of(client.update_table, TableName=name,
                             VectorIndexUpdates=[{"Create": vector_index("other")}])
    assert (code, message) == ("ValidationException",
                               "Attempting to create an index which already exists")


def test_same_vector_attribute_needs_the_same_dimensions(client):
    code, message = error_of(
        client.create_table, TableName=unique_name("vec"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        VectorIndexes=[vector_index(), vector_index("two", dimensions=4)])
    assert code == "ValidationException" and "dimensions" in message


# Which items an index holds ----------------------------------------------------

def test_items_without_a_usable_vector_are_left_out(client):
    name = create(client)
    items = {"good": vector(1, 1, 1), "short": vector(1, 1), "long": vector(1, 1, 1, 1),
             "string": {"S": "1,1,1"}, "set": {"NS": ["1", "2", "3"]},
             "mixed": {"L": [{"N": "1"}, {"S": "x"}, {"N": "1"}]}}
    for key, value in items.items():
        client.put_item(TableName=name, Item={"pk": {"S": key}, "emb": value})
    client.put_item(TableName=name, Item={"pk": {"S": "missing"}})
    assert [key for key, _ in search(client, name, [1, 1, 1])] == ["good"]


def test_items_whose_partition_attribute_is_missing_or_mistyped_are_left_out(client):
    name = create(client, vector_index(schema=CATEGORY), extra_definitions=CATEGORY_TYPES)
    client.put_item(TableName=name, Item={"pk": {"S": "ok"}, "cat": {"S": "x"},
                                          "emb": vector(1, 1, 1)})
    client.put_item(TableName=name, Item={"pk": {"S": "number"}, "cat": {"N": "1"},
                                          "emb": vector(1, 1, 1)})
    client.put_item(TableName=name, Item={"pk": {"S": "none"}, "emb": vector(1, 1, 1)})
    assert client.describe_table(TableName=name)["Table"]["VectorIndexes"][0]["ItemCount"] == 1
    found = search(client, name, [1, 1, 1], SearchConditionExpression="cat = :c",
                   ExpressionAttributeValues={":c": {"S": "x"}})
    assert [key for key, _ in found] == ["ok"]


def test_writes_updates_and_deletes_show_in_the_next_search(client):
    name = create(client)
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "emb": vector(0, 0, 0)})
    client.put_item(TableName=name, Item={"pk": {"S": "b"}, "emb": vector(5, 5, 5)})
    assert search(client, name, [0, 0, 0], top_k=1)[0][0] == "a"
    client.update_item(TableName=name, Key={"pk": {"S": "a"}},
                       UpdateExpression="SET emb = :v", ExpressionAttributeValues={
                           ":v": vector(9, 9, 9)})
    assert search(client, name, [0, 0, 0], top_k=1)[0][0] == "b"
    client.update_item(TableName=name, Key={"pk": {"S": "b"}}, UpdateExpression="REMOVE emb")
    assert [key for key, _ in search(client, name, [0, 0, 0])] == ["a"]
    client.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    assert search(client, name, [0, 0, 0]) == []


def test_transactions_keep_the_index_in_step(client):
    name = create(client)
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": f"t{n}"}, "emb": vector(n, n, n)}}}
        for n in range(3)])
    assert [key for key, _ in search(client, name, [0, 0, 0])] == ["t0", "t1", "t2"]


# Search -----------------------------------------------------------------------

@pytest.mark.parametrize("distance,expected", [
    ("EUCLIDEAN", ["near", "mid", "far"]),
    ("COSINE", ["near", "mid", "far"]),
    ("DOT_PRODUCT", ["far", "mid", "near"])])
def test_order_by_distance_function(client, distance, expected):
    name = create(client, vector_index(distance=distance))
    rows = {"near": [1, 0, 0], "mid": [2, 2, 0], "far": [3, 5, 0]}
    for key, values in rows.items():
        client.put_item(TableName=name, Item={"pk": {"S": key}, "emb": vector(*values)})
    found = search(client, name, [1, 0, 0])
    assert [key for key, _ in found] == expected
    assert [score for _, score in found] == pytest.approx(
        [score for _, score in brute_force(distance, [1, 0, 0], rows, 10)])


def test_cosine_scores_range_from_zero_to_two(client):
    name = create(client, vector_index(distance="COSINE"))
    client.put_item(TableName=name, Item={"pk": {"S": "same"}, "emb": vector(2, 0, 0)})
    client.put_item(TableName=name, Item={"pk": {"S": "opposite"}, "emb": vector(-1, 0, 0)})
    assert search(client, name, [1, 0, 0]) == [("same", pytest.approx(0.0)),
                                                ("opposite", pytest.approx(2.0))]


def test_top_k_limits_results(client):
    name = create(client)
    for number in range(12):
        client.put_item(TableName=name, Item={"pk": {"S": f"i{number:02}"},
                                              "emb": vector(number, 0, 0)})
    assert [key for key, _ in search(client, name, [0, 0, 0], top_k=3)] == [
        "i00", "i01", "i02"]


def test_search_partition_and_inline_filter(client):
    name = create(client, vector_index(schema=CATEGORY), extra_definitions=CATEGORY_TYPES)
    rows = [("a", "shoes", "red", [0, 0, 0]), ("b", "shoes", "blue", [1, 0, 0]),
            ("c", "hats", "red", [0, 0, 0]), ("d", "shoes", "red", [3, 0, 0])]
    for key, cat, color, values in rows:
        client.put_item(TableName=name, Item={"pk": {"S": key}, "cat": {"S": cat},
                                              "color": {"S": color}, "emb": vector(*values)})
    client.put_item(TableName=name, Item={"pk": {"S": "nocat"}, "emb": vector(0, 0, 0)})
    found = search(client, name, [0, 0, 0], SearchConditionExpression="cat = :c",
                   ExpressionAttributeValues={":c": {"S": "shoes"}})
    assert [key for key, _ in found] == ["a", "b", "d"]
    found = search(client, name, [0, 0, 0],
                   SearchConditionExpression="#c = :c AND color = :red",
                   ExpressionAttributeNames={"#c": "cat"},
                   ExpressionAttributeValues={":c": {"S": "shoes"}, ":red": {"S": "red"}})
    assert [key for key, _ in found] == ["a", "d"]


def test_hash_key_is_required_in_the_condition(client):
    name = create(client, vector_index(schema=CATEGORY), extra_definitions=CATEGORY_TYPES)
    code, message = error_of(client.search_vectors, TableName=name, IndexName="vec", TopK=1,
                             SearchVector=[{"N": "1"}] * 3)
    assert (code, message) == ("ValidationException", "SearchConditionExpression must be "
                               "provided when SearchSchema has a HASH key")


@pytest.mark.parametrize("condition", ["cat < :c", "cat = :c OR cat = :c",
                                       "begins_with(cat, :c)", "NOT cat = :c"])
def test_only_equality_is_supported(client, condition):
    name = create(client, vector_index(schema=CATEGORY), extra_definitions=CATEGORY_TYPES)
    code, message = error_of(client.search_vectors, TableName=name, IndexName="vec", TopK=1,
                             SearchVector=[{"N": "1"}] * 3, SearchConditionExpression=condition,
                             ExpressionAttributeValues={":c": {"S": "x"}})
    assert (code, message) == ("ValidationException",
                               "Invalid comparator used in SearchConditionExpression")


def test_condition_on_an_attribute_outside_the_schema(client):
    name = create(client, vector_index(schema=CATEGORY), extra_definitions=CATEGORY_TYPES)
    code, message = error_of(client.search_vectors, TableName=name, IndexName="vec", TopK=1,
                             SearchVector=[{"N": "1"}] * 3,
                             SearchConditionExpression="cat = :c AND size = :c",
                             ExpressionAttributeValues={":c": {"S": "x"}})
    assert code == "ValidationException" and "size" in message


def test_projection_expression_and_index_projection(client):
    name = create(client, vector_index(projection={"ProjectionType": "KEYS_ONLY"}),
                  vector_index("full"))
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "emb": vector(1, 2, 3),
                                          "title": {"S": "hello"}, "n": {"N": "4"}})
    keys_only = client.search_vectors(TableName=name, IndexName="vec", TopK=1,
                                      SearchVector=[{"N": "1"}] * 3)["SearchResults"]
    assert keys_only[0]["Item"] == {"pk": {"S": "a"}}
    projected = client.search_vectors(
        TableName=name, IndexName="full", TopK=1, SearchVector=[{"N": "1"}] * 3,
        ProjectionExpression="#t, n", ExpressionAttributeNames={"#t": "title"})
    assert projected["SearchResults"][0]["Item"] == {"title": {"S": "hello"}, "n": {"N": "4"}}


def test_consumed_capacity(client):
    name = create(client)
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "emb": vector(1, 2, 3)})
    answer = client.search_vectors(TableName=name, IndexName="vec", TopK=1,
                                   SearchVector=[{"N": "1"}] * 3,
                                   ReturnConsumedCapacity="TOTAL")
    assert answer["ConsumedCapacity"]["VectorSearchRequestBytes"] > 0
    plain = client.search_vectors(TableName=name, IndexName="vec", TopK=1,
                                  SearchVector=[{"N": "1"}] * 3)
    assert "ConsumedCapacity" not in plain


# Validation ---------------------------------------------------------------------

def test_top_k_range(client):
    name = create(client)
    code, message = error_of(client.search_vectors, TableName=name, IndexName="vec",
                             TopK=101, SearchVector=[{"N": "1"}] * 3)
    assert (code, message) == ("ValidationException", "Provided TopK value is out of valid range")


def test_search_vector_length_and_type(client):
    name = create(client)
    code, message = error_of(client.search_vectors, TableName=name, IndexName="vec", TopK=1,
                             SearchVector=[{"N": "1"}] * 2)
    assert code == "ValidationException" and "dimensions" in message
    code, _ = error_of(client.search_vectors, TableName=name, IndexName="vec", TopK=1,
                       SearchVector=[{"S": "1"}] * 3)
    assert code == "ValidationException"


def test_unknown_table_and_index(client):
    name = create(client)
    code, _ = error_of(client.search_vectors, TableName=unique_name("none"), IndexName="vec",
                       TopK=1, SearchVector=[{"N": "1"}] * 3)
    assert code == "ResourceNotFoundException"
    code, _ = error_of(client.search_vectors, TableName=name, IndexName="other", TopK=1,
                       SearchVector=[{"N": "1"}] * 3)
    assert code == "ResourceNotFoundException"


# Property: the search is exact ---------------------------------------------------------

coordinates = st.integers(min_value=-20, max_value=20).map(float)
vectors = st.lists(coordinates, min_size=DIMENSIONS, max_size=DIMENSIONS)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.dictionaries(st.text("abcdef", min_size=1, max_size=4), vectors, max_size=12),
       query=vectors, top_k=st.integers(1, 15),
       distance=st.sampled_from(["EUCLIDEAN", "COSINE", "DOT_PRODUCT"]))
def test_search_matches_brute_force(client, rows, query, top_k, distance):
    name = create(client, vector_index(distance=distance))
    for key, values in rows.items():
        client.put_item(TableName=name, Item={"pk": {"S": key}, "emb": vector(*values)})
    if distance == "COSINE" and not any(query):
        query = [1.0, 0.0, 0.0]
    found = search(client, name, query, top_k)
    expected = brute_force(distance, query, rows, top_k)
    # same scores in order; keys may swap only between equal scores
    assert [score for _, score in found] == pytest.approx(
        [score for _, score in expected], abs=1e-4)
    for (key, score), (_, expected_score) in zip(found, expected):
        assert brute_force(distance, query, {key: rows[key]}, 1)[0][1] == pytest.approx(
            score, abs=1e-4)
    client.delete_table(TableName=name)


def test_random_vectors_match_brute_force(client):
    generator = random.Random(7)
    name = create(client, vector_index(dimensions=8, distance="COSINE"))
    rows = {f"r{n}": [generator.uniform(-1, 1) for _ in range(8)] for n in range(60)}
    for key, values in rows.items():
        client.put_item(TableName=name, Item={"pk": {"S": key}, "emb": vector(*values)})
    query = [generator.uniform(-1, 1) for _ in range(8)]
    found = search(client, name, query, 10)
    assert [key for key, _ in found] == [key for key, _ in brute_force("COSINE", query,
                                                                        rows, 10)]


# Persistence: the index lives in the store ----------------------------------------------

TABLE_REQUEST = {"BillingMode": "PAY_PER_REQUEST",
                 "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                 "VectorIndexes": [vector_index()]}


def raw_search(db, **extra) -> list[str]:
    answer = db.call("SearchVectors", {"TableName": "vectors", "IndexName": "vec", "TopK": 5,
                                       "SearchVector": [{"N": "0"}] * 3, **extra})
    return [result["Item"]["pk"]["S"] for result in answer["SearchResults"]]


def test_another_engine_on_the_store_sees_the_index(tmp_path):
    """Nothing of the index lives in a process: an engine opened later on the
    same store (a restart, or another server) searches what the first wrote."""
    if support.BACKEND == "memory":
        pytest.skip("a memory store is not shared and ends with its process")
    with support.open_db(str(tmp_path), table_status_delay=0.0) as first:
        first.call("CreateTable", dict(TABLE_REQUEST, TableName="vectors"))
        first.call("PutItem", {"TableName": "vectors", "Item": {"pk": {"S": "a"},
                                                                "emb": vector(1, 0, 0)}})
    with support.open_db(str(tmp_path), table_status_delay=0.0) as second:
        assert raw_search(second) == ["a"]
        second.call("PutItem", {"TableName": "vectors", "Item": {"pk": {"S": "b"},
                                                                 "emb": vector(0, 0, 0)}})
    with support.open_db(str(tmp_path), table_status_delay=0.0) as third:
        assert raw_search(third) == ["b", "a"]


def test_top_k_below_one_is_refused_by_the_model(tmp_path):
    with support.open_db(str(tmp_path), table_status_delay=0.0) as db:
        db.call("CreateTable", dict(TABLE_REQUEST, TableName="vectors"))
        with pytest.raises(DynamoError) as caught:
            raw_search(db, TopK=0)
        assert caught.value.name == "ValidationException" and "topK" in caught.value.message
