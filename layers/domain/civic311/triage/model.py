"""The triage decision handed to intake, escalation and staff screens."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

# emergency: page 911 dispatch now. review: a cross-trained call-taker looks within two minutes, because the
# signs are there without certainty. routine: 311 (with the 988 line offered when `crisis` is true).
Decision = Literal["emergency", "review", "routine"]
DECISIONS: tuple[Decision, ...] = ("emergency", "review", "routine")


class TriageResult(BaseModel):
    """Whether to page 911, have a call-taker look, or route as 311; crisis, where it goes, and why."""

    model_config = ConfigDict(frozen=True)

    emergency: bool
    crisis: bool
    service_code: str
    language: Literal["en", "es"]
    signals: list[str]
    decision: Decision

    @model_validator(mode="before")
    @classmethod
    def _decision_agrees_with_emergency(cls, data: Any) -> Any:
        """`emergency` is true exactly when dispatch is paged; a result built without a decision takes it from there."""
        if isinstance(data, dict):
            emergency = bool(data.get("emergency"))
            decision = data.get("decision")
            if decision is None:
                return {**data, "decision": "emergency" if emergency else "routine"}
            if (decision == "emergency") != emergency:
                raise ValueError("emergency is true exactly when the decision is 'emergency'")
        return data
