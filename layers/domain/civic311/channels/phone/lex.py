"""The caller bot's code hook: hands the contact flow what the caller said, as the `said` session attribute.

Amazon Connect hears speech only through an Amazon Lex bot, and passes the flow the bot's intent and
session attributes, not the words. The bot's Describe and Fallback intents are fulfilled here so the
flow can send the words on to the phone operations (and triage).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_SAID = 1000


def is_lex_event(event: Mapping[str, Any]) -> bool:
    """An Amazon Lex V2 code-hook event (rather than a Connect contact-flow event)."""
    return isinstance(event.get("bot"), dict) and isinstance(event.get("sessionState"), dict)


def close_with_transcript(event: Mapping[str, Any]) -> dict[str, Any]:
    """Fulfil the intent at once, keeping the caller's words in the session for the contact flow."""
    state = event.get("sessionState") or {}
    intent = state.get("intent") or {}
    attributes = {str(key): str(value) for key, value in (state.get("sessionAttributes") or {}).items()}
    attributes["said"] = str(event.get("inputTranscript") or "").strip()[:MAX_SAID]
    return {
        "sessionState": {
            "sessionAttributes": attributes,
            "dialogAction": {"type": "Close"},
            "intent": {
                "name": str(intent.get("name") or "FallbackIntent"),
                "slots": intent.get("slots") or {},
                "state": "Fulfilled",
            },
        }
    }
