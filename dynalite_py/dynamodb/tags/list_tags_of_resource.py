"""ListTagsOfResource: a table's tags, all in one answer.

The model has NextToken, but DynamoDB does not page this operation: a
table holds at most 50 tags, and the service team says ListTagsOfResource
"does not support pagination at the API level" (aws/aws-sdk#583). So no
NextToken is ever returned, and one sent is ignored."""
from __future__ import annotations

from .tagging import tagged_table, tags_of

NAME = "ListTagsOfResource"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        return {"Tags": tags_of(tagged_table(txn, engine, request, NAME, write=False))}
