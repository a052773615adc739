"""DynamoDB Streams (service "dynamodbstreams", on the DynamoDB endpoint,
routed by X-Amz-Target): one module per operation, and the stream log they
read and item writes append to (log.py).
"""
SERVICE = "dynamodbstreams"
