"""Lambda concurrency, end to end over HTTP and embedded: reserved
concurrency set, read, removed and enforced on synchronous calls (across
the server's worker processes), the account's limits, and several
execution environments per function."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from support import (
    NO_RETRIES,
    create_function,
    http_client,
    listeners,
    start_server,
    unique_name,
    wait_for,
)

SLOW = '''
import os, time
CALLS = 0
def handler(event, context):
    global CALLS
    CALLS += 1
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "server": os.getppid(), "calls": CALLS}
'''


@pytest.fixture
def new_lambda_client(client, server_url, embedded_db):
    """Makes Lambda clients on the transport under test, one per thread."""
    if client.meta.endpoint_url == server_url:
        return lambda: http_client(server_url, "lambda")
    return lambda: embedded_db.client("lambda", config=NO_RETRIES)


def outcome(lambda_client, name: str, event: dict) -> dict | str:
    """The handler's answer, or the error code and Reason of a refused call."""
    try:
        response = lambda_client.invoke(FunctionName=name, Payload=json.dumps(event))
    except ClientError as error:
        return f"{error.response['Error']['Code']}/{error.response.get('Reason')}"
    assert "FunctionError" not in response
    return json.loads(response["Payload"].read())


def in_parallel(new_lambda_client, name: str, event: dict, calls: int) -> list:
    clients = [new_lambda_client() for _ in range(calls)]
    with ThreadPoolExecutor(calls) as pool:
        return list(pool.map(lambda c: outcome(c, name, event), clients))


def test_put_get_and_delete_function_concurrency(lambda_client):
    name = create_function(lambda_client, SLOW)
    assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(
        FunctionName=name)
    before = lambda_client.get_account_settings()["AccountLimit"]
    assert before["ConcurrentExecutions"] == 1000
    assert lambda_client.put_function_concurrency(
        FunctionName=name, ReservedConcurrentExecutions=5)["ReservedConcurrentExecutions"] == 5
    assert lambda_client.get_function_concurrency(
        FunctionName=name)["ReservedConcurrentExecutions"] == 5
    assert lambda_client.get_function(FunctionName=name)["Concurrency"] == {
        "ReservedConcurrentExecutions": 5}
    during = lambda_client.get_account_settings()
    assert during["AccountLimit"]["UnreservedConcurrentExecutions"] == \
        before["UnreservedConcurrentExecutions"] - 5
    assert during["AccountUsage"]["FunctionCount"] >= 1
    assert during["AccountUsage"]["TotalCodeSize"] > 0
    lambda_client.delete_function_concurrency(FunctionName=name)
    assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(
        FunctionName=name)
    assert "Concurrency" not in lambda_client.get_function(FunctionName=name)
    assert lambda_client.get_account_settings()["AccountLimit"][
        "UnreservedConcurrentExecutions"] == before["UnreservedConcurrentExecutions"]


def test_a_reservation_must_leave_the_account_its_minimum(lambda_client):
    name = create_function(lambda_client, SLOW)
    with pytest.raises(ClientError) as refused:
        lambda_client.put_function_concurrency(FunctionName=name,
                                               ReservedConcurrentExecutions=901)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert refused.value.response["Error"]["Message"] == (
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].")
    assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(
        FunctionName=name)
    for call in (lambda_client.get_function_concurrency,
                 lambda_client.delete_function_concurrency):
        with pytest.raises(ClientError) as missing:
            call(FunctionName=unique_name("none"))
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_reserved_concurrency_throttles_exactly_the_calls_over_it(lambda_client,
                                                                   new_lambda_client):
    """Reserved concurrency 2, six slow calls at once: two run, four are
    throttled with AWS's Reason; then the slots are free again."""
    name = create_function(lambda_client, SLOW, Timeout=10)
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    outcomes = in_parallel(new_lambda_client, name, {"sleep": 3.0}, 6)
    throttled = [o for o in outcomes if isinstance(o, str)]
    assert throttled == ["TooManyRequestsException/"
                         "ReservedFunctionConcurrentInvocationLimitExceeded"] * 4
    assert len([o for o in outcomes if isinstance(o, dict)]) == 2
    again = in_parallel(new_lambda_client, name, {"sleep": 0.5}, 2)
    assert all(isinstance(o, dict) for o in again)


@pytest.mark.shared_store("several server processes on one store")
def test_server_worker_processes_share_warm_environments_and_concurrency(tmp_path):
    """`serve --workers 2`, each call on a connection of its own (landing on
    either worker process): calls one after another reuse one warm
    environment, its module state growing (per-process environments would
    start a second, cold); and the function's two slots are counted in the
    store, so six calls at once give exactly two runs and four throttles
    (counts per process would let up to four run)."""
    process, url = start_server(str(tmp_path), "--workers", "2")
    try:
        wait_for(lambda: listeners(url) == 2)
        name = create_function(http_client(url, "lambda"), SLOW, Timeout=10)
        new_client = lambda: http_client(url, "lambda")  # noqa: E731
        warm = [outcome(new_client(), name, {}) for _ in range(10)]
        assert [o["calls"] for o in warm] == list(range(1, 11))
        assert {o["pid"] for o in warm} == {warm[0]["pid"]}
        new_client().put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
        for _ in range(2):  # and the slots are free again after a round
            outcomes = in_parallel(new_client, name, {"sleep": 1.5}, 6)
            assert sorted(map(str, outcomes)).count(
                "TooManyRequestsException/ReservedFunctionConcurrentInvocationLimitExceeded") == 4
            assert len([o for o in outcomes if isinstance(o, dict)]) == 2
    finally:
        process.terminate()
        process.wait(10)


def test_reserved_concurrency_zero_refuses_every_call(lambda_client):
    name = create_function(lambda_client, SLOW)
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert outcome(lambda_client, name, {}) == (
        "TooManyRequestsException/ReservedFunctionConcurrentInvocationLimitExceeded")
    lambda_client.delete_function_concurrency(FunctionName=name)
    assert outcome(lambda_client, name, {})["calls"] == 1


def test_busy_environments_make_new_cold_ones(lambda_client, new_lambda_client):
    """Three calls at once each get an environment of their own (a cold
    start each: its module state is fresh); a later call reuses a warm one."""
    name = create_function(lambda_client, SLOW, Timeout=10)
    outcomes = in_parallel(new_lambda_client, name, {"sleep": 1.5}, 3)
    assert [o["calls"] for o in outcomes] == [1, 1, 1]
    pids = {o["pid"] for o in outcomes}
    assert len(pids) == 3
    deadline = time.time() + 30
    while time.time() < deadline:  # a new connection may land on another server process
        warm = outcome(new_lambda_client(), name, {})
        if warm["pid"] in pids:
            break
    assert warm["pid"] in pids and warm["calls"] == 2


def test_a_slot_left_by_a_dead_process_expires(embedded_db):
    """A call's slot is a record with an expiry: a server that died
    mid-call does not hold its function's concurrency for ever."""
    lambda_client = embedded_db.client("lambda", config=NO_RETRIES)
    name = create_function(lambda_client, SLOW)
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    engine = embedded_db.engine
    slots = engine.repos.concurrency_slots
    engine.store.write(lambda ctx: slots.put(ctx.txn, name, "live",
                                             {"id": "live", "expires": time.time() + 60}))
    assert outcome(lambda_client, name, {}).startswith("TooManyRequestsException")
    engine.store.write(lambda ctx: slots.put(ctx.txn, name, "live",
                                             {"id": "live", "expires": time.time() - 1}))
    assert outcome(lambda_client, name, {})["calls"] == 1
    with engine.store.read() as txn:
        assert slots.of(txn, name) == []  # the expired slot went, the call's was released


def test_reserved_concurrency_covers_every_version_of_the_function(lambda_client,
                                                                  new_lambda_client):
    """Reserved concurrency is the function's: a call of version 1 and one of
    $LATEST share its one slot."""
    name = create_function(lambda_client, SLOW, Timeout=10, Publish=True)
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    clients = [new_lambda_client(), new_lambda_client()]
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(outcome, clients[0], f"{name}:1", {"sleep": 3.0})
        time.sleep(1.0)  # the version's call holds the slot
        refused = pool.submit(outcome, clients[1], name, {}).result()
        assert isinstance(slow.result(), dict)
    assert refused == "TooManyRequestsException/ReservedFunctionConcurrentInvocationLimitExceeded"
    assert isinstance(outcome(lambda_client, name, {}), dict)


def test_the_account_counts_every_version_s_code(lambda_client):
    before = lambda_client.get_account_settings()["AccountUsage"]
    name = create_function(lambda_client, SLOW)
    size = lambda_client.get_function_configuration(FunctionName=name)["CodeSize"]
    lambda_client.update_function_configuration(FunctionName=name, Timeout=4)
    lambda_client.publish_version(FunctionName=name)
    after = lambda_client.get_account_settings()["AccountUsage"]
    # $LATEST and version 1 each count (other tests may add functions meanwhile)
    assert after["FunctionCount"] >= before["FunctionCount"] + 1
    assert after["TotalCodeSize"] >= before["TotalCodeSize"] + 2 * size


def test_a_deleted_function_takes_its_reservation_back(lambda_client):
    name = create_function(lambda_client, SLOW)
    before = lambda_client.get_account_settings()["AccountLimit"][
        "UnreservedConcurrentExecutions"]
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    lambda_client.delete_function(FunctionName=name)
    assert lambda_client.get_account_settings()["AccountLimit"][
        "UnreservedConcurrentExecutions"] == before
