"""Function settings Lambda must not accept and drop, end to end over HTTP
and embedded: the runtime (its interpreter must be installed, and runs the
function), EphemeralStorage (validated and reported) and Layers (refused)."""
from __future__ import annotations

import json
import os
import sys

import pytest
from support import create_function, error_of, unique_name

from dynalite_py.lambda_.functions.interpreters import SERVER_RUNTIME, interpreter_for
from dynalite_py.lambda_.functions.runtime import FunctionSpec, Runtime

WHERE = '''
import os, sys
def handler(event, context):
    return {"executable": sys.executable, "version": "%d.%d" % sys.version_info[:2],
            "env": os.environ["AWS_EXECUTION_ENV"]}
'''
LAYER = "arn:aws:lambda:us-east-1:000000000000:layer:shared:1"


def test_the_runtime_names_the_interpreter_that_runs_the_function(lambda_client):
    name = create_function(lambda_client, WHERE, Runtime=SERVER_RUNTIME)
    answer = json.loads(lambda_client.invoke(FunctionName=name)["Payload"].read())
    version = SERVER_RUNTIME.removeprefix("python")
    assert answer == {"executable": sys.executable, "version": version,
                      "env": f"AWS_Lambda_python{version}"}
    assert lambda_client.get_function(FunctionName=name)["Configuration"]["Runtime"] \
        == SERVER_RUNTIME


@pytest.mark.parametrize("runtime, reason", [
    ("nodejs20.x", "functions run as python3.x handlers"),
    ("python3.15", "no python3.15 interpreter is installed on this host (this server runs "
                   f"{SERVER_RUNTIME})"),
])
def test_a_runtime_that_cannot_run_here_is_refused_at_create(lambda_client, runtime, reason):
    name = unique_name("fn")
    assert error_of(lambda_client.create_function, FunctionName=name, Runtime=runtime,
                    Role="arn:aws:iam::000000000000:role/r", Handler="lambda_function.handler",
                    Code={"ZipFile": b"not reached"}) == (
        "InvalidParameterValueException",
        f"The runtime parameter of {runtime} is not supported by dynalite-py: {reason}.")
    assert error_of(lambda_client.get_function, FunctionName=name)[0] \
        == "ResourceNotFoundException"
    existing = create_function(lambda_client, WHERE)
    assert error_of(lambda_client.update_function_configuration, FunctionName=existing,
                    Runtime=runtime)[0] == "InvalidParameterValueException"
    assert lambda_client.get_function_configuration(FunctionName=existing)["Runtime"] \
        == SERVER_RUNTIME


def test_an_interpreter_on_path_must_really_be_that_version(tmp_path, monkeypatch):
    """A python3.X on PATH counts only if it runs and reports 3.X (pyenv's
    shims exist for versions that are not installed)."""
    other = "python3.6" if SERVER_RUNTIME != "python3.6" else "python3.7"
    liar = tmp_path / other
    liar.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    liar.chmod(0o755)
    broken = tmp_path / SERVER_RUNTIME.replace("3.", "3.9", 1)
    broken.write_text("#!/bin/sh\nexit 127\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert interpreter_for.__wrapped__(other) is None  # it runs, but as the server's version
    assert interpreter_for.__wrapped__(broken.name) is None
    honest = tmp_path / SERVER_RUNTIME
    honest.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    honest.chmod(0o755)
    assert interpreter_for.__wrapped__(SERVER_RUNTIME) == sys.executable


def test_ephemeral_storage_is_validated_and_reported(lambda_client):
    name = create_function(lambda_client, WHERE, EphemeralStorage={"Size": 2048})
    assert lambda_client.get_function(FunctionName=name)["Configuration"][
        "EphemeralStorage"] == {"Size": 2048}
    lambda_client.update_function_configuration(FunctionName=name,
                                                EphemeralStorage={"Size": 10240})
    assert lambda_client.get_function_configuration(FunctionName=name)[
        "EphemeralStorage"] == {"Size": 10240}
    default = create_function(lambda_client, WHERE)
    assert lambda_client.get_function_configuration(FunctionName=default)[
        "EphemeralStorage"] == {"Size": 512}
    # boto3 itself refuses less than 512; the model allows up to 32,768, Lambda 10,240
    for call, extra in ((lambda_client.update_function_configuration, {}),
                        (lambda_client.create_function, {
                            "Role": "arn:aws:iam::000000000000:role/r", "Runtime": SERVER_RUNTIME,
                            "Handler": "lambda_function.handler", "Code": {"ZipFile": b"zip"}})):
        assert error_of(call, FunctionName=unique_name("fn") if extra else name,
                        EphemeralStorage={"Size": 10241}, **extra) == (
            "ValidationException", "1 validation error detected: Value '10241' at "
            "'ephemeralStorage.size' failed to satisfy constraint: Member must have value less "
            "than or equal to 10240")
    assert lambda_client.get_function_configuration(FunctionName=name)[
        "EphemeralStorage"] == {"Size": 10240}


def test_layers_are_refused_never_dropped(lambda_client):
    name = unique_name("fn")
    message = ("Layers are not supported by dynalite-py: include the layer's packages in the "
               "function's zip instead.")
    assert error_of(lambda_client.create_function, FunctionName=name, Runtime=SERVER_RUNTIME,
                    Role="arn:aws:iam::000000000000:role/r", Handler="lambda_function.handler",
                    Code={"ZipFile": b"zip"}, Layers=[LAYER]) == (
        "InvalidParameterValueException", message)
    existing = create_function(lambda_client, WHERE)
    assert error_of(lambda_client.update_function_configuration, FunctionName=existing,
                    Layers=[LAYER]) == ("InvalidParameterValueException", message)
    assert "Layers" not in lambda_client.get_function_configuration(FunctionName=existing)


def test_a_worker_runs_on_the_interpreter_its_spec_names(tmp_path):
    """The runtime starts each worker with the function's interpreter (here
    a wrapper that leaves a mark, then runs this Python)."""
    mark = tmp_path / "used"
    wrapper = tmp_path / "python-wrapper"
    wrapper.write_text(f"#!/bin/sh\necho \"$@\" > {mark}\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    (tmp_path / "where.py").write_text(WHERE)
    runtime = Runtime()
    try:
        result = runtime.invoke(FunctionSpec(name="where", handler="where.handler",
                                             code_dir=str(tmp_path),
                                             interpreter=str(wrapper)), {})
    finally:
        runtime.close()
    assert result.ok and result.payload["executable"] == sys.executable
    assert mark.read_text().split()[0].endswith("runtime.py")  # this file ran as the worker
