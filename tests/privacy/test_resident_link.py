"""A resident's own link: its secret shows their whole request, and opens nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from tests.privacy.world import World, metres
from tests.support import REPO


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


def test_a_social_needs_referrals_open_with_its_residents_secret_only(world: World) -> None:
    shelter = next(item for item in world.sensitive if "marrowfin" in item.words)
    path = f"{world.stack.api}/open311/v2/requests/{shelter.request_id}/referrals.json"
    own = requests.get(path, headers={"X-Request-Token": str(shelter.secret)}, timeout=30)
    assert own.status_code == 200, own.text
    assert own.json(), "the shelter request was referred somewhere"
    assert {frozenset(referral) for referral in own.json()} == {
        # The resource is the directory's public id; no provider's reason or note reaches the resident.
        frozenset({"service_request_id", "resource_id", "organization", "service_name", "status", "updated_datetime"})
    }
    assert requests.get(path, timeout=30).status_code == 403
    other = world.sensitive[0].secret
    assert requests.get(path, headers={"X-Request-Token": str(other)}, timeout=30).status_code == 403


def test_the_resident_page_links_to_the_track_page_with_the_secret_in_the_fragment() -> None:
    script = (REPO / "web" / "assets" / "resident.js").read_text(encoding="utf-8")
    assert "#/track/${encodeURIComponent(posted.service_request_id)}/${encodeURIComponent(posted.token)}" in script
    assert (
        Path(REPO / "web" / "staff" / "index.html")
        .read_text(encoding="utf-8")
        .count('<input id="update-public" name="public" type="checkbox">')
        == 1
    )
