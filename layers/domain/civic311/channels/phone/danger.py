"""The danger path: the emergency screen, and the 911 alert when the caller pressed 9 or said someone is in danger.

Every step that hears the caller's own words screens them as intake does, before anything else.
"""

from __future__ import annotations

from civic311.channels.phone.call import MAX_ADDRESS, Answer, Call, PhoneContext
from civic311.channels.phone.speech import Language
from civic311.models.cases import Channel, Contact, NewRequest, Place
from civic311.triage import triage

SCREEN_KEYS = ("9", "nine", "nueve")
UNKNOWN_PLACE = "Not given: the caller asked for help on the 311 phone line before saying where."
EMERGENCY_DESCRIPTION = "Caller on the 311 phone line said someone is in danger right now."


def is_emergency(said: str, language: Language) -> bool:
    """True when triage pages 911 for what the caller said."""
    return triage(said, language).emergency


def screen(call: Call, context: PhoneContext) -> Answer:
    """Whatever the caller said at the emergency screen, checked for an emergency."""
    said = call.param("text")
    if not said:
        return {"result": "error", "reason": "missing-text"}
    # A key pressed while the bot listens reaches it as text; the screen asked for 9.
    if said.lower().strip(" .") in SCREEN_KEYS or is_emergency(said, call.language):
        return {"result": "emergency"}
    return {"result": "ok"}


def emergency(call: Call, context: PhoneContext) -> Answer:
    """The caller pressed 9 or said emergency: a request flagged for 911, so the alert goes out at once."""
    point = call.point()
    label = call.param("label", MAX_ADDRESS)
    said = call.param("text")
    receipt = context.intake.submit(
        NewRequest(
            service_code="other",
            place=Place(
                lat=point[0] if point else None,
                long=point[1] if point else None,
                address=label or (None if point else UNKNOWN_PLACE),
            ),
            description=EMERGENCY_DESCRIPTION + (f" They said: {said}" if said else ""),
            contact=Contact(phone=call.caller) if call.caller else None,
            language=call.language,
            channel=Channel.PHONE,
            source=call.source,
            idempotency_key=f"{call.contact_id}:emergency",
            declared_emergency=True,
        )
    )
    return {"result": "alerted", "request_id": receipt.service_request_id}
