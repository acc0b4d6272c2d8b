"""A turn with the caller bot: Lex V2 recognises an intent from the template's bot definition and runs its code hook."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from local_stack.call_outcome import SimulatorError, Step
from local_stack.connect_flow import bot_locales, code_hook_function, logical_id_of

if TYPE_CHECKING:
    from local_stack.call_simulator import CallSimulator


def connect_participant_with_lex_bot(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    text = call.prompt_of(parameters)
    if text:
        call.say(text)
    if "LexV2Bot" not in parameters:
        raise SimulatorError("only Lex V2 bots are simulated")
    alias = logical_id_of(call.resolve(str(parameters["LexV2Bot"]["AliasArn"])))
    locale_id = call.language_code.replace("-", "_")
    locale = bot_locales(call.stack.template, alias).get(locale_id)
    if locale is None:
        return "error", "NoMatchingError"  # Connect fails when the bot has no locale for the contact
    for name, value in (parameters.get("LexSessionAttributes") or {}).items():
        call.lex_session[str(name)] = call.resolve(str(value))
    turn = call.hear("words or keys")
    if not turn:
        return "error", "InputTimeLimitExceeded"
    intent = _recognise(locale.intents, turn)
    if intent is None:
        return "error", "NoMatchingError"
    call.ending.steps.append(Step("lex", intent.name, alias))
    if intent.code_hook:
        hook = code_hook_function(call.stack.template, alias, locale_id)
        if hook is None:
            raise SimulatorError(f"intent {intent.name} has a code hook but {alias} names no function")
        # Lex waits on its code hook, and Connect on Lex: for the caller it is a synchronous invocation.
        call.ending.steps.append(Step("invoke", "code hook", "SYNCHRONOUS"))
        answer = call.invoke(call.stack.attribute(hook, "Arn"), _lex_event(call, alias, locale_id, intent.name, turn))
        if answer is None:
            return "error", "NoMatchingError"
        state = answer.get("sessionState", {})
        call.lex_session = {str(k): str(v) for k, v in (state.get("sessionAttributes") or {}).items()}
    call.lex = {"IntentName": intent.name, "Slots": {}, "SessionAttributes": dict(call.lex_session)}
    return "condition", intent.name


def _recognise(intents: list[Any], turn: str) -> Any:
    """The intent a caller's words (or keys) trigger: an exact sample utterance, else the fallback."""
    said = _normalise(turn)
    for intent in intents:
        if not intent.fallback and any(_normalise(sample) == said for sample in intent.utterances):
            return intent
    return next((intent for intent in intents if intent.fallback), None)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def _lex_event(call: CallSimulator, alias: str, locale_id: str, intent: str, turn: str) -> dict[str, Any]:
    keys = re.fullmatch(r"[0-9*#]+", turn) is not None
    state = {"name": intent, "slots": {}, "state": "ReadyForFulfillment", "confirmationState": "None"}
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "inputMode": "DTMF" if keys else "Speech",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": call.contact_id,
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
        "sessionState": {"sessionAttributes": dict(call.lex_session), "activeContexts": [], "intent": state},
        "transcriptions": [{"transcription": turn, "transcriptionConfidence": 0.95}],
    }
