"""dynalite_py.mock_aws and the pytest plugin: an application that makes
its own boto3 clients (tests/shop_app.py), with no endpoint_url, is tested
unchanged against an in-process engine, with no socket; clients given an
endpoint, and everything after the mock, behave as without it."""
from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import textwrap
import tomllib
import unittest
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
import support

import dynalite_py
from dynalite_py.testing import hooks, mock_aws

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"


@pytest.fixture
def bare_environment(monkeypatch, tmp_path):
    """A machine with no AWS credentials or configuration anywhere, only a
    region, and no boto3 default session yet (as in CI)."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@pytest.fixture
def no_sockets(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a socket was opened: {args}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def fresh_shop_app():
    """tests/shop_app.py imported anew: its import-time client is made now."""
    import shop_app
    return importlib.reload(shop_app)


def table_definition(name: str) -> dict:
    return {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}


def test_an_application_runs_unchanged_in_the_context_manager(bare_environment, no_sockets):
    with mock_aws() as db:
        shop = fresh_shop_app()
        shop.create_schema()
        shop.place_order("ada", "o-1", 30)
        shop.place_order("ada", "o-2", 12)
        shop.place_order("grace", "o-3", 7)
        assert [order["order_id"] for order in shop.orders_of("ada")] == ["o-1", "o-2"]
        assert shop.order_events() == ["INSERT"] * 3
        # the test sees the same data through the database's own client
        assert db.client().scan(TableName="orders")["Count"] == 3


def test_an_import_time_client_made_before_the_mock_is_routed_inside_it(bare_environment):
    hooks.install()  # what the pytest plugin does before test modules are imported
    shop = fresh_shop_app()  # no credentials anywhere: the client has none
    with mock_aws():
        shop.create_schema()
        shop.place_order("ada", "o-1", 30)
        assert shop.orders_of("ada")[0]["total"] == 30


def test_the_application_sees_aws_errors_as_botocore_exceptions(bare_environment):
    with mock_aws():
        shop = fresh_shop_app()
        with pytest.raises(botocore.exceptions.ClientError) as missing:
            shop.place_order("ada", "o-1", 30)
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
        shop.create_schema()
        shop.place_order("ada", "o-1", 30)
        with pytest.raises(shop.dynamodb.meta.client.exceptions.ConditionalCheckFailedException):
            shop.place_order("ada", "o-1", 99)


@mock_aws()
def decorated_run() -> list[str]:
    """A decorated function: one fresh engine per call."""
    client = boto3.client("dynamodb")
    tables_before = client.list_tables()["TableNames"]
    client.create_table(**table_definition("made-by-decorated-run"))
    return tables_before


def test_the_decorator_gives_each_call_a_fresh_engine(bare_environment):
    assert decorated_run() == []
    assert decorated_run() == []  # the first call's table is gone
    assert hooks.active == []


def test_the_decorator_on_a_test_function(bare_environment):
    @mock_aws(table_status_delay=0)
    def check() -> None:
        shop = fresh_shop_app()
        shop.create_schema()
        shop.place_order("ada", "o-9", 1)
        assert boto3.client("dynamodb").describe_table(
            TableName="orders")["Table"]["ItemCount"] >= 0
        assert [o["order_id"] for o in shop.orders_of("ada")] == ["o-9"]
    check()


@mock_aws()
class DecoratedTestCase(unittest.TestCase):
    """A unittest class as moto users decorate it: setUp runs under the mock,
    each test on a fresh engine (pytest runs it like any TestCase)."""

    def setUp(self) -> None:
        self.client = boto3.client("dynamodb", region_name=REGION)
        self.client.create_table(**table_definition("from-set-up"))

    def test_sees_its_set_up(self) -> None:
        assert self.client.list_tables()["TableNames"] == ["from-set-up"]

    def test_starts_fresh(self) -> None:
        self.client.put_item(TableName="from-set-up", Item={"id": {"S": "once"}})
        assert self.client.scan(TableName="from-set-up")["Count"] == 1


@mock_aws()
class PlainTests:
    """A plain class: each test method is decorated."""

    def test_one(self) -> list[str]:
        client = boto3.client("dynamodb")
        client.create_table(**table_definition("in-plain"))
        return client.list_tables()["TableNames"]

    def helper(self) -> bool:
        return bool(hooks.active)


def test_a_decorated_plain_class_runs_each_test_on_a_fresh_engine(bare_environment):
    plain = PlainTests()
    assert plain.test_one() == ["in-plain"] and plain.test_one() == ["in-plain"]
    assert plain.helper() is False  # only test methods are decorated


def test_clients_with_explicit_credentials_and_regions_are_routed(bare_environment):
    with mock_aws():
        made = boto3.client("dynamodb", region_name="ap-southeast-2",
                            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                            aws_session_token="token")
        made.create_table(**table_definition("explicit"))
        made.get_waiter("table_exists").wait(TableName="explicit", WaiterConfig={"Delay": 0.01})
        # another key of the same (default) account in the same region sees it
        session = boto3.session.Session(aws_access_key_id="other", aws_secret_access_key="x",
                                        region_name="ap-southeast-2")
        table = session.resource("dynamodb").Table("explicit")
        table.put_item(Item={"id": "a", "n": 1})
        assert table.get_item(Key={"id": "a"})["Item"] == {"id": "a", "n": 1}
        assert made.get_item(TableName="explicit", Key={"id": {"S": "a"}})["Item"]["n"] == {"N": "1"}


def test_tables_are_active_at_once_as_with_moto(bare_environment):
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(**table_definition("at-once"))
        client.put_item(TableName="at-once", Item={"id": {"S": "a"}})  # no waiting
        assert client.describe_table(TableName="at-once")["Table"]["TableStatus"] == "ACTIVE"
    with mock_aws(table_status_delay=60):
        client.create_table(**table_definition("slow"))
        assert client.describe_table(TableName="slow")["Table"]["TableStatus"] == "CREATING"


def test_paginators_and_waiters_work_under_the_mock(bare_environment):
    with mock_aws():
        client = boto3.client("dynamodb")
        for number in range(3):
            client.create_table(**table_definition(f"paged-{number}"))
        client.get_waiter("table_exists").wait(TableName="paged-2", WaiterConfig={"Delay": 0.01})
        pages = client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
        assert [name for page in pages for name in page["TableNames"]] == \
            ["paged-0", "paged-1", "paged-2"]


def test_lambda_clients_are_routed(bare_environment):
    with mock_aws() as db:
        db.register_function("notifier", lambda event, context: {"told": event["customer"]})
        shop = fresh_shop_app()
        assert shop.notify("ada") == {"told": "ada"}
        names = [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]
        assert names == ["notifier"]


def test_a_zipped_function_is_created_and_invoked_through_the_lambda_api(bare_environment):
    with mock_aws():
        functions = boto3.client("lambda")
        functions.create_function(
            FunctionName="doubler", Runtime="python3.11", Role="arn:aws:iam::000000000000:role/x",
            Handler="lambda_function.handler",
            Code={"ZipFile": support.zipped("def handler(event, context):\n"
                                            "    return {'twice': event['n'] * 2}\n")})
        answer = functions.invoke(FunctionName="doubler", Payload=b'{"n": 21}')
        assert answer["StatusCode"] == 200
        assert answer["Payload"].read() == b'{"twice":42}'


@pytest.mark.parametrize("endpoint_config", [{"use_fips_endpoint": True},
                                             {"use_dualstack_endpoint": True}])
def test_fips_and_dual_stack_endpoints_are_aws_endpoints_too(bare_environment, endpoint_config):
    from botocore.config import Config
    with mock_aws():
        client = boto3.client("dynamodb", config=Config(**endpoint_config))
        assert hooks.is_aws_endpoint(client.meta.endpoint_url)
        assert client.list_tables()["TableNames"] == []


@pytest.mark.parametrize("url, routed", [
    ("https://dynamodb.us-east-1.amazonaws.com", True),
    ("https://123456789012.ddb.eu-west-1.amazonaws.com/", True),
    ("https://streams.dynamodb.cn-north-1.amazonaws.com.cn", True),
    ("https://lambda.us-west-2.api.aws", True),
    ("http://localhost:8000", False),
    ("http://127.0.0.1:8000", False),
    ("http://dynalite.embedded", False),
    ("https://amazonaws.com.evil.example", False),
    ("https://dynamodb.example.com", False),
])
def test_which_urls_are_aws_endpoints(url, routed):
    assert hooks.is_aws_endpoint(url) is routed


def test_a_client_given_an_endpoint_is_left_alone(bare_environment, server_url):
    with mock_aws():
        boto3.client("dynamodb").create_table(**table_definition("only-in-the-mock"))
        over_http = support.http_client(server_url)
        assert "only-in-the-mock" not in over_http.list_tables()["TableNames"]
        with pytest.raises(over_http.exceptions.ResourceNotFoundException):
            over_http.describe_table(TableName="only-in-the-mock")


def test_leaving_the_mock_restores_normal_behaviour(bare_environment):
    client = boto3.client("dynamodb")
    with mock_aws():
        assert client.list_tables()["TableNames"] == []
        assert os.environ["AWS_ACCESS_KEY_ID"] == "dynalite-mock"
    assert hooks.active == []
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    # no credentials: the call is signed for AWS again, and fails before any socket
    with pytest.raises(botocore.exceptions.NoCredentialsError):
        client.list_tables()


def test_credentials_in_the_environment_are_kept(bare_environment, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mine")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "my-secret")
    with mock_aws():
        assert os.environ["AWS_ACCESS_KEY_ID"] == "mine"
        assert boto3.client("dynamodb").list_tables()["TableNames"] == []
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "my-secret"


def test_nested_mocks_answer_from_the_innermost(bare_environment):
    client = boto3.client("dynamodb")
    with mock_aws():
        client.create_table(**table_definition("outer"))
        with mock_aws():
            assert client.list_tables()["TableNames"] == []
        assert client.list_tables()["TableNames"] == ["outer"]


def test_a_mock_on_a_data_directory_keeps_its_data(bare_environment, tmp_path):
    store = support.store_location(str(tmp_path / "data"))
    with mock_aws(store=store):
        table = boto3.resource("dynamodb").Table("kept")
        table.meta.client.create_table(**table_definition("kept"))
        table.wait_until_exists()
        table.put_item(Item={"id": "x"})
    if support.BACKEND == "memory":
        return  # memory keeps nothing after close, by design
    with dynalite_py.open(store) as db:
        assert db.client().get_item(TableName="kept", Key={"id": {"S": "x"}})["Item"]


def test_the_top_level_name_is_the_testing_one():
    assert dynalite_py.mock_aws is mock_aws


def test_pyproject_declares_the_plugin_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    module = project["entry-points"]["pytest11"]["dynalite_py.testing.plugin"]
    plugin = importlib.import_module(module)
    assert callable(plugin.dynalite) and callable(plugin.dynalite_session)


INNER_SUITE = '''
import boto3
import pytest
import shop_app                      # creates its client at import, before any mock

import dynalite_py


def test_fixture_one(dynalite):
    shop_app.create_schema()
    shop_app.place_order("ada", "o-1", 30)
    assert dynalite.client().scan(TableName="orders")["Count"] == 1


def test_fixture_two_starts_empty(dynalite):
    assert boto3.client("dynamodb").list_tables()["TableNames"] == []


@dynalite_py.mock_aws()
def test_decorated():
    shop_app.create_schema()
    assert shop_app.orders_of("nobody") == []


def test_session_fixture_shared_a(dynalite_session):
    boto3.client("dynamodb").create_table(
        TableName="shared", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])


def test_session_fixture_shared_b(dynalite_session):
    assert boto3.client("dynamodb").list_tables()["TableNames"] == ["shared"]
'''


def plugin_arguments() -> list[str]:
    """-p for the plugin unless the installed distribution's entry point loads it."""
    from importlib.metadata import entry_points
    names = {point.name for point in entry_points(group="pytest11")}
    return [] if "dynalite_py.testing.plugin" in names else ["-p", "dynalite_py.testing.plugin"]


def test_the_pytest_plugin_serves_a_user_test_suite(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(INNER_SUITE))
    (tmp_path / "shop_app.py").write_text((ROOT / "tests" / "shop_app.py").read_text())
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("AWS_")}
    environment.update(AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
                       AWS_CONFIG_FILE=str(tmp_path / "none"),
                       AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
                       PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp_path)]))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin_arguments(),
         str(tmp_path / "test_user.py")],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 passed" in run.stdout
