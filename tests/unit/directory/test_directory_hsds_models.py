"""The HSDS models: HSDS names and enums, extra fields allowed, civic311's rules enforced."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from civic311.directory.hsds.places import Location
from civic311.directory.hsds.services import Organization, Service

Reader = Callable[[str], Any]


@pytest.fixture
def shelter(sample_json: Reader) -> dict[str, Any]:
    return sample_json("organizations/sonoran-crossroads.json")["services"][0]  # type: ignore[no-any-return]


def rule_fields(error: ValidationError) -> list[str]:
    """The fields named by each error: the location, plus the field a cross-field rule points at."""
    named = []
    for detail in error.errors():
        cause = detail.get("ctx", {}).get("error")
        path = [str(part) for part in detail["loc"]]
        named.append(".".join([*path, cause.field] if hasattr(cause, "field") else path))
    return named


def test_a_sample_organization_parses_as_a_compiled_hsds_organization(sample_json: Reader) -> None:
    org = Organization.model_validate(sample_json("organizations/mesquite-table.json"))

    assert org.services[0].service_code == "food"
    assert org.services[0].service_at_locations[0].location.location_type == "physical"


def test_unknown_fields_are_kept_as_hsds_allows(shelter: dict[str, Any]) -> None:
    service = Service.model_validate({**shelter, "x_intake_notes": "ring the bell"})

    assert service.model_extra == {"x_intake_notes": "ring the bell"}


def test_status_uses_the_hsds_enum_including_temporarily_closed(shelter: dict[str, Any]) -> None:
    assert Service.model_validate({**shelter, "status": "temporarily closed"}).status == "temporarily closed"
    with pytest.raises(ValidationError):
        Service.model_validate({**shelter, "status": "closed"})


def test_ids_must_be_uuids(shelter: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as raised:
        Service.model_validate({**shelter, "id": "shelter-1"})

    assert rule_fields(raised.value) == ["id"]


def test_numbers_are_json_numbers_not_strings(shelter: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as raised:
        Service.model_validate({**shelter, "minimum_age": "18"})

    assert rule_fields(raised.value) == ["minimum_age"]


def test_a_service_needs_exactly_one_service_code_term(shelter: dict[str, Any]) -> None:
    without = [a for a in shelter["attributes"] if a["taxonomy_term"]["taxonomy"] != "civic311 service codes"]

    with pytest.raises(ValidationError) as raised:
        Service.model_validate({**shelter, "attributes": without})

    assert rule_fields(raised.value) == ["attributes"]


def test_a_shelter_needs_a_bed_capacity(shelter: dict[str, Any]) -> None:
    hours = [{**shelter["capacities"][0], "unit": {"id": shelter["capacities"][0]["unit"]["id"], "name": "hour"}}]

    with pytest.raises(ValidationError) as raised:
        Service.model_validate({**shelter, "capacities": hours})

    assert rule_fields(raised.value) == ["capacities"]


def test_available_beds_cannot_exceed_the_maximum(shelter: dict[str, Any]) -> None:
    over = [{**shelter["capacities"][0], "available": 500, "maximum": 120}]

    with pytest.raises(ValidationError) as raised:
        Service.model_validate({**shelter, "capacities": over})

    assert rule_fields(raised.value) == ["capacities.0.available"]


def test_a_maximum_age_below_the_minimum_is_refused(shelter: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as raised:
        Service.model_validate({**shelter, "minimum_age": 18, "maximum_age": 12})

    assert rule_fields(raised.value) == ["maximum_age"]


@pytest.fixture
def site(shelter: dict[str, Any]) -> dict[str, Any]:
    return shelter["service_at_locations"][0]["location"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": 95.0}, "latitude"),
        ({"longitude": -190.0}, "longitude"),
        ({"latitude": None}, "latitude"),
        ({"addresses": []}, "addresses"),
        ({"location_type": "office"}, "location_type"),
    ],
)
def test_physical_locations_need_valid_coordinates_and_an_address(
    site: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Location.model_validate({**site, **change})

    assert rule_fields(raised.value) == [field]


def test_a_virtual_location_needs_a_url_but_no_coordinates(site: dict[str, Any]) -> None:
    online = {"id": site["id"], "location_type": "virtual", "url": "https://example.org/form"}

    assert Location.model_validate(online).latitude is None
    with pytest.raises(ValidationError):
        Location.model_validate({**online, "url": None})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "USA"}, "addresses.0.country"),
        ({"address_type": "street"}, "addresses.0.address_type"),
        ({"state_province": None}, "addresses.0.state_province"),
    ],
)
def test_addresses_follow_hsds(site: dict[str, Any], change: dict[str, Any], field: str) -> None:
    address = {**site["addresses"][0], **change}

    with pytest.raises(ValidationError) as raised:
        Location.model_validate({**site, "addresses": [address]})

    assert field in rule_fields(raised.value)


def test_language_codes_are_iso_639_1(site: dict[str, Any]) -> None:
    spanish = {**site["languages"][0], "code": "spa"}

    with pytest.raises(ValidationError) as raised:
        Location.model_validate({**site, "languages": [spanish]})

    assert rule_fields(raised.value) == ["languages.0.code"]
