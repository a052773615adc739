"""Lambda functions: their records, their code, and invoking them.

A function record is stored by name (storage/lambdas.py); its uploaded
zip is kept in the store once per SHA-256 and unpacked on each server that
runs it, once per code hash, under `<data dir>/lambda-code/<name>/<sha256>`,
and run by the worker runtime (runtime.py), within the function's reserved
concurrency (concurrency.py). Embedded callers may register a plain Python callable
instead (`Database.register_function`); such functions live in this
process only. Handler output (stdout and stderr, line by line) is logged
per function to the logger "dynalite_py.lambda.<name>", each line prefixed
with the function's name and the request id.
"""
from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import shutil
import sys
import time
import uuid
import zipfile
from datetime import datetime, timezone
from typing import Callable

import orjson

from ...errors import DynamoError
from ...storage.interface import Handle, WriteContext
from .concurrency import reserved_slot
from .interpreters import SERVER_RUNTIME, interpreter_for
from .recent import remember
from .runtime import FunctionSpec, InvocationResult, Runtime
from .shared_environments import EnvironmentClient, EnvironmentHost, new_address

DEFAULT_HANDLER = "lambda_function.lambda_handler"
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::([\w$-]+))?$")


def lambda_error(name: str, message: str, status: int = 400, **extra) -> DynamoError:
    return DynamoError(name, message, status=status, extra=extra)


def function_name_from(name_or_arn: str) -> str:
    """FunctionName may be a name, a partial ARN, or a full ARN with a qualifier."""
    match = _ARN.match(name_or_arn)
    if match:
        return match.group(1)
    if ":function:" in name_or_arn:
        return name_or_arn.split(":function:", 1)[1].split(":", 1)[0]
    return name_or_arn.split(":", 1)[0]


def iso_now() -> str:
    """Lambda's LastModified form: 2024-01-01T00:00:00.000+0000."""
    moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def refuse_layers(layers: list | None) -> None:
    """Layers are refused, never dropped: their code would be missing."""
    if layers:
        raise lambda_error("InvalidParameterValueException",
                           "Layers are not supported by dynalite-py: include the layer's "
                           "packages in the function's zip instead.")


def page_start(marker: str | None) -> int:
    """Where a page starts: a Marker this API returned (a position), else
    InvalidParameterValueException (AWS rejects a marker it did not issue)."""
    if marker is None or marker == "":
        return 0
    if not (marker.isascii() and marker.isdigit()):
        raise lambda_error("InvalidParameterValueException", f"Invalid marker: {marker}")
    return int(marker)


def paged(items: list, request: dict, member: str, limit: int) -> dict:
    """One page of `items` under `member`, from the request's Marker, at
    most MaxItems (and `limit`) long, with NextMarker if more follow."""
    start = page_start(request.get("Marker"))
    size = min(int(request.get("MaxItems") or limit), limit)
    response = {member: items[start:start + size]}
    if start + size < len(items):
        response["NextMarker"] = str(start + size)
    return response


class Functions:
    """The function registry of one engine, and the runtime that runs them."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.records = engine.repos.functions
        self.code_root = os.path.join(engine.store.path, "lambda-code")
        self.runtime = Runtime(idle_seconds=engine.config.function_idle_seconds,
                               init_timeout=engine.config.function_init_timeout)
        # a server's worker processes share one's environments (shared_environments.py)
        self._host: EnvironmentHost | None = None
        self._client: EnvironmentClient | None = None
        self.callables: dict[str, Callable] = {}
        self.log = logging.getLogger("dynalite_py.lambda")

    def arn(self, name: str) -> str:
        config = self.engine.config
        return f"arn:aws:lambda:{config.region}:{config.account_id}:function:{name}"

    # Records ------------------------------------------------------------------
    def find(self, txn: Handle, name_or_arn: str) -> dict | None:
        return self.records.get(txn, function_name_from(name_or_arn))

    def require(self, txn: Handle, name_or_arn: str) -> dict:
        record = self.find(txn, name_or_arn)
        if record is None:
            raise lambda_error("ResourceNotFoundException",
                               f"Function not found: {self.arn(function_name_from(name_or_arn))}",
                               404)
        return record

    def all(self, txn: Handle) -> list[dict]:
        return self.records.all(txn)

    def put(self, ctx: WriteContext, record: dict) -> None:
        self.records.put(ctx.txn, record["FunctionName"], record)

    def delete(self, ctx: WriteContext, name: str) -> None:
        self.records.delete(ctx.txn, name)

    # Code -----------------------------------------------------------------------
    def store_code(self, name: str, zip_base64: str) -> tuple[dict, bytes]:
        """Unpack an uploaded zip here; return the record's code fields and
        the zip, which the write that stores the record keeps (keep_archive)."""
        try:
            data = base64.b64decode(zip_base64)
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (ValueError, zipfile.BadZipFile):
            raise lambda_error("InvalidParameterValueException",
                               "Could not unzip uploaded file. Please check your file, then try "
                               "to upload again.") from None
        digest = hashlib.sha256(data).digest()
        directory = self._code_directory(name, digest.hex())
        _unpack(archive, directory)
        return {"code_dir": directory, "CodeSha256": base64.b64encode(digest).decode(),
                "CodeSize": len(data)}, data

    def keep_archive(self, ctx: WriteContext, code: dict, data: bytes) -> None:
        """Store an uploaded zip once by its SHA-256, for every version and
        server that runs it (the directory it was unpacked to is local)."""
        digest = base64.b64decode(code["CodeSha256"]).hex()
        if self.engine.repos.code.get(ctx.txn, digest) is None:
            self.engine.repos.code.put(ctx.txn, digest, data)

    def local_code(self, record: dict) -> str | None:
        """Where a record's code is unpacked on this server: unpacked again
        from the stored zip if this server has not got it (another server
        took the upload, or the store outlived the directory)."""
        code_dir, sha = record.get("code_dir"), record.get("CodeSha256")
        if code_dir is None or sha is None:  # an embedded callable, or a trigger's module
            return code_dir
        digest = base64.b64decode(sha).hex()
        directory = self._code_directory(record["FunctionName"], digest)
        if not os.path.isdir(directory):
            with self.engine.store.read() as txn:
                data = self.engine.repos.code.get(txn, digest)
            if data is None:  # stored before zips were kept: only its directory has it
                return code_dir
            _unpack(zipfile.ZipFile(io.BytesIO(data)), directory)
        return directory

    def _code_directory(self, name: str, digest_hex: str) -> str:
        return os.path.join(self.code_root, name, digest_hex)

    # Configuration ------------------------------------------------------------------
    def configuration(self, record: dict) -> dict:
        """The FunctionConfiguration Lambda returns for a record."""
        return {key: value for key, value in record.items() if key[0].isupper()}

    def spec(self, record: dict, qualifier: str | None = None) -> FunctionSpec:
        name = record["FunctionName"]
        return FunctionSpec(
            name=name, handler=record.get("Handler", DEFAULT_HANDLER),
            code_dir=self.local_code(record), timeout=float(record["Timeout"]),
            memory_size=record["MemorySize"],
            environment=record.get("Environment", {}).get("Variables", {}),
            function_arn=self.arn(name) + (f":{qualifier}" if qualifier else ""),
            version=record.get("Version", "$LATEST"),
            region=self.engine.config.region, endpoint_url=self.engine.config.endpoint_url,
            callable=self.callables.get(name),
            # CreateFunction checked the runtime; one uninstalled since runs here
            interpreter=interpreter_for(record.get("Runtime") or SERVER_RUNTIME) or sys.executable)

    # Invocation -------------------------------------------------------------------
    def invoke(self, record: dict, event: object, qualifier: str | None = None) -> InvocationResult:
        """Run `record` (a function's $LATEST or a version's, as
        qualifiers.resolve gives it) on `event`, within its reserved
        concurrency (TooManyRequestsException beyond it)."""
        meter = self.engine.metrics.function(record["FunctionName"])
        if record.get("reserved_concurrency") is None:
            return self._metered_run(meter, record, event, qualifier)
        try:
            with reserved_slot(self.engine, record):
                return self._metered_run(meter, record, event, qualifier)
        except DynamoError as error:
            if error.name == "TooManyRequestsException":  # every reserved slot was taken
                meter.throttles.inc()
            raise

    def _metered_run(self, meter, record: dict, event: object,
                     qualifier: str | None) -> InvocationResult:
        with meter.running():
            result = self._run(record, event, qualifier)
        meter.finished(result.ok, result.duration)
        return result

    def _run(self, record: dict, event: object, qualifier: str | None) -> InvocationResult:
        if record.get("callable") and record["FunctionName"] not in self.callables:
            raise lambda_error("ResourceNotFoundException", "Function not found: "
                               f"{self.arn(record['FunctionName'])} (its callable was registered "
                               "in another process)", 404)
        result = None
        if self._client is not None and record["FunctionName"] not in self.callables:
            result = self._client.invoke(record, qualifier, event)
        if result is None:
            result = self._run_here(record, qualifier, event)
        self._log(record["FunctionName"], result)
        remember(self.engine, record["FunctionName"], result,  # for the admin page
                 record.get("Version", "$LATEST"), record["MemorySize"])
        return result

    def _run_here(self, record: dict, qualifier: str | None, event: object) -> InvocationResult:
        return self.runtime.invoke(self.spec(record, qualifier), event)

    def _log(self, name: str, result: InvocationResult) -> None:
        """Each line the handler wrote to stdout or stderr, then its failure
        if it failed, as `[function request-id] ...`; in JSON logs the
        function and request id are fields of their own."""
        logger = self.log.getChild(name)
        fields = {"function": name, "request_id": result.request_id}
        for line in result.logs.splitlines():
            logger.info("[%s %s] %s", name, result.request_id, line, extra=fields)
        if not result.ok:
            logger.warning("[%s %s] failed: %s", name, result.request_id,
                           orjson.dumps(result.payload).decode(), extra=fields)

    # Execution environments shared by a server's processes (shared_environments.py)
    def host_environments(self) -> tuple[str, bytes]:
        """Run other processes' invocations in this one's environments: the
        address and key they connect with."""
        address, authkey = new_address(), os.urandom(32)
        self._host = EnvironmentHost(self._run_here, address, authkey)
        return address, authkey

    def use_environments_of(self, address: str, authkey: bytes) -> None:
        """Invoke in the environments of the process hosting them at `address`."""
        self._client = EnvironmentClient(address, authkey)

    def close(self) -> None:
        if self._host is not None:
            self._host.close()
        if self._client is not None:
            self._client.close()
        self.runtime.close()


def _unpack(archive: zipfile.ZipFile, directory: str) -> None:
    """Extract to `directory` unless there already (staged, then renamed:
    a concurrent reader never sees half of it)."""
    if not os.path.isdir(directory):
        staging = f"{directory}.{uuid.uuid4().hex}"
        archive.extractall(staging)
        os.makedirs(os.path.dirname(directory), exist_ok=True)
        try:
            os.replace(staging, directory)
        except OSError:  # another call unpacked it first
            shutil.rmtree(staging, ignore_errors=True)


def revised(record: dict, **changes) -> dict:
    """`record` with `changes`, as an update leaves it: a new LastModified
    and RevisionId."""
    return dict(record, **changes, LastModified=iso_now(), RevisionId=str(uuid.uuid4()))


def new_record(functions: Functions, request: dict, code: dict) -> dict:
    name = request["FunctionName"]
    record = {
        "FunctionName": name, "FunctionArn": functions.arn(name),
        "Runtime": request.get("Runtime") or SERVER_RUNTIME, "Role": request.get("Role", ""),
        "Handler": request.get("Handler") or DEFAULT_HANDLER,
        "Description": request.get("Description", ""),
        "Timeout": request.get("Timeout", DEFAULT_TIMEOUT),
        "MemorySize": request.get("MemorySize", DEFAULT_MEMORY),
        "LastModified": iso_now(), "Version": "$LATEST",
        "Environment": {"Variables": (request.get("Environment") or {}).get("Variables", {})},
        "TracingConfig": {"Mode": "PassThrough"}, "RevisionId": str(uuid.uuid4()),
        "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
        "Architectures": request.get("Architectures") or ["x86_64"],
        "EphemeralStorage": request.get("EphemeralStorage") or {"Size": 512},
        "created": time.time(),
        "tags": request.get("Tags") or {},
    }
    if (request.get("DeadLetterConfig") or {}).get("TargetArn"):
        record["DeadLetterConfig"] = {"TargetArn": request["DeadLetterConfig"]["TargetArn"]}
    record.update(code)
    return record
