"""A doubtful report on the phone: the caller hears 911 first, then a call-taker in staffed hours, else goodbye."""

from __future__ import annotations

from typing import Any

import pytest

from civic311.channels.phone.speech import say
from local_stack.connect_flow import load_flow
from local_stack.template import Template
from tests.support import TEMPLATE


@pytest.fixture(scope="module")
def actions() -> dict[str, dict[str, Any]]:
    flow = load_flow(Template(TEMPLATE, {"EmergencyTransferNumber": "+15205550190"}, "civic311"))[0]
    return {action["Identifier"]: action for action in flow["Actions"]}


def test_a_review_decision_reads_the_receipt_then_checks_staffed_hours(actions: dict[str, dict[str, Any]]) -> None:
    branches = {
        condition["Condition"]["Operands"][0]: condition["NextAction"]
        for condition in actions["create-result"]["Transitions"]["Conditions"]
    }
    assert branches["review"] == "review-say"
    assert actions["review-say"]["Parameters"]["SSML"] == "$.External.prompt"
    assert actions["review-say"]["Transitions"]["NextAction"] == "review-hours"
    hours = actions["review-hours"]
    assert hours["Type"] == "CheckHoursOfOperation"
    assert hours["Parameters"] == actions["fallback"]["Parameters"]  # the call-takers' own StaffedHours


def test_in_staffed_hours_a_review_goes_to_the_call_taker_queue_and_after_hours_says_goodbye(
    actions: dict[str, dict[str, Any]],
) -> None:
    hours = actions["review-hours"]["Transitions"]
    staffed = {condition["Condition"]["Operands"][0]: condition["NextAction"] for condition in hours["Conditions"]}
    assert staffed == {"True": "to-call-taker", "False": "goodbye"}
    # A failed hours check must not strand the caller: the report is stored and the workflow watches it.
    assert hours["Errors"] == [{"NextAction": "goodbye", "ErrorType": "NoMatchingError"}]
    queue = actions["to-call-taker"]
    assert queue["Type"] == "UpdateContactTargetQueue"
    assert actions[queue["Transitions"]["NextAction"]]["Type"] == "TransferContactToQueue"


@pytest.mark.parametrize(
    ("language", "danger"),
    [("en", "If anyone is in danger, hang up and call 9 1 1."), ("es", "cuelgue y llame al 9 1 1")],
)
def test_the_caller_with_a_doubtful_report_is_told_to_call_911_if_anyone_is_in_danger(
    language: str, danger: str
) -> None:
    assert danger in say(language, "review")  # type: ignore[arg-type]
