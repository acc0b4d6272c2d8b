"""The shelter's household questions on the phone: who needs the place, and the age of someone alone.

The flow asks after a shelter need ('household' in the wiring's OPERATIONS); describe() asks nothing when the first
sentence already said who. The words are read in channels/phone/household.py.
"""

from __future__ import annotations

from civic311.channels.phone.call import Answer, Call
from civic311.channels.phone.danger import is_emergency
from civic311.channels.phone.household import SpokenHousehold, decode, parse, spoken_age
from civic311.channels.phone.speech import Language, say, speak
from civic311.directory.household import ADULT_AGE

# Connect attributes are kept non-empty: "none" is a household not yet known.
NO_HOUSEHOLD = "none"
# The household answer is kept and screened with its question: "me and my two kids" alone reads like distress.
HOUSEHOLD_ASKED = {"en": "Who needs a bed tonight", "es": "Quién necesita un lugar para dormir esta noche"}


def household(call: Call, _context: object) -> Answer:
    """Who needs the bed, from the caller's answer (or their age, at step 'age'), for the shelter referral.

    Every operation is handed the phone context; this one reads only what the caller said.
    """
    language = call.language
    said = call.param("text")
    known = decode(call.param("known", 120))
    age_step = call.param("step", 10) == "age"
    age = spoken_age(said) if said and age_step else None
    if said and age is None and is_emergency(f"{HOUSEHOLD_ASKED[language]}: {said}", language):
        return {"result": "emergency", "prompt": speak(say(language, "emergency"))}
    if age_step:
        if known is None or not known.alone or age is None:
            # Not understood: the caller is an adult (never assumed to be a child) and is referred as they are.
            return {"result": "ok", "next": "create", "household": known.encode() if known else NO_HOUSEHOLD}
        alone = SpokenHousehold(0, 1, (age,), age) if age < ADULT_AGE else SpokenHousehold(1, 0, (), age)
        return {"result": "ok", "next": "create", "household": alone.encode()}
    found = parse(said, language) if said else None
    if found is None:
        return {
            "result": "ok",
            "next": "household",
            "household": known.encode() if known else NO_HOUSEHOLD,
            "ask": speak(say(language, "household_again")),
        }
    return {"result": "ok"} | household_next(found, language)


def household_next(found: SpokenHousehold | None, language: Language) -> Answer:
    """What the flow asks next about the household: who (unknown), the lone caller's age, or nothing."""
    if found is None:
        return {"next": "household", "household": NO_HOUSEHOLD, "ask": speak(say(language, "household"))}
    if found.alone and found.age is None:
        return {"next": "age", "household": found.encode(), "ask": speak(say(language, "own_age"))}
    return {"next": "create", "household": found.encode()}
