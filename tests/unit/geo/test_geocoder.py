"""The geocoder finds what callers say and decides who serves it, through the place-index API."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from civic311 import aws
from civic311.catalog import Language
from civic311.errors import DependencyUnavailable, InvalidInput
from civic311.geo import distance_km
from civic311.geo.geocoder import TUCSON, Geocoder, Located
from tests.support import REPO, PlacesEndpoint, places_endpoint

SPEEDWAY_AND_CAMPBELL = (32.2363, -110.9441)


@pytest.fixture(scope="module")
def places() -> Iterator[PlacesEndpoint]:
    with places_endpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def geocoder(places: PlacesEndpoint) -> Geocoder:
    return Geocoder(places.index_name)


@pytest.fixture
def sent(places: PlacesEndpoint) -> Iterator[list[dict[str, Any]]]:
    """The parameters of every place-index search the geocoder sends during a test."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(dict(params))

    events = aws.location().meta.events
    events.register("provide-client-params.location.*", record)
    yield calls
    events.unregister("provide-client-params.location.*", record)


def _meters(located: Located, lat: float, long: float) -> float:
    return distance_km(located.lat, located.long, lat, long) * 1000


def _found(geocoder: Geocoder, text: str, language: Language = "en") -> Located:
    located = geocoder.locate_text(text, language)
    assert located is not None, f"nothing found for {text!r}"
    return located


def test_speedway_and_campbell_is_within_300_m_and_served_by_tucson(geocoder: Geocoder) -> None:
    located = _found(geocoder, "Speedway and Campbell")
    assert _meters(located, *SPEEDWAY_AND_CAMPBELL) < 300
    assert located.jurisdiction.id == "tucson"
    assert located.jurisdiction.is_ours
    assert located.label is not None
    assert "Speedway" in located.label
    assert "Campbell" in located.label
    assert located.street == "E Speedway Blvd"
    assert located.municipality == "Tucson"
    assert located.postal_code == "85719"
    assert located.relevance == 1.0
    assert located.interpolated is False


def test_a_spanish_intersection_is_found_in_tucson(geocoder: Geocoder) -> None:
    located = _found(geocoder, "estoy en la esquina de Speedway con Campbell", "es")
    assert _meters(located, *SPEEDWAY_AND_CAMPBELL) < 300
    assert located.jurisdiction.id == "tucson"


def test_a_landmark_is_found_and_named_in_the_callers_language(geocoder: Geocoder) -> None:
    english = _found(geocoder, "the zoo")
    spanish = _found(geocoder, "el zoológico", "es")
    assert english.label is not None
    assert english.label.startswith("Reid Park Zoo")
    assert spanish.label is not None
    assert spanish.label.startswith("Zoológico Reid Park")
    assert _meters(english, spanish.lat, spanish.long) < 1
    assert english.jurisdiction.id == "tucson"


def test_a_hundred_block_is_an_interpolated_address(geocoder: Geocoder) -> None:
    located = _found(geocoder, "1400 block of E Lester")
    assert located.address_number == "1400"
    assert located.street == "E Lester St"
    assert located.interpolated is True


def test_a_corner_outside_the_city_is_served_by_the_county(geocoder: Geocoder) -> None:
    located = _found(geocoder, "Oracle and Ina")
    assert located.jurisdiction.id == "pima-county"
    assert not located.jurisdiction.is_ours


def test_searches_are_biased_to_tucson_and_kept_to_the_usa(geocoder: Geocoder, sent: list[dict[str, Any]]) -> None:
    geocoder.locate_text("Speedway and Campbell", "es")
    geocoder.locate_text("Speedway and Campbell", "en", bias=(-110.97, 32.40))
    assert [call["BiasPosition"] for call in sent] == [list(TUCSON), [-110.97, 32.40]]
    assert all(call["FilterCountries"] == ["USA"] for call in sent)
    assert [call["Language"] for call in sent] == ["es", "en"]
    assert all(call["IndexName"] == geocoder.index_name for call in sent)


@pytest.mark.parametrize("text", ["purple monkey dishwasher", "asdkjh qwe", "banana"])
def test_nonsense_finds_nothing(geocoder: Geocoder, text: str) -> None:
    assert geocoder.locate_text(text, "en") is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Speedway", "a whole street can run through two jurisdictions"),
        ("85719", "a ZIP code is an area, not a place"),
        ("the mall", "a weak match: several malls score alike"),
        ("Main street", "a weak match: there is a Main Ave, not a Main St"),
    ],
)
def test_too_broad_or_too_weak_answers_count_as_not_found(geocoder: Geocoder, text: str, why: str) -> None:
    assert geocoder.locate_text(text, "en") is None, why


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_text_is_invalid_input(geocoder: Geocoder, text: str) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        geocoder.locate_text(text, "en")


def test_text_longer_than_the_service_accepts_is_searched_by_its_start(
    geocoder: Geocoder, sent: list[dict[str, Any]]
) -> None:
    text = "Speedway and Campbell, " + "by the bus stop " * 20
    assert len(text) > 200
    geocoder.locate_text(text, "en")
    searched = sent[0]["Text"]
    assert len(searched) <= 200
    assert searched.startswith("Speedway and Campbell, by the bus stop")
    assert text.startswith(searched)
    assert not searched.endswith(" ")


def test_a_bias_that_is_not_a_position_is_invalid_input(geocoder: Geocoder) -> None:
    with pytest.raises(InvalidInput, match="bias"):
        geocoder.locate_text("Speedway and Campbell", "en", bias=(32.2, -110.9 - 100))


def test_a_described_point_in_oro_valley_is_served_by_oro_valley(geocoder: Geocoder) -> None:
    located = geocoder.describe_point(32.40, -110.97)
    assert (located.lat, located.long) == (32.40, -110.97)
    assert located.jurisdiction.id == "oro-valley"
    assert located.jurisdiction.municipality == "Oro Valley"
    assert located.label is not None
    assert "Oro Valley" in located.label
    assert located.relevance is None


def test_a_point_at_a_corner_is_described_by_the_corner(geocoder: Geocoder) -> None:
    located = geocoder.describe_point(32.2365, -110.9443)
    assert located.label is not None
    assert "Speedway" in located.label
    assert "Campbell" in located.label
    assert located.jurisdiction.id == "tucson"


def test_a_point_far_from_known_roads_keeps_its_jurisdiction_without_a_label(geocoder: Geocoder) -> None:
    located = geocoder.describe_point(33.4484, -112.0740)  # Phoenix
    assert located.label is None
    assert located.jurisdiction.kind == "outside"


def test_an_address_over_a_kilometre_away_does_not_describe_a_point(geocoder: Geocoder) -> None:
    located = geocoder.describe_point(32.30, -111.05)  # desert west of Silverbell Rd
    assert located.label is None
    assert located.street is None
    assert located.jurisdiction.id == "pima-county"


def test_locating_a_point_sends_no_search_and_takes_its_jurisdiction_from_the_boundaries(
    geocoder: Geocoder, sent: list[dict[str, Any]]
) -> None:
    # A reverse geocode is a paid request: placing and routing a point needs only our boundary files.
    inside, outside = geocoder.locate_point(32.2365, -110.9443), geocoder.locate_point(32.40, -110.97)
    assert sent == []
    assert (inside.jurisdiction.id, outside.jurisdiction.id) == ("tucson", "oro-valley")
    assert (inside.lat, inside.long) == (32.2365, -110.9443)
    assert inside.label is None


@pytest.mark.parametrize(("lat", "long"), [(95.0, -110.9), (32.2, -181.0), (float("nan"), -110.9)])
def test_a_point_off_the_globe_is_invalid_input(geocoder: Geocoder, lat: float, long: float) -> None:
    with pytest.raises(InvalidInput, match="latitude"):
        geocoder.locate_point(lat, long)


def test_a_missing_place_index_makes_text_search_unavailable(places: PlacesEndpoint) -> None:
    with pytest.raises(DependencyUnavailable):
        Geocoder("no-such-index").locate_text("Speedway and Campbell", "en")


def test_a_described_point_keeps_its_jurisdiction_when_the_place_index_fails(places: PlacesEndpoint) -> None:
    located = Geocoder("no-such-index").describe_point(32.40, -110.97)
    assert located.jurisdiction.id == "oro-valley"
    assert located.label is None


def test_importing_the_geocoder_builds_no_client_and_loads_no_boundaries() -> None:
    code = (
        "import civic311.geo.geocoder; from civic311 import aws; from civic311.geo import jurisdiction;"
        "print(aws._client_for.cache_info().currsize, jurisdiction._loaded is None)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PYTHONPATH": f"{REPO / 'layers' / 'domain'}", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert out.split() == ["0", "True"]
