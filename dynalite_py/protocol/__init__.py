"""The wire: codecs and shape checks, derived from botocore's service models.

wire.py (DynamoDB and DynamoDB Streams, JSON 1.0 over X-Amz-Target),
rest.py (Lambda's REST-JSON), validation.py (the generic shape checker),
service_models.py (botocore's models, read straight from their files).
Nothing here knows an operation's semantics or touches storage.
"""
