"""Typos, place names, idioms, numbers and odd input are handled before any decision."""

from __future__ import annotations

import pytest

from civic311.triage import triage


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("my dad is unconcious on the floor", "unconscious"),
        ("please send an amblance", "ambulance"),
        ("he's not breathng", "breathing"),
        ("theres a guy with a gunn at the store", "gun"),
        ("man bleding really bad from his head", "bleeding"),
        ("my brother is having a siezure", "seizure"),
    ],
)
def test_small_typos_in_danger_words_still_escalate(text: str, term: str) -> None:
    result = triage(text)
    assert result.emergency, result.signals
    assert f"typo:{term}" in result.signals or term not in text


def test_real_words_near_danger_words_are_not_corrected() -> None:
    result = triage("dog breeding operation next door, the puppies are barking all night")
    assert not result.emergency
    assert not any(s.startswith("typo:") for s in result.signals)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("huge pothole on Fire Station Rd right before the bridge", "pothole"),
        ("Gunsight Dr streetlight is out again", "streetlight"),
        ("Shooting Star Ln and Camino Verde, a car with no plates sat there for weeks", "abandoned-vehicle"),
        ("So I'm at 1400 E Lester, the streetlight is out", "streetlight"),
        ("Speedway and Campbell, graffiti all over the bus shelter", "graffiti"),
        ("Grant and Alvernon, water gushing out of the median", "water-leak"),
    ],
)
def test_street_names_never_act_as_cues(text: str, code: str) -> None:
    result = triage(text)
    assert (result.emergency, result.service_code) == (False, code), result.signals


def test_location_first_transcript_still_finds_the_emergency() -> None:
    result = triage("uh yeah I'm at 22nd and Alvernon and a guy just collapsed he's not breathing")
    assert result.emergency
    assert "not-breathing" in result.signals


def test_run_on_phone_transcript_without_punctuation_is_read_whole() -> None:
    text = (
        "hi yes so um my grandma she lives with us and she was fine this morning but now her face looks "
        "weird like one side is drooping and she cant lift her arm"
    )
    assert triage(text).emergency


def test_shouting_emergency_about_a_streetlight_is_not_an_emergency() -> None:
    result = triage("es una emergencia!! la lampara de la esquina no prende desde hace una semana")
    assert (result.emergency, result.service_code) == (False, "streetlight")


def test_calling_911_numbers_and_heat_readings_are_understood() -> None:
    result = triage("kid left alone in a car at the Fry's lot, windows up, it's 110")
    assert result.emergency


@pytest.mark.parametrize("text", ["", "   ", "?!", "1234", "ok"])
def test_empty_or_meaningless_text_is_a_calm_other_request(text: str) -> None:
    result = triage(text)
    assert (result.emergency, result.crisis, result.service_code) == (False, False, "other")


def test_very_long_text_is_cut_at_the_cap_and_still_read_up_to_it() -> None:
    early = triage("my neighbor collapsed and is not breathing. " + "the pothole is huge. " * 3000)
    beyond_cap = triage("the pothole is huge. " * 3000 + "my neighbor collapsed and is not breathing")
    assert early.emergency
    assert (beyond_cap.emergency, beyond_cap.service_code) == (False, "pothole")


@pytest.mark.parametrize(
    "text",
    [
        "my dad can not breathe",
        "my dad cannot breathe",
        "she will not wake up",
        "he is not breathing",
    ],
)
def test_spelled_out_negated_auxiliaries_read_like_contractions(text: str) -> None:
    assert triage(text).emergency


def test_a_dropped_final_g_is_restored_when_it_makes_a_rule_word() -> None:
    result = triage("bruh theres smoke comin outta the garage")
    assert "typo:coming" in result.signals


def test_a_spanish_object_pronoun_joined_to_a_verb_is_read_as_the_bare_verb() -> None:
    result = triage("está otra vez en la esquina aventándole piedras a los carros")
    assert "typo:aventando" in result.signals
    assert result.emergency, result.signals


def test_a_short_name_is_not_split_into_a_verb_and_a_pronoun() -> None:
    result = triage("Carlos parked in front of my driveway again")
    assert not any(s.startswith("typo:") for s in result.signals), result.signals


def test_word_class_members_also_match_in_the_plural() -> None:
    # "cashier" is a @person; "punching the cashiers" must read like "punching the cashier".
    assert triage("a man is punching the cashiers at the front counter").emergency


def test_a_number_range_only_matches_numbers_inside_it() -> None:
    from civic311.triage.patterns import Matcher, compile_pattern

    matcher = Matcher([compile_pattern("heat", "#100-130 degrees", {})])
    assert matcher.find(("3", "degrees"), (0, 0)) == []
    assert [h.entry_id for h in matcher.find(("110", "degrees"), (0, 0))] == ["heat"]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("mi hijo se desmallo en la escuela", "desmayo"),
        ("se esta aogando el niño en la alberca", "ahogando"),
        ("balasos en la calle", "balazos"),
    ],
)
def test_spanish_spelled_by_ear_is_read_by_sound(text: str, term: str) -> None:
    result = triage(text)
    assert result.emergency, result.signals
    assert f"typo:{term}" in result.signals


@pytest.mark.parametrize("text", ["my son fell off his scooter, he's fine", "we went hiking at Sabino yesterday"])
def test_real_words_are_not_read_as_sound_alikes_of_danger_words(text: str) -> None:
    assert not any(s.startswith("typo:") for s in triage(text).signals)


def test_a_place_name_inside_a_danger_cue_does_not_hide_it() -> None:
    assert triage("a horse is loose running down Tanque Verde in traffic").emergency


def test_a_service_cue_never_spans_a_place_name() -> None:
    result = triage("a woman with a shopping cart has been living at the bus stop on Prince for weeks")
    assert result.service_code == "homeless-outreach", result.signals
