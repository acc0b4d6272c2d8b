"""Service request models. `Contact` is personal data: it is stored, never shown in public answers or logs."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from civic311.catalog import Language
from civic311.models.limits import MAX_DESCRIPTION, Email

_PHONE_DIGITS = re.compile(r"\d")


class Channel(StrEnum):
    """How a request reached 311."""

    OPEN311 = "open311"
    WEB = "web"
    PHONE = "phone"
    DIVERSION = "911-divert"
    STAFF = "staff"

    @property
    def fills_a_form(self) -> bool:
        """Apps and the web page can insist on required questions; a phone caller or a dispatcher cannot."""
        return self in (Channel.OPEN311, Channel.WEB)


class Status(StrEnum):
    """Open311 knows two states; the detail lives in status notes."""

    OPEN = "open"
    CLOSED = "closed"


def _normalise_phone(value: str) -> str:
    digits = "".join(_PHONE_DIGITS.findall(value))
    if len(digits) == 10:
        digits = "1" + digits
    if not 11 <= len(digits) <= 15:
        raise ValueError("phone must have 10 digits (US) or be in international form")
    return "+" + digits


def one_line(value: str) -> str:
    """Collapse line breaks, tabs, control, zero-width and bidi characters into single spaces, trimmed.

    An address travels into alert subjects, SMS and staff screens, where AWS refuses control characters
    and an invisible bidi mark can make one street read as another.
    """
    # Cc: control (line breaks, tabs), Cf: format (zero-width, bidi marks), Zl/Zp/Zs: separators.
    spaced = "".join(" " if unicodedata.category(c) in _INVISIBLE else c for c in value)
    return " ".join(spaced.split())


_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs", "Co", "Cs", "Cn"})

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_normalise_phone)]
AttributeAnswers = dict[str, str | list[str]]


COORDINATE_DECIMALS = 7


class Place(BaseModel):
    """Where the issue is: coordinates, an address as the caller said it, or a city address id."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(frozen=True, defer_build=True)

    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address: Annotated[str, AfterValidator(one_line), StringConstraints(max_length=300)] | None = None
    address_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    zipcode: Annotated[str, StringConstraints(pattern=r"^\d{5}(-\d{4})?$")] | None = None

    @field_validator("lat", "long")
    @classmethod
    def _to_centimetres(cls, value: float | None) -> float | None:
        # Seven decimals are about a centimetre; finer digits mean nothing and some cannot be stored.
        return None if value is None else round(value, COORDINATE_DECIMALS) + 0.0

    @model_validator(mode="after")
    def _somewhere(self) -> Place:
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat and long must be given together")
        if self.lat is None and not self.address and not self.address_id:
            raise ValueError("a location is required: lat and long, address_string or address_id")
        return self

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.long is not None


class Contact(BaseModel):
    """The caller's details, kept only to call back or notify: personal data."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    first_name: ShortText | None = None
    last_name: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    device_id: ShortText | None = None
    account_id: ShortText | None = None
    notify: bool = Field(default=False, description="The caller agreed to be told about progress.")

    def is_empty(self) -> bool:
        return not any(self.model_dump(exclude={"notify"}, exclude_none=True).values())


class NewRequest(BaseModel):
    """A request as any channel hands it to intake."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    service_code: str
    place: Place
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_DESCRIPTION)] | None = None
    attributes: AttributeAnswers = Field(default_factory=dict)
    media_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)] | None = None
    contact: Contact | None = None
    language: Language | None = None
    channel: Channel
    source: str | None = Field(default=None, description="Which client or line it came through, for audit.")
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    declared_emergency: bool = Field(
        default=False,
        description="The caller said someone is in danger (the phone line's emergency screen): 911 is alerted.",
    )


# Triage's three answers (civic311.triage.model.Decision, restated so reading a request never loads triage).
Decision = Literal["emergency", "review", "routine"]


class Screening(BaseModel):
    """What triage found in the description, kept for staff to see why (never shown to the public)."""

    model_config = ConfigDict(defer_build=True)

    emergency: bool
    crisis: bool
    suggested_code: str
    language: Language
    signals: list[str] = Field(default_factory=list)
    decision: Decision = Field(
        default="routine",
        description="emergency: dispatch paged; review: a call-taker must look within 2 minutes; routine: 311.",
    )


class AlertState(BaseModel):
    """Where the request's 911 alert stands: pending until SNS has accepted it, poison if SNS refused it as invalid."""

    model_config = ConfigDict(defer_build=True)

    status: Literal["pending", "delivered", "poison"]
    kind: Literal["screened", "staff-escalation", "diversion", "unacknowledged"]
    message_id: str | None = None
    delivered_at: datetime | None = None
    reason: str | None = None
    escalated_by: str | None = None
    error: str | None = Field(default=None, description="Why SNS refused a poison alert (on-call was paged).")
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    unconfirmed_copy: str | None = Field(
        default=None, description="sent_at of a copy SNS may have received (its answer timed out); sent again as is."
    )
    # Dispatch's own account of the incident, after APCO/TMA ASAP (cases/dispatch_status.py). Staff see it; the
    # resident's status never says 911 refused.
    dispatch_status: Literal["accepted", "rejected", "dispatched", "on-scene", "closed"] | None = None
    dispatch_status_at: datetime | None = None
    rejection_reason: Literal["invalid-address", "invalid-type", "too-old", "other"] | None = None
    rejection_detail: str | None = None
    disposition: str | None = None


class ReviewState(BaseModel):
    """A doubtful report's call-taker review: awaiting one, or who answered (or that nobody did in time)."""

    model_config = ConfigDict(defer_build=True)

    status: Literal["awaiting", "escalated", "cleared", "unreviewed"]
    by: str | None = Field(default=None, description="The call-taker's id; '311' when the window ran out.")
    note: str | None = None
    at: datetime | None = None


UpdateStatus = Literal["open", "in_progress", "action_scheduled", "referred", "duplicate", "closed"]


class RequestUpdate(BaseModel):
    """One step in a request's life, as residents see it (FixMyStreet-style service request updates)."""

    model_config = ConfigDict(defer_build=True)

    update_id: str
    service_request_id: str
    status: UpdateStatus
    description: str = Field(max_length=MAX_DESCRIPTION)
    updated_at: datetime
    author: str = Field(description="'311' for the system, the staff member's id, or an Open311 client's.")
    public: bool = True
    media_url: str | None = Field(default=None, description="A photo an Open311 client sent with its comment.")


class Receipt(BaseModel):
    """What intake answers: enough to track the request, nothing personal."""

    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    token: str
    service_notice: str | None = None
    account_id: str | None = None
    emergency: bool = False
    decision: Decision = "routine"


class Satisfaction(BaseModel):
    """The resident's one answer after a resolution: were they satisfied? Staff and the metrics see it."""

    model_config = ConfigDict(defer_build=True)

    satisfied: bool
    at: datetime


class ServiceRequest(BaseModel):
    """A stored service request."""

    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    token: str
    service_code: str
    status: Status = Status.OPEN
    status_notes: str | None = None
    description: str | None = None
    attributes: AttributeAnswers = Field(default_factory=dict)
    place: Place
    media_url: str | None = None
    channel: Channel
    source: str | None = None
    language: Language = "en"
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    contact: Contact | None = None
    screening: Screening | None = None
    alert: AlertState | None = None
    review: ReviewState | None = None
    parent_id: str | None = Field(default=None, description="The open request this one duplicates.")
    jurisdiction_id: str | None = None
    supporters: int = Field(default=0, description='Residents who said "me too" instead of reporting it again.')
    satisfaction: Satisfaction | None = None
    closed_at: datetime | None = Field(default=None, description="When it was last closed.")
    reopens: int = Field(default=0, description="Times the resident reopened it after a resolution.")

    @property
    def emergency(self) -> bool:
        return self.alert is not None


class KeyUse(BaseModel):
    """A client's key as its request keeps it: whose key (digest), for what request (fingerprint), until when."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str
    fingerprint: str
    until: datetime
    # Random, per request: the tracking secret is drawn from it and the client's key (see tracking_secret).
    salt: str
