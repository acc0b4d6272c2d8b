"""The checks an Amazon Connect import makes on a contact flow: every transition resolves, every action type and
parameter is one the flow language has (and the call simulator can play), identifiers follow Connect's rules, the
content fits, and no caller is left with nowhere to go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from local_stack.connect_flow_spec import (
    ACTIONS,
    ANY_PATH,
    COMPARE_OPERATORS,
    E164,
    ENDINGS,
    ENUMS,
    FLOW_VERSION,
    FORBIDDEN_IN_IDENTIFIER,
    JSON_PATH,
    MAX_ACTIONS,
    MAX_CONTENT_CHARS,
    MAX_IDENTIFIER,
    PROMPTS,
    RESERVED_IDENTIFIERS,
    ActionSpec,
    ConditionRule,
    FlowError,
    is_json_path,
)
from local_stack.connect_limits import CONNECT_MAX_SECONDS


def validate(flow: dict[str, Any], content: str, intents: set[str] | None = None) -> list[str]:
    """Every reason Amazon Connect would refuse the flow (or the simulator could not play it); empty if none."""
    problems: list[str] = []
    if len(content) > MAX_CONTENT_CHARS:
        problems.append(f"Content is {len(content)} characters; Connect takes at most {MAX_CONTENT_CHARS}")
    if flow.get("Version") != FLOW_VERSION:
        problems.append(f"Version must be {FLOW_VERSION!r}")
    actions = flow.get("Actions")
    if not isinstance(actions, list) or not actions:
        return [*problems, "Actions must be a non-empty list"]
    if len(actions) > MAX_ACTIONS:
        problems.append(f"{len(actions)} actions; a flow has at most {MAX_ACTIONS}")
    by_id: dict[str, dict[str, Any]] = {}
    for action in actions:
        identifier = action.get("Identifier")
        if not isinstance(identifier, str):
            problems.append(f"an action has no Identifier: {json.dumps(action)[:80]}")
            continue
        problems += _identifier_problems(identifier)
        if identifier in by_id:
            problems.append(f"{identifier}: Identifier is used twice")
        by_id[identifier] = action
    start = flow.get("StartAction")
    if start not in by_id:
        problems.append(f"StartAction {start!r} is not an action of the flow")
    for identifier, action in by_id.items():
        problems += [f"{identifier}: {problem}" for problem in _action_problems(action, by_id, intents)]
    if start in by_id:
        problems += _graph_problems(str(start), by_id)
    return problems


def check(flow: dict[str, Any], content: str, intents: set[str] | None = None) -> None:
    """Raise FlowError listing every problem, if there are any."""
    problems = validate(flow, content, intents)
    if problems:
        raise FlowError("the contact flow would not import:\n  " + "\n  ".join(problems))


def _identifier_problems(identifier: str) -> list[str]:
    problems = []
    if not 1 <= len(identifier) <= MAX_IDENTIFIER:
        problems.append(f"{identifier}: an Identifier has 1 to {MAX_IDENTIFIER} characters")
    bad = sorted(set(identifier) & FORBIDDEN_IN_IDENTIFIER)
    if bad:
        problems.append(f"{identifier}: an Identifier may not contain {' '.join(bad)}")
    if identifier in RESERVED_IDENTIFIERS:
        problems.append(f"{identifier}: reserved name")
    return problems


def _action_problems(action: dict[str, Any], by_id: dict[str, Any], intents: set[str] | None) -> list[str]:
    kind = action.get("Type")
    spec = ACTIONS.get(str(kind))
    if spec is None:
        return [f"action type {kind!r} is not one this project knows (known: {', '.join(sorted(ACTIONS))})"]
    parameters = action.get("Parameters")
    transitions = action.get("Transitions")
    if not isinstance(parameters, dict) or not isinstance(transitions, dict):
        return ["Parameters and Transitions must be objects"]
    problems = [f"unknown parameter {name!r} for {kind}" for name in parameters if name not in spec.parameters]
    problems += [f"{kind} needs {name}" for name in sorted(spec.required - set(parameters))]
    prompts = PROMPTS & set(parameters)
    if spec.prompt == "exactly-one" and len(prompts) != 1:
        problems.append(f"{kind} needs exactly one of Text, SSML, PromptId, Media")
    if spec.prompt == "optional" and len(prompts) > 1:
        problems.append(f"{kind} takes at most one of Text, SSML, PromptId, Media")
    problems += _value_problems(str(kind), spec, parameters)
    problems += _transition_problems(str(kind), spec, parameters, transitions, by_id, intents)
    return problems


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def _value_problems(kind: str, spec: ActionSpec, parameters: dict[str, Any]) -> list[str]:
    problems = []
    for text in _strings(parameters):
        for match in ANY_PATH.finditer(text):
            path = JSON_PATH.match(text, match.start())
            if path is None:
                problems.append(f"{text[match.start() : match.start() + 40]!r} is not a JSONPath Connect knows")
    for name in spec.whole_values & set(parameters):
        value = parameters[name]
        if isinstance(value, str) and "$." in value and not is_json_path(value):
            problems.append(f"{name} must be literal or a single JSONPath")
    for (action_type, name), allowed in ENUMS.items():
        if action_type == kind and name in parameters and parameters[name] not in allowed:
            problems.append(f"{name} must be one of {', '.join(sorted(allowed))}")
    if kind == "InvokeLambdaFunction":
        limit = str(parameters.get("InvocationTimeLimitSeconds", ""))
        synchronous = parameters.get("InvocationType", "SYNCHRONOUS") == "SYNCHRONOUS"
        if not limit.isdigit() or not 1 <= int(limit) <= (CONNECT_MAX_SECONDS if synchronous else 60):
            problems.append("InvocationTimeLimitSeconds must be a whole number from 1 to 8 (synchronous)")
        arn = str(parameters.get("LambdaFunctionARN", ""))
        if not is_json_path(arn) and not arn.startswith("arn:aws"):
            problems.append("LambdaFunctionARN must be a function ARN")
        attributes = parameters.get("LambdaInvocationAttributes", {})
        if not isinstance(attributes, dict) or not all(isinstance(v, str) for v in attributes.values()):
            problems.append("LambdaInvocationAttributes must map names to strings")
        validation = parameters.get("ResponseValidation", {"ResponseType": "STRING_MAP"})
        if validation.get("ResponseType") not in ("STRING_MAP", "JSON"):
            problems.append("ResponseValidation.ResponseType must be STRING_MAP or JSON")
    if kind == "TransferParticipantToThirdParty":
        number = str(parameters.get("ThirdPartyPhoneNumber", ""))
        if not is_json_path(number) and not E164.match(number):
            problems.append(f"ThirdPartyPhoneNumber {number!r} is not an E.164 number")
        seconds = str(parameters.get("ThirdPartyConnectionTimeLimitSeconds", "30"))
        if not is_json_path(seconds) and not (seconds.isdigit() and 0 <= int(seconds) <= 600):
            problems.append("ThirdPartyConnectionTimeLimitSeconds must be 0 to 600")
    if kind == "GetParticipantInput":
        seconds = str(parameters.get("InputTimeLimitSeconds", "5"))
        if not seconds.isdigit() or int(seconds) < 1:
            problems.append("InputTimeLimitSeconds must be a whole number of seconds")
        if parameters.get("StoreInput") == "True" and "InputValidation" not in parameters:
            problems.append("StoreInput True needs InputValidation")
    if kind == "ConnectParticipantWithLexBot" and ("LexV2Bot" in parameters) == ("LexBot" in parameters):
        problems.append("give one of LexV2Bot or LexBot")
    if kind == "Loop":
        count = str(parameters.get("LoopCount"))
        if not is_json_path(count) and not (count.isdigit() and int(count) <= 100):
            problems.append("LoopCount must be 0 to 100")
    if kind == "UpdateContactAttributes":
        attributes = parameters.get("Attributes")
        if not isinstance(attributes, dict) or not attributes:
            problems.append("Attributes must be a non-empty object")
        elif not all(isinstance(value, str) for value in attributes.values()):
            problems.append("attribute values must be strings")
    if kind == "UpdateContactTargetQueue" and ("QueueId" in parameters) == ("AgentId" in parameters):
        problems.append("give one of QueueId or AgentId")
    return problems


def _transition_problems(
    kind: str,
    spec: ActionSpec,
    parameters: dict[str, Any],
    transitions: dict[str, Any],
    by_id: dict[str, Any],
    intents: set[str] | None,
) -> list[str]:
    if spec.terminal:
        return [] if transitions == {} else [f"{kind} ends the flow: its Transitions must be {{}}"]
    problems = []
    if "NextAction" not in transitions:
        problems.append("no NextAction")
    targets = [transitions.get("NextAction")]
    for error in transitions.get("Errors", []):
        targets.append(error.get("NextAction"))
        if error.get("ErrorType") not in spec.errors:
            allowed = ", ".join(sorted(spec.errors)) or "none"
            problems.append(f"{kind} has no error {error.get('ErrorType')!r} (it has: {allowed})")
    conditions = transitions.get("Conditions", [])
    if conditions and spec.conditions == "none":
        problems.append(f"{kind} takes no Conditions")
    if kind == "GetParticipantInput" and parameters.get("StoreInput") == "True" and conditions:
        problems.append("GetParticipantInput with StoreInput True takes no Conditions")
    for condition in conditions:
        targets.append(condition.get("NextAction"))
        problems += _condition_problems(spec.conditions, condition.get("Condition", {}), intents)
    problems += [f"transition to {target!r}, which is not an action" for target in targets if target not in by_id]
    return problems


def _condition_problems(rule: ConditionRule, condition: dict[str, Any], intents: set[str] | None) -> list[str]:
    operator, operands = condition.get("Operator"), condition.get("Operands")
    if not isinstance(operands, list) or len(operands) != 1 or not isinstance(operands[0], str):
        return ["a condition has one string operand"]
    operand = operands[0]
    if rule == "any":
        return [] if operator in COMPARE_OPERATORS else [f"unknown operator {operator!r}"]
    if operator != "Equals":
        return [f"only Equals is allowed here, not {operator!r}"]
    if rule == "dtmf" and not re.fullmatch(r"[0-9*#]", operand):
        return [f"a key press is one of 0-9 * #, not {operand!r}"]
    if rule == "hours" and operand not in ("True", "False"):
        return [f"CheckHoursOfOperation branches on True or False, not {operand!r}"]
    if rule == "loop" and operand not in ("ContinueLooping", "DoneLooping"):
        return [f"Loop branches on ContinueLooping or DoneLooping, not {operand!r}"]
    if rule == "intents" and intents is not None and operand not in intents:
        return [f"the bot has no intent {operand!r}"]
    return []


def _graph_problems(start: str, by_id: dict[str, dict[str, Any]]) -> list[str]:
    def targets(action: dict[str, Any]) -> list[str]:
        transitions = action.get("Transitions", {})
        found = [transitions.get("NextAction")]
        found += [item.get("NextAction") for item in transitions.get("Errors", [])]
        found += [item.get("NextAction") for item in transitions.get("Conditions", [])]
        return [target for target in found if target in by_id]

    reached = {start}
    frontier = [start]
    while frontier:
        for target in targets(by_id[frontier.pop()]):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    problems = [
        f"{identifier}: no path from StartAction reaches it" for identifier in by_id if identifier not in reached
    ]
    # From every action some path must end the call (hang up or hand it on): nobody is left in a loop.
    ends = {identifier for identifier, action in by_id.items() if action.get("Type") in ENDINGS}
    changed = True
    while changed:
        changed = False
        for identifier, action in by_id.items():
            if identifier not in ends and any(target in ends for target in targets(action)):
                ends.add(identifier)
                changed = True
    problems += [f"{identifier}: no path from here ends the call" for identifier in by_id if identifier not in ends]
    return problems
