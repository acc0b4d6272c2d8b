"""A caller's own open requests read back: at the start of a call by caller ID, or one by its number."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from civic311.cases.visibility import Visibility, visibility_in
from civic311.channels.phone import speech
from civic311.channels.phone.call import Answer, Call, PhoneContext
from civic311.channels.phone.speech import Language, say, speak
from civic311.errors import DependencyUnavailable
from civic311.models.cases import ServiceRequest
from civic311.store.failures import AwsError

logger = Logger(child=True)


def start(call: Call, context: PhoneContext) -> Answer:
    """The prompts for the caller's language, and the status of their open requests if they have any."""
    language = call.language
    answer = {"result": "ok", "language": language, "repeat": "no"}
    for name in speech.STATIC_PROMPTS:
        answer[f"say_{name}"] = speak(say(language, name))
    if call.caller is None:
        return answer
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
