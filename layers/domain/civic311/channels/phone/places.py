"""Where the problem is: the caller's words found on the map and read back, outside the city, or kept as said."""

from __future__ import annotations

from civic311.channels.phone import speech
from civic311.channels.phone.call import MAX_ADDRESS, Answer, Call, PhoneContext, e164
from civic311.channels.phone.danger import is_emergency
from civic311.channels.phone.speech import Language, say, speak
from civic311.errors import InvalidInput
from civic311.geo.geocoder import Located
from civic311.geo.jurisdiction import jurisdictions


def locate(call: Call, context: PhoneContext) -> Answer:
    """Where the caller says the problem is: found and read back, outside the city, or not found."""
    language = call.language
    said = call.param("text")
    not_found = {"result": "not_found", "prompt": speak(say(language, "not_found"))}
    if not said:
        return not_found | {"reason": "missing-text"}
    if is_emergency(said, language):
        return {"result": "emergency", "prompt": speak(say(language, "emergency"))}
    try:
        located = context.geocoder.locate_text(said, language)
    except InvalidInput:
        return not_found | {"reason": "unsearchable"}
    if located is None:
        return not_found
    if located.jurisdiction.is_ours:
        label = located.label or said
        return {
            "result": "found",
            "lat": f"{located.lat:.6f}",
            "long": f"{located.long:.6f}",
            "label": label[:MAX_ADDRESS],
            "jurisdiction": located.jurisdiction.id,
            "prompt": speak(say(language, "found", place=speech.place(label, language))),
        }
    return _outside(located, said, language)


def _outside(located: Located, said: str, language: Language) -> Answer:
    ours = next(j.name for j in jurisdictions() if j.is_ours)
    place = located.jurisdiction
    answer = {"result": "outside", "jurisdiction": place.id, "offer": "no"}
    if place.kind == "outside":
        return answer | {"prompt": speak(say(language, "outside_area", ours=speech.text(ours)))}
    parts = [
        say(
            language,
            "outside",
            place=speech.place(located.label or said, language),
            name=speech.text(place.name),
            ours=speech.text(ours),
        )
    ]
    # A placeholder number must never be read out, let alone dialled.
    number = None if place.sample_contact else e164(place.phone)
    if number:
        parts.append(say(language, "outside_phone", phone=speech.phone_number(number)))
        answer |= {"offer": "yes", "transfer_number": number}
    elif place.url:
        parts.append(say(language, "outside_web", name=speech.text(place.name), site=speech.website(place.url)))
    return answer | {"prompt": speak(*parts)}


def accept_place(call: Call, context: PhoneContext) -> Answer:
    """After the last try, keep the caller's own words as the place; staff confirm it with them."""
    said = call.param("text", MAX_ADDRESS)
    if not said:
        return {"result": "not_found", "reason": "missing-text"}
    return {"result": "accepted", "label": said, "prompt": speak(say(call.language, "accepted"))}
