"""The server's logs: plain text lines or one JSON object a line
(`--log-format json`), and the line each DynamoDB request gets (request
id, operation, table, status, latency): at debug level in text, always in
JSON. Everything goes through Python logging, to stderr."""
from __future__ import annotations

import logging
import sys
import time

import orjson

REQUEST_LOG = logging.getLogger("dynalite_py.requests")
LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# the attributes every LogRecord has: anything else came in `extra`
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        entry = {"time": f"{moment}.{int(record.msecs):03d}Z", "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        entry.update((name, value) for name, value in vars(record).items()
                     if name not in _RECORD_FIELDS)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure(level: str, log_format: str) -> None:
    """Send every log record at `level` and above to stderr in `log_format`
    (JSON also logs every request)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    if log_format == "json":
        REQUEST_LOG.setLevel(logging.DEBUG)


def requests_logged() -> bool:
    """Whether request lines are wanted (checked before building one)."""
    return REQUEST_LOG.isEnabledFor(logging.DEBUG)


def log_request(target: str | None, body: bytes, status: int, started: float,
                request_id: str) -> None:
    """The line of one DynamoDB call, answered with `status`, begun at
    `started` (time.perf_counter)."""
    operation = (target or "").partition(".")[2] or None
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    table = table_named_in(body)
    REQUEST_LOG.debug("%s %s %d %.3f ms", operation, table or "-", status, latency_ms,
                      extra={"request_id": request_id, "operation": operation, "table": table,
                             "status": status, "latency_ms": latency_ms})


def table_named_in(body: bytes) -> str | None:
    """The TableName of a request body, if it has one."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    name = request.get("TableName") if isinstance(request, dict) else None
    return name if isinstance(name, str) else None
