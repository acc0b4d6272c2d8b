"""A referral as a record a provider acts on: one per (request, directory resource), from referred to its end.

The resident reads the status only; the provider's reason and note are for the provider and staff, since a
reason ("not eligible", "no capacity") can say more about the resident's situation than the resident chose to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from civic311.models.limits import printable_for_staff

ReferralStatus = Literal["referred", "accepted", "declined", "completed"]
# What a provider may set; "referred" is where every referral starts.
ProviderStatus = Literal["accepted", "declined", "completed"]
# Why a provider declined, in words staff can count: the gaps report groups declines by these.
DeclineReason = Literal["no-capacity", "not-eligible", "unreachable", "service-unavailable", "duplicate", "other"]
FINAL: frozenset[ReferralStatus] = frozenset({"declined", "completed"})
MAX_NOTE = 500


Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE),
    AfterValidator(printable_for_staff),
]


class ReferralRecord(BaseModel):
    """A request referred to one directory resource (an HSDS service at a location) and where that stands."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(frozen=True, defer_build=True)

    service_request_id: str
    resource_id: str = Field(description="The HSDS service_at_location id the request was referred to")
    service_name: str
    organization_id: str
    organization_name: str
    location_name: str | None = None
    need: str = Field(description="The service code of the need referred")
    status: ReferralStatus = "referred"
    referred_at: datetime
    updated_at: datetime
    updated_by: str | None = Field(default=None, description="The provider's token subject (never an email)")
    decline_reason: DeclineReason | None = None
    note: Note | None = Field(default=None, description="The provider's own words: staff and the provider only")
