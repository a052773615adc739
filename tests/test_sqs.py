"""SQS on the same endpoint, with boto3's sqs client over HTTP and embedded:
queues and their attributes, sending and receiving, visibility timeouts and
redelivery, long polling, redrive to a dead-letter queue, batches, AWS's
errors (with their query-protocol codes), restarts and several consumers."""
from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading
import time

import pytest
import support
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import NO_RETRIES, http_client, signed_server, start_server, unique_name, wait_for

ACCOUNT = "000000000000"


@pytest.fixture
def sqs(client, server_url, embedded_db):
    """A boto3 SQS client on the same transport as `client`."""
    if client.meta.endpoint_url == server_url:
        return http_client(server_url, "sqs")
    return embedded_db.client("sqs", config=NO_RETRIES)


def new_queue(sqs, **attributes) -> str:
    return sqs.create_queue(QueueName=unique_name("q"),
                            Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]


def arn_of(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]


def error_of(call, *args, **kwargs) -> dict:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value.response


def received(sqs, url: str, **kwargs) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])


def attributes_digest(attributes: dict) -> str:
    """AWS's MD5OfMessageAttributes, written from its documentation."""
    def field(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    data = b""
    for name in sorted(attributes):
        value = attributes[name]
        data += field(name.encode()) + field(value["DataType"].encode())
        if "BinaryValue" in value:
            data += b"\x02" + field(value["BinaryValue"])
        else:
            data += b"\x01" + field(value["StringValue"].encode())
    return hashlib.md5(data).hexdigest()


# Queues -------------------------------------------------------------------------

def test_queue_lifecycle_and_urls_follow_the_endpoint(sqs):
    name = unique_name("life")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{sqs.meta.endpoint_url}/{ACCOUNT}/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix=name)["QueueUrls"]
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url  # the same queue again
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"
    assert {key: attributes[key] for key in (
        "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod", "DelaySeconds",
        "ReceiveMessageWaitTimeSeconds", "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")} == {
        "VisibilityTimeout": "30", "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
        "ReceiveMessageWaitTimeSeconds": "0", "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0"}
    assert abs(int(attributes["CreatedTimestamp"]) - time.time()) < 60
    assert "FifoQueue" not in attributes and "RedrivePolicy" not in attributes
    sqs.delete_queue(QueueUrl=url)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=name)
    error = error_of(sqs.get_queue_url, QueueName=name)
    assert error["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
    assert error["Error"]["Message"] == "The specified queue does not exist."
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-amzn-query-error"] == \
        "AWS.SimpleQueueService.NonExistentQueue;Sender"
    recreated = error_of(sqs.create_queue, QueueName=name)["Error"]
    assert recreated["Code"] == "AWS.SimpleQueueService.QueueDeletedRecently"
    assert recreated["Message"] == ("You must wait 60 seconds after deleting a queue before "
                                    "you can create another with the same name.")


def test_a_missing_queue_is_queue_does_not_exist_everywhere(sqs):
    url = f"{sqs.meta.endpoint_url}/{ACCOUNT}/{unique_name('absent')}"
    calls = [(sqs.send_message, {"MessageBody": "x"}), (sqs.receive_message, {}),
             (sqs.get_queue_attributes, {"AttributeNames": ["All"]}),
             (sqs.set_queue_attributes, {"Attributes": {"DelaySeconds": "1"}}),
             (sqs.purge_queue, {}), (sqs.delete_queue, {}),
             (sqs.delete_message, {"ReceiptHandle": "aGk="}),
             (sqs.send_message_batch, {"Entries": [{"Id": "a", "MessageBody": "x"}]})]
    for call, arguments in calls:
        with pytest.raises(sqs.exceptions.QueueDoesNotExist):
            call(QueueUrl=url, **arguments)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):  # another account's queue
        sqs.get_queue_url(QueueName="x", QueueOwnerAWSAccountId="123456789012")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=f"{sqs.meta.endpoint_url}/123456789012/x", MessageBody="x")


def test_create_queue_with_other_attributes_is_queue_name_exists(sqs):
    name = unique_name("exists")
    sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "5"})
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    error = error_of(sqs.create_queue, QueueName=name, Attributes={"VisibilityTimeout": "6"})
    assert error["Error"]["Code"] == "QueueAlreadyExists"
    assert error["Error"]["QueryErrorCode"] == "QueueNameExists"
    assert error["Error"]["Message"] == ("A queue already exists with the same name and a "
                                         "different value for attribute VisibilityTimeout")


@pytest.mark.parametrize("attributes, code, message", [
    ({"Bogus": "1"}, "InvalidAttributeName", "Unknown Attribute Bogus."),
    ({"QueueArn": "x"}, "InvalidAttributeName", "Unknown Attribute QueueArn."),
    ({"ContentBasedDeduplication": "true"}, "InvalidAttributeName",
     "Unknown Attribute ContentBasedDeduplication."),
    ({"VisibilityTimeout": "43201"}, "InvalidAttributeValue",
     "Invalid value for the parameter VisibilityTimeout."),
    ({"DelaySeconds": "-1"}, "InvalidAttributeValue",
     "Invalid value for the parameter DelaySeconds."),
    ({"MaximumMessageSize": "1023"}, "InvalidAttributeValue",
     "Invalid value for the parameter MaximumMessageSize."),
    ({"MessageRetentionPeriod": "abc"}, "InvalidAttributeValue",
     "Invalid value for the parameter MessageRetentionPeriod."),
    ({"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue",
     "Invalid value for the parameter ReceiveMessageWaitTimeSeconds."),
    ({"RedrivePolicy": "{not json"}, "InvalidAttributeValue",
     "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid "
     "JSON map."),
    ({"RedrivePolicy": '{"maxReceiveCount": 3}'}, "InvalidAttributeValue",
     "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy does not contain "
     "mandatory attribute: deadLetterTargetArn."),
    ({"RedrivePolicy": '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:none", '
                       '"maxReceiveCount": 3}'}, "InvalidParameterValue",
     'Value {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:none", '
     '"maxReceiveCount": 3} for parameter RedrivePolicy is invalid. Reason: Dead letter target '
     'does not exist.'),
])
def test_bad_attributes_are_refused_as_aws_does(sqs, attributes, code, message):
    for call in (lambda: sqs.create_queue(QueueName=unique_name("bad"), Attributes=attributes),
                 lambda: sqs.set_queue_attributes(QueueUrl=new_queue(sqs),
                                                  Attributes=attributes)):
        error = error_of(call)["Error"]
        assert (error["Code"], error["Message"]) == (code, message)


@pytest.mark.parametrize("name", ["", "a" * 81, "has space", "dot.name", "ünï"])
def test_bad_queue_names(sqs, name):
    error = error_of(sqs.create_queue, QueueName=name)["Error"]
    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == ("Can only include alphanumeric characters, hyphens, or "
                                "underscores. 1 to 80 in length")


def new_fifo(sqs, **attributes) -> str:
    return sqs.create_queue(QueueName=unique_name("f") + ".fifo", Attributes={
        "FifoQueue": "true", **{k: str(v) for k, v in attributes.items()}})["QueueUrl"]


def test_fifo_queue_names_and_attributes(sqs):
    url = new_fifo(sqs)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert {key: attributes[key] for key in ("FifoQueue", "ContentBasedDeduplication",
                                             "DeduplicationScope", "FifoThroughputLimit")} == {
        "FifoQueue": "true", "ContentBasedDeduplication": "false",
        "DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true",
                                                       "DeduplicationScope": "messageGroup"})
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ContentBasedDeduplication", "DeduplicationScope"])["Attributes"] == {
        "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup"}
    error = error_of(sqs.create_queue, QueueName=unique_name("f"),
                     Attributes={"FifoQueue": "true"})["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric "
        "characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
        "length.")
    error = error_of(sqs.create_queue, QueueName=unique_name("f") + ".fifo")["Error"]
    assert error["Message"] == ("Can only include alphanumeric characters, hyphens, or "
                                "underscores. 1 to 80 in length")
    error = error_of(sqs.set_queue_attributes, QueueUrl=url,
                     Attributes={"DeduplicationScope": "everything"})["Error"]
    assert error["Code"] == "InvalidAttributeValue"


def test_fifo_sending_rules(sqs):
    url = new_fifo(sqs)
    error = error_of(sqs.send_message, QueueUrl=url, MessageBody="x",
                     MessageDeduplicationId="d")["Error"]
    assert (error["Code"], error["Message"]) == (
        "MissingParameter", "The request must contain the parameter MessageGroupId.")
    error = error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g")["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValue", "The queue should either have ContentBasedDeduplication "
        "enabled or MessageDeduplicationId provided explicitly")
    error = error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g",
                     MessageDeduplicationId="d", DelaySeconds=5)["Error"]
    assert error["Message"] == ("Value 5 for parameter DelaySeconds is invalid. Reason: The "
                                "request include parameter that is not valid for this queue "
                                "type.")
    error = error_of(sqs.send_message, QueueUrl=new_queue(sqs), MessageBody="x",
                     MessageDeduplicationId="d")["Error"]
    assert error["Code"] == "InvalidParameterValue"


def test_fifo_groups_are_received_in_order_one_batch_in_flight_at_a_time(sqs):
    url = new_fifo(sqs, VisibilityTimeout=30)
    sequence = []
    for group, body in [("g1", "a"), ("g1", "b"), ("g2", "x"), ("g1", "c")]:
        sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                                MessageDeduplicationId=body)
        sequence.append(int(sent["SequenceNumber"]))
    assert sequence == sorted(sequence) and len(set(sequence)) == 4
    [first] = received(sqs, url, AttributeNames=["All"])
    assert first["Body"] == "a"
    assert first["Attributes"]["MessageGroupId"] == "g1"
    assert first["Attributes"]["MessageDeduplicationId"] == "a"
    assert int(first["Attributes"]["SequenceNumber"]) == sequence[0]
    assert [m["Body"] for m in received(sqs, url, MaxNumberOfMessages=10)] == ["x"]  # g1 held
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert [m["Body"] for m in received(sqs, url, MaxNumberOfMessages=10)] == ["b", "c"]


def test_a_fifo_message_returning_from_flight_keeps_its_place(sqs):
    url = new_fifo(sqs)
    for body in ("first", "second"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g",
                         MessageDeduplicationId=body)
    [first] = received(sqs, url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"],
                                  VisibilityTimeout=0)
    assert [m["Body"] for m in received(sqs, url, MaxNumberOfMessages=10)] == ["first", "second"]


def test_fifo_deduplication(sqs):
    url = new_fifo(sqs)
    one = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g",
                           MessageDeduplicationId="same")
    two = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="h",
                           MessageDeduplicationId="same")
    assert (two["MessageId"], two["SequenceNumber"]) == (one["MessageId"], one["SequenceNumber"])
    assert len(received(sqs, url, MaxNumberOfMessages=10)) == 1
    by_content = new_fifo(sqs, ContentBasedDeduplication="true")
    batch = sqs.send_message_batch(QueueUrl=by_content, Entries=[
        {"Id": "a", "MessageBody": "same", "MessageGroupId": "g"},
        {"Id": "b", "MessageBody": "same", "MessageGroupId": "g"},
        {"Id": "c", "MessageBody": "other", "MessageGroupId": "g"}])
    ids = [entry["MessageId"] for entry in batch["Successful"]]
    assert ids[0] == ids[1] != ids[2]
    assert [m["Body"] for m in received(sqs, by_content, MaxNumberOfMessages=10)] == \
        ["same", "other"]
    per_group = new_fifo(sqs, DeduplicationScope="messageGroup")
    for group in ("g", "h"):
        sqs.send_message(QueueUrl=per_group, MessageBody="x", MessageGroupId=group,
                         MessageDeduplicationId="same")
    assert len(received(sqs, per_group, MaxNumberOfMessages=10)) == 2


def test_fifo_redrive_needs_a_fifo_dead_letter_queue(sqs):
    standard_dead = new_queue(sqs)
    error = error_of(new_fifo, sqs, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": arn_of(sqs, standard_dead), "maxReceiveCount": 1}))["Error"]
    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"].endswith("Reason: Dead-letter queue must be same type of queue as "
                                     "the source.")
    dead = new_fifo(sqs)
    url = new_fifo(sqs, VisibilityTimeout=0, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": arn_of(sqs, dead), "maxReceiveCount": 1}))
    sqs.send_message(QueueUrl=url, MessageBody="p", MessageGroupId="g",
                     MessageDeduplicationId="p")
    assert len(received(sqs, url)) == 1
    assert received(sqs, url) == []
    [moved] = received(sqs, dead, AttributeNames=["MessageGroupId"])
    assert moved["Body"] == "p" and moved["Attributes"]["MessageGroupId"] == "g"


def test_set_and_get_attributes(sqs):
    url = new_queue(sqs)
    dead = new_queue(sqs)
    policy = json.dumps({"deadLetterTargetArn": arn_of(sqs, dead), "maxReceiveCount": "4"})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "VisibilityTimeout": "7", "DelaySeconds": "2", "RedrivePolicy": policy,
        "Policy": '{"Version": "2012-10-17"}'})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "VisibilityTimeout", "DelaySeconds", "RedrivePolicy", "Policy"])["Attributes"]
    assert got == {"VisibilityTimeout": "7", "DelaySeconds": "2",
                   "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn_of(sqs, dead),
                                                "maxReceiveCount": 4}, separators=(",", ":")),
                   "Policy": '{"Version": "2012-10-17"}'}
    assert sqs.list_dead_letter_source_queues(QueueUrl=dead)["queueUrls"] == [url]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url)
    error = error_of(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Nope"])["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidAttributeName", "Unknown Attribute Nope.")


def test_list_queues_pages_by_name(sqs):
    prefix = unique_name("page")
    urls = [sqs.create_queue(QueueName=f"{prefix}-{index}")["QueueUrl"] for index in range(5)]
    assert sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"] == urls
    assert "NextToken" not in sqs.list_queues(QueueNamePrefix=prefix)
    seen, token = [], None
    while True:
        page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2,
                               **({"NextToken": token} if token else {}))
        seen += page["QueueUrls"]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == urls
    error = error_of(sqs.list_queues, MaxResults=1001)["Error"]
    assert error["Code"] == "InvalidParameterValue"


def test_tags(sqs):
    url = sqs.create_queue(QueueName=unique_name("tags"), tags={"team": "a"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "test", "team": "b"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "env": "test"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "missing"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "test"}


# Messages -----------------------------------------------------------------------

def test_send_and_receive_with_attributes_and_digests(sqs):
    url = new_queue(sqs)
    attributes = {"kind": {"DataType": "String", "StringValue": "order"},
                  "count": {"DataType": "Number", "StringValue": "12.5"},
                  "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xffdata"},
                  "kind.sub": {"DataType": "String.custom", "StringValue": "x"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello ✓", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5("hello ✓".encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == attributes_digest(attributes)
    [message] = received(sqs, url, MessageAttributeNames=["All"], AttributeNames=["All"])
    assert message["MessageId"] == sent["MessageId"] and message["Body"] == "hello ✓"
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == attributes_digest(attributes)
    system = message["Attributes"]
    assert system["ApproximateReceiveCount"] == "1" and system["SenderId"] == ACCOUNT
    assert abs(int(system["SentTimestamp"]) / 1000 - time.time()) < 60
    assert int(system["ApproximateFirstReceiveTimestamp"]) >= int(system["SentTimestamp"])


@pytest.mark.parametrize("names, expected", [
    (None, set()), (["All"], {"kind", "kind.sub", "other"}), ([".*"], {"kind", "kind.sub", "other"}),
    (["kind"], {"kind"}), (["kind.*"], {"kind.sub"}), (["other", "missing"], {"other"})])
def test_message_attribute_names_choose_what_is_returned(sqs, names, expected):
    url = new_queue(sqs)
    attributes = {name: {"DataType": "String", "StringValue": name}
                  for name in ("kind", "kind.sub", "other")}
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    [message] = received(sqs, url, **({"MessageAttributeNames": names} if names else {}))
    assert set(message.get("MessageAttributes", {})) == expected
    assert "Attributes" not in message  # no system attributes unless asked


def test_system_attribute_names(sqs):
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = received(sqs, url, MessageSystemAttributeNames=["ApproximateReceiveCount"],
                         VisibilityTimeout=0)
    assert message["Attributes"] == {"ApproximateReceiveCount": "1"}
    [again] = received(sqs, url, AttributeNames=["SentTimestamp", "ApproximateReceiveCount"])
    assert set(again["Attributes"]) == {"SentTimestamp", "ApproximateReceiveCount"}
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_visibility_timeout_hides_and_redelivers(sqs):
    url = new_queue(sqs, VisibilityTimeout=1)
    sqs.send_message(QueueUrl=url, MessageBody="once")
    [first] = received(sqs, url, AttributeNames=["ApproximateReceiveCount"])
    assert received(sqs, url) == []  # in flight
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"],
            counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")
    time.sleep(1.1)
    [second] = received(sqs, url, AttributeNames=["ApproximateReceiveCount"])
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # stale: no effect
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                  VisibilityTimeout=0)
    [third] = received(sqs, url, VisibilityTimeout=30)
    assert third["MessageId"] == first["MessageId"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    time.sleep(0.05)
    assert received(sqs, url, VisibilityTimeout=0) == []
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                    "ApproximateNumberOfMessagesNotVisible"])["Attributes"] == \
        {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_receipt_handle_errors(sqs):
    url = new_queue(sqs)
    other = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = received(sqs, url)
    for handle in ("garbage!", "aGVsbG8="):
        error = error_of(sqs.delete_message, QueueUrl=url, ReceiptHandle=handle)["Error"]
        assert (error["Code"], error["Message"]) == (
            "ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid '
                                      'receipt handle.')
    error = error_of(sqs.delete_message, QueueUrl=other,
                     ReceiptHandle=message["ReceiptHandle"])["Error"]
    assert error["Code"] == "ReceiptHandleIsInvalid"
    error = error_of(sqs.change_message_visibility, QueueUrl=url,
                     ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=43201)["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValue", "Value 43201 for parameter VisibilityTimeout is invalid. "
                                 "Reason: Must be >= 0 and <= 43200, if provided.")
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                  VisibilityTimeout=0)
    error = error_of(sqs.change_message_visibility, QueueUrl=url,
                     ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=5)["Error"]
    assert error["Code"] == "AWS.SimpleQueueService.MessageNotInflight"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    error = error_of(sqs.change_message_visibility, QueueUrl=url,
                     ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=5)["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValue", f"Value {message['ReceiptHandle']} for parameter "
        "ReceiptHandle is invalid. Reason: Message does not exist or is not available for "
        "visibility timeout change.")


def test_long_polling_answers_as_soon_as_a_message_arrives(sqs):
    url = new_queue(sqs)
    answers: list = []
    poller = threading.Thread(target=lambda: answers.append(
        (received(sqs, url, WaitTimeSeconds=10), time.monotonic())))
    poller.start()
    time.sleep(0.5)
    sent_at = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="wake")
    poller.join(15)
    messages, answered_at = answers[0]
    assert [m["Body"] for m in messages] == ["wake"]
    assert answered_at - sent_at < 1.0


def test_long_polling_waits_its_time_when_nothing_arrives(sqs):
    url = new_queue(sqs, ReceiveMessageWaitTimeSeconds=1)
    started = time.monotonic()
    assert received(sqs, url) == []  # the queue's wait applies
    assert 0.9 <= time.monotonic() - started < 5
    started = time.monotonic()
    assert received(sqs, url, WaitTimeSeconds=0) == []  # the request's wins
    assert time.monotonic() - started < 0.9


def test_long_polling_sees_a_message_becoming_visible(sqs):
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
    assert received(sqs, url) == []
    started = time.monotonic()
    assert [m["Body"] for m in received(sqs, url, WaitTimeSeconds=5)] == ["later"]
    assert time.monotonic() - started < 2


def test_max_number_of_messages_and_each_message_once(sqs):
    url = new_queue(sqs)
    for start in range(0, 25, 5):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": f"m{index}", "MessageBody": str(index)} for index in range(start, start + 5)])
    assert len(received(sqs, url, VisibilityTimeout=0)) == 1  # one by default
    bodies = []
    while True:
        page = received(sqs, url, MaxNumberOfMessages=10)
        if not page:
            break
        assert len(page) <= 10
        bodies += [m["Body"] for m in page]
    assert sorted(bodies, key=int) == [str(index) for index in range(25)]
    for value in (0, 11):
        error = error_of(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=value)["Error"]
        assert (error["Code"], error["Message"]) == (
            "InvalidParameterValue", f"Value {value} for parameter MaxNumberOfMessages is "
                                     "invalid. Reason: Must be between 1 and 10, if provided.")
    error = error_of(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=21)["Error"]
    assert error["Message"] == ("Value 21 for parameter WaitTimeSeconds is invalid. Reason: "
                                "Must be >= 0 and <= 20, if provided.")


def test_message_rules(sqs):
    url = new_queue(sqs, MaximumMessageSize=1024)
    error = error_of(sqs.send_message, QueueUrl=url, MessageBody="x" * 1025)["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be "
                                 "shorter than 1024 bytes.")
    error = error_of(sqs.send_message, QueueUrl=url, MessageBody="")["Error"]
    assert (error["Code"], error["Message"]) == (
        "MissingParameter", "The request must contain the parameter MessageBody.")
    error = error_of(sqs.send_message, QueueUrl=url, MessageBody="bad \x01")["Error"]
    assert error["Code"] == "InvalidMessageContents"
    assert error["Message"].startswith("Invalid characters found.")
    error = error_of(sqs.send_message, QueueUrl=url, MessageBody="x", DelaySeconds=901)["Error"]
    assert error["Message"] == ("Value 901 for parameter DelaySeconds is invalid. Reason: "
                                "DelaySeconds must be >= 0 and <= 900.")
    too_many = {f"a{index}": {"DataType": "String", "StringValue": "v"} for index in range(11)}
    error = error_of(sqs.send_message, QueueUrl=url, MessageBody="x",
                     MessageAttributes=too_many)["Error"]
    assert error["Message"] == "Number of message attributes [11] exceeds the allowed maximum [10]."
    for attribute, message in [
            ({"DataType": "Text", "StringValue": "v"},
             "The message attribute 'a' has an invalid message attribute type, the set of "
             "supported type prefixes is Binary, Number, and String."),
            ({"DataType": "Number", "StringValue": "ten"},
             "Can't cast the value of message (user) attribute 'a' to a number."),
            ({"DataType": "String", "BinaryValue": b"x"},
             "The message attribute 'a' with type 'String' must use field 'String'.")]:
        error = error_of(sqs.send_message, QueueUrl=url, MessageBody="x",
                         MessageAttributes={"a": attribute})["Error"]
        assert (error["Code"], error["Message"]) == ("InvalidParameterValue", message)


def test_redrive_to_the_dead_letter_queue_after_max_receive_count(sqs):
    dead = new_queue(sqs)
    source = new_queue(sqs, VisibilityTimeout=0, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": arn_of(sqs, dead), "maxReceiveCount": 2}))
    sent = sqs.send_message(QueueUrl=source, MessageBody="poison",
                            MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    counts = [received(sqs, source, AttributeNames=["ApproximateReceiveCount"])[0][
        "Attributes"]["ApproximateReceiveCount"] for _ in range(2)]
    assert counts == ["1", "2"]
    assert received(sqs, source) == []  # the third receive moves it
    [moved] = received(sqs, dead, AttributeNames=["All"], MessageAttributeNames=["All"])
    assert moved["MessageId"] == sent["MessageId"] and moved["Body"] == "poison"
    assert moved["MessageAttributes"] == {"k": {"DataType": "String", "StringValue": "v"}}
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == arn_of(sqs, source)
    assert moved["Attributes"]["ApproximateReceiveCount"] == "1"


def test_batches_with_partial_failures(sqs):
    url = new_queue(sqs, MaximumMessageSize=1024)
    sent = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok-1", "MessageBody": "one"}, {"Id": "too_big", "MessageBody": "x" * 2000},
        {"Id": "ok-2", "MessageBody": "two", "DelaySeconds": 0}])
    assert [entry["Id"] for entry in sent["Successful"]] == ["ok-1", "ok-2"]
    assert sent["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"one").hexdigest()
    assert sent["Failed"] == [{"Id": "too_big", "SenderFault": True,
                               "Code": "InvalidParameterValue",
                               "Message": "One or more parameters are invalid. Reason: Message "
                                          "must be shorter than 1024 bytes."}]
    messages = received(sqs, url, MaxNumberOfMessages=10)
    assert sorted(m["Body"] for m in messages) == ["one", "two"]
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "a", "ReceiptHandle": messages[0]["ReceiptHandle"], "VisibilityTimeout": 60},
        {"Id": "b", "ReceiptHandle": "bm9wZQ==", "VisibilityTimeout": 60}])
    assert [e["Id"] for e in changed["Successful"]] == ["a"]
    assert changed["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "ReceiptHandle": messages[0]["ReceiptHandle"]},
        {"Id": "b", "ReceiptHandle": messages[1]["ReceiptHandle"]},
        {"Id": "c", "ReceiptHandle": "nonsense!"}])
    assert [e["Id"] for e in deleted["Successful"]] == ["a", "b"]
    assert deleted["Failed"] == [{
        "Id": "c", "SenderFault": True, "Code": "ReceiptHandleIsInvalid",
        "Message": 'The input receipt handle "nonsense!" is not a valid receipt handle.'}]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0"


@pytest.mark.parametrize("entries, code, message", [
    ([], "AWS.SimpleQueueService.EmptyBatchRequest",
     "There should be at least one SendMessageBatchRequestEntry in the request."),
    ([{"Id": f"m{i}", "MessageBody": "x"} for i in range(11)],
     "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
     "Maximum number of entries per request are 10. You have sent 11."),
    ([{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}],
     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id same repeated."),
    ([{"Id": "no spaces", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId",
     "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It "
     "can be at most 80 letters long."),
    ([{"Id": f"m{i}", "MessageBody": "x" * 262144} for i in range(5)],
     "AWS.SimpleQueueService.BatchRequestTooLong",
     "Batch requests cannot be longer than 1048576 bytes. You have sent 1310720 bytes."),
])
def test_batch_request_errors(sqs, entries, code, message):
    url = new_queue(sqs)
    error = error_of(sqs.send_message_batch, QueueUrl=url, Entries=entries)["Error"]
    assert (error["Code"], error["Message"]) == (code, message)
    assert received(sqs, url) == []  # nothing of a refused batch is sent


def test_purge_queue_once_a_minute(sqs):
    url = new_queue(sqs)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"}
                                                  for i in range(3)])
    received(sqs, url)  # one in flight: purged too
    sqs.purge_queue(QueueUrl=url)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0"
    assert received(sqs, url, MaxNumberOfMessages=10) == []
    error = error_of(sqs.purge_queue, QueueUrl=url)["Error"]
    assert error["Code"] == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert error["Message"] == (f"Only one PurgeQueue operation on {url.rsplit('/', 1)[1]} is "
                                "allowed every 60 seconds.")
    sqs.send_message(QueueUrl=url, MessageBody="after")
    assert [m["Body"] for m in received(sqs, url)] == ["after"]


def test_deleting_a_queue_deletes_its_messages(sqs):
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="gone")
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        received(sqs, url)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",),
                              exclude_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b"
                                                 "\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
                                                 "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe"
                                                 "\uffff"), min_size=1, max_size=200)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_TEXT, value=_TEXT, blob=st.binary(min_size=1, max_size=64))
def test_any_valid_message_round_trips_with_aws_digests(embedded_db, body, value, blob):
    sqs = embedded_db.client("sqs", config=NO_RETRIES)
    url = new_queue(sqs)
    attributes = {"text": {"DataType": "String", "StringValue": value},
                  "data": {"DataType": "Binary", "BinaryValue": blob}}
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == attributes_digest(attributes)
    [message] = received(sqs, url, MessageAttributeNames=["All"])
    assert message["Body"] == body and message["MessageAttributes"] == attributes


# Across processes, restarts and servers -----------------------------------------------

def test_messages_survive_a_restart(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after its process")
    data = str(tmp_path / "data")
    process, url = start_server(data)
    try:
        sqs = http_client(url, "sqs")
        queue = sqs.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "1"})[
            "QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody="in flight")
        received(sqs, queue)
        sqs.send_message(QueueUrl=queue, MessageBody="waiting")
    finally:
        process.kill()
        process.wait(10)
    process, url = start_server(data)
    try:
        sqs = http_client(url, "sqs")
        queue = sqs.get_queue_url(QueueName="durable")["QueueUrl"]
        assert queue == f"{url}/{ACCOUNT}/durable"
        bodies: list[str] = []  # the one in flight reappears once its second is over
        wait_for(lambda: bodies.extend(m["Body"] for m in received(
            sqs, queue, MaxNumberOfMessages=10, VisibilityTimeout=60)) or len(bodies) == 2)
        assert sorted(bodies) == ["in flight", "waiting"]
    finally:
        process.terminate()
        process.wait(10)


def test_several_servers_share_queues_and_each_message_goes_to_one_consumer(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend serves one process")
    data = str(tmp_path / "shared")
    servers = [start_server(data) for _ in range(2)]
    try:
        clients = [http_client(url, "sqs") for _, url in servers]
        queue = clients[0].create_queue(QueueName="shared")["QueueUrl"]
        other = clients[1].get_queue_url(QueueName="shared")["QueueUrl"]
        assert other == f"{servers[1][1]}/{ACCOUNT}/shared"
        for start in range(0, 60, 10):
            clients[start % 2].send_message_batch(QueueUrl=queue, Entries=[
                {"Id": str(i), "MessageBody": str(i)} for i in range(start, start + 10)])
        got: list[str] = []
        lock = threading.Lock()

        def consume(sqs) -> None:
            while True:
                page = received(sqs, queue, MaxNumberOfMessages=3, WaitTimeSeconds=1,
                                VisibilityTimeout=120)
                if not page:
                    return
                with lock:
                    got.extend(m["Body"] for m in page)

        threads = [threading.Thread(target=consume, args=(clients[i % 2],)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(got, key=int) == [str(i) for i in range(60)]  # each once
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(10)


def test_a_send_on_one_server_ends_a_long_poll_on_another(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend serves one process")
    data = str(tmp_path / "polled")
    servers = [start_server(data) for _ in range(2)]
    try:
        first, second = (http_client(url, "sqs") for _, url in servers)
        queue = first.create_queue(QueueName="polled")["QueueUrl"]
        answers: list = []
        poller = threading.Thread(target=lambda: answers.append(
            (received(second, queue, WaitTimeSeconds=10), time.monotonic())))
        poller.start()
        time.sleep(0.5)
        first.send_message(QueueUrl=queue, MessageBody="across")
        sent_at = time.monotonic()  # committed: the other server sees it at its next check
        poller.join(15)
        assert [m["Body"] for m in answers[0][0]] == ["across"]
        assert answers[0][1] - sent_at < 1.5
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(10)


def test_signed_requests_with_auth(tmp_path):
    with signed_server(tmp_path, "AKIDSQS", "secret-sqs") as url:
        import boto3
        signed = boto3.client("sqs", endpoint_url=url, region_name="us-east-1",
                              aws_access_key_id="AKIDSQS", aws_secret_access_key="secret-sqs",
                              config=NO_RETRIES)
        queue = signed.create_queue(QueueName="signed")["QueueUrl"]
        signed.send_message(QueueUrl=queue, MessageBody="ok")
        assert [m["Body"] for m in received(signed, queue)] == ["ok"]
        wrong = boto3.client("sqs", endpoint_url=url, region_name="us-east-1",
                             aws_access_key_id="AKIDSQS", aws_secret_access_key="not-it",
                             config=NO_RETRIES)
        error = error_of(wrong.list_queues)
        assert error["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
        assert "Signature" in error["Error"]["Code"] or "signature" in error["Error"]["Message"]


def test_query_protocol_requests_are_not_served(server_url):
    import httpx
    answer = httpx.post(server_url + "/", content=b"Action=ListQueues&Version=2012-11-05",
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 **support.SIGNED_HEADERS})
    assert answer.status_code == 404
    assert base64.b64encode(answer.content)  # DynamoDB's bare answer, never a traceback


def test_messages_past_their_retention_period_are_dropped(tmp_path):
    with support.open_db(str(tmp_path / "data")) as db:
        sqs = db.client("sqs", config=NO_RETRIES)
        url = new_queue(sqs, MessageRetentionPeriod=60)
        sqs.send_message(QueueUrl=url, MessageBody="old")
        db.engine.clock = lambda: time.time() + 59
        sqs.send_message(QueueUrl=url, MessageBody="young")
        db.engine.clock = lambda: time.time() + 61
        assert [m["Body"] for m in received(sqs, url, MaxNumberOfMessages=10)] == ["young"]
        assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
            "ApproximateNumberOfMessagesNotVisible"] == "1"  # "old" is gone


@pytest.mark.postgres_only("the PostgreSQL schema's versions")
def test_a_database_of_schema_version_1_gains_the_queues_table(tmp_path):
    """A database made before the queues keyspace (version 1, no
    dynalite_queues) is moved up to version 2 on start, and serves queues."""
    import psycopg

    from dynalite_py.storage import open_store
    from dynalite_py.storage.postgres.schema import SCHEMA_VERSION
    url = support.store_location(str(tmp_path / "old"))
    open_store(url).close()
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DROP TABLE dynalite_queues")
        admin.execute("UPDATE dynalite_schema SET version = 1")
    with support.open_db(str(tmp_path / "old")) as db:
        sqs = db.client("sqs", config=NO_RETRIES)
        url_of_queue = sqs.create_queue(QueueName="upgraded")["QueueUrl"]
        sqs.send_message(QueueUrl=url_of_queue, MessageBody="after the upgrade")
        assert [m["Body"] for m in received(sqs, url_of_queue)] == ["after the upgrade"]
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT version FROM dynalite_schema").fetchone()[0] == \
            SCHEMA_VERSION == 2


def test_many_long_polls_leave_the_other_routes_free(server_url):
    """Consumers waiting in long polls hold threads of their own: more of
    them than Starlette's thread pool has do not hold up a Lambda call."""
    sqs = http_client(server_url, "sqs")
    url = new_queue(sqs)
    pollers = [threading.Thread(target=lambda: received(
        http_client(server_url, "sqs"), url, WaitTimeSeconds=4)) for _ in range(48)]
    for poller in pollers:
        poller.start()
    time.sleep(1.0)
    started = time.monotonic()
    http_client(server_url, "lambda").list_functions()
    assert time.monotonic() - started < 2.0
    for poller in pollers:
        poller.join(15)
