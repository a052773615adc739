"""Shared fixtures: a real server over HTTP and the embedded engine, both on
the backend under test (`--backend lmdb`, the default, or `--backend
memory`), driven by real boto3 clients. Tests marked `lmdb_only(reason)`
are skipped on the memory backend."""
from __future__ import annotations

import boto3
import pytest
import support
from support import NO_RETRIES, REGION, create_table, http_client, open_db, start_server


def pytest_addoption(parser):
    parser.addoption("--backend", choices=("lmdb", "memory"), default="lmdb",
                     help="the storage backend the tests run on (default: lmdb)")


def pytest_configure(config):
    support.BACKEND = config.getoption("backend")
    config.addinivalue_line("markers", "lmdb_only(reason): needs the LMDB backend (files on "
                                       "disk, several processes, its map size)")


def pytest_collection_modifyitems(config, items):
    if support.BACKEND == "lmdb":
        return
    for item in items:
        marker = item.get_closest_marker("lmdb_only")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=f"LMDB only: {marker.args[0]}"))


def pytest_report_header(config):
    return f"storage backend: {support.BACKEND}"


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    process, url = start_server(str(tmp_path_factory.mktemp("server-data")))
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def embedded_db(tmp_path_factory):
    db = open_db(str(tmp_path_factory.mktemp("embedded-data")))
    yield db
    db.close()


@pytest.fixture(params=["http", "embedded"])
def client(request, server_url, embedded_db):
    """A boto3 DynamoDB client, over HTTP and embedded in turn."""
    if request.param == "http":
        return http_client(server_url)
    return embedded_db.client(config=NO_RETRIES)


@pytest.fixture
def resource(client, server_url, embedded_db):
    """A boto3 resource on the same transport as `client`."""
    if client.meta.endpoint_url == server_url:
        return boto3.resource("dynamodb", endpoint_url=server_url, region_name=REGION,
                              aws_access_key_id="any", aws_secret_access_key="any")
    return embedded_db.resource()


@pytest.fixture
def table(client):
    return create_table(client)


@pytest.fixture
def range_table(client):
    return create_table(client, "S", "S")
