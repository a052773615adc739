"""DynamoDB's operations on items addressed by their full primary key, one
module each: single (PutItem, GetItem, UpdateItem, DeleteItem), batched
(BatchWriteItem, BatchGetItem) and transactional (TransactWriteItems,
TransactGetItems). What they share: items.py (ItemWriter, the one place
item writes go), writes.py (conditional single-item writes), transactions.py
and item_collections.py.
"""
