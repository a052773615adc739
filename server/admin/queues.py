"""SQS queues with their message counts (GetQueueAttributes)."""
from __future__ import annotations

from dynalite_py.engine import Engine
from dynalite_py.errors import DynamoError

from .pages import Inputs, Page, all_pages

SQS = "sqs"
COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed")


def overview(engine: Engine, inputs: Inputs) -> Page:
    found = []
    for url in all_pages(engine.call, "ListQueues", {}, "QueueUrls", "NextToken",
                         service=SQS):
        try:
            attributes = engine.call("GetQueueAttributes", {
                "QueueUrl": url, "AttributeNames": ["All"]}, SQS)["Attributes"]
        except DynamoError:  # deleted since it was listed
            continue
        found.append({"name": url.rsplit("/", 1)[-1], "url": url,
                      "counts": [int(attributes.get(name, 0)) for name in COUNTS],
                      "fifo": attributes.get("FifoQueue") == "true",
                      "dead_letter": "RedrivePolicy" in attributes})
    return Page("queues.html", {"queues": found})
