"""The contact flow in template.yaml is one a Connect admin could import, and the checks catch what would not."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from civic311.channels.phone.wiring import OPERATIONS
from local_stack.connect_flow import bot_locales, load_flow
from local_stack.connect_flow_checks import validate
from local_stack.connect_flow_spec import ACTIONS
from local_stack.template import Template
from tests.support import TEMPLATE

DEMO = {"EmergencyTransferNumber": "+15205550190"}


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(TEMPLATE, DEMO, "civic311")


@pytest.fixture(scope="module")
def flow(template: Template) -> dict[str, Any]:
    return load_flow(template)[0]


@pytest.fixture(scope="module")
def intents(template: Template) -> set[str]:
    return {intent.name for locale in bot_locales(template, "CallerBotAlias").values() for intent in locale.intents}


def problems(flow: dict[str, Any], intents: set[str] | None = None) -> list[str]:
    return validate(flow, json.dumps(flow), intents)


def test_the_templates_flow_passes_every_check(template: Template, intents: set[str]) -> None:
    flow, content = load_flow(template)
    assert validate(flow, content, intents) == []
    assert {action["Type"] for action in flow["Actions"]} <= set(ACTIONS)


def test_a_deploy_without_the_emergency_line_is_caught(template: Template) -> None:
    flow, content = load_flow(Template(TEMPLATE, {}, "civic311"))
    assert "emergency-transfer: ThirdPartyPhoneNumber '' is not an E.164 number" in validate(flow, content)
    rule = template.body["Rules"]["PhoneLineNeedsAnEmergencyLine"]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "EmergencyTransferNumber"}, ""]}]}


def test_the_flow_calls_only_operations_the_function_has(flow: dict[str, Any]) -> None:
    invoked = {
        action["Parameters"]["LambdaInvocationAttributes"]["operation"]
        for action in flow["Actions"]
        if action["Type"] == "InvokeLambdaFunction"
    }
    assert invoked == set(OPERATIONS)
    functions = {
        action["Parameters"]["LambdaFunctionARN"]
        for action in flow["Actions"]
        if "LambdaFunctionARN" in action["Parameters"]
    }
    assert functions == {"arn:aws:lambda:us-west-2:123456789012:function:civic311-ConnectFunction"}


def test_the_emergency_screen_comes_first_and_transfers_to_the_emergency_line(flow: dict[str, Any]) -> None:
    by_id = {action["Identifier"]: action for action in flow["Actions"]}
    # language, then its voice and locale, then the screen: nothing else happens before it.
    assert by_id["english-locale"]["Transitions"]["NextAction"] == "emergency-keys"
    assert by_id["spanish-locale"]["Transitions"]["NextAction"] == "emergency-keys"
    # The flow matches the 9 itself; anything else (no key, another key, words) goes on to the bot.
    keys = by_id["emergency-keys"]
    assert keys["Type"] == "GetParticipantInput"
    assert keys["Transitions"]["Conditions"] == [
        {"NextAction": "keyed-alert", "Condition": {"Operator": "Equals", "Operands": ["9"]}}
    ]
    assert {error["NextAction"] for error in keys["Transitions"]["Errors"]} == {"emergency-screen"}
    assert by_id["emergency-screen"]["Type"] == "ConnectParticipantWithLexBot"
    assert by_id["emergency-transfer"]["Parameters"]["ThirdPartyPhoneNumber"] == "+15205550190"
    # The alert failing must not stop the transfer.
    alert = by_id["emergency-alert"]["Transitions"]
    assert alert["NextAction"] == alert["Errors"][0]["NextAction"] == "emergency-transfer-say"


def test_every_spoken_prompt_has_a_static_english_and_spanish_fallback(flow: dict[str, Any]) -> None:
    by_id = {action["Identifier"]: action for action in flow["Actions"]}
    english = by_id["english"]["Parameters"]["Attributes"]
    spanish = by_id["spanish"]["Parameters"]["Attributes"]
    assert set(english) == set(spanish)
    referenced = {
        value.removeprefix("$.Attributes.")
        for action in flow["Actions"]
        for value in action["Parameters"].values()
        if isinstance(value, str) and value.startswith("$.Attributes.say_")
    }
    stored = set(english) | set(by_id["store-prompts"]["Parameters"]["Attributes"])
    assert referenced <= stored


def broken(flow: dict[str, Any], identifier: str, **changes: Any) -> dict[str, Any]:
    copied = copy.deepcopy(flow)
    action = next(action for action in copied["Actions"] if action["Identifier"] == identifier)
    action.update(changes)
    return copied


@pytest.mark.parametrize(
    ("identifier", "changes", "expected"),
    [
        ("goodbye", {"Type": "PlayPrompt"}, "action type 'PlayPrompt' is not one this project knows"),
        ("goodbye", {"Parameters": {"SSML": "<speak>x</speak>", "Volume": "11"}}, "unknown parameter 'Volume'"),
        ("goodbye", {"Transitions": {"NextAction": "nowhere"}}, "transition to 'nowhere', which is not an action"),
        (
            "goodbye",
            {
                "Transitions": {
                    "NextAction": "disconnect",
                    "Errors": [{"NextAction": "disconnect", "ErrorType": "Oops"}],
                }
            },
            "has no error 'Oops'",
        ),
        (
            "start",
            {"Parameters": {"LambdaFunctionARN": "arn:aws:lambda:x", "InvocationTimeLimitSeconds": "30"}},
            "1 to 8",
        ),
        ("disconnect", {"Transitions": {"NextAction": "goodbye"}}, "its Transitions must be {}"),
        ("repeat-caller", {"Parameters": {"ComparisonValue": "$.Nonsense.x"}}, "is not a JSONPath Connect knows"),
    ],
)
def test_the_checks_catch_what_connect_would_refuse(
    flow: dict[str, Any], identifier: str, changes: dict[str, Any], expected: str
) -> None:
    found = problems(broken(flow, identifier, **changes))
    assert any(expected in problem for problem in found), found


def test_identifiers_follow_connects_rules(flow: dict[str, Any]) -> None:
    renamed = copy.deepcopy(flow)
    renamed["Actions"].append(
        {"Identifier": "a:b(c)", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
    )
    found = problems(renamed)
    assert any("may not contain ( ) :" in problem for problem in found)
    assert any("a:b(c): no path from StartAction reaches it" in problem for problem in found)


def test_key_press_and_intent_conditions_are_checked(flow: dict[str, Any], intents: set[str]) -> None:
    menu = broken(
        flow,
        "status",
        Transitions={
            "NextAction": "hours",
            "Conditions": [{"NextAction": "hours", "Condition": {"Operator": "Equals", "Operands": ["12"]}}],
        },
    )
    assert any("a key press is one of 0-9 * #" in problem for problem in problems(menu))
    bot = copy.deepcopy(flow)
    screen = next(action for action in bot["Actions"] if action["Identifier"] == "emergency-screen")
    screen["Transitions"]["Conditions"][0]["Condition"]["Operands"] = ["Panic"]
    assert any("the bot has no intent 'Panic'" in problem for problem in problems(bot, intents))


def test_a_caller_can_never_be_stranded_in_a_loop(flow: dict[str, Any]) -> None:
    looped = broken(
        flow,
        "goodbye",
        Transitions={"NextAction": "goodbye", "Errors": [{"NextAction": "goodbye", "ErrorType": "NoMatchingError"}]},
    )
    assert any("goodbye: no path from here ends the call" in problem for problem in problems(looped))


def test_content_over_connects_limit_is_caught(flow: dict[str, Any]) -> None:
    assert any("Connect takes at most 256000" in problem for problem in validate(flow, "x" * 256_001))


def test_connect_resources_deploy_only_with_an_instance(template: Template) -> None:
    resources = template.body["Resources"]
    connect_only = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"].startswith(("AWS::Connect::", "AWS::Lex::"))
        or logical_id in ("ConnectFunctionConnectPermission", "ConnectFunctionLexPermission", "CallerBotRole")
    ]
    assert len(connect_only) == 11
    assert all(resources[logical_id].get("Condition") == "HasConnect" for logical_id in connect_only)
    permission = resources["ConnectFunctionConnectPermission"]["Properties"]
    assert (permission["Principal"], permission["SourceArn"]) == (
        "connect.amazonaws.com",
        {"Ref": "ConnectInstanceArn"},
    )
    assert "MainContactFlow" not in template.resources  # no instance given: nothing of Connect is deployed
