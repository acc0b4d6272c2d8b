"""Texts go only where they can be trusted: allowed countries, confirmed numbers, never after STOP."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from civic311.store.api_clients import ApiClientStore
from tests.support import InProcessStack, api_event, form

API_KEY = "text-updates-abuse-key-0123456789abcdef"


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register("text-abuse", "Text abuse tests", API_KEY)


def texts_to(number: str) -> list[str]:
    return [text for to, text in sns_backends[DEFAULT_ACCOUNT_ID]["us-west-2"].sms_messages.values() if to == number]


def open311(stack: InProcessStack, path: str, **fields: str) -> dict[str, Any]:
    event = api_event(
        "POST",
        f"/open311/v2/{path}.json",
        body=form({"api_key": API_KEY} | fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
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


def test_stop_is_honoured_from_sns_and_from_the_api(stack: InProcessStack) -> None:
    # moto's SNS lists numbers ending in 99 as having replied STOP.
    assert notify(stack, request_id(report(stack, "520-555-0199"))) == "sms-opted-out"
    assert texts_to("+15205550199") == []

    assert open311(stack, "phone_opt_outs", phone="520-555-0184")["statusCode"] == 200
    assert notify(stack, request_id(report(stack, "520-555-0184"))) == "sms-opted-out"
    assert texts_to("+15205550184") == []
