"""The Tucson sample directory: what referrals and routing can count on finding in it."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from civic311.catalog import load_catalog
from civic311.channels.directory_cli import main
from civic311.directory.flatten import iter_resources
from civic311.directory.package import DirectoryPackage
from civic311.models.resource import Resource

CATALOG = load_catalog()
SOCIAL_CODES = [s.service_code for s in CATALOG.services if s.group == "social"]
DESK_CODES = [s.service_code for s in CATALOG.services if s.group != "social"]
DEPARTMENT_OF = {s.service_code: s.department for s in CATALOG.services}


@pytest.fixture(scope="module")
def resources(sample: DirectoryPackage) -> list[Resource]:
    return list(iter_resources(sample))


def by_name(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.name == name)


def test_the_sample_package_validates_and_holds_at_least_45_resources(resources: list[Resource]) -> None:
    assert len(resources) >= 45
    assert len({r.id for r in resources}) == len(resources)


def test_it_is_marked_as_sample_data_with_a_notice(sample: DirectoryPackage) -> None:
    assert sample.manifest.sample is True
    assert sample.manifest.hsds_version == "3.1"
    assert sample.manifest.notice is not None
    assert sample.manifest.notice.startswith("SAMPLE DATA")


@pytest.mark.parametrize("code", SOCIAL_CODES)
def test_every_social_code_has_active_resources(resources: list[Resource], code: str) -> None:
    assert [r for r in resources if r.service_code == code and r.status == "active"]


@pytest.mark.parametrize("code", DESK_CODES)
def test_every_police_and_city_code_has_a_desk_of_the_catalog_department(resources: list[Resource], code: str) -> None:
    desks = [r for r in resources if r.service_code == code]
    assert desks
    assert {r.department_id for r in desks} == {DEPARTMENT_OF[code]}
    assert all(r.phone or r.url for r in desks)


def test_the_taxonomy_has_one_term_per_catalog_service_code(sample: DirectoryPackage) -> None:
    [codes_taxonomy] = [t for t in sample.taxonomies if t.name == "civic311 service codes"]
    codes = [str(t.code) for t in sample.taxonomy_terms if t.taxonomy_id == codes_taxonomy.id]
    assert sorted(codes) == sorted(CATALOG.codes)


def test_every_shelter_reports_beds_and_some_are_full(resources: list[Resource]) -> None:
    shelters = [r for r in resources if r.service_code == "shelter"]
    assert all(r.capacity is not None and r.capacity.unit == "bed" for r in shelters)
    assert any(r.capacity is not None and r.capacity.available == 0 for r in shelters)
    assert all(r.capacity is not None and r.capacity.updated.tzinfo is not None for r in shelters)


def test_shelter_eligibility_rules_are_carried_into_resources(resources: list[Resource]) -> None:
    youth = by_name(resources, "Youth emergency shelter")
    assert (youth.eligibility.minimum_age, youth.eligibility.maximum_age) == (12, 17)
    assert by_name(resources, "Family emergency shelter").eligibility.requires_children
    assert by_name(resources, "Confidential shelter for women").eligibility.gender == "women"
    assert by_name(resources, "Miracle Mile men's shelter").eligibility.gender == "men"
    assert by_name(resources, "Congress Street adult shelter").eligibility.minimum_age == 18


def test_the_winter_overflow_opens_at_19_and_closes_at_7_in_season_only(resources: list[Resource]) -> None:
    overflow = by_name(resources, "Winter overflow shelter")
    [window] = overflow.schedules
    assert (window.opens, window.closes, window.overnight) == (19 * 60, 7 * 60, True)
    assert overflow.is_open(datetime(2026, 12, 2, 5, 0, tzinfo=UTC))  # 22:00 in Tucson
    assert not overflow.is_open(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))  # noon in Tucson
    assert not overflow.is_open(datetime(2026, 7, 2, 5, 0, tzinfo=UTC))  # summer


def test_the_988_lifeline_is_real_all_day_and_bilingual(resources: list[Resource]) -> None:
    lifeline = by_name(resources, "988 call, text and chat")
    assert lifeline.phone == "988"
    assert lifeline.open_24_7
    assert lifeline.virtual
    assert {"en", "es"} <= set(lifeline.languages)
    assert lifeline.url == "https://988lifeline.org"


def test_food_hours_cover_weekdays_evenings_saturday_and_sunday(resources: list[Resource]) -> None:
    food = [r for r in resources if r.service_code == "food"]
    windows = [w for r in food for w in r.schedules]
    assert any(set(w.days) == {"MO", "TU", "WE", "TH", "FR"} for w in windows)
    assert any(len(w.days) == 7 and (w.opens, w.closes) == (17 * 60, 19 * 60) for w in windows)
    assert any(w.days == ("SA",) and w.closes <= 12 * 60 for w in windows)
    assert any(w.days == ("SU",) and w.closes <= 12 * 60 for w in windows)


def test_a_service_keeps_its_own_hours_in_a_building_it_shares(resources: list[Resource]) -> None:
    pantry = next(r for r in resources if r.name == "Emergency food boxes" and "Northside" in (r.location_name or ""))
    seniors = by_name(resources, "Senior food boxes")

    assert seniors.id != pantry.id
    assert (seniors.latitude, seniors.longitude) == (pantry.latitude, pantry.longitude)
    assert [w.weeks_of_month for w in seniors.schedules] == [(2, 4)]
    assert [w.days for w in pantry.schedules] == [("MO", "TU", "WE", "TH")]


def test_outreach_has_a_daytime_and_an_evening_team(resources: list[Resource]) -> None:
    windows = [w for r in resources if r.service_code == "homeless-outreach" for w in r.schedules]
    assert any(w.opens < 12 * 60 for w in windows)
    assert any(w.closes >= 22 * 60 for w in windows)


def test_phone_numbers_are_fictional_except_988(sample_path: Path) -> None:
    numbers = re.findall(r'"number": "([^"]+)"', _all_text(sample_path))
    assert numbers
    assert all(n == "988" or re.fullmatch(r"520-555-01\d\d", n) for n in numbers)


def test_physical_sites_are_in_tucson_with_arizona_zip_codes(resources: list[Resource]) -> None:
    sites = [r for r in resources if not r.virtual]
    assert sites
    for site in sites:
        assert 32.1 < (site.latitude or 0) < 32.32
        assert -111.05 < (site.longitude or 0) < -110.8
        assert re.fullmatch(r"857\d\d", site.postal_code or "")
        assert (site.address or "").endswith(f"Tucson, AZ {site.postal_code}")


def test_sites_are_spread_across_the_city(resources: list[Resource]) -> None:
    points = [(r.latitude, r.longitude) for r in resources if r.latitude is not None and r.longitude is not None]
    assert any(lat < 32.20 for lat, _ in points)  # south side
    assert any(lat > 32.26 for lat, _ in points)  # north, along Oracle
    assert any(long > -110.86 for _, long in points)  # east, Wilmot to Kolb
    assert any(long < -110.985 for _, long in points)  # west side


def test_languages_include_spanish_and_one_of_arabic_or_vietnamese(resources: list[Resource]) -> None:
    spoken = Counter(code for r in resources for code in r.languages)
    assert spoken["es"] > len(resources) // 2
    assert spoken["ar"] or spoken["vi"]
    assert any(r.languages == ("en",) for r in resources)


def test_a_temporarily_closed_service_stays_listed_with_its_status(resources: list[Resource]) -> None:
    assert any(r.status == "temporarily closed" for r in resources)


def test_the_validate_command_prints_the_counts(sample_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(sample_path)]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r"OK: \d+ organizations, \d+ services, \d+ resources\n", out)


def _all_text(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.json")))
