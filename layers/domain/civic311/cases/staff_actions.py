"""What staff do to a request the call workflow waits on: resolve it, or (dispatch) acknowledge its 911 alert.

Each is recorded before the wait is resumed. A workflow not yet waiting finds the record when it parks its
token and moves on at once; a resumption Step Functions refused is retried by sending the same action again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from civic311 import metrics
from civic311.errors import Conflict, InvalidInput
from civic311.models.cases import RequestUpdate, ServiceRequest
from civic311.store import executions
from civic311.store.request_acknowledgements import AlreadyAcknowledged
from civic311.store.requests import RequestStore


def resolve(requests: RequestStore, request: ServiceRequest, note: str, by: str, public: bool | None) -> None:
    """Hand the resolution to the waiting workflow, whose Close step records the note, closes duplicates too and
    tells the caller. Conflict while the workflow does not wait for one yet."""
    if public is False:
        raise InvalidInput("a resolution note is public: residents see why their request closed")
    request_id = request.service_request_id
    token, _ = requests.tokens(request_id)
    if not token:
        raise Conflict("the request's workflow is not waiting for a resolution yet; try again in a moment")
    # The note waits in the table: the task's output stays in the execution history, so it carries no words.
    requests.hold_resolution(request_id, note, by)
    executions.send(token, {"resolved_by": by})
    metrics.count("Resolutions", service_code=request.service_code)


def acknowledge(requests: RequestStore, request: ServiceRequest, by: str, note: str | None, at: datetime) -> None:
    """Record that dispatch took over the emergency, keep the dispatcher's note for staff, resume the wait."""
    request_id = request.service_request_id
    retried = False
    try:
        token = requests.acknowledge(request_id, by, at)
    except AlreadyAcknowledged:
        retried = True
        # A retry after Step Functions refused to resume: the acknowledgement stands, and the wait it is for
        # is still parked, so resume it now. Once the workflow has moved on there is nothing to resume.
        _, token = requests.tokens(request_id)
        if not token:
            raise
    if note and not retried:
        # A dispatcher's note is for staff; the workflow is told only who took over.
        requests.add_update(
            RequestUpdate(
                update_id=f"ack-{uuid.uuid4().hex[:8]}",
                service_request_id=request_id,
                status="referred",
                description=note,
                updated_at=at,
                author=by,
                public=False,
            )
        )
    if token:
        executions.resume(token, {"acknowledged_by": by, "note": None})
    metrics.count("EmergencyAcknowledgements", channel=request.channel.value)
