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
        shelter.check_answers({"people": "two", "needs": ["pets", "jacuzzi"], "color": "blue"})
    assert raised.value.details == [
        "attribute[people] 'two' is not a number",
        "attribute[needs] jacuzzi not among domestic-violence, medical, pets, wheelchair",
        "attribute[color] is not a question of service 'shelter'",
    ]


def test_blank_answer_to_a_required_question_counts_as_missing() -> None:
    with pytest.raises(InvalidInput, match=r"attribute\[people\] is required"):
        load_catalog().get("shelter").check_answers({"people": "  "})


def test_valid_answers_come_back_normalised() -> None:
    shelter = load_catalog().get("shelter")
    assert shelter.check_answers({"people": " 3 ", "needs": "pets", "children": "yes"}) == {
        "people": "3",
        "needs": ["pets"],
        "children": "yes",
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
