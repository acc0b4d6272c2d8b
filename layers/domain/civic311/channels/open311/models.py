"""Open311 GeoReport v2 wire models: field names and shapes exactly as the specification has them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from civic311.models.referrals import ReferralStatus

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
Format = Literal["json", "xml"]


class Endpoint(BaseModel):
    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(defer_build=True)

    specification: str = SPECIFICATION
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str] = Field(default_factory=lambda: ["text/xml", "application/json"])


class Discovery(BaseModel):
    model_config = ConfigDict(defer_build=True)

    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true when the service has attributes: fetch its definition.")
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str = Field(description="Comma-separated keywords.")
    group: str


class AttributeValue(BaseModel):
    model_config = ConfigDict(defer_build=True)

    key: str
    name: str


class Attribute(BaseModel):
    model_config = ConfigDict(defer_build=True)

    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None = None
    order: int
    description: str
    values: list[AttributeValue] = Field(default_factory=list)


class ServiceDefinition(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_code: str
    attributes: list[Attribute]


class ServiceRequest(BaseModel):
    """A request as the public sees it: never any caller contact details."""

    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None = None
    service_name: str
    service_code: str
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None
    # Not in GeoReport v2: residents who said "me too" instead of reporting it again (clients ignore unknown fields).
    supporters: int = 0


class Note(BaseModel):
    """One step in a request's history, as Chicago's `extensions=true` lists them."""

    model_config = ConfigDict(defer_build=True)

    type: Literal["opened", "activity", "closed"]
    datetime: str
    summary: str
    description: str | None = None
    media_url: str | None = None


class ExtendedAttributes(BaseModel):
    """Chicago's extended attributes; a private request's channel and parent are not shown."""

    model_config = ConfigDict(defer_build=True)

    channel: str | None = Field(default=None, description="How the request reached 311: open311, web, phone, staff.")
    duplicate: bool = Field(default=False, description="true when staff found it repeats an open request.")
    parent_service_request_id: str | None = Field(default=None, description="The open request it repeats.")


class ExtendedServiceRequest(ServiceRequest):
    """A request with `extensions=true`: Chicago's extended attributes and notes, and a detailed status."""

    detailed_status: str = Field(
        description="The latest public step: open, in_progress, action_scheduled, referred, duplicate or closed."
    )
    extended_attributes: ExtendedAttributes
    notes: list[Note] = Field(description="Oldest first; a private request's are not shown.")


class PostedRequest(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    token: str
    service_notice: str | None = None
    account_id: str | None = None


class Token(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    token: str


class ResidentReferral(BaseModel):
    """Extension: a place the resident's request was referred to, and where its provider has it."""

    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    resource_id: str = Field(
        description="The directory resource referred to: one organization may run the same service in several places"
    )
    organization: str = Field(description="The organization's public name, from the directory")
    service_name: str = Field(description="The service's public name, from the directory")
    status: ReferralStatus
    updated_datetime: str


class RequestUpdate(BaseModel):
    """A FixMyStreet-style service request update (the Open311 extension FMS and others read)."""

    model_config = ConfigDict(defer_build=True)

    update_id: str
    service_request_id: str
    status: str
    updated_datetime: str
    description: str
    media_url: str = ""


# FixMyStreet's update statuses, as its Open311 client sends them (upper case); any case is accepted.
CLIENT_STATUSES = (
    "OPEN", "CLOSED", "FIXED", "IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING", "PLANNED", "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL", "REOPEN", "FOR_TRIAGE",
)  # fmt: skip


class UpdateForm(BaseModel):
    """POST servicerequestupdates body (FixMyStreet's extension): a client's comment or photo on a request.

    The commenter's name and email are accepted, as FixMyStreet sends them, and never stored or shown. The
    client's `status` is its own view of the report: it is checked, and never changes the city's status.
    """

    model_config = ConfigDict(defer_build=True)

    api_key: str | None = Field(default=None, description="Required at /open311/v2/, as for POST requests.")
    jurisdiction_id: str | None = None
    service_request_id: str = Field(min_length=1, max_length=64)
    update_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="The client's own id for the update: sending it again rewrites the same update.",
    )
    status: str | None = Field(default=None, description="One of FixMyStreet's statuses, e.g. OPEN, FIXED.")
    updated_datetime: str | None = Field(default=None, description="When the client took the update (ISO-8601).")
    description: str | None = Field(default=None, max_length=4000)
    media_url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2000)
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    account_id: str | None = None


class PostedUpdate(BaseModel):
    model_config = ConfigDict(defer_build=True)

    update_id: str = Field(description="The id the updates feed lists it under.")


class Error(BaseModel):
    model_config = ConfigDict(defer_build=True)

    code: int
    description: str


class RequestForm(BaseModel):
    """POST requests body (form-encoded per the spec, or JSON).

    Attributes go as `attribute[code]=value`, repeated `attribute[code][]=v` for multi-value lists
    (in JSON: an `attribute` object). Contact fields are personal data: stored, never shown.
    """

    model_config = ConfigDict(defer_build=True)

    api_key: str | None = Field(
        default=None,
        description=(
            "Required at /open311/v2/; may also be sent as a query parameter. At /open311/keyed/v2/ send the key "
            "in the X-API-Key header instead (then this field may be left out)."
        ),
    )
    jurisdiction_id: str | None = None
    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = Field(default=None, max_length=4000)
    media_url: str | None = None
    attribute: dict[str, str | list[str]] = Field(default_factory=dict)
    notify: bool = Field(
        default=False,
        description="Extension: the caller agrees to be texted (phone) or emailed about progress.",
    )
