"""Amazon SQS (service "sqs"): the JSON 1.0 protocol boto3 speaks to SQS
(X-Amz-Target `AmazonSQS.<Operation>`) on the same endpoint. Queues and
their attributes (queues.py), messages: sending, receiving with visibility
timeouts and long polling, redrive to a dead-letter queue (messages.py),
AWS's errors with their query-protocol codes (errors.py); one module per
operation. Lambda's destinations, dead-letter queues and on-failure
destinations deliver here.
"""
from ..protocol.validation import ShapeRules

SERVICE = "sqs"

# SQS reports unknown attribute names itself (InvalidAttributeName), not as
# a shape error of the model's enum
SHAPE_RULES = ShapeRules(member_overrides={
    (structure, member): {"unconstrained": True} for structure, member in (
        ("CreateQueueRequest", "Attributes"), ("SetQueueAttributesRequest", "Attributes"),
        ("GetQueueAttributesRequest", "AttributeNames"),
        ("ReceiveMessageRequest", "AttributeNames"),
        ("ReceiveMessageRequest", "MessageSystemAttributeNames"))})
