"""The offline gazetteer reads places the way callers say them and answers like Amazon Location."""

from typing import Any

import pytest

from civic311.geo import distance_km
from local_stack.gazetteer import place_summary, search_text

# The street data is hand-drawn to within a few hundred metres; assertions stay inside that.
SPEEDWAY_AND_CAMPBELL = (32.2363, -110.9441)
BROADWAY_AND_SWAN = (32.2213, -110.8922)


def _meters_from(result: dict[str, Any], lat: float, long: float) -> float:
    p_long, p_lat = result["Place"]["Geometry"]["Point"]
    return distance_km(lat, long, p_lat, p_long) * 1000


def _top(text: str, **kwargs: Any) -> dict[str, Any]:
    results = search_text(text, **kwargs)
    assert results, f"no result for {text!r}"
    return results[0]


@pytest.mark.parametrize(
    "text",
    [
        "Speedway and Campbell",
        "Speedway & Campbell",
        "speedway/campbell",
        "Speedway@Campbell",
        "I'm at Speedway and Campbell",
        "Speedway and Campbell, Tucson, AZ",
        "E Speedway Blvd & N Campbell Ave, Tucson, AZ 85719",
    ],
)
def test_speedway_and_campbell_is_found_within_300_m(text: str) -> None:
    result = _top(text)
    assert _meters_from(result, *SPEEDWAY_AND_CAMPBELL) < 300
    assert result["Place"]["Categories"] == ["IntersectionType"]
    assert "Speedway" in result["Place"]["Label"]
    assert "Campbell" in result["Place"]["Label"]


@pytest.mark.parametrize(
    "text",
    ["Broadway & Swan", "the corner of Broadway and Swan", "Broadway at Swan", "Broadway y Swan"],
)
def test_broadway_and_swan_in_every_phrasing(text: str) -> None:
    result = _top(text)
    assert _meters_from(result, *BROADWAY_AND_SWAN) < 300
    assert result["Relevance"] == 1.0


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        ("esquina de la 22 y la Park", ("22nd St", "Park Ave")),
        ("estoy en la esquina de Broadway y Campbell", ("Broadway Blvd", "Campbell Ave")),
        ("esquina de Speedway con Campbell", ("Speedway Blvd", "Campbell Ave")),
        ("la sexta y la 22", ("22nd St", "6th Ave")),
    ],
)
def test_spanish_intersection_phrases_name_the_two_streets(text: str, streets: tuple[str, str]) -> None:
    label = _top(text)["Place"]["Label"]
    for street in streets:
        assert street in label


def test_the_1400_block_of_e_lester_lies_on_lester_between_stone_and_campbell() -> None:
    result = _top("1400 block of E Lester")
    place = result["Place"]
    long, lat = place["Geometry"]["Point"]
    assert place["Street"] == "E Lester St"
    assert place["AddressNumber"] == "1400"
    assert place["Interpolated"] is True
    assert place["Categories"] == ["AddressType"]
    stone = _top("Lester and Stone")["Place"]["Geometry"]["Point"]
    campbell = _top("Lester and Campbell")["Place"]["Geometry"]["Point"]
    # 1400 E is east of Stone (0 E) and west of Campbell (near 1850 E), on Lester itself.
    assert stone[0] < long < campbell[0]
    assert abs(lat - stone[1]) < 0.002


def test_a_full_postal_address_with_city_state_and_zip() -> None:
    place = _top("123 N Stone Ave, Tucson AZ 85701")["Place"]
    assert place["Label"] == "123 N Stone Ave, Tucson, AZ 85701, USA"
    assert place["AddressNumber"] == "123"
    assert place["PostalCode"] == "85701"
    # A few hundred numbers north of Congress St, downtown.
    assert _meters_from({"Place": place}, 32.2240, -110.9719) < 400


def test_an_address_without_a_directional_still_finds_the_street() -> None:
    place = _top("1400 Lester")["Place"]
    assert place["Street"] == "E Lester St"


@pytest.mark.parametrize(
    ("text", "landmark"),
    [
        ("UofA", "University of Arizona"),
        ("U of A", "University of Arizona"),
        ("near Reid Park", "Reid Park"),
        ("by the Tucson Mall", "Tucson Mall"),
        ("Tucson Mall", "Tucson Mall"),
        ("the zoo", "Reid Park Zoo"),
        ("el aeropuerto", "Tucson International Airport"),
        ("cerca del Tucson Mall", "Tucson Mall"),
        ("Davis Monthan", "Davis-Monthan Air Force Base"),
        ("Park Place", "Park Place"),
        ("TMC", "Tucson Medical Center"),
    ],
)
def test_landmarks_by_name_alias_or_spanish(text: str, landmark: str) -> None:
    place = _top(text)["Place"]
    assert place["Label"].startswith(landmark)
    assert place["Categories"][0] == "PointOfInterestType"
    assert place["Interpolated"] is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Speeway and Cambell", "Speedway"), ("Tuscon Mall", "Tucson Mall"), ("Alvernnon & Grant", "Alvernon")],
)
def test_typos_still_find_the_place_with_lower_relevance(text: str, expected: str) -> None:
    result = _top(text)
    assert expected in result["Place"]["Label"]
    assert 0.5 < result["Relevance"] < 1.0


def test_typo_intersection_lands_on_the_same_corner() -> None:
    assert _meters_from(_top("Speeway and Cambell"), *SPEEDWAY_AND_CAMPBELL) < 300


@pytest.mark.parametrize(
    "text",
    [
        "asdfgh qwerty",
        "I like turtles",
        "hello world",
        "",
        "   ",
        "the",
        "Tucson",
        "Tucson, AZ",
        "purple monkey",
    ],
)
def test_text_that_is_not_a_place_gives_no_results(text: str) -> None:
    assert search_text(text) == []


def test_a_street_alone_gives_a_point_on_that_street() -> None:
    place = _top("Speedway Blvd")["Place"]
    assert place["Categories"] == ["StreetType"]
    assert "Speedway Blvd" in place["Street"]


@pytest.mark.parametrize("text", ["85719", "Tucson, AZ 85719"])
def test_a_zip_code_alone_gives_its_area(text: str) -> None:
    place = _top(text)["Place"]
    assert place["Categories"] == ["PostalCodeType"]
    assert place["PostalCode"] == "85719"


def test_results_have_the_amazon_location_shape() -> None:
    result = _top("Speedway and Campbell", bias_position=(-110.95, 32.23))
    assert set(result) == {"Place", "Distance", "Relevance", "PlaceId"}
    place = result["Place"]
    long, lat = place["Geometry"]["Point"]
    assert -111.1 < long < -110.7
    assert 32.0 < lat < 32.5
    assert place["Municipality"] == "Tucson"
    assert place["SubRegion"] == "Pima County"
    assert place["Region"] == "Arizona"
    assert place["Country"] == "USA"
    assert isinstance(place["Interpolated"], bool)
    assert 0.0 <= result["Relevance"] <= 1.0
    assert isinstance(result["PlaceId"], str)
    assert result["PlaceId"]


def test_distance_is_metres_from_the_bias_position_and_absent_without_one() -> None:
    biased = _top("Speedway and Campbell", bias_position=(-110.9441, 32.2453))
    assert biased["Distance"] == pytest.approx(1000, rel=0.05)  # 0.009 degrees of latitude north
    assert "Distance" not in _top("Speedway and Campbell")


def test_municipality_comes_from_the_jurisdiction_of_the_point() -> None:
    assert _top("Oro Valley Town Hall")["Place"]["Municipality"] == "Oro Valley"
    assert _top("Lambert and La Canada")["Place"]["Municipality"] == "Oro Valley"
    foothills = _top("Swan and Sunrise")["Place"]
    assert "Municipality" not in foothills  # unincorporated Catalina Foothills
    assert foothills["SubRegion"] == "Pima County"


def test_six_and_stone_offers_both_readings_of_sixth() -> None:
    labels = [r["Place"]["Label"] for r in search_text("6th and Stone")]
    assert any("6th St" in label for label in labels)


def test_max_results_and_bias_order_ambiguous_answers() -> None:
    near_6th_st = search_text("6th and Stone", bias_position=(-110.9713, 32.2277), max_results=1)
    assert len(near_6th_st) == 1
    assert "6th St" in near_6th_st[0]["Place"]["Label"]


def test_place_ids_are_stable_between_calls() -> None:
    assert _top("Broadway & Swan")["PlaceId"] == _top("Broadway y Swan")["PlaceId"]


def test_filter_bbox_and_countries_restrict_results() -> None:
    assert search_text("Tucson Mall", filter_countries=["MEX"]) == []
    far_east_box = (-110.80, 32.0, -110.70, 32.3)
    assert search_text("Tucson Mall", filter_bbox=far_east_box) == []


def test_spanish_language_uses_the_spanish_landmark_name() -> None:
    place = _top("the zoo", language="es")["Place"]
    assert place["Label"].startswith("Zoológico Reid Park")


def test_place_summary_flags_estimated_positions() -> None:
    assert place_summary(_top("1400 E Lester St")).endswith("(approximate)")
    assert place_summary(_top("Speedway and Campbell")) == "E Speedway Blvd & N Campbell Ave, Tucson, AZ 85719"
