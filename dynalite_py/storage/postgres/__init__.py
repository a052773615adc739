"""The PostgreSQL backend (many servers on one database): the only package
that imports psycopg."""
from .store import PostgresStore

__all__ = ["PostgresStore"]
