"""Which jurisdiction serves a point, checked on well-known places in and around Tucson."""

import threading

import pytest

from civic311.geo import Jurisdiction, distance_km, locate_jurisdiction
from civic311.geo.jurisdiction import jurisdictions

# (lat, long) of real places; the boundaries are approximate, so every point here sits well
# inside its jurisdiction rather than near an edge.
TUCSON_POINTS = {
    "Speedway & Campbell": (32.2363, -110.9441),
    "Downtown Tucson": (32.2217, -110.9747),
    "Tucson International Airport": (32.1161, -110.9410),
    "Davis-Monthan Air Force Base": (32.1665, -110.8833),
    "Reid Park": (32.2100, -110.9220),
    "Tucson Mall": (32.2880, -110.9746),
    "Park Place mall": (32.2215, -110.8660),
}


@pytest.mark.parametrize("place", sorted(TUCSON_POINTS))
def test_points_in_the_city_of_tucson_are_ours(place: str) -> None:
    jurisdiction = locate_jurisdiction(*TUCSON_POINTS[place])
    assert jurisdiction.id == "tucson"
    assert jurisdiction.is_ours
    assert jurisdiction.municipality == "Tucson"


@pytest.mark.parametrize(
    ("place", "lat", "long", "expected_id", "expected_kind"),
    [
        ("Oro Valley town hall area", 32.3909, -110.9665, "oro-valley", "town"),
        ("Marana", 32.4367, -111.2257, "marana", "town"),
        ("South Tucson", 32.1995, -110.9687, "south-tucson", "city"),
        ("Sahuarita", 31.9576, -110.9556, "sahuarita", "town"),
        ("Mission San Xavier del Bac", 32.1070, -111.0081, "tohono-oodham-san-xavier", "tribal nation"),
        ("Casino del Sol, Pascua Yaqui reservation", 32.1325, -111.0840, "pascua-yaqui", "tribal nation"),
        ("Catalina Foothills", 32.2975, -110.9187, "pima-county", "county"),
        ("Saguaro National Park East visitor center", 32.1800, -110.7365, "pima-county", "county"),
        ("Sabino Canyon", 32.3100, -110.8223, "pima-county", "county"),
        ("Old Tucson", 32.2210, -111.1280, "pima-county", "county"),
        ("Green Valley", 31.8543, -110.9937, "pima-county", "county"),
    ],
)
def test_points_outside_tucson_go_to_the_jurisdiction_that_serves_them(
    place: str, lat: float, long: float, expected_id: str, expected_kind: str
) -> None:
    jurisdiction = locate_jurisdiction(lat, long)
    assert (jurisdiction.id, jurisdiction.kind) == (expected_id, expected_kind), place
    assert not jurisdiction.is_ours


def test_south_tucson_is_a_hole_in_tucson_not_part_of_it() -> None:
    assert locate_jurisdiction(32.1995, -110.9687).municipality == "South Tucson"


def test_phoenix_is_outside_the_service_area() -> None:
    jurisdiction = locate_jurisdiction(33.4484, -112.0740)
    assert jurisdiction.kind == "outside"
    assert not jurisdiction.is_ours
    assert jurisdiction.phone is None


def test_every_jurisdiction_says_how_residents_reach_it_or_that_it_cannot() -> None:
    for jurisdiction in jurisdictions():
        if jurisdiction.kind == "outside":
            continue
        assert jurisdiction.phone, jurisdiction.id
        assert jurisdiction.url, jurisdiction.id
        assert jurisdiction.url.startswith("https://"), jurisdiction.id


def test_placeholder_phone_numbers_are_flagged_as_samples() -> None:
    for jurisdiction in jurisdictions():
        if jurisdiction.phone and "555-01" in jurisdiction.phone:
            assert jurisdiction.sample_contact, jurisdiction.id


def test_only_tucson_is_ours() -> None:
    assert [j.id for j in jurisdictions() if j.is_ours] == ["tucson"]


def test_jurisdiction_is_immutable() -> None:
    jurisdiction = locate_jurisdiction(32.2363, -110.9441)
    with pytest.raises(ValueError, match="frozen"):
        jurisdiction.name = "Somewhere else"  # type: ignore[misc]
    assert isinstance(jurisdiction, Jurisdiction)


def test_concurrent_lookups_agree() -> None:
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(locate_jurisdiction(32.2217, -110.9747).id)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["tucson"] * 8


def test_distance_between_downtown_and_the_airport_is_about_twelve_km() -> None:
    assert distance_km(32.2217, -110.9747, 32.1161, -110.9410) == pytest.approx(12.1, abs=0.3)


def test_distance_is_zero_for_the_same_point_and_symmetric() -> None:
    assert distance_km(32.2, -110.9, 32.2, -110.9) == 0.0
    there = distance_km(32.2363, -110.9441, 33.4484, -112.0740)
    back = distance_km(33.4484, -112.0740, 32.2363, -110.9441)
    assert there == pytest.approx(back)
    # Tucson to Phoenix is roughly 170 km as the crow flies.
    assert there == pytest.approx(170, abs=10)
