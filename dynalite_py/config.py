"""Engine settings, from arguments or DYNALITE_* environment variables."""
from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields

# The LMDB backend's map: address space only (the map is read-only; the file
# grows as data does), so a large default costs nothing and the data can
# grow until the disk is full.
DEFAULT_MAP_SIZE = 1 << 40


@dataclass
class Config:
    region: str = "us-east-1"
    account_id: str = "000000000000"
    # Namespaces (dynalite_py/namespaces.py): each request sees the tables,
    # streams, functions and queues of its own account and region; the
    # engine's account and region above are the default namespace. True: one
    # namespace for every request, whatever its credentials (DynamoDB
    # Local's -sharedDb). `accounts`: access key id -> account id
    # (DYNALITE_ACCOUNTS="KEY=111122223333,..."); other keys: account_id.
    shared_namespace: bool = False
    accounts: dict = field(default_factory=dict)
    # where this engine is served (set by `serve`): functions' AWS SDK calls go there
    endpoint_url: str = ""
    # Seconds a table spends CREATING / UPDATING / DELETING before it settles.
    # Small by default so tests are quick; raise it to exercise waiters.
    table_status_delay: float = 0.005
    durability: str = "process"  # "process" or "fsync", see storage/lmdb/store.py
    # Streams: an open shard is closed and followed by a child once it is
    # this old (seconds); records older than the retention period are trimmed.
    stream_shard_rollover: float = 4 * 3600.0
    stream_retention: float = 24 * 3600.0
    # Eventually consistent reads (and all GSI reads) may be served from a
    # snapshot up to this many seconds old; 0 means every read is fresh.
    consistency_lag: float = 0.0
    # Global tables: a change reaches the other replicas no sooner than this
    # many seconds after it was written (a simulated cross-region delay).
    replication_lag: float = 0.0
    # Provisioned-throughput throttling (off by default): token buckets per
    # table and GSI holding burst_seconds of unused capacity; on-demand
    # tables are limited to on_demand_quota units per second.
    throttling: bool = False
    burst_seconds: float = 300.0
    on_demand_quota: float = 40000.0
    # Trigger bridge: how often idle mappings poll their streams, and the
    # back-off after a failed batch (doubling from base up to max seconds).
    bridge_poll_interval: float = 0.1
    bridge_retry_base: float = 1.0
    bridge_retry_max: float = 30.0
    # Lambda runtime: idle workers are stopped after this many seconds; a
    # cold start's init phase may take function_init_timeout (Lambda's 10 s)
    # plus the function's Timeout; Event invocations retry a function error
    # after 1 and 2 minutes (AWS's), a throttle after 1 s doubling to 5 min,
    # each times async_retry_scale (lower it to test retries in seconds).
    function_idle_seconds: float = 300.0
    function_init_timeout: float = 10.0
    async_retry_scale: float = 1.0
    # SQS: how often a long poll checks for messages sent by other processes
    # or servers, or made visible by time (a send in this process wakes it at once).
    queue_poll_interval: float = 0.1
    # Seconds between background sweeps (TTL expiry, stream trimming).
    sweep_interval: float = 1.0
    map_size: int = DEFAULT_MAP_SIZE
    # A PostgreSQL store: the most connections one engine (server process)
    # keeps open to the database.
    store_connections: int = 20
    # PostgreSQL streaming replicas serving eventually consistent reads
    # (DYNALITE_READ_REPLICAS: comma-separated URLs), each while it lags at
    # most replica_max_lag seconds behind
    read_replicas: tuple = ()
    replica_max_lag: float = 5.0
    # Tables with LSIs: the most one partition key's items and LSI entries
    # may hold (DynamoDB's 10 GB; lower it to test the limit).
    item_collection_limit: int = 10 * (1 << 30)
    # Where ExportTableToPointInTime writes and ImportTable reads (an
    # S3-protocol endpoint, e.g. moto or MinIO); empty: AWS's S3 for the region
    s3_endpoint: str = ""
    # SearchVectors: a vector-index partition of at least this many vectors
    # is searched approximately (an HNSW graph, hnswlib from the "ann"
    # extra), a smaller one exactly; graphs are saved in vector_cache_dir
    # (empty: "vector-graphs" inside an LMDB data directory; with the memory
    # or PostgreSQL backend, nowhere: each server builds them on first use)
    vector_ann_threshold: int = 10_000
    vector_cache_dir: str = ""
    # a graph is built on a thread while searches stay exact; False builds
    # it within the search that found the partition large (tests)
    vector_build_in_background: bool = True
    # Where Kinesis streaming destinations are delivered (PutRecords to a
    # Kinesis-protocol endpoint, e.g. moto or LocalStack); empty: AWS's
    # Kinesis for the region
    kinesis_endpoint: str = ""

    @classmethod
    def from_env(cls, **overrides) -> "Config":
        """Defaults, then DYNALITE_<FIELD> environment variables, then overrides."""
        values = {}
        for item in fields(cls):
            raw = os.environ.get("DYNALITE_" + item.name.upper())
            if raw is not None:
                default = item.default_factory() if item.default is MISSING else item.default
                values[item.name] = _parse(raw, type(default))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _parse(raw: str, kind: type):
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind is dict:  # "key=value,key=value"
        pairs = (part.split("=", 1) for part in raw.split(",") if "=" in part)
        return {key.strip(): value.strip() for key, value in pairs}
    return kind(raw)
