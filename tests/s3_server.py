"""moto's server as a real AWS-protocol endpoint (moto[server] is in the
`test` extra, so `make install` brings it): `moto_endpoint` starts one per
session on a free loopback port, serving every service moto has (S3 for
the export and import tests, Kinesis for the Kinesis destination tests);
`s3_endpoint` is it as the S3 endpoint; `s3` is a
boto3 S3 client on it; `s3_dynamodb` is a DynamoDB client, over HTTP and
embedded in turn, on an engine whose --s3-endpoint is that server."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import boto3
import httpx
import pytest
from support import NO_RETRIES, REGION, free_port, http_client, open_db, start_server

S3_CREDENTIALS = {"aws_access_key_id": "any", "aws_secret_access_key": "any"}


def moto_server_command() -> list[str]:
    return [os.path.join(os.path.dirname(sys.executable), "moto_server")]


@pytest.fixture(scope="session")
def moto_endpoint():
    port = free_port()
    process = subprocess.Popen([*moto_server_command(), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            httpx.get(url + "/", timeout=0.5)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.time() > deadline:
                process.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def s3_endpoint(moto_endpoint):
    return moto_endpoint


@pytest.fixture(scope="session")
def s3(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **S3_CREDENTIALS)


@pytest.fixture
def bucket(s3) -> str:
    name = f"bucket-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def s3_server_url(tmp_path_factory, s3_endpoint):
    process, url = start_server(str(tmp_path_factory.mktemp("s3-server")),
                                "--s3-endpoint", s3_endpoint)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def s3_embedded_db(tmp_path_factory, s3_endpoint):
    db = open_db(str(tmp_path_factory.mktemp("s3-embedded")), s3_endpoint=s3_endpoint)
    yield db
    db.close()


@pytest.fixture(params=["http", "embedded"])
def s3_dynamodb(request, s3_server_url, s3_embedded_db):
    """A DynamoDB client on an engine exporting to and importing from moto."""
    if request.param == "http":
        return http_client(s3_server_url)
    return s3_embedded_db.client(config=NO_RETRIES)


def wait_for_status(describe, field: str, seconds: float = 60.0) -> dict:
    """Call `describe` until the job's `field` leaves IN_PROGRESS; its answer."""
    deadline = time.time() + seconds
    while True:
        answer = describe()
        if answer[field] != "IN_PROGRESS" or time.time() > deadline:
            return answer
        time.sleep(0.05)
