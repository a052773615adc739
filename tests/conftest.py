"""Shared fixtures: a real server over HTTP and the embedded engine, both on
real LMDB directories, driven by real boto3 clients."""
from __future__ import annotations

import boto3
import pytest
from support import NO_RETRIES, REGION, create_table, http_client, start_server

import dynalite_py


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    process, url = start_server(str(tmp_path_factory.mktemp("server-data")))
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def embedded_db(tmp_path_factory):
    db = dynalite_py.open(str(tmp_path_factory.mktemp("embedded-data")))
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
