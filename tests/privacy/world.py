"""The privacy suite's made requests: sensitive ones through every channel (Open311 as apps and the resident
page use it, the phone line, a 911 diversion, staff notes), each with a made-up word that appears nowhere else,
and one pothole that stays public."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from tests.integration.conftest import RunningStack
from tests.support import REPO

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


def reopened_with_a_reason(stack: RunningStack, made: World) -> None:
    """A public request resolved by staff, then reopened by its resident with a reason only staff may read."""
    made_public = open311_post(
        stack, service_code="graffiti", description="tag on the underpass wall", lat="32.2301", long="-110.9501"
    )
    request_id = made_public["service_request_id"]
    wait_for_workflows(stack, [request_id])
    resolved = requests.post(
        f"{stack.api}/v1/requests/{request_id}/updates",
        json={"note": "Painted over.", "resolve": True},
        headers=staff(stack),
        timeout=30,
    )
    assert resolved.status_code == 202, resolved.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        [request] = requests.get(f"{stack.api}/open311/v2/requests/{request_id}.json", timeout=30).json()
        if request["status"] == "closed":
            break
        time.sleep(0.3)
    reopened = requests.post(
        f"{stack.api}/v1/requests/{request_id}/reopen",
        json={"reason": "the tag is back, my neighbour fernwhistle did it again"},
        headers={"X-Request-Token": made_public["token"]},
        timeout=30,
    )
    assert reopened.status_code == 200, reopened.text
    made.hidden_words.append("fernwhistle")


def make_world(stack: RunningStack, scratch: Path) -> World:
    """Every request the suite reads back, made and settled: workflows waiting, staff notes added."""
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

    outputs = scratch / "outputs.json"
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
    reopened_with_a_reason(stack, made)
    made.points = stored_points(stack, [item.request_id for item in made.sensitive])
    assert len(made.points) == len(made.sensitive), "every sensitive request should have its point by now"
    return made
