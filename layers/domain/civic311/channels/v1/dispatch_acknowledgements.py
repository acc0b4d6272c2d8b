"""The body of POST /v1/requests/{id}/acknowledge, as a CAD sends it after APCO/TMA ASAP (ANS 2.101).

`{"status": "accepted"|"rejected"|"dispatched"|"on-scene"|"closed", "reason"?, "detail"?, "disposition"?}`; an
empty body is an acceptance. A rejection names why (`reason`, with `detail` in the dispatcher's words); a closure
carries its `disposition`. The rules of order live in cases/dispatch_status.py.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from civic311.cases.dispatch_status import DispatchReport, DispatchStatus, RejectionReason
from civic311.errors import InvalidInput

MAX_TEXT = 500


def _printable(value: str) -> str:
    # A CAD's free text reaches staff screens and the supervisor's page: no control or format characters in it.
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        raise ValueError("must not contain control or invisible formatting characters")
    return value


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT), AfterValidator(_printable)
]


class DispatchAcknowledgement(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    status: DispatchStatus = Field(
        default="accepted", description="Forward only: accepted, dispatched, on-scene, closed."
    )
    reason: RejectionReason | None = Field(default=None, description="Why dispatch rejected the alert (rejected only).")
    detail: Text | None = Field(default=None, description="The rejection's reason in the dispatcher's words.")
    disposition: Text | None = Field(default=None, description="How the incident ended (closed only).")
    note: Text | None = Field(default=None, description="A note for 311 staff (the console's acknowledgement).")

    def report(self) -> DispatchReport:
        """What dispatch reported; InvalidInput when its fields do not fit its status. Checked here, after the
        caller's groups, rather than while the body is parsed: who may not acknowledge learns nothing of the rules."""
        if self.status == "rejected" and self.reason is None:
            raise InvalidInput("a rejection needs a reason: invalid-address, invalid-type, too-old or other")
        if self.status != "rejected" and (self.reason or self.detail):
            raise InvalidInput("reason and detail belong to a rejection")
        if self.status == "closed" and not self.disposition:
            raise InvalidInput("a closed incident needs its disposition")
        if self.status != "closed" and self.disposition:
            raise InvalidInput("a disposition belongs to a closed incident")
        return DispatchReport(self.status, self.reason, self.detail, self.disposition)


class DispatchAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    status: DispatchStatus
    repeat: bool = Field(description="True when this status was recorded already: nothing changed.")
    resolving: bool = Field(default=True, description="Kept for consoles that read it: the acknowledgement is in.")
