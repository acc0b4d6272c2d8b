"""Mental-health distress goes to 988; intent with a plan or means also goes to 911."""

from __future__ import annotations

import pytest

from civic311.triage import triage
from civic311.triage.engine import TriageEngine
from civic311.triage.lexicon import load_rules

NOT_IMMINENT = [
    "I feel hopeless and I can't cope anymore, I just need someone to talk to",
    "sometimes I think everyone would be better off without me, but I have no plan",
    "my brother has schizophrenia and stopped taking his meds, he's not violent",
    "I keep having panic attacks at night",
    "estoy muy deprimida, ya no aguanto, pero no me voy a hacer nada",
    "mi hijo se está cortando los brazos, ahorita está en la escuela y está bien",
]

IMMINENT = [
    "I have my pills counted out and I'm going to take them all tonight",
    "my son locked himself in the bathroom with a knife and says he wants to die",
    "she's standing on the edge of the overpass and says she's going to jump",
    "I just swallowed a whole bottle of sleeping pills",
    "estoy en el puente y me voy a aventar",
    "mi esposo tiene una pistola y dice que se va a matar",
]


@pytest.mark.parametrize("text", NOT_IMMINENT)
def test_distress_without_plan_or_means_is_a_crisis_for_988_not_911(text: str) -> None:
    result = triage(text)
    decision = (result.crisis, result.emergency, result.service_code)
    assert decision == (True, False, "mental-health"), result.signals


@pytest.mark.parametrize("text", IMMINENT)
def test_suicide_with_plan_means_or_act_is_both_crisis_and_emergency(text: str) -> None:
    result = triage(text)
    decision = (result.crisis, result.emergency, result.service_code)
    assert decision == (True, True, "mental-health"), result.signals


def test_saying_you_are_not_suicidal_does_not_raise_a_crisis() -> None:
    result = triage("I'm not suicidal or anything, I just lost my apartment and need a bed tonight")
    assert (result.crisis, result.service_code) == (False, "shelter")


def test_a_support_group_question_is_mental_health_but_not_a_crisis() -> None:
    result = triage("where are the support groups for families of people in addiction recovery")
    assert (result.crisis, result.emergency, result.service_code) == (False, False, "mental-health")


@pytest.mark.xfail(
    strict=True,
    reason="since training on the retired sets, which label pills taken both ways, the model offers 988 here too; "
    "dispatch is still paged",
)
def test_an_accidental_overdose_is_an_emergency_without_a_crisis() -> None:
    result = triage("my roommate took too many of her back pain pills and won't stay awake")
    assert (result.emergency, result.crisis) == (True, False)


@pytest.mark.parametrize(
    "text",
    [
        "bestie is sobbing in the car saying she wants to disappear forever and she has her dads gun in her backpack",
        "my dad loaded his revolver and is sitting in his truck saying he's done",
        "my brother texted me goodbye and said he's at the top of the parking garage downtown",
        "mi hermano me mandó un mensaje despidiéndose y dice que tiene la pistola de mi papá",
        "my friend says he's going to step in front of a train at the crossing",
    ],
)
def test_passive_wishes_goodbyes_and_done_statements_with_a_means_are_imminent(text: str) -> None:
    result = triage(text)
    assert (result.emergency, result.crisis) == (True, True), result.signals


@pytest.mark.parametrize(
    "text",
    [
        "I keep having thoughts that everyone would be happier if I wasn't around, I don't have a plan",
        "a veces pienso que sería mejor no despertar, pero no tengo plan",
        "im so done w everything fr, not gonna do anything tho, just need to vent",
    ],
)
def test_passive_death_wishes_without_a_plan_are_a_crisis_not_911(text: str) -> None:
    result = triage(text)
    assert (result.emergency, result.crisis) == (False, True), result.signals


def test_suicidal_intent_with_a_time_ahead_is_imminent() -> None:
    result = triage("my 15 year old ran off after texting that she wants to die tonight")
    assert (result.emergency, result.crisis) == (True, True), result.signals


def test_present_self_harm_with_the_person_safe_now_is_not_imminent() -> None:
    result = triage("mi hija se está cortando los brazos, ahorita está en la escuela y está bien, necesitamos ayuda")
    assert (result.emergency, result.crisis) == (False, True), result.signals


@pytest.mark.parametrize(
    "text",
    [
        "I go to bed hoping I won't wake up, every night",
        "me acuesto pidiendo no despertar, todas las noches",
        "my dad keeps saying we'd be better off with the insurance money",
        "siento que soy una carga para todos, mi familia estaría más tranquila sin mí",
        "she's been saving up her sleeping pills and says nothing matters anymore",
        "mi papá dice que ya está listo para irse, no está enfermo",
    ],
)
def test_crisis_told_without_the_word_is_heard_by_the_rules(text: str) -> None:
    result = triage(text)
    assert result.crisis, result.signals
    assert "crisis-without-the-word" in result.signals or "suicidal-thoughts" in result.signals, result.signals


def test_nonsense_talk_in_a_medical_emergency_is_not_read_as_despair() -> None:
    result = triage("mi hijo es diabético y está temblando, diciendo cosas sin sentido")
    assert not result.crisis, result.signals


# Crisis under way with no word of suicide: the means, the place, the act. The rules alone must hear it (the
# model's share is measured, not relied on), in both languages.
IN_PROGRESS_WITHOUT_THE_WORD = [
    "my brother is sitting in his car in the garage with the door shut and the engine running",
    "mi papá está en el garaje con el carro encendido y la puerta cerrada, no me contesta",
    "my roommate already took a whole bottle of her pills and is lying down",
    "mi compañera ya se tomó todas sus pastillas y está acostada",
    "a guy is standing on the bridge over the wash looking down at the water for a long time",
    "un muchacho está parado en el puente viendo para abajo desde hace rato",
    "hay un señor parado del otro lado del barandal en el puente de la Grant",
]


@pytest.mark.parametrize("text", IN_PROGRESS_WITHOUT_THE_WORD)
def test_crisis_in_progress_without_the_word_is_crisis_and_emergency_in_both_languages(text: str) -> None:
    rules_alone = TriageEngine(load_rules()).triage(text)
    assert (rules_alone.crisis, rules_alone.decision) == (True, "emergency"), rules_alone.signals
    result = triage(text)
    assert (result.crisis, result.decision) == (True, "emergency"), result.signals
