"""dynalite-py: a DynamoDB-compatible storage engine with streams, on LMDB.

    import dynalite_py
    db = dynalite_py.open()          # temporary data directory
    client = db.client()             # real boto3 client, no socket

    with dynalite_py.mock_aws():     # every boto3 client with no endpoint_url,
        ...                          # served in-process (dynalite_py.testing)
"""
__version__ = "0.1.0"  # the one place the version is written (pyproject.toml reads it)

from .config import Config
from .engine import Engine
from .errors import DynamoError

__all__ = ["__version__", "Config", "Database", "DynamoError", "Engine", "mock_aws", "open"]


def __getattr__(name: str):
    """The embedded API on first use: it imports boto3, which the server
    does not need (a quarter of its start-up)."""
    if name in ("Database", "open"):
        from . import embedded
        return getattr(embedded, name)
    if name == "mock_aws":
        from .testing import mock_aws
        return mock_aws
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
