"""Negation, past time, habits, questions and resolution switch cues off; present time keeps them on."""

from __future__ import annotations

import pytest

from civic311.triage import triage


@pytest.mark.parametrize(
    "text",
    [
        "no one is injured",
        "he is not bleeding",
        "nobody got hurt in the crash",
        "nadie está herido",
        "no hay heridos en el choque",
        "there's no fire and no smoke, just a burnt smell from the toaster earlier",
    ],
)
def test_negated_danger_is_not_an_emergency(text: str) -> None:
    result = triage(text)
    assert not result.emergency, result.signals
    assert any(s.startswith("negated:") for s in result.signals)


@pytest.mark.parametrize(
    "text",
    [
        "he was bleeding last night but he's fine",
        "someone got stabbed here last year",
        "there was a shooting on this corner last month",
        "ayer hubo un incendio en el lote, ya lo apagaron",
        "la semana pasada un perro atacó a mi hijo, ya está bien",
        "hace dos días hubo una balacera en mi calle",
    ],
)
def test_danger_that_already_happened_is_not_an_emergency(text: str) -> None:
    result = triage(text)
    assert not result.emergency, result.signals
    assert any(s.startswith(("past-tense:", "resolved:")) for s in result.signals)


@pytest.mark.parametrize(
    "text",
    [
        "a motorcycle just got hit and the rider is bleeding",
        "he was stabbed a few minutes ago and is still bleeding",
        "last week it was the dog next door but right now a different dog is attacking my son",
        "acaba de chocar un carro y hay un señor sangrando",
        "ahorita mismo están golpeando a un señor",
    ],
)
def test_present_or_just_now_danger_is_an_emergency(text: str) -> None:
    assert triage(text).emergency


def test_uncertainty_is_not_negation() -> None:
    assert triage("I'm not sure if he's breathing").emergency
    assert triage("hay humo saliendo de la casa, no sé si hay alguien adentro").emergency


def test_a_what_if_question_is_not_an_emergency() -> None:
    result = triage("what should I do if I smell gas in my house? just want to be prepared")
    assert not result.emergency
    assert "hypothetical:gas-leak" in result.signals


def test_a_nightly_pattern_is_a_complaint_not_an_emergency() -> None:
    result = triage("los vecinos se pelean a gritos todas las noches y no dejan dormir")
    assert (result.emergency, result.service_code) == (False, "noise")


def test_a_gone_suspect_turns_a_break_in_into_a_report() -> None:
    result = triage("Came home, found the back door pried open, whoever did it is long gone, need a report")
    assert (result.emergency, result.service_code) == (False, "property-crime-report")


def test_a_break_in_word_alone_needs_a_present_sign() -> None:
    assert not triage("someone broke into my storage unit, I need a report for insurance").emergency
    assert triage("somebody broke in and they are still in the house").emergency


@pytest.mark.parametrize(
    "text",
    [
        "mi esposo se cortó la mano con la sierra y no le para la sangre",
        "he cut his leg and it won't stop bleeding",
    ],
)
def test_a_danger_that_will_not_stop_is_not_negated(text: str) -> None:
    assert triage(text).emergency, triage(text).signals


def test_an_action_under_way_satisfies_a_cue_that_needs_the_present() -> None:
    result = triage("somebody is following me in a red truck, I've turned four times and he's still behind me")
    assert result.emergency, result.signals


def test_the_progressive_does_not_outweigh_an_explicit_habit() -> None:
    result = triage("my neighbor is shooting a movie in his front yard every night with loud speakers")
    assert not result.emergency, result.signals


def test_an_idiom_cancels_a_cue_that_starts_inside_it() -> None:
    assert not triage("the smoke detector test in our building is scheduled for Monday").emergency


def test_a_joke_marker_takes_the_threat_out_of_hyperbole() -> None:
    assert not triage("a guy yelled he was gonna kill the umpire lol, anyway the bleachers need fixing").emergency


def test_a_present_phrase_in_another_clause_does_not_undo_a_resolution() -> None:
    text = "the fire department came and put out the grass fire behind the school, now there's burnt trash everywhere"
    assert not triage(text).emergency, triage(text).signals


def test_a_persistent_state_is_not_negated_in_spanish() -> None:
    result = triage("mi hermano se mató en un accidente el año pasado y mi mamá no sale de la depresión")
    assert result.crisis, result.signals


def test_a_past_phrase_in_a_later_clause_dates_the_cause_not_a_body_state_told_as_under_way() -> None:
    result = triage("my friend is breathing only every ten seconds and we can't wake him, he used earlier")
    assert result.decision != "routine", result.signals
    result = triage("mi hermano está roncando bien raro y no reacciona, se tomó unas pastillas anoche")
    assert result.decision != "routine", result.signals


def test_a_past_phrase_in_a_later_clause_still_dates_an_act_that_is_not_a_body_state() -> None:
    result = triage(
        "two guys are pulling on door handles in our lot, it was around 2am last night, I have it on camera"
    )
    assert not result.emergency, result.signals


@pytest.mark.parametrize(
    "text",
    [
        "the man who collapsed at the bus stop was taken by ambulance an hour ago, that stop needs shade",
        "el señor que se desmayó en la parada ya se lo llevaron en la ambulancia, la parada no tiene sombra",
        "the fire at the vacant house was put out hours ago, the burned stuff is still in the yard",
        "I heard what sounded like gunshots, turned out it was fireworks",
        "oí como balazos pero eran cuetes",
        "I read about someone having a heart attack at the gym, does the city have AED locations",
    ],
)
def test_danger_in_care_put_out_explained_or_read_about_is_not_an_emergency(text: str) -> None:
    result = triage(text)
    assert not result.emergency, result.signals


def test_sin_and_without_negate_their_own_object_not_a_cue_further_on() -> None:
    result = triage("el viejito está en su patio sin camisa en pleno sol, ya no habla bien y anda tambaleándose")
    assert result.decision != "routine", result.signals
    assert not any(s.startswith("negated:") for s in result.signals), result.signals
    assert not triage("a car hit the light pole without anyone getting hurt").emergency
