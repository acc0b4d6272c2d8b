"""The daily open-data export: what goes in the files, what never does, and where they are written."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from civic311.cases.open_data import city_day, public_rows, safe_cell, to_csv, to_geojson
from civic311.cases.open_data_export import asked_day, window
from civic311.catalog import load_catalog
from civic311.clock import CITY_TZ
from civic311.errors import InvalidInput
from civic311.models.cases import AlertState, Channel, Contact, Place, Screening, ServiceRequest
from civic311.store.contacts import ContactSeal
from civic311.store.requests import RequestStore
from tests.support import InProcessStack

CATALOG = load_catalog()
# 10:00 in Tucson on 30 November 2026 (the city keeps UTC-7 all year).
MADE = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def request(request_id: str, **fields: Any) -> ServiceRequest:
    defaults: dict[str, Any] = {
        "service_request_id": request_id,
        "token": "t" + request_id,
        "service_code": "pothole",
        "description": "deep hole by the bus stop",
        "status_notes": "crew notes: caller rude",
        "service_notice": "We aim to fix potholes within 7 days.",
        "media_url": "https://example.org/photo.jpg",
        "place": Place(lat=32.2226, long=-110.9747, address="100 N Stone Ave"),
        "channel": Channel.OPEN311,
        "requested_at": MADE,
        "updated_at": MADE,
        "expected_at": MADE + timedelta(days=7),
        "contact": Contact(phone="+15205550188", email="caller@example.org"),
    }
    return ServiceRequest(**(defaults | fields))


def area(lat: float, long: float) -> str:
    return f"area near {lat:.1f},{long:.1f}"


def screening(**fields: Any) -> Screening:
    return Screening(**({"emergency": False, "crisis": False, "suggested_code": "pothole", "language": "en"} | fields))


PRIVATE_ONES = [
    request("2000000001", service_code="shelter", description="fleeing, need a bed"),
    request("2000000002", service_code="noise", description="neighbour shouting"),
    request("2000000003", channel=Channel.DIVERSION),
    request("2000000004", screening=screening(crisis=True)),
    request("2000000005", alert=AlertState(status="delivered", kind="screened")),
    request("2000000006", service_code="graffiti", screening=screening(suggested_code="shelter")),
    request("2000000007", service_code="no-such-code"),
]


def test_a_public_city_report_is_exported_without_notes_notices_media_or_contact() -> None:
    [row] = public_rows(CATALOG, [request("1000000001")], area)

    assert row["service_request_id"] == "1000000001"
    assert row["description"] == "deep hole by the bus stop"
    assert (row["lat"], row["long"], row["address"]) == (32.2226, -110.9747, "100 N Stone Ave")
    assert row["requested_datetime"] == "2026-11-30T10:00:00-07:00"
    assert row["area"] == "area near 32.2,-111.0"
    written = json.dumps(row)
    for never in ("crew notes", "We aim", "photo.jpg", "5550188", "caller@example.org"):
        assert never not in written


@pytest.mark.parametrize("private", PRIVATE_ONES, ids=lambda made: made.service_request_id)
def test_a_request_the_public_sees_as_private_is_left_out_entirely(private: ServiceRequest) -> None:
    assert public_rows(CATALOG, [private], area) == []


def test_a_phone_reports_words_are_a_transcript_and_not_exported() -> None:
    [row] = public_rows(CATALOG, [request("1000000002", channel=Channel.PHONE)], area)

    assert row["description"] is None
    assert row["lat"] == 32.2226


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_could_start_a_formula_is_led_by_an_apostrophe(lead: str) -> None:
    assert safe_cell(lead + "HYPERLINK(1)") == "'" + lead + "HYPERLINK(1)"


def test_a_negative_longitude_stays_a_number() -> None:
    assert safe_cell(-110.9747) == -110.9747


def test_the_csv_parses_back_with_a_formula_description_neutralised() -> None:
    rows = public_rows(CATALOG, [request("1000000003", description='=HYPERLINK("http://x","y")')], area)

    [parsed] = list(csv.DictReader(io.StringIO(to_csv(rows))))

    assert parsed["description"] == '\'=HYPERLINK("http://x","y")'
    assert float(parsed["long"]) == -110.9747


def test_the_geojson_puts_long_before_lat_and_a_pointless_request_has_no_geometry() -> None:
    rows = public_rows(CATALOG, [request("1000000004"), request("1000000005", place=Place(address_id="A-17"))], area)

    collection = json.loads(to_geojson(rows))

    assert collection["type"] == "FeatureCollection"
    assert collection["features"][0]["geometry"] == {"type": "Point", "coordinates": [-110.9747, 32.2226]}
    assert collection["features"][1]["geometry"] is None
    assert collection["features"][1]["properties"]["area"] is None


def test_a_city_day_is_counted_in_city_time() -> None:
    start, end = city_day(date(2026, 11, 30))

    assert start.astimezone(UTC) == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)


def test_a_run_exports_the_last_three_complete_days_yesterday_last() -> None:
    # 02:00 UTC on 1 December is still 30 November in Tucson.
    assert window(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)) == [
        date(2026, 11, 27),
        date(2026, 11, 28),
        date(2026, 11, 29),
    ]


@pytest.mark.parametrize("value", ["2026-13-01", "2026-12-02", "yesterday", "2026-1-1", 20261130, None, "2026-11-30\n"])
def test_a_manual_run_naming_a_bad_or_future_day_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        asked_day(value, datetime(2026, 12, 1, 18, 0, tzinfo=UTC))


def read(bucket: str, key: str) -> str:
    return str(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


def test_the_function_writes_a_dated_copy_and_latest_with_only_public_requests(stack: InProcessStack) -> None:
    store = RequestStore(stack.output("ServiceRequestsTableName"), contacts=ContactSeal(stack.output("ContactKeyId")))
    day = (datetime.now(UTC) - timedelta(days=1)).astimezone(CITY_TZ).date()
    made_at = city_day(day)[0] + timedelta(hours=12)
    for made in [request("3000000001"), *PRIVATE_ONES]:
        store.create(made.model_copy(update={"requested_at": made_at, "updated_at": made_at}))
    # The day after is not yet exported by the run that exports `day`.
    store.create(request("3000000002", requested_at=made_at + timedelta(days=1), updated_at=made_at))

    answer = stack.call("OpenDataExportFunction", {"day": day.isoformat()})

    bucket, prefix = stack.output("OpenDataBucketName"), stack.output("OpenDataPrefix")
    [exported] = answer["days"]
    assert exported["rows"] == 1
    rows = list(csv.DictReader(io.StringIO(read(bucket, f"{prefix}daily/{day.isoformat()}/requests.csv"))))
    assert [row["service_request_id"] for row in rows] == ["3000000001"]
    features = json.loads(read(bucket, f"{prefix}daily/{day.isoformat()}/requests.geojson"))["features"]
    assert [feature["id"] for feature in features] == ["3000000001"]
    assert rows[0]["area"] == "City of Tucson, north-west"


def test_a_scheduled_run_copies_yesterday_to_latest(stack: InProcessStack) -> None:
    answer = stack.call("OpenDataExportFunction", {"source": "aws.events", "detail": {}})

    bucket, prefix = stack.output("OpenDataBucketName"), stack.output("OpenDataPrefix")
    assert len(answer["days"]) == 3
    latest = json.loads(read(bucket, f"{prefix}latest/requests.geojson"))
    yesterday = answer["days"][-1]["day"]
    assert latest == json.loads(read(bucket, f"{prefix}daily/{yesterday}/requests.geojson"))
