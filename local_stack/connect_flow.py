"""The 311 line's Amazon Connect contact flow, read from template.yaml, and the checks an import would make.

The flow is the `Content` of the template's AWS::Connect::ContactFlow, YAML under Fn::ToJsonString. Here it
is resolved with whatever names the caller supplies for the stack's resources (the local stack's own, or
placeholders), then checked: every transition resolves, every action type and parameter is one this
module knows (and the call simulator can play), identifiers follow Connect's rules, the content fits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from local_stack.aws_limits import CONNECT_MAX_SECONDS
from local_stack.template import ACCOUNT_ID, REGION, Resolver, Template, resolve

FLOW_VERSION = "2019-10-30"
MAX_CONTENT_CHARS = 256_000
MAX_ACTIONS = 250
MAX_IDENTIFIER = 50
_FORBIDDEN_IN_IDENTIFIER = set("%:()\\/=$,;[]{}")
_RESERVED_IDENTIFIERS = {
    "__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf",
    "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "__defineSetter__",
    "__lookupGetter__", "__lookupSetter__",
}  # fmt: skip
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_ROOTS = (
    "External", "Attributes", "Lex", "StoredCustomerInput", "CustomerEndpoint", "SystemEndpoint", "ContactId",
    "InitialContactId", "PreviousContactId", "Channel", "LanguageCode", "InstanceARN", "TextToSpeechVoiceId",
)  # fmt: skip
JSON_PATH = re.compile(r"\$\.(?:" + "|".join(_ROOTS) + r")(?:\.[A-Za-z0-9_-]+|\.\['[^']+'\])*")
_ANY_PATH = re.compile(r"\$\.[A-Za-z]")
CONTACT_FLOW_RESOURCE = "AWS::Connect::ContactFlow"

ConditionRule = Literal["none", "any", "dtmf", "hours", "loop", "intents"]
PROMPTS = frozenset({"Text", "SSML", "PromptId", "Media"})


@dataclass(frozen=True)
class ActionSpec:
    """What Connect accepts for one action type (Amazon Connect flow language, version 2019-10-30)."""

    parameters: frozenset[str]
    errors: frozenset[str]
    required: frozenset[str] = frozenset()
    conditions: ConditionRule = "none"
    terminal: bool = False
    prompt: Literal["none", "optional", "exactly-one"] = "none"
    # Parameters that must be literal, or a JSONPath making up the whole value.
    whole_values: frozenset[str] = frozenset()


def _spec(
    parameters: Iterable[str],
    errors: Iterable[str] = ("NoMatchingError",),
    **options: Any,
) -> ActionSpec:
    return ActionSpec(parameters=frozenset(parameters), errors=frozenset(errors), **options)


# Only the action types the call simulator can play: a flow using anything else fails the check.
ACTIONS: dict[str, ActionSpec] = {
    "MessageParticipant": _spec(PROMPTS, prompt="exactly-one", whole_values=frozenset({"PromptId"})),
    "GetParticipantInput": _spec(
        {*PROMPTS, "InputTimeLimitSeconds", "StoreInput", "InputValidation", "InputEncryption", "DTMFConfiguration"},
        ("NoMatchingError", "NoMatchingCondition", "InputTimeLimitExceeded", "InvalidPhoneNumber"),
        conditions="dtmf",
        prompt="optional",
        whole_values=frozenset({"PromptId"}),
    ),
    "ConnectParticipantWithLexBot": _spec(
        {*PROMPTS, "LexV2Bot", "LexBot", "LexSessionAttributes", "LexInitializationData", "LexTimeoutSeconds"},
        ("NoMatchingError", "NoMatchingCondition", "InputTimeLimitExceeded"),
        conditions="intents",
        prompt="optional",
        whole_values=frozenset({"PromptId"}),
    ),
    "InvokeLambdaFunction": _spec(
        {
            "LambdaFunctionARN",
            "InvocationTimeLimitSeconds",
            "InvocationType",
            "LambdaInvocationAttributes",
            "ResponseValidation",
        },
        required=frozenset({"LambdaFunctionARN", "InvocationTimeLimitSeconds"}),
    ),
    "Compare": _spec(
        {"ComparisonValue"},
        ("NoMatchingCondition",),
        required=frozenset({"ComparisonValue"}),
        conditions="any",
        whole_values=frozenset({"ComparisonValue"}),
    ),
    "UpdateContactAttributes": _spec({"Attributes", "TargetContact"}, required=frozenset({"Attributes"})),
    "UpdateContactTextToSpeechVoice": _spec(
        {"TextToSpeechVoice", "TextToSpeechEngine", "TextToSpeechStyle"}, required=frozenset({"TextToSpeechVoice"})
    ),
    "UpdateContactData": _spec({"LanguageCode", "Name", "Description", "CustomerId", "References"}),
    "CheckHoursOfOperation": _spec(
        {"HoursOfOperationId"}, conditions="hours", whole_values=frozenset({"HoursOfOperationId"})
    ),
    "TransferParticipantToThirdParty": _spec(
        {
            "ThirdPartyPhoneNumber",
            "ThirdPartyConnectionTimeLimitSeconds",
            "ContinueFlowExecution",
            "ThirdPartyDTMFDigits",
            "CallerId",
        },
        ("CallFailed", "ConnectionTimeLimitExceeded", "NoMatchingError"),
        required=frozenset({"ThirdPartyPhoneNumber"}),
        whole_values=frozenset({"ThirdPartyConnectionTimeLimitSeconds"}),
    ),
    "UpdateContactTargetQueue": _spec({"QueueId", "AgentId"}, whole_values=frozenset({"QueueId", "AgentId"})),
    "TransferContactToQueue": _spec((), ("QueueAtCapacity", "NoMatchingError")),
    "Loop": _spec({"LoopCount"}, (), required=frozenset({"LoopCount"}), conditions="loop"),
    "DisconnectParticipant": _spec((), (), terminal=True),
}
# Where a call can end, for the check that no caller is left with nowhere to go.
ENDINGS = frozenset({"DisconnectParticipant", "TransferParticipantToThirdParty", "TransferContactToQueue"})
_ENUMS = {
    ("GetParticipantInput", "StoreInput"): {"True", "False"},
    ("TransferParticipantToThirdParty", "ContinueFlowExecution"): {"True", "False"},
    ("InvokeLambdaFunction", "InvocationType"): {"SYNCHRONOUS", "ASYNCHRONOUS"},
    ("UpdateContactAttributes", "TargetContact"): {"Current", "Related"},
    ("UpdateContactTextToSpeechVoice", "TextToSpeechEngine"): {"Standard", "Neural", "Generative"},
    ("UpdateContactTextToSpeechVoice", "TextToSpeechStyle"): {"None", "Conversational", "Newscaster"},
}
_COMPARE_OPERATORS = {
    "Equals",
    "TextStartsWith",
    "TextEndsWith",
    "TextContains",
    "NumberGreaterThan",
    "NumberGreaterOrEqualTo",
    "NumberLessThan",
    "NumberLessOrEqualTo",
}


class FlowError(Exception):
    """The flow is not one Amazon Connect would import (or the simulator could play)."""


def is_json_path(value: Any) -> bool:
    return isinstance(value, str) and JSON_PATH.fullmatch(value) is not None


# ------------------------------------------------------------------------------------------ reading


def flow_resource(template: Template) -> tuple[str, dict[str, Any]]:
    """The template's one contact flow, whatever its condition (the flow exists even when Connect is off)."""
    found = [
        (logical_id, resource)
        for logical_id, resource in template.body.get("Resources", {}).items()
        if resource.get("Type") == CONTACT_FLOW_RESOURCE
    ]
    if len(found) != 1:
        raise FlowError(f"template.yaml should declare one {CONTACT_FLOW_RESOURCE}, found {len(found)}")
    return found[0]


def placeholder_arn(template: Template, logical_id: str, attribute: str) -> str:
    """A stand-in ARN of the right shape for a resource that only exists in an Amazon Connect deploy."""
    resource = template.body["Resources"].get(logical_id)
    if resource is None:
        raise FlowError(f"the flow refers to {logical_id}.{attribute}, which is not in the template")
    kind = resource["Type"]
    instance = f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/00000000-0000-4000-8000-000000000311"
    if kind == "AWS::Connect::HoursOfOperation":
        return f"{instance}/operating-hours/{logical_id}"
    if kind == "AWS::Connect::Queue":
        return f"{instance}/queue/{logical_id}"
    if kind == "AWS::Lex::BotAlias":
        return f"arn:aws:lex:{REGION}:{ACCOUNT_ID}:bot-alias/{logical_id}/{logical_id}"
    if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{template.stack_name}-{logical_id}"
    raise FlowError(f"no placeholder for {kind} ({logical_id}.{attribute})")


def logical_id_of(arn: str) -> str:
    """The resource a placeholder ARN stands for (its last path segment)."""
    return arn.rstrip("/").rsplit("/", 1)[-1]


def load_flow(template: Template, attribute: Callable[[str, str], str] | None = None) -> tuple[dict[str, Any], str]:
    """The contact flow as Connect receives it (parsed, and as the Content string)."""
    _, resource = flow_resource(template)
    content = resource.get("Properties", {}).get("Content")
    if content is None:
        raise FlowError("the contact flow has no Content")

    def name_of(logical_id: str) -> str:
        return placeholder_arn(template, logical_id, "Ref")

    resolver = Resolver(
        template,
        physical=name_of,
        attribute=attribute or (lambda logical_id, name: placeholder_arn(template, logical_id, name)),
    )
    text = resolve(content, resolver)
    if not isinstance(text, str):
        raise FlowError("Content must be a string (Connect rejects a JSON object here)")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise FlowError(f"Content is not JSON: {error.msg} at line {error.lineno}") from None
    if not isinstance(parsed, dict):
        raise FlowError("Content must be a JSON object")
    return parsed, text


@dataclass
class Intent:
    name: str
    utterances: tuple[str, ...]
    fallback: bool
    code_hook: bool


@dataclass
class BotLocale:
    locale_id: str
    intents: list[Intent] = field(default_factory=list)


def bot_locales(template: Template, alias_logical_id: str) -> dict[str, BotLocale]:
    """The Lex bot behind an alias, by locale (en_US, es_US), as the template declares it."""
    resources = template.body["Resources"]
    alias = resources.get(alias_logical_id)
    if alias is None or alias["Type"] != "AWS::Lex::BotAlias":
        raise FlowError(f"{alias_logical_id} is not an AWS::Lex::BotAlias of the template")
    bot_ref = alias["Properties"]["BotId"]
    bot_id = bot_ref.get("Ref") if isinstance(bot_ref, dict) else None
    if bot_id not in resources:
        raise FlowError(f"{alias_logical_id}'s BotId must Ref a bot of the template")
    locales: dict[str, BotLocale] = {}
    for locale in resources[bot_id]["Properties"]["BotLocales"]:
        entry = BotLocale(locale["LocaleId"])
        for intent in locale.get("Intents", []):
            entry.intents.append(
                Intent(
                    name=intent["Name"],
                    utterances=tuple(item["Utterance"] for item in intent.get("SampleUtterances", [])),
                    fallback=intent.get("ParentIntentSignature") == "AMAZON.FallbackIntent",
                    code_hook=bool(intent.get("FulfillmentCodeHook", {}).get("Enabled")),
                )
            )
        locales[entry.locale_id] = entry
    return locales


def code_hook_function(template: Template, alias_logical_id: str, locale_id: str) -> str | None:
    """The logical id of the function an alias calls as its code hook in a locale, if any."""
    alias = template.body["Resources"][alias_logical_id]["Properties"]
    for setting in alias.get("BotAliasLocaleSettings", []):
        if setting["LocaleId"] != locale_id:
            continue
        hook = setting["BotAliasLocaleSetting"].get("CodeHookSpecification", {}).get("LambdaCodeHook", {})
        arn = hook.get("LambdaArn")
        if isinstance(arn, dict) and "Fn::GetAtt" in arn:
            target = arn["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


# ------------------------------------------------------------------------------------------ checking


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
    bad = sorted(set(identifier) & _FORBIDDEN_IN_IDENTIFIER)
    if bad:
        problems.append(f"{identifier}: an Identifier may not contain {' '.join(bad)}")
    if identifier in _RESERVED_IDENTIFIERS:
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
        for match in _ANY_PATH.finditer(text):
            path = JSON_PATH.match(text, match.start())
            if path is None:
                problems.append(f"{text[match.start() : match.start() + 40]!r} is not a JSONPath Connect knows")
    for name in spec.whole_values & set(parameters):
        value = parameters[name]
        if isinstance(value, str) and "$." in value and not is_json_path(value):
            problems.append(f"{name} must be literal or a single JSONPath")
    for (action_type, name), allowed in _ENUMS.items():
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
        if not is_json_path(number) and not _E164.match(number):
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
        return [] if operator in _COMPARE_OPERATORS else [f"unknown operator {operator!r}"]
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
