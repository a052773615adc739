"""The pytest plugin (entry point `pytest11`, loaded by installing
dynalite-py): the routing hooks go in before test modules are imported, so
clients an application creates at import time are routed too, and two
fixtures give a fresh in-process engine with every boto3 DynamoDB,
DynamoDB Streams and Lambda client routed to it:

    def test_orders(dynalite):           # one engine per test
        app.place_order(...)             # the application's own clients
        assert dynalite.client().scan(TableName="orders")["Count"] == 1

`dynalite_session` is one engine for the whole session (faster, shared).
"""
from __future__ import annotations

import pytest

from . import hooks
from .mock import mock_aws


def pytest_configure(config) -> None:
    hooks.install()


@pytest.fixture
def dynalite():
    """A fresh in-memory engine for this test; AWS calls go to it."""
    with mock_aws() as database:
        yield database


@pytest.fixture(scope="session")
def dynalite_session():
    """One in-memory engine for the session; AWS calls go to it."""
    with mock_aws() as database:
        yield database
