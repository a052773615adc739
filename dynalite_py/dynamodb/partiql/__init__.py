"""DynamoDB's PartiQL dialect: ExecuteStatement, BatchExecuteStatement and
ExecuteTransaction.

A statement is read by lexer.py and parser.py into a small tree, its
literals and `?` parameters become attribute values (values.py), and
planner.py turns it into the request of the native operation that does
the same work (GetItem, Query, Scan, PutItem, UpdateItem, DeleteItem,
TransactGetItems, TransactWriteItems), expressions.py writing its
conditions and SET values as native expressions. The operations run that request
through the engine, so capacity, throttling, conditions, streams and
transactions are the native operations' own. statements.py holds what
the three operations share: running a planned statement and turning the
native answer (or error) into PartiQL's.
"""
