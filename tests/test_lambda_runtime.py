"""The handler runtime: warm workers, context, timeouts and error shapes."""
from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import http_client, start_server, zipped

from dynalite_py.lambda_.functions.runtime import FunctionSpec, Runtime

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HANDLERS = {
    "counter.py": (
        "import os\nCALLS = 0\n"
        "def handle(event, context):\n"
        "    global CALLS\n    CALLS += 1\n    print('call', CALLS)\n"
        "    return {'calls': CALLS, 'event': event, 'name': context.function_name,\n"
        "            'memory': context.memory_limit_in_mb, 'remaining': context.get_remaining_time_in_millis(),\n"
        "            'request': context.aws_request_id, 'env': os.environ.get('GREETING'),\n"
        "            'region': os.environ['AWS_REGION'], 'handler': os.environ['_HANDLER']}\n"),
    "slow.py": "import time\ndef handle(event, context):\n    time.sleep(event['sleep'])\n    return 'done'\n",
    "broken.py": "def handle(event, context):\n    raise KeyError('missing')\n",
    "slow_init.py": "import time\ntime.sleep(1.0)\ndef handle(event, context):\n    return event\n",
    "endless_init.py": "import time\ntime.sleep(60)\ndef handle(event, context):\n    return event\n",
    "odd.py": "def handle(event, context):\n    return {1, 2}\n",
    "pkg/__init__.py": "",
    "pkg/inner.py": "def handle(event, context):\n    return 'nested'\n",
}


@pytest.fixture(scope="module")
def code_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("code")
    for name, source in HANDLERS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    return str(root)


@pytest.fixture(scope="module")
def runtime():
    runtime = Runtime()
    yield runtime
    runtime.close()


def spec(code_dir: str, handler: str, **extra) -> FunctionSpec:
    return FunctionSpec(name=handler.split(".")[0], handler=handler, code_dir=code_dir, **extra)


def test_warm_worker_context_and_environment(runtime, code_dir):
    counter = spec(code_dir, "counter.handle", environment={"GREETING": "hi"}, memory_size=256)
    first = runtime.invoke(counter, {"n": 1})
    second = runtime.invoke(counter, {"n": 2})
    assert first.ok and second.ok
    assert (first.payload["calls"], second.payload["calls"]) == (1, 2)  # the same warm worker
    assert second.payload["event"] == {"n": 2} and second.payload["name"] == "counter"
    assert second.payload["memory"] == "256" and 0 < second.payload["remaining"] <= 3000
    assert second.payload["env"] == "hi" and second.payload["handler"] == "counter.handle"
    assert second.payload["request"] == second.request_id != first.request_id
    assert second.logs == "call 2\n"
    changed = spec(code_dir, "counter.handle", environment={"GREETING": "hello"}, memory_size=256)
    assert runtime.invoke(changed, {}).payload["calls"] == 1  # new configuration: cold start


def test_timeout_ends_the_worker(runtime, code_dir):
    slow = spec(code_dir, "slow.handle", timeout=0.5)
    result = runtime.invoke(slow, {"sleep": 5})
    assert not result.ok and result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert result.payload["errorMessage"].endswith("Task timed out after 0.50 seconds")
    assert runtime.invoke(slow, {"sleep": 0}).payload == "done"


@pytest.mark.parametrize("handler, error_type, message", [
    ("broken.handle", "KeyError", "'missing'"),
    ("odd.handle", "TypeError", "Object of type set is not JSON serializable"),
    ("nodot", "Runtime.MalformedHandlerName", None),
    ("absent.handle", "Runtime.ImportModuleError", "Unable to import module 'absent': No module named 'absent'"),
    ("counter.nothing", "Runtime.HandlerNotFound", "Handler 'nothing' missing on module 'counter'"),
])
def test_error_shapes(runtime, code_dir, handler, error_type, message):
    result = runtime.invoke(spec(code_dir, handler), {})
    assert not result.ok
    assert result.payload["errorType"] == error_type
    assert set(result.payload) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    if message:
        assert result.payload["errorMessage"] == message


def test_dotted_module_and_embedded_callable(runtime, code_dir):
    assert runtime.invoke(spec(code_dir, "pkg.inner.handle"), {}).payload == "nested"
    seen = []
    embedded = FunctionSpec(name="inline", handler="embedded.callable", code_dir=None,
                            callable=lambda event, context: seen.append(event) or context.function_name)
    result = runtime.invoke(embedded, {"b": b"x".hex()})
    assert result.ok and result.payload == "inline" and seen == [{"b": "78"}]


def test_an_init_longer_than_the_init_limit_never_mixes_up_answers(code_dir):
    """The init phase outlasts the init limit (0.3 s) but not limit plus
    Timeout: the first call waits for it, and 50 concurrent calls each get
    their own answer (the worker's start-up message was once taken for the
    first answer, and every later call got the previous call's)."""
    runtime = Runtime(init_timeout=0.3)
    try:
        slow_init = spec(code_dir, "slow_init.handle", timeout=3.0)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda n: runtime.invoke(slow_init, {"n": n}), range(50)))
        assert [result.payload for result in results] == [{"n": n} for n in range(50)]
        assert all(result.ok for result in results)
    finally:
        runtime.close()


def test_an_init_that_never_ends_times_out_and_is_replaced(code_dir):
    runtime = Runtime(init_timeout=0.2)
    try:
        endless = spec(code_dir, "endless_init.handle", timeout=0.3)
        first = runtime.invoke(endless, {"n": 1})
        assert not first.ok and first.payload["errorType"] == "Sandbox.Timedout"
        assert first.payload["requestId"] == first.request_id
        assert runtime.invoke(spec(code_dir, "slow_init.handle", timeout=3.0), {"n": 2}).payload == {"n": 2}
    finally:
        runtime.close()


def test_a_slow_init_over_http_answers_every_invoke_with_its_own_result(tmp_path):
    """End to end: boto3 invokes a slow-init function 50 times at once; no
    500, no dropped connection, each answer belongs to its request."""
    process, url = start_server(str(tmp_path), "--workers", "1",
                                env={"DYNALITE_FUNCTION_INIT_TIMEOUT": "0.3"})
    try:
        lambda_client = http_client(url, "lambda")
        lambda_client.create_function(
            FunctionName="slow-init", Runtime="python3.11", Role=ROLE, Timeout=5,
            Handler="lambda_function.handle", Code={"ZipFile": zipped(HANDLERS["slow_init.py"])})

        def invoke(n: int) -> dict:
            answer = http_client(url, "lambda").invoke(FunctionName="slow-init",
                                                       Payload=json.dumps({"n": n}))
            assert answer["StatusCode"] == 200 and "FunctionError" not in answer
            return json.loads(answer["Payload"].read())

        with ThreadPoolExecutor(10) as pool:
            assert list(pool.map(invoke, range(50))) == [{"n": n} for n in range(50)]
    finally:
        process.terminate()
        process.wait(10)


ENVIRONMENT_PROBE = """
import os, boto3
def handle(event, context):
    tables = boto3.client("dynamodb").list_tables()["TableNames"]
    return {"environment": dict(os.environ), "tables": tables}
"""


def test_a_function_sees_lambdas_environment_not_the_servers(tmp_path):
    """The server's secrets stay out of functions, and a handler's boto3
    calls reach this server with dummy keys, never real AWS."""
    process, url = start_server(str(tmp_path), "--workers", "1", env={
        "AWS_ACCESS_KEY_ID": "AKIAREALKEY", "AWS_SECRET_ACCESS_KEY": "real-secret",
        "AWS_PROFILE": "production", "HOST_ONLY_TOKEN": "do-not-leak"})
    try:
        http_client(url).create_table(
            TableName="seen-by-function", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        lambda_client = http_client(url, "lambda")
        lambda_client.create_function(
            FunctionName="probe", Runtime="python3.11", Role=ROLE, Timeout=10,
            Handler="lambda_function.handle", Code={"ZipFile": zipped(ENVIRONMENT_PROBE)},
            Environment={"Variables": {"STAGE": "test"}})
        answer = lambda_client.invoke(FunctionName="probe")
        assert "FunctionError" not in answer, answer["Payload"].read()
        seen = json.loads(answer["Payload"].read())
        environment = seen["environment"]
        assert seen["tables"] == ["seen-by-function"]
        assert environment["AWS_ENDPOINT_URL"] == url
        assert environment["STAGE"] == "test" and environment["AWS_REGION"] == "us-east-1"
        assert environment["AWS_LAMBDA_FUNCTION_NAME"] == "probe"
        assert environment["AWS_ACCESS_KEY_ID"] != "AKIAREALKEY"
        assert "real-secret" not in environment.values()
        assert "HOST_ONLY_TOKEN" not in environment and "AWS_PROFILE" not in environment
    finally:
        process.terminate()
        process.wait(10)


POOLED = ("import os, sys, time, importlib.util\nCALLS = 0\n"
          "def handle(event, context):\n"
          "    global CALLS\n    CALLS += 1\n    time.sleep(event.get('sleep', 0))\n"
          "    return {'pid': os.getpid(), 'calls': CALLS, 'arn': context.invoked_function_arn,\n"
          "            'ours': importlib.util.find_spec('qualifiers') is not None}\n")


@pytest.fixture(scope="module")
def pooled_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("pooled")
    (root / "pooled.py").write_text(POOLED)
    return str(root)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is not alive
        return stat.read().split()[2] != "Z"


def test_busy_environments_make_new_ones_and_idle_ones_are_reused(pooled_dir):
    runtime = Runtime()
    try:
        pooled = spec(pooled_dir, "pooled.handle", timeout=10.0)
        with ThreadPoolExecutor(3) as pool:
            first = list(pool.map(lambda _: runtime.invoke(pooled, {"sleep": 1.0}), range(3)))
        assert [r.payload["calls"] for r in first] == [1, 1, 1]
        assert len({r.payload["pid"] for r in first}) == 3
        assert all(r.init_duration is not None and r.max_memory_used > 0 for r in first)
        again = runtime.invoke(pooled, {})
        assert again.payload["calls"] == 2 and again.init_duration is None
        assert again.payload["pid"] in {r.payload["pid"] for r in first}
        assert again.payload["ours"] is False  # the runtime's own modules are not importable
    finally:
        runtime.close()
    assert not any(alive(r.payload["pid"]) for r in first)  # close stops every environment


def test_the_invoked_arn_travels_with_each_call(pooled_dir):
    runtime = Runtime()
    try:
        arn = "arn:aws:lambda:us-east-1:000000000000:function:pooled"
        by_alias = runtime.invoke(spec(pooled_dir, "pooled.handle", function_arn=f"{arn}:live",
                                       version="1"), {})
        by_number = runtime.invoke(spec(pooled_dir, "pooled.handle", function_arn=f"{arn}:1",
                                        version="1"), {})
        assert (by_alias.payload["arn"], by_number.payload["arn"]) == (f"{arn}:live", f"{arn}:1")
        assert by_number.payload["pid"] == by_alias.payload["pid"]  # one warm environment
        assert by_number.payload["calls"] == 2
    finally:
        runtime.close()


def test_stale_and_idle_environments_are_stopped(pooled_dir):
    runtime = Runtime(idle_seconds=0.5)
    try:
        old = runtime.invoke(spec(pooled_dir, "pooled.handle", environment={"V": "1"}), {})
        new = runtime.invoke(spec(pooled_dir, "pooled.handle", environment={"V": "2"}), {})
        assert new.payload["pid"] != old.payload["pid"] and new.payload["calls"] == 1
        assert not alive(old.payload["pid"])  # its configuration changed: it went
        time.sleep(0.8)
        other = runtime.invoke(spec(pooled_dir, "pooled.handle", version="3"), {})
        assert not alive(new.payload["pid"]) and alive(other.payload["pid"])  # idle: went
    finally:
        runtime.close()
