"""ConnectFunction's shelter path: who needs the bed is asked, counted and kept before a referral."""

from __future__ import annotations

import pytest

from tests.support import InProcessStack, request_store
from tests.unit.phone.connect_events import english, event, spanish


def test_a_shelter_need_asks_who_needs_the_bed_in_the_callers_language(stack: InProcessStack) -> None:
    asked_en = stack.call("ConnectFunction", english(event("describe", text="4")))
    assert (asked_en["service_code"], asked_en["next"], asked_en["household"]) == ("shelter", "household", "none")
    assert asked_en["ask"].startswith("<speak>Who needs a place tonight? Say for example: me and my daughter")
    asked = stack.call("ConnectFunction", spanish(event("describe", text="necesito un lugar para dormir esta noche")))
    assert asked["next"] == "household"
    assert asked["ask"].startswith("<speak>¿Quién necesita un lugar esta noche? Diga por ejemplo: mi hija y yo")
    pothole = stack.call("ConnectFunction", event("describe", text="1"))
    assert (pothole["next"], pothole["household"]) == ("details", "none")


def test_a_first_sentence_that_says_who_needs_the_bed_is_not_asked_again(stack: InProcessStack) -> None:
    said = stack.call("ConnectFunction", english(event("describe", text="my daughter and I need a bed tonight")))
    assert (said["service_code"], said["next"], said["household"]) == ("shelter", "create", "1/1/-/-")


@pytest.mark.parametrize(
    ("said", "language", "expected"),
    [
        ("somos mi hija y yo", "es", {"next": "create", "household": "1/1/-/-"}),
        ("somos mi esposo y yo", "es", {"next": "create", "household": "2/0/-/-"}),
        ("me and my two kids", "en", {"next": "create", "household": "1/2/-/-"}),
        ("just me, I'm 17", "en", {"next": "create", "household": "0/1/17/17"}),
        ("just me", "en", {"next": "age", "household": "1/0/-/-"}),
        ("what?", "en", {"next": "household", "household": "none"}),
    ],
)
def test_the_household_answer_is_counted_or_asked_again(
    stack: InProcessStack, said: str, language: str, expected: dict[str, str]
) -> None:
    built = event("household", text=said, step="who", known="none")
    answered = stack.call("ConnectFunction", spanish(built) if language == "es" else english(built))
    assert answered["result"] == "ok"
    assert {key: answered[key] for key in expected} == expected


@pytest.mark.parametrize(("said", "household"), [("17", "0/1/17/17"), ("forty two", "1/0/-/42"), ("no sé", "1/0/-/-")])
def test_the_lone_callers_age_tells_a_young_person_from_an_adult(
    stack: InProcessStack, said: str, household: str
) -> None:
    built = english(event("household", text=said, step="age", known="1/0/-/-"))
    answered = stack.call("ConnectFunction", built)
    assert (answered["result"], answered["next"], answered["household"]) == ("ok", "create", household)


def test_danger_said_while_asked_who_needs_the_bed_goes_to_911(stack: InProcessStack) -> None:
    danger = "me and my kids, he is hitting us right now and has a knife"
    built = english(event("household", text=danger, known="none"))
    assert stack.call("ConnectFunction", built)["result"] == "emergency"


def test_the_household_answer_is_kept_with_its_question_in_the_description(stack: InProcessStack) -> None:
    built = english(event("create", service_code="shelter", what="4", household="1/2/-/-"))
    built["Details"]["Parameters"].update(household_said="me and my two kids", details="")
    answered = stack.call("ConnectFunction", built)
    assert answered["result"] == "created"
    stored = request_store(stack).get(answered["request_id"])
    assert stored is not None
    assert stored.description == "Who needs a bed tonight: me and my two kids"


@pytest.mark.parametrize(
    ("household", "first"),
    [("1/1/-/-", "Family emergency shelter"), ("0/1/17/17", "Youth emergency shelter")],
)
def test_the_place_read_out_takes_the_whole_household_and_the_request_keeps_it(
    stack: InProcessStack, household: str, first: str
) -> None:
    built = event("create", service_code="shelter", what="I need a bed tonight", household=household)
    answered = stack.call("ConnectFunction", built)
    assert answered["result"] == "created"
    assert f", {first}." in answered["prompt"]
    stored = request_store(stack).get(answered["request_id"])
    assert stored is not None
    counts = household.split("/")
    assert (stored.attributes["adults"], stored.attributes["children"]) == (counts[0], counts[1])
