"""The service catalog: fixed codes, two languages, and the checks on attribute answers."""

from __future__ import annotations

import pytest

from civic311.catalog import load_catalog
from civic311.errors import InvalidInput, NotFound

FIXED_CODES = {
    "social": ["shelter", "homeless-outreach", "food", "vouchers", "mental-health"],
    "police": ["noise", "abandoned-vehicle", "property-crime-report", "suspicious-activity", "traffic-parking"],
    "city": ["pothole", "streetlight", "graffiti", "illegal-dumping", "water-leak", "animal"],
    "other": ["other"],
}


def test_catalog_has_exactly_the_fixed_codes_in_their_groups() -> None:
    catalog = load_catalog()
    by_group = {group: [s.service_code for s in catalog.services if s.group == group] for group in FIXED_CODES}
    assert by_group == FIXED_CODES


@pytest.mark.parametrize("service", load_catalog().services, ids=lambda s: s.service_code)
def test_every_service_speaks_english_and_spanish(service) -> None:  # type: ignore[no-untyped-def]
    texts = [service.name, service.description]
    texts += [attribute.description for attribute in service.attributes]
    texts += [value.name for attribute in service.attributes for value in attribute.values]
    assert all(text.en.strip() for text in texts)
    assert all(text.es.strip() for text in texts)
    assert service.keywords["en"]
    assert service.keywords["es"]


def test_unknown_code_is_not_found_with_its_name() -> None:
    with pytest.raises(NotFound, match="'bridge-troll'"):
        load_catalog().get("bridge-troll")


def test_answers_are_checked_and_every_problem_reported_at_once() -> None:
    shelter = load_catalog().get("shelter")
    with pytest.raises(InvalidInput) as raised:
        shelter.check_answers({"adults": "two", "children": "0", "needs": ["pets", "jacuzzi"], "color": "blue"})
    assert raised.value.details == [
        "attribute[adults] 'two' is not a whole number",
        "attribute[needs] jacuzzi not among domestic-violence, medical, pets, wheelchair",
        "attribute[color] is not a question of service 'shelter'",
    ]


def test_blank_answer_to_a_required_question_counts_as_missing() -> None:
    with pytest.raises(InvalidInput, match=r"attribute\[adults\] is required"):
        load_catalog().get("shelter").check_answers({"adults": "  ", "children": "0"})


def test_valid_answers_come_back_normalised() -> None:
    shelter = load_catalog().get("shelter")
    answers = {"adults": " 2 ", "children": "2", "children_ages": "4,  9", "needs": "pets"}
    assert shelter.check_answers(answers) == {
        "adults": "2",
        "children": "2",
        "children_ages": "4, 9",
        "needs": ["pets"],
    }


def test_datetime_answers_must_be_iso_8601() -> None:
    report = load_catalog().get("property-crime-report")
    assert report.check_answers({"occurred_at": "2026-11-20T22:15:00-07:00"})
    with pytest.raises(InvalidInput, match="not an ISO-8601 datetime"):
        report.check_answers({"occurred_at": "last tuesday"})


def test_channels_without_a_form_may_leave_required_questions_unanswered() -> None:
    streetlight = load_catalog().get("streetlight")
    assert streetlight.check_answers({}, require=False) == {}
    with pytest.raises(InvalidInput):
        streetlight.check_answers({"light_issue": "purple"}, require=False)


def test_the_shelter_asks_who_needs_the_bed_before_anything_else() -> None:
    shelter = load_catalog().get("shelter")
    ordered = [a.code for a in sorted(shelter.attributes, key=lambda attribute: attribute.order)]
    assert ordered[:4] == ["adults", "children", "children_ages", "age"]
    required = {a.code for a in shelter.attributes if a.required}
    assert required == {"adults", "children"}
    with pytest.raises(InvalidInput) as raised:
        shelter.check_answers({})
    assert raised.value.details == [
        "attribute[adults] is required for service 'shelter'",
        "attribute[children] is required for service 'shelter'",
    ]


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"adults": "-1"}, "attribute[adults] -1 is not from 0 to 20"),
        ({"adults": "500"}, "attribute[adults] 500 is not from 0 to 20"),
        ({"children": "1.5"}, "attribute[children] '1.5' is not a whole number"),
        ({"children": "nan"}, "attribute[children] 'nan' is not a whole number"),
        ({"children": "1e3"}, "attribute[children] '1e3' is not a whole number"),
        ({"adults": "1\x00"}, "attribute[adults] is not a whole number"),
        ({"adults": "\u0663"}, "attribute[adults] '\u0663' is not a whole number"),
        ({"adults": "9" * 40}, "attribute[adults] is not a whole number"),
        ({"children_ages": "4, 18"}, "attribute[children_ages] 18 is not from 0 to 17"),
        ({"children_ages": "4; 5"}, "attribute[children_ages] '4;' is not whole numbers separated by commas"),
        ({"children_ages": "4\t5"}, "attribute[children_ages] is not whole numbers separated by commas"),
        ({"children_ages": ",".join(["3"] * 31)}, "attribute[children_ages] lists more than 30 numbers"),
        ({"age": "121"}, "attribute[age] 121 is not from 0 to 120"),
        ({"age": "-3"}, "attribute[age] -3 is not from 0 to 120"),
    ],
)
def test_household_counts_and_ages_must_be_whole_numbers_in_range(answers: dict[str, str], problem: str) -> None:
    shelter = load_catalog().get("shelter")
    with pytest.raises(InvalidInput) as raised:
        shelter.check_answers({"adults": "1", "children": "0", **answers})
    assert raised.value.details == [problem]


def test_a_range_is_only_for_whole_numbers() -> None:
    from civic311.catalog.models import ServiceAttribute

    question = {"code": "size", "required": False, "order": 1, "description": {"en": "Size?", "es": "¿Tamaño?"}}
    with pytest.raises(ValueError, match="both a minimum and a maximum"):
        ServiceAttribute.model_validate({**question, "datatype": "number", "minimum": 0})
    with pytest.raises(ValueError, match="a range is for numbers"):
        ServiceAttribute.model_validate({**question, "datatype": "text", "minimum": 0, "maximum": 3})
