"""PynamoDB 6 (the test extra) against our server: a Model with a GSI,
batch_write / batch_get, TransactWrite, and VersionAttribute saves whose
conditional failures raise as PynamoDB expects. Store-independent, so run
once."""
from __future__ import annotations

import pytest
from compat_tools import python_library
from support import http_client, unique_name

pytestmark = pytest.mark.lmdb_only("drives the server over HTTP; the store under it is not tested")


@pytest.fixture
def models(server_url, monkeypatch):
    """Order (hash pk, range sk, a GSI on customer) and Doc (a versioned
    model), each on a table of its own, created and waited for."""
    python_library("pynamodb")
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
    from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
    from pynamodb.models import Model
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "any")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "any")

    class ByCustomer(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-customer"
            projection = AllProjection()
        customer = UnicodeAttribute(hash_key=True)
        total = NumberAttribute(range_key=True)

    class Order(Model):
        class Meta:
            table_name = unique_name("pynamo-orders")
            host = server_url
            region = "us-east-1"
            billing_mode = "PAY_PER_REQUEST"
        pk = UnicodeAttribute(hash_key=True)
        sk = NumberAttribute(range_key=True)
        customer = UnicodeAttribute()
        total = NumberAttribute()
        by_customer = ByCustomer()

    class Doc(Model):
        class Meta:
            table_name = unique_name("pynamo-docs")
            host = server_url
            region = "us-east-1"
            billing_mode = "PAY_PER_REQUEST"
        name = UnicodeAttribute(hash_key=True)
        body = UnicodeAttribute()
        version = VersionAttribute()

    for model in (Order, Doc):  # PynamoDB's own wait polls every 2 s: boto3's, faster
        model.create_table()
        http_client(server_url).get_waiter("table_exists").wait(
            TableName=model.Meta.table_name, WaiterConfig={"Delay": 0.01})
    return Order, Doc


def test_a_model_with_a_gsi_in_batches(models):
    Order, _ = models
    with Order.batch_write() as batch:
        for number in range(30):  # more than one BatchWriteItem of 25
            batch.save(Order(pk="o", sk=number, customer=f"c{number % 3}", total=number))
    keys = [("o", number) for number in range(0, 30, 2)]
    got = sorted(order.sk for order in Order.batch_get(keys))
    assert got == list(range(0, 30, 2))
    c1 = [order.total for order in Order.by_customer.query("c1", Order.total > 20)]
    assert c1 == [22, 25, 28]
    assert Order.count("o", Order.sk.between(5, 9)) == 5
    assert sorted(order.sk for order in Order.scan(Order.total < 3)) == [0, 1, 2]


def test_transactions_and_versioned_saves(models):
    Order, Doc = models
    from pynamodb.connection import Connection
    from pynamodb.exceptions import PutError, TransactWriteError
    from pynamodb.transactions import TransactWrite
    doc = Doc(name="readme", body="first")
    doc.save()
    assert doc.version == 1
    stale = Doc.get("readme")
    doc.body = "second"
    doc.save()
    assert doc.version == 2 and Doc.get("readme", consistent_read=True).body == "second"
    stale.body = "lost update"
    with pytest.raises(PutError) as refused:
        stale.save()
    assert refused.value.cause_response_code == "ConditionalCheckFailedException"
    connection = Connection(host=Order.Meta.host, region="us-east-1")
    with TransactWrite(connection=connection) as transaction:
        transaction.save(Order(pk="t", sk=1, customer="c", total=10))
        transaction.save(Doc(name="notes", body="with the order"))
    assert Order.get("t", 1).total == 10 and Doc.get("notes").version == 1
    with pytest.raises(TransactWriteError) as cancelled:
        with TransactWrite(connection=connection) as transaction:
            transaction.save(Order(pk="t", sk=2, customer="c", total=20))
            transaction.save(Doc(name="readme", body="stale", version=1))  # now 2
    assert cancelled.value.cause_response_code == "TransactionCanceledException"
    reasons = cancelled.value.cancellation_reasons  # None where a part had nothing to say
    assert reasons[0] is None and reasons[1].code == "ConditionalCheckFailed"
    assert Order.count("t") == 1  # nothing of the cancelled transaction was written
