"""Scary words without present danger stay calm; real danger escalates, in English and Spanish."""

from __future__ import annotations

import pytest

from civic311.triage import triage

NOT_EMERGENCIES = [
    ("the fire hydrant is leaking on our corner", "water-leak"),
    ("my neighbor's music is killing me, it's 2am", "noise"),
    ("someone stole my bike last week from the rack", "property-crime-report"),
    ("there was a fire here last month, the burned house is still boarded up", "other"),
    ("a dead dog on the road by the school", "animal"),
    ("the streetlight out front keeps flickering", "streetlight"),
    ("I'm dying to know when the pothole on Kolb gets fixed", "pothole"),
    ("we were shooting hoops at the park and the court lights are out", "streetlight"),
    ("drug needles in the park by the playground", "illegal-dumping"),
    ("he was bleeding last week but he's fine now, we need groceries", "food"),
    ("fender bender at the light, no one is hurt, just blocking a lane", "traffic-parking"),
    ("nobody is breathing down my neck, I just need help with the electric bill", "vouchers"),
    ("can I get some help with the water bill this month", "vouchers"),
    ("my stepdad kicked me and my brother out, we need a shelter bed", "shelter"),
    ("hay un perro muerto en la calle", "animal"),
    ("ayer me robaron la bicicleta, ya no hay nadie", "property-crime-report"),
    ("hubo un choque la semana pasada, nadie salió herido, el semáforo sigue apagado", "traffic-parking"),
    ("no hay heridos, solo un bache enorme en la calle", "pothole"),
    ("hace dos días se metieron a mi carro y se llevaron mis herramientas", "property-crime-report"),
    ("el vecino tiene la música tan fuerte que me está matando", "noise"),
]

EMERGENCIES = [
    "my dad is not breathing",
    "she collapsed in the kitchen and is unconscious",
    "my husband has chest pain and his left arm is numb",
    "her face is drooping on one side and her speech is slurred",
    "there's a lot of blood, he cut his leg and it won't stop bleeding",
    "my friend overdosed and he's turning blue",
    "the baby is choking on a grape",
    "my son is having a seizure right now",
    "smoke is pouring out of the apartment next door",
    "I smell gas really strong in the hallway",
    "car crash on Speedway, the driver is trapped and bleeding",
    "a man is waving a gun at people at the bus stop",
    "someone is breaking into my house right now",
    "a pit bull is attacking a kid on our street",
    "I have a rope ready and I'm going to kill myself tonight",
    "the power line came down and it's sparking on the sidewalk",
    "there's a toddler locked in a hot car in the parking lot",
    "a kid fell in the pool and isn't breathing",
    "mi papá se cayó y no responde",
    "huele a gas en toda la casa",
    "está echando chispas el cable de la luz",
    "alguien está tratando de meterse a mi casa ahorita",
    "un hombre con una pistola está amenazando a la gente",
    "mi mamá tiene dolor en el pecho y no puede respirar",
    "hay humo saliendo del techo de la casa de al lado",
    "se está ahogando un niño en la alberca",
]


@pytest.mark.parametrize(("text", "code"), NOT_EMERGENCIES)
def test_scary_words_without_present_danger_are_not_emergencies(text: str, code: str) -> None:
    result = triage(text)
    assert not result.emergency, result.signals
    assert result.service_code == code, result.signals


@pytest.mark.parametrize("text", EMERGENCIES)
def test_present_danger_is_an_emergency(text: str) -> None:
    assert triage(text).emergency


def test_fire_hydrant_leak_is_not_an_emergency() -> None:
    result = triage("The fire hydrant is leaking on the corner of Euclid and 6th")
    assert (result.emergency, result.service_code) == (False, "water-leak")


def test_sparking_streetlight_is_an_emergency_but_flickering_is_not() -> None:
    assert triage("the streetlight on my corner is sparking").emergency
    assert not triage("the streetlight on my corner is flickering").emergency


def test_dead_animal_is_animal_care_not_911() -> None:
    result = triage("dead coyote in the road, looks like it got hit by a car")
    assert (result.emergency, result.service_code) == (False, "animal")


def test_crash_is_only_an_emergency_when_someone_is_hurt() -> None:
    assert not triage("minor crash at Grant and Swan, nobody is hurt").emergency
    assert triage("crash at Grant and Swan, a woman is hurt and can't get out").emergency


def test_break_in_in_progress_is_an_emergency_but_a_finished_one_is_a_report() -> None:
    now = triage("somebody broke in and is still inside my house right now")
    later = triage("somebody broke into my garage while we were away, they're long gone, need a report")
    assert now.emergency
    assert now.service_code == "suspicious-activity"
    assert (later.emergency, later.service_code) == (False, "property-crime-report")


def test_emergency_service_code_is_the_best_fit() -> None:
    assert triage("a dog is mauling a man and won't let go").service_code == "animal"
    assert triage("car flipped on Oracle, the driver isn't moving").service_code == "traffic-parking"
    assert triage("a man with a knife is threatening my neighbor").service_code == "other"


@pytest.mark.parametrize("text", ["help", "HELP PLEASE", "auxilio", "hay sangre", "someone hurt bad"])
def test_a_terse_call_for_help_escalates(text: str) -> None:
    assert triage(text).emergency, triage(text).signals


@pytest.mark.parametrize(
    ("text", "code"), [("help with rent", "vouchers"), ("pothole", "pothole"), ("need food", "food")]
)
def test_a_terse_request_for_a_service_does_not(text: str, code: str) -> None:
    result = triage(text)
    assert (result.emergency, result.service_code) == (False, code), result.signals


@pytest.mark.parametrize(
    "text",
    [
        "the trench they were digging caved in and a worker is buried up to his chest",
        "scaffolding came down at the site, two workers underneath it",
        "se derrumbó la zanja y hay un trabajador enterrado",
    ],
)
def test_people_under_a_collapse_escalate(text: str) -> None:
    assert triage(text).emergency


def test_a_property_crime_under_way_escalates_but_a_discovered_one_is_a_report() -> None:
    now = triage("some guy is slashing tires in the student lot rn, I'm watching him")
    later = triage("someone slashed all four of my tires last night")
    assert (now.emergency, now.service_code) == (True, "suspicious-activity"), now.signals
    assert (later.emergency, later.service_code) == (False, "property-crime-report"), later.signals


def test_a_bite_with_a_body_wide_reaction_escalates_but_local_swelling_does_not() -> None:
    assert triage("something bit me in the woodpile and now I'm getting lightheaded").emergency
    assert not triage("a bee stung my arm yesterday and it's a little swollen").emergency


def test_heat_stroke_signs_escalate_without_the_words_heat_stroke() -> None:
    assert triage("man at the bus stop in full sun, he's not sweating, kinda babbling, skin red hot").emergency


@pytest.mark.parametrize(
    "text",
    [
        "the man in the store he have a knife and take the money, he is still here",
        "my son he eat the pills of the grandmother, maybe 10, he is 3 years",
        "Please, my husband he fall from the ladder, he cannot move the legs",
    ],
)
def test_non_native_english_still_escalates(text: str) -> None:
    assert triage(text).emergency, triage(text).signals


def test_two_serious_signs_together_escalate_without_a_named_condition() -> None:
    result = triage("my dad says it's just indigestion but he's sweating buckets and his face is gray")
    assert result.emergency, result.signals


def test_the_same_signs_in_a_long_standing_condition_asking_for_a_service_do_not() -> None:
    result = triage("my mom can't walk and is in pain from arthritis, is there a program with rides to her appointment")
    assert not result.emergency, result.signals


def test_a_grey_car_is_not_a_grey_face() -> None:
    assert "risk:risk-severe-sign" not in triage("un carro gris lleva semanas estacionado frente al parque").signals


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "a van parks across from the school every afternoon and a man sits inside watching the kids",
            "suspicious-activity",
        ),
        (
            "una van blanca se estaciona enfrente de la escuela y un señor se queda adentro mirando a los niños",
            "suspicious-activity",
        ),
        ("some people have been going through mailboxes on our block early in the morning", "suspicious-activity"),
        (
            "un carro oscuro se queda parado enfrente de mi casa con el motor apagado, horas sentado ahí",
            "suspicious-activity",
        ),
        ("a broken fridge and a washing machine were dropped off in the alley behind my house", "illegal-dumping"),
        ("alguien aventó como veinte bolsas de ramas en el terreno junto a la iglesia", "illegal-dumping"),
        ("an older man has been living in his truck behind the library for a few weeks", "homeless-outreach"),
        ("a mi hermana la corrieron y está durmiendo en el carro, dónde se puede quedar", "shelter"),
        ("there was an overdose at the park on Sunday, can the city put better lighting there", "streetlight"),
        ("my neighbor idles his truck in the driveway every morning to warm it up", "noise"),
    ],
)
def test_a_code_is_read_from_what_is_seen_when_its_name_is_never_said(text: str, code: str) -> None:
    result = triage(text)
    assert not result.emergency, result.signals
    assert result.service_code == code, result.signals
