"""Kinesis streaming destinations: Enable/Disable/Describe/
UpdateKinesisStreamingDestination (destinations.py holds what they share,
kinesis_client.py the client delivery uses; jobs/kinesis.py delivers)."""
