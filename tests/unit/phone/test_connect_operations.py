"""ConnectFunction: every operation answers a flat string map the flow can branch on, and never raises."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from civic311 import aws
from civic311.cases.intake import DECLARED_EMERGENCY
from civic311.channels.phone import operations
from civic311.channels.phone.danger import UNKNOWN_PLACE
from civic311.channels.phone.operations import answer
from civic311.channels.phone.wiring import PhoneWiring
from civic311.errors import DependencyUnavailable
from civic311.geo.geocoder import Located
from civic311.geo.jurisdiction import jurisdictions
from civic311.settings import ConnectSettings
from tests import eido
from tests.support import InProcessStack, load_event, queue_subscribed, request_store
from tests.unit.phone.connect_events import event, spanish

KEY = re.compile(r"^[A-Za-z0-9_-]+$")
OPERATIONS = ("start", "screen", "locate", "accept_place", "describe", "household", "create", "emergency")


def is_flat_string_map(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and all(isinstance(key, str) and KEY.match(key) and isinstance(item, str) for key, item in value.items())
        and len(json.dumps(value).encode()) < 32 * 1024
    )


class FakeGeocoder:
    """Answers like the place index for a few phrases, or fails like an unreachable one."""

    def __init__(self, places: dict[str, Located] | None = None, fail: bool = False) -> None:
        self.places = places or {}
        self.fail = fail

    def locate_text(self, text: str, language: str) -> Located | None:
        if self.fail:
            raise DependencyUnavailable("place search is unavailable right now; please retry")
        return self.places.get(text)


def jurisdiction(identifier: str) -> Any:
    return next(place for place in jurisdictions() if place.id == identifier)


@pytest.fixture(scope="module")
def context(stack: InProcessStack) -> PhoneWiring:
    environment = stack.runtime.spec_for(stack.function("ConnectFunction")).environment
    return PhoneWiring(lambda: ConnectSettings.model_validate({k.lower(): v for k, v in environment.items()}))


@pytest.fixture
def dispatch_queue(stack: InProcessStack) -> Iterator[str]:
    sqs, sns = stack.provisioner.client("sqs"), stack.provisioner.client("sns")
    with queue_subscribed(sqs, sns, stack.output("EmergencyAlertTopicArn")) as url:
        yield url


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_sample_event_gets_a_flat_string_map_with_a_result(stack: InProcessStack, name: str) -> None:
    answered = stack.call("ConnectFunction", load_event(f"connect/{name}"))
    assert is_flat_string_map(answered)
    assert answered["result"]


@pytest.mark.parametrize(
    ("parameters", "reason"),
    [({}, "missing-operation"), ({"operation": "teleport"}, "unknown-operation")],
)
def test_missing_or_unknown_operations_are_result_codes(
    stack: InProcessStack, parameters: dict[str, str], reason: str
) -> None:
    built = event("start")
    built["Details"]["Parameters"] = parameters
    assert stack.call("ConnectFunction", built) == {"result": "error", "reason": reason}


def test_an_event_that_is_not_from_connect_is_a_result_code_not_an_exception(stack: InProcessStack) -> None:
    assert stack.call("ConnectFunction", {"hello": "world"}) == {
        "result": "error",
        "reason": "not-a-contact-flow-event",
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("screen", {"result": "error", "reason": "missing-text"}),
        ("locate", {"result": "not_found", "reason": "missing-text"}),
        ("accept_place", {"result": "not_found", "reason": "missing-text"}),
        ("describe", {"result": "unclear", "reason": "missing-text"}),
    ],
)
def test_missing_words_are_result_codes(stack: InProcessStack, name: str, expected: dict[str, str]) -> None:
    built = event(name)
    del built["Details"]["Parameters"]["text"]
    answered = stack.call("ConnectFunction", built)
    assert {key: answered[key] for key in expected} == expected


def test_create_without_a_place_or_with_an_unknown_code_is_invalid(stack: InProcessStack) -> None:
    nowhere = event("create", lat="", long="", label="")
    assert stack.call("ConnectFunction", nowhere) == {"result": "invalid", "reason": "no-location"}
    unknown = event("create", service_code="unicorns")
    assert stack.call("ConnectFunction", unknown) == {"result": "invalid", "reason": "unknown-service-code"}


def test_start_gives_the_prompts_in_the_callers_language(stack: InProcessStack) -> None:
    english = stack.call("ConnectFunction", event("start", caller=None))
    spanish_answer = stack.call("ConnectFunction", spanish(event("start", caller=None)))
    assert english["language"] == "en"
    assert english["say_where"].startswith("<speak>Where is the problem?")
    assert spanish_answer["language"] == "es"
    assert spanish_answer["say_where"].startswith("<speak>¿Dónde está el problema?")
    assert spanish_answer["repeat"] == "no"


def test_describe_maps_the_menu_and_triages_words(stack: InProcessStack) -> None:
    pressed = stack.call("ConnectFunction", event("describe", text="1"))
    assert (pressed["result"], pressed["service_code"]) == ("ok", "pothole")
    said = stack.call("ConnectFunction", spanish(event("describe", text="hay un bache enorme en mi calle")))
    assert (said["service_code"], said["prompt"]) == ("pothole", "<speak>Bache. Entendido.</speak>")
    assert stack.call("ConnectFunction", event("describe", text="hmm"))["result"] == "unclear"


def test_words_that_describe_an_emergency_go_to_911_wherever_they_are_said(stack: InProcessStack) -> None:
    danger = "a man collapsed and is not breathing"
    assert stack.call("ConnectFunction", event("describe", text=danger))["result"] == "emergency"
    assert stack.call("ConnectFunction", event("screen", text=danger))["result"] == "emergency"
    assert stack.call("ConnectFunction", event("screen", text="9"))["result"] == "emergency"
    assert stack.call("ConnectFunction", event("screen", text="Speedway and Campbell"))["result"] == "ok"


def test_create_is_idempotent_on_the_contact_and_reads_the_number_digit_by_digit(stack: InProcessStack) -> None:
    contact = str(uuid.uuid4())
    first = stack.call("ConnectFunction", event("create", contact_id=contact))
    again = stack.call("ConnectFunction", event("create", contact_id=contact))
    other = stack.call("ConnectFunction", event("create"))
    assert first["result"] == "created"
    assert again["request_id"] == first["request_id"]
    assert other["request_id"] != first["request_id"]
    assert f'<say-as interpret-as="digits">{first["request_id"]}</say-as>' in first["prompt"]
    stored = request_store(stack).get(first["request_id"])
    assert stored is not None
    assert (stored.channel.value, stored.service_code, stored.description) == (
        "phone",
        "pothole",
        "a deep pothole in the right lane",
    )
    assert stored.source == "connect:6f1d7c3e-2b4a-4f5e-9c8d-1a2b3c4d5e6f"


def test_shelter_tonight_in_spanish_reads_a_place_and_offers_to_connect(stack: InProcessStack) -> None:
    built = spanish(event("create", service_code="shelter", what="necesito un lugar para dormir esta noche"))
    answered = stack.call("ConnectFunction", built)
    assert answered["result"] == "created"
    assert "Un lugar que puede ayudarle es" in answered["prompt"]
    assert answered["referral"] == "offer"
    assert re.fullmatch(r"\+1\d{10}", answered["referral_phone"])
    assert answered["referral_prompt"].startswith("<speak>Para comunicarse con ellos ahora, oprima 1.")


def test_pressing_9_alerts_911_with_what_is_known(stack: InProcessStack, dispatch_queue: str) -> None:
    answered = stack.call("ConnectFunction", event("emergency", caller="+15205550177"))
    assert answered["result"] == "alerted"
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=dispatch_queue, MaxNumberOfMessages=10)
    [alert] = [eido.read(json.loads(message["Body"])) for message in messages.get("Messages", [])]
    assert alert["service_request_id"] == answered["request_id"]
    assert alert["callback_number"] == "+15205550177"
    assert alert["channel"] == "phone"
    assert alert["location"]["address"] == UNKNOWN_PLACE
    assert DECLARED_EMERGENCY in alert["signals"]
    stored = request_store(stack).get(answered["request_id"])
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "delivered"


def test_a_repeat_caller_hears_the_status_of_open_requests(stack: InProcessStack) -> None:
    caller = "+15205550188"
    assert stack.call("ConnectFunction", event("start", caller=caller))["repeat"] == "no"
    created = stack.call("ConnectFunction", event("create", caller=caller))
    status = stack.call("ConnectFunction", event("start", caller=caller))
    assert status["repeat"] == "yes"
    assert status["open_requests"] == "1"
    assert f'<say-as interpret-as="digits">{created["request_id"]}</say-as>, Pothole' in status["status"]
    assert stack.call("ConnectFunction", event("start", caller="+15205550189"))["repeat"] == "no"


def test_a_spoofed_caller_id_hears_only_city_service_requests_read_back(stack: InProcessStack) -> None:
    caller = "+15205550183"
    pothole = stack.call("ConnectFunction", event("create", caller=caller))
    shelter = stack.call(
        "ConnectFunction", event("create", caller=caller, service_code="shelter", what="I left him, need a bed")
    )
    assert shelter["result"] == "created"
    status = stack.call("ConnectFunction", event("start", caller=caller))
    assert status["open_requests"] == "1"
    assert pothole["request_id"] in status["status"]
    assert shelter["request_id"] not in status["status"]
    assert "Shelter" not in status["status"]
    assert "press 3" in status["status"]


def test_a_caller_who_keys_in_their_request_number_hears_its_status(stack: InProcessStack) -> None:
    caller = "+15205550184"
    shelter = stack.call(
        "ConnectFunction", event("create", caller=caller, service_code="shelter", what="I left him, need a bed")
    )
    assert stack.call("ConnectFunction", event("start", caller=caller))["repeat"] == "no"
    checked = stack.call(
        "ConnectFunction", event("start", caller=caller, operation="check_status", request_number=shelter["request_id"])
    )
    assert checked["result"] == "ok"
    assert f'<say-as interpret-as="digits">{shelter["request_id"]}</say-as>' in checked["status"]
    # The number alone is not enough from another phone, nor another number from this one.
    elsewhere = stack.call(
        "ConnectFunction",
        event("start", caller="+15205550185", operation="check_status", request_number=shelter["request_id"]),
    )
    assert elsewhere["result"] == "not-found"
    assert shelter["request_id"] not in elsewhere["status"]
    wrong = stack.call(
        "ConnectFunction", event("start", caller=caller, operation="check_status", request_number="0000000000")
    )
    assert wrong["result"] == "not-found"


def test_callers_numbers_are_indexed_only_as_keyed_hashes(stack: InProcessStack) -> None:
    caller = "+15205550166"
    stack.call("ConnectFunction", event("create", caller=caller))
    table = stack.output("ServiceRequestsTableName")
    indexed = aws.dynamodb().scan(TableName=table, IndexName="ByCaller")["Items"]
    assert indexed
    for item in indexed:
        text = json.dumps(item)
        assert "5205550166" not in text
        assert item["caller_key"]["S"].startswith("CALLER#")
        assert item["sk"]["S"] == "CONTACT"  # so the entry expires with the caller's details


def test_the_status_lookup_failing_does_not_stop_the_call(stack: InProcessStack, context: PhoneWiring) -> None:
    broken = PhoneWiring(lambda: context.settings.model_copy(update={"caller_key_id": "alias/missing"}))
    answered = answer(event("start", caller="+15205550142"), broken)
    assert answered["result"] == "ok"
    assert answered["repeat"] == "no"


def test_locate_reads_back_a_place_in_the_city(context: PhoneWiring) -> None:
    here = Located(lat=32.2363, long=-110.9441, label="E Speedway Blvd & N Campbell Ave, Tucson, AZ 85719, USA",
                   jurisdiction=jurisdiction("tucson"))  # fmt: skip
    context.geocoder = FakeGeocoder({"Speedway and Campbell": here})  # type: ignore[assignment]
    answered = answer(event("locate"), context)
    assert answered["result"] == "found"
    assert (answered["lat"], answered["long"], answered["jurisdiction"]) == ("32.236300", "-110.944100", "tucson")
    assert "I heard East Speedway Boulevard and North Campbell Avenue." in answered["prompt"]


def test_outside_the_city_names_who_serves_it_and_never_reads_a_placeholder_number(context: PhoneWiring) -> None:
    there = Located(lat=32.44, long=-110.95, label="E Tangerine Rd & N La Cañada Dr, Oro Valley, AZ 85737, USA",
                    jurisdiction=jurisdiction("oro-valley"))  # fmt: skip
    assert jurisdiction("oro-valley").sample_contact
    context.geocoder = FakeGeocoder({"Tangerine and La Canada": there})  # type: ignore[assignment]
    answered = answer(event("locate", text="Tangerine and La Canada"), context)
    assert answered["result"] == "outside"
    assert answered["offer"] == "no"
    assert "transfer_number" not in answered
    assert "Town of Oro Valley" in answered["prompt"]
    assert "555" not in answered["prompt"]


def test_a_place_not_found_or_a_failed_search_is_a_result_code(context: PhoneWiring) -> None:
    context.geocoder = FakeGeocoder()  # type: ignore[assignment]
    assert answer(event("locate", text="the moon"), context)["result"] == "not_found"
    context.geocoder = FakeGeocoder(fail=True)  # type: ignore[assignment]
    assert answer(event("locate", text="Speedway and Campbell"), context) == {
        "result": "error",
        "reason": "dependency-unavailable",
    }


def test_an_answer_key_connect_would_refuse_is_caught() -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        operations.flat({"not ok": "x"})
    with pytest.raises(ValueError, match="32 KB"):
        operations.flat({"big": "x" * 40_000})


def test_the_caller_bots_code_hook_hands_the_words_to_the_flow(stack: InProcessStack) -> None:
    answered = stack.call("ConnectFunction", load_event("connect/lex_code_hook"))
    state = answered["sessionState"]
    assert state["sessionAttributes"] == {"said": "Speedway and Campbell"}
    assert state["dialogAction"] == {"type": "Close"}
    assert state["intent"]["state"] == "Fulfilled"
