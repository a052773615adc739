"""An application as a test suite meets it: it makes its own boto3 clients,
one at import time and others at call time, with no endpoint_url, region
or credentials of its own (the environment says the region).
tests/test_mock_aws.py tests it unchanged under dynalite_py.mock_aws."""
import boto3
from boto3.dynamodb.conditions import Key

dynamodb = boto3.resource("dynamodb")  # at import time, as many applications do
orders = dynamodb.Table("orders")


def create_schema() -> None:
    client = boto3.client("dynamodb")  # at call time
    client.create_table(
        TableName="orders", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"},
                   {"AttributeName": "order_id", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                              {"AttributeName": "order_id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    client.get_waiter("table_exists").wait(TableName="orders",
                                           WaiterConfig={"Delay": 0.01})


def place_order(customer: str, order_id: str, total: int) -> None:
    orders.put_item(Item={"customer": customer, "order_id": order_id, "total": total},
                    ConditionExpression="attribute_not_exists(order_id)")


def orders_of(customer: str) -> list[dict]:
    return orders.query(KeyConditionExpression=Key("customer").eq(customer))["Items"]


def order_events() -> list[str]:
    """The stream's event names, oldest first (a DynamoDB Streams client)."""
    streams = boto3.client("dynamodbstreams")
    arn = dynamodb.meta.client.describe_table(TableName="orders")["Table"]["LatestStreamArn"]
    events = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        events += [record["eventName"] for record in
                   streams.get_records(ShardIterator=iterator)["Records"]]
    return events


def notify(customer: str) -> dict:
    """Invoke the "notifier" Lambda function (a Lambda client)."""
    import json
    answer = boto3.client("lambda").invoke(FunctionName="notifier",
                                           Payload=json.dumps({"customer": customer}))
    return json.loads(answer["Payload"].read())
