"""Lambda functions: their records, their code, and invoking them.

A function record is stored by name (storage/lambdas.py); its uploaded
zip is unpacked once per code hash under
`<data dir>/lambda-code/<name>/<sha256>` and run by the worker runtime
(runtime.py). Embedded callers may register a plain Python callable
instead (`Database.register_function`); such functions live in this
process only. Handler output is logged per function to the logger
"dynalite_py.lambda.<name>".
"""
from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import time
import uuid
import zipfile
from datetime import datetime, timezone
from typing import Callable

import orjson

from ...errors import DynamoError
from ...storage.interface import Handle, WriteContext
from .runtime import FunctionSpec, InvocationResult, Runtime

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


def check_runtime(runtime: str | None) -> None:
    if runtime is not None and not runtime.startswith("python3"):
        raise lambda_error("InvalidParameterValueException",
                           f"Runtime {runtime} is not supported by dynalite-py: functions run "
                           "as python3.x handlers")


def page_start(marker: str | None) -> int:
    """Where a page starts: a Marker this API returned (a position), else
    InvalidParameterValueException (AWS rejects a marker it did not issue)."""
    if marker is None or marker == "":
        return 0
    if not (marker.isascii() and marker.isdigit()):
        raise lambda_error("InvalidParameterValueException", f"Invalid marker: {marker}")
    return int(marker)


class Functions:
    """The function registry of one engine, and the runtime that runs them."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.records = engine.repos.functions
        self.code_root = os.path.join(engine.store.path, "lambda-code")
        self.runtime = Runtime(idle_seconds=engine.config.function_idle_seconds,
                               init_timeout=engine.config.function_init_timeout)
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
    def store_code(self, name: str, zip_base64: str) -> dict:
        """Unpack an uploaded zip; return the record's code fields."""
        try:
            data = base64.b64decode(zip_base64)
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (ValueError, zipfile.BadZipFile):
            raise lambda_error("InvalidParameterValueException",
                               "Could not unzip uploaded file. Please check your file, then try "
                               "to upload again.") from None
        digest = hashlib.sha256(data).digest()
        directory = os.path.join(self.code_root, name, digest.hex())
        if not os.path.isdir(directory):
            staging = f"{directory}.{uuid.uuid4().hex}"
            archive.extractall(staging)
            os.makedirs(os.path.dirname(directory), exist_ok=True)
            os.replace(staging, directory)
        return {"code_dir": directory, "CodeSha256": base64.b64encode(digest).decode(),
                "CodeSize": len(data)}

    # Configuration ------------------------------------------------------------------
    def configuration(self, record: dict) -> dict:
        """The FunctionConfiguration Lambda returns for a record."""
        return {key: value for key, value in record.items() if key[0].isupper()}

    def spec(self, record: dict, qualifier: str | None = None) -> FunctionSpec:
        name = record["FunctionName"]
        return FunctionSpec(
            name=name, handler=record.get("Handler", DEFAULT_HANDLER),
            code_dir=record.get("code_dir"), timeout=float(record["Timeout"]),
            memory_size=record["MemorySize"],
            environment=record.get("Environment", {}).get("Variables", {}),
            function_arn=self.arn(name) + (f":{qualifier}" if qualifier else ""),
            region=self.engine.config.region, endpoint_url=self.engine.config.endpoint_url,
            callable=self.callables.get(name))

    # Invocation -------------------------------------------------------------------
    def invoke(self, record: dict, event: object, qualifier: str | None = None) -> InvocationResult:
        if record.get("reserved_concurrency") == 0:
            raise lambda_error("TooManyRequestsException", "Rate Exceeded.", 429,
                               Reason="ReservedFunctionConcurrentInvocationLimitExceeded")
        if record.get("callable") and record["FunctionName"] not in self.callables:
            raise lambda_error("ResourceNotFoundException", "Function not found: "
                               f"{self.arn(record['FunctionName'])} (its callable was registered "
                               "in another process)", 404)
        result = self.runtime.invoke(self.spec(record, qualifier), event)
        self._log(record["FunctionName"], result)
        return result

    def _log(self, name: str, result: InvocationResult) -> None:
        logger = self.log.getChild(name)
        for line in result.logs.splitlines():
            logger.info("%s %s", result.request_id, line)
        if not result.ok:
            logger.warning("%s failed: %s", result.request_id,
                           orjson.dumps(result.payload).decode())

    def close(self) -> None:
        self.runtime.close()


def new_record(functions: Functions, request: dict, code: dict) -> dict:
    name = request["FunctionName"]
    record = {
        "FunctionName": name, "FunctionArn": functions.arn(name),
        "Runtime": request.get("Runtime", "python3.11"), "Role": request.get("Role", ""),
        "Handler": request.get("Handler") or DEFAULT_HANDLER,
        "Description": request.get("Description", ""),
        "Timeout": request.get("Timeout", DEFAULT_TIMEOUT),
        "MemorySize": request.get("MemorySize", DEFAULT_MEMORY),
        "LastModified": iso_now(), "Version": "$LATEST",
        "Environment": {"Variables": (request.get("Environment") or {}).get("Variables", {})},
        "TracingConfig": {"Mode": "PassThrough"}, "RevisionId": str(uuid.uuid4()),
        "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
        "Architectures": request.get("Architectures") or ["x86_64"],
        "EphemeralStorage": {"Size": 512}, "created": time.time(),
    }
    if (request.get("DeadLetterConfig") or {}).get("TargetArn"):
        record["DeadLetterConfig"] = {"TargetArn": request["DeadLetterConfig"]["TargetArn"]}
    record.update(code)
    return record
