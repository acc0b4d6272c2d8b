"""GET /v1/stats: the public numbers of a period, with small counts of anything private withheld."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civic311.cases.stats import SUPPRESS_BELOW, shown, tally, withheld
from civic311.catalog import load_catalog
from civic311.models.cases import AlertState, Channel, Place, ServiceRequest, Status
from civic311.store.requests import RequestStore
from tests.support import InProcessStack, api_event

CATALOG = load_catalog()
START = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
END = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)


def item(
    code: str = "pothole", *, closed_after_hours: float | None = None, sla_hours: float = 24, **extra: Any
) -> dict[str, Any]:
    made = START + timedelta(days=1)
    stored = {
        "service_request_id": "5000000000",
        "token": "digest",
        "service_code": code,
        "status": "open",
        "requested_at": made.isoformat(),
        "updated_at": made.isoformat(),
        "expected_at": (made + timedelta(hours=sla_hours)).isoformat(),
        "place": {"lat": 32.2226, "long": -110.9747},
        "channel": "open311",
    }
    if closed_after_hours is not None:
        stored |= {"status": "closed", "updated_at": (made + timedelta(hours=closed_after_hours)).isoformat()}
    return stored | extra


def area(lat: float, long: float) -> str:
    return "central"


def test_median_time_to_close_and_the_share_within_sla_count_closed_and_overdue_requests() -> None:
    items = [
        item(closed_after_hours=10),  # on time
        item(closed_after_hours=30),  # late
        item(closed_after_hours=20),  # on time
        item(),  # open and past its expected time: counts as missed
        item(sla_hours=24 * 60),  # open and not yet due: not counted
    ]

    numbers = tally(CATALOG, items, 0, START, END, NOW, area)

    assert numbers.requests == 5
    assert numbers.closed == 3
    assert numbers.median_hours_to_close == 20.0
    assert numbers.closed_within_sla == 0.5
    [pothole] = numbers.by_code
    assert (pothole.requests, pothole.closed, pothole.closed_within_sla) == (5, 3, 0.5)


def test_a_private_code_with_few_requests_is_withheld_but_a_public_one_is_not() -> None:
    items = [item("shelter", closed_after_hours=2), item("pothole")]

    numbers = tally(CATALOG, items, 0, START, END, NOW, area)

    by_code = {row.service_code: row for row in numbers.by_code}
    assert by_code["shelter"].requests is None
    assert by_code["shelter"].median_hours_to_close is None
    assert by_code["pothole"].requests == 1
    assert numbers.requests == 2


def test_a_lone_withheld_code_takes_the_next_smallest_with_it_so_subtraction_cannot_give_it_back() -> None:
    items = [item("shelter")] * 2 + [item("food")] * 6 + [item("noise")] * 9

    numbers = tally(CATALOG, items, 0, START, END, NOW, area)

    by_code = {row.service_code: row.requests for row in numbers.by_code}
    assert by_code == {"shelter": None, "food": None, "noise": 9}


def test_a_city_report_made_private_by_911_is_not_counted_under_its_code() -> None:
    escalated = item("pothole", alert={"status": "delivered", "kind": "screened"})
    items = [item("pothole")] * 3 + [escalated]

    numbers = tally(CATALOG, items, 0, START, END, NOW, area)

    by_code = {row.service_code: row.requests for row in numbers.by_code}
    # The pothole count is the export's; the private one is withheld on its own row.
    assert by_code == {"pothole": 3, "private": None}
    assert [(row.area, row.requests, row.private_requests) for row in numbers.by_area] == [("central", 3, None)]


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"a": 0, "b": 7}, set()),
        ({"a": 2, "b": 3, "c": 9}, {"a", "b"}),
        ({"a": 4, "b": 5, "c": 9}, {"a", "b"}),
        ({"a": 1, "b": 1, "c": 6, "d": 8}, {"a", "b", "c"}),
        ({"a": 3}, {"a"}),
    ],
)
def test_withheld_cells_are_never_one_alone_nor_sum_under_the_threshold(
    counts: dict[str, int], hidden: set[str]
) -> None:
    assert withheld(counts) == hidden


def test_a_private_code_with_enough_requests_is_shown() -> None:
    numbers = tally(CATALOG, [item("shelter")] * SUPPRESS_BELOW, 0, START, END, NOW, area)

    assert numbers.by_code[0].requests == SUPPRESS_BELOW


def test_diversions_escalations_and_gaps_are_counted_and_withheld_when_few() -> None:
    diverted = item("noise", channel="911-divert", alert={"status": "delivered", "kind": "diversion"})
    escalated = item("pothole", alert={"status": "delivered", "kind": "screened"})

    few = tally(CATALOG, [diverted, escalated], 3, START, END, NOW, area)
    many = tally(CATALOG, [diverted] * 6 + [escalated] * 7, 8, START, END, NOW, area)

    assert (few.diversions, few.escalations, few.gaps) == (None, None, None)
    assert (many.diversions, many.escalations, many.gaps) == (6, 7, 8)


def test_an_areas_few_private_requests_are_withheld_and_a_request_without_a_point_has_its_own_row() -> None:
    items = [item()] * 6 + [item("shelter")] * 2 + [item(place={"address_id": "A-1"})]

    numbers = tally(CATALOG, items, 0, START, END, NOW, area)

    assert [(row.area, row.requests, row.private_requests) for row in numbers.by_area] == [
        ("central", 6, None),
        ("no place given", 1, 0),
    ]


@pytest.mark.parametrize(("count", "published"), [(0, 0), (1, None), (4, None), (5, 5)])
def test_counts_from_one_to_four_are_withheld(count: int, published: int | None) -> None:
    assert shown(count) == published


def stats(stack: InProcessStack, **query: str) -> tuple[int, dict[str, Any]]:
    answer = stack.call("PublicApiFunction", api_event("GET", "/v1/stats", query=query))
    return answer["statusCode"], json.loads(answer["body"])


def test_the_route_counts_requests_made_in_the_period_by_code_and_area(stack: InProcessStack) -> None:
    store = RequestStore(stack.output("ServiceRequestsTableName"))
    made = START + timedelta(days=3)
    for n in range(6):
        store.create(
            ServiceRequest(
                service_request_id=f"400000000{n}",
                token=f"t{n}",
                service_code="pothole" if n else "shelter",
                status=Status.CLOSED if n % 2 else Status.OPEN,
                place=Place(lat=32.2226, long=-110.9747),
                channel=Channel.OPEN311,
                requested_at=made,
                updated_at=made + timedelta(hours=n),
                expected_at=made + timedelta(hours=2),
                alert=AlertState(status="delivered", kind="screened") if n == 0 else None,
            )
        )
    # Made after the period: not counted.
    store.create(
        ServiceRequest(
            service_request_id="4000000009",
            token="t9",
            service_code="pothole",
            place=Place(lat=32.2226, long=-110.9747),
            channel=Channel.OPEN311,
            requested_at=END,
            updated_at=END,
        )
    )

    status, body = stats(stack, **{"from": "2026-11-01T00:00:00-07:00", "to": "2026-12-01T00:00:00-07:00"})

    assert status == 200, body
    assert body["from"] == "2026-11-01T00:00:00-07:00"
    assert body["requests"] == 6
    assert body["closed"] == 3
    # The shelter request had its 911 alert: it is private, and so withheld.
    assert {row["service_code"]: row["requests"] for row in body["by_code"]} == {"pothole": 5, "shelter": None}
    assert body["by_area"] == [{"area": "City of Tucson, north-west", "requests": 5, "private_requests": None}]
    # Due within 2 hours: one closed after an hour; two closed late; three still open and overdue.
    assert body["closed_within_sla"] == round(1 / 6, 3)
    assert body["escalations"] is None
    assert body["suppressed_below"] == SUPPRESS_BELOW


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"from": "last tuesday"}, "'from' 'last tuesday' is not an ISO-8601 datetime"),
        ({"from": "2026-02-30T00:00:00"}, "not an ISO-8601 datetime"),
        ({"from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "'from' must be before 'to'"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "may span at most 92 days"),
        ({"to": "\u00002026-12-01T00:00:00Z"}, "not an ISO-8601 datetime"),
        ({"from": "9" * 5000}, "not an ISO-8601 datetime"),
    ],
)
def test_a_bad_period_is_a_400_saying_what_is_wrong(stack: InProcessStack, query: dict[str, str], says: str) -> None:
    status, body = stats(stack, **query)

    assert status == 400
    assert says in json.dumps(body)
