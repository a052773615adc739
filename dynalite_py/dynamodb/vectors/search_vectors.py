"""SearchVectors: the TopK items of a vector index nearest to a query
vector, with their scores (scoring.py), in one partition of the index's
SearchSchema HASH attribute when it has one, filtered by equality on its
INLINE_FILTER attributes (SearchConditionExpression). Reads are eventually
consistent, like a GSI's. A partition of at least
Config.vector_ann_threshold vectors is searched approximately
(approximate.py), a smaller one exactly. Rules and messages from the API
reference and the Developer Guide's "Troubleshooting vector indexes"."""
from __future__ import annotations

from ...errors import resource_not_found, validation_error
from ...expressions import RequestExpressions
from ...expressions.projection import project
from ...model.values import item_size
from ...storage.vectors import partition_prefix
from .approximate import Found
from .definitions import is_backfilling
from .scoring import top_k
from .vector_index import VectorIndex

NAME = "SearchVectors"
READ_ONLY = True
MAX_TOP_K = 100
EXPRESSIONS = ["SearchConditionExpression", "ProjectionExpression"]
HASH_REQUIRED = "SearchConditionExpression must be provided when SearchSchema has a HASH key"
BAD_COMPARATOR = "Invalid comparator used in SearchConditionExpression"


def run(engine, request: dict) -> dict:
    if not 1 <= request["TopK"] <= MAX_TOP_K:
        raise validation_error("Provided TopK value is out of valid range")
    expressions = RequestExpressions.parse(request, EXPRESSIONS, [])
    paths = expressions.projection_paths()
    with engine.snapshot(False) as txn:
        table = engine.catalog.active(txn, request["TableName"], snapshot=True)
        index = searched_index(table, request["IndexName"])
        query = query_vector(index, request["SearchVector"])
        wanted = search_equalities(index, expressions)
        prefix = partition_prefix(index.id, [wanted[index.hash_name]] if index.hash_name else [])
        found = engine.vector_graphs.search(txn, engine.repos.vectors, table.record["TableId"],
                                            index, prefix, query, wanted, request["TopK"])
        if found is None:
            found = exact_search(engine, txn, table, index, prefix, query, wanted,
                                 request["TopK"])
    best, examined = found
    results = [{"Item": project(entry.item, paths), "Score": score} for entry, score in best]
    response: dict = {"SearchResults": results}
    if request.get("ReturnConsumedCapacity", "NONE") != "NONE":
        response["ConsumedCapacity"] = {"VectorSearchRequestBytes": float(
            search_bytes(index, examined, [result["Item"] for result in results]))}
    return response


def exact_search(engine, txn, table, index: VectorIndex, prefix: bytes, query: list[float],
                 wanted: dict[str, dict], count: int) -> tuple[Found, int]:
    """Every entry of the partition scored (numpy); a partition large
    enough gets its approximate-search graph from what was read."""
    partition = list(engine.repos.vectors.partition(txn, prefix))
    engine.vector_graphs.offer(txn, engine.repos.vectors, table.record["TableId"], index,
                               prefix, partition)
    candidates = [entry for _, entry in partition
                  if all(entry.searched.get(name) == value for name, value in wanted.items())]
    best = top_k(index.distance, query, [entry.vector for entry in candidates], count)
    return [(candidates[position], score) for position, score in best], len(candidates)


def searched_index(table, name: str) -> VectorIndex:
    index = next((index for index in table.vector_indexes if index.name == name), None)
    if index is None:
        raise resource_not_found(f"Requested resource not found: Index: {name} not found")
    if is_backfilling(table, name):
        raise validation_error(f"Cannot search backfilling vector index: {name}")
    return index


def query_vector(index: VectorIndex, elements: list[dict]) -> list[float]:
    """The SearchVector as floats: Dimensions numbers, nothing else."""
    if len(elements) != index.dimensions:
        raise validation_error(f"SearchVector has {len(elements)} dimensions but the vector "
                               f"index {index.name} has {index.dimensions}")
    try:
        values = [float(element["N"]) for element in elements]
    except (KeyError, TypeError, ValueError):
        raise validation_error("SearchVector must contain only numbers (type N)") from None
    if index.distance == "COSINE" and not any(values):
        raise validation_error("SearchVector must not be a zero vector with the COSINE "
                               "distance function")
    return values


def search_equalities(index: VectorIndex, expressions: RequestExpressions) -> dict[str, dict]:
    """{attribute: value} that SearchConditionExpression asks for: equalities
    on search-schema attributes joined by AND, the HASH attribute among them."""
    tree = expressions.trees.get("SearchConditionExpression")
    found: dict[str, dict] = {}
    if tree is not None:
        _collect_equalities(tree, index, expressions, found)
    if index.hash_name is not None and index.hash_name not in found:
        raise validation_error(HASH_REQUIRED)
    return found


def _collect_equalities(node: tuple, index: VectorIndex, expressions: RequestExpressions,
                        found: dict[str, dict]) -> None:
    if node[0] == "and":
        _collect_equalities(node[1], index, expressions, found)
        _collect_equalities(node[2], index, expressions, found)
        return
    if node[0] != "compare" or node[1] != "=":
        raise validation_error(BAD_COMPARATOR)
    path, value = (node[2], node[3]) if node[2][0] == "path" else (node[3], node[2])
    if path[0] != "path" or value[0] != ":":
        raise validation_error(BAD_COMPARATOR)
    elements = expressions.scope.elements(path)
    name = elements[0]
    if len(elements) != 1 or name not in index.searchable_names:
        raise validation_error("SearchConditionExpression can only use attributes of the "
                               f"SearchSchema of index {index.name}: {name}")
    wanted = expressions.scope.values[value[1]]
    if name in found and found[name] != wanted:
        raise validation_error(f"SearchConditionExpression names attribute {name} more "
                               "than once")
    found[name] = wanted


def search_bytes(index: VectorIndex, examined: int, returned: list[dict]) -> int:
    """VectorSearchRequestBytes: the vector data examined (every candidate,
    exactly) and the data returned (AWS: "scales with the size of the vector
    data the search examines and returns")."""
    return examined * index.dimensions * 4 + sum(item_size(item) for item in returned)
