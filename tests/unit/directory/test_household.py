"""Who needs the bed, read from the shelter's answers: counts that agree, or a clear list of what does not."""

from __future__ import annotations

import pytest

from civic311.directory.household import AskedHousehold, Household, from_answers


def test_a_parent_and_a_child_are_a_family() -> None:
    asked = from_answers({"adults": "1", "children": "1", "children_ages": "6"}, require_ages=True)
    assert asked == AskedHousehold(Household(adults=1, children=1, children_ages=[6]), None)
    assert asked is not None
    assert asked.household.is_family


def test_a_young_person_alone_is_not_a_family_and_their_age_is_the_childs() -> None:
    asked = from_answers({"adults": "0", "children": "1", "children_ages": "17"}, require_ages=True)
    assert asked is not None
    assert (asked.age, asked.household.is_family) == (17, False)


def test_a_teenage_parent_with_a_baby_is_a_family() -> None:
    asked = from_answers({"adults": "0", "children": "2", "children_ages": "17, 0"}, require_ages=True)
    assert asked is not None
    assert asked.household.is_family


def test_answers_without_counts_say_nothing_about_the_household() -> None:
    assert from_answers({"needs": ["pets"]}, require_ages=True) is None


def test_the_phone_may_count_children_without_their_ages() -> None:
    asked = from_answers({"adults": "1", "children": "2"}, require_ages=False)
    assert asked is not None
    assert asked.household.children == 2
    with pytest.raises(ValueError, match=r"attribute\[children_ages\] is required when there are children"):
        from_answers({"adults": "1", "children": "2"}, require_ages=True)


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"adults": "0", "children": "0"}, "count nobody"),
        ({"adults": "1", "children": "2", "children_ages": "4"}, "lists 1 ages for 2 children"),
        ({"adults": "1", "children": "0", "age": "16"}, r"attribute\[age\] 16 is under 18, but attribute\[adults\]"),
        ({"adults": "0", "children": "1", "children_ages": "16", "age": "30"}, "30 is 18 or over"),
        ({"adults": "0", "children": "1", "children_ages": "16", "age": "15"}, "two ages for one person"),
    ],
)
def test_answers_that_contradict_each_other_are_refused(answers: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        from_answers(answers, require_ages=True)
