"""The running stack answers Amazon Location searches on the template's place index, to boto3 and the AWS CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from civic311.geo import distance_km
from civic311.geo.geocoder import Geocoder
from local_stack.template import Template
from tests.integration.conftest import RunningStack
from tests.support import TEMPLATE, scoped_environment

SPEEDWAY_AND_CAMPBELL = (32.2363, -110.9441)


def _meters_from_speedway_and_campbell(point: list[float]) -> float:
    long, lat = point
    return distance_km(lat, long, *SPEEDWAY_AND_CAMPBELL) * 1000


def test_boto3_finds_speedway_and_campbell_on_the_template_place_index(local_stack: RunningStack) -> None:
    answer = local_stack.client("location").search_place_index_for_text(
        IndexName=local_stack.output("PlaceIndexName"),
        Text="Speedway and Campbell",
        BiasPosition=[-110.9747, 32.2226],
        FilterCountries=["USA"],
    )
    declared = Template(TEMPLATE, {"Stage": "local"}, "x").resources["PlaceIndex"]["Properties"]
    assert answer["Summary"]["DataSource"] == declared["DataSource"]
    top = answer["Results"][0]
    assert _meters_from_speedway_and_campbell(top["Place"]["Geometry"]["Point"]) < 300
    assert top["Place"]["Municipality"] == "Tucson"


def test_boto3_reverse_geocodes_a_point_in_oro_valley(local_stack: RunningStack) -> None:
    answer = local_stack.client("location").search_place_index_for_position(
        IndexName=local_stack.output("PlaceIndexName"), Position=[-110.97, 32.40], MaxResults=1
    )
    assert answer["Results"][0]["Place"]["Municipality"] == "Oro Valley"


def test_aws_cli_finds_speedway_and_campbell(local_stack: RunningStack) -> None:
    result = local_stack.aws_cli(
        "location",
        "search-place-index-for-text",
        "--index-name",
        local_stack.output("PlaceIndexName"),
        "--text",
        "Speedway and Campbell",
    )
    answer = json.loads(result.stdout)
    assert answer["Summary"]["Text"] == "Speedway and Campbell"
    assert _meters_from_speedway_and_campbell(answer["Results"][0]["Place"]["Geometry"]["Point"]) < 300


def test_aws_cli_is_told_an_undeclared_index_does_not_exist(local_stack: RunningStack) -> None:
    result = local_stack.aws_cli(
        "location", "search-place-index-for-text", "--index-name", "no-such-index", "--text", "Reid Park", check=False
    )
    assert result.returncode != 0
    assert "ResourceNotFoundException" in result.stderr
    assert local_stack.output("PlaceIndexName") in result.stderr


@pytest.fixture
def geocoder(local_stack: RunningStack) -> Iterator[Geocoder]:
    """The domain geocoder with its SDK pointed at the running stack, as the stack's functions are."""
    with scoped_environment(
        {
            "AWS_ENDPOINT_URL": local_stack.endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": local_stack.info["region"],
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        }
    ):
        yield Geocoder(local_stack.output("PlaceIndexName"))


def test_the_geocoder_resolves_speedway_and_campbell_to_tucson_through_the_stack(geocoder: Geocoder) -> None:
    located = geocoder.locate_text("Speedway and Campbell", "en")
    assert located is not None
    assert _meters_from_speedway_and_campbell([located.long, located.lat]) < 300
    assert located.jurisdiction.id == "tucson"


def test_other_services_still_reach_moto_behind_the_emulator(local_stack: RunningStack) -> None:
    local_stack.client("location").search_place_index_for_text(
        IndexName=local_stack.output("PlaceIndexName"), Text="Reid Park"
    )
    table = local_stack.client("dynamodb").describe_table(TableName=local_stack.output("ServiceRequestsTableName"))
    assert table["Table"]["TableStatus"] == "ACTIVE"
    topics = {t["TopicArn"] for t in local_stack.client("sns").list_topics()["Topics"]}
    assert local_stack.output("CaseEventsTopicArn") in topics
    identity = local_stack.client("sts").get_caller_identity()
    assert identity["Account"].isdigit()
    machine = local_stack.client("stepfunctions").describe_state_machine(
        stateMachineArn=local_stack.output("CallWorkflowArn")
    )
    assert machine["stateMachineArn"] == local_stack.output("CallWorkflowArn")
