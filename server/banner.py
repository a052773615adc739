"""What `serve` says once it listens: the version, the URL, where the
data lives, whether signatures are checked, the worker count, and
copy-paste lines for boto3 and the AWS CLI; as text, or with
--log-format json as one log record carrying the same facts."""
from __future__ import annotations

import logging
import sys
from dataclasses import asdict, dataclass

from dynalite_py import __version__

log = logging.getLogger("dynalite_py.server")


@dataclass
class Facts:
    url: str
    store: str  # as cli.describe_store says it
    data_directory: str | None  # where the data is kept on disk, if it is
    auth_file: str | None
    workers: int
    functions: bool
    region: str
    version: str = __version__


def announce(facts: Facts, log_format: str) -> None:
    """The banner on stderr, or its record in the JSON log."""
    if log_format == "json":
        log.info("dynalite-py %s serving %s", facts.version, facts.url, extra=asdict(facts))
    else:
        print(banner(facts), file=sys.stderr, flush=True)


def banner(facts: Facts) -> str:
    url, region = facts.url, facts.region
    store = facts.store
    if facts.data_directory is not None:
        store += (f" (kept across restarts; stop the server and delete "
                  f"{facts.data_directory} to reset)")
    auth = f"on: SigV4 signatures checked against {facts.auth_file}" if facts.auth_file \
        else "off: any credentials work"
    boto3_keys = "" if facts.auth_file else \
        ',\n                 aws_access_key_id="any", aws_secret_access_key="any"'
    cli_keys = "" if facts.auth_file else "AWS_ACCESS_KEY_ID=any AWS_SECRET_ACCESS_KEY=any "
    lines = [
        f"dynalite-py {facts.version} serving {url}",
        f"  store      {store}",
        f"  auth       {auth}",
        f"  workers    {facts.workers}",
        f"  Lambda API {'on' if facts.functions else 'off (--no-functions)'}",
        "  boto3:",
        f'    boto3.client("dynamodb", endpoint_url="{url}", region_name="{region}"'
        f"{boto3_keys})",
        "  AWS CLI:",
        f"    {cli_keys}aws dynamodb list-tables --endpoint-url {url} --region {region}",
        "  any SDK or tool, unchanged:",
        f"    export AWS_ENDPOINT_URL_DYNAMODB={url}",
    ]
    return "\n".join(lines)
