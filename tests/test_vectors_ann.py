"""Approximate vector search (dynamodb/vectors/approximate.py) at small
scale, with the exact threshold lowered so that partitions of a few hundred
vectors get graphs: recall against a brute-force search, exact scores,
search conditions that fall back to the exact search, writes, updates and
deletes seen by the next search, a restart that loads the saved graph and
catches up instead of rebuilding, and backups/restores that keep vector
indexes. boto3 over HTTP (a server of its own) and embedded."""
from __future__ import annotations

import random

import pytest
import support
from support import error_of, open_db, start_server, unique_name, wait_for
from test_vectors import brute_force, vector

THRESHOLD = 100
DIMENSIONS = 8
# graphs built within the search that finds a partition large, so the next one uses it
SETTINGS = {"vector_ann_threshold": THRESHOLD, "vector_build_in_background": False}
CATEGORY = [{"AttributeName": "cat", "SearchSchemaElementType": "HASH"},
            {"AttributeName": "color", "SearchSchemaElementType": "INLINE_FILTER"}]
CATEGORY_TYPES = [{"AttributeName": "cat", "AttributeType": "S"},
                  {"AttributeName": "color", "AttributeType": "S"}]


@pytest.fixture(scope="module")
def ann_server(tmp_path_factory):
    process, url = start_server(str(tmp_path_factory.mktemp("ann-server")),
                                env={"DYNALITE_VECTOR_ANN_THRESHOLD": str(THRESHOLD),
                                     "DYNALITE_VECTOR_BUILD_IN_BACKGROUND": "false"})
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def ann_db(tmp_path_factory):
    db = open_db(str(tmp_path_factory.mktemp("ann-embedded")), **SETTINGS)
    yield db
    db.close()


@pytest.fixture(params=["http", "embedded"])
def client(request, ann_server, ann_db):
    if request.param == "http":
        return support.http_client(ann_server)
    return ann_db.client()


def clustered(count: int, seed: int) -> dict[str, list[float]]:
    """Vectors around a few centres, as embeddings cluster."""
    rng = random.Random(seed)
    centres = [[rng.gauss(0, 4) for _ in range(DIMENSIONS)] for _ in range(5)]
    return {f"k{i}": [c + rng.gauss(0, 1) for c in rng.choice(centres)] for i in range(count)}


def create(client, distance: str = "COSINE", schema: list[dict] | None = None) -> str:
    name = unique_name("ann")
    index = {"IndexName": "vec", "VectorAttribute": {"AttributeName": "emb"},
             "Dimensions": DIMENSIONS, "DistanceFunction": distance,
             "Projection": {"ProjectionType": "ALL"}}
    if schema is not None:
        index["SearchSchema"] = schema
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}] + (
            CATEGORY_TYPES if schema else []),
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], VectorIndexes=[index])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    return name


def fill(client, table: str, vectors: dict[str, list[float]], **extra: dict) -> None:
    keys = list(vectors)
    for first in range(0, len(keys), 25):
        client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": key}, "emb": vector(*vectors[key]),
                                     **{name: value(key) for name, value in extra.items()}}}}
            for key in keys[first:first + 25]]})


def search(client, table: str, query: list[float], top_k: int = 10,
           **extra) -> list[tuple[str, float]]:
    found = client.search_vectors(TableName=table, IndexName="vec", TopK=top_k,
                                  SearchVector=[{"N": repr(float(v))} for v in query], **extra)
    return [(result["Item"]["pk"]["S"], result["Score"]) for result in found["SearchResults"]]


def recall(client, table: str, vectors: dict[str, list[float]], distance: str,
           queries: list[list[float]]) -> float:
    """recall@10 against brute force; every returned score is exact."""
    hits = 0
    for query in queries:
        found = search(client, table, query)
        exact = brute_force(distance, query, vectors, 10)
        for key, score in found:
            assert score == pytest.approx(brute_force(distance, query, {key: vectors[key]}, 1)[
                0][1], rel=1e-4, abs=1e-4)
        assert [s for _, s in found] == sorted((s for _, s in found),
                                               reverse=distance == "DOT_PRODUCT")
        hits += len({key for key, _ in found} & {key for key, _ in exact})
    return hits / (10 * len(queries))


@pytest.mark.parametrize("distance", ["COSINE", "EUCLIDEAN", "DOT_PRODUCT"])
def test_recall_against_exact_search(client, distance):
    table = create(client, distance)
    vectors = clustered(400, seed=7)
    fill(client, table, vectors)
    rng = random.Random(3)
    queries = [[value + rng.gauss(0, 0.5) for value in vectors[f"k{rng.randrange(400)}"]]
               for _ in range(20)]
    search(client, table, queries[0])  # the exact search that builds the graph
    assert recall(client, table, vectors, distance, queries) >= 0.9


def test_graph_is_built_once_and_used(ann_db):
    client, graphs = ann_db.client(), ann_db.engine.vector_graphs
    table = create(client)
    small = clustered(THRESHOLD - 1, seed=1)
    fill(client, table, small)
    builds = graphs.builds
    search(client, table, small["k0"])
    assert graphs.builds == builds  # below the threshold: exact, no graph
    fill(client, table, {"extra": small["k1"]})
    search(client, table, small["k0"])
    assert graphs.builds == builds + 1
    search(client, table, small["k2"])
    assert graphs.builds == builds + 1


def test_a_graph_built_in_the_background_takes_over(tmp_path):
    with open_db(str(tmp_path / "data"), vector_ann_threshold=THRESHOLD) as db:
        client, graphs = db.client(), db.engine.vector_graphs
        table = create(client, "EUCLIDEAN")
        vectors = clustered(200, seed=12)
        fill(client, table, vectors)
        assert search(client, table, vectors["k1"], 1) == [("k1", 0.0)]  # exact; starts a build
        graphs.wait_for_builds()
        assert graphs.builds == 1
        client.put_item(TableName=table, Item={"pk": {"S": "late"}, "emb": vector(
            *[9.0] * DIMENSIONS)})
        assert search(client, table, [9.0] * DIMENSIONS, 1) == [("late", 0.0)]
        assert graphs.changes_applied == 1  # the graph answered, caught up


def test_writes_updates_and_deletes_show_in_the_next_search(client):
    table = create(client, "EUCLIDEAN")
    vectors = clustered(300, seed=11)
    fill(client, table, vectors)
    query = vectors["k5"]
    assert search(client, table, query, 1) == [("k5", 0.0)]  # builds the graph
    client.delete_item(TableName=table, Key={"pk": {"S": "k5"}})
    assert "k5" not in {key for key, _ in search(client, table, query, 10)}
    moved = [value + 100 for value in query]
    client.put_item(TableName=table, Item={"pk": {"S": "k6"}, "emb": vector(*moved)})
    assert search(client, table, moved, 1) == [("k6", 0.0)]
    client.update_item(TableName=table, Key={"pk": {"S": "k7"}},
                       UpdateExpression="REMOVE emb")  # leaves the index
    assert "k7" not in {key for key, _ in search(client, table, vectors["k7"], 10)}
    client.put_item(TableName=table, Item={"pk": {"S": "new"}, "emb": vector(*query)})
    assert search(client, table, query, 1) == [("new", 0.0)]
    del vectors["k5"], vectors["k7"]
    vectors.update(k6=moved, new=query)
    assert recall(client, table, vectors, "EUCLIDEAN", [vectors[f"k{i}"] for i in range(
        10, 20)]) >= 0.9


def test_search_conditions_are_exact_when_few_survive(client):
    table = create(client, "EUCLIDEAN", CATEGORY)
    vectors = clustered(300, seed=5)
    rare = {f"k{i}" for i in range(0, 300, 60)}  # 5 items

    def color(key: str) -> dict:
        return {"S": "red" if key in rare else "blue"}
    fill(client, table, vectors, cat=lambda key: {"S": "a"}, color=color)
    condition = {"SearchConditionExpression": "cat = :c AND color = :r",
                 "ExpressionAttributeValues": {":c": {"S": "a"}, ":r": {"S": "red"}}}
    search(client, table, vectors["k1"], **condition)  # builds the graph
    for query in (vectors["k1"], vectors["k100"], [0.0] * DIMENSIONS):
        found = search(client, table, query, 10, **condition)
        exact = brute_force("EUCLIDEAN", query, {k: vectors[k] for k in rare}, 10)
        assert [key for key, _ in found] == [key for key, _ in exact]
    common = dict(condition, ExpressionAttributeValues={":c": {"S": "a"}, ":r": {"S": "blue"}})
    blue = {key: values for key, values in vectors.items() if key not in rare}
    for query in (vectors["k1"], vectors["k100"]):
        found = search(client, table, query, 10, **common)
        exact = brute_force("EUCLIDEAN", query, blue, 10)
        assert {key for key, _ in found} <= set(blue)
        assert len({key for key, _ in found} & {key for key, _ in exact}) >= 8


def test_restart_loads_the_saved_graph_and_catches_up(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing across a restart")
    path, cache = str(tmp_path / "data"), str(tmp_path / "graphs")
    settings = dict(SETTINGS, vector_cache_dir=cache)
    vectors = clustered(300, seed=9)
    with open_db(path, **settings) as db:
        client = db.client()
        table = create(client, "EUCLIDEAN")
        fill(client, table, vectors)
        search(client, table, vectors["k0"])
        assert db.engine.vector_graphs.builds == 1
        # written after the graph was saved, never searched before the restart
        client.put_item(TableName=table, Item={"pk": {"S": "before"}, "emb": vector(
            *[50.0] * DIMENSIONS)})
    with open_db(path, **settings) as db:
        client, graphs = db.client(), db.engine.vector_graphs
        client.put_item(TableName=table, Item={"pk": {"S": "after"}, "emb": vector(
            *[-50.0] * DIMENSIONS)})
        client.delete_item(TableName=table, Key={"pk": {"S": "k3"}})
        assert search(client, table, [50.0] * DIMENSIONS, 1) == [("before", 0.0)]
        assert (graphs.loads, graphs.builds) == (1, 0)
        assert graphs.changes_applied == 3
        assert search(client, table, [-50.0] * DIMENSIONS, 1) == [("after", 0.0)]
        assert "k3" not in {key for key, _ in search(client, table, vectors["k3"], 10)}


def test_a_torn_saved_graph_is_rebuilt(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing across a restart")
    path, cache = str(tmp_path / "data"), tmp_path / "graphs"
    settings = dict(SETTINGS, vector_cache_dir=str(cache))
    vectors = clustered(200, seed=2)
    with open_db(path, **settings) as db:
        table = create(db.client(), "EUCLIDEAN")
        fill(db.client(), table, vectors)
        search(db.client(), table, vectors["k0"])
    saved = next(cache.glob("*.hnsw"))
    saved.write_bytes(saved.read_bytes()[:100])
    with open_db(path, **settings) as db:
        assert search(db.client(), table, vectors["k4"], 1) == [("k4", 0.0)]
        assert (db.engine.vector_graphs.loads, db.engine.vector_graphs.builds) == (0, 1)


def backup_of(client, table: str) -> str:
    arn = client.create_backup(TableName=table, BackupName="vectors")["BackupDetails"][
        "BackupArn"]
    wait_for(lambda: client.describe_backup(BackupArn=arn)["BackupDescription"][
        "BackupDetails"]["BackupStatus"] == "AVAILABLE")
    return arn


def restored(client, arn: str, **extra) -> dict:
    target = unique_name("restored")
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn, **extra)
    return support.active_table(client, target)


def test_restore_from_backup_keeps_vector_indexes(client):
    table = create(client, "EUCLIDEAN", CATEGORY)
    vectors = clustered(150, seed=4)
    fill(client, table, vectors, cat=lambda key: {"S": "a"}, color=lambda key: {"S": "red"})
    arn = backup_of(client, table)
    features = client.describe_backup(BackupArn=arn)["BackupDescription"][
        "SourceTableFeatureDetails"]
    assert [(i["IndexName"], i["Dimensions"], i["SearchSchema"]) for i in features[
        "VectorIndexes"]] == [("vec", DIMENSIONS, CATEGORY)]
    target = restored(client, arn)
    [index] = target["VectorIndexes"]
    assert (index["IndexName"], index["IndexStatus"], index["ItemCount"]) == ("vec", "ACTIVE",
                                                                              150)
    assert {d["AttributeName"] for d in target["AttributeDefinitions"]} == {"pk", "cat", "color"}
    condition = {"SearchConditionExpression": "cat = :c",
                 "ExpressionAttributeValues": {":c": {"S": "a"}}}
    for key in ("k0", "k77"):
        assert search(client, target["TableName"], vectors[key], 5, **condition) == search(
            client, table, vectors[key], 5, **condition)
    assert "VectorIndexes" not in restored(client, arn, VectorIndexOverride=[])
    code, message = error_of(
        client.restore_table_from_backup, TargetTableName=unique_name(), BackupArn=arn,
        VectorIndexOverride=[dict(features["VectorIndexes"][0], IndexName="other")])
    assert code == "ValidationException" and "Vector index other does not match" in message


def test_point_in_time_restore_keeps_vector_indexes(client):
    table = create(client, "EUCLIDEAN")
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    vectors = clustered(120, seed=6)
    fill(client, table, vectors)
    target = unique_name("pitr")
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                          UseLatestRestorableTime=True)
    support.active_table(client, target)
    assert search(client, target, vectors["k9"], 3) == search(client, table, vectors["k9"], 3)


def test_without_hnswlib_every_search_is_exact(ann_db, monkeypatch):
    """The "ann" extra is optional: without it, searches stay exact."""
    graphs = ann_db.engine.vector_graphs
    monkeypatch.setattr(graphs, "enabled", False)
    client = ann_db.client()
    table = create(client, "EUCLIDEAN")
    vectors = clustered(150, seed=8)
    fill(client, table, vectors)
    builds = graphs.builds
    for key in ("k1", "k2"):
        found = search(client, table, vectors[key], 10)
        exact = brute_force("EUCLIDEAN", vectors[key], vectors, 10)
        assert [k for k, _ in found] == [k for k, _ in exact]
        assert [s for _, s in found] == pytest.approx([s for _, s in exact], abs=1e-4)
    assert graphs.builds == builds



def test_writes_report_vector_write_request_bytes(client):
    table = create(client, "EUCLIDEAN")
    item = {"pk": {"S": "a"}, "emb": vector(*[1.0] * DIMENSIONS)}
    capacity = client.put_item(TableName=table, Item=item, ReturnConsumedCapacity="INDEXES")[
        "ConsumedCapacity"]
    written = capacity["VectorIndexes"]["vec"]["VectorWriteRequestBytes"]
    assert written > DIMENSIONS * 4
    assert "VectorIndexes" not in client.put_item(
        TableName=table, Item=item, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    unchanged = client.put_item(TableName=table, Item=item, ReturnConsumedCapacity="INDEXES")
    assert "VectorIndexes" not in unchanged["ConsumedCapacity"]  # the entry did not change
    bigger = dict(item, note={"S": "x" * 100})
    capacity = client.put_item(TableName=table, Item=bigger, ReturnConsumedCapacity="INDEXES")[
        "ConsumedCapacity"]
    assert capacity["VectorIndexes"]["vec"]["VectorWriteRequestBytes"] > written + 100
    no_vector = client.put_item(TableName=table, Item={"pk": {"S": "b"}},
                                ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert "VectorIndexes" not in no_vector


@pytest.mark.postgres_only("two servers on one store")
def test_another_server_writes_show_in_this_servers_graph(tmp_path):
    path = str(tmp_path / "shared")
    with open_db(path, **SETTINGS) as first, open_db(path, **SETTINGS) as second:
        table = create(first.client(), "EUCLIDEAN")
        vectors = clustered(200, seed=13)
        fill(first.client(), table, vectors)
        search(first.client(), table, vectors["k0"])
        assert first.engine.vector_graphs.builds == 1
        second.client().put_item(TableName=table, Item={"pk": {"S": "theirs"}, "emb": vector(
            *[7.0] * DIMENSIONS)})
        second.client().delete_item(TableName=table, Key={"pk": {"S": "k8"}})
        assert search(first.client(), table, [7.0] * DIMENSIONS, 1) == [("theirs", 0.0)]
        assert "k8" not in {key for key, _ in search(first.client(), table, vectors["k8"], 10)}
        assert first.engine.vector_graphs.changes_applied == 2
