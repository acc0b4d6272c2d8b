"""The phone line's operations: what the Amazon Connect contact flow asks ConnectFunction, answered flat.

Every answer is a flat map of strings (keys of letters, digits, '-' and '_'), well under Connect's 32 KB,
with `result` for the flow to branch on. Nothing raises: a missing or unknown parameter, or a service
that failed, is an answer too (`result=error` with a `reason`), so the flow always has a branch to take.

Domain modules are imported inside the operations that use them: Connect waits on the first invocation
of a cold function, and each operation loads only what it needs.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from civic311.channels.phone import speech
from civic311.channels.phone.call import Answer, Call
from civic311.channels.phone.household_questions import HOUSEHOLD_ASKED, NO_HOUSEHOLD, household, household_next
from civic311.channels.phone.speech import Language, say, speak

if TYPE_CHECKING:
    from civic311.cases.intake import Intake
    from civic311.cases.models import ServiceRequest
    from civic311.catalog import Catalog
    from civic311.channels.phone.household import SpokenHousehold
    from civic311.geo.geocoder import Geocoder, Located
    from civic311.settings import ConnectSettings
    from civic311.store.directory import DirectoryStore
    from civic311.store.requests import RequestStore

logger = Logger(child=True)

MAX_ANSWER_BYTES = 32 * 1024
MAX_ADDRESS = 300
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
# The short menu the flow reads; anything else the caller says goes through triage.
MENU = {"1": "pothole", "2": "streetlight", "3": "graffiti", "4": "shelter", "5": "noise"}
_SPOKEN_DIGITS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5",
}  # fmt: skip
SCREEN_KEYS = ("9", "nine", "nueve")
# Needs a caller can be sent to tonight: read the best place and offer to connect them.
REFERRED_GROUPS = ("social",)
UNKNOWN_PLACE = "Not given: the caller asked for help on the 311 phone line before saying where."
EMERGENCY_DESCRIPTION = "Caller on the 311 phone line said someone is in danger right now."
SHELTER_CODE = "shelter"


class PhoneContext:
    """What the operations need, built on first use so a cold start loads only what a call asks for."""

    def __init__(self, settings: Callable[[], ConnectSettings] | None = None) -> None:
        self._settings_factory = settings

    @cached_property
    def settings(self) -> ConnectSettings:
        if self._settings_factory is not None:
            return self._settings_factory()
        from civic311.settings import ConnectSettings

        return ConnectSettings.from_environment()

    @cached_property
    def catalog(self) -> Catalog:
        from civic311.catalog import load_catalog

        return load_catalog()

    @cached_property
    def requests(self) -> RequestStore:
        from civic311.store.callers import CallerKeys
        from civic311.store.contacts import ContactSeal
        from civic311.store.requests import RequestStore

        settings = self.settings
        return RequestStore(
            settings.service_requests_table,
            settings.contact_retention_days,
            CallerKeys(settings.caller_key_id),
            ContactSeal(settings.contact_key_id),
        )

    @cached_property
    def intake(self) -> Intake:
        from civic311.cases.intake import Intake

        return Intake.for_channel(self.catalog, self.requests, self.settings)

    @cached_property
    def geocoder(self) -> Geocoder:
        from civic311.geo.geocoder import Geocoder

        return Geocoder(self.settings.place_index_name)

    @cached_property
    def directory(self) -> DirectoryStore:
        from civic311.store.directory import DirectoryStore

        return DirectoryStore(self.settings.directory_table, self.settings.directory_cache_seconds)


def e164(number: str | None) -> str | None:
    """A phone number in E.164, or None if it is not one (withheld callers arrive as 'anonymous')."""
    if not number:
        return None
    digits = re.sub(r"\D", "", number)
    if len(digits) == 10:
        digits = "1" + digits
    return "+" + digits if 11 <= len(digits) <= 15 else None


def parse(event: Mapping[str, Any]) -> Call:
    """The call as ConnectContactFlowEvent describes it; raises ValueError if it is not one."""
    from aws_lambda_powertools.utilities.data_classes.connect_contact_flow_event import ConnectContactFlowEvent

    flow_event = ConnectContactFlowEvent(dict(event))
    data = flow_event.contact_data
    if not data.get("ContactId"):
        raise ValueError("no ContactId")
    # Read optional keys with get(): the data class raises KeyError on absent endpoints.
    endpoint = data.get("CustomerEndpoint") or {}
    caller = e164(endpoint.get("Address")) if endpoint.get("Type") in (None, "TELEPHONE_NUMBER") else None
    attributes = data.get("Attributes") or {}
    chosen = str(attributes.get("language") or data.get("LanguageCode") or "en")[:2].lower()
    parameters = (flow_event.get("Details") or {}).get("Parameters") or {}
    return Call(
        contact_id=str(data["ContactId"]),
        instance_arn=str(data.get("InstanceARN") or ""),
        caller=caller,
        language="es" if chosen == "es" else "en",
        parameters={str(key): value for key, value in parameters.items() if isinstance(value, str)},
    )


def answer(event: Mapping[str, Any], context: PhoneContext) -> Answer:
    """Run the operation the flow names in the `operation` parameter; always a flat string map."""
    try:
        call = parse(event)
    except (ValueError, KeyError, TypeError, AttributeError):
        return {"result": "error", "reason": "not-a-contact-flow-event"}
    name = call.param("operation", 40)
    operation = OPERATIONS.get(name)
    if operation is None:
        return {"result": "error", "reason": "unknown-operation" if name else "missing-operation"}
    try:
        return flat(operation(call, context))
    except Exception as error:
        answer = _failed(call, name, error)
        if name == "emergency" and answer["result"] == "error":
            # The flow raises the alert asynchronously and nobody reads this answer: failing the invocation
            # lets Lambda retry it (the contact's idempotency key makes that safe), then dead-letter it.
            raise
        return answer


def _failed(call: Call, operation: str, error: Exception) -> Answer:
    from civic311.errors import DependencyUnavailable, InvalidInput

    if isinstance(error, InvalidInput):
        return {"result": "invalid", "reason": "invalid-input"}
    # Type and place only: messages can carry what the caller said or their number.
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    logger.error(
        "phone operation failed",
        extra={
            "operation": operation,
            "contact_id": call.contact_id,
            "error_type": type(error).__name__,
            "where": f"{frame.filename.rpartition('/')[2]}:{frame.lineno}" if frame else None,
        },
    )
    reason = "dependency-unavailable" if isinstance(error, DependencyUnavailable) else "internal"
    return {"result": "error", "reason": reason}


def flat(values: Mapping[str, str]) -> Answer:
    """Check an answer is what Connect accepts: string keys of [A-Za-z0-9_-], string values, under 32 KB."""
    checked: Answer = {}
    for key, value in values.items():
        if not _KEY.match(key):
            raise ValueError(f"answer key {key!r} is not letters, digits, '-' and '_'")
        checked[key] = str(value)
    if len(json.dumps(checked, ensure_ascii=False).encode("utf-8")) >= MAX_ANSWER_BYTES:
        raise ValueError("answer is over Connect's 32 KB")
    return checked


# ---------------------------------------------------------------------------------------------- operations


def start(call: Call, context: PhoneContext) -> Answer:
    """The prompts for the caller's language, and the status of their open requests if they have any."""
    language = call.language
    answer = {"result": "ok", "language": language, "repeat": "no"}
    for name in speech.STATIC_PROMPTS:
        answer[f"say_{name}"] = speak(say(language, name))
    if call.caller is None:
        return answer
    from civic311.cases.visibility import Visibility, visibility_in
    from civic311.errors import DependencyUnavailable
    from civic311.store.failures import AwsError

    try:
        # 911 has the emergencies; the status read here is for what 311 is working on. A caller ID can be spoofed,
        # so by number alone only city-service reports are read back: a shelter need, a crisis or a police matter
        # only once the caller keys in its request number (check_status), as a call-taker would ask for it.
        open_requests = [
            r
            for r in context.requests.open_for_caller(call.caller)
            if r.alert is None and visibility_in(context.catalog, r) != Visibility.PRIVATE
        ]
    except (DependencyUnavailable, *AwsError) as error:
        # Their status is a courtesy; the report they are calling to make must not wait on it.
        logger.warning("repeat-caller lookup failed", extra={"error_type": type(error).__name__})
        return answer
    if not open_requests:
        return answer
    count = (
        say(language, "one_request")
        if len(open_requests) == 1
        else say(language, "requests", n=str(len(open_requests)))
    )
    lines = [say(language, "welcome_back", count=count)]
    lines += [_status_line(request, context, language) for request in open_requests]
    lines.append(say(language, "status_choice"))
    return answer | {"repeat": "yes", "open_requests": str(len(open_requests)), "status": speak(*lines)}


def _status_line(request: ServiceRequest, context: PhoneContext, language: Language) -> str:
    service = context.catalog.find(request.service_code)
    note = speech.first_sentence(request.status_notes) if request.status_notes else say(language, "status_open")
    return say(
        language,
        "status_line",
        number=speech.digits(request.service_request_id),
        service=speech.text(service.name(language) if service else request.service_code),
        date=speech.date(request.requested_at, language),
        note=note,
    )


def check_status(call: Call, context: PhoneContext) -> Answer:
    """One of the caller's own open requests, any kind, once they key in its number: the number and the caller
    ID together, as a call-taker would take the reference number read to the caller when they reported it."""
    language = call.language
    number = "".join(ch for ch in call.param("request_number", 40) if ch.isdigit())
    choice = say(language, "status_choice")
    if call.caller is None or not number:
        return {"result": "not-found", "status": speak(say(language, "not_yours"), choice)}
    mine = [r for r in context.requests.open_for_caller(call.caller, limit=20) if r.service_request_id == number]
    if not mine:
        return {"result": "not-found", "status": speak(say(language, "not_yours"), choice)}
    return {"result": "ok", "status": speak(_status_line(mine[0], context, language), choice)}


def screen(call: Call, context: PhoneContext) -> Answer:
    """Whatever the caller said at the emergency screen, checked for an emergency."""
    said = call.param("text")
    if not said:
        return {"result": "error", "reason": "missing-text"}
    # A key pressed while the bot listens reaches it as text; the screen asked for 9.
    if said.lower().strip(" .") in SCREEN_KEYS or _is_emergency(said, call.language):
        return {"result": "emergency"}
    return {"result": "ok"}


def locate(call: Call, context: PhoneContext) -> Answer:
    """Where the caller says the problem is: found and read back, outside the city, or not found."""
    language = call.language
    said = call.param("text")
    not_found = {"result": "not_found", "prompt": speak(say(language, "not_found"))}
    if not said:
        return not_found | {"reason": "missing-text"}
    if _is_emergency(said, language):
        return {"result": "emergency", "prompt": speak(say(language, "emergency"))}
    from civic311.errors import InvalidInput

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
    from civic311.geo.jurisdiction import jurisdictions

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
        from civic311.triage import triage

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
    from civic311.channels.phone.household import parse

    # "My daughter and I need a bed tonight" already says who: it is not asked again.
    return answer | household_next(parse(said, language), language)


def create(call: Call, context: PhoneContext) -> Answer:
    """Create the request (once per contact), read its number back, and offer the best place to go."""
    from civic311.cases.models import Channel, Contact, NewRequest, Place

    language = call.language
    code = call.param("service_code", 40) or "other"
    service = context.catalog.find(code)
    if service is None:
        return {"result": "invalid", "reason": "unknown-service-code"}
    point = _point(call)
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
            referral, phone = _referral(context, code, point, language, who)
            parts.append(referral)
            if phone:
                answer |= {
                    "referral": "offer",
                    "referral_phone": phone,
                    "referral_prompt": speak(say(language, "referral_offer")),
                }
    return answer | {"prompt": speak(*parts)}


def _household_of(call: Call) -> SpokenHousehold | None:
    from civic311.channels.phone.household import decode

    return decode(call.param("household", 120))


def _referral(
    context: PhoneContext,
    code: str,
    point: tuple[float, float],
    language: Language,
    who: SpokenHousehold | None = None,
) -> tuple[str, str | None]:
    """The best place for the need (that takes the whole household), as words, and its number if it can be dialled."""
    from civic311.directory.household import Household
    from civic311.directory.referral_models import ReferralQuery
    from civic311.directory.referrals import refer
    from civic311.errors import Civic311Error
    from civic311.store.failures import AwsError

    household = None
    if who is not None:
        household = Household(adults=who.adults, children=who.children, children_ages=list(who.children_ages))
    query = ReferralQuery(
        service_code=code,
        lat=point[0],
        long=point[1],
        language=language,
        age=who.age if who else None,
        household=household,
    )
    try:
        # The workflow attaches referrals to the request and records unmet needs; this is only what to say.
        found = refer(query, context.directory)
    except (Civic311Error, *AwsError) as error:
        logger.warning("referral for the caller failed", extra={"error_type": type(error).__name__})
        return say(language, "no_referral"), None
    if not found.referrals:
        return say(language, "no_referral"), None
    best = found.referrals[0]
    if best.open_now:
        when = say(language, "open_now")
    elif best.opens_at:
        from civic311 import clock

        day, time = speech.day_and_time(clock.parse_client_datetime(best.opens_at), language)
        when = say(language, "opens", day=day, time=time)
    else:
        when = ""
    words = say(
        language,
        "referral",
        organization=speech.text(best.organization),
        name=speech.text(best.name),
        when=when,
        hours=speech.hours(best.hours, language),
    )
    phone = e164(best.phone)
    if phone:
        words += " " + say(language, "referral_phone", phone=speech.phone_number(phone))
    return words, phone


def emergency(call: Call, context: PhoneContext) -> Answer:
    """The caller pressed 9 or said emergency: a request flagged for 911, so the alert goes out at once."""
    from civic311.cases.models import Channel, Contact, NewRequest, Place

    point = _point(call)
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


def _point(call: Call) -> tuple[float, float] | None:
    try:
        lat, long = float(call.param("lat", 20)), float(call.param("long", 20))
    except ValueError:
        return None
    return (lat, long) if -90 <= lat <= 90 and -180 <= long <= 180 else None


def _is_emergency(said: str, language: Language) -> bool:
    from civic311.triage import triage

    return triage(said, language).emergency


OPERATIONS: dict[str, Callable[[Call, PhoneContext], Answer]] = {
    "start": start,
    "screen": screen,
    "locate": locate,
    "accept_place": accept_place,
    "describe": describe,
    "household": household,
    "create": create,
    "emergency": emergency,
    "check_status": check_status,
}
