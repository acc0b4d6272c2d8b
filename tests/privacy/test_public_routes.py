"""A crawl of every public route: no sensitive request's words or exact point appear; a pothole stays public.

The requests read back are made in world.py, the routes found and read in crawl.py.
"""

from __future__ import annotations

import re
import time

import pytest
import requests

from tests.privacy.crawl import public_routes, read_everything
from tests.privacy.world import World, metres

LEAK_METRES = 100.0


@pytest.fixture(scope="module")
def public(world: World) -> dict[str, str]:
    return read_everything(world)


def coordinates(text: str) -> tuple[list[float], list[float]]:
    numbers = [float(number) for number in re.findall(r"-?\d{2,3}\.\d+", text)]
    return [n for n in numbers if 31.0 < n < 33.5], [n for n in numbers if -112.5 < n < -110.0]


def test_the_crawl_reads_every_public_route_of_the_template(public: dict[str, str]) -> None:
    routes = public_routes()
    assert ("ANY", "/open311/v2/{proxy+}") in routes
    # Only "Is it one of these?" and the resident's own answer are public under /v1/requests; the rest is staff's.
    public_requests = {path for _, path in routes if path.startswith("/v1/requests")}
    assert public_requests == {
        "/v1/requests/nearby",
        "/v1/requests/{service_request_id}/supporters",
        "/v1/requests/{service_request_id}/satisfaction",
        "/v1/requests/{service_request_id}/reopen",
    }, "staff routes must have an authorizer"
    asked = " ".join(public)
    for expected in (
        "requests.json",
        "requests.xml",
        "servicerequestupdates.xml",
        "tokens/",
        "/referrals.json",
        "/openapi.json",
        "/hsds/services/665636d2",
        "/hsds/organizations ",
    ):
        assert expected in asked


def test_no_public_answer_carries_a_sensitive_requests_words(world: World, public: dict[str, str]) -> None:
    words = [word for item in world.sensitive for word in item.words] + world.hidden_words
    leaks = [(word, asked) for asked, body in public.items() for word in words if word.lower() in body.lower()]
    assert not leaks, f"leaked: {leaks[:5]}"


def test_no_public_answer_carries_a_sensitive_requests_exact_point(world: World, public: dict[str, str]) -> None:
    leaks = []
    for asked, body in public.items():
        lats, longs = coordinates(body)
        for request_id, point in world.points.items():
            if any(metres(point, (lat, long)) < LEAK_METRES for lat in lats for long in longs):
                leaks.append((request_id, asked))
    assert not leaks, f"leaked points: {leaks[:5]}"


def test_sensitive_requests_are_still_listed_with_a_coarse_area(world: World) -> None:
    ids = ",".join(item.request_id for item in world.sensitive)
    listed = requests.get(f"{world.stack.api}/open311/v2/requests.json", params={"service_request_id": ids}, timeout=30)
    found = {request["service_request_id"]: request for request in listed.json()}
    assert set(found) == {item.request_id for item in world.sensitive}
    for request_id, request in found.items():
        assert request["description"] == "Request for help (details private)"
        assert request["address"] is None
        area = (request["lat"], request["long"])
        assert metres(world.points[request_id], area) < 1_000, "the coarse area should still be near the place"


def test_a_pothole_report_stays_fully_public(world: World, public: dict[str, str]) -> None:
    assert world.pothole is not None
    [request] = requests.get(
        f"{world.stack.api}/open311/v2/requests/{world.pothole.request_id}.json", timeout=30
    ).json()
    assert "lanternfish" in request["description"]
    assert metres(world.pothole_point, (request["lat"], request["long"])) < 1
    listed = [body for asked, body in public.items() if "GET /open311/v2/requests.json {}" in asked]
    assert any("lanternfish" in body for body in listed)


def test_nearby_requests_never_list_a_sensitive_request_at_its_own_point(world: World) -> None:
    """Asked at each sensitive request's exact point, under its own code and under every public one nearby."""
    codes = ["pothole", "graffiti", "noise", "streetlight", "mental-health", "shelter", "suspicious-activity"]
    words = [word for item in world.sensitive for word in item.words] + world.hidden_words
    sensitive_ids = {item.request_id for item in world.sensitive}
    for point in world.points.values():
        for code in codes:
            query = {"service_code": code, "lat": str(point[0]), "long": str(point[1])}
            answer = requests.get(f"{world.stack.api}/v1/requests/nearby", params=query, timeout=30)
            assert answer.status_code == 200, answer.text
            assert not {item["service_request_id"] for item in answer.json()} & sensitive_ids
            assert not [word for word in words if word.lower() in answer.text.lower()]
            assert "@" not in answer.text
            assert "+1520" not in answer.text


def me_too(world: World, request_id: str) -> requests.Response:
    """POST "me too", waiting out the route's throttle (a public write: a few a second)."""
    for _ in range(20):
        answer = requests.post(
            f"{world.stack.api}/v1/requests/{request_id}/supporters",
            json={"idempotency_key": "privacy-suite-visit"},
            timeout=30,
        )
        if answer.status_code != 429:
            return answer
        time.sleep(int(answer.headers.get("Retry-After", "1")))
    return answer


def test_nobody_can_say_me_too_about_a_sensitive_request(world: World) -> None:
    for item in world.sensitive:
        answer = me_too(world, item.request_id)
        assert answer.status_code == 404, answer.text
        assert not [word for word in item.words if word.lower() in answer.text.lower()]
