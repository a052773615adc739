"""Transport rules a request passes before the engine sees it.

Both ways in (the fast lane's parser callbacks and the ASGI app) apply the
same rules, in this order: the Host header names this server (no DNS
rebinding), the body fits the operation's cap (AWS's sizes), the content
type is one the service accepts (so a browser cannot send a call as a
"simple" request, which skips the CORS preflight), and the request carries
credentials (a DynamoDB call's are judged after it is routed and parsed,
as DynamoDB orders it: signature.py). CORS headers are AWS's for DynamoDB's own path and absent
elsewhere unless the operator lists the allowed origins. docs/security.md
has the threat model behind each rule.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

# DynamoDB refuses request bodies above 16 MB
MAX_DYNAMODB_BODY = 16 * 1024 * 1024
# Lambda: a base64 zip of 50 MB inside JSON, 6 MB for everything else
MAX_LAMBDA_CODE_BODY = 69905067
MAX_LAMBDA_BODY = 6291456
LAMBDA_CODE_OPERATIONS = frozenset({"CreateFunction", "UpdateFunctionCode"})

DYNAMODB_CONTENT_TYPES = frozenset({
    b"application/x-amz-json-1.0", b"application/x-amz-json-1.1", b"application/json"})
# what a browser may send cross-origin without asking first (the Fetch standard)
BROWSER_SIMPLE_CONTENT_TYPES = frozenset({
    b"text/plain", b"application/x-www-form-urlencoded", b"multipart/form-data"})

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})

DYNAMODB_CORS = {"Access-Control-Allow-Origin": "*",
                 "Access-Control-Expose-Headers":
                     "x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,Date"}
CORS_PREFLIGHT = {"Access-Control-Allow-Methods": "GET,POST,PUT,DELETE,OPTIONS",
                  "Access-Control-Max-Age": "172800"}

# (status, error name, message) of each refusal, in AWS's words where AWS has them
TOO_LARGE = (413, "RequestEntityTooLarge",
             f"Request payload size exceeds the limit of {MAX_DYNAMODB_BODY} bytes")
# DynamoDB answers a body of another content type with this bare XML, 404
UNKNOWN_OPERATION_XML = b"<UnknownOperationException/>\n"


def lambda_body_limit(operation: str) -> int:
    return MAX_LAMBDA_CODE_BODY if operation in LAMBDA_CODE_OPERATIONS else MAX_LAMBDA_BODY


def lambda_too_large(operation: str) -> tuple[int, str, str]:
    limit = lambda_body_limit(operation)
    name = "InvokeFunction" if operation == "Invoke" else operation
    return (413, "RequestEntityTooLargeException",
            f"Request must be smaller than {limit} bytes for the {name} operation")


def media_type(content_type: bytes | None) -> bytes:
    """The content type without its parameters, lower-cased."""
    return (content_type or b"").split(b";", 1)[0].strip().lower()


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine's loopback."""
    name = host.strip("[]").rstrip(".").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(host_header: bytes) -> str:
    """The name in a Host header, without its port or IPv6 brackets."""
    text = host_header.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    return text.rpartition(":")[0] if text.count(":") == 1 else text


@dataclass
class Policy:
    """The operator's choices: which Host names are served, which browser
    origins may call the non-DynamoDB routes, whether code may be run."""
    allowed_hosts: frozenset[str] = frozenset()  # besides loopback names; "*": any
    cors_origins: frozenset[str] = frozenset()   # "*": any origin
    functions_enabled: bool = True
    _host_answers: dict[bytes, bool] = field(default_factory=dict, repr=False)

    def host_allowed(self, host_header: bytes | None) -> bool:
        """Whether a Host header names this server (a request without one,
        HTTP/1.0, cannot come from a rebound DNS name)."""
        if host_header is None or "*" in self.allowed_hosts:
            return True
        answer = self._host_answers.get(host_header)
        if answer is None:  # each distinct header is parsed once
            name = host_name(host_header)
            answer = is_loopback(name) or name in self.allowed_hosts
            if len(self._host_answers) < 1024:
                self._host_answers[host_header] = answer
        return answer

    def cors_headers(self, origin: str | None) -> dict[str, str]:
        """CORS headers for a route other than DynamoDB's: only for listed origins."""
        if origin is None or not ({origin, "*"} & self.cors_origins):
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                "Access-Control-Expose-Headers":
                    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,Date"}


def forbidden_host(host_header: bytes | None) -> tuple[int, str, str]:
    shown = (host_header or b"").decode("latin-1")
    return (403, "AccessDeniedException",
            f"Host '{shown}' is not served here; start the server with "
            f"--allow-host {host_name(host_header or b'') or 'NAME'} to serve it")


def dynamodb_refusal(policy: Policy, host: bytes | None, content_length: bytes | None,
                     content_type: bytes | None, body_length: int = 0
                     ) -> tuple[int, str, str] | None:
    """(status, error name, message) refusing a DynamoDB call before it is
    routed, or None. A refusal named UnknownOperationException with status
    404 is answered with DynamoDB's bare XML body (UNKNOWN_OPERATION_XML).
    Credentials are judged later, after routing and parsing, as DynamoDB
    orders its checks (signature.py, wire.answer's `refusal`)."""
    if not policy.host_allowed(host):
        return forbidden_host(host)
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if max(declared, body_length) > MAX_DYNAMODB_BODY:
        return TOO_LARGE
    if content_type not in DYNAMODB_CONTENT_TYPES and \
            media_type(content_type) not in DYNAMODB_CONTENT_TYPES:
        return (404, "UnknownOperationException", "")
    return None


def lambda_refusal(policy: Policy, operation: str, host: bytes | None,
                   content_length: bytes | None, content_type: bytes | None,
                   has_credentials: bool) -> tuple[int, str, str] | None:
    """(status, error name, message) refusing a Lambda REST call, or None."""
    if not policy.host_allowed(host):
        return forbidden_host(host)
    if not policy.functions_enabled:
        return (403, "AccessDeniedException",
                "The Lambda API is disabled on this server (--no-functions)")
    if not has_credentials:
        return (403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    if media_type(content_type) in BROWSER_SIMPLE_CONTENT_TYPES:
        return (415, "UnsupportedMediaTypeException",
                f"The content type {media_type(content_type).decode('latin-1')} is not "
                "supported")
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if declared > lambda_body_limit(operation):
        return lambda_too_large(operation)
    return None
