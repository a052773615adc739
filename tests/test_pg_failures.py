"""A store that fails, and how a server says what it serves from: the health
route (GET /_dynalite/health, every backend), the banner naming the store,
and a PostgreSQL database that goes down while servers run on it (its own
cluster, stopped and started again: requests fail with DynamoDB's
InternalServerError at once, the server keeps running and recovers when the
database returns, and no acknowledged write is lost)."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from urllib.parse import quote

import boto3
import httpx
import pg
import psycopg
import pytest
import support
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from support import (
    AUDIT_HANDLER,
    REGION,
    create_table,
    free_port,
    signed_server,
    start_server,
    unique_name,
    wait_for,
)

FAST_FAILURE = 3.0  # seconds a call may take to fail while the database is down
RECOVERY = 10.0  # seconds within which calls succeed again once it is back
ONE_ATTEMPT = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"},
                         connect_timeout=5, read_timeout=30)


def client_of(url: str):
    return boto3.client("dynamodb", endpoint_url=url, region_name=REGION,
                        aws_access_key_id="any", aws_secret_access_key="any",
                        config=ONE_ATTEMPT)


def health(url: str) -> tuple[int, dict]:
    answer = httpx.get(url + "/_dynalite/health", timeout=10)
    return answer.status_code, answer.json()


def test_the_health_route_names_the_store_and_says_it_answers(tmp_path):
    process, url = start_server(str(tmp_path / "data"), "--workers", "1")
    try:
        status, body = health(url)
        assert (status, body) == (200, {"store": support.BACKEND, "healthy": True})
        foreign = httpx.get(url + "/_dynalite/health", headers={"Host": "evil.example"})
        assert foreign.status_code == 403
        dynamodb_health = httpx.get(url + "/")  # AWS's own answer is unchanged
        assert dynamodb_health.status_code == 200
        assert dynamodb_health.text.startswith("healthy: dynamodb.")
    finally:
        process.terminate()
        process.wait(10)


def test_the_health_route_answers_unsigned_under_auth(tmp_path):
    """A load balancer cannot sign its checks: the health route, like GET /,
    needs no signature; the other /_dynalite routes still do."""
    with signed_server(tmp_path, "AKIDHEALTH", "secret") as url:
        assert health(url)[0] == 200
        assert httpx.get(url + "/_dynalite/statistics").status_code == 400


def banner(*store_arguments: str) -> str:
    """What `serve` prints on stderr up to its banner's store line; then stopped, once it
    answers (a stop during start-up may race uvicorn's own signal handlers)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "1",
         *store_arguments], stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if line.lstrip().startswith("store "):
                break
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/"), 20)
        return "".join(lines)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_serve_says_which_store_it_serves_from(tmp_path):
    assert f"the LMDB directory {tmp_path / 'data'}" in banner(
        "--data-dir", str(tmp_path / "data"))
    assert "store      memory" in banner("--in-memory")


@pytest.mark.postgres_only("a PostgreSQL URL with a password")
def test_serve_names_the_database_without_its_password(tmp_path):
    location = support.store_location(str(tmp_path / "data"))
    with_password = location.replace("postgresql://postgres@",
                                     f"postgresql://postgres:{quote('s3cret')}@")
    said = banner("--store", with_password)
    assert "store      PostgreSQL postgresql://postgres:***@127.0.0.1:" in said
    assert "s3cret" not in said


@pytest.fixture(scope="module")
def own_cluster():
    """A PostgreSQL server of these tests alone (they stop it), durable
    against a crash of the server process (synchronous commits)."""
    if support.BACKEND != "postgres":
        pytest.skip("PostgreSQL only")
    cluster = pg.Cluster(synchronous_commit="on")
    yield cluster
    cluster.stop()


class Writer(threading.Thread):
    """Puts items k0, k1, ... until stopped, noting which were acknowledged,
    which errors the others got, and how long each failure took."""

    def __init__(self, client, table: str) -> None:
        super().__init__(daemon=True)
        self.client, self.table = client, table
        self.acknowledged: list[str] = []
        self.errors: set[tuple[str, int]] = set()
        self.slowest_failure = 0.0
        self.stopping = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stopping.is_set():
            key, started = f"k{number}", time.monotonic()
            number += 1
            try:
                self.client.put_item(TableName=self.table, Item={"pk": {"S": key}})
            except ClientError as error:
                self.errors.add((error.response["Error"]["Code"],
                                 error.response["ResponseMetadata"]["HTTPStatusCode"]))
                self.slowest_failure = max(self.slowest_failure, time.monotonic() - started)
                time.sleep(0.01)
            else:
                self.acknowledged.append(key)

    def stop(self) -> None:
        self.stopping.set()
        self.join(30)


@pytest.mark.postgres_only("the database stops and starts again")
@pytest.mark.parametrize("crash", [True, False], ids=["crash", "shutdown"])
def test_a_database_down_mid_run_fails_calls_and_the_server_recovers(own_cluster, tmp_path,
                                                                        crash):
    location = own_cluster.store_url(f"outage_{crash}")
    process, url = start_server(str(tmp_path / "data"), "--workers", "1", "--store", location)
    try:
        client = client_of(url)
        table = create_table(client)
        writer = Writer(client, table)
        writer.start()
        try:
            wait_for(lambda: len(writer.acknowledged) >= 20)
            own_cluster.stop_server(crash=crash)
            failures_before = time.monotonic()
            wait_for(lambda: writer.errors, 10)
            time.sleep(1.0)  # calls keep failing, each at once
            assert writer.errors == {("InternalServerError", 500)}
            assert writer.slowest_failure < FAST_FAILURE
            assert health(url) == (503, {"store": "postgres", "healthy": False})
            with pytest.raises(ClientError) as read_failure:
                client.get_item(TableName=table, Key={"pk": {"S": "k0"}})
            assert read_failure.value.response["Error"]["Code"] == "InternalServerError"
            assert httpx.get(url + "/").status_code == 200  # the server itself runs
            acknowledged_while_down = len(writer.acknowledged)
            own_cluster.start_server()
            back = time.monotonic()
            wait_for(lambda: len(writer.acknowledged) > acknowledged_while_down + 10, RECOVERY)
            assert time.monotonic() - back < RECOVERY
            assert time.monotonic() - failures_before > 1.0
        finally:
            writer.stop()
        assert health(url) == (200, {"store": "postgres", "healthy": True})
        assert process.poll() is None
        stored = {item["pk"]["S"] for page in client.get_paginator("scan").paginate(
            TableName=table, ConsistentRead=True) for item in page["Items"]}
        assert set(writer.acknowledged) <= stored
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.postgres_only("a database that cannot be reached")
def test_a_database_down_at_start_is_one_line_and_a_non_zero_exit():
    down = f"postgresql://postgres:pw@127.0.0.1:{free_port()}/dynalite"
    served = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--port",
                             str(free_port()), "--store", down],
                            capture_output=True, text=True, timeout=60)
    assert served.returncode == 1
    assert served.stderr.count("\n") == 1
    assert served.stderr.startswith("dynalite-py: cannot connect to the database "
                                    "postgresql://postgres:***@127.0.0.1:")
    assert "Connection refused" in served.stderr
    assert "pw@" not in served.stderr


@pytest.mark.postgres_only("a lost connection is not a database that is down")
def test_lost_connections_do_not_fail_the_calls_after_them(own_cluster):
    """Connections the database drops (pg_terminate_backend) fail only the
    calls using them: the probe finds the database up, later calls work."""
    import dynalite_py
    location = own_cluster.store_url("lost_connections")
    with dynalite_py.open(location) as db:
        client = db.client(config=ONE_ATTEMPT)
        table = create_table(client)
        client.put_item(TableName=table, Item={"pk": {"S": "before"}})
        with psycopg.connect(own_cluster.url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")
        outcomes = []
        for number in range(5):
            try:
                client.put_item(TableName=table, Item={"pk": {"S": f"after{number}"}})
                outcomes.append("ok")
            except ClientError as error:
                outcomes.append(error.response["Error"]["Code"])
        assert set(outcomes) <= {"ok", "InternalServerError"}
        assert outcomes[-2:] == ["ok", "ok"]
        assert db.engine.store.answers()


@pytest.mark.postgres_only("the database stops and starts again")
def test_a_trigger_delivers_again_once_the_database_is_back(own_cluster, tmp_path):
    """The trigger's consumer fails while the database is down; once it is
    back the consumer runs again and delivers what was written before and
    after (at least once)."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "audit.py").write_text(AUDIT_HANDLER)
    table = unique_name("audited")
    location = own_cluster.store_url("trigger_outage")
    process, url = start_server(str(tmp_path / "data"), "--workers", "1", "--store", location,
                                "--trigger", f"{table}=audit.record", "--code-dir", str(code))
    try:
        client = client_of(url)
        create_table(client, TableName=table, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        seen = code / "seen.txt"
        client.put_item(TableName=table, Item={"pk": {"S": "before"}})
        wait_for(lambda: seen.exists() and "before" in seen.read_text().split(), 20)
        own_cluster.stop_server(crash=True)
        time.sleep(1.5)  # the consumer and the sweeper fail meanwhile
        own_cluster.start_server()
        wait_for(lambda: health(url)[0] == 200, RECOVERY)
        client.put_item(TableName=table, Item={"pk": {"S": "after"}})
        wait_for(lambda: "after" in seen.read_text().split(), 20)
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(10)
