"""DynamoDB's table operations (one module each: create_table.py, ...) and
what they share: the catalog of table records (catalog.py), key schemas
(keyschema.py), secondary index definitions and entries (indexes.py),
online index changes (index_builds.py) and the TTL expiry index (ttl.py).
"""
