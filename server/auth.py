"""Optional SigV4 verification (`dynalite-py serve --auth CREDENTIALS`).

The credentials file uses the AWS shared-credentials format: sections with
`aws_access_key_id` and `aws_secret_access_key`, and optionally
`aws_account_id` (the key's account: its namespace, dynalite_py/namespaces.py;
keys without one share the server's account). A request must be signed
with one of those keys, either in the Authorization header or as a
presigned URL (X-Amz-Expires at most 7 days), within 15 minutes of the
server's clock, for the route's signing name ("dynamodb" for DynamoDB and
DynamoDB Streams, "lambda" for Lambda) and a region: any AWS region name
(each is a namespace), or only the server's with --shared-namespace.

The checks run in the order AWS runs them, each with AWS's error name and
message: parameters present, `host` and every `x-amz-*` header signed (so
X-Amz-Target cannot be swapped), the date's format and skew (or the
presigned expiry), the credential scope, the key id, then the signature.
The expected signature is recomputed with botocore's SigV4 signer over
exactly the headers the client signed and over the sha256 of the body
actually received, whatever X-Amz-Content-SHA256 claims (UNSIGNED-PAYLOAD
included), so anything botocore signs verifies here and any change to a
signed header, the query or the body does not.

`verify` raises only DynamoError: status 400 as DynamoDB answers, 403 as
Lambda answers. The url's path must be the path as sent (percent-encoded),
since SigV4 signs the encoded path.
"""
from __future__ import annotations

import configparser
import hmac
from datetime import datetime, timedelta, timezone
from hashlib import sha256
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from dynalite_py.errors import CORAL_NAMESPACE, DynamoError
from dynalite_py.namespaces import is_region_name

from .signature import ALGORITHM, TIMESTAMP, Refusal, Signed, claimed, parse_date

TERMINATOR = "aws4_request"
MAX_SKEW = timedelta(minutes=15)
_STATUS = {"lambda": 403}  # Lambda answers auth failures 403; DynamoDB answers 400
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details.")
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."


def load_credentials(path: str) -> dict[str, str]:
    """access key id -> secret access key, from a shared-credentials file."""
    parser = configparser.ConfigParser()
    if not parser.read(path):
        raise FileNotFoundError(path)
    return {parser[section]["aws_access_key_id"]: parser[section]["aws_secret_access_key"]
            for section in parser.sections()
            if {"aws_access_key_id", "aws_secret_access_key"} <= set(parser[section])}


def load_accounts(path: str) -> dict[str, str]:
    """access key id -> account id, for the keys of a shared-credentials
    file whose section names one (aws_account_id, as the AWS SDKs read it)."""
    parser = configparser.ConfigParser()
    if not parser.read(path):
        raise FileNotFoundError(path)
    return {parser[section]["aws_access_key_id"]: parser[section]["aws_account_id"].strip()
            for section in parser.sections()
            if {"aws_access_key_id", "aws_account_id"} <= set(parser[section])}


class Verifier:
    """Checks the SigV4 signature of incoming requests against known keys."""

    def __init__(self, secrets: dict[str, str], region: str = "us-east-1",
                 any_region: bool = False) -> None:
        """`any_region`: a credential may be scoped to any AWS region name
        (namespaces), not only `region`."""
        self.secrets = secrets
        self.region = region
        self.any_region = any_region

    def verify(self, method: str, url: str, headers: dict[str, str], body: bytes,
               service: str = "dynamodb", now: datetime | None = None) -> None:
        """Return if the request is signed by a known key for `service` in this
        server's region; otherwise raise DynamoError, and only that."""
        status = _STATUS.get(service, 400)
        try:
            self._verify(method, url, {name.lower(): value for name, value in headers.items()},
                         body or b"", service, now or datetime.now(timezone.utc))
        except Refusal as refusal:
            raise refusal.error(status) from None
        except Exception:  # input no check foresaw: still a refusal, never a 500
            raise DynamoError("InvalidSignatureException", SIGNATURE_MISMATCH, status=status,
                              namespace=CORAL_NAMESPACE) from None

    def _verify(self, method: str, url: str, headers: dict[str, str], body: bytes,
                service: str, now: datetime) -> None:
        signed = claimed(url, urlsplit(url).query, headers)
        _check_time(signed, parse_date(signed.amz_date), now)
        _check_signed_headers(signed.signed_headers, headers)
        if signed.algorithm != ALGORITHM:
            raise Refusal("IncompleteSignatureException",
                          f"Unsupported AWS 'algorithm': '{signed.algorithm}'")
        key_id, region = self._check_scope(signed.credential, signed.amz_date, service)
        secret = self.secrets.get(key_id)
        if secret is None:
            raise Refusal("UnrecognizedClientException",
                           "The security token included in the request is invalid.")
        signer = _Signer(Credentials(key_id, secret), service, region, signed.signed_headers,
                         sha256(body).hexdigest())
        expected = signer.expected_signature(method, signed.url, headers, signed.amz_date)
        if not hmac.compare_digest(expected.encode(), signed.signature.encode("utf-8", "replace")):
            raise Refusal("InvalidSignatureException", SIGNATURE_MISMATCH)

    def _check_scope(self, credential: str, amz_date: str, service: str) -> tuple[str, str]:
        """(key id, region) of a credential scoped to this server, this service and
        the request's date; AWS lists every part that is wrong."""
        parts = credential.split("/")
        while parts and not parts[-1]:  # AWS ignores trailing slashes
            parts.pop()
        if len(parts) != 5:
            raise Refusal("IncompleteSignatureException",
                           "Credential must have exactly 5 slash-delimited elements, e.g. "
                           f"keyid/date/region/service/term, got '{credential}'")
        key_id, date, region, scoped_service, terminator = parts
        wrong = []
        if region != self.region and not (self.any_region and is_region_name(region)):
            wrong.append(f"Credential should be scoped to a valid region, not '{region}'.")
        if scoped_service != service:
            wrong.append(f"Credential should be scoped to correct service: '{service}'.")
        if terminator != TERMINATOR:
            wrong.append("Credential should be scoped with a valid terminator: "
                         f"'{TERMINATOR}', not '{terminator}'.")
        if date != amz_date[:8]:
            wrong.append("Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                         f"version of date from HTTP: '{date}' != '{amz_date[:8]}', from "
                         f"'{amz_date}'.")
        if wrong:
            raise Refusal("InvalidSignatureException", " ".join(wrong))
        return key_id, region


# Checks ------------------------------------------------------------------------
def _check_signed_headers(signed: list[str], headers: dict[str, str]) -> None:
    """host must be signed, and so must every x-amz-* header sent: an unsigned
    X-Amz-Target could turn a signed DescribeTable into a DeleteTable."""
    if "host" not in signed:
        raise Refusal("InvalidSignatureException", HOST_NOT_SIGNED)
    for name in sorted(headers):
        if name.startswith("x-amz-") and name not in signed:
            raise Refusal("InvalidSignatureException",
                           f"'{name}' must be a 'SignedHeader' in the AWS Authorization.")


def _check_time(signed: Signed, signed_at: datetime, now: datetime) -> None:
    """Within 15 minutes of now either way; a presigned url until X-Amz-Date +
    X-Amz-Expires (valid for 0 seconds: expired on arrival)."""
    window = MAX_SKEW if signed.expires is None else timedelta(seconds=signed.expires)
    stamp = now.strftime(TIMESTAMP)
    if signed_at < now - window or signed.expires == 0:
        raise Refusal("InvalidSignatureException",
                       f"Signature expired: {signed.amz_date} is now earlier than "
                       f"{(now - window).strftime(TIMESTAMP)} ({stamp} - {_duration(window)}.)")
    if signed_at > now + MAX_SKEW:
        raise Refusal("InvalidSignatureException",
                       f"Signature not yet current: {signed.amz_date} is still later than "
                       f"{(now + MAX_SKEW).strftime(TIMESTAMP)} ({stamp} + "
                       f"{_duration(MAX_SKEW)}.)")


def _duration(window: timedelta) -> str:
    """As AWS writes a window: '15 min', or '90 sec' when not whole minutes."""
    seconds = int(window.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} sec"


# Recomputing the signature ----------------------------------------------------
class _Signer(SigV4Auth):
    """botocore's SigV4 over exactly the headers the client listed and the body
    this server received."""

    def __init__(self, credentials: Credentials, service: str, region: str,
                 signed: list[str], body_hash: str) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed
        self._body_hash = body_hash

    def expected_signature(self, method: str, url: str, headers: dict[str, str],
                           amz_date: str) -> str:
        request = AWSRequest(method=method, url=url, headers=headers)
        request.context["timestamp"] = amz_date
        return self.signature(self.string_to_sign(request, self.canonical_request(request)),
                              request)

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        selected = HTTPHeaders()
        for name in self._signed:
            value = request.headers.get(name)
            if value is not None:
                selected[name] = value
        return selected

    def canonical_request(self, request: AWSRequest) -> str:
        # botocore's own takes the payload hash from X-Amz-Content-SHA256 when
        # present; AWS hashes the body it received, so neither UNSIGNED-PAYLOAD
        # nor a stale hash can cover a swapped body. The signed-header line is
        # the client's list, even names the request lacks, as AWS writes it.
        return "\n".join([request.method.upper(),
                          self._normalize_url_path(urlsplit(request.url).path),
                          self.canonical_query_string(request),
                          self.canonical_headers(self.headers_to_sign(request)) + "\n",
                          ";".join(sorted(self._signed)),
                          self._body_hash])
