"""Shared fixtures: a real server over HTTP and the embedded engine, both on
the backend under test (`--backend lmdb`, the default, `--backend memory`
or `--backend postgres`: a throwaway PostgreSQL server for the session,
tests/pg.py), driven by real boto3 clients. Tests marked `lmdb_only(reason)`
are skipped on the other backends, `postgres_only(reason)` on all but
postgres, `not_on_postgres(reason)` on postgres, `shared_store(reason)` on
memory (one process's store); `any_store(reason)` tests (grammar,
signatures, transport: no store involved) run on the lmdb run only and are
deselected on the others."""
from __future__ import annotations

import boto3
import pytest
import support

# moto's server (S3, Kinesis) and the engines exporting to it (tests/s3_server.py)
from s3_server import (  # noqa: F401
    bucket,
    moto_endpoint,
    s3,
    s3_dynamodb,
    s3_embedded_db,
    s3_endpoint,
    s3_server_url,
)
from support import NO_RETRIES, REGION, create_table, http_client, open_db, start_server


def pytest_addoption(parser):
    parser.addoption("--backend", choices=("lmdb", "memory", "postgres"), default="lmdb",
                     help="the storage backend the tests run on (default: lmdb)")


def pytest_configure(config):
    support.BACKEND = config.getoption("backend")
    config.addinivalue_line("markers", "lmdb_only(reason): needs the LMDB backend (files on "
                                       "disk, several processes, its map size)")
    config.addinivalue_line("markers", "not_on_postgres(reason): does not hold on the "
                                       "PostgreSQL backend yet")
    config.addinivalue_line("markers", "postgres_only(reason): needs the PostgreSQL backend "
                                       "(several servers on one database)")
    config.addinivalue_line("markers", "shared_store(reason): needs a store several "
                                       "processes share (LMDB, PostgreSQL)")
    config.addinivalue_line("markers", "any_store(reason): what it tests does not touch the "
                                       "store: run on the lmdb run only, deselected on the others")
    if support.BACKEND == "postgres" and not _is_xdist_controller(config):
        import pg
        support.POSTGRES = pg.Cluster()


def _is_xdist_controller(config) -> bool:
    """With `-n N` the controller runs no test: only its workers need a
    PostgreSQL server (one each)."""
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def pytest_unconfigure(config):
    if support.POSTGRES is not None:
        support.POSTGRES.stop()
        support.POSTGRES = None


# marker -> (the backends it skips, the reason's prefix)
_SKIPPING = {"lmdb_only": (("memory", "postgres"), "LMDB only"),
             "not_on_postgres": (("postgres",), "not on PostgreSQL yet"),
             "postgres_only": (("lmdb", "memory"), "PostgreSQL only"),
             "shared_store": (("memory",), "not in memory")}


def pytest_collection_modifyitems(config, items):
    if support.BACKEND != "lmdb":  # any_store tests run once, on the lmdb run
        once = [item for item in items if item.get_closest_marker("any_store")]
        if once:
            config.hook.pytest_deselected(items=once)
            items[:] = [item for item in items if not item.get_closest_marker("any_store")]
    for item in items:
        for name, (backends, prefix) in _SKIPPING.items():
            marker = item.get_closest_marker(name)
            if marker is not None and support.BACKEND in backends:
                item.add_marker(pytest.mark.skip(reason=f"{prefix}: {marker.args[0]}"))


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
def lambda_client(client, server_url, embedded_db):
    """A boto3 Lambda client on the same transport as `client`."""
    if client.meta.endpoint_url == server_url:
        return http_client(server_url, "lambda")
    return embedded_db.client("lambda", config=NO_RETRIES)


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
