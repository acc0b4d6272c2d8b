"""A caller in danger is transferred at once: a 9 is matched by the flow itself, the 911 alert goes out
asynchronously, and no synchronous invocation of the flow can outlast what Connect waits (8 s at most) or what
its SDK retries need."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest

from civic311 import aws
from civic311.channels.phone import lex, operations, wiring
from local_stack.call_outcome import Ending, Step
from local_stack.call_scripts import scripted_turns
from local_stack.call_simulator import SILENCE, CallSimulator, LocalStackView
from local_stack.connect_flow import load_flow
from local_stack.template import Template
from tests.support import TEMPLATE

DEMO = {"EmergencyTransferNumber": "+15205550190"}
CONNECT_LIMIT_SECONDS = 8


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(TEMPLATE, DEMO, "civic311-local")


@pytest.fixture(scope="module")
def flow(template: Template) -> dict[str, Any]:
    return load_flow(template)[0]


class SlowAlertFunction:
    """The Connect function, answering like the real one; the emergency operation answers only once the caller
    has been transferred (or after 5 s), as a publish to a hanging SNS would hold it."""

    def __init__(self, simulator: CallSimulator) -> None:
        self.simulator = simulator
        self.operations: list[str] = []

    def invoke(self, FunctionName: str, Payload: bytes, **_: Any) -> dict[str, Any]:
        event = json.loads(Payload)
        if lex.is_lex_event(event):
            # The caller bot's code hook: the function's own answer (it makes no AWS call).
            return {"Payload": io.BytesIO(json.dumps(lex.close_with_transcript(event)).encode())}
        operation = event["Details"]["Parameters"].get("operation", "")
        self.operations.append(operation)
        if operation == "emergency":
            deadline = time.monotonic() + 5
            while self.simulator.ending.kind != "transfer" and time.monotonic() < deadline:
                time.sleep(0.01)
            answer = {"result": "alerted", "request_id": "1234567890"}
        else:
            # The screen runs triage only (no AWS call): the function's own answer.
            answer = dict(operations.answer(event, None))  # type: ignore[arg-type]
        return {"Payload": io.BytesIO(json.dumps(answer).encode())}


def call(template: Template, turns: list[str]) -> tuple[Ending, SlowAlertFunction, float]:
    """Play a call against the Connect function (the real operations); the ending, the function, the seconds."""
    view = LocalStackView({"aws_endpoint": "http://127.0.0.1:9", "outputs": {}}, template)
    next_turn, left = scripted_turns(turns)
    simulator = CallSimulator(view, "+15205550131", _noon(), next_turn, io.StringIO())
    function = SlowAlertFunction(simulator)
    simulator.lambda_client = function
    started = time.monotonic()
    ending = simulator.run()
    assert left() == []
    return ending, function, time.monotonic() - started


def before_the_transfer(ending: Ending) -> list[Step]:
    transfer = ending.steps.index(Step("action", "TransferParticipantToThirdParty", "emergency-transfer"))
    return ending.steps[:transfer]


@pytest.mark.parametrize("language_key", ["1", "2"], ids=["english", "spanish"])
def test_pressing_9_goes_from_the_key_to_the_transfer_with_only_the_asynchronous_alert_between(
    template: Template, language_key: str
) -> None:
    ending, function, seconds = call(template, [language_key, "9"])
    assert (ending.kind, ending.target) == ("transfer", "+15205550190")
    before = before_the_transfer(ending)
    # No bot turn, no code hook, no synchronous invocation anywhere before the transfer.
    assert [step for step in before if step.kind == "lex" or step.detail == "SYNCHRONOUS"] == []
    # The key press, then the alert Connect does not wait on, then the transfer.
    pressed = before.index(Step("action", "GetParticipantInput", "emergency-keys"))
    assert before[pressed + 1 :] == [
        Step("action", "InvokeLambdaFunction", "keyed-alert"),
        Step("invoke", "emergency", "ASYNCHRONOUS"),
    ]
    assert function.operations == ["emergency"]
    # Transferred while the alert was still on its way; the alert still went out.
    assert ending.timeline == ["transfer", "alerted"]
    assert ending.alerted
    assert seconds < 5


def test_a_caller_who_says_emergency_when_the_bot_listens_is_alerted_and_transferred(template: Template) -> None:
    ending, function, _ = call(template, ["1", SILENCE, "emergency"])
    assert (ending.kind, ending.target) == ("transfer", "+15205550190")
    before = before_the_transfer(ending)
    assert Step("lex", "Emergency", "CallerBotAlias") in before
    assert [step for step in before if step.detail == "SYNCHRONOUS"] == []  # the intent needs no code hook
    assert function.operations == ["emergency"]
    assert ending.timeline == ["transfer", "alerted"]
    assert "I am connecting you to 9 1 1 now" in "\n".join(ending.transcript)


def test_words_said_at_the_key_menu_are_not_heard_and_the_bot_then_asks_for_them(template: Template) -> None:
    ending, _, _ = call(template, ["1", "emergency", "emergency"])
    transcript = "\n".join(ending.transcript)
    assert "Connect listens for keys here, not words" in transcript
    assert transcript.index("Or say emergency") < transcript.rindex("caller> emergency")
    assert (ending.kind, ending.alerted) == ("transfer", True)


def test_a_9_pressed_only_once_the_bot_listens_still_reaches_the_emergency_line(template: Template) -> None:
    ending, function, _ = call(template, ["1", SILENCE, "9"])
    # The slower way (the bot hands the key to the screen), but the same line and the same alert.
    assert function.operations == ["screen", "emergency"]
    assert (ending.kind, ending.target, ending.alerted) == ("transfer", "+15205550190", True)


def test_the_emergency_alert_is_invoked_asynchronously_and_goes_straight_to_the_transfer(
    flow: dict[str, Any],
) -> None:
    by_id = {action["Identifier"]: action for action in flow["Actions"]}
    alert = by_id["emergency-alert"]
    assert alert["Parameters"]["InvocationType"] == "ASYNCHRONOUS"
    # Between the alert and the transfer: only the "connecting you to 911" message.
    say = by_id[alert["Transitions"]["NextAction"]]
    assert say["Type"] == "MessageParticipant"
    assert by_id[say["Transitions"]["NextAction"]]["Type"] == "TransferParticipantToThirdParty"
    # An alert that cannot even be started must not keep the caller from the transfer either.
    assert alert["Transitions"]["NextAction"] == alert["Transitions"]["Errors"][0]["NextAction"]
    # A 9 needs no telling: the screen said where it goes, so its alert leads to the transfer itself.
    keyed = by_id["keyed-alert"]
    assert keyed["Parameters"]["InvocationType"] == "ASYNCHRONOUS"
    assert keyed["Parameters"]["LambdaInvocationAttributes"]["operation"] == "emergency"
    assert keyed["Transitions"] == {
        "NextAction": "emergency-transfer",
        "Errors": [{"NextAction": "emergency-transfer", "ErrorType": "NoMatchingError"}],
    }


def test_every_synchronous_invocation_fits_well_inside_connects_limit_with_its_sdk_retries(
    flow: dict[str, Any], template: Template
) -> None:
    function = template.resources["ConnectFunction"]["Properties"]
    timeout = int(function["Timeout"])
    assert function["Environment"]["Variables"]["SDK_BUDGET"] == "phone"
    # One AWS call with its retry, at worst: every attempt times out, with up to 1 s of backoff between.
    sdk_budget = aws.PHONE_ATTEMPTS * (aws.PHONE_CONNECT_SECONDS + aws.PHONE_READ_SECONDS) + 1
    assert sdk_budget <= timeout
    synchronous = [
        action
        for action in flow["Actions"]
        if action["Type"] == "InvokeLambdaFunction" and action["Parameters"]["InvocationType"] == "SYNCHRONOUS"
    ]
    assert synchronous
    for action in synchronous:
        limit = int(action["Parameters"]["InvocationTimeLimitSeconds"])
        assert limit <= CONNECT_LIMIT_SECONDS - 2, action["Identifier"]
        # Connect waits as long as the function may run, so a finished answer is never thrown away.
        assert timeout <= limit, action["Identifier"]


def test_an_emergency_the_function_could_not_raise_fails_the_invocation_so_lambda_retries_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from civic311.errors import DependencyUnavailable

    def unavailable(call: Any, context: Any) -> dict[str, str]:
        raise DependencyUnavailable("the requests table is unavailable")

    monkeypatch.setitem(wiring.OPERATIONS, "emergency", unavailable)
    event: dict[str, Any] = {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {"ContactId": "c-1", "Attributes": {}, "LanguageCode": "en-US"},
            "Parameters": {"operation": "emergency"},
        },
    }
    with pytest.raises(DependencyUnavailable):
        operations.answer(event, context=None)  # type: ignore[arg-type]
    monkeypatch.setitem(wiring.OPERATIONS, "start", unavailable)
    started = operations.answer(event | {"Details": event["Details"] | {"Parameters": {"operation": "start"}}}, None)  # type: ignore[arg-type]
    assert started == {"result": "error", "reason": "dependency-unavailable"}


def _noon() -> Any:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("America/Phoenix"))
