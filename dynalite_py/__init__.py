"""dynalite-py: a DynamoDB-compatible storage engine with streams, on LMDB.

    import dynalite_py
    db = dynalite_py.open()          # temporary data directory
    client = db.client()             # real boto3 client, no socket
"""
from .config import Config
from .embedded import Database, open
from .engine import Engine
from .errors import DynamoError

__all__ = ["Config", "Database", "DynamoError", "Engine", "open"]
