"""DynamoDB's operations (service "dynamodb"), one module per operation, by
family: tables/ (the catalog and table settings), items/ (items addressed
by their full primary key: single, batched, transactional) and reads/
(Query and Scan). capacity.py and throttling.py serve every family.

An operation module declares NAME (the operation), READ_ONLY, and
`run(engine, request) -> response`, holding the operation's semantic
validation and its execution side by side; the engine finds it by NAME
(engine.OPERATIONS).
"""
SERVICE = "dynamodb"
