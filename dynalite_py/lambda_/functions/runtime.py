"""Running Lambda-style Python handlers, as AWS's Python runtime does.

Each execution environment is a warm worker process: this file run as a
script by the function's interpreter (the runtime's python3.X; the parent
holds LMDB environments and threads, so it never forks), on the standard
library only, so any installed Python runs it. The worker imports the
handler once, so module state survives between invocations; a cold start
happens on first use, after the configuration changes, after a timeout
(the worker is killed), after a crash, or after `idle_seconds` unused. A
worker serves one call at a time; when all of a function version's workers
are busy a new one starts, cold, so calls of one function run side by side. Events and results pass
through a JSON round trip, so handlers see plain dict/list/str/int/float/
bool/None and a result JSON cannot encode is a function error. Embedded
callables run on a thread of this process with the same context and error
shapes (a timed-out thread cannot be killed; its result is ignored).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe
from typing import Callable


@dataclass
class FunctionSpec:
    name: str
    handler: str                  # "module.function", split at the last dot
    code_dir: str | None          # first on sys.path in the worker
    timeout: float = 3.0
    memory_size: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    function_arn: str = ""
    version: str = "$LATEST"
    region: str = "us-east-1"
    endpoint_url: str = ""  # this server, for the handler's own AWS SDK calls
    callable: Callable | None = None  # embedded: run this in-process instead
    interpreter: str = sys.executable  # the Python that runs the worker

    def fingerprint(self) -> tuple:
        """What an environment is started with: a call reuses only an
        environment of its own (the invoked ARN travels with each call)."""
        return (self.handler, self.code_dir, self.timeout, self.memory_size,
                tuple(sorted(self.environment.items())), self.endpoint_url, self.interpreter)


@dataclass
class InvocationResult:
    ok: bool
    payload: object            # the handler's result, or Lambda's error object
    request_id: str
    duration: float
    logs: str
    function_error: str | None  # "Unhandled" on error
    init_duration: float | None = None  # seconds of the init phase, on a cold start
    max_memory_used: int = 0            # MB, the environment's peak


class LambdaContext:
    """The context object of the Python runtime (../shared/spec §2.3)."""

    class _Identity:
        cognito_identity_id = None
        cognito_identity_pool_id = None

    def __init__(self, spec: dict, request_id: str, deadline: float) -> None:
        self.function_name = spec["name"]
        self.function_version = spec["version"]
        self.invoked_function_arn = spec["function_arn"]
        self.memory_limit_in_mb = str(spec["memory_size"])
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec['name']}"
        self.log_stream_name = log_stream_name(spec["version"])
        self.identity = self._Identity()
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))

    @staticmethod
    def log(message: str) -> None:
        sys.stdout.write(message)


def log_stream_name(version: str) -> str:
    return time.strftime("%Y/%m/%d/") + f"[{version}]{uuid.uuid4().hex}"


# A handler sees none of the server's environment (its AWS keys, tokens, paths),
# only Lambda's variables: these are the ones kept so programs still run.
KEPT_VARIABLES = ("PATH", "LANG", "LD_LIBRARY_PATH", "TZ", "TMPDIR", "SYSTEMROOT")
# keys that work against this server only (any key does without --auth)
FUNCTION_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "dynalite-function",
                        "AWS_SECRET_ACCESS_KEY": "dynalite-function",
                        "AWS_SESSION_TOKEN": "dynalite-function"}


def runtime_environment(spec: dict) -> dict[str, str]:
    """A worker's whole environment: a few of the host's variables that are
    no secret, dummy credentials, the SDK pointed back at this server (so a
    handler's boto3 calls never reach real AWS), the function's own
    variables, then the reserved ones the runtime sets."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    kept = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    isolated = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                **FUNCTION_CREDENTIALS}
    if spec["endpoint_url"]:
        isolated["AWS_ENDPOINT_URL"] = spec["endpoint_url"]
    return {"LANG": "en_US.UTF-8", "TZ": ":UTC", **kept, **isolated, **spec["environment"],
            "AWS_LAMBDA_FUNCTION_NAME": spec["name"],
            "AWS_LAMBDA_FUNCTION_VERSION": spec["version"],
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec["memory_size"]),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec['name']}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(spec["version"]),
            "AWS_REGION": spec["region"], "AWS_DEFAULT_REGION": spec["region"],
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
            "_HANDLER": spec["handler"], "LAMBDA_TASK_ROOT": spec["code_dir"] or os.getcwd(),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"}


def error_object(error_type: str, message: str, request_id: str,
                 trace: list[str] | None = None) -> dict:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id,
            "stackTrace": trace or []}


def resolve_handler(handler: str) -> Callable:
    """Import `module.function` as the runtime does, with its error names."""
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise HandlerError("Runtime.MalformedHandlerName",
                           f"Bad handler '{handler}': not enough values to unpack "
                           "(expected 2, got 1)")
    try:
        module = __import__(module_name, fromlist=[function_name])
    except Exception as error:  # any failure while importing user code
        raise HandlerError("Runtime.ImportModuleError",
                           f"Unable to import module '{module_name}': {error}") from None
    function = getattr(module, function_name, None)
    if function is None:
        raise HandlerError("Runtime.HandlerNotFound",
                           f"Handler '{function_name}' missing on module '{module_name}'")
    return function


class HandlerError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def run_handler(function: Callable, event_json: str, context: LambdaContext
                ) -> tuple[bool, str, str]:
    """(ok, JSON payload, logs) of one invocation, output captured."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            result = function(json.loads(event_json), context)
            return True, json.dumps(result), output.getvalue()
        except Exception as error:
            trace = traceback.format_list(traceback.extract_tb(error.__traceback__)[1:])
            payload = error_object(type(error).__name__, str(error), context.aws_request_id,
                                   [line.rstrip("\n") for line in trace])
            return False, json.dumps(payload), output.getvalue()


STARTED, READY = "started", "ready"
INIT_TIMEOUT = 10.0  # seconds a cold start may spend importing the handler (Lambda's limit)
# seconds a new worker process may take to come up before its init phase
# (Python and this module loading: the platform's time, not the function's)
BOOT_TIMEOUT = 60.0


def max_memory_used_mb() -> int:
    """This process's peak resident memory in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(1, round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024)))


def _worker_main(connection, spec: dict) -> None:
    """A worker process: set up the environment, then serve invocations.
    It sends STARTED, then (READY, init seconds); every answer then names
    the request it answers: (request id, ok, payload, logs, max memory MB)."""
    try:
        connection.send(STARTED)
    except OSError:  # the server went away during the cold start: end quietly
        return
    environment = runtime_environment(spec)
    os.environ.clear()
    os.environ.update(environment)
    if spec["code_dir"]:
        sys.path.insert(0, spec["code_dir"])
    function, init_error = None, None
    init_started = time.perf_counter()
    # what the init phase prints leads the first invocation's logs, as in Lambda's log stream
    init_output = io.StringIO()
    with contextlib.redirect_stdout(init_output), contextlib.redirect_stderr(init_output):
        try:  # the init phase: import the handler before the first invocation's clock starts
            function = resolve_handler(spec["handler"])
        except HandlerError as error:
            init_error = error
    pending_logs = init_output.getvalue()
    try:
        connection.send((READY, time.perf_counter() - init_started))
    except OSError:  # the server went away during the cold start: end quietly
        return
    while True:
        try:
            event_json, request_id, deadline, invoked_arn = connection.recv()
            if init_error is not None:
                connection.send((request_id, False, json.dumps(error_object(
                    init_error.error_type, str(init_error), request_id)), pending_logs,
                    max_memory_used_mb()))
                pending_logs = ""
                continue
            context = LambdaContext(dict(spec, function_arn=invoked_arn), request_id, deadline)
            ok, payload, logs = run_handler(function, event_json, context)
            connection.send((request_id, ok, payload, pending_logs + logs, max_memory_used_mb()))
            pending_logs = ""
        except (EOFError, OSError):  # the server went away: end quietly
            return


class OutOfStep(Exception):
    """A worker sent something other than what the protocol expects."""


@dataclass
class _Worker:
    """One execution environment: a worker process serving one call at a time."""
    process: subprocess.Popen
    connection: Connection
    fingerprint: tuple
    last_used: float
    started: float | None = None  # when the init phase began (STARTED received)
    ready: bool = False  # the init phase ended (READY received)
    busy: bool = False   # a call holds it (taken under the Runtime's lock)
    init_duration: float | None = None  # the init phase's seconds, until a call reports it

    def await_ready(self, init_timeout: float, timeout: float) -> bool:
        """Wait for the end of the init phase: `init_timeout` from its start,
        and, as Lambda retries a slow init within the first invocation, the
        function's `timeout` beyond it. False if it did not end in time."""
        if self.started is None:
            if not self.connection.poll(BOOT_TIMEOUT):
                return False
            if self.connection.recv() != STARTED:
                raise OutOfStep("a message before the worker started")
            self.started = time.time()
        while not self.ready:
            remaining = self.started + init_timeout + timeout - time.time()
            if remaining <= 0 or not self.connection.poll(remaining):
                return False
            message = self.connection.recv()
            if not (isinstance(message, tuple) and len(message) == 2 and message[0] == READY):
                raise OutOfStep("an answer before the end of the init phase")
            self.ready, self.init_duration = True, message[1]
        return True

    def answer(self, request_id: str, deadline: float) -> tuple[bool, str, str, int] | None:
        """(ok, payload JSON, logs, max memory MB) for `request_id`, or None
        at the deadline."""
        while True:
            remaining = deadline - time.time()
            if remaining <= 0 or not self.connection.poll(remaining):
                return None
            message = self.connection.recv()
            if not (isinstance(message, tuple) and len(message) == 5):
                raise OutOfStep(f"unexpected message {type(message).__name__}")
            answered, *answer = message
            if answered != request_id:
                raise OutOfStep(f"answer to {answered} while waiting for {request_id}")
            return tuple(answer)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.close()
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


class Runtime:
    """Execution environments per function version, and the invocation
    protocol. A call takes an idle warm environment of its configuration;
    when all are busy a new one starts, cold, as Lambda scales out."""

    def __init__(self, idle_seconds: float = 300.0, init_timeout: float = INIT_TIMEOUT) -> None:
        self.idle_seconds = idle_seconds
        self.init_timeout = init_timeout
        # (function name, version) -> its environments
        self._pools: dict[tuple[str, str], list[_Worker]] = {}
        self._lock = threading.Lock()

    def invoke(self, spec: FunctionSpec, event: object) -> InvocationResult:
        request_id = str(uuid.uuid4())
        started = time.time()
        try:
            event_json = json.dumps(event)
        except (TypeError, ValueError) as error:
            return self._failure(error_object("Runtime.SerializationError", str(error),
                                              request_id), request_id, started, "")
        if spec.callable is not None:
            return self._invoke_callable(spec, event_json, request_id, started)
        worker = self._checkout(spec)
        try:
            return self._invoke_worker(spec, worker, event_json, request_id)
        finally:
            self._checkin(worker)

    def _invoke_worker(self, spec: FunctionSpec, worker: _Worker, event_json: str,
                       request_id: str) -> InvocationResult:
        """One invocation on a worker this call has taken. A worker that times
        out, dies or falls out of step is replaced: answers never cross."""
        started = time.time()
        try:
            if not worker.await_ready(self.init_timeout, spec.timeout):
                self._retire(spec, worker)
                return self._timed_out(spec, request_id, started)
            started = time.time()  # after a cold start's init, as Lambda's Timeout counts
            worker.connection.send((event_json, request_id, started + spec.timeout,
                                    spec.function_arn))
            answer = worker.answer(request_id, started + spec.timeout)
        except (EOFError, OSError, OutOfStep):
            answer = False
        worker.last_used = time.time()
        init_duration, worker.init_duration = worker.init_duration, None
        if not answer:
            self._retire(spec, worker)
            if answer is None:
                return self._timed_out(spec, request_id, started)
            return self._failure(error_object("Runtime.ExitError", "RequestId: "
                                              f"{request_id} Error: Runtime exited", request_id),
                                 request_id, started, "")
        ok, payload_json, logs, memory_used = answer
        return self._result(ok, payload_json, request_id, started, logs,
                            init_duration=init_duration, max_memory_used=memory_used)

    def _invoke_callable(self, spec: FunctionSpec, event_json: str, request_id: str,
                         started: float) -> InvocationResult:
        context = LambdaContext(_spec_dict(spec), request_id, started + spec.timeout)
        outcome: list = []
        thread = threading.Thread(
            target=lambda: outcome.append(run_handler(spec.callable, event_json, context)),
            name=f"lambda-{spec.name}", daemon=True)
        thread.start()
        thread.join(spec.timeout)
        if not outcome:
            return self._timed_out(spec, request_id, started)
        ok, payload_json, logs = outcome[0]
        return self._result(ok, payload_json, request_id, started, logs,
                            max_memory_used=max_memory_used_mb())

    def _result(self, ok: bool, payload_json: str, request_id: str, started: float,
                logs: str, **measures) -> InvocationResult:
        payload = json.loads(payload_json)
        return InvocationResult(ok, payload, request_id, time.time() - started, logs,
                                None if ok else "Unhandled", **measures)

    def _timed_out(self, spec: FunctionSpec, request_id: str, started: float
                   ) -> InvocationResult:
        message = (f"RequestId: {request_id} Error: Task timed out after "
                   f"{spec.timeout:.2f} seconds")
        return self._failure(error_object("Sandbox.Timedout", message, request_id),
                             request_id, started, "")

    @staticmethod
    def _failure(payload: dict, request_id: str, started: float, logs: str) -> InvocationResult:
        return InvocationResult(False, payload, request_id, time.time() - started, logs,
                                "Unhandled")

    def _checkout(self, spec: FunctionSpec) -> _Worker:
        """Take an idle warm environment of `spec`'s configuration, else
        start a new one. Idle environments of an older configuration go."""
        fingerprint = spec.fingerprint()
        with self._lock:
            self._stop_idle()
            pool = self._pools.setdefault((spec.name, spec.version), [])
            for worker in list(pool):
                if worker.busy:
                    continue
                if worker.fingerprint == fingerprint and worker.process.poll() is None:
                    worker.busy = True
                    return worker
                pool.remove(worker)
                worker.stop()
            worker = _start_worker(spec, fingerprint)
            pool.append(worker)
            return worker

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            worker.busy = False

    def _stop_idle(self) -> None:
        """Stop environments unused for idle_seconds (the lock is held)."""
        now = time.time()
        for key, pool in list(self._pools.items()):
            for worker in [w for w in pool if not w.busy
                           and now - w.last_used > self.idle_seconds]:
                pool.remove(worker)
                worker.stop()
            if not pool:
                del self._pools[key]

    def _retire(self, spec: FunctionSpec, worker: _Worker) -> None:
        with self._lock:
            pool = self._pools.get((spec.name, spec.version), [])
            if worker in pool:
                pool.remove(worker)
        worker.stop()

    def close(self) -> None:
        with self._lock:
            workers = [worker for pool in self._pools.values() for worker in pool]
            self._pools = {}
        for worker in workers:
            worker.stop()


def _start_worker(spec: FunctionSpec, fingerprint: tuple) -> _Worker:
    """Run this file in a new process of the function's interpreter, joined
    to this one by a socket pair; its init phase is awaited by the call that
    took it."""
    parent, child = Pipe()
    try:
        process = subprocess.Popen(
            [spec.interpreter, os.path.abspath(__file__), str(child.fileno()),
             json.dumps(_spec_dict(spec))],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
    finally:
        child.close()
    return _Worker(process, parent, fingerprint, time.time(), busy=True)


def _spec_dict(spec: FunctionSpec) -> dict:
    return {"name": spec.name, "handler": spec.handler, "code_dir": spec.code_dir,
            "memory_size": spec.memory_size, "environment": spec.environment,
            "function_arn": spec.function_arn, "version": spec.version, "region": spec.region,
            "endpoint_url": spec.endpoint_url}


if __name__ == "__main__":  # a worker: the socket's descriptor, the function's spec
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]  # this package's modules are not the function's to import
    _worker_main(Connection(int(sys.argv[1])), json.loads(sys.argv[2]))
