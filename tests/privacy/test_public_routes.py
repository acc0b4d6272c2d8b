"""A crawl of every public route: no sensitive request's words or exact point appear; a pothole stays public.

Made requests are made through every channel (Open311 as apps and the resident page use it, the phone
line, a 911 diversion, staff notes), each with a made-up word that appears nowhere else. The public routes are
found in template.yaml (API events with no authorizer) and, behind the Open311 proxy, in the OpenAPI document
the stack serves; every GET is read in JSON and XML with no key, every list followed through its pages.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import pytest
import requests

from local_stack.template import Template
from tests.integration.conftest import RunningStack
from tests.support import REPO, api_routes

LEAK_METRES = 100.0
CALLS = REPO / "tests" / "data" / "calls"
WAIT_STATES = ("AwaitResolution", "AwaitDispatchAck", "Done")


@dataclass
class Made:
    """A request the suite made: its id, the made-up words it carries, and the resident's secret if any."""

    request_id: str
    words: tuple[str, ...]
    secret: str | None = None


@dataclass
class World:
    stack: RunningStack
    sensitive: list[Made] = field(default_factory=list)
    # Words that must appear nowhere public, though their request may be public (a staff-only note).
    hidden_words: list[str] = field(default_factory=list)
    pothole: Made | None = None
    pothole_point: tuple[float, float] = (32.2061, -110.9719)
    tokens: list[str] = field(default_factory=list)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [item.request_id for item in self.sensitive] + ([self.pothole.request_id] if self.pothole else [])


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (a[0] - b[0]) * 111_320
    east = (a[1] - b[1]) * 111_320 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(north, east)


def open311_post(stack: RunningStack, **fields: str) -> dict[str, Any]:
    answer = requests.post(
        f"{stack.api}/open311/v2/requests.json", data={"api_key": stack.api_key, **fields}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    receipt: dict[str, Any] = answer.json()[0]
    return receipt


def staff(stack: RunningStack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.info['staff_token']}"}


def entered(stack: RunningStack, request_id: str) -> list[str]:
    sfn = stack.client("stepfunctions")
    arn = f"{stack.output('CallWorkflowArn').replace(':stateMachine:', ':execution:')}:{request_id}"
    try:
        events = sfn.get_execution_history(executionArn=arn)["events"]
    except sfn.exceptions.ExecutionDoesNotExist:
        return []
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def wait_for_workflows(stack: RunningStack, ids: list[str], timeout: float = 120) -> None:
    """Until every request's workflow has located, routed and noted it, and waits on staff or dispatch (or ended)."""
    deadline = time.monotonic() + timeout
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        pending = {request_id for request_id in pending if not set(entered(stack, request_id)) & set(WAIT_STATES)}
        time.sleep(0.5)
    assert not pending, f"workflows did not reach a wait state: {[(p, entered(stack, p)) for p in pending]}"


def stored_points(stack: RunningStack, ids: list[str]) -> dict[str, tuple[float, float]]:
    """Each request's exact point as the table holds it (after the workflow located it)."""
    table = stack.output("ServiceRequestsTableName")
    points: dict[str, tuple[float, float]] = {}
    for request_id in ids:
        item = stack.client("dynamodb").get_item(
            TableName=table, Key={"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "REQ"}}
        )["Item"]
        place = item["place"]["M"]
        if "lat" in place:
            points[request_id] = (float(place["lat"]["N"]), float(place["long"]["N"]))
    return points


def phone_requests(stack: RunningStack) -> list[str]:
    """Ids of the requests the phone line made (a Query on the period index, as the API reads it)."""
    table = stack.output("ServiceRequestsTableName")
    month = datetime.now(UTC).strftime("%Y-%m")
    items = stack.client("dynamodb").query(
        TableName=table,
        IndexName="ByPeriod",
        KeyConditionExpression="gsi1pk = :month",
        ExpressionAttributeValues={":month": {"S": f"REQ#{month}"}},
    )["Items"]
    return [item["service_request_id"]["S"] for item in items if item["channel"]["S"] == "phone"]


def phone_call(outputs: Path, script: Path, attempts: int = 3) -> subprocess.CompletedProcess[str]:
    """`make call SCRIPT=...`; again if Connect gave up on a slow function (a loaded machine), as a caller redials."""
    for _ in range(attempts):
        call = subprocess.run(
            [sys.executable, "-m", "local_stack.call_scripts", "--outputs", str(outputs), "--script", str(script)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if call.returncode == 0 or "Connect gives up" not in call.stdout:
            return call
    return call


@pytest.fixture(scope="module")
def world(privacy_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> World:
    stack = privacy_stack
    made = World(stack)

    def sensitive(words: tuple[str, ...], **fields: str) -> Made:
        receipt = open311_post(stack, **fields)
        made.tokens.append(receipt["token"])
        found = Made(receipt["service_request_id"], words, receipt["token"])
        made.sensitive.append(found)
        return found

    sensitive(
        ("zygocactus",),
        service_code="mental-health",
        description="I want to end my life tonight, I am alone at home zygocactus",
        lat="32.2347",
        long="-110.9463",
    )
    sensitive(
        ("quillback",),
        service_code="pothole",  # an emergency filed under any code is still an emergency
        description="my ex boyfriend is outside my door with a gun quillback",
        lat="32.2153",
        long="-110.9047",
    )
    shelter = sensitive(
        ("marrowfin", "Wrenfield"),
        service_code="shelter",
        description="fleeing my husband marrowfin, me and my two kids need a bed tonight",
        address_string="1402 E Wrenfield St",
        lat="32.2562",
        long="-110.8851",
        **{"attribute[adults]": "1", "attribute[children]": "2", "attribute[children_ages]": "4,9"},
    )
    sensitive(
        ("bramblewick",),
        service_code="suspicious-activity",
        description="the neighbour bramblewick deals from the blue house every night",
        lat="32.1956",
        long="-110.9648",
    )
    sensitive(
        ("cindermoss",),
        service_code="graffiti",  # crisis words make a city report private too
        description="nobody would miss me if I was gone cindermoss",
        lat="32.1853",
        long="-110.9347",
    )
    diverted = requests.post(
        f"{stack.api}/v1/diversions",
        json={
            "description": "caller's neighbour harrowgate keeps shouting, no weapons, wants someone to check",
            "service_code": "noise",
            "lat": 32.2449,
            "long": -110.8744,
            "callback_number": "+15205550177",
        },
        headers=staff(stack),
        timeout=30,
    )
    assert diverted.status_code == 201, diverted.text
    made.sensitive.append(Made(diverted.json()["service_request_id"], ("harrowgate", "5550177")))

    outputs = tmp_path_factory.mktemp("privacy-phone") / "outputs.json"
    outputs.write_text(json.dumps(stack.info), encoding="utf-8")
    call = phone_call(outputs, CALLS / "shelter_fleeing.call")
    assert call.returncode == 0, call.stdout[-3000:] + call.stderr[-3000:]
    [phoned] = phone_requests(stack)
    made.sensitive.append(Made(phoned, ("thornquill",)))

    pothole = open311_post(
        stack,
        service_code="pothole",
        description="deep pothole by the bus stop lanternfish",
        lat=str(made.pothole_point[0]),
        long=str(made.pothole_point[1]),
    )
    made.pothole = Made(pothole["service_request_id"], ("lanternfish",), pothole["token"])
    made.tokens.append(pothole["token"])

    wait_for_workflows(stack, made.ids)
    # A staff note not marked public, on a public request; a note marked public, on a private one.
    for request_id, payload in [
        (made.pothole.request_id, {"note": "caller sounded drunk, kestrelmoth"}),
        (shelter.request_id, {"note": "bed held for her at the larkspurhaven shelter", "public": True}),
    ]:
        noted = requests.post(
            f"{stack.api}/v1/requests/{request_id}/updates", json=payload, headers=staff(stack), timeout=30
        )
        assert noted.status_code == 201, noted.text
    made.hidden_words += ["kestrelmoth", "larkspurhaven"]
    made.points = stored_points(stack, [item.request_id for item in made.sensitive])
    assert len(made.points) == len(made.sensitive), "every sensitive request should have its point by now"
    return made


# ---------------------------------------------------------------------------------------------- the routes


def public_routes() -> list[tuple[str, str]]:
    """(method, path) of every route of template.yaml's API that no authorizer guards."""
    template = Template(REPO / "template.yaml", {"Stage": "local"}, "privacy-tests")
    return [(method, path) for method, path, authorizer in api_routes(template) if authorizer is None]


def expand(world: World, method: str, path: str, openapi: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Concrete (method, path) pairs: a proxy path becomes every operation the OpenAPI document lists under it."""
    if "{proxy+}" in path:
        prefix = path.split("{proxy+}")[0]
        for documented, operations in openapi["paths"].items():
            if documented.startswith(prefix):
                for verb in operations:
                    if method == "ANY" or verb.upper() == method:
                        yield from expand(world, verb.upper(), documented, openapi)
        return
    values = {
        "fmt": ["json", "xml"],
        "service_request_id": world.ids,
        "token": world.tokens,
        "service_code": ["pothole", "shelter", "mental-health", "suspicious-activity", "noise"],
    }
    names = re.findall(r"\{([^}]+)\}", path)
    for combination in product(*(values.get(name, ["x"]) for name in names)):
        concrete = path
        for name, value in zip(names, combination, strict=True):
            concrete = concrete.replace("{" + name + "}", value)
        yield method, concrete


def list_queries(world: World) -> list[dict[str, str]]:
    now = datetime.now(UTC)
    return [
        {},
        {"status": "open"},
        {"status": "closed"},
        {"service_code": "mental-health,shelter,suspicious-activity,noise,pothole,graffiti"},
        {"service_request_id": ",".join(world.ids)},
        {"page_size": "2"},
        {"start_date": (now - timedelta(days=1)).isoformat(), "end_date": (now + timedelta(minutes=5)).isoformat()},
    ]


def read_everything(world: World) -> dict[str, str]:
    """Every public answer, keyed by what was asked: GETs with their list queries and pages, POSTs empty."""
    api = world.stack.api
    openapi = requests.get(f"{api}/openapi.json", timeout=30).json()
    answers: dict[str, str] = {}
    for method, path in sorted({pair for route in public_routes() for pair in expand(world, *route, openapi)}):
        if method == "POST":
            if path.startswith("/open311/"):
                continue  # creates a request (needs a key); it answers only the new id and token
            answer = requests.post(f"{api}{path}", json={"description": "is anyone there"}, timeout=30)
            answers[f"POST {path}"] = answer.text
            continue
        if method != "GET":
            continue
        queries = list_queries(world) if path.rsplit(".", 1)[0].endswith(("requests", "updates")) else [{}]
        for query in queries:
            asked = dict(query)
            for page in range(50):
                answer = requests.get(f"{api}{path}", params=asked, timeout=30)
                answers[f"GET {path} {asked} page {page}"] = answer.text
                token = answer.headers.get("X-Next-Page-Token")
                if not token:
                    break
                asked = {"page_token": token}
    return answers


@pytest.fixture(scope="module")
def public(world: World) -> dict[str, str]:
    return read_everything(world)


# ---------------------------------------------------------------------------------------------- the checks


def coordinates(text: str) -> tuple[list[float], list[float]]:
    numbers = [float(number) for number in re.findall(r"-?\d{2,3}\.\d+", text)]
    return [n for n in numbers if 31.0 < n < 33.5], [n for n in numbers if -112.5 < n < -110.0]


def test_the_crawl_reads_every_public_route_of_the_template(public: dict[str, str]) -> None:
    routes = public_routes()
    assert ("ANY", "/open311/v2/{proxy+}") in routes
    assert not any(path.startswith("/v1/requests") for _, path in routes), "staff routes must have an authorizer"
    asked = " ".join(public)
    for expected in ("requests.json", "requests.xml", "servicerequestupdates.xml", "tokens/", "/openapi.json"):
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


def test_the_residents_own_link_shows_their_whole_request(world: World) -> None:
    for item in [entry for entry in world.sensitive if entry.secret] + [world.pothole]:
        assert item is not None
        answer = requests.get(
            f"{world.stack.api}/open311/v2/requests/{item.request_id}.json",
            headers={"X-Request-Token": str(item.secret)},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        [request] = answer.json()
        assert all(word.lower() in json.dumps(request).lower() for word in item.words)
        if item.request_id in world.points:
            assert metres(world.points[item.request_id], (request["lat"], request["long"])) < 1


def test_another_residents_secret_opens_nothing(world: World) -> None:
    first, second = world.sensitive[0], world.sensitive[2]
    answer = requests.get(
        f"{world.stack.api}/open311/v2/requests/{first.request_id}.json",
        headers={"X-Request-Token": str(second.secret)},
        timeout=30,
    )
    assert answer.status_code == 403
    assert first.words[0] not in answer.text


def test_the_resident_page_links_to_the_track_page_with_the_secret_in_the_fragment() -> None:
    script = (REPO / "web" / "assets" / "resident.js").read_text(encoding="utf-8")
    assert "#/track/${encodeURIComponent(posted.service_request_id)}/${encodeURIComponent(posted.token)}" in script
    assert (
        Path(REPO / "web" / "staff" / "index.html")
        .read_text(encoding="utf-8")
        .count('<input id="update-public" name="public" type="checkbox">')
        == 1
    )
