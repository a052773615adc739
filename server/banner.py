"""What `serve` prints once it listens: the version, the URL, where the
data lives, whether signatures are checked, the worker count, and
copy-paste lines for boto3 and the AWS CLI."""
from __future__ import annotations

from dynalite_py import __version__


def banner(url: str, store: str, persistent_path: str | None, auth_file: str | None,
           workers: int, functions: bool, region: str) -> str:
    """The banner's lines. `store` describes the store (cli.describe_store);
    `persistent_path` is its directory when the data is kept on disk."""
    if persistent_path is not None:
        store += f" (kept across restarts; stop the server and delete {persistent_path} to reset)"
    auth = f"on: SigV4 signatures checked against {auth_file}" if auth_file \
        else "off: any credentials work"
    boto3_keys = "" if auth_file else \
        ',\n                 aws_access_key_id="any", aws_secret_access_key="any"'
    cli_keys = "" if auth_file else "AWS_ACCESS_KEY_ID=any AWS_SECRET_ACCESS_KEY=any "
    lines = [
        f"dynalite-py {__version__} serving {url}",
        f"  store      {store}",
        f"  auth       {auth}",
        f"  workers    {workers}",
        f"  Lambda API {'on' if functions else 'off (--no-functions)'}",
        "  boto3:",
        f'    boto3.client("dynamodb", endpoint_url="{url}", region_name="{region}"'
        f"{boto3_keys})",
        "  AWS CLI:",
        f"    {cli_keys}aws dynamodb list-tables --endpoint-url {url} --region {region}",
        "  any SDK or tool, unchanged:",
        f"    export AWS_ENDPOINT_URL_DYNAMODB={url}",
    ]
    return "\n".join(lines)
