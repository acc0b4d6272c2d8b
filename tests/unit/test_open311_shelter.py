"""The shelter service on Open311: who needs the bed, asked in whole-number ranges; a household that cannot
be right is refused, saying what is wrong."""

from __future__ import annotations

import pytest

from tests.support import InProcessStack, api_event
from tests.unit.open311_calls import API_KEY, body, post, register_client


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    register_client(stack)


def shelter(**answers: str) -> dict[str, str]:
    fields = {"api_key": API_KEY, "service_code": "shelter", "lat": "32.2363", "long": "-110.9441"}
    return fields | {f"attribute[{code}]": value for code, value in answers.items()}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_shelter_definition_asks_who_needs_the_bed_with_whole_number_ranges(stack: InProcessStack, lang: str) -> None:
    event = api_event("GET", "/open311/v2/services/shelter.json", headers={"Accept-Language": lang})
    definition = body(stack.call("Open311Function", event))
    by_code = {attribute["code"]: attribute for attribute in definition["attributes"]}
    assert [a["code"] for a in definition["attributes"]][:4] == ["adults", "children", "children_ages", "age"]
    assert (by_code["adults"]["required"], by_code["children"]["required"]) == (True, True)
    assert by_code["adults"]["datatype"] == "number"
    expected = {"en": "A whole number from 0 to 20", "es": "Un número entero del 0 al 20"}[lang]
    assert by_code["adults"]["datatype_description"] == expected
    assert ("adults" if lang == "en" else "adultos") in by_code["adults"]["description"]


def test_shelter_request_with_its_household_is_accepted(stack: InProcessStack) -> None:
    answer = post(stack, shelter(adults="1", children="1", children_ages="6"))
    assert answer["statusCode"] == 200, answer["body"]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"adults": "1"}, "attribute[children] is required for service 'shelter'"),
        ({"adults": "-2", "children": "0"}, "attribute[adults] -2 is not from 0 to 20"),
        ({"adults": "500", "children": "0"}, "attribute[adults] 500 is not from 0 to 20"),
        ({"adults": "one", "children": "0"}, "attribute[adults] 'one' is not a whole number"),
        ({"adults": "1", "children": "1\u0007"}, "attribute[children] is not a whole number"),
        ({"adults": "1", "children": "1", "children_ages": "200"}, "attribute[children_ages] 200 is not from 0 to 17"),
        ({"adults": "1", "children": "2"}, "attribute[children_ages] is required when there are children"),
        ({"adults": "1", "children": "2", "children_ages": "3"}, "lists 1 ages for 2 children"),
        ({"adults": "0", "children": "0"}, "count nobody: at least one person needs the bed"),
        ({"adults": "1", "children": "0", "age": "16"}, "attribute[age] 16 is under 18"),
    ],
)
def test_shelter_household_that_cannot_be_right_is_400_saying_what_is_wrong(
    stack: InProcessStack, lang: str, answers: dict[str, str], problem: str
) -> None:
    answer = post(stack, shelter(**answers), **{"Accept-Language": lang})
    assert answer["statusCode"] == 400, answer["body"]
    assert problem in body(answer)[0]["description"]
