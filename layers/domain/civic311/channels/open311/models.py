"""Open311 GeoReport v2 wire models: field names and shapes exactly as the specification has them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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


class RequestUpdate(BaseModel):
    """A FixMyStreet-style service request update (the Open311 extension FMS and others read)."""

    model_config = ConfigDict(defer_build=True)

    update_id: str
    service_request_id: str
    status: str
    updated_datetime: str
    description: str
    media_url: str = ""


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
