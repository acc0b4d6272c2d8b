"""The triage decision handed to intake, escalation and staff screens."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class TriageResult(BaseModel):
    """Whether to send to 911, whether it is a mental-health crisis, where it goes, and why."""

    model_config = ConfigDict(frozen=True)

    emergency: bool
    crisis: bool
    service_code: str
    language: Literal["en", "es"]
    signals: list[str]
