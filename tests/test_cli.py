"""`dynalite-py serve` explains itself: its banner, --version, a taken port,
notable events and --log-format json's request lines."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest
import support
from support import create_table, http_client, wait_for

import dynalite_py

CLI = [sys.executable, "-m", "server.cli"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def backend_arguments(data_dir: str) -> list[str]:
    return {"lmdb": [], "memory": ["--in-memory"],
            "postgres": ["--store", support.store_location(data_dir)]}[support.BACKEND]


class Served:
    """A `serve` process whose stderr is collected line by line."""

    def __init__(self, data_dir: str, *extra: str) -> None:
        self.port = support.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(data_dir + "-stderr.log")
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [*CLI, "serve", "--port", str(self.port), "--data-dir", data_dir,
             *backend_arguments(data_dir), *extra],
            stderr=self.log_file, stdout=subprocess.DEVNULL)
        wait_for(lambda: "serving" in self.output() or self.process.poll() is not None)
        assert self.process.poll() is None, self.output()

    def output(self) -> str:
        with open(self.log_path) as file:
            return file.read()

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.output().splitlines()
                if line.startswith("{")]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log_file.close()


@pytest.fixture
def served(tmp_path):
    servers = []

    def start(*extra: str) -> Served:
        server = Served(str(tmp_path / f"data-{len(servers)}"), *extra)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()


def test_version_prints_the_package_version():
    result = subprocess.run([*CLI, "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert result.stdout.strip() == f"dynalite-py {dynalite_py.__version__}"


def test_the_banner_says_where_what_and_how(served):
    server = served("--workers", "1")
    banner = server.output()
    assert f"dynalite-py {dynalite_py.__version__} serving {server.url}" in banner
    assert "auth       off: any credentials work" in banner
    assert "workers    1" in banner
    assert f'endpoint_url="{server.url}"' in banner
    assert f"aws dynamodb list-tables --endpoint-url {server.url}" in banner
    assert f"export AWS_ENDPOINT_URL_DYNAMODB={server.url}" in banner
    if support.BACKEND == "lmdb":
        assert "kept across restarts" in banner and "to reset" in banner
    elif support.BACKEND == "memory":
        assert "store      memory" in banner
    else:
        assert "store      PostgreSQL postgresql://" in banner
    assert "Traceback" not in banner


def test_the_banner_shows_the_port_taken_for_port_zero(tmp_path):
    process = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--workers", "1", "--data-dir", str(tmp_path / "d"),
         *backend_arguments(str(tmp_path / "d"))],
        stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()
        url = first.split("serving ")[1].strip()
        assert not url.endswith(":0")
        assert http_client(url).list_tables()["TableNames"] == []
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_one_line_and_exit_code_1(tmp_path, workers):
    if support.BACKEND == "memory" and workers != "1":
        pytest.skip("--in-memory serves from one process")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*CLI, "serve", "--port", str(port), "--workers", workers,
             "--data-dir", str(tmp_path / "d"), *backend_arguments(str(tmp_path / "d"))],
            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"dynalite-py: port {port} on 127.0.0.1 is already in use (another server? "
        "pass --port, or stop the other one)"]


def test_the_banner_is_one_record_in_json_logs(served):
    server = served("--workers", "1", "--log-format", "json")
    first = json.loads(server.output().splitlines()[0])
    assert first["message"] == f"dynalite-py {dynalite_py.__version__} serving {server.url}"
    assert first["url"] == server.url and first["workers"] == 1
    assert first["auth_file"] is None and first["functions"] is True


def test_make_serve_takes_port_and_data(tmp_path):
    result = subprocess.run(["make", "-n", "-C", ROOT, "serve", "PORT=8123",
                             f"DATA={tmp_path}/data", "SERVE_ARGS=--log-format json"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert f"serve --host 127.0.0.1 --port 8123 --store {tmp_path}/data --log-format json" \
        in result.stdout


def test_notable_events_are_logged(served):
    server = served("--workers", "1")
    client = http_client(server.url)
    name = create_table(client)
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})
    client.put_item(TableName=name, Item={"pk": {"S": "old"},
                                          "expires": {"N": str(int(time.time()) - 10)}})
    client.update_table(
        TableName=name, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}}])
    wait_for(lambda: "backfill done" in server.output())
    wait_for(lambda: f"TTL pass on {name}: 1 expired items deleted" in server.output(), 60)
    client.delete_table(TableName=name)
    wait_for(lambda: f"table {name} deleted" in server.output())
    output = server.output()
    assert f"table {name} created" in output
    assert f"index {name}.by-g: backfill started" in output
    assert "Traceback" not in output


def test_json_logs_carry_a_line_per_request(served):
    server = served("--workers", "1", "--log-format", "json")
    client = http_client(server.url)
    name = create_table(client)
    answer = client.put_item(TableName=name, Item={"pk": {"S": "a"}})
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})
    request_id = answer["ResponseMetadata"]["RequestId"]

    def requests() -> list[dict]:
        return [line for line in server.json_lines() if line["logger"] == "dynalite_py.requests"]
    wait_for(lambda: any(line["operation"] == "GetItem" for line in requests()))
    put = next(line for line in requests() if line["operation"] == "PutItem")
    assert put["request_id"] == request_id
    assert put["table"] == name and put["status"] == 200
    assert isinstance(put["latency_ms"], float) and put["latency_ms"] >= 0
    missing = next(line for line in requests() if line["operation"] == "GetItem")
    assert missing["status"] == 400 and missing["table"] == "no-such-table"
    created = [line for line in server.json_lines() if line["logger"] == "dynalite_py.tables"]
    assert created[0]["message"] == f"table {name} created" and created[0]["level"] == "INFO"


def test_text_logs_keep_requests_quiet_unless_debug(served):
    quiet = served("--workers", "1")
    create_table(http_client(quiet.url))
    loud = served("--workers", "1", "--log-level", "debug")
    create_table(http_client(loud.url))
    time.sleep(0.2)
    assert "dynalite_py.requests" not in quiet.output()
    assert "dynalite_py.requests DescribeTable" in loud.output() or \
        "dynalite_py.requests CreateTable" in loud.output()


def test_a_handler_failure_is_logged_with_its_error(served, tmp_path):
    handlers = tmp_path / "handlers"
    handlers.mkdir()
    (handlers / "broken.py").write_text(
        "def handle(event, context):\n    raise ValueError('the handler broke on purpose')\n")
    server = served("--workers", "1", "--trigger", "orders=broken.handle",
                    "--code-dir", str(handlers))
    client = http_client(server.url)
    create_table(client, TableName="orders", StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    client.put_item(TableName="orders", Item={"pk": {"S": "x"}})
    wait_for(lambda: "the handler broke on purpose" in server.output(), 30)


# a --trigger handler that prints at import (the init phase) and on each call, to both streams
TALKER = ("import sys\n"
          "print('talker loaded')\n"
          "def handle(event, context):\n"
          "    for r in event['Records']:\n"
          "        print('saw', r['dynamodb']['Keys']['pk']['S'], r['dynamodb']['NewImage']['n']['N'])\n"
          "    print('to stderr', file=sys.stderr)\n")


def talking_server(served, tmp_path, *extra: str) -> Served:
    """A server running TALKER on the table "talk", created without a stream
    (the trigger enables one), with one item written."""
    handlers = tmp_path / "handlers"
    handlers.mkdir(exist_ok=True)
    (handlers / "talker.py").write_text(TALKER)
    server = served("--workers", "1", "--trigger", "talk=talker.handle",
                    "--code-dir", str(handlers), *extra)
    client = http_client(server.url)
    create_table(client, TableName="talk")
    # writes before the trigger enables the stream are in no stream
    wait_for(lambda: client.describe_table(TableName="talk")["Table"].get("LatestStreamArn"))
    client.put_item(TableName="talk", Item={"pk": {"S": "x"}, "n": {"N": "7"}})
    return server


def test_a_trigger_on_a_table_without_a_stream_enables_one(served, tmp_path):
    server = talking_server(served, tmp_path)
    wait_for(lambda: "saw x 7" in server.output(), 30)  # NewImage: the view carries images
    described = http_client(server.url).describe_table(TableName="talk")["Table"]
    assert described["StreamSpecification"] == {"StreamEnabled": True,
                                                "StreamViewType": "NEW_AND_OLD_IMAGES"}
    enabled = [line for line in server.output().splitlines() if "had no stream" in line]
    assert len(enabled) == 1, server.output()
    assert "dynalite_py.triggers trigger talk=talker.handle: table talk had no stream; " \
           "enabled one (NEW_AND_OLD_IMAGES)" in enabled[0]


def test_handler_output_goes_to_the_log_prefixed(served, tmp_path):
    server = talking_server(served, tmp_path)
    line = wait_for(lambda: [line for line in server.output().splitlines()
                             if line.endswith(" saw x 7")], 30)[0]
    function, request_id = line.split(" [", 1)[1].split("] ")[0].split(" ")
    assert function == "talk-talker-handle" and len(request_id) == 36
    prefix = f"[{function} {request_id}] "
    assert line.endswith(f" INFO dynalite_py.lambda.{function} {prefix}saw x 7")
    logged = [entry.split(prefix, 1)[1] for entry in server.output().splitlines()
              if prefix in entry]
    # the init phase's output leads the first invocation's, stdout and stderr in order
    assert logged == ["talker loaded", "saw x 7", "to stderr"]


def test_handler_output_in_json_logs_carries_function_and_request(served, tmp_path):
    server = talking_server(served, tmp_path, "--log-format", "json")
    entry = wait_for(lambda: [entry for entry in server.json_lines()
                              if entry["message"].endswith("] to stderr")], 30)[0]
    assert entry["logger"] == "dynalite_py.lambda.talk-talker-handle"
    assert entry["function"] == "talk-talker-handle" and entry["level"] == "INFO"
    assert entry["message"] == f"[talk-talker-handle {entry['request_id']}] to stderr"
    assert any(other["message"] == "[talk-talker-handle "
               f"{entry['request_id']}] saw x 7" for other in server.json_lines())


def test_the_json_formatter_carries_extras_and_exceptions():
    import logging

    from server.logs import JsonFormatter
    record = logging.makeLogRecord({"name": "dynalite_py.x", "levelname": "WARNING",
                                    "msg": "%s went %s", "args": ("it", "wrong"),
                                    "table": "orders", "status": 400})
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "it went wrong" and line["level"] == "WARNING"
    assert line["table"] == "orders" and line["status"] == 400
    assert "ValueError: boom" in line["exception"]
    assert line["time"].endswith("Z") and "args" not in line and "msg" not in line


@pytest.mark.parametrize("body, table", [
    (b'{"TableName": "orders", "Key": {}}', "orders"),
    (b'{"RequestItems": {"a": []}}', None),
    (b'not json', None),
    (b'[1, 2]', None),
    (b'{"TableName": 7}', None),
    (b'', None),
])
def test_the_request_line_names_the_table_when_there_is_one(body, table):
    from server.logs import table_named_in
    assert table_named_in(body) == table
