"""Lambda versions and aliases, end to end over HTTP and embedded: publishing,
immutability, qualifiers on every operation that takes one, aliases with
weighted routing, deletion rules, event source mappings on an alias, and
durability across a restart."""
from __future__ import annotations

import json
import re

import pytest
import support
from hypothesis import given
from hypothesis import strategies as st
from support import create_function, create_table, error_of, open_db, unique_name, wait_for, zipped

from dynalite_py.lambda_.functions.functions import paged
from dynalite_py.lambda_.functions.qualifiers import function_ref, routed_version

ACCOUNT_ARN = "arn:aws:lambda:us-east-1:000000000000:function"
HANDLER = '''
import json, os
def handler(event, context):
    if os.environ.get("OUT"):
        with open(os.environ["OUT"], "a") as out:
            out.write(json.dumps({"code": CODE, "version": context.function_version,
                                  "records": len(event.get("Records", []))}) + "\\n")
    return {"code": CODE, "version": context.function_version,
            "arn": context.invoked_function_arn, "greeting": os.environ.get("GREETING")}
'''


def source(code: str) -> str:
    return f"CODE = {code!r}\n{HANDLER}"


def invoked(lambda_client, **request) -> tuple[dict, str]:
    """(the handler's answer, ExecutedVersion) of one synchronous Invoke."""
    response = lambda_client.invoke(**request)
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    return json.loads(response["Payload"].read()), response["ExecutedVersion"]


@pytest.fixture
def two_versions(lambda_client):
    """A function published as version 1 ("one") and 2 ("two"), with $LATEST
    at "three"."""
    name = create_function(lambda_client, source("one"), Publish=True)
    lambda_client.update_function_code(FunctionName=name, ZipFile=zipped(source("two")),
                                       Publish=True)
    lambda_client.update_function_code(FunctionName=name, ZipFile=zipped(source("three")))
    return name


def test_publish_on_create_and_update_code(lambda_client):
    name = unique_name("fn")
    created = lambda_client.create_function(
        FunctionName=name, Runtime=support.LAMBDA_RUNTIME, Role=support.LAMBDA_ROLE,
        Handler="lambda_function.handler", Code={"ZipFile": zipped(source("one"))}, Publish=True)
    assert created["Version"] == "1"
    assert created["FunctionArn"] == f"{ACCOUNT_ARN}:{name}:1"
    updated = lambda_client.update_function_code(FunctionName=name,
                                                 ZipFile=zipped(source("two")), Publish=True)
    assert updated["Version"] == "2" and updated["CodeSha256"] != created["CodeSha256"]
    unpublished = lambda_client.update_function_code(FunctionName=name,
                                                     ZipFile=zipped(source("three")))
    assert unpublished["Version"] == "$LATEST"
    assert [v["Version"] for v in lambda_client.list_versions_by_function(
        FunctionName=name)["Versions"]] == ["$LATEST", "1", "2"]


def test_a_published_version_keeps_its_code_and_configuration(lambda_client, two_versions):
    name = two_versions
    lambda_client.update_function_configuration(FunctionName=name, Timeout=9,
                                                Environment={"Variables": {"GREETING": "hi"}})
    assert invoked(lambda_client, FunctionName=name, Qualifier="1") == (
        {"code": "one", "version": "1", "arn": f"{ACCOUNT_ARN}:{name}:1", "greeting": None}, "1")
    assert invoked(lambda_client, FunctionName=name)[0]["code"] == "three"
    assert invoked(lambda_client, FunctionName=name)[0]["greeting"] == "hi"
    first = lambda_client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert (first["Version"], first["Timeout"], first["FunctionArn"]) == (
        "1", 3, f"{ACCOUNT_ARN}:{name}:1")
    assert "Variables" not in first["Environment"] or first["Environment"]["Variables"] == {}
    latest = lambda_client.get_function(FunctionName=name)["Configuration"]
    assert (latest["Version"], latest["Timeout"]) == ("$LATEST", 9)
    assert latest["FunctionArn"] == f"{ACCOUNT_ARN}:{name}"
    # publishing the changed configuration makes version 3; nothing new, no version
    third = lambda_client.publish_version(FunctionName=name, Description="third")
    assert (third["Version"], third["Timeout"], third["Description"]) == ("3", 9, "third")
    assert lambda_client.publish_version(FunctionName=name)["Version"] == "3"


def test_publish_version_checks_code_sha_and_revision(lambda_client, two_versions):
    name = two_versions
    latest = lambda_client.get_function_configuration(FunctionName=name)
    code, message = error_of(lambda_client.publish_version, FunctionName=name,
                             CodeSha256="bm90IHRoZSBjb2Rl")
    assert code == "InvalidParameterValueException"
    assert message == ("CodeSHA256 (bm90IHRoZSBjb2Rl) is different from current CodeSHA256 in "
                       f"$LATEST ({latest['CodeSha256']}). Please try again with the "
                       "CodeSHA256 in $LATEST.")
    code, _ = error_of(lambda_client.publish_version, FunctionName=name, RevisionId="stale")
    assert code == "PreconditionFailedException"
    published = lambda_client.publish_version(FunctionName=name, CodeSha256=latest["CodeSha256"],
                                              RevisionId=latest["RevisionId"])
    assert published["Version"] == "3"
    code, message = error_of(lambda_client.publish_version, FunctionName=unique_name("none"))
    assert code == "ResourceNotFoundException" and message.startswith("Function not found: ")


def test_list_functions_lists_versions_only_when_asked(lambda_client, two_versions):
    def listed(**request) -> list[str]:
        found, marker = [], None
        while True:
            page = lambda_client.list_functions(**request, **({"Marker": marker} if marker else {}))
            found += [f["FunctionArn"] for f in page["Functions"]
                      if f["FunctionName"] == two_versions]
            marker = page.get("NextMarker")
            if not marker:
                return found
    arn = f"{ACCOUNT_ARN}:{two_versions}"
    assert listed() == [arn]
    assert listed(FunctionVersion="ALL") == [arn, f"{arn}:1", f"{arn}:2"]


def test_list_versions_pages(lambda_client, two_versions):
    first = lambda_client.list_versions_by_function(FunctionName=two_versions, MaxItems=2)
    assert [v["Version"] for v in first["Versions"]] == ["$LATEST", "1"]
    assert first["Versions"][0]["FunctionArn"] == f"{ACCOUNT_ARN}:{two_versions}:$LATEST"
    rest = lambda_client.list_versions_by_function(FunctionName=two_versions,
                                                   Marker=first["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2"] and "NextMarker" not in rest


def test_alias_lifecycle(lambda_client, two_versions):
    name = two_versions
    alias_arn = f"{ACCOUNT_ARN}:{name}:live"
    created = lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                         Description="production")
    assert (created["AliasArn"], created["FunctionVersion"], created["Description"]) == (
        alias_arn, "1", "production")
    assert lambda_client.get_alias(FunctionName=name, Name="live")["RevisionId"] \
        == created["RevisionId"]
    code, message = error_of(lambda_client.create_alias, FunctionName=name, Name="live",
                             FunctionVersion="2")
    assert (code, message) == ("ResourceConflictException", f"Alias already exists: {alias_arn}")
    code, _ = error_of(lambda_client.update_alias, FunctionName=name, Name="live",
                       FunctionVersion="2", RevisionId="stale")
    assert code == "PreconditionFailedException"
    updated = lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                                         RevisionId=created["RevisionId"])
    assert updated["FunctionVersion"] == "2" and updated["Description"] == "production"
    assert updated["RevisionId"] != created["RevisionId"]
    lambda_client.create_alias(FunctionName=name, Name="old", FunctionVersion="1")
    lambda_client.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
    listed = lambda_client.list_aliases(FunctionName=name)["Aliases"]
    assert [alias["Name"] for alias in listed] == ["edge", "live", "old"]
    assert [alias["Name"] for alias in lambda_client.list_aliases(
        FunctionName=name, FunctionVersion="1")["Aliases"]] == ["old"]
    paged = lambda_client.list_aliases(FunctionName=name, MaxItems=2)
    assert len(paged["Aliases"]) == 2 and paged["NextMarker"]
    assert invoked(lambda_client, FunctionName=f"{name}:edge") == (
        {"code": "three", "version": "$LATEST", "arn": f"{ACCOUNT_ARN}:{name}:edge",
         "greeting": None}, "$LATEST")
    lambda_client.delete_alias(FunctionName=name, Name="live")
    code, message = error_of(lambda_client.get_alias, FunctionName=name, Name="live")
    assert (code, message) == ("ResourceNotFoundException", f"Cannot find alias arn: {alias_arn}")
    code, _ = error_of(lambda_client.delete_alias, FunctionName=name, Name="live")
    assert code == "ResourceNotFoundException"


@pytest.mark.parametrize("version, routing, code, message", [
    ("9", None, "ResourceNotFoundException", "Function not found: {arn}:9"),
    ("1", {"7": 0.5}, "ResourceNotFoundException", "Function not found: {arn}:7"),
    ("$LATEST", {"1": 0.5}, "InvalidParameterValueException",
     "$LATEST is not supported for an alias pointing to more than 1 version"),
    ("1", {"1": 0.5}, "InvalidParameterValueException",
     "Invalid function version 1. Function version 1 is already included in routing "
     "configuration."),
    ("1", {"2": 0.2, "3": 0.2}, "InvalidParameterValueException",
     "Number of items in AdditionalVersionWeights cannot be greater than 1"),
])
def test_alias_targets_must_exist_and_route_sensibly(lambda_client, two_versions, version,
                                                    routing, code, message):
    request = {"FunctionName": two_versions, "Name": "bad", "FunctionVersion": version}
    if routing:
        request["RoutingConfig"] = {"AdditionalVersionWeights": routing}
    assert error_of(lambda_client.create_alias, **request) == (
        code, message.format(arn=f"{ACCOUNT_ARN}:{two_versions}"))
    lambda_client.create_alias(FunctionName=two_versions, Name="good", FunctionVersion="2")
    assert error_of(lambda_client.update_alias, **dict(request, Name="good"))[0] == code
    assert lambda_client.get_alias(FunctionName=two_versions, Name="good")["FunctionVersion"] \
        == "2"


def test_qualifiers_on_invoke_and_get_function(lambda_client, two_versions):
    name = two_versions
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    for request in ({"FunctionName": f"{name}:live"},
                    {"FunctionName": name, "Qualifier": "live"},
                    {"FunctionName": f"{ACCOUNT_ARN}:{name}:live"},
                    {"FunctionName": f"000000000000:function:{name}:live"},
                    {"FunctionName": f"{name}:live", "Qualifier": "live"}):
        answer, executed = invoked(lambda_client, **request)
        assert (answer["code"], answer["arn"], executed) == (
            "one", f"{ACCOUNT_ARN}:{name}:live", "1")
    assert invoked(lambda_client, FunctionName=f"{name}:2")[1] == "2"
    assert invoked(lambda_client, FunctionName=name, Qualifier="$LATEST")[1] == "$LATEST"
    through_alias = lambda_client.get_function(FunctionName=name, Qualifier="live")
    assert through_alias["Configuration"]["Version"] == "1"
    assert through_alias["Configuration"]["FunctionArn"] == f"{ACCOUNT_ARN}:{name}:live"
    for unknown in ("9", "nosuch"):
        for call in (lambda_client.invoke, lambda_client.get_function,
                     lambda_client.get_function_configuration):
            assert error_of(call, FunctionName=name, Qualifier=unknown) == (
                "ResourceNotFoundException", f"Function not found: {ACCOUNT_ARN}:{name}:{unknown}")
    assert error_of(lambda_client.invoke, FunctionName=f"{name}:live", Qualifier="1") == (
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.")


def test_a_canary_alias_routes_within_statistical_bounds(lambda_client, two_versions):
    """90/10 over 1,000 invokes: version 2's count is binomial(1000, 0.1),
    mean 100, standard deviation 9.5; five deviations either side."""
    name = two_versions
    lambda_client.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    executed = [invoked(lambda_client, FunctionName=name, Qualifier="canary")
                for _ in range(1000)]
    assert all(answer["code"] == {"1": "one", "2": "two"}[version]
               for answer, version in executed)
    assert 52 <= sum(version == "2" for _, version in executed) <= 148
    lambda_client.update_alias(FunctionName=name, Name="canary", RoutingConfig={})
    assert "RoutingConfig" not in lambda_client.get_alias(FunctionName=name, Name="canary")
    assert {invoked(lambda_client, FunctionName=f"{name}:canary")[1] for _ in range(30)} == {"1"}


@given(primary=st.integers(1, 50), additional=st.integers(51, 99),
       weight=st.floats(0.0, 1.0), draw=st.floats(0.0, 1.0, exclude_max=True))
def test_routing_sends_exactly_the_weighted_share(primary, additional, weight, draw):
    alias = {"FunctionVersion": str(primary),
             "RoutingConfig": {"AdditionalVersionWeights": {str(additional): weight}}}
    expected = str(additional) if draw < weight else str(primary)
    assert routed_version(alias, draw) == expected


# a name that is also an account id, a region or "function" reads as that
# before a qualifier (the model's pattern is ambiguous there, as AWS's is)
NAMES = st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True).filter(
    lambda name: not re.fullmatch(r"\d{12}|[a-z]{2}(-gov)?-[a-z]+-\d|function", name))


@given(name=NAMES,
       qualifier=st.one_of(st.none(), st.from_regex(r"\$LATEST|[0-9]{1,5}|[a-z][a-z0-9_-]{0,20}",
                                                     fullmatch=True)))
def test_every_form_of_a_function_name_names_the_same_function(name, qualifier):
    suffix = f":{qualifier}" if qualifier else ""
    for form in (name, f"000000000000:function:{name}", f"{ACCOUNT_ARN}:{name}",
                 f"function:{name}", f"us-east-1:000000000000:function:{name}"):
        assert function_ref(form + suffix) == function_ref(form, qualifier) \
            == (function_ref(name + suffix))
        assert function_ref(form + suffix).name == name
        assert function_ref(form + suffix).qualifier == qualifier


def test_delete_function_versions_and_the_whole_function(lambda_client, two_versions):
    name = two_versions
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="2",
                               RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
    for version in ("1", "2"):
        assert error_of(lambda_client.delete_function, FunctionName=name, Qualifier=version) == (
            "ResourceConflictException",
            "Unable to delete version because the following aliases reference it: [live]")
    lambda_client.update_alias(FunctionName=name, Name="live", RoutingConfig={})
    lambda_client.delete_function(FunctionName=name, Qualifier="1")
    assert [v["Version"] for v in lambda_client.list_versions_by_function(
        FunctionName=name)["Versions"]] == ["$LATEST", "2"]
    assert error_of(lambda_client.invoke, FunctionName=name, Qualifier="1")[0] \
        == "ResourceNotFoundException"
    # a deleted version's number is never used again
    lambda_client.update_function_configuration(FunctionName=name, Timeout=7)
    assert lambda_client.publish_version(FunctionName=name)["Version"] == "3"
    lambda_client.delete_function(FunctionName=f"{ACCOUNT_ARN}:{name}")
    assert error_of(lambda_client.get_function, FunctionName=name)[0] \
        == "ResourceNotFoundException"
    create_function(lambda_client, source("again"), name=name)  # the same name starts afresh
    assert [v["Version"] for v in lambda_client.list_versions_by_function(
        FunctionName=name)["Versions"]] == ["$LATEST"]
    assert lambda_client.list_aliases(FunctionName=name)["Aliases"] == []
    assert lambda_client.publish_version(FunctionName=name)["Version"] == "1"


def test_a_mapping_on_an_alias_runs_the_alias_version(client, lambda_client, two_versions,
                                                      tmp_path):
    name, out = two_versions, tmp_path / "out.jsonl"
    lambda_client.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"OUT": str(out)}})
    published = lambda_client.publish_version(FunctionName=name)["Version"]
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion=published)
    lambda_client.update_function_code(FunctionName=name, ZipFile=zipped(source("four")))
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "NEW_IMAGE"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    code, message = error_of(lambda_client.create_event_source_mapping,
                             EventSourceArn=stream_arn, FunctionName=f"{name}:nosuch",
                             StartingPosition="TRIM_HORIZON")
    assert (code, message) == ("ResourceNotFoundException",
                               f"Function not found: {ACCOUNT_ARN}:{name}:nosuch")
    mapping = lambda_client.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=f"{name}:live", StartingPosition="TRIM_HORIZON")
    assert mapping["FunctionArn"] == f"{ACCOUNT_ARN}:{name}:live"
    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    seen = wait_for(lambda: out.exists() and [json.loads(line)
                                              for line in out.read_text().splitlines()])
    assert seen[0] == {"code": "three", "version": published, "records": 1}
    lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])


def test_a_mapping_moved_to_another_function_alias_feeds_it(client, lambda_client, tmp_path):
    """UpdateEventSourceMapping's FunctionName (here name:alias) takes effect:
    the next records go to the new function's aliased version."""
    old_out, new_out = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old = create_function(lambda_client, source("old"),
                          Environment={"Variables": {"OUT": str(old_out)}})
    new = create_function(lambda_client, source("new"), Publish=True,
                          Environment={"Variables": {"OUT": str(new_out)}})
    lambda_client.create_alias(FunctionName=new, Name="live", FunctionVersion="1")
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "KEYS_ONLY"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    mapping = lambda_client.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=old, StartingPosition="TRIM_HORIZON")
    client.put_item(TableName=table, Item={"pk": {"S": "first"}})
    wait_for(lambda: old_out.exists())
    assert error_of(lambda_client.update_event_source_mapping, UUID=mapping["UUID"],
                    FunctionName=f"{new}:nosuch")[0] == "ResourceNotFoundException"
    moved = lambda_client.update_event_source_mapping(UUID=mapping["UUID"],
                                                      FunctionName=f"{new}:live")
    assert moved["FunctionArn"] == f"{ACCOUNT_ARN}:{new}:live"
    client.put_item(TableName=table, Item={"pk": {"S": "second"}})
    seen = wait_for(lambda: new_out.exists() and [json.loads(line)
                                                  for line in new_out.read_text().splitlines()])
    assert seen == [{"code": "new", "version": "1", "records": 1}]
    assert len(old_out.read_text().splitlines()) == 1
    lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])


def test_versions_and_aliases_survive_a_restart(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing across a restart")
    db = open_db(str(tmp_path))
    try:
        lambda_client = db.client("lambda", config=support.NO_RETRIES)
        name = create_function(lambda_client, source("one"), Publish=True)
        lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    finally:
        db.close()
    db = open_db(str(tmp_path))
    try:
        lambda_client = db.client("lambda", config=support.NO_RETRIES)
        assert [v["Version"] for v in lambda_client.list_versions_by_function(
            FunctionName=name)["Versions"]] == ["$LATEST", "1"]
        assert lambda_client.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
        assert invoked(lambda_client, FunctionName=name, Qualifier="live")[0]["code"] == "one"
    finally:
        db.close()


def test_each_version_keeps_its_own_warm_environment(lambda_client):
    """Calls alternating between two versions (a canary's traffic) reuse a
    warm environment of each: no cold start at every switch."""
    counter = ("CALLS = 0\ndef handler(event, context):\n    global CALLS\n    CALLS += 1\n"
               "    return {'calls': CALLS, 'code': CODE}\n")
    name = create_function(lambda_client, "CODE = 'one'\n" + counter, Publish=True)
    lambda_client.update_function_code(FunctionName=name, Publish=True,
                                       ZipFile=zipped("CODE = 'two'\n" + counter))
    answers = [invoked(lambda_client, FunctionName=name, Qualifier=version)[0]
               for _ in range(3) for version in ("1", "2")]
    # one client keeps one connection, so over HTTP one server process answers
    assert [(answer["code"], answer["calls"]) for answer in answers] == [
        ("one", 1), ("two", 1), ("one", 2), ("two", 2), ("one", 3), ("two", 3)]


def test_updates_renew_the_revision_and_honour_a_stale_one(lambda_client):
    name = create_function(lambda_client, source("one"))
    first = lambda_client.get_function_configuration(FunctionName=name)["RevisionId"]
    updated = lambda_client.update_function_configuration(FunctionName=name, Timeout=4,
                                                          RevisionId=first)
    assert updated["RevisionId"] != first
    for call, extra in ((lambda_client.update_function_configuration, {"Timeout": 5}),
                        (lambda_client.update_function_code, {"ZipFile": zipped(source("x"))})):
        assert error_of(call, FunctionName=name, RevisionId=first, **extra)[0] \
            == "PreconditionFailedException"
    assert lambda_client.get_function_configuration(FunctionName=name)["Timeout"] == 4
    recoded = lambda_client.update_function_code(FunctionName=name, ZipFile=zipped(source("x")),
                                                 RevisionId=updated["RevisionId"])
    assert recoded["RevisionId"] not in (first, updated["RevisionId"])


@pytest.mark.parametrize("operation, extra", [
    ("list_versions_by_function", {}), ("list_aliases", {}), ("publish_version", {}),
    ("get_alias", {"Name": "live"}), ("delete_alias", {"Name": "live"}),
    ("create_alias", {"Name": "live", "FunctionVersion": "1"}),
    ("update_alias", {"Name": "live", "FunctionVersion": "1"}),
])
def test_version_operations_on_an_unknown_function(lambda_client, operation, extra):
    missing = unique_name("none")
    assert error_of(getattr(lambda_client, operation), FunctionName=missing, **extra) == (
        "ResourceNotFoundException", f"Function not found: {ACCOUNT_ARN}:{missing}")


def test_an_alias_route_splits_a_mappings_batches(client, lambda_client, tmp_path):
    """A mapping on a routed alias draws the version per batch: with half
    the weight on each, both versions get batches."""
    out = tmp_path / "out.jsonl"
    name = create_function(lambda_client, source("one"), Publish=True,
                           Environment={"Variables": {"OUT": str(out)}})
    lambda_client.update_function_code(FunctionName=name, ZipFile=zipped(source("two")),
                                       Publish=True)
    lambda_client.create_alias(FunctionName=name, Name="half", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "KEYS_ONLY"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    mapping = lambda_client.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=f"{name}:half", StartingPosition="TRIM_HORIZON",
        BatchSize=1)
    for key in range(24):
        client.put_item(TableName=table, Item={"pk": {"S": f"k{key}"}})
    seen = wait_for(lambda: out.exists() and len(out.read_text().splitlines()) >= 24
                    and [json.loads(line) for line in out.read_text().splitlines()])
    # each version is drawn with probability 1/2 per batch: all 24 alike is 2 in 16 million
    assert {line["version"] for line in seen} == {"1", "2"}
    assert all(line["code"] == {"1": "one", "2": "two"}[line["version"]] for line in seen)
    lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])


@given(items=st.lists(st.integers(), max_size=40), size=st.integers(1, 12))
def test_pages_put_together_are_the_whole_list(items, size):
    found, marker = [], None
    while True:
        page = paged(items, {"MaxItems": size, **({"Marker": marker} if marker else {})},
                     "Items", 10)
        assert len(page["Items"]) <= min(size, 10)
        found += page["Items"]
        marker = page.get("NextMarker")
        if marker is None:
            break
    assert found == items
