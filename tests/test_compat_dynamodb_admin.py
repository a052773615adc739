"""dynamodb-admin (npm, the web GUI for DynamoDB), pointed at our server by
DYNAMO_ENDPOINT: its pages list the tables, a table's page shows its items,
and its items endpoint pages through a scan. Installed on first use into
.compat/ (tests/compat_tools.py); store-independent, so run once."""
from __future__ import annotations

import os
import subprocess

import httpx
import pytest
from compat_tools import dynamodb_admin
from support import create_table, free_port, http_client, unique_name, wait_for

pytestmark = pytest.mark.lmdb_only("drives the server over HTTP; the store under it is not tested")


@pytest.fixture
def admin_url(server_url):
    script = dynamodb_admin()
    port = free_port()
    process = subprocess.Popen(
        [str(script), "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "DYNAMO_ENDPOINT": server_url, "AWS_REGION": "us-east-1",
             "AWS_ACCESS_KEY_ID": "any", "AWS_SECRET_ACCESS_KEY": "any"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url) or process.poll() is not None, 30)
        assert process.poll() is None, "dynamodb-admin exited at start-up"
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_its_pages_list_tables_and_items(server_url, admin_url):
    client = http_client(server_url)
    table = create_table(client, "S", "N", TableName=unique_name("admin"))
    for number in range(3):
        client.put_item(TableName=table, Item={"pk": {"S": f"shown-{number}"},
                                               "sk": {"N": str(number)}})
    tables = httpx.get(admin_url + "/", timeout=10)
    assert tables.status_code == 200 and f"/tables/{table}" in tables.text
    page = httpx.get(f"{admin_url}/tables/{table}", timeout=10)
    assert page.status_code == 200 and table in page.text
    items = httpx.get(f"{admin_url}/tables/{table}/items", timeout=10,
                      headers={"Accept": "application/json"})
    assert items.status_code == 200, items.text[:500]
    assert all(f"shown-{number}" in items.text for number in range(3))
    meta = httpx.get(f"{admin_url}/tables/{table}/meta", timeout=10)
    assert meta.status_code == 200 and "pk" in meta.text
