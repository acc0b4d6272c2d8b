"""The emergency alert as 311 knows it: what the EIDO dispatch receives is made of (escalation/eido.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# SNS refuses a Subject of 100 characters or more, or one with line breaks or control characters.
SUBJECT_LIMIT = 99

AlertKind = Literal["screened", "staff-escalation", "diversion", "unacknowledged"]


class AlertLocation(BaseModel):
    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(defer_build=True)

    lat: float | None = None
    long: float | None = None
    address: str | None = None


class EmergencyAlert(BaseModel):
    """What dispatch gets, published as a NENA EIDO (escalation/eido.py). `alert_id` is stable per request, so a
    repeated delivery can be recognised.

    `sent_at` is when this copy was made; every attempt of one publish sends the same copy. SNS delivers at
    least once, so a publish whose answer was lost (a timeout after SNS accepted it) arrives twice with the
    same `sent_at`; 311 publishes a new copy only in a later attempt to deliver a pending alert, and only
    after the lease of the attempt before lapsed.
    """

    model_config = ConfigDict(defer_build=True)

    alert_id: str
    kind: AlertKind
    service_request_id: str
    service_code: str
    channel: str
    language: str
    location: AlertLocation
    callback_number: str | None = None
    description: str | None = None
    signals: list[str] = []
    crisis: bool = False
    reported_at: str
    escalated_by: str | None = None
    reason: str | None = None
    sent_at: str | None = None
    # The resident web page's api_key is public by design, so anyone can send through it: dispatch weighs such
    # a report as unverified. Partner apps' keys are issued to known clients; phone calls and staff are verified.
    verified: bool = True
    source: str | None = Field(default=None, description="Where the report came from: public-web, app, phone, staff.")

    def subject(self) -> str:
        """A Subject SNS accepts whatever the caller typed: only our own ids, in printable ASCII, under 100."""
        label = "UNACKNOWLEDGED 311 EMERGENCY" if self.kind == "unacknowledged" else "311 EMERGENCY"
        text = f"{label} {self.service_request_id} ({self.service_code})"
        return "".join(c for c in text if " " <= c <= "~")[:SUBJECT_LIMIT]
