"""Powertools for AWS Lambda (Python; the test extra) on our streams: a
function run by our Lambda runtime from an event source mapping parses its
batches with DynamoDBStreamEvent and processes them with BatchProcessor,
reporting a partial failure that the mapping retries from; records read
with GetRecords parse as the same event. Store-independent, so run once."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from compat_tools import python_library
from support import create_function, create_table, http_client, read_stream, wait_for

pytestmark = pytest.mark.lmdb_only("drives the server over HTTP; the store under it is not tested")

# fails "poison" once (a marker file remembers), records every record it processed
HANDLER = '''
import json, os
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record):
    key = record.dynamodb.keys["pk"]
    marker = os.environ["OUT"] + ".failed-once"
    if key == "poison" and not os.path.exists(marker):
        open(marker, "w").close()
        raise ValueError("poison, the first time")
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps({"pk": key, "event": record.event_name.name,
                              "n": int(record.dynamodb.new_image.get("n", 0))}) + "\\n")


def handler(event, context):
    parsed = DynamoDBStreamEvent(event)
    assert all(r.event_source == "aws:dynamodb" for r in parsed.records)
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)
'''


def processed(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_batch_processor_reports_a_partial_failure_the_mapping_retries(server_url, tmp_path):
    python_library("aws_lambda_powertools")
    client, lambda_client = http_client(server_url), http_client(server_url, "lambda")
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "NEW_AND_OLD_IMAGES"})
    out = tmp_path / "processed.jsonl"
    name = create_function(lambda_client, HANDLER, Handler="lambda_function.handler",
                           Timeout=30, Environment={"Variables": {"OUT": str(out)}})
    for number, key in enumerate(("a", "b", "poison", "c")):
        client.put_item(TableName=table, Item={"pk": {"S": key}, "n": {"N": str(number)}})
    lambda_client.create_event_source_mapping(
        EventSourceArn=client.describe_table(TableName=table)["Table"]["LatestStreamArn"],
        FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"])
    wait_for(lambda: any(entry["pk"] == "poison" for entry in processed(out)), 30)
    seen = processed(out)
    # the first batch: a, b, c processed and poison reported; the retry starts at
    # poison (its sequence number), so c comes again after it
    assert [entry["pk"] for entry in seen] == ["a", "b", "c", "poison", "c"]
    assert {entry["event"] for entry in seen} == {"INSERT"}
    assert [entry["n"] for entry in seen] == [0, 1, 3, 2, 3]


def test_get_records_parse_as_a_stream_event(server_url):
    python_library("aws_lambda_powertools")
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
        DynamoDBRecordEventName,
        DynamoDBStreamEvent,
        StreamViewType,
    )
    client = http_client(server_url)
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "NEW_AND_OLD_IMAGES"})
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "tags": {"SS": ["x"]},
                                           "n": {"N": "1.5"}})
    client.update_item(TableName=table, Key={"pk": {"S": "k"}},
                       UpdateExpression="SET n = :two", ExpressionAttributeValues={":two": {"N": "2"}})
    client.delete_item(TableName=table, Key={"pk": {"S": "k"}})
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    raw = read_stream(http_client(server_url, "dynamodbstreams"), arn)
    # the wire form Lambda passes on: GetRecords' records, dates as epoch seconds
    wire = json.loads(json.dumps({"Records": [dict(r, eventSourceARN=arn) for r in raw]},
                                 default=lambda moment: moment.timestamp()))
    records = list(DynamoDBStreamEvent(wire).records)
    assert [r.event_name for r in records] == [DynamoDBRecordEventName.INSERT,
                                              DynamoDBRecordEventName.MODIFY,
                                              DynamoDBRecordEventName.REMOVE]
    inserted, modified, removed = (r.dynamodb for r in records)
    assert inserted.stream_view_type == StreamViewType.NEW_AND_OLD_IMAGES
    assert inserted.new_image == {"pk": "k", "tags": {"x"}, "n": Decimal("1.5")}
    assert modified.old_image["n"] == modified.new_image["n"] - Decimal("0.5")
    assert removed.keys == {"pk": "k"} and removed.new_image == {}
    assert int(inserted.sequence_number) < int(removed.sequence_number)
    assert inserted.size_bytes > 0 and inserted.approximate_creation_date_time
