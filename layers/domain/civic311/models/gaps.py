"""Unmet needs as they are recorded, and the notice the supervisors' queue carries for each."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from civic311.models.vocabulary import GapReason

GapSource = Literal["referral", "request"]
MAX_DESCRIPTION = 1000


class Area(BaseModel):
    """Where a need arose, coarsely."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(frozen=True, defer_build=True)

    cell: str = Field(description="H3 cell (resolution 6, about 36 km²)")
    jurisdiction: str = Field(description="Name of the jurisdiction the cell centre falls in")
    label: str = Field(description="A human label, e.g. 'City of Tucson, north-east'")


class GapRecord(BaseModel):
    """One unmet need."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    service_code: str
    area: Area
    recorded_at: datetime
    reason: GapReason
    source: GapSource
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    service_request_id: str | None = None


class GapNotice(BaseModel):
    """What the queue carries for the supervisors' summary: no description, so no personal details."""

    model_config = ConfigDict(defer_build=True)

    id: str
    service_code: str
    area: Area
    reason: GapReason
    recorded_at: datetime
