"""`make call`: play a call to the 311 line in the terminal, against the running local stack.

It interprets the contact flow from template.yaml itself, action by action, the way Amazon Connect
would: it says the prompts, takes what the caller says or presses (typed, or from a script), invokes
ConnectFunction on the local stack with Connect's ContactFlowEvent, plays the caller bot from the
template's Lex definition (its code hook runs on the local stack too), checks hours with --at, and
reports how the call ended. An action type or parameter it does not know stops it: the flow cannot
use something Connect does not have.

Script files hold one caller turn per line: keys ("1", "9") or words. "(silence)" is a caller who says
nothing. Headers in comments: `# from: +15205550142` (or `new`: a number no call used yet), `# at:
2026-12-01T10:00`, `# first-call: other.call` (played first, by the same caller), and any number of
`# expect:` lines: `transfer +15205550190`, `queue`, `disconnect`, `request`, `no-request`,
`said <words>`, `alert`.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import boto3
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from local_stack.aws_limits import connect_answer_problem
from local_stack.connect_flow import (
    FlowError,
    bot_locales,
    check,
    code_hook_function,
    is_json_path,
    load_flow,
    logical_id_of,
    placeholder_arn,
)
from local_stack.running import NoStackAnswers, running_stack
from local_stack.template import ACCOUNT_ID, REGION, Template

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUTS = REPO_ROOT / ".local" / "outputs.json"
SILENCE = "(silence)"
LINE_NUMBER = "+15205550111"  # the number the caller dialled (fictional)
INSTANCE_ARN = f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/00000000-0000-4000-8000-000000000311"
MAX_STEPS = 500
# How long the simulator waits, after the call, for asynchronous invocations to finish.
BACKGROUND_SECONDS = 30
_PATH_IN_TEXT = re.compile(r"\$\.[A-Za-z]+(?:\.[A-Za-z0-9_-]+|\.\['[^']+'\])*")
_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class SimulatorError(Exception):
    """The flow asked for something the simulator (and so this project's flow) does not support."""


class ScriptError(Exception):
    """The script and the call went different ways (it ran out of turns, or had turns left over)."""


@dataclass(frozen=True)
class Step:
    """One thing the call went through, in order: a flow action, a turn of the bot, or a Lambda invocation."""

    kind: str  # action | lex | invoke
    name: str  # the action's type, the intent the bot recognised, or the operation invoked ("code hook")
    detail: str = ""  # the action's identifier, the bot alias, or SYNCHRONOUS | ASYNCHRONOUS


@dataclass
class Ending:
    """How the call ended."""

    kind: str = "disconnect"  # disconnect | transfer | queue
    target: str | None = None
    request_id: str | None = None
    alerted: bool = False
    transcript: list[str] = field(default_factory=list)
    # What happened, in order: "transfer", and "alerted" when the 911 alert's invocation answered.
    timeline: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def describe(self) -> str:
        what = {"transfer": f"transferred to {self.target}", "queue": f"queued for {self.target}"}.get(
            self.kind, "disconnected"
        )
        extra = f", request {self.request_id}" if self.request_id else ""
        return what + extra + (", 911 alerted" if self.alerted else "")


@dataclass
class Script:
    turns: list[str]
    caller: str | None = None
    at: str | None = None
    expect: list[str] = field(default_factory=list)
    first_call: Path | None = None


def read_script(path: Path) -> Script:
    """A call script: turns, plus the headers in its comments."""
    script = Script(turns=[])
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            header = re.match(r"#\s*([a-z-]+):\s*(.+)$", line)
            if header:
                name, value = header.group(1), header.group(2).strip()
                if name == "from":
                    script.caller = value
                elif name == "at":
                    script.at = value
                elif name == "expect":
                    script.expect.append(value)
                elif name == "first-call":
                    script.first_call = path.parent / value
            continue
        turn = line.split("  #", 1)[0].strip()
        if turn:
            script.turns.append(turn)
    return script


def spoken(ssml: str) -> str:
    """What a caller hears from an SSML or text prompt, as plain text."""
    text = re.sub(r'<say-as interpret-as="digits">([^<]*)</say-as>', lambda match: " ".join(match.group(1)), ssml)
    text = re.sub(r"<break[^>]*/>", " ", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


@dataclass
class LocalStackView:
    """The running local stack, as the simulator needs it: names, the Lambda client, the template."""

    info: dict[str, Any]
    template: Template

    @classmethod
    def from_outputs(cls, path: Path, template_path: Path = REPO_ROOT / "template.yaml") -> LocalStackView:
        info = json.loads(path.read_text(encoding="utf-8"))
        declared = Template(template_path, {}, "civic311-local").parameters
        parameters = {name: value for name, value in info.get("parameters", {}).items() if name in declared}
        return cls(info, Template(template_path, parameters, "civic311-local"))

    def attribute(self, logical_id: str, name: str) -> str:
        # Resources the local stack created resolve to themselves; Connect-only ones to stand-ins.
        output = self.info.get("outputs", {}).get(f"{logical_id}{name}")
        return str(output) if output else placeholder_arn(self.template, logical_id, name)

    def lambda_client(self) -> Any:
        # The local endpoint takes any credentials.
        session = boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106
            region_name=self.info.get("region", REGION),
        )
        # Connect gives a function 8 seconds; let the client wait a little longer so the limit is ours to judge.
        return session.client(
            "lambda",
            endpoint_url=self.info["aws_endpoint"],
            config=Config(read_timeout=15, retries={"max_attempts": 1}),
        )


class CallSimulator:
    """Plays one call through the flow."""

    def __init__(
        self,
        stack: LocalStackView,
        caller: str | None,
        at: datetime,
        turns: Callable[[str], str | None],
        out: TextIO = sys.stdout,
    ) -> None:
        self.stack = stack
        self.caller = caller
        self.at = at
        self.next_turn = turns
        self.out = out
        self.flow, content = load_flow(stack.template, stack.attribute)
        self.actions = {action["Identifier"]: action for action in self.flow["Actions"]}
        self.bot_alias = self._bot_alias()
        self.locales = bot_locales(stack.template, self.bot_alias) if self.bot_alias else {}
        check(self.flow, content, {intent.name for locale in self.locales.values() for intent in locale.intents})
        self.lambda_client = stack.lambda_client()
        self.contact_id = str(uuid.uuid4())
        self.attributes: dict[str, str] = {}
        self.external: dict[str, str] = {}
        self.lex: dict[str, Any] = {"IntentName": "", "Slots": {}, "SessionAttributes": {}}
        self.lex_session: dict[str, str] = {}
        self.stored_input = ""
        self.language_code = "en-US"
        self.voice = "Joanna"
        self.loops: dict[str, int] = {}
        self.queue: str | None = None
        self.ending = Ending()
        self.background: list[threading.Thread] = []

    def _bot_alias(self) -> str | None:
        for action in self.flow["Actions"]:
            bot = action["Parameters"].get("LexV2Bot")
            if bot:
                return logical_id_of(str(bot["AliasArn"]))
        return None

    # ------------------------------------------------------------------ running

    def run(self) -> Ending:
        current: str | None = self.flow["StartAction"]
        for _ in range(MAX_STEPS):
            if current is None:
                self._finish_background()
                return self.ending
            action = self.actions[current]
            self.ending.steps.append(Step("action", action["Type"], current))
            handler = getattr(self, f"_do_{action['Type']}", None)
            if handler is None:
                raise SimulatorError(f"{current}: the simulator cannot play {action['Type']}")
            outcome = handler(action["Parameters"])
            current = self._next(action, outcome)
        raise SimulatorError(f"the call did not end within {MAX_STEPS} actions")

    def _next(self, action: dict[str, Any], outcome: tuple[str, str | None]) -> str | None:
        """outcome: ('next', None), ('condition', value), ('error', ErrorType) or ('end', None)."""
        kind, value = outcome
        transitions = action["Transitions"]
        if kind == "end":
            return None
        if kind == "condition":
            for condition in transitions.get("Conditions", []):
                if _holds(condition["Condition"], value or ""):
                    return str(condition["NextAction"])
            kind, value = "error", "NoMatchingCondition"
        if kind == "error":
            for error in transitions.get("Errors", []):
                if error["ErrorType"] == value:
                    return str(error["NextAction"])
            if value != "NoMatchingError":
                # Connect takes the catch-all error branch when a specific one is not wired.
                for error in transitions.get("Errors", []):
                    if error["ErrorType"] == "NoMatchingError":
                        return str(error["NextAction"])
            raise SimulatorError(f"{action['Identifier']}: {value} happened and the flow has no branch for it")
        return str(transitions["NextAction"])

    # ------------------------------------------------------------------ values

    def value_of(self, path: str) -> str:
        """A JSONPath from the flow, read from the contact's state."""
        parts = re.findall(r"\.\['([^']+)'\]|\.([A-Za-z0-9_-]+)", path[1:])
        names = [quoted or plain for quoted, plain in parts]
        root, rest = names[0], names[1:]
        simple = {
            "ContactId": self.contact_id,
            "InitialContactId": self.contact_id,
            "PreviousContactId": self.contact_id,
            "Channel": "VOICE",
            "LanguageCode": self.language_code,
            "InstanceARN": INSTANCE_ARN,
            "TextToSpeechVoiceId": self.voice,
            "StoredCustomerInput": self.stored_input,
        }
        if root in simple and not rest:
            return simple[root]
        sources: dict[str, Any] = {
            "External": self.external,
            "Attributes": self.attributes,
            "Lex": self.lex,
            "CustomerEndpoint": {"Address": self.caller or "anonymous", "Type": "TELEPHONE_NUMBER"},
            "SystemEndpoint": {"Address": LINE_NUMBER, "Type": "TELEPHONE_NUMBER"},
        }
        if root not in sources:
            raise SimulatorError(f"the simulator cannot read {path}")
        found: Any = sources[root]
        for name in rest:
            found = found.get(name, "") if isinstance(found, dict) else ""
        return found if isinstance(found, str) else ""

    def resolve(self, value: str) -> str:
        """A parameter value: a whole JSONPath is read; paths inside text are replaced."""
        if is_json_path(value):
            return self.value_of(value)
        return _PATH_IN_TEXT.sub(lambda match: self.value_of(match.group(0)), value)

    def prompt_of(self, parameters: dict[str, Any]) -> str | None:
        for name in ("SSML", "Text"):
            if name in parameters:
                return spoken(self.resolve(str(parameters[name])))
        if "PromptId" in parameters or "Media" in parameters:
            raise SimulatorError("recorded prompts cannot be played here; use Text or SSML")
        return None

    # ------------------------------------------------------------------ output

    def say(self, text: str) -> None:
        line = f"311: {text}"
        self.ending.transcript.append(line)
        print(line, file=self.out, flush=True)

    def note(self, text: str) -> None:
        line = f"     [{text}]"
        self.ending.transcript.append(line)
        print(line, file=self.out, flush=True)

    def hear(self, listening_for: str) -> str | None:
        turn = self.next_turn(listening_for)
        line = f"caller> {turn if turn else SILENCE}"
        self.ending.transcript.append(line)
        return turn

    # ------------------------------------------------------------------ actions

    def _do_MessageParticipant(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        text = self.prompt_of(parameters)
        if text:
            self.say(text)
        return "next", None

    def _do_GetParticipantInput(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        text = self.prompt_of(parameters)
        if text:
            self.say(text)
        turn = self.hear("keys")
        if not turn or not re.fullmatch(r"[0-9*#]+", turn):
            if turn:
                self.note("Connect listens for keys here, not words: no input")
            return "error", "InputTimeLimitExceeded"
        if parameters.get("StoreInput") == "True":
            self.stored_input = turn
            return "next", None
        return "condition", turn[0]

    def _do_ConnectParticipantWithLexBot(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        text = self.prompt_of(parameters)
        if text:
            self.say(text)
        if "LexV2Bot" not in parameters:
            raise SimulatorError("only Lex V2 bots are simulated")
        alias = logical_id_of(self.resolve(str(parameters["LexV2Bot"]["AliasArn"])))
        locale_id = self.language_code.replace("-", "_")
        locale = bot_locales(self.stack.template, alias).get(locale_id)
        if locale is None:
            return "error", "NoMatchingError"  # Connect fails when the bot has no locale for the contact
        for name, value in (parameters.get("LexSessionAttributes") or {}).items():
            self.lex_session[str(name)] = self.resolve(str(value))
        turn = self.hear("words or keys")
        if not turn:
            return "error", "InputTimeLimitExceeded"
        intent = _recognise(locale.intents, turn)
        if intent is None:
            return "error", "NoMatchingError"
        self.ending.steps.append(Step("lex", intent.name, alias))
        if intent.code_hook:
            hook = code_hook_function(self.stack.template, alias, locale_id)
            if hook is None:
                raise SimulatorError(f"intent {intent.name} has a code hook but {alias} names no function")
            # Lex waits on its code hook, and Connect on Lex: for the caller it is a synchronous invocation.
            self.ending.steps.append(Step("invoke", "code hook", "SYNCHRONOUS"))
            answer = self._invoke(
                self.stack.attribute(hook, "Arn"), _lex_event(self, alias, locale_id, intent.name, turn)
            )
            if answer is None:
                return "error", "NoMatchingError"
            state = answer.get("sessionState", {})
            self.lex_session = {str(k): str(v) for k, v in (state.get("sessionAttributes") or {}).items()}
        self.lex = {"IntentName": intent.name, "Slots": {}, "SessionAttributes": dict(self.lex_session)}
        return "condition", intent.name

    def _do_InvokeLambdaFunction(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        arn = self.resolve(str(parameters["LambdaFunctionARN"]))
        limit = int(parameters["InvocationTimeLimitSeconds"])
        attributes = {
            str(name): self.resolve(str(value))
            for name, value in (parameters.get("LambdaInvocationAttributes") or {}).items()
        }
        event = self._contact_flow_event(attributes)
        invocation_type = parameters.get("InvocationType", "SYNCHRONOUS")
        self.ending.steps.append(Step("invoke", attributes.get("operation", ""), invocation_type))
        if invocation_type == "ASYNCHRONOUS":
            # Connect routes the contact on at once; the answer is not read ($.External keeps its value).
            operation = attributes.get("operation", "")
            self.note(f"{operation or 'the function'} runs asynchronously; the flow goes on")
            worker = threading.Thread(target=self._invoke_in_background, args=(arn, event, operation), daemon=True)
            worker.start()
            self.background.append(worker)
            return "next", None
        started = time.perf_counter()
        answer = self._invoke(arn, event)
        elapsed = time.perf_counter() - started
        if elapsed > limit:
            self.note(f"the function took {elapsed:.1f} s, over the {limit} s limit: Connect gives up")
            return "error", "NoMatchingError"
        if answer is None:
            return "error", "NoMatchingError"
        expected = (parameters.get("ResponseValidation") or {}).get("ResponseType", "STRING_MAP")
        if expected == "STRING_MAP":
            problem = connect_answer_problem(answer)
            if problem:
                self.note(f"the function's answer is not a flat string map ({problem}): Connect rejects it")
                return "error", "NoMatchingError"
        self.external = {str(key): str(value) for key, value in answer.items()}
        if self.external.get("result") == "created" and self.external.get("request_id"):
            self.ending.request_id = self.external["request_id"]
        if attributes.get("operation") == "emergency" and self.external.get("result") == "alerted":
            self._alerted(None)
        if self.external.get("result") == "emergency" and self.external.get("request_id"):
            self.ending.request_id = self.external["request_id"]
            self._alerted(self.external["request_id"])
        return "next", None

    def _invoke_in_background(self, arn: str, event: dict[str, Any], operation: str) -> None:
        answer = self._invoke(arn, event)
        if operation == "emergency" and answer is not None and answer.get("result") == "alerted":
            self._alerted(None)

    def _alerted(self, request_id: str | None) -> None:
        self.ending.alerted = True
        self.ending.timeline.append("alerted")
        if request_id and self.ending.request_id is None:
            self.ending.request_id = request_id

    def _finish_background(self) -> None:
        """Wait for asynchronous invocations (Lambda finishes them after the call), so the ending tells all."""
        for worker in self.background:
            worker.join(timeout=BACKGROUND_SECONDS)
            if worker.is_alive():
                self.note(f"an asynchronous invocation was still running after {BACKGROUND_SECONDS} s")

    def _do_Compare(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        return "condition", self.value_of(str(parameters["ComparisonValue"]))

    def _do_UpdateContactAttributes(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        if parameters.get("TargetContact", "Current") != "Current":
            raise SimulatorError("only the current contact's attributes are simulated")
        resolved = {str(name): self.resolve(str(value)) for name, value in parameters["Attributes"].items()}
        self.attributes.update(resolved)
        return "next", None

    def _do_UpdateContactTextToSpeechVoice(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        self.voice = self.resolve(str(parameters["TextToSpeechVoice"]))
        return "next", None

    def _do_UpdateContactData(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        if "LanguageCode" in parameters:
            self.language_code = self.resolve(str(parameters["LanguageCode"]))
        return "next", None

    def _do_CheckHoursOfOperation(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        if "HoursOfOperationId" not in parameters:
            raise SimulatorError(
                "CheckHoursOfOperation without HoursOfOperationId (the queue's hours) is not simulated"
            )
        logical_id = logical_id_of(self.resolve(str(parameters["HoursOfOperationId"])))
        resource = self.stack.template.body["Resources"].get(logical_id)
        if resource is None or resource["Type"] != "AWS::Connect::HoursOfOperation":
            return "error", "NoMatchingError"
        properties = resource["Properties"]
        local = self.at.astimezone(ZoneInfo(properties["TimeZone"]))
        minute = local.hour * 60 + local.minute
        open_now = any(
            entry["Day"] == _DAYS[local.weekday()]
            and entry["StartTime"]["Hours"] * 60 + entry["StartTime"]["Minutes"]
            <= minute
            < entry["EndTime"]["Hours"] * 60 + entry["EndTime"]["Minutes"]
            for entry in properties["Config"]
        )
        self.note(f"hours {logical_id} at {local:%a %H:%M}: {'open' if open_now else 'closed'}")
        return "condition", "True" if open_now else "False"

    def _do_TransferParticipantToThirdParty(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        number = self.resolve(str(parameters["ThirdPartyPhoneNumber"]))
        if not re.fullmatch(r"\+[1-9][0-9]{7,14}", number):
            self.note(f"{number!r} is not a number Connect can dial")
            return "error", "CallFailed"
        self.note(f"transferring the caller to {number}")
        self.ending.kind, self.ending.target = "transfer", number
        self.ending.timeline.append("transfer")
        if parameters.get("ContinueFlowExecution", "True") == "False":
            return "end", None
        return "next", None  # the flow resumes when the third party hangs up

    def _do_UpdateContactTargetQueue(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        target = parameters.get("QueueId") or parameters.get("AgentId")
        self.queue = logical_id_of(self.resolve(str(target)))
        return "next", None

    def _do_TransferContactToQueue(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        if self.queue is None:
            return "error", "NoMatchingError"
        self.note(f"queued for {self.queue}")
        self.ending.kind, self.ending.target = "queue", self.queue
        return "end", None

    def _do_Loop(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        # Keyed by the action, as Connect keys a loop's counter by its block.
        identifier = next(key for key, action in self.actions.items() if action["Parameters"] is parameters)
        count = int(self.resolve(str(parameters["LoopCount"])))
        done = self.loops.get(identifier, 0)
        self.loops[identifier] = done + 1
        return "condition", "ContinueLooping" if done < count else "DoneLooping"

    def _do_DisconnectParticipant(self, parameters: dict[str, Any]) -> tuple[str, str | None]:
        self.note("call ended")
        return "end", None

    # ------------------------------------------------------------------ Lambda

    def _contact_flow_event(self, parameters: dict[str, str]) -> dict[str, Any]:
        return {
            "Name": "ContactFlowEvent",
            "Details": {
                "ContactData": {
                    "Attributes": dict(self.attributes),
                    "Channel": "VOICE",
                    "ContactId": self.contact_id,
                    "CustomerEndpoint": {"Address": self.caller, "Type": "TELEPHONE_NUMBER"} if self.caller else None,
                    "CustomerId": None,
                    "Description": None,
                    "InitialContactId": self.contact_id,
                    "InitiationMethod": "INBOUND",
                    "InstanceARN": INSTANCE_ARN,
                    "LanguageCode": self.language_code,
                    "MediaStreams": {"Customer": {"Audio": None}},
                    "Name": None,
                    "PreviousContactId": self.contact_id,
                    "Queue": None,
                    "References": {},
                    "SystemEndpoint": {"Address": LINE_NUMBER, "Type": "TELEPHONE_NUMBER"},
                },
                "Parameters": parameters,
            },
        }

    def _invoke(self, arn: str, event: dict[str, Any]) -> dict[str, Any] | None:
        response = self.lambda_client.invoke(FunctionName=arn, Payload=json.dumps(event).encode("utf-8"))
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            self.note(f"the function failed: {str(payload.get('errorType', payload))[:200]}")
            return None
        return payload if isinstance(payload, dict) else None


def _recognise(intents: list[Any], turn: str) -> Any:
    """The intent a caller's words (or keys) trigger: an exact sample utterance, else the fallback."""
    said = _normalise(turn)
    for intent in intents:
        if not intent.fallback and any(_normalise(sample) == said for sample in intent.utterances):
            return intent
    return next((intent for intent in intents if intent.fallback), None)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def _lex_event(simulator: CallSimulator, alias: str, locale_id: str, intent: str, turn: str) -> dict[str, Any]:
    keys = re.fullmatch(r"[0-9*#]+", turn) is not None
    state = {"name": intent, "slots": {}, "state": "ReadyForFulfillment", "confirmationState": "None"}
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "inputMode": "DTMF" if keys else "Speech",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": simulator.contact_id,
        "inputTranscript": turn,
        "bot": {
            "id": alias,
            "name": alias,
            "aliasId": alias,
            "aliasName": "live",
            "localeId": locale_id,
            "version": "1",
        },
        "interpretations": [{"intent": state}],
        "requestAttributes": {"x-amz-lex:channels:platform": "Connect"},
        "sessionState": {"sessionAttributes": dict(simulator.lex_session), "activeContexts": [], "intent": state},
        "transcriptions": [{"transcription": turn, "transcriptionConfidence": 0.95}],
    }


def _holds(condition: dict[str, Any], value: str) -> bool:
    operator, operand = condition["Operator"], str(condition["Operands"][0])
    if operator == "Equals":
        return value == operand
    if operator == "TextStartsWith":
        return value.startswith(operand)
    if operator == "TextEndsWith":
        return value.endswith(operand)
    if operator == "TextContains":
        return operand in value
    try:
        left, right = float(value), float(operand)
    except ValueError:
        return False  # Connect: a number comparison with a non-number is false
    return {
        "NumberGreaterThan": left > right,
        "NumberGreaterOrEqualTo": left >= right,
        "NumberLessThan": left < right,
        "NumberLessOrEqualTo": left <= right,
    }[operator]


# ---------------------------------------------------------------------------------------------- CLI


def scripted_turns(turns: list[str]) -> tuple[Callable[[str], str | None], Callable[[], list[str]]]:
    """Turns read from a script; asking past its end is a ScriptError."""
    remaining: Iterator[str] = iter(turns)
    left: list[str] = list(turns)

    def next_turn(listening_for: str) -> str | None:
        try:
            turn = next(remaining)
        except StopIteration:
            raise ScriptError(f"the script ran out of turns while the flow waited for {listening_for}") from None
        left.pop(0)
        print(f"caller> {turn}", flush=True)
        return None if turn == SILENCE else turn

    return next_turn, lambda: left


def typed_turn(listening_for: str) -> str | None:
    try:
        turn = input(f"caller ({listening_for}; Enter for silence)> ").strip()
    except EOFError:
        raise ScriptError("the caller hung up") from None
    return turn or None


def check_expectations(ending: Ending, expectations: list[str]) -> list[str]:
    """Which `# expect:` lines the call did not meet."""
    heard = " ".join(line for line in ending.transcript if line.startswith("311:"))
    unmet = []
    for expectation in expectations:
        word, _, rest = expectation.partition(" ")
        rest = rest.strip()
        met = {
            "transfer": ending.kind == "transfer" and (not rest or ending.target == rest),
            "queue": ending.kind == "queue" and (not rest or ending.target == rest),
            "disconnect": ending.kind == "disconnect",
            "request": ending.request_id is not None,
            "no-request": ending.request_id is None,
            "alert": ending.alerted,
            "said": bool(rest) and rest.lower() in heard.lower(),
        }.get(word)
        if met is None:
            unmet.append(f"unknown expectation {expectation!r}")
        elif not met:
            unmet.append(expectation)
    return unmet


def new_caller() -> str:
    """A number no earlier call used, so a script plays the same on a stack that has taken calls already."""
    return f"+1520555{secrets.randbelow(10_000):04d}"


def caller_for(script: Script, given: str | None) -> str:
    if given:
        return given
    if script.caller in (None, "new"):
        return new_caller()
    return script.caller


def play(stack: LocalStackView, script: Script, caller: str, at: datetime, out: TextIO) -> Ending:
    """Play a scripted call (and the call it says comes first); ScriptError if they part ways."""
    if script.first_call is not None:
        first = read_script(script.first_call)
        print(f"--- first: {script.first_call.name}", file=out, flush=True)
        play(stack, first, caller, at, out)
        print("--- then:", file=out, flush=True)
    turns, left = scripted_turns(script.turns)
    ending = CallSimulator(stack, caller, at, turns, out).run()
    if left():
        raise ScriptError(f"the call ended with script turns left over: {left()}")
    return ending


def parse_at(value: str | None) -> datetime:
    """--at: an ISO date-time; no offset means Tucson time. Default: now."""
    if not value:
        return datetime.now(ZoneInfo("America/Phoenix"))
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("America/Phoenix"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.call_simulator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--outputs", type=Path, default=DEFAULT_OUTPUTS, help="the running stack's outputs.json")
    parser.add_argument("--script", type=Path, help="play this call script instead of asking for each turn")
    parser.add_argument("--from", dest="caller", help="the caller's number (E.164); default the script's, or a new one")
    parser.add_argument("--at", help="the moment of the call, for the hours check (default now, Tucson time)")
    args = parser.parse_args(argv)
    try:
        running_stack(args.outputs)
    except NoStackAnswers as error:
        print(error, file=sys.stderr)
        return 2
    stack = LocalStackView.from_outputs(args.outputs)
    try:
        if args.script:
            script = read_script(args.script)
            caller = caller_for(script, args.caller)
            ending = play(stack, script, caller, parse_at(args.at or script.at), sys.stdout)
            expectations = script.expect
        else:
            caller = args.caller or new_caller()
            ending = CallSimulator(stack, caller, parse_at(args.at), typed_turn).run()
            expectations = []
    except FlowError as error:
        print(str(error), file=sys.stderr)
        return 3
    except SimulatorError as error:
        print(f"the simulator stopped: {error}", file=sys.stderr)
        return 3
    except ScriptError as error:
        print(f"the script and the call parted ways: {error}", file=sys.stderr)
        return 2
    except EndpointConnectionError:
        endpoint = stack.info["aws_endpoint"]
        print(f"the local stack at {endpoint} stopped answering: start it with `make run`", file=sys.stderr)
        return 2
    print(f"ending: {ending.describe()}", flush=True)
    unmet = check_expectations(ending, expectations)
    for expectation in unmet:
        print(f"expected, not met: {expectation}", file=sys.stderr)
    return 1 if unmet else 0


if __name__ == "__main__":
    sys.exit(main())
