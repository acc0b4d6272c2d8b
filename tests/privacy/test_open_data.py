"""The open-data export holds no private words and no private request's point; the public pothole is in it."""

from __future__ import annotations

import pytest

from tests.integration.open_data import Exported, export_today
from tests.privacy.test_public_routes import LEAK_METRES, coordinates
from tests.privacy.world import World, metres


@pytest.fixture(scope="module")
def exported(world: World) -> Exported:
    return export_today(world.stack)


def test_the_export_contains_no_private_words(world: World, exported: Exported) -> None:
    words = [word for item in world.sensitive for word in item.words] + world.hidden_words
    for name, text in (("csv", exported.csv_text), ("geojson", exported.geojson_text)):
        leaks = [word for word in words if word.lower() in text.lower()]
        assert not leaks, f"the {name} file leaked {leaks}"


def test_the_export_names_no_sensitive_request_and_none_of_their_points(world: World, exported: Exported) -> None:
    text = exported.csv_text + exported.geojson_text
    assert not [item.request_id for item in world.sensitive if item.request_id in text]
    lats, longs = coordinates(text)
    near = [
        request_id
        for request_id, point in world.points.items()
        if any(metres(point, (lat, long)) < LEAK_METRES for lat in lats for long in longs)
    ]
    assert not near, f"points of {near} are in the export"


def test_the_public_pothole_is_exported_with_its_words(world: World, exported: Exported) -> None:
    assert world.pothole is not None
    [row] = [row for row in exported.rows if row["service_request_id"] == world.pothole.request_id]
    assert "lanternfish" in row["description"]
    assert world.pothole.request_id in [feature["id"] for feature in exported.features]
