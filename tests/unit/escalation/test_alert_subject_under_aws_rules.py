"""The 911 alert's Subject and address under AWS's real rules: whatever the caller typed, SNS accepts it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311 import aws
from civic311.escalation.alert_model import AlertLocation, EmergencyAlert
from civic311.models.cases import Place
from tests.support import InProcessStack, request_store
from tests.unit.escalation.alert_path import EMERGENCY, open311_post, received, register_client

# 200 characters over three lines, with a tab, a zero-width space and a bidi override typed in.
LONG_ADDRESS = (
    "1200 E Speedway Blvd\nApt 4, rear building past the laundry room and the second gate\r\n"
    "Tucson AZ 85719\tnear the\u200b bus stop \u202eacross from the pharmacy on the north side of the road, "
    "by the blue door, unit."
)
# AWS's rule for an SNS Subject: ASCII text that starts with a letter, number or punctuation mark,
# no line breaks or control characters, under 100 characters.
SNS_SUBJECT = re.compile(r"[A-Za-z0-9!-/:-@\[-`{-~][ -~]{0,98}")


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    register_client(stack)


class StrictSubjectSns:
    """The real (mocked) SNS client, refusing a Subject as AWS does; moto accepts any Subject."""

    def __init__(self) -> None:
        self.real = aws.alert_sns()
        self.subjects: list[str] = []

    def publish(self, **request: Any) -> Any:
        subject = request.get("Subject")
        if subject is not None:
            self.subjects.append(subject)
            if not SNS_SUBJECT.fullmatch(subject):
                raise ClientError(
                    {"Error": {"Code": "InvalidParameter", "Message": "Invalid parameter: Subject"}}, "Publish"
                )
        return self.real.publish(**request)


def test_an_address_typed_over_three_lines_is_stored_on_one_line() -> None:
    place = Place(address=LONG_ADDRESS)
    assert place.address is not None
    assert "\n" not in place.address
    assert "\t" not in place.address
    assert "\u200b" not in place.address
    assert "\u202e" not in place.address
    assert "  " not in place.address
    assert place.address.startswith("1200 E Speedway Blvd Apt 4, rear building")


def test_an_address_of_nothing_but_line_breaks_is_no_location() -> None:
    with pytest.raises(ValueError, match="a location is required"):
        Place(address="\n\r\n\t\u200b")


def test_the_subject_is_built_from_our_ids_only_whatever_the_caller_typed() -> None:
    alert = EmergencyAlert(
        alert_id="1234567890",
        kind="screened",
        service_request_id="1234567890",
        service_code="other",
        channel="open311",
        language="en",
        location=AlertLocation(address="x\n" * 150),
        reported_at="2026-12-07T09:00:00-07:00",
    )
    assert SNS_SUBJECT.fullmatch(alert.subject())
    assert alert.subject() == "311 EMERGENCY 1234567890 (other)"
    assert SNS_SUBJECT.fullmatch(alert.model_copy(update={"kind": "unacknowledged"}).subject())


def test_an_emergency_at_a_200_character_address_over_three_lines_reaches_dispatch_with_a_subject_aws_accepts(
    stack: InProcessStack, dispatch_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict = StrictSubjectSns()
    monkeypatch.setattr(aws, "alert_sns", lambda: strict)
    assert len(LONG_ADDRESS) == 200
    answer = open311_post(stack, service_code="other", address_string=LONG_ADDRESS, description=EMERGENCY)
    assert answer["statusCode"] == 200, answer["body"]
    [receipt] = json.loads(answer["body"])
    assert "call 911" in receipt["service_notice"]
    [alert] = received(stack, dispatch_queue)
    assert alert["service_request_id"] == receipt["service_request_id"]
    assert alert["location"]["address"] == Place(address=LONG_ADDRESS).address
    assert strict.subjects
    assert all(SNS_SUBJECT.fullmatch(subject) for subject in strict.subjects)
    stored = request_store(stack).get(receipt["service_request_id"])
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "delivered"
