"""The Amazon Connect flow language (version 2019-10-30), as far as the 311 line uses it: each action type's
parameters, errors and conditions, the limits on a flow, and the JSONPaths a flow may read.

Only the action types the call simulator can play are here, so a flow using anything else fails the check
(connect_flow_checks.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

FLOW_VERSION = "2019-10-30"
MAX_CONTENT_CHARS = 256_000
MAX_ACTIONS = 250
MAX_IDENTIFIER = 50
FORBIDDEN_IN_IDENTIFIER = set("%:()\\/=$,;[]{}")
RESERVED_IDENTIFIERS = {
    "__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf",
    "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "__defineSetter__",
    "__lookupGetter__", "__lookupSetter__",
}  # fmt: skip
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_ROOTS = (
    "External", "Attributes", "Lex", "StoredCustomerInput", "CustomerEndpoint", "SystemEndpoint", "ContactId",
    "InitialContactId", "PreviousContactId", "Channel", "LanguageCode", "InstanceARN", "TextToSpeechVoiceId",
)  # fmt: skip
JSON_PATH = re.compile(r"\$\.(?:" + "|".join(_ROOTS) + r")(?:\.[A-Za-z0-9_-]+|\.\['[^']+'\])*")
ANY_PATH = re.compile(r"\$\.[A-Za-z]")
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
ENUMS = {
    ("GetParticipantInput", "StoreInput"): {"True", "False"},
    ("TransferParticipantToThirdParty", "ContinueFlowExecution"): {"True", "False"},
    ("InvokeLambdaFunction", "InvocationType"): {"SYNCHRONOUS", "ASYNCHRONOUS"},
    ("UpdateContactAttributes", "TargetContact"): {"Current", "Related"},
    ("UpdateContactTextToSpeechVoice", "TextToSpeechEngine"): {"Standard", "Neural", "Generative"},
    ("UpdateContactTextToSpeechVoice", "TextToSpeechStyle"): {"None", "Conversational", "Newscaster"},
}
COMPARE_OPERATORS = {
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
