"""`mock_aws()`: a fresh in-process engine that every boto3 client created
without an endpoint_url talks to while it is active (hooks.py routes the
calls); leaving it closes the engine and restores normal behaviour."""
from __future__ import annotations

import contextlib
import functools
import os
import unittest

from . import hooks

# placeholders set while a mock is active when the environment has no keys,
# so creating a client never searches further (instance metadata: seconds)
PLACEHOLDER_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "dynalite-mock",
                           "AWS_SECRET_ACCESS_KEY": "dynalite-mock"}


class mock_aws(contextlib.ContextDecorator):  # noqa: N801 - named like moto's, a drop-in
    """A context manager (`with mock_aws() as db`) or decorator of a
    function or class (`@mock_aws()`, one fresh engine per call or test)
    serving AWS calls in-process.

    `store` is where the data lives: ":memory:" (default), a data directory,
    or None for a temporary one; keyword settings are Config fields, as for
    dynalite_py.open. Tables and indexes are ACTIVE at once unless
    table_status_delay says otherwise: tests written for moto put items
    right after CreateTable."""

    def __init__(self, store: str | None = ":memory:", **settings) -> None:
        self.store = store
        self.settings = {"table_status_delay": 0.0, **settings}
        self._databases: list = []  # one per (possibly nested) entry
        self._placed: list[list[str]] = []  # the variables each entry set

    def start(self):
        """Open a fresh engine and route AWS calls to it; the Database."""
        from ..embedded import open as open_database  # boto3 and the engine: only when used
        hooks.install()
        database = open_database(self.store, **{"region": environment_region(), **self.settings})
        self._databases.append(database)
        self._placed.append(place_credentials())
        hooks.active.append(database)
        return database

    def stop(self) -> None:
        database = self._databases.pop()
        hooks.active.remove(database)
        for name in self._placed.pop():
            os.environ.pop(name, None)
        database.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def __call__(self, target):
        """Decorate a function, or a class: each of its tests gets a fresh
        engine (a unittest.TestCase from setUp to its cleanups)."""
        if not isinstance(target, type):
            return super().__call__(target)
        if issubclass(target, unittest.TestCase):
            target.setUp = self._started_in(target.setUp)
            return target
        for name, member in list(vars(target).items()):
            if name.startswith("test") and callable(member):
                setattr(target, name, super().__call__(member))
        return target

    def _started_in(self, set_up):
        @functools.wraps(set_up)
        def started_set_up(test_case, *args, **kwargs):
            self.start()
            test_case.addCleanup(self.stop)
            return set_up(test_case, *args, **kwargs)
        return started_set_up


def environment_region() -> str | None:
    """The region clients made from the environment use (None: the engine's
    default): the database's default namespace, so `db.client()` sees the
    tables the application's clients make."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def place_credentials() -> list[str]:
    """Set the placeholder keys unless the environment has keys; the names set."""
    if any(name in os.environ for name in PLACEHOLDER_CREDENTIALS):
        return []
    os.environ.update(PLACEHOLDER_CREDENTIALS)
    return list(PLACEHOLDER_CREDENTIALS)
