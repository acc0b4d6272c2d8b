"""Who needs the bed, as callers say it in English and Spanish, counted into adults and children."""

from __future__ import annotations

import pytest

from civic311.channels.phone.household import SpokenHousehold, decode, parse, spoken_age


@pytest.mark.parametrize(
    ("said", "language", "adults", "children"),
    [
        ("my daughter and I need a bed tonight", "en", 1, 1),
        ("me and my daughter", "en", 1, 1),
        ("me and my two kids", "en", 1, 2),
        ("my kids and I", "en", 1, 2),
        ("me, my wife and our 3 kids", "en", 2, 3),
        ("my husband and me", "en", 2, 0),
        ("mi hija y yo", "es", 1, 1),
        ("somos mi hija y yo", "es", 1, 1),
        ("somos mi esposo y yo", "es", 2, 0),
        ("mis dos hijos y yo", "es", 1, 2),
        ("son mis tres niños y yo", "es", 1, 3),
        ("just me", "en", 1, 0),
        ("just me, no kids", "en", 1, 0),
        ("yo sola, sin hijos", "es", 1, 0),
        ("solo yo", "es", 1, 0),
        ("1", "en", 1, 0),
        ("2", "es", 1, 1),
    ],
)
def test_a_spoken_household_is_counted_with_the_caller_as_an_adult(
    said: str, language: str, adults: int, children: int
) -> None:
    found = parse(said, language)
    assert found is not None
    assert (found.adults, found.children) == (adults, children)


@pytest.mark.parametrize(
    ("said", "language"), [("just me, I'm 17", "en"), ("I'm 17", "en"), ("solo yo, tengo 17 años", "es")]
)
def test_a_caller_who_says_they_are_under_18_and_alone_is_a_young_person(said: str, language: str) -> None:
    assert parse(said, language) == SpokenHousehold(adults=0, children=1, children_ages=(17,), age=17)


def test_a_daughter_with_no_age_is_a_minor_but_the_caller_never_is_without_saying_so() -> None:
    found = parse("my daughter and I", "en")
    assert found == SpokenHousehold(adults=1, children=1)
    assert parse("my son is 6", "en") == SpokenHousehold(adults=1, children=1, children_ages=(6,))


@pytest.mark.parametrize("said", ["I need a bed tonight", "necesito un lugar para dormir esta noche", "hmm", "", "4"])
def test_words_that_name_no_one_leave_the_household_to_be_asked(said: str) -> None:
    assert parse(said, "en") is None


def test_an_absurd_count_is_heard_as_some_children_not_as_a_count() -> None:
    assert parse("me and my 500 kids", "en") == SpokenHousehold(adults=1, children=2)


@pytest.mark.parametrize(
    ("said", "age"),
    [("17", 17), ("seventeen", 17), ("I am twenty five", 25), ("tengo diecisiete años", 17), ("no sé", None)],
)
def test_an_age_is_heard_in_digits_or_words(said: str, age: int | None) -> None:
    assert spoken_age(said) == age


@pytest.mark.parametrize(
    "household",
    [SpokenHousehold(1, 1), SpokenHousehold(0, 1, (17,), 17), SpokenHousehold(2, 3, (1, 4, 9)), SpokenHousehold(1, 0)],
)
def test_the_flow_attribute_round_trips(household: SpokenHousehold) -> None:
    assert decode(household.encode()) == household


@pytest.mark.parametrize("kept", ["none", "", "0/0/-/-", "1/1/4,5/-", "1/1/30/-", "99/0/-/-", "1/0/-/999", "1/0"])
def test_a_flow_attribute_that_is_no_household_is_none(kept: str) -> None:
    assert decode(kept) is None
