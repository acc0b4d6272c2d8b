"""After a resolution, from the resident's own link: were you satisfied (once per resolution), and reopening it."""

from __future__ import annotations

from datetime import datetime, timedelta

from civic311 import metrics
from civic311.errors import Conflict, Forbidden, NotFound
from civic311.models import tracking
from civic311.models.cases import Satisfaction, Status
from civic311.store.requests import RequestStore


def answer_satisfaction(
    store: RequestStore, request_id: str, secret: str | None, satisfied: bool, now: datetime
) -> Satisfaction:
    """Keep the resident's answer; the same answer again is a no-op, a different one a Conflict."""
    request = store.get(request_id)
    if request is None:
        raise NotFound(f"service request {request_id} does not exist")
    if not tracking.opens(secret, request.token):
        raise Forbidden(f"X-Request-Token does not open service request {request_id}")
    answer = Satisfaction(satisfied=satisfied, at=now)
    held = store.record_satisfaction(request_id, answer)
    if held is None:
        raise Conflict(f"service request {request_id} is not resolved yet; ask again once it is")
    if held is answer:
        metrics.count("SatisfactionAnswers", satisfied=str(satisfied).lower(), service_code=request.service_code)
        return answer
    if held.satisfied != satisfied:
        raise Conflict(f"service request {request_id} already has your answer for this resolution")
    return held


REOPEN_WINDOW = timedelta(days=14)


def reopen(
    store: RequestStore, request_id: str, secret: str | None, reason: str, now: datetime, *, raced: bool = False
) -> int:
    """Reopen a request closed within the window; the number of this reopening (the same again if it is still open)."""
    request = store.get(request_id)
    if request is None:
        raise NotFound(f"service request {request_id} does not exist")
    if not tracking.opens(secret, request.token):
        raise Forbidden(f"X-Request-Token does not open service request {request_id}")
    if request.status != Status.CLOSED:
        if request.reopens:
            return request.reopens  # reopened already: the same answer, and no second workflow
        raise Conflict(f"service request {request_id} is not resolved; only a resolved request can be reopened")
    closed_at = request.closed_at or request.updated_at
    since = now - REOPEN_WINDOW
    if closed_at < since:
        raise Conflict(f"service request {request_id} was resolved more than 14 days ago; please report it again")
    if not store.reopen(request_id, request.reopens + 1, reason, since, now):
        if raced:
            raise Conflict(f"service request {request_id} changed while it was being reopened; please try again")
        # Reopened (or changed) between the read and the write: answer from what it is now.
        return reopen(store, request_id, secret, reason, now, raced=True)
    metrics.count("RequestsReopened", service_code=request.service_code)
    return request.reopens + 1
