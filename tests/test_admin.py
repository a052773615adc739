"""The admin page (/_admin) over HTTP on a real server, on every backend:
tables with their settings, a table made and deleted through the page,
items made, edited and deleted as DynamoDB JSON (the engine's errors
shown), the key condition builder and paging, the live stream, functions
with their invocations and logs, mappings, queues and the metric graphs;
and the rules: values escaped, forms refused without the token or from
another origin, the Host allow-list, off under --auth unless --admin."""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx
import pytest
from admin_support import AdminSession, shown_error, visible
from botocore.exceptions import ClientError
from support import (
    create_function,
    create_table,
    http_client,
    start_server,
    unique_name,
    wait_for,
)

HANDLER = ("def handler(event, context):\n"
           "    print('seen', event)\n"
           "    if event.get('fail'):\n"
           "        raise ValueError('asked to fail')\n"
           "    return {'ok': True}\n")


@pytest.fixture
def admin(server_url):
    session = AdminSession(server_url)
    yield session
    session.close()


def table_row(page: str, table: str) -> str:
    """The text of the tables list's row for one table."""
    found = re.search(rf'<tr>\s*<td><a href="/_admin/tables/{table}">.*?</tr>', page, re.S)
    assert found, f"no row for {table}"
    return visible(found.group(0))


def test_the_tables_list_shows_keys_indexes_stream_ttl_and_counts(admin, server_url):
    client = http_client(server_url)
    name = unique_name("listed")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "colour", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-colour", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})
    for number in range(3):
        client.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": str(number)},
                                              "colour": {"S": "red"}})
    described = client.describe_table(TableName=name)["Table"]
    page = admin.get("/_admin")
    assert page.status_code == 200
    row = table_row(page.text, name)
    assert "ACTIVE" in row and "pk (HASH), sk (RANGE)" in row
    assert "by-colour (global): colour (HASH)" in row
    assert "NEW_IMAGE" in row and "ENABLED on expires" in row
    assert f" {described['ItemCount']} {described['TableSizeBytes']} PAY_PER_REQUEST" in row
    assert described["ItemCount"] == 3


def test_a_table_is_created_and_deleted_through_the_page(admin, server_url):
    client, name = http_client(server_url), unique_name("made")
    made = admin.post("/_admin/tables", name=name, partition_key="id", partition_type="N",
                      sort_key="at", sort_type="S", stream="KEYS_ONLY")
    assert made.status_code == 303 and made.headers["location"] == f"/_admin/tables/{name}"
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    table = client.describe_table(TableName=name)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"},
                                  {"AttributeName": "at", "KeyType": "RANGE"}]
    assert table["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    # DynamoDB's own errors, shown on the page with the form kept
    again = admin.post("/_admin/tables", name=name, partition_key="id", partition_type="N")
    assert again.status_code == 400
    assert shown_error(again.text) == f"ResourceInUseException: Table already exists: {name}"
    short = admin.post("/_admin/tables", name="ab", partition_key="id", partition_type="S")
    assert short.status_code == 400
    assert shown_error(short.text).startswith("ValidationException: 1 validation error detected: "
                                              "Value 'ab' at 'tableName' failed to satisfy")
    assert 'value="ab"' in short.text
    gone = admin.post(f"/_admin/tables/{name}/delete", confirm="on")
    assert gone.status_code == 303 and gone.headers["location"] == "/_admin"
    wait_for(lambda: name not in client.list_tables()["TableNames"])


def test_items_are_made_edited_and_deleted_as_dynamodb_json(admin, server_url):
    client = http_client(server_url)
    table = create_table(client, "S", "N")
    blank = admin.get(f"/_admin/tables/{table}/item")
    assert '"pk": {\n    "S": ""' in blank.text.replace("&#34;", '"')
    first = {"pk": {"S": "a"}, "sk": {"N": "1"}, "size": {"N": "10"}}
    saved = admin.post(f"/_admin/tables/{table}/item", item=json.dumps(first), original="")
    assert saved.status_code == 303
    shown = admin.get(saved.headers["location"])
    assert "Saved." in visible(shown.text) and '"10"' in shown.text.replace("&#34;", '"')
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    assert client.get_item(TableName=table, Key=key)["Item"] == first
    # an edit keeping the key replaces the item
    edited = {**first, "size": {"N": "11"}}
    assert admin.post(f"/_admin/tables/{table}/item", item=json.dumps(edited),
                      original=json.dumps(key)).status_code == 303
    assert client.get_item(TableName=table, Key=key)["Item"] == edited
    # an edit of the key moves the item, in one transaction
    moved = {**edited, "sk": {"N": "2"}}
    assert admin.post(f"/_admin/tables/{table}/item", item=json.dumps(moved),
                      original=json.dumps(key)).status_code == 303
    assert "Item" not in client.get_item(TableName=table, Key=key)
    new_key = {"pk": {"S": "a"}, "sk": {"N": "2"}}
    assert client.get_item(TableName=table, Key=new_key)["Item"] == moved
    # errors are shown beside the text, nothing is written
    broken = admin.post(f"/_admin/tables/{table}/item", item='{"pk": ', original="")
    assert broken.status_code == 400
    assert shown_error(broken.text).startswith("the item is not valid JSON")
    assert "{&#34;pk&#34;: </textarea>" in broken.text
    keyless = admin.post(f"/_admin/tables/{table}/item", item=json.dumps({"sk": {"N": "3"}}),
                         original="")
    assert keyless.status_code == 400
    assert shown_error(keyless.text) == ("ValidationException: One or more parameter values were "
                                         "invalid: Missing the key pk in the item")
    bad_number = admin.post(f"/_admin/tables/{table}/item", original="",
                            item=json.dumps({"pk": {"S": "b"}, "sk": {"N": "x"}}))
    assert shown_error(bad_number.text).startswith("ValidationException: ")
    assert client.scan(TableName=table)["Count"] == 1
    deleted = admin.post(f"/_admin/tables/{table}/item/delete", key=json.dumps(new_key))
    assert deleted.status_code == 303
    assert client.scan(TableName=table)["Count"] == 0
    missing = admin.get(f"/_admin/tables/{table}/item", key=json.dumps(new_key))
    assert missing.status_code == 404


def listed_sort_keys(page: str) -> list[int]:
    """The sort keys of the item list, in order (the list's second column)."""
    rows = re.findall(r"<tr><td><a href=[^>]+>view</a></td>\s*<td>([^<]*)</td><td>([^<]*)</td>",
                      page)
    return [int(sort_key) for _, sort_key in rows]


def test_the_key_condition_builder_queries_and_pages(admin, server_url):
    client = http_client(server_url)
    table = create_table(client, "S", "N")
    for number in range(1, 8):
        client.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"N": str(number)}})
    client.put_item(TableName=table, Item={"pk": {"S": "b"}, "sk": {"N": "1"}})
    path = f"/_admin/tables/{table}"
    between = admin.get(path, pk="a", op="between", sk="2", sk2="5")
    assert "Query: 4 items" in visible(between.text)
    assert listed_sort_keys(between.text) == [2, 3, 4, 5]
    newest = admin.get(path, pk="a", op=">=", sk="6", order="descending")
    assert listed_sort_keys(newest.text) == [7, 6]
    # a scan, three items a page, followed to its end
    seen, page = [], admin.get(path, limit="3")
    while True:
        assert "Scan: " in visible(page.text)
        seen += listed_sort_keys(page.text)
        following = re.search(r'<a href="([^"]+)" id="next-page">', page.text)
        if following is None:
            break
        page = admin.http.get(following.group(1).replace("&amp;", "&"))
    assert sorted(seen) == [1, 1, 2, 3, 4, 5, 6, 7]
    # the engine's and the form's errors are shown, not raised
    wrong = admin.get(path, pk="a", op="=", sk="not a number")
    assert wrong.status_code == 400 and shown_error(wrong.text).startswith("ValidationException")
    no_index = admin.get(path, index="nope")
    assert no_index.status_code == 400 and shown_error(no_index.text) == "the table has no index nope"
    assert admin.get(path, limit="many").status_code == 400
    assert admin.get("/_admin/tables/no-such-table").status_code == 400


def test_item_values_cannot_inject_markup(admin, server_url):
    client = http_client(server_url)
    table = create_table(client)
    attack = "<script>alert(1)</script>"
    client.put_item(TableName=table, Item={"pk": {"S": attack},
                                           '"><img src=x onerror=alert(2)>': {"S": attack}})
    for page in (admin.get(f"/_admin/tables/{table}"),
                 admin.get(f"/_admin/tables/{table}/item", key=json.dumps({"pk": {"S": attack}})),
                 admin.get(f"/_admin/tables/{table}", pk=attack)):
        assert page.status_code == 200
        assert "<script>" not in page.text and "<img" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert page.headers["x-frame-options"] == "DENY"


def test_a_change_needs_the_token_and_this_origin(admin, server_url):
    client = http_client(server_url)
    names = [unique_name("csrf") for _ in range(4)]
    form = {"partition_key": "pk", "partition_type": "S"}
    # another site's page posting the form: no cookie, no token
    forged = httpx.post(server_url + "/_admin/tables", data={"name": names[0], **form})
    assert forged.status_code == 403 and "CSRF token" in forged.text
    # the right cookie but a wrong token
    wrong = admin.http.post("/_admin/tables", data={"csrf": "guess", "name": names[1], **form})
    assert wrong.status_code == 403
    # the token, sent from another origin or site
    elsewhere = admin.post("/_admin/tables", name=names[2], headers={
        "Origin": "http://evil.example"}, **form)
    assert elsewhere.status_code == 403 and "http://evil.example" in elsewhere.text
    cross_site = admin.post("/_admin/tables", name=names[3], headers={
        "Sec-Fetch-Site": "cross-site"}, **form)
    assert cross_site.status_code == 403
    not_a_form = admin.http.post("/_admin/tables", json={"csrf": admin.token, "name": names[0]})
    assert not_a_form.status_code == 400
    listed = client.list_tables()["TableNames"]
    assert not set(names) & set(listed)
    cookie = admin.get("/_admin").headers.get("set-cookie")
    assert cookie is None  # kept while the browser has it
    fresh = httpx.get(server_url + "/_admin").headers["set-cookie"].lower()
    assert "httponly" in fresh and "samesite=strict" in fresh and "path=/_admin" in fresh


def test_the_stream_page_shows_the_newest_changes_live(admin, server_url):
    client = http_client(server_url)
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "NEW_AND_OLD_IMAGES"})
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "v": {"N": "1"}})
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "v": {"N": "2"}})
    client.delete_item(TableName=table, Key={"pk": {"S": "k"}})
    page = admin.get(f"/_admin/tables/{table}/stream")
    assert page.status_code == 200
    events = re.findall(r"<td>(INSERT|MODIFY|REMOVE)</td>", page.text)
    assert events == ["REMOVE", "MODIFY", "INSERT"]  # newest first
    assert '<meta http-equiv="refresh" content="2">' in page.text
    paused = admin.get(f"/_admin/tables/{table}/stream", live="0")
    assert "http-equiv" not in paused.text and "go live" in paused.text
    plain = create_table(client)
    assert "has no stream" in visible(admin.get(f"/_admin/tables/{plain}/stream").text)


def test_functions_mappings_and_queues_are_shown(admin, server_url):
    client, functions = http_client(server_url), http_client(server_url, "lambda")
    sqs = http_client(server_url, "sqs")
    name = create_function(functions, HANDLER)
    functions.invoke(FunctionName=name, Payload=json.dumps({"n": 1}))
    functions.invoke(FunctionName=name, Payload=json.dumps({"fail": True}))
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "KEYS_ONLY"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    mapping = functions.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON")["UUID"]
    queue = unique_name("queue")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    for number in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(number))
    page = admin.get("/_admin/functions")
    assert page.status_code == 200
    section = visible(re.search(rf"<h2>{name}</h2>.*?</section>", page.text, re.S).group(0))
    assert "2 invocations · 1 errors · 0 throttled" in section
    assert "mean duration" in section and " ms" in section
    assert section.count("START RequestId:") == 2 and "REPORT RequestId:" in section
    assert "seen {'n': 1}" in section and "asked to fail" in section
    results = re.findall(r'<td>(ok|<span class="error">[^<]*</span>)</td>',
                         re.search(rf"<h2>{name}</h2>.*?</section>", page.text, re.S).group(0))
    # newest first: the failure, then the success
    assert results == ['<span class="error">ValueError: asked to fail</span>', "ok"]
    row = visible(re.search(rf"<tr><td>{mapping}</td>.*?</tr>", page.text, re.S).group(0))
    assert stream_arn in row and name in row
    assert any(state in row for state in ("Creating", "Enabled", "Enabling"))
    queues = admin.get("/_admin/queues")
    row = visible(re.search(rf"<tr><td>{queue}</td>.*?</tr>", queues.text, re.S).group(0))
    assert row.startswith(f"{queue} 3 0 0 no no")
    # deleting the function forgets its invocations
    functions.delete_event_source_mapping(UUID=mapping)
    functions.delete_function(FunctionName=name)
    assert f"<h2>{name}</h2>" not in admin.get("/_admin/functions").text


def test_the_metrics_page_graphs_requests(admin, server_url):
    client = http_client(server_url)
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "x"}})
    with pytest.raises(ClientError):
        client.get_item(TableName=table, Key={"nope": {"S": "x"}})
    page = admin.get("/_admin/metrics")
    assert page.status_code == 200
    charts = dict(re.findall(r"<h2>(.*?)</h2>\s*(<svg.*?</svg>|<p>Nothing counted yet.</p>)",
                             page.text, re.S))
    by_operation = charts["Successful requests by operation"]
    assert "<svg" in by_operation and ">PutItem</text>" in by_operation
    assert re.search(r'<rect x="220" y="\d+" width="[1-9]\d*"', by_operation)
    assert ">UserErrors</text>" in charts["Failed requests by kind"]
    assert ">" + table + "</text>" in charts["Successful requests by table"]
    assert "ms</text>" in charts["Request latency (successful requests per bucket)"]


def test_foreign_host_names_are_refused(server_url):
    port = urlsplit(server_url).port
    for path in ("/_admin", "/_admin/static/admin.css", "/_admin/metrics"):
        refused = httpx.get(server_url + path, headers={"Host": f"evil.example:{port}"})
        assert refused.status_code == 403 and "--allow-host evil.example" in refused.text
    assert httpx.get(server_url + "/_admin/static/admin.css").headers[
        "content-type"].startswith("text/css")


def test_under_auth_the_page_is_off_unless_asked_for(tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("[default]\naws_access_key_id = AKIDADMIN\n"
                           "aws_secret_access_key = secret\n")
    process, url = start_server(str(tmp_path / "off"), "--auth", str(credentials),
                                "--workers", "1")
    try:
        assert httpx.get(url + "/_admin").status_code == 404
    finally:
        process.terminate()
        process.wait(10)
    process, url = start_server(str(tmp_path / "on"), "--auth", str(credentials), "--admin",
                                "--workers", "1")
    try:
        page = httpx.get(url + "/_admin")
        assert page.status_code == 200 and "Create a table" in page.text
        # the API itself still wants signatures
        assert httpx.post(url + "/", headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                          "Content-Type": "application/x-amz-json-1.0"},
                          content=b"{}").status_code == 400
    finally:
        process.terminate()
        process.wait(10)
