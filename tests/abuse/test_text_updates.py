"""Texts go only where they can be trusted: allowed countries, confirmed numbers, never after STOP, and only the
number's owner can stop them through the API."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from civic311.store.api_clients import ApiClientStore
from tests.support import InProcessStack, api_event, form

API_KEY = "text-updates-abuse-key-0123456789abcdef"


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register("text-abuse", "Text abuse tests", API_KEY)


def texts_to(number: str) -> list[str]:
    return [text for to, text in sns_backends[DEFAULT_ACCOUNT_ID]["us-west-2"].sms_messages.values() if to == number]


def open311(stack: InProcessStack, path: str, token: str | None = None, **fields: str) -> dict[str, Any]:
    """POST an Open311 form (with the resident's tracking secret as X-Request-Token, if given)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"} | ({"X-Request-Token": token} if token else {})
    event = api_event("POST", f"/open311/v2/{path}.json", body=form({"api_key": API_KEY} | fields), headers=headers)
    return stack.call("Open311Function", event)


def report(stack: InProcessStack, phone: str, notify: str = "true") -> dict[str, Any]:
    return open311(
        stack, "requests", service_code="pothole", lat="32.2216", long="-110.9262", phone=phone, notify=notify
    )


def notify(stack: InProcessStack, request_id: str, note: str = "Crew assigned.") -> str:
    """Give the request a status note and run the workflow's notify step; returns what it sent."""
    workflow = stack.function("WorkflowFunction")
    stack.runtime.invoke(workflow, {"step": "assigned", "service_request_id": request_id})
    answer = stack.call("WorkflowFunction", {"step": "notify", "service_request_id": request_id})
    return str(answer["sent"])


def request_id(answer: dict[str, Any]) -> str:
    assert answer["statusCode"] == 200, answer["body"]
    return str(json.loads(answer["body"])[0]["service_request_id"])


def test_a_number_outside_the_allowed_countries_is_refused_with_a_clear_400(stack: InProcessStack) -> None:
    answer = report(stack, "+882 1600 0000 00")

    assert answer["statusCode"] == 400
    [error] = json.loads(answer["body"])
    assert "text updates can only go to numbers in +1, +52" in error["description"]
    assert texts_to("+8821600000000") == []


def test_a_mexican_number_may_ask_for_texts(stack: InProcessStack) -> None:
    assert notify(stack, request_id(report(stack, "+52 55 1234 5678"))) == "sms-code"


def test_an_unconfirmed_number_gets_one_code_and_never_an_update(stack: InProcessStack) -> None:
    first = request_id(report(stack, "520-555-0181"))
    second = request_id(report(stack, "520-555-0181"))

    assert notify(stack, first) == "sms-code"
    assert notify(stack, first, "Crew on the way.") == "sms-unconfirmed"
    assert notify(stack, second) == "sms-unconfirmed"
    [only] = texts_to("+15205550181")
    assert first not in only
    assert "your code is" in only


def test_a_confirmed_number_gets_updates_after_its_code_comes_back(stack: InProcessStack) -> None:
    reported = request_id(report(stack, "520-555-0182"))
    assert notify(stack, reported) == "sms-code"
    found = re.search(r"\b(\d{6})\b", texts_to("+15205550182")[0])
    assert found is not None

    wrong = f"{(int(found.group(1)) + 1) % 1_000_000:06d}"
    refused = open311(stack, "phone_confirmations", phone="520-555-0182", code=wrong)
    assert refused["statusCode"] == 400
    assert "not the code we texted" in refused["body"]
    confirmed = open311(stack, "phone_confirmations", phone="520-555-0182", code=found.group(1))
    assert confirmed["statusCode"] == 200
    assert json.loads(confirmed["body"]) == {"confirmed": True, "opted_out": False}

    assert notify(stack, reported) == "sms"
    assert reported in texts_to("+15205550182")[-1]


def test_guessing_codes_stops_after_five_tries(stack: InProcessStack) -> None:
    assert notify(stack, request_id(report(stack, "520-555-0183"))) == "sms-code"
    real = re.search(r"\b(\d{6})\b", texts_to("+15205550183")[0])
    assert real is not None
    guesses = [f"{n:06d}" for n in range(6) if f"{n:06d}" != real.group(1)][:5]
    for guess in guesses:
        assert open311(stack, "phone_confirmations", phone="520-555-0183", code=guess)["statusCode"] == 400

    locked = open311(stack, "phone_confirmations", phone="520-555-0183", code=real.group(1))

    assert locked["statusCode"] == 429
    assert "Retry-After" in (locked.get("headers") or {}) | (locked.get("multiValueHeaders") or {})


def receipt(answer: dict[str, Any]) -> tuple[str, str]:
    """(service_request_id, tracking secret) of a new request's answer."""
    assert answer["statusCode"] == 200, answer["body"]
    posted = json.loads(answer["body"])[0]
    return str(posted["service_request_id"]), str(posted["token"])


def code_texted_to(number: str) -> str:
    found = re.search(r"\b(\d{6})\b", texts_to(number)[0])
    assert found is not None
    return found.group(1)


def test_a_stop_reply_is_honoured_with_no_proof(stack: InProcessStack) -> None:
    # moto's SNS lists numbers ending in 99 as having replied STOP.
    assert notify(stack, request_id(report(stack, "520-555-0199"))) == "sms-opted-out"
    assert texts_to("+15205550199") == []


def test_opting_a_number_out_without_proof_is_a_403_and_its_texts_go_on(stack: InProcessStack) -> None:
    reported = request_id(report(stack, "520-555-0185"))
    assert notify(stack, reported) == "sms-code"

    refused = open311(stack, "phone_opt_outs", phone="520-555-0185")

    assert refused["statusCode"] == 403
    assert "needs proof that it is yours" in refused["body"]
    assert "reply STOP" in refused["body"]
    assert (
        open311(stack, "phone_confirmations", phone="520-555-0185", code=code_texted_to("+15205550185"))["statusCode"]
        == 200
    )
    assert notify(stack, reported) == "sms"


def test_the_code_texted_to_a_number_proves_it_and_opts_it_out(stack: InProcessStack) -> None:
    assert notify(stack, request_id(report(stack, "520-555-0184"))) == "sms-code"
    code = code_texted_to("+15205550184")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert open311(stack, "phone_opt_outs", phone="520-555-0184", code=wrong)["statusCode"] == 400

    stopped = open311(stack, "phone_opt_outs", phone="520-555-0184", code=code)

    assert stopped["statusCode"] == 200
    assert json.loads(stopped["body"]) == {"confirmed": False, "opted_out": True}
    assert notify(stack, request_id(report(stack, "520-555-0184"))) == "sms-opted-out"
    assert len(texts_to("+15205550184")) == 1


def test_a_requests_tracking_secret_stops_every_text_to_its_number_at_once(stack: InProcessStack) -> None:
    first, secret = receipt(report(stack, "520-555-0186"))
    assert notify(stack, first) == "sms-code"
    open311(stack, "phone_confirmations", phone="520-555-0186", code=code_texted_to("+15205550186"))
    assert notify(stack, first) == "sms"
    second = request_id(report(stack, "520-555-0186"))

    stopped = open311(stack, "phone_opt_outs", token=secret, service_request_id=first)

    assert stopped["statusCode"] == 200
    # The other request's updates stop too: the number is opted out, not just the request.
    assert notify(stack, second) == "sms-opted-out"
    assert notify(stack, first, "Crew on the way.") == "sms-opted-out"
    assert len(texts_to("+15205550186")) == 2


def test_a_request_stopped_before_its_first_text_never_texts_its_number(stack: InProcessStack) -> None:
    reported, secret = receipt(report(stack, "520-555-0187"))

    assert open311(stack, "phone_opt_outs", token=secret, service_request_id=reported)["statusCode"] == 200

    assert notify(stack, reported) == "sms-opted-out"
    assert notify(stack, request_id(report(stack, "520-555-0187"))) == "sms-opted-out"
    assert texts_to("+15205550187") == []


def test_only_the_requests_own_secret_stops_its_number(stack: InProcessStack) -> None:
    victim, _ = receipt(report(stack, "520-555-0188"))
    _, other_secret = receipt(report(stack, "520-555-0189"))

    someone_elses = open311(stack, "phone_opt_outs", token=other_secret, service_request_id=victim)
    missing = open311(stack, "phone_opt_outs", service_request_id=victim)
    unknown = open311(stack, "phone_opt_outs", token=other_secret, service_request_id="0000000000")
    both = open311(stack, "phone_opt_outs", token=other_secret, service_request_id=victim, phone="520-555-0188")

    assert (someone_elses["statusCode"], missing["statusCode"]) == (403, 403)
    assert "does not open service request" in someone_elses["body"]
    assert "X-Request-Token is required" in missing["body"]
    assert unknown["statusCode"] == 404
    assert both["statusCode"] == 400
    assert notify(stack, victim) == "sms-code"
