"""DynamoDB's range reads, Query and Scan (one module each), and what they
share: querying.py (source, filter, projection, response), reads.py (page
assembly) and keyconditions.py (Query's key condition).
"""
