"""SQS's dead-letter queue redrive (StartMessageMoveTask, ListMessageMoveTasks,
CancelMessageMoveTask), queue permissions (AddPermission, RemovePermission)
and ListDeadLetterSourceQueues' pages, with boto3 over HTTP and embedded."""
from __future__ import annotations

import json
import time

from support import unique_name, wait_for
from test_sqs import arn_of, error_of, new_queue, received, sqs  # noqa: F401 (a fixture)


def queue_with_dead_letters(sqs, count: int) -> tuple[str, str]:
    """(source queue URL, its dead-letter queue's URL) with `count`
    messages moved to the dead-letter queue by receives."""
    dead = new_queue(sqs)
    source = new_queue(sqs, VisibilityTimeout=0, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": arn_of(sqs, dead), "maxReceiveCount": 1}))
    for number in range(count):
        sqs.send_message(QueueUrl=source, MessageBody=f"m{number}")
    received(sqs, source, MaxNumberOfMessages=10)
    received(sqs, source, MaxNumberOfMessages=10)  # over maxReceiveCount: moved
    assert visible(sqs, dead) == count and visible(sqs, source) == 0
    return source, dead


def visible(sqs, url: str) -> int:
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])


def latest_task(sqs, dead: str) -> dict:
    return sqs.list_message_move_tasks(SourceArn=arn_of(sqs, dead))["Results"][0]


def test_a_move_task_redrives_dead_letters_to_their_source(sqs):
    source, dead = queue_with_dead_letters(sqs, 3)
    handle = sqs.start_message_move_task(SourceArn=arn_of(sqs, dead))["TaskHandle"]
    finished = wait_for(lambda: (task := latest_task(sqs, dead))["Status"] == "COMPLETED"
                        and task)
    assert finished["ApproximateNumberOfMessagesMoved"] == 3
    assert finished["ApproximateNumberOfMessagesToMove"] == 3
    assert finished["SourceArn"] == arn_of(sqs, dead)
    assert "TaskHandle" not in finished and "DestinationArn" not in finished
    assert abs(finished["StartedTimestamp"] / 1000 - time.time()) < 60
    moved = received(sqs, source, MaxNumberOfMessages=10, AttributeNames=["All"])
    assert sorted(m["Body"] for m in moved) == ["m0", "m1", "m2"]
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in moved} == {"1"}
    assert visible(sqs, dead) == 0
    assert error_of(sqs.cancel_message_move_task, TaskHandle=handle)["Error"] == {
        "Code": "ResourceNotFoundException", "Message": "Task does not exist.",
        "QueryErrorCode": "ResourceNotFoundException", "Type": "Sender"}


def test_a_move_task_to_a_destination_queue(sqs):
    _, dead = queue_with_dead_letters(sqs, 2)
    destination = new_queue(sqs)
    sqs.start_message_move_task(SourceArn=arn_of(sqs, dead),
                                DestinationArn=arn_of(sqs, destination))
    wait_for(lambda: latest_task(sqs, dead)["Status"] == "COMPLETED")
    assert latest_task(sqs, dead)["DestinationArn"] == arn_of(sqs, destination)
    assert sorted(m["Body"] for m in received(sqs, destination, MaxNumberOfMessages=10)) == [
        "m0", "m1"]


def test_a_rate_limited_task_runs_alone_and_stops_when_cancelled(sqs):
    _, dead = queue_with_dead_letters(sqs, 6)
    dead_arn = arn_of(sqs, dead)
    handle = sqs.start_message_move_task(SourceArn=dead_arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"]
    running = latest_task(sqs, dead)
    assert running["Status"] == "RUNNING" and running["TaskHandle"] == handle
    assert running["MaxNumberOfMessagesPerSecond"] == 1
    refused = error_of(sqs.start_message_move_task, SourceArn=dead_arn)["Error"]
    assert (refused["Code"], refused["Message"]) == (
        "InvalidParameterValue", "There is already a task running. Only one active task is "
                                 "allowed for a source queue arn at a given time.")
    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert moved < 6
    time.sleep(1.5)  # a sweep or more: a cancelled task moves nothing more
    cancelled = latest_task(sqs, dead)
    assert cancelled["Status"] == "CANCELLED" and "TaskHandle" not in cancelled
    assert cancelled["ApproximateNumberOfMessagesMoved"] == moved
    assert visible(sqs, dead) == 6 - moved
    sqs.start_message_move_task(SourceArn=dead_arn)  # no task runs now: a new one may
    tasks = sqs.list_message_move_tasks(SourceArn=dead_arn, MaxResults=10)["Results"]
    assert [task["Status"] for task in tasks][1:] == ["CANCELLED"]


def test_move_task_errors(sqs):
    source, dead = queue_with_dead_letters(sqs, 1)
    dead_arn, missing = arn_of(sqs, dead), arn_of(sqs, dead) + "-none"

    def refused(call, **request) -> tuple:
        error = error_of(call, **request)
        return error["Error"]["Code"], error["Error"]["Message"], \
            error["ResponseMetadata"]["HTTPStatusCode"]

    assert refused(sqs.start_message_move_task, SourceArn=arn_of(sqs, source)) == (
        "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.", 400)
    assert refused(sqs.start_message_move_task, SourceArn=missing) == (
        "ResourceNotFoundException",
        "The resource that you specified for the SourceArn parameter doesn't exist.", 404)
    assert refused(sqs.start_message_move_task, SourceArn="queue") == (
        "InvalidParameterValue", "You must use this format to specify the SourceArn: "
        "arn:<partition>:<service>:<region>:<account-id>:<resource-id>", 400)
    assert refused(sqs.start_message_move_task, SourceArn=dead_arn, DestinationArn=missing) == (
        "ResourceNotFoundException",
        "The resource that you specified for the DestinationArn parameter doesn't exist.", 404)
    assert refused(sqs.start_message_move_task, SourceArn=dead_arn, DestinationArn=dead_arn) == (
        "InvalidParameterValue", "Source queue arn and destination queue arn cannot be the same.",
        400)
    assert refused(sqs.start_message_move_task, SourceArn=dead_arn,
                   MaxNumberOfMessagesPerSecond=501)[:2] == (
        "InvalidParameterValue", "Value 501 for parameter MaxNumberOfMessagesPerSecond is "
                                 "invalid. Reason: Must be between 1 and 500, if provided.")
    assert refused(sqs.list_message_move_tasks, SourceArn=missing)[0] == \
        "ResourceNotFoundException"
    assert refused(sqs.cancel_message_move_task, TaskHandle="not-a-handle")[:2] == (
        "ResourceNotFoundException", "Task does not exist.")
    assert sqs.list_message_move_tasks(SourceArn=dead_arn)["Results"] == []
    assert visible(sqs, dead) == 1  # nothing refused moved anything


def policy_of(sqs, url: str) -> dict | None:
    text = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get(
        "Attributes", {}).get("Policy")
    return json.loads(text) if text else None


def test_add_and_remove_permission_edit_the_queue_policy(sqs):
    url = new_queue(sqs)
    arn = arn_of(sqs, url)
    sqs.add_permission(QueueUrl=url, Label="send", AWSAccountIds=["111122223333"],
                       Actions=["SendMessage"])
    sqs.add_permission(QueueUrl=url, Label="read", AWSAccountIds=["111122223333", "444455556666"],
                       Actions=["ReceiveMessage", "DeleteMessage"])
    policy = policy_of(sqs, url)
    assert policy["Id"] == f"{arn}/SQSDefaultPolicy"
    assert policy["Statement"] == [
        {"Sid": "send", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "SQS:SendMessage", "Resource": arn},
        {"Sid": "read", "Effect": "Allow",
         "Principal": {"AWS": ["arn:aws:iam::111122223333:root",
                               "arn:aws:iam::444455556666:root"]},
         "Action": ["SQS:ReceiveMessage", "SQS:DeleteMessage"], "Resource": arn}]
    again = error_of(sqs.add_permission, QueueUrl=url, Label="send", AWSAccountIds=["1"],
                     Actions=["SendMessage"])["Error"]
    assert (again["Code"], again["Message"]) == (
        "InvalidParameterValue", "Value send for parameter Label is invalid. Reason: Already "
                                 "exists.")
    owner_only = error_of(sqs.add_permission, QueueUrl=url, Label="x", AWSAccountIds=["1"],
                          Actions=["DeleteQueue"])["Error"]
    assert owner_only["Message"] == ("Value SQS:DeleteQueue for parameter ActionName is "
                                     "invalid. Reason: Only the queue owner is allowed to "
                                     "invoke this action.")
    too_many = error_of(sqs.add_permission, QueueUrl=url, Label="x", AWSAccountIds=["1"],
                        Actions=["SendMessage"] * 8)["Error"]
    assert (too_many["Code"], too_many["Message"]) == (
        "OverLimit", "8 Actions were found, maximum allowed is 7.")
    sqs.remove_permission(QueueUrl=url, Label="send")
    assert [s["Sid"] for s in policy_of(sqs, url)["Statement"]] == ["read"]
    missing = error_of(sqs.remove_permission, QueueUrl=url, Label="send")["Error"]
    assert missing["Message"] == ("Value send for parameter Label is invalid. Reason: can't "
                                  "find label on existing policy.")
    sqs.remove_permission(QueueUrl=url, Label="read")
    assert policy_of(sqs, url) is None
    gone = error_of(sqs.add_permission, QueueUrl=url + "-none", Label="x",
                    AWSAccountIds=["1"], Actions=["SendMessage"])["Error"]
    assert gone["Code"] == "AWS.SimpleQueueService.NonExistentQueue"


def test_dead_letter_source_queues_come_in_pages(sqs):
    dead = new_queue(sqs)
    policy = json.dumps({"deadLetterTargetArn": arn_of(sqs, dead), "maxReceiveCount": 3})
    prefix = unique_name("src")
    sources = [sqs.create_queue(QueueName=f"{prefix}-{n}", Attributes={
        "RedrivePolicy": policy})["QueueUrl"] for n in range(3)]
    first = sqs.list_dead_letter_source_queues(QueueUrl=dead, MaxResults=2)
    assert first["queueUrls"] == sources[:2]
    second = sqs.list_dead_letter_source_queues(QueueUrl=dead, MaxResults=2,
                                                NextToken=first["NextToken"])
    assert second["queueUrls"] == sources[2:] and "NextToken" not in second
    assert sqs.list_dead_letter_source_queues(QueueUrl=dead)["queueUrls"] == sources
    bad = error_of(sqs.list_dead_letter_source_queues, QueueUrl=dead, MaxResults=0)["Error"]
    assert bad["Code"] == "InvalidParameterValue"
