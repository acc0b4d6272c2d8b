"""The contact flow actions the call simulator plays, each as Amazon Connect does, by action type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from local_stack.call_lambda import invoke_lambda_function
from local_stack.call_lex import connect_participant_with_lex_bot
from local_stack.call_outcome import SimulatorError
from local_stack.connect_flow import logical_id_of

if TYPE_CHECKING:
    from local_stack.call_simulator import CallSimulator

# What an action leads to: ("next", None), ("condition", value), ("error", ErrorType) or ("end", None).
Outcome = tuple[str, str | None]
_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def message_participant(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    text = call.prompt_of(parameters)
    if text:
        call.say(text)
    return "next", None


def get_participant_input(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    text = call.prompt_of(parameters)
    if text:
        call.say(text)
    turn = call.hear("keys")
    if not turn or not re.fullmatch(r"[0-9*#]+", turn):
        if turn:
            call.note("Connect listens for keys here, not words: no input")
        return "error", "InputTimeLimitExceeded"
    if parameters.get("StoreInput") == "True":
        call.stored_input = turn
        return "next", None
    return "condition", turn[0]


def compare(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    return "condition", call.value_of(str(parameters["ComparisonValue"]))


def update_contact_attributes(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    if parameters.get("TargetContact", "Current") != "Current":
        raise SimulatorError("only the current contact's attributes are simulated")
    resolved = {str(name): call.resolve(str(value)) for name, value in parameters["Attributes"].items()}
    call.attributes.update(resolved)
    return "next", None


def update_contact_text_to_speech_voice(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    call.voice = call.resolve(str(parameters["TextToSpeechVoice"]))
    return "next", None


def update_contact_data(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    if "LanguageCode" in parameters:
        call.language_code = call.resolve(str(parameters["LanguageCode"]))
    return "next", None


def check_hours_of_operation(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    if "HoursOfOperationId" not in parameters:
        raise SimulatorError("CheckHoursOfOperation without HoursOfOperationId (the queue's hours) is not simulated")
    logical_id = logical_id_of(call.resolve(str(parameters["HoursOfOperationId"])))
    resource = call.stack.template.declared.get(logical_id)
    if resource is None or resource["Type"] != "AWS::Connect::HoursOfOperation":
        return "error", "NoMatchingError"
    properties = resource["Properties"]
    local = call.at.astimezone(ZoneInfo(properties["TimeZone"]))
    minute = local.hour * 60 + local.minute
    open_now = any(
        entry["Day"] == _DAYS[local.weekday()]
        and entry["StartTime"]["Hours"] * 60 + entry["StartTime"]["Minutes"]
        <= minute
        < entry["EndTime"]["Hours"] * 60 + entry["EndTime"]["Minutes"]
        for entry in properties["Config"]
    )
    call.note(f"hours {logical_id} at {local:%a %H:%M}: {'open' if open_now else 'closed'}")
    return "condition", "True" if open_now else "False"


def transfer_participant_to_third_party(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    number = call.resolve(str(parameters["ThirdPartyPhoneNumber"]))
    if not re.fullmatch(r"\+[1-9][0-9]{7,14}", number):
        call.note(f"{number!r} is not a number Connect can dial")
        return "error", "CallFailed"
    call.note(f"transferring the caller to {number}")
    call.ending.kind, call.ending.target = "transfer", number
    call.ending.timeline.append("transfer")
    if parameters.get("ContinueFlowExecution", "True") == "False":
        return "end", None
    return "next", None  # the flow resumes when the third party hangs up


def update_contact_target_queue(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    target = parameters.get("QueueId") or parameters.get("AgentId")
    call.queue = logical_id_of(call.resolve(str(target)))
    return "next", None


def transfer_contact_to_queue(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    if call.queue is None:
        return "error", "NoMatchingError"
    call.note(f"queued for {call.queue}")
    call.ending.kind, call.ending.target = "queue", call.queue
    return "end", None


def loop(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    # Keyed by the action, as Connect keys a loop's counter by its block.
    identifier = next(key for key, action in call.actions.items() if action["Parameters"] is parameters)
    count = int(call.resolve(str(parameters["LoopCount"])))
    done = call.loops.get(identifier, 0)
    call.loops[identifier] = done + 1
    return "condition", "ContinueLooping" if done < count else "DoneLooping"


def disconnect_participant(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    call.note("call ended")
    return "end", None


ACTIONS: dict[str, Callable[[CallSimulator, dict[str, Any]], Outcome]] = {
    "MessageParticipant": message_participant,
    "GetParticipantInput": get_participant_input,
    "ConnectParticipantWithLexBot": connect_participant_with_lex_bot,
    "InvokeLambdaFunction": invoke_lambda_function,
    "Compare": compare,
    "UpdateContactAttributes": update_contact_attributes,
    "UpdateContactTextToSpeechVoice": update_contact_text_to_speech_voice,
    "UpdateContactData": update_contact_data,
    "CheckHoursOfOperation": check_hours_of_operation,
    "TransferParticipantToThirdParty": transfer_participant_to_third_party,
    "UpdateContactTargetQueue": update_contact_target_queue,
    "TransferContactToQueue": transfer_contact_to_queue,
    "Loop": loop,
    "DisconnectParticipant": disconnect_participant,
}
