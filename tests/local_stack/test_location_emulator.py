"""The embedded endpoint answers Amazon Location place-index searches as AWS would, and hands on the rest."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from werkzeug.test import Client

from local_stack.location import LocationEmulator, PlaceIndex, PlaceIndexes
from tests.support import REPO, InProcessStack, PlacesEndpoint, places_endpoint

TEXT_PATH = "/places/v0/indexes/{}/search/text"
POSITION_PATH = "/places/v0/indexes/{}/search/position"


@pytest.fixture(scope="module")
def places() -> Iterator[PlacesEndpoint]:
    with places_endpoint() as endpoint:
        yield endpoint


@pytest.fixture
def http(places: PlacesEndpoint) -> Client:
    return Client(places.app)


@pytest.fixture(scope="module")
def location(places: PlacesEndpoint) -> Any:
    session: Any = boto3.session.Session()
    return session.client("location", endpoint_url=places.url, config=Config(retries={"max_attempts": 1}))


def _post(http: Client, path: str, body: Any) -> Any:
    return http.post(path, data=body if isinstance(body, bytes) else json.dumps(body))


# --- what the template declares ---------------------------------------------------------------


def test_the_template_place_index_is_registered_with_its_data_source(stack: InProcessStack) -> None:
    name = stack.output("PlaceIndexName")
    index = stack.provisioner.place_indexes.get(name)
    assert index == PlaceIndex(name=name, data_source="Esri", intended_use="Storage")
    assert "PlaceIndex" not in stack.provisioner.skipped
    assert stack.provisioner.attribute("PlaceIndex", "Arn").endswith(f":place-index/{name}")


def test_the_functions_that_search_places_are_told_the_place_index_name(stack: InProcessStack) -> None:
    name = stack.output("PlaceIndexName")
    told = {spec.logical_id: spec.environment.get("PLACE_INDEX_NAME") for spec in stack.runtime.functions.values()}
    assert {logical_id: value for logical_id, value in told.items() if value} == {
        "WorkflowFunction": name,
        "ConnectFunction": name,
    }


def test_the_gazetteer_is_not_loaded_until_a_search_arrives() -> None:
    code = "import sys, local_stack.stack, local_stack.location; print('local_stack.gazetteer' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert loaded.strip() == "False"


# --- answers ----------------------------------------------------------------------------------


def test_text_search_answers_in_the_service_shape_with_the_declared_data_source(
    location: Any, places: PlacesEndpoint
) -> None:
    answer = location.search_place_index_for_text(
        IndexName=places.index_name,
        Text="Speedway and Campbell",
        BiasPosition=[-110.97, 32.22],
        FilterCountries=["USA"],
        MaxResults=3,
        Language="en",
    )
    summary = answer["Summary"]
    assert summary["Text"] == "Speedway and Campbell"
    assert summary["BiasPosition"] == [-110.97, 32.22]
    assert summary["FilterCountries"] == ["USA"]
    assert summary["MaxResults"] == 3
    assert summary["Language"] == "en"
    assert summary["DataSource"] == "Esri"
    top = answer["Results"][0]
    long, lat = top["Place"]["Geometry"]["Point"]
    west, south, east, north = summary["ResultBBox"]
    assert west <= long <= east
    assert south <= lat <= north
    assert "Speedway" in top["Place"]["Label"]
    assert top["Relevance"] == 1.0
    assert top["Distance"] > 0


def test_an_esri_index_answers_without_the_fields_esri_never_sends(location: Any, places: PlacesEndpoint) -> None:
    text = location.search_place_index_for_text(IndexName=places.index_name, Text="Reid Park")["Results"]
    point = location.search_place_index_for_position(IndexName=places.index_name, Position=[-110.9443, 32.2365])
    for result in [*text, *point["Results"]]:
        assert "PlaceId" not in result
        assert "TimeZone" not in result["Place"]
    assert all("Relevance" in result for result in text)


def test_a_here_index_answers_without_relevance_but_with_place_ids_and_time_zones() -> None:
    indexes = PlaceIndexes()
    indexes.register(PlaceIndex("here-places", "Here"))
    http = Client(LocationEmulator(lambda environ, start: [], indexes))
    results = _post(http, TEXT_PATH.format("here-places"), {"Text": "Reid Park"}).get_json()["Results"]
    assert results
    assert all("Relevance" not in r and r["PlaceId"] and r["Place"]["TimeZone"] for r in results)


def test_position_search_describes_a_point_in_oro_valley(location: Any, places: PlacesEndpoint) -> None:
    answer = location.search_place_index_for_position(
        IndexName=places.index_name, Position=[-110.97, 32.40], MaxResults=1
    )
    assert answer["Summary"] == {"Position": [-110.97, 32.40], "MaxResults": 1, "DataSource": "Esri"}
    assert len(answer["Results"]) == 1
    assert answer["Results"][0]["Place"]["Municipality"] == "Oro Valley"
    assert answer["Results"][0]["Distance"] < 300


def test_filter_bbox_and_categories_narrow_the_results(location: Any, places: PlacesEndpoint) -> None:
    everything = location.search_place_index_for_text(IndexName=places.index_name, Text="Reid Park")["Results"]
    assert {r["Place"]["Categories"][0] for r in everything} == {"PointOfInterestType"}
    streets = location.search_place_index_for_text(
        IndexName=places.index_name, Text="Reid Park", FilterCategories=["IntersectionType"]
    )
    assert streets["Results"] == []
    far_away = location.search_place_index_for_text(
        IndexName=places.index_name, Text="Reid Park", FilterBBox=[-112.2, 33.3, -111.9, 33.6]
    )
    assert far_away["Results"] == []
    assert "ResultBBox" not in far_away["Summary"]


def test_a_country_filter_without_the_usa_finds_nothing(location: Any, places: PlacesEndpoint) -> None:
    answer = location.search_place_index_for_text(
        IndexName=places.index_name, Text="Speedway and Campbell", FilterCountries=["MEX"]
    )
    assert answer["Results"] == []


# --- refusals ---------------------------------------------------------------------------------


def test_an_index_the_template_does_not_declare_is_not_found(location: Any, places: PlacesEndpoint) -> None:
    with pytest.raises(location.exceptions.ResourceNotFoundException) as raised:
        location.search_place_index_for_text(IndexName="no-such-index", Text="Speedway and Campbell")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert places.index_name in raised.value.response["Error"]["Message"]
    with pytest.raises(location.exceptions.ResourceNotFoundException):
        location.search_place_index_for_position(IndexName="no-such-index", Position=[-110.97, 32.22])


def test_bias_and_bounding_box_together_are_refused_as_aws_refuses_them(location: Any, places: PlacesEndpoint) -> None:
    with pytest.raises(location.exceptions.ValidationException) as raised:
        location.search_place_index_for_text(
            IndexName=places.index_name,
            Text="Speedway and Campbell",
            BiasPosition=[-110.97, 32.22],
            FilterBBox=[-111.1, 32.0, -110.7, 32.5],
        )
    assert raised.value.response["Reason"] == "FieldValidationFailed"
    assert raised.value.response["FieldList"][0]["Name"] == "BiasPosition"


@pytest.mark.parametrize(
    ("path", "body", "reason", "field"),
    [
        (TEXT_PATH, {}, "Missing", "Text"),
        (TEXT_PATH, {"Text": ""}, "FieldValidationFailed", "Text"),
        (TEXT_PATH, {"Text": "x" * 201}, "FieldValidationFailed", "Text"),
        (TEXT_PATH, {"Text": 42}, "FieldValidationFailed", "Text"),
        (TEXT_PATH, {"Text": "Reid Park", "MaxResults": 0}, "FieldValidationFailed", "MaxResults"),
        (TEXT_PATH, {"Text": "Reid Park", "MaxResults": 51}, "FieldValidationFailed", "MaxResults"),
        (TEXT_PATH, {"Text": "Reid Park", "MaxResults": 2.5}, "FieldValidationFailed", "MaxResults"),
        (TEXT_PATH, {"Text": "Reid Park", "BiasPosition": [-110.9]}, "FieldValidationFailed", "BiasPosition"),
        (TEXT_PATH, {"Text": "Reid Park", "BiasPosition": [32.2, -200]}, "FieldValidationFailed", "BiasPosition"),
        (TEXT_PATH, {"Text": "Reid Park", "FilterBBox": [-110, 32, -111, 33]}, "FieldValidationFailed", "FilterBBox"),
        (TEXT_PATH, {"Text": "Reid Park", "FilterCountries": ["US"]}, "FieldValidationFailed", "FilterCountries[0]"),
        (TEXT_PATH, {"Text": "Reid Park", "Language": "e"}, "FieldValidationFailed", "Language"),
        (TEXT_PATH, {"Text": "Reid Park", "Near": "downtown"}, "UnknownField", "Near"),
        (TEXT_PATH, b"Speedway and Campbell", "CannotParse", "body"),
        (POSITION_PATH, {}, "Missing", "Position"),
        (POSITION_PATH, {"Position": [-110.97, 95.0]}, "FieldValidationFailed", "Position"),
        (POSITION_PATH, {"Position": ["-110.97", "32.2"]}, "FieldValidationFailed", "Position[0]"),
    ],
)
def test_bad_input_is_a_validation_exception_naming_the_field(
    http: Client, places: PlacesEndpoint, path: str, body: Any, reason: str, field: str
) -> None:
    answer = _post(http, path.format(places.index_name), body)
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == "ValidationException"
    error = answer.get_json()
    assert error["reason"] == reason
    assert error["fieldList"][0]["name"] == field
    assert field.split("[")[0] in error["message"]


def test_a_malformed_index_name_is_a_validation_exception(http: Client) -> None:
    answer = _post(http, TEXT_PATH.format("no%20spaces"), {"Text": "Reid Park"})
    assert answer.status_code == 400
    assert answer.get_json()["fieldList"][0]["name"] == "IndexName"


def test_validation_messages_never_repeat_what_the_caller_said(http: Client, places: PlacesEndpoint) -> None:
    said = "my house at 1234 E Secret St " * 10
    answer = _post(http, TEXT_PATH.format(places.index_name), {"Text": said})
    assert answer.status_code == 400
    assert "Secret" not in answer.get_data(as_text=True)


# --- everything else goes to moto ---------------------------------------------------------------


def test_other_services_requests_reach_moto_untouched(http: Client, places: PlacesEndpoint) -> None:
    before = len(places.behind.received)
    body = b'{"TableName": "civic311-test-ServiceRequestsTable"}'
    answer = http.post(
        "/?probe=1",
        data=body,
        headers={"X-Amz-Target": "DynamoDB_20120810.DescribeTable", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert answer.get_json() == {"answeredBy": "moto"}
    passed = places.behind.received[before:]
    assert len(passed) == 1
    assert (passed[0].method, passed[0].path, passed[0].query, passed[0].body) == ("POST", "/", "probe=1", body)
    assert passed[0].headers["x-amz-target"] == "DynamoDB_20120810.DescribeTable"
    assert passed[0].headers["content-type"] == "application/x-amz-json-1.0"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", TEXT_PATH.format("civic311-test-places")),
        ("POST", "/places/v0/indexes/civic311-test-places/search/suggestions"),
        ("GET", "/places/v0/indexes/civic311-test-places/places/some-place-id"),
        ("POST", "/2015-03-31/functions/civic311-test-Open311Function/invocations"),
    ],
)
def test_requests_the_emulator_does_not_answer_are_handed_on(
    http: Client, places: PlacesEndpoint, method: str, path: str
) -> None:
    before = len(places.behind.received)
    body = b'{"Text": "Speedway"}' if method == "POST" else b""
    answer = http.open(path, method=method, data=body)
    assert answer.get_json() == {"answeredBy": "moto"}
    assert [(p.method, p.path, p.body) for p in places.behind.received[before:]] == [(method, path, body)]


def test_a_fault_in_the_emulator_is_an_internal_server_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    indexes = PlaceIndexes()
    indexes.register(PlaceIndex("broken-places", "Esri"))

    def broken(*_: Any, **__: Any) -> list[dict[str, Any]]:
        raise RuntimeError("gazetteer data is damaged")

    monkeypatch.setattr("local_stack.gazetteer.search_text", broken)
    answer = _post(
        Client(LocationEmulator(lambda environ, start: [], indexes)), TEXT_PATH.format("broken-places"), {"Text": "x"}
    )
    assert answer.status_code == 500
    assert answer.headers["x-amzn-ErrorType"] == "InternalServerException"
    assert "message" in answer.get_json()
