"""Three answers: page dispatch, a call-taker's review, or routine; and crisis told without the word."""

from __future__ import annotations

from functools import cache

import pytest

from civic311.triage import triage
from civic311.triage.engine import TriageEngine
from civic311.triage.lexicon import load_rules


@cache
def _rules_only() -> TriageEngine:
    return TriageEngine(load_rules())


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("The man on the bench has pinpoint pupils, there's a needle next to him.", "signs-of-overdose"),
        ("El señor de la banca tiene las pupilas chiquitas y hay una jeringa a un lado.", "signs-of-overdose"),
        ("Mi abuelo es diabético y parece borracho pero no toma.", "signs-of-diabetic-emergency"),
        ("A lady at the bus stop is slumped over on the bench.", "signs-of-collapse"),
    ],
)
def test_signs_told_without_a_word_of_danger_go_to_a_call_taker(text: str, sign: str) -> None:
    result = _rules_only().triage(text)
    assert (result.decision, result.emergency) == ("review", False), result.signals
    assert f"review:{sign}" in result.signals


@pytest.mark.parametrize(
    "text",
    [
        "The man on the bench has pinpoint pupils, there's a needle next to him.",
        "Mi hijo es diabético y está tembloroso, sudando y confundido.",
        "Quick question about trash day, my dad's face is drooping on one side and his words come out wrong.",
    ],
)
def test_with_the_model_signs_are_never_left_routine(text: str) -> None:
    assert triage(text).decision != "routine"


def test_a_sign_that_is_over_stays_routine() -> None:
    result = _rules_only().triage("Last year my dad had slurred speech after his stroke; we need a ride to therapy.")
    assert result.decision == "routine", result.signals


@pytest.mark.parametrize(
    "text",
    [
        "The roof of the empty shed collapsed. Nobody was hurt.",
        "Se cayó el techo del cuarto vacío. Nadie salió herido.",
    ],
)
def test_an_emergency_pattern_next_to_a_denial_of_harm_goes_to_review_not_dispatch(text: str) -> None:
    result = _rules_only().triage(text)
    assert (result.decision, result.emergency) == ("review", False)
    assert "review:emergency-with-denial" in result.signals


@pytest.mark.parametrize(
    "text",
    [
        "The power line came down Tuesday but the crew already capped the wires.",
        "We can't afford propane this winter, is there help?",
        "No nos alcanza para el propano este invierno, ¿hay ayuda?",
        "Un camión le pegó al poste de la luz, nadie se lastimó.",
        "Sometime Saturday someone broke into my shed and took my tools.",
    ],
)
def test_what_is_over_or_out_of_context_pages_nobody(text: str) -> None:
    assert not triage(text).emergency


@pytest.mark.parametrize(
    "text",
    [
        "My brother is sitting in his car in the closed garage with the engine running.",
        "Mi hermano está en su carro en la cochera cerrada con el motor prendido.",
        "She already swallowed the whole bottle of her pills.",
        "Ya se tomó todo el frasco de pastillas.",
        "There's a man standing on the outside of the railing on the overpass.",
        "Hay un hombre del otro lado del barandal del puente.",
    ],
)
def test_a_crisis_in_progress_without_the_word_is_crisis_and_emergency_together(text: str) -> None:
    for result in (_rules_only().triage(text), triage(text)):
        assert (result.crisis, result.emergency, result.decision) == (True, True, "emergency"), result.signals
        assert result.service_code == "mental-health"


def test_warming_a_car_in_the_garage_every_morning_is_no_crisis() -> None:
    result = triage(
        "My neighbor warms up his car in the garage every morning with the engine running, the fumes smell."
    )
    assert not result.crisis
    assert not result.emergency
