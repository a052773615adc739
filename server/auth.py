"""Optional SigV4 verification (`dynalite-py serve --auth CREDENTIALS`).

The credentials file uses the AWS shared-credentials format: sections with
`aws_access_key_id` and `aws_secret_access_key`. A request must be signed
with one of those keys, either in the Authorization header or as a
presigned URL, within 15 minutes of the server's clock. The expected
signature is recomputed with botocore's own SigV4 signer over exactly the
headers the client signed, so anything botocore signs verifies here, and
any change to the signed headers, the query or the body does not.
Failures carry AWS's error names: MissingAuthenticationTokenException,
IncompleteSignatureException, UnrecognizedClientException,
InvalidSignatureException.
"""
from __future__ import annotations

import configparser
import hmac
import re
from datetime import datetime, timedelta, timezone
from hashlib import sha256
from urllib.parse import parse_qsl

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from dynalite_py.errors import CORAL_NAMESPACE, DynamoError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
TIMESTAMP = "%Y%m%dT%H%M%SZ"
_PARAMETER = re.compile(r"(\w+)=([^,\s]*)")


def load_credentials(path: str) -> dict[str, str]:
    """access key id -> secret access key, from a shared-credentials file."""
    parser = configparser.ConfigParser()
    if not parser.read(path):
        raise FileNotFoundError(path)
    return {parser[section]["aws_access_key_id"]: parser[section]["aws_secret_access_key"]
            for section in parser.sections()
            if {"aws_access_key_id", "aws_secret_access_key"} <= set(parser[section])}


def _error(name: str, message: str, status: int = 400) -> DynamoError:
    return DynamoError(name, message, status=status, namespace=CORAL_NAMESPACE)


class Verifier:
    """Checks the SigV4 signature of incoming requests against known keys."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets

    def verify(self, method: str, url: str, headers: dict[str, str], body: bytes,
               now: datetime | None = None) -> None:
        now = now or datetime.now(timezone.utc)
        query = dict(parse_qsl(url.partition("?")[2], keep_blank_values=True))
        if "X-Amz-Algorithm" in query:
            self._verify_presigned(method, url, headers, body, query, now)
            return
        authorization = headers.get("authorization")
        if not authorization:
            raise _error("MissingAuthenticationTokenException",
                         "Request is missing Authentication Token")
        self._verify_header(method, url, headers, body, authorization, now)

    # Authorization header form ---------------------------------------------
    def _verify_header(self, method: str, url: str, headers: dict[str, str], body: bytes,
                       authorization: str, now: datetime) -> None:
        algorithm, _, rest = authorization.partition(" ")
        fields = dict(_PARAMETER.findall(rest))
        missing = [name for name in ("Credential", "SignedHeaders", "Signature")
                   if name not in fields]
        if algorithm != ALGORITHM:
            raise _error("IncompleteSignatureException",
                         f"Unsupported AWS 'algorithm': '{algorithm}'")
        if missing:
            requirements = " ".join(f"Authorization header requires '{name}' parameter."
                                    for name in missing)
            raise _error("IncompleteSignatureException",
                         f"{requirements} Authorization={authorization}")
        amz_date = headers.get("x-amz-date")
        if not amz_date:
            raise _error("IncompleteSignatureException",
                         "Authorization header requires existence of either a 'X-Amz-Date' or "
                         f"a 'Date' header. Authorization={authorization}")
        key_id, secret, region, service = self._scope(fields["Credential"], amz_date)
        self._check_time(amz_date, now, timedelta(0))
        if "x-amz-content-sha256" in headers and headers["x-amz-content-sha256"] not in (
                sha256(body).hexdigest(), "UNSIGNED-PAYLOAD"):
            raise _signature_mismatch()
        signer = _HeaderSigner(Credentials(key_id, secret), service, region,
                               fields["SignedHeaders"].split(";"))
        request = _request(method, url, headers, body, amz_date)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(
            request)), request)
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise _signature_mismatch()

    # Presigned URL form -------------------------------------------------------
    def _verify_presigned(self, method: str, url: str, headers: dict[str, str], body: bytes,
                          query: dict[str, str], now: datetime) -> None:
        required = ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
        missing = [name for name in required if name not in query]
        if query["X-Amz-Algorithm"] != ALGORITHM:
            raise _error("IncompleteSignatureException",
                         f"Unsupported AWS 'algorithm': '{query['X-Amz-Algorithm']}'")
        if missing:
            raise _error("IncompleteSignatureException", " ".join(
                f"AWS query-string parameters must include '{name}'." for name in missing))
        amz_date = query["X-Amz-Date"]
        key_id, secret, region, service = self._scope(query["X-Amz-Credential"], amz_date)
        expires = timedelta(seconds=int(query.get("X-Amz-Expires", "900") or 900))
        self._check_time(amz_date, now, expires)
        signer = _QuerySigner(Credentials(key_id, secret), service, region,
                              query["X-Amz-SignedHeaders"].split(";"))
        unsigned_url = re.sub(r"[?&]X-Amz-Signature=[^&]*", "", url)
        request = _request(method, unsigned_url, headers, body, amz_date)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(
            request)), request)
        if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
            raise _signature_mismatch()

    # Shared --------------------------------------------------------------------
    def _scope(self, credential: str, amz_date: str) -> tuple[str, str, str, str]:
        parts = credential.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise _error("IncompleteSignatureException",
                         f"Credential should be scoped to a valid region. ({credential})")
        key_id, date, region, service, _ = parts
        secret = self.secrets.get(key_id)
        if secret is None:
            raise _error("UnrecognizedClientException",
                         "The security token included in the request is invalid.")
        if date != amz_date[:8]:
            raise _signature_mismatch()
        return key_id, secret, region, service

    @staticmethod
    def _check_time(amz_date: str, now: datetime, expires: timedelta) -> None:
        try:
            signed = datetime.strptime(amz_date, TIMESTAMP).replace(tzinfo=timezone.utc)
        except ValueError:
            raise _error("IncompleteSignatureException",
                         f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See "
                         "http://en.wikipedia.org/wiki/ISO_8601") from None
        stamp = now.strftime(TIMESTAMP)
        if signed + MAX_SKEW + expires < now:
            earliest = (now - MAX_SKEW).strftime(TIMESTAMP)
            raise _error("InvalidSignatureException",
                         f"Signature expired: {amz_date} is now earlier than {earliest} "
                         f"({stamp} - 15 min.)")
        if signed - MAX_SKEW > now:
            latest = (now + MAX_SKEW).strftime(TIMESTAMP)
            raise _error("InvalidSignatureException",
                         f"Signature not yet current: {amz_date} is still later than {latest} "
                         f"({stamp} + 15 min.)")


def _signature_mismatch() -> DynamoError:
    return _error("InvalidSignatureException",
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your AWS Secret Access Key and signing method. Consult the "
                  "service documentation for details.")


def _request(method: str, url: str, headers: dict[str, str], body: bytes,
             amz_date: str) -> AWSRequest:
    request = AWSRequest(method=method, url=url, headers=headers, data=body)
    request.context["timestamp"] = amz_date
    return request


class _SignedHeadersOnly:
    """Sign exactly the headers the client listed, nothing more."""

    def __init__(self, credentials, service: str, region: str, signed: list[str]) -> None:
        super().__init__(credentials, service, region)
        self._signed = [name.lower() for name in signed]

    def headers_to_sign(self, request) -> HTTPHeaders:
        selected = HTTPHeaders()
        for name in self._signed:
            value = request.headers.get(name)
            if value is not None:
                selected[name] = value
        return selected


class _HeaderSigner(_SignedHeadersOnly, SigV4Auth):
    pass


class _QuerySigner(_SignedHeadersOnly, SigV4QueryAuth):
    pass
