"""Tags: TagResource, UntagResource, ListTagsOfResource (tagging.py holds
what they share: the table an ARN names, and DynamoDB's tag rules)."""
