"""Plays one call through the contact flow from template.yaml, action by action, the way Amazon Connect would.

The contact's state (attributes, $.External, the Lex session), the flow's transitions and how the call ended live
here; what each action does is in call_flow_actions.py (call_lex.py for the bot, call_lambda.py for functions). An
action type it does not know stops it: the flow cannot use something Connect does not have. `make call` drives it
from call_scripts.py.
"""

from __future__ import annotations

import html
import json
import re
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import boto3
from botocore.config import Config

from local_stack.call_flow_actions import ACTIONS
from local_stack.call_outcome import INSTANCE_ARN, LINE_NUMBER, Ending, SimulatorError, Step
from local_stack.connect_flow import bot_locales, load_flow, logical_id_of, placeholder_arn
from local_stack.connect_flow_checks import check
from local_stack.connect_flow_spec import is_json_path
from local_stack.template import REGION, Template

REPO_ROOT = Path(__file__).resolve().parent.parent
SILENCE = "(silence)"
MAX_STEPS = 500
# How long the simulator waits, after the call, for asynchronous invocations to finish.
BACKGROUND_SECONDS = 30
_PATH_IN_TEXT = re.compile(r"\$\.[A-Za-z]+(?:\.[A-Za-z0-9_-]+|\.\['[^']+'\])*")


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
            play_action = ACTIONS.get(action["Type"])
            if play_action is None:
                raise SimulatorError(f"{current}: the simulator cannot play {action['Type']}")
            outcome = play_action(self, action["Parameters"])
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

    # ------------------------------------------------------------------ Lambda

    def alerted(self, request_id: str | None) -> None:
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

    def invoke(self, arn: str, event: dict[str, Any]) -> dict[str, Any] | None:
        response = self.lambda_client.invoke(FunctionName=arn, Payload=json.dumps(event).encode("utf-8"))
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            self.note(f"the function failed: {str(payload.get('errorType', payload))[:200]}")
            return None
        return payload if isinstance(payload, dict) else None


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
