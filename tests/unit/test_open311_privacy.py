"""What the public may read of a request, through the real Open311 handler: private needs show no words or point."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from civic311.models import tracking
from civic311.store.api_clients import ApiClientStore
from tests.support import InProcessStack, api_event, form, request_store

API_KEY = "test-key-privacy-0123456789abcdefghijklmn"
# Points well inside a 0.01° square, so their public (two-decimal) area is some hundreds of metres away.
HOME = ("32.2347", "-110.9463")
POTHOLE = ("32.2061", "-110.9719")


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register("privacy", "Privacy tests", API_KEY)


def get(stack: InProcessStack, path: str, headers: dict[str, str] | None = None, **query: str) -> dict[str, Any]:
    return stack.call("Open311Function", api_event("GET", path, query=query or None, headers=headers))


def post(stack: InProcessStack, code: str, description: str, point: tuple[str, str], **extra: str) -> dict[str, Any]:
    fields = {"api_key": API_KEY, "service_code": code, "lat": point[0], "long": point[1], "description": description}
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form(fields | extra),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = stack.call("Open311Function", event)
    assert answer["statusCode"] == 200, answer["body"]
    receipt: dict[str, Any] = json.loads(answer["body"])[0]
    return receipt


def public_texts(stack: InProcessStack, request_id: str) -> str:
    return "\n".join(
        get(stack, path, **query)["body"]
        for path, query in [
            (f"/open311/v2/requests/{request_id}.json", {}),
            (f"/open311/v2/requests/{request_id}.xml", {}),
            ("/open311/v2/requests.json", {}),
            ("/open311/v2/requests.xml", {}),
            ("/open311/v2/requests.json", {"service_request_id": request_id}),
            (f"/open311/v2/requests/{request_id}.json", {"extensions": "true"}),
            (f"/open311/v2/requests/{request_id}.xml", {"extensions": "true"}),
            ("/open311/v2/requests.json", {"extensions": "true"}),
            ("/open311/v2/servicerequestupdates.json", {}),
            ("/open311/v2/servicerequestupdates.xml", {}),
        ]
    )


def test_a_shelter_need_shows_the_public_only_its_code_and_a_one_kilometre_area(stack: InProcessStack) -> None:
    receipt = post(
        stack,
        "shelter",
        "fleeing my husband zebrafinch, need a bed tonight",
        HOME,
        address_string="12 Elm",
        **{"attribute[adults]": "1", "attribute[children]": "1", "attribute[children_ages]": "7"},
    )
    request_id = receipt["service_request_id"]
    seen = public_texts(stack, request_id)
    assert "zebrafinch" not in seen
    assert HOME[0] not in seen
    assert HOME[1] not in seen
    [public] = json.loads(get(stack, f"/open311/v2/requests/{request_id}.json")["body"])
    assert public["service_code"] == "shelter"
    assert public["description"] == "Request for help (details private)"
    assert (public["lat"], public["long"]) == (32.23, -110.95)
    assert public["address"] is None
    assert public["service_notice"] is None


def test_crisis_words_in_a_city_report_make_it_private(stack: InProcessStack) -> None:
    receipt = post(stack, "graffiti", "I want to end my life tonight quokkaberry", HOME)
    [public] = json.loads(get(stack, f"/open311/v2/requests/{receipt['service_request_id']}.json")["body"])
    assert "quokkaberry" not in json.dumps(public)
    assert public["lat"] == 32.23


def test_a_pothole_report_stays_fully_public(stack: InProcessStack) -> None:
    receipt = post(stack, "pothole", "deep pothole marmalade lane", POTHOLE)
    [public] = json.loads(get(stack, f"/open311/v2/requests/{receipt['service_request_id']}.json")["body"])
    assert public["description"] == "deep pothole marmalade lane"
    assert (public["lat"], public["long"]) == (float(POTHOLE[0]), float(POTHOLE[1]))


def test_the_residents_own_secret_opens_their_whole_request(stack: InProcessStack) -> None:
    receipt = post(stack, "mental-health", "voices again tonight pangolinish", HOME)
    request_id, secret = receipt["service_request_id"], receipt["token"]
    answer = get(stack, f"/open311/v2/requests/{request_id}.json", headers={"X-Request-Token": secret})
    [full] = json.loads(answer["body"])
    assert full["description"] == "voices again tonight pangolinish"
    assert (full["lat"], full["long"]) == (float(HOME[0]), float(HOME[1]))
    updates = get(stack, f"/open311/v2/requests/{request_id}/updates.json", headers={"X-Request-Token": secret})
    assert updates["statusCode"] == 200


def test_a_wrong_or_missing_secret_is_refused(stack: InProcessStack) -> None:
    receipt = post(stack, "food", "no food since monday okapiwhistle", HOME)
    request_id = receipt["service_request_id"]
    wrong = get(stack, f"/open311/v2/requests/{request_id}.json", headers={"X-Request-Token": tracking.new_secret()})
    assert wrong["statusCode"] == 403
    assert "okapiwhistle" not in wrong["body"]
    assert get(stack, f"/open311/v2/requests/{request_id}/updates.json")["statusCode"] == 403


def test_the_table_keeps_only_the_digest_of_the_residents_secret(stack: InProcessStack) -> None:
    receipt = post(stack, "pothole", "cracked kerb", POTHOLE)
    stored = request_store(stack).get(receipt["service_request_id"])
    assert stored is not None
    assert stored.token == tracking.digest(receipt["token"]) != receipt["token"]
    assert len(receipt["token"]) >= 43  # 256 random bits
    [answer] = json.loads(get(stack, f"/open311/v2/tokens/{receipt['token']}.json")["body"])
    assert answer == {"service_request_id": receipt["service_request_id"], "token": receipt["token"]}
    assert get(stack, f"/open311/v2/tokens/{stored.token}.json")["statusCode"] == 404


def test_a_public_note_on_a_private_request_stays_out_of_the_public_feed(stack: InProcessStack) -> None:
    from civic311 import clock
    from civic311.models.cases import RequestUpdate

    receipt = post(stack, "homeless-outreach", "sleeping behind the library", HOME)
    request_id = receipt["service_request_id"]
    store = request_store(stack)
    note = RequestUpdate(
        update_id="u-lemurcake",
        service_request_id=request_id,
        status="referred",
        description="Bed held at the lemurcake shelter for her",
        updated_at=clock.now(),
        author="staff-1",
        public=True,
    )
    store.add_update(note)
    seen = public_texts(stack, request_id)
    assert "lemurcake shelter" not in seen
    own = get(stack, f"/open311/v2/requests/{request_id}/updates.json", headers={"X-Request-Token": receipt["token"]})
    assert [update["description"] for update in json.loads(own["body"])] == [note.description]


def test_a_tampered_page_token_is_a_clear_400(stack: InProcessStack) -> None:
    for token in ("not-a-token", "eyJ2IjoyfQ", "x" * 2000):
        answer = get(stack, "/open311/v2/requests.json", page_token=token)
        assert answer["statusCode"] == 400
        assert "page_token" in json.loads(answer["body"])[0]["description"]
    mixed = get(stack, "/open311/v2/requests.json", page_token="eyJ2IjoxfQ", status="open")
    assert mixed["statusCode"] == 400


def test_a_listing_whose_budget_runs_out_links_to_the_next_page(
    stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civic311.channels.open311 import request_reads
    from civic311.store.paging import ReadBudget

    made = {post(stack, "pothole", f"pothole number {n}", POTHOLE)["service_request_id"] for n in range(4)}
    monkeypatch.setattr(request_reads, "ReadBudget", lambda: ReadBudget(max_items=2, max_pages=2))
    seen: list[str] = []
    query: dict[str, str] = {"service_code": "pothole"}
    for _ in range(50):
        answer = get(stack, "/open311/v2/requests.xml", **query)
        assert answer["statusCode"] == 200, answer["body"]
        seen += re.findall(r"<service_request_id>(\d+)</service_request_id>", answer["body"])
        headers = {
            **(answer.get("headers") or {}),
            **{k: v[-1] for k, v in (answer.get("multiValueHeaders") or {}).items()},
        }
        token = headers.get("X-Next-Page-Token")
        if token is None:
            break
        assert f"page_token={token}" in headers["Link"]
        query = {"page_token": token}
    assert made <= set(seen)
    assert len(seen) == len(set(seen))
