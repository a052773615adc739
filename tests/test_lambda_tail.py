"""Invoke's LogType=Tail, end to end over HTTP and embedded: AWS's START,
END and REPORT lines around the function's output, Init Duration on a
cold start only, the version that ran, and the 4 KB tail."""
from __future__ import annotations

import base64
import json
import math
import re

from hypothesis import given
from hypothesis import strategies as st
from support import NO_RETRIES, create_function, unique_name

from dynalite_py.lambda_.functions.logs import invocation_log
from dynalite_py.lambda_.functions.runtime import InvocationResult

LOUD = '''
import time
def handler(event, context):
    print("request", context.aws_request_id)
    print("x" * event.get("bulk", 0))
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise ValueError("failed on purpose")
    return "ok"
'''
REPORT = re.compile(r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>\d+\.\d\d) ms"
                    r"\tBilled Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB"
                    r"\tMax Memory Used: (?P<used>\d+) MB\t"
                    r"(?:Init Duration: (?P<init>\d+\.\d\d) ms\t)?(?P<status>Status: timeout\t)?$")


def tail(lambda_client, **request) -> tuple[dict, list[str]]:
    response = lambda_client.invoke(LogType="Tail", **request)
    return response, base64.b64decode(response["LogResult"]).decode().split("\n")


def report(line: str) -> dict:
    match = REPORT.match(line)
    assert match, line
    return match.groupdict()


def test_tail_wraps_the_output_in_start_end_and_report(lambda_client):
    name = create_function(lambda_client, LOUD, MemorySize=256)
    response, lines = tail(lambda_client, FunctionName=name, Payload=json.dumps({"sleep": 0.05}))
    assert response["StatusCode"] == 200 and json.loads(response["Payload"].read()) == "ok"
    request_id = lines[1].split()[1]  # what the handler saw as its aws_request_id
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert lines[1:4] == [f"request {request_id}", "", f"END RequestId: {request_id}"]
    cold = report(lines[4])
    assert lines[5:] == [""]
    assert cold["id"] == request_id and cold["memory"] == "256"
    assert float(cold["duration"]) >= 50
    assert int(cold["billed"]) == max(1, math.ceil(float(cold["duration"])))
    assert 1 <= int(cold["used"]) <= 256
    assert cold["init"] is not None and float(cold["init"]) > 0  # a cold start
    _, lines = tail(lambda_client, FunctionName=name, Payload=b"{}")
    warm = report(lines[4])
    assert warm["init"] is None and warm["id"] != cold["id"]


def test_tail_names_the_version_that_ran(lambda_client):
    name = create_function(lambda_client, LOUD, Publish=True)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    response, lines = tail(lambda_client, FunctionName=f"{name}:live")
    assert response["ExecutedVersion"] == "1"
    assert lines[0].startswith("START RequestId: ") and lines[0].endswith(" Version: 1")


def test_a_failing_function_still_has_its_lines(lambda_client):
    name = create_function(lambda_client, LOUD)
    response, lines = tail(lambda_client, FunctionName=name, Payload=json.dumps({"fail": True}))
    assert response["FunctionError"] == "Unhandled"
    assert lines[0].startswith("START RequestId: ") and lines[1].startswith("request ")
    assert lines[3].startswith("END RequestId: ") and report(lines[4])


def test_a_timeout_is_reported_as_lambda_reports_it(lambda_client):
    name = create_function(lambda_client, LOUD, Timeout=1)
    response, lines = tail(lambda_client, FunctionName=name, Payload=json.dumps({"sleep": 5}))
    assert response["FunctionError"] == "Unhandled"
    request_id = lines[0].split()[2]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
                    f"{request_id} RequestId: {request_id} Error: Task timed out after 1.00 "
                    "seconds$", lines[1])
    assert lines[2] == f"END RequestId: {request_id}"
    timed_out = report(lines[3])
    assert timed_out["status"] and float(timed_out["duration"]) >= 1000


def test_tail_is_the_last_4_kb(lambda_client):
    name = create_function(lambda_client, LOUD)
    response, lines = tail(lambda_client, FunctionName=name, Payload=json.dumps({"bulk": 10_000}))
    text = base64.b64decode(response["LogResult"])
    assert len(text) == 4096
    assert lines[-3].startswith("END RequestId: ") and report(lines[-2]) and lines[-1] == ""
    assert set(lines[0]) == {"x"}  # the START line and the start of the output fell off


def test_no_log_result_without_tail(lambda_client):
    name = create_function(lambda_client, LOUD)
    assert "LogResult" not in lambda_client.invoke(FunctionName=name, Payload=b"{}")
    assert "LogResult" not in lambda_client.invoke(FunctionName=name, LogType="None",
                                                   Payload=b"{}")


def test_an_embedded_callable_reports_too(embedded_db):
    name = unique_name("inline")
    embedded_db.register_function(name, lambda event, context: print("inline") or 1,
                                  memory_size=512)
    _, lines = tail(embedded_db.client("lambda", config=NO_RETRIES), FunctionName=name)
    assert lines[1] == "inline" and report(lines[3])["memory"] == "512"


@given(duration=st.floats(0.0, 900.0), init=st.one_of(st.none(), st.floats(0.0, 10.0)),
       memory=st.integers(128, 10240), used=st.integers(1, 20000),
       output=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_the_report_line_for_any_invocation(duration, init, memory, used, output):
    result = InvocationResult(True, None, "0123abcd-0000-4000-8000-00000000abcd", duration,
                              output, None, init_duration=init, max_memory_used=used)
    lines = invocation_log(result, "7", memory).split("\n")
    assert lines[0] == "START RequestId: 0123abcd-0000-4000-8000-00000000abcd Version: 7"
    assert lines[-3] == "END RequestId: 0123abcd-0000-4000-8000-00000000abcd"
    assert lines[-1] == ""
    fields = report(lines[-2])
    assert int(fields["billed"]) == max(1, math.ceil(duration * 1000))
    assert fields["duration"] == f"{duration * 1000:.2f}"
    assert int(fields["used"]) == min(used, memory) and fields["memory"] == str(memory)
    assert (fields["init"] is None) == (init is None)
    expected = output if not output or output.endswith("\n") else output + "\n"
    assert "".join(line + "\n" for line in lines[1:-3]) == expected
