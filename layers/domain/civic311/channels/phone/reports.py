"""The caller's report: what the problem is, and the request made of it with the best place to go."""

from __future__ import annotations

from civic311.channels.phone import speech
from civic311.channels.phone.call import MAX_ADDRESS, Answer, Call, PhoneContext
from civic311.channels.phone.household import SpokenHousehold, decode, parse
from civic311.channels.phone.household_questions import HOUSEHOLD_ASKED, NO_HOUSEHOLD, household_next
from civic311.channels.phone.referral import spoken_referral
from civic311.channels.phone.speech import say, speak
from civic311.models.cases import Channel, Contact, NewRequest, Place
from civic311.triage import triage

# The short menu the flow reads; anything else the caller says goes through triage.
MENU = {"1": "pothole", "2": "streetlight", "3": "graffiti", "4": "shelter", "5": "noise"}
_SPOKEN_DIGITS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5",
}  # fmt: skip
# Needs a caller can be sent to tonight: read the best place and offer to connect them.
REFERRED_GROUPS = ("social",)
SHELTER_CODE = "shelter"


def describe(call: Call, context: PhoneContext) -> Answer:
    """What the problem is: a menu key, or the caller's words run through triage."""
    language = call.language
    said = call.param("text")
    if not said:
        return {"result": "unclear", "reason": "missing-text"}
    key = _SPOKEN_DIGITS.get(said.lower().strip(" ."), said.strip(" ."))
    if key in MENU:
        code = MENU[key]
    else:
        found = triage(said, language)
        if found.emergency:
            return {"result": "emergency", "prompt": speak(say(language, "emergency"))}
        if found.service_code == "other" and not found.signals:
            return {"result": "unclear"}
        code = found.service_code
    service = context.catalog.get(code)
    answer = {
        "result": "ok",
        "service_code": code,
        "prompt": speak(say(language, "service", service=speech.text(service.name(language)))),
        "next": "details",
        "household": NO_HOUSEHOLD,
    }
    if code != SHELTER_CODE:
        return answer
    # "My daughter and I need a bed tonight" already says who: it is not asked again.
    return answer | household_next(parse(said, language), language)


def create(call: Call, context: PhoneContext) -> Answer:
    """Create the request (once per contact), read its number back, and offer the best place to go."""
    language = call.language
    code = call.param("service_code", 40) or "other"
    service = context.catalog.find(code)
    if service is None:
        return {"result": "invalid", "reason": "unknown-service-code"}
    point = call.point()
    label = call.param("label", MAX_ADDRESS)
    if point is None and not label:
        return {"result": "invalid", "reason": "no-location"}
    what = call.param("what")
    # A menu key says nothing a case worker can use; the caller's own words do.
    who_said = call.param("household_said")
    words = [
        part
        for part in (
            what if not _SPOKEN_DIGITS.get(what.lower(), what).isdigit() else "",
            f"{HOUSEHOLD_ASKED[language]}: {who_said}" if who_said else "",
            call.param("details"),
        )
        if part
    ]
    who = _household_of(call) if code == SHELTER_CODE else None
    receipt = context.intake.submit(
        NewRequest(
            service_code=code,
            place=Place(lat=point[0] if point else None, long=point[1] if point else None, address=label or None),
            description=". ".join(words) or None,
            attributes=who.answers() if who else {},
            contact=Contact(phone=call.caller) if call.caller else None,
            language=language,
            channel=Channel.PHONE,
            source=call.source,
            idempotency_key=f"{call.contact_id}:report",
        )
    )
    number = speech.digits(receipt.service_request_id)
    answer = {"result": "created", "request_id": receipt.service_request_id, "referral": "none"}
    if receipt.emergency:
        return answer | {"result": "emergency", "prompt": speak(say(language, "emergency"))}
    parts = [say(language, "receipt", number=number, notice=speech.text(receipt.service_notice or ""))]
    if receipt.decision == "review":
        # Triage could not call it either way: a call-taker takes the call now (the flow checks the hours), and
        # after hours the workflow sends it to 911 unless one reviews it in time. Danger never waits for either.
        parts.append(say(language, "review"))
        answer["result"] = "review"
    answer["number_prompt"] = speak(say(language, "number", number=number))
    if service.group in REFERRED_GROUPS:
        if point is None:
            parts.append(say(language, "no_referral"))
        else:
            referral, phone = spoken_referral(context, code, point, language, who)
            parts.append(referral)
            if phone:
                answer |= {
                    "referral": "offer",
                    "referral_phone": phone,
                    "referral_prompt": speak(say(language, "referral_offer")),
                }
    return answer | {"prompt": speak(*parts)}


def _household_of(call: Call) -> SpokenHousehold | None:
    return decode(call.param("household", 120))
