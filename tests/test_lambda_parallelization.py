"""ParallelizationFactor on a DynamoDB stream's event source mapping, end to
end over HTTP and embedded, with a function created through the Lambda API
(its handler runs in execution environments of its own): one shard's
batches run at once, and each partition key's records still come in order,
exactly once."""
from __future__ import annotations

import json

from support import create_function, create_table, wait_for

SLOW_RECORDER = '''
import json, os, time
def handler(event, context):
    started = time.time()
    time.sleep(0.4)
    keys = [[r["dynamodb"]["Keys"]["pk"]["S"], int(r["dynamodb"]["Keys"]["sk"]["N"])]
            for r in event["Records"]]
    line = json.dumps({"start": started, "end": time.time(), "keys": keys,
                       "pid": os.getpid()}) + "\\n"
    with open(os.environ["OUT"], "a") as out:  # one short append: lines never interleave
        out.write(line)
'''
KEYS, VERSIONS = 8, 3


def batches(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def overlapping(runs: list[dict]) -> bool:
    """Whether two batches ran at the same time."""
    ordered = sorted(runs, key=lambda run: run["start"])
    return any(later["start"] < earlier["end"]
               for earlier, later in zip(ordered, ordered[1:]))


def test_parallelization_factor_runs_batches_of_one_shard_at_once_in_key_order(
        client, lambda_client, tmp_path):
    out = tmp_path / "batches.jsonl"
    table = create_table(client, "S", "N", StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    for version in range(VERSIONS):
        for key in range(KEYS):
            client.put_item(TableName=table, Item={"pk": {"S": f"k{key}"},
                                                   "sk": {"N": str(version)}})
    name = create_function(lambda_client, SLOW_RECORDER, Timeout=10,
                           Environment={"Variables": {"OUT": str(out)}})
    lambda_client.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON",
        BatchSize=2, ParallelizationFactor=4)
    wait_for(lambda: sum(len(run["keys"]) for run in batches(out)) >= KEYS * VERSIONS,
             seconds=30)
    runs = batches(out)
    seen = [tuple(key) for run in sorted(runs, key=lambda run: run["start"])
            for key in run["keys"]]
    assert sorted(seen) == sorted((f"k{k}", v) for k in range(KEYS) for v in range(VERSIONS))
    for key in range(KEYS):  # per partition key: in order, each record once
        assert [v for k, v in seen if k == f"k{key}"] == list(range(VERSIONS))
    assert overlapping(runs), "no two batches of the shard ran at once"
    assert len({run["pid"] for run in runs}) > 1  # several execution environments
