""" "Is it one of these?": open requests near a resident's point, and the resident who says "me too"."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

# Not the case models: the public API's import builds only what its routes declare (tests/unit/test_import_weight).
from civic311.models.limits import Email


def _no_control_characters(value: str) -> str:
    # An address with a line break or a bidi mark in it would travel into a notification's headers.
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        raise ValueError("must not contain control or formatting characters")
    return value


class NearbyRequest(BaseModel):
    """An open request near the asked point, as the public may read it (never its contact or private words)."""

    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    service_code: str
    description: str | None = Field(description="The resident's words, only when the request is fully public.")
    status: Literal["open"]
    requested_datetime: datetime
    supporters: int = Field(description='Residents who said "me too".')
    distance_m: int = Field(description="Metres from the asked point, rounded.")


class Supporter(BaseModel):
    """A resident saying "me too": counted once, told about progress only if they agree and leave an email."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    email: Annotated[Email, AfterValidator(_no_control_characters)] | None = Field(
        default=None, description="Counts this resident once; kept (sealed) only with `notify`."
    )
    notify: bool = Field(default=False, description="The resident agreed to be emailed the request's progress.")
    idempotency_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{8,128}$")] | None = Field(
        default=None, description="Counts this resident once when no email is given (the page sends one per visit)."
    )

    @model_validator(mode="after")
    def _countable_once(self) -> Supporter:
        if self.email is None and self.idempotency_key is None:
            raise ValueError("an email or an idempotency_key is needed, so a resident is counted once")
        if self.notify and self.email is None:
            raise ValueError("notify needs an email to send progress to")
        return self


class Supported(BaseModel):
    """The answer to "me too": the request's count now, and whether this resident was new to it."""

    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    supporters: int
    counted: bool = Field(description="False when this resident had already said so (counted once).")
    following: bool = Field(description="The resident will be emailed the request's progress.")
