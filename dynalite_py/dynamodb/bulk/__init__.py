"""Bulk put items from S3 into an existing table: StartBulkPutItems,
DescribeBulkOperation, ListBulkOperations, CancelBulkOperation.

bulk_details.py: ARNs, records and the shapes DynamoDB answers with. The
work runs as a background job under a lease (jobs/bulk_puts.py), reading
objects as ImportTable does (jobs/s3_input.py) and writing each item
through the same conditional put as PutItem.
"""
